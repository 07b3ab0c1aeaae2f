// Command header-enricher is a kafkawasm enricher plugin that adds a trace
// id, the producing host's name and a SHA-256 of the value as headers. See
// ../README.md for the config and the exact header formats.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ../header-enricher.wasm .
package main

import (
	"errors"

	"github.com/kafkawasm/kafkawasm/plugins/internal/plugcfg"
	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// Header names added by the plugin, in this order.
const (
	traceHeader = "trace-id"
	hostHeader  = "host"
	hashHeader  = "content-sha256"
)

type config struct {
	traceID  bool
	host     []byte // nil: no host header
	contents bool
}

var (
	cfg = config{traceID: true, contents: true} // defaults before/without configure

	// Random bytes are fetched from the host 1 KiB at a time, not per record.
	pool    [1024]byte
	poolPos = len(pool)

	out     []sdk.Header
	traceID [32]byte
	hash    [64]byte
)

func init() {
	sdk.RegisterConfigure(configure)
	sdk.RegisterEnricher(enrich)
}

func main() {}

func configure(raw []byte) error {
	var d kwjson.Doc
	root, err := plugcfg.Parse(&d, raw, "host_name", "trace_id", "host", "content_sha256")
	if err != nil {
		return err
	}
	name, hasName, err := plugcfg.String(root, "host_name")
	if err != nil {
		return err
	}
	var c config
	if c.traceID, err = plugcfg.Bool(root, "trace_id", true); err != nil {
		return err
	}
	addHost, err := plugcfg.Bool(root, "host", hasName)
	if err != nil {
		return err
	}
	if c.contents, err = plugcfg.Bool(root, "content_sha256", true); err != nil {
		return err
	}
	if addHost && !hasName {
		return errors.New(`config: "host" is true but "host_name" is not set`)
	}
	if addHost {
		c.host = []byte(name)
	}
	cfg = c
	return nil
}

const hexDigits = "0123456789abcdef"

func hexInto(dst, src []byte) {
	for i, b := range src {
		dst[2*i] = hexDigits[b>>4]
		dst[2*i+1] = hexDigits[b&0xF]
	}
}

func randomBytes(n int) []byte {
	if poolPos+n > len(pool) {
		sdk.Random(pool[:])
		poolPos = 0
	}
	b := pool[poolPos : poolPos+n]
	poolPos += n
	return b
}

// enrich returns headers that alias package buffers: the SDK copies them out
// before the next record.
func enrich(r sdk.Record) ([]sdk.Header, error) {
	out = out[:0]
	if cfg.traceID {
		if _, exists := r.Header(traceHeader); !exists {
			hexInto(traceID[:], randomBytes(16))
			out = append(out, sdk.Header{Key: traceHeader, Value: traceID[:]})
		}
	}
	if cfg.host != nil {
		out = append(out, sdk.Header{Key: hostHeader, Value: cfg.host})
	}
	if cfg.contents && r.Value != nil {
		sum := sdk.SHA256(r.Value)
		hexInto(hash[:], sum[:])
		out = append(out, sdk.Header{Key: hashHeader, Value: hash[:]})
	}
	return out, nil
}
