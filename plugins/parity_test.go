package plugins_test

import (
	"bytes"
	"testing"
)

// FuzzCodecParity feeds the same bytes to the Go and AssemblyScript builds of
// json-codec, as encode input and as decode input, and requires identical
// results: the two SDKs' JSON parsers and the two wire codecs must agree on
// every input, not just on the vectors. Run with -fuzz to explore.
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
			g, errG := insts["go"].Codec(op, "t", [][]byte{in})
			a, errA := insts["as"].Codec(op, "t", [][]byte{in})
			if errG != nil || errA != nil {
				t.Fatalf("%s %q: whole call failed: go %v, as %v", op, in, errG, errA)
			}
			if g[0].Err != a[0].Err || !bytes.Equal(g[0].Value, a[0].Value) {
				t.Fatalf("%s %q: go %q %q, as %q %q", op, in, g[0].Value, g[0].Err, a[0].Value, a[0].Err)
			}
		}
	})
}
