package plugins_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
)

// The conformance vector format (plugins/testdata/vectors/*.json); see
// plugins/testdata/vectors/README.md.

type vectorFile struct {
	Plugin      string       `json:"plugin"`
	Kind        string       `json:"kind"` // partitioner, codec or enricher
	Description string       `json:"description"`
	Cases       []vectorCase `json:"cases"`
}

type vectorCase struct {
	Name              string          `json:"name"`
	Config            json.RawMessage `json:"config"`     // passed to kw_configure when present
	ConfigRaw         *string         `json:"config_raw"` // passed verbatim instead (for invalid JSON)
	ExpectConfigError *string         `json:"expect_config_error"`
	Topic             string          `json:"topic"`
	PartitionCount    int             `json:"partition_count"`
	Op                string          `json:"op"` // codec: encode or decode
	Records           []vectorRecord  `json:"records"`
}

type vectorRecord struct {
	Key     bytesField      `json:"key"`
	Value   bytesField      `json:"value"`
	Headers []headerField   `json:"headers"`
	In      bytesField      `json:"in"` // codec input
	Expect  expectedOutcome `json:"expect"`
}

type expectedOutcome struct {
	Partition *int          `json:"partition"`
	NoOpinion bool          `json:"no_opinion"`
	Error     *string       `json:"error"`
	Hex       *string       `json:"hex"`       // codec output bytes
	Text      *string       `json:"text"`      // codec output as UTF-8 text
	Null      bool          `json:"null"`      // codec output is null
	Roundtrip *string       `json:"roundtrip"` // encode: decode(output) as text
	Headers   []headerField `json:"headers"`   // enricher: headers added, in order
}

// bytesField is a JSON string (its UTF-8 bytes), null/absent (nil), or
// {"hex": "..."} for binary.
type bytesField struct{ b []byte }

func (f *bytesField) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		f.b = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err == nil {
		f.b = []byte(s)
		return nil
	}
	var h struct{ Hex string }
	if err := json.Unmarshal(data, &h); err != nil {
		return err
	}
	b, err := hex.DecodeString(h.Hex)
	if err != nil {
		return err
	}
	f.b = b
	return nil
}

// headerField is ["key", value] where value is a bytesField, or in
// expectations also {"regex": "..."} (matched against the whole value).
type headerField struct {
	Key   string
	Value bytesField
	Regex *regexp.Regexp
}

func (h *headerField) UnmarshalJSON(data []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(data, &pair); err != nil || len(pair) != 2 {
		return fmt.Errorf("header must be [key, value]: %s", data)
	}
	if err := json.Unmarshal(pair[0], &h.Key); err != nil {
		return err
	}
	var re struct{ Regex *string }
	if json.Unmarshal(pair[1], &re) == nil && re.Regex != nil {
		rx, err := regexp.Compile(*re.Regex)
		h.Regex = rx
		return err
	}
	return h.Value.UnmarshalJSON(pair[1])
}

func loadVectors(t *testing.T) map[string]*vectorFile {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "vectors", "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no vector files: %v", err)
	}
	out := map[string]*vectorFile{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		var vf vectorFile
		if err := dec.Decode(&vf); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if want := strings.TrimSuffix(filepath.Base(p), ".json"); vf.Plugin != want {
			t.Fatalf("%s: plugin %q does not match the file name", p, vf.Plugin)
		}
		out[vf.Plugin] = &vf
	}
	return out
}

func toRecords(rs []vectorRecord) []sdk.Record {
	out := make([]sdk.Record, len(rs))
	for i, r := range rs {
		out[i] = sdk.Record{Key: r.Key.b, Value: r.Value.b}
		for _, h := range r.Headers {
			out[i].Headers = append(out[i].Headers, sdk.Header{Key: h.Key, Value: h.Value.b})
		}
	}
	return out
}

func show(b []byte) string {
	if b == nil {
		return "null"
	}
	return fmt.Sprintf("%q", b)
}

// runCase runs one vector case against an instance. It returns a transcript
// of the outputs (with regex-matched values masked) to compare builds, and
// every mismatch with the vector.
func runCase(p pluginInstance, kind string, c *vectorCase) (transcript []string, problems []string) {
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// The host always calls kw_configure, with {} when there is no config.
	cfg := []byte("{}")
	switch {
	case c.ConfigRaw != nil:
		cfg = []byte(*c.ConfigRaw)
	case c.Config != nil:
		cfg = c.Config
	}
	err := p.Configure(cfg)
	transcript = append(transcript, fmt.Sprintf("configure: %v", err))
	switch {
	case c.ExpectConfigError != nil && (err == nil || err.Error() != *c.ExpectConfigError):
		bad("configure error = %v, want %q", err, *c.ExpectConfigError)
	case c.ExpectConfigError == nil && err != nil:
		bad("configure: %v", err)
	}
	if err != nil {
		return transcript, problems
	}
	if len(c.Records) == 0 {
		return transcript, problems
	}
	switch kind {
	case "partitioner":
		var res []sdk.PartitionResult
		if res, err = p.Partition(c.Topic, c.PartitionCount, toRecords(c.Records)); err == nil {
			for i, r := range res {
				transcript = append(transcript, fmt.Sprintf("%d: %d %q", i, r.Partition, r.Err))
				checkPartition(bad, i, r, c.Records[i].Expect, p.NoOpinion(c.Records[i].Key.b, c.PartitionCount))
			}
		}
	case "codec":
		vals := make([][]byte, len(c.Records))
		for i, r := range c.Records {
			vals[i] = r.In.b
		}
		var res []sdk.CodecResult
		if res, err = p.Codec(c.Op, c.Topic, vals); err == nil {
			for i, r := range res {
				transcript = append(transcript, fmt.Sprintf("%d: %s %q", i, show(r.Value), r.Err))
				checkCodec(bad, p, c, i, r, c.Records[i].Expect)
			}
		}
	case "enricher":
		var res []sdk.EnrichResult
		if res, err = p.Enrich(c.Topic, toRecords(c.Records)); err == nil {
			for i, r := range res {
				transcript = append(transcript, fmt.Sprintf("%d: %q", i, r.Err))
				checkEnrich(bad, &transcript, i, r, c.Records[i].Expect)
			}
		}
	default:
		bad("unknown kind %q", kind)
	}
	if err != nil {
		bad("whole call failed: %v", err)
	}
	return transcript, problems
}

func checkError(bad func(string, ...any), i int, got string, exp expectedOutcome) bool {
	if exp.Error == nil {
		if got != "" {
			bad("record %d: unexpected error %q", i, got)
		}
		return got == ""
	}
	if got != *exp.Error {
		bad("record %d: error %q, want %q", i, got, *exp.Error)
	}
	return false
}

func checkPartition(bad func(string, ...any), i int, r sdk.PartitionResult, exp expectedOutcome, noOpinion int32) {
	if !checkError(bad, i, r.Err, exp) {
		return
	}
	switch {
	case exp.NoOpinion:
		if r.Partition != noOpinion {
			bad("record %d: partition %d, want no opinion (%d)", i, r.Partition, noOpinion)
		}
	case exp.Partition != nil:
		if int(r.Partition) != *exp.Partition {
			bad("record %d: partition %d, want %d", i, r.Partition, *exp.Partition)
		}
	default:
		bad("record %d: vector has no expectation", i)
	}
}

func checkCodec(bad func(string, ...any), p pluginInstance, c *vectorCase, i int, r sdk.CodecResult, exp expectedOutcome) {
	if !checkError(bad, i, r.Err, exp) {
		return
	}
	switch {
	case exp.Null:
		if r.Value != nil {
			bad("record %d: got %s, want null", i, show(r.Value))
		}
	case exp.Hex != nil:
		if got := hex.EncodeToString(r.Value); got != *exp.Hex || r.Value == nil {
			bad("record %d: got hex %s, want %s", i, got, *exp.Hex)
		}
	case exp.Text != nil:
		if string(r.Value) != *exp.Text || r.Value == nil {
			bad("record %d: got %s, want %q", i, show(r.Value), *exp.Text)
		}
	default:
		bad("record %d: vector has no expectation", i)
	}
	if exp.Roundtrip != nil {
		back, err := p.Codec("decode", c.Topic, [][]byte{r.Value})
		if err != nil || back[0].Err != "" || string(back[0].Value) != *exp.Roundtrip {
			bad("record %d: decode(encode) = %+v, %v; want %q", i, back, err, *exp.Roundtrip)
		}
	}
}

func checkEnrich(bad func(string, ...any), transcript *[]string, i int, r sdk.EnrichResult, exp expectedOutcome) {
	if !checkError(bad, i, r.Err, exp) {
		return
	}
	if exp.Headers == nil {
		bad("record %d: vector has no expectation", i)
		return
	}
	if len(r.Headers) != len(exp.Headers) {
		bad("record %d: %d headers %v, want %d", i, len(r.Headers), r.Headers, len(exp.Headers))
		return
	}
	for j, h := range r.Headers {
		e := exp.Headers[j]
		val := show(h.Value)
		switch {
		case h.Key != e.Key:
			bad("record %d header %d: key %q, want %q", i, j, h.Key, e.Key)
		case e.Regex != nil:
			if h.Value == nil || !e.Regex.Match(h.Value) {
				bad("record %d header %q: value %s does not match %s", i, h.Key, val, e.Regex)
			}
			val = "<matches " + e.Regex.String() + ">"
		case show(h.Value) != show(e.Value.b):
			bad("record %d header %q: value %s, want %s", i, h.Key, val, show(e.Value.b))
		}
		*transcript = append(*transcript, fmt.Sprintf("  %q=%s", h.Key, val))
	}
}

// pluginInstance is what runCase needs from a loaded plugin.
type pluginInstance interface {
	Configure(cfg []byte) error
	Partition(topic string, partitionCount int, recs []sdk.Record) ([]sdk.PartitionResult, error)
	Codec(op, topic string, vals [][]byte) ([]sdk.CodecResult, error)
	Enrich(topic string, recs []sdk.Record) ([]sdk.EnrichResult, error)
	// NoOpinion is what a "no opinion" result looks like for a record:
	// -1 at the ABI, the default partitioner's choice through the runtime.
	NoOpinion(key []byte, partitionCount int) int32
}
