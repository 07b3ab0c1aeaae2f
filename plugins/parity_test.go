package plugins_test

import (
	"bytes"
	"testing"

	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
)

// FuzzCodecParity feeds the same bytes to every build of json-codec (Go,
// AssemblyScript, C), as encode input and as decode input, and requires
// identical results: the SDKs' JSON parsers and the wire codecs must agree
// on every input, not just on the vectors. Run with -fuzz to explore.
func FuzzCodecParity(f *testing.F) {
	for _, s := range []string{
		`{"id":"a1","total":12}`, `{"a":[1,-0,1e5,"\u00e9\ud83d\ude00"],"b":{"c":null}}`, `[1]`, `{"a":1,"a":2}`,
		"{\"a\":\"\xff\"}", `{"a":"\ud800"}`, `{"n":-9223372036854775809}`, "\x01\x07\x01\x01a\x03\x18", "\x01\x07\x00\x00",
	} {
		f.Add([]byte(s))
	}
	insts := map[string]*instance{}
	for _, b := range builds {
		path := wasmPath("json-codec", b.suffix)
		if !built(path) {
			f.Skip(path + " is not built")
		}
		t := &testing.T{}
		insts[b.name] = theHarness(t).compile(t, path).instantiate(t)
		if err := insts[b.name].Configure([]byte(`{"required":["id"],"types":{"id":"string","n":"integer"}}`)); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, op := range []string{"encode", "decode"} {
			ref := builds[0].name
			g, errG := insts[ref].Codec(op, "t", [][]byte{in})
			if errG != nil {
				t.Fatalf("%s %q: whole call failed: %s %v", op, in, ref, errG)
			}
			for _, b := range builds[1:] {
				a, errA := insts[b.name].Codec(op, "t", [][]byte{in})
				if errA != nil {
					t.Fatalf("%s %q: whole call failed: %s %v", op, in, b.name, errA)
				}
				if g[0].Err != a[0].Err || !bytes.Equal(g[0].Value, a[0].Value) {
					t.Fatalf("%s %q: %s %q %q, %s %q %q", op, in, ref, g[0].Value, g[0].Err, b.name, a[0].Value, a[0].Err)
				}
			}
		}
	})
}

// FuzzBatchInputParity feeds the same bytes, as a record batch, to every
// build of region-partitioner (kw_partition) and header-enricher
// (kw_enrich): the SDKs' batch parsers must agree on every input, well
// formed or not. The output bytes must be identical, or every build must
// fail the whole call; the AssemblyScript, C and Rust SDKs also give the
// same message for it. Run with -fuzz to explore.
func FuzzBatchInputParity(f *testing.F) {
	for _, recs := range [][]sdk.Record{
		{{Key: []byte("k"), Value: []byte(`{"region":"eu"}`), Headers: []sdk.Header{{Key: "region", Value: []byte("us")}}}},
		{{Key: nil, Value: nil}, {Key: []byte{}, Value: []byte("v"), Headers: []sdk.Header{{Key: "x", Value: nil}, {Key: "region", Value: []byte("ap")}}}},
	} {
		in := sdk.AppendBatchInput(nil, "orders", 7, recs)
		f.Add(in)
		f.Add(in[:len(in)-1])
		f.Add(append(in, 0))
	}
	f.Add([]byte{})
	type target struct{ plugin, cfg, fn string }
	targets := []target{
		{"region-partitioner", `{"header":"region","json_field":"region","regions":["eu","us","ap"]}`, "kw_partition"},
		{"header-enricher", `{"host_name":"h","trace_id":false}`, "kw_enrich"},
	}
	insts := map[target]map[string]*instance{}
	for _, tg := range targets {
		insts[tg] = map[string]*instance{}
		for _, b := range builds {
			path := wasmPath(tg.plugin, b.suffix)
			if !built(path) {
				f.Skip(path + " is not built")
			}
			t := &testing.T{}
			in := theHarness(t).compile(t, path).instantiate(t)
			if err := in.Configure([]byte(tg.cfg)); err != nil {
				f.Fatal(err)
			}
			insts[tg][b.name] = in
		}
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		for _, tg := range targets {
			outs := map[string][]byte{}
			errs := map[string]error{}
			for _, b := range builds {
				outs[b.name], errs[b.name] = insts[tg][b.name].output(tg.fn, input)
			}
			ref := builds[0].name
			for _, b := range builds[1:] {
				if (errs[ref] == nil) != (errs[b.name] == nil) || !bytes.Equal(outs[ref], outs[b.name]) {
					t.Fatalf("%s %x: %s %x %v, %s %x %v", tg.fn, input, ref, outs[ref], errs[ref], b.name, outs[b.name], errs[b.name])
				}
			}
			// The SDKs other than Go's give the same whole-call messages.
			for _, b := range builds[2:] {
				ea, eb := errs[builds[1].name], errs[b.name]
				if ea != nil && eb != nil && ea.Error() != eb.Error() {
					t.Fatalf("%s %x: %s %v, %s %v", tg.fn, input, builds[1].name, ea, b.name, eb)
				}
			}
		}
	})
}
