// Command region-partitioner is a kafkawasm partitioner plugin that routes
// records to a range of partitions per region, read from a header or a
// top-level JSON field of the value. See ../README.md for the exact rules.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ../region-partitioner.wasm .
package main

import (
	"errors"
	"strconv"

	"github.com/kafkawasm/kafkawasm/plugins/internal/plugcfg"
	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// config is the validated plugin configuration.
type config struct {
	header    string // "" when routing by header is off
	jsonField string // "" when routing by JSON field is off
	regions   []string
}

var (
	cfg        *config // nil until configured
	doc        kwjson.Doc
	errNotConf = errors.New(`not configured: "regions" is required`)
)

func init() {
	sdk.RegisterConfigure(configure)
	sdk.RegisterPartitioner(partition)
}

func main() {}

func configure(raw []byte) error {
	var d kwjson.Doc
	root, err := plugcfg.Parse(&d, raw, "header", "json_field", "regions")
	if err != nil {
		return err
	}
	var c config
	if c.header, _, err = plugcfg.String(root, "header"); err != nil {
		return err
	}
	if c.jsonField, _, err = plugcfg.String(root, "json_field"); err != nil {
		return err
	}
	if c.header == "" && c.jsonField == "" {
		return errors.New(`config: one of "header" or "json_field" is required`)
	}
	const regionsMsg = `config: "regions" must be a non-empty array of non-empty strings`
	c.regions, _, err = plugcfg.Strings(root, "regions", regionsMsg)
	if err != nil {
		return err
	}
	if len(c.regions) == 0 {
		return errors.New(regionsMsg)
	}
	for i, r := range c.regions {
		for _, prev := range c.regions[:i] {
			if prev == r {
				return errors.New("config: duplicate region " + kwjson.Quote(r))
			}
		}
	}
	cfg = &c
	return nil
}

// region returns the record's region bytes, or nil when it has none.
func region(c *config, r *sdk.Record) ([]byte, error) {
	if c.header != "" {
		if v, ok := r.Header(c.header); ok && v != nil {
			return v, nil
		}
	}
	if c.jsonField == "" || r.Value == nil {
		return nil, nil
	}
	if err := doc.Parse(r.Value); err != nil {
		return nil, errors.New("value is not valid JSON: " + err.Error())
	}
	v := doc.Root().Get(c.jsonField)
	if v.Kind() != kwjson.String {
		return nil, nil
	}
	return v.Bytes(), nil
}

func partition(r sdk.Record, n int) (int, error) {
	c := cfg
	if c == nil {
		return 0, errNotConf
	}
	reg, err := region(c, &r)
	if err != nil || reg == nil {
		return sdk.NoOpinion, err
	}
	idx := -1
	for i, name := range c.regions {
		if name == string(reg) {
			idx = i
			break
		}
	}
	if idx < 0 {
		return sdk.NoOpinion, nil
	}
	lo, hi := regionRange(idx, len(c.regions), n)
	if lo == hi {
		return 0, errors.New("region " + string(kwjson.AppendString(nil, reg)) + " has no partitions (" +
			strconv.Itoa(len(c.regions)) + " regions, " + strconv.Itoa(n) + " partitions)")
	}
	if r.Key == nil {
		return lo, nil
	}
	return lo + int(uint32(murmur2(r.Key))&0x7fffffff)%(hi-lo), nil
}

// regionRange is region i's partitions [lo, hi) of n shared by count regions.
func regionRange(i, count, n int) (lo, hi int) {
	return int(int64(i) * int64(n) / int64(count)), int(int64(i+1) * int64(n) / int64(count))
}

// murmur2 is Kafka's murmur2 hash (the Java client's default partitioner).
func murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
	)
	n := len(data)
	h := seed ^ uint32(n)
	i := 0
	for ; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> 24
		k *= m
		h = h*m ^ k
	}
	switch n - i {
	case 3:
		h ^= uint32(data[i+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[i+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[i])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}
