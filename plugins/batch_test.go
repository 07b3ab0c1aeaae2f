package plugins_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
)

// Large and repeated batches: buffer growth, Go/AS agreement on generated
// inputs, and bounded memory over many calls.

func instances(t *testing.T, plugin string, cfg string) map[string]*instance {
	t.Helper()
	out := map[string]*instance{}
	for _, b := range builds {
		path := wasmPath(plugin, b.suffix)
		requireBuild(t, path)
		in := theHarness(t).compile(t, path).instantiate(t)
		if cfg != "" {
			if err := in.Configure([]byte(cfg)); err != nil {
				t.Fatalf("%s: configure: %v", path, err)
			}
		}
		out[b.name] = in
	}
	return out
}

func TestLargePartitionBatch(t *testing.T) {
	regions := []string{"eu", "us", "ap", "sa"}
	insts := instances(t, "region-partitioner", `{"header":"region","regions":["eu","us","ap","sa"]}`)
	const n, parts = 5000, 37
	recs := make([]sdk.Record, n)
	for i := range recs {
		recs[i] = sdk.Record{Key: []byte(fmt.Sprintf("key-%d-%x", i, i*7919)), Headers: []sdk.Header{{Key: "region", Value: []byte(regions[i%4])}}}
	}
	var want []sdk.PartitionResult
	for i, r := range recs {
		idx := i % 4
		lo, hi := idx*parts/4, (idx+1)*parts/4
		want = append(want, sdk.PartitionResult{Partition: int32(lo + int(uint32(kafka.Murmur2(r.Key))&0x7fffffff)%(hi-lo))})
	}
	for name, in := range insts {
		got, err := in.Partition("orders", parts, recs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: partitions differ from the murmur2 reference", name)
		}
	}
}

func TestLargeEnrichBatch(t *testing.T) {
	insts := instances(t, "header-enricher", `{"host_name":"h"}`)
	recs := make([]sdk.Record, 300)
	for i := range recs {
		v := make([]byte, i*37)
		for j := range v {
			v[j] = byte(i + j*13)
		}
		recs[i] = sdk.Record{Value: v}
	}
	for name, in := range insts {
		res, err := in.Enrich("t", recs)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seen := map[string]bool{}
		for i, r := range res {
			if len(r.Headers) != 3 {
				t.Fatalf("%s record %d: headers %v", name, i, r.Headers)
			}
			sum := sha256.Sum256(recs[i].Value)
			if got := string(r.Headers[2].Value); got != hex.EncodeToString(sum[:]) {
				t.Errorf("%s record %d: content-sha256 %s", name, i, got)
			}
			id := string(r.Headers[0].Value)
			if seen[id] {
				t.Errorf("%s: trace-id %s repeated", name, id)
			}
			seen[id] = true
		}
	}
}

// TestRepeatedCalls runs many codec batches through each build and checks
// that linear memory stops growing (the AssemblyScript GC collects, the Go
// SDK reuses its buffers).
func TestRepeatedCalls(t *testing.T) {
	insts := instances(t, "json-codec", `{"required":["id"]}`)
	vals := make([][]byte, 256)
	for i := range vals {
		vals[i] = []byte(fmt.Sprintf(`{"id":"%d","tags":["a","b",%d],"nested":{"z":%d.5,"a":[true,null]}}`, i, i, i))
	}
	for name, in := range insts {
		var wire [][]byte
		var pagesAt10 uint32
		for round := 0; round < 200; round++ {
			res, err := in.Codec("encode", "t", vals)
			if err != nil {
				t.Fatalf("%s round %d: %v", name, round, err)
			}
			wire = wire[:0]
			for _, r := range res {
				if r.Err != "" {
					t.Fatalf("%s: %s", name, r.Err)
				}
				wire = append(wire, r.Value)
			}
			back, err := in.Codec("decode", "t", wire)
			if err != nil || back[5].Err != "" {
				t.Fatalf("%s decode: %v %+v", name, err, back[5])
			}
			if round == 10 {
				pagesAt10 = in.mod.Memory().Size() / 65536
			}
		}
		pages := in.mod.Memory().Size() / 65536
		t.Logf("%s: %d pages after 10 rounds, %d after 200", name, pagesAt10, pages)
		if pages > pagesAt10+8 {
			t.Errorf("%s: memory grew from %d to %d pages", name, pagesAt10, pages)
		}
	}
	// The enricher allocates headers for every record (AssemblyScript: on
	// the GC heap).
	recs := make([]sdk.Record, 256)
	for i := range recs {
		recs[i] = sdk.Record{Value: vals[i]}
	}
	for name, in := range instances(t, "header-enricher", `{"host_name":"h"}`) {
		var pagesAt10 uint32
		for round := 0; round < 200; round++ {
			if _, err := in.Enrich("t", recs); err != nil {
				t.Fatalf("%s round %d: %v", name, round, err)
			}
			if round == 10 {
				pagesAt10 = in.mod.Memory().Size() / 65536
			}
		}
		if pages := in.mod.Memory().Size() / 65536; pages > pagesAt10+8 {
			t.Errorf("enricher %s: memory grew from %d to %d pages", name, pagesAt10, pages)
		}
	}
}

// BenchmarkPlugins measures ns/record of the example plugins through the
// direct harness (no time bound, no pool): the guest's own cost plus one
// crossing per batch.
func BenchmarkPlugins(b *testing.B) {
	type bench struct {
		plugin, cfg string
		run         func(in *instance, batch int) error
	}
	recs := make([]sdk.Record, 256)
	vals := make([][]byte, 256)
	for i := range recs {
		recs[i] = sdk.Record{Key: []byte(fmt.Sprintf("customer-%d", i)), Value: []byte(fmt.Sprintf(`{"id":"o-%d","total":%d.5,"region":"us"}`, i, i)),
			Headers: []sdk.Header{{Key: "region", Value: []byte([]string{"eu", "us", "ap"}[i%3])}}}
		vals[i] = recs[i].Value
	}
	benches := []bench{
		{"region-partitioner", `{"header":"region","regions":["eu","us","ap"]}`, func(in *instance, n int) error {
			_, err := in.Partition("orders", 12, recs[:n])
			return err
		}},
		{"json-codec", `{"required":["id","total"],"types":{"id":"string","total":"number"}}`, func(in *instance, n int) error {
			_, err := in.Codec("encode", "orders", vals[:n])
			return err
		}},
		{"header-enricher", `{"host_name":"h1"}`, func(in *instance, n int) error {
			_, err := in.Enrich("orders", recs[:n])
			return err
		}},
	}
	for _, bn := range benches {
		for _, bd := range builds {
			path := wasmPath(bn.plugin, bd.suffix)
			if _, err := os.Stat(path); err != nil {
				b.Log(path + " is not built: skipped")
				continue
			}
			t := &testing.T{}
			in := theHarness(t).compile(t, path).instantiate(t)
			if err := in.Configure([]byte(bn.cfg)); err != nil {
				b.Fatal(err)
			}
			for _, n := range []int{1, 16, 256} {
				b.Run(fmt.Sprintf("%s/%s/batch=%d", bn.plugin, bd.name, n), func(b *testing.B) {
					for b.Loop() {
						if err := bn.run(in, n); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
				})
			}
		}
	}
}

// TestCodecBatchGrowth encodes and decodes batches of every size up to 80,
// on a fresh instance each, with values of varied sizes and some nulls,
// so that the SDKs' output buffers grow at every possible point of a call
// (a result that outgrows the buffer, one that fills it exactly): every
// build must give the Go build's results.
func TestCodecBatchGrowth(t *testing.T) {
	const cfg = `{"required":["id"],"types":{"id":"string","n":"integer"}}`
	vals := make([][]byte, 80)
	for i := range vals {
		if i%7 == 3 {
			continue // null
		}
		pad := make([]byte, (i*37)%300)
		for j := range pad {
			pad[j] = 'a' + byte((i+j)%26)
		}
		vals[i] = []byte(fmt.Sprintf(`{"id":"v%d","n":%d,"pad":"%s","l":[%d,{"x":null}]}`, i, i*i, pad, -i))
	}
	mods := map[string]*module{}
	for _, b := range builds {
		path := wasmPath("json-codec", b.suffix)
		requireBuild(t, path)
		mods[b.name] = theHarness(t).compile(t, path)
	}
	for n := 1; n <= len(vals); n++ {
		var ref []sdk.CodecResult
		var refWire [][]byte
		for bi, b := range builds {
			in := mods[b.name].instantiate(t)
			if err := in.Configure([]byte(cfg)); err != nil {
				t.Fatalf("%s: configure: %v", b.name, err)
			}
			enc, err := in.Codec("encode", "t", vals[:n])
			if err != nil {
				t.Fatalf("%s: encode %d values: %v", b.name, n, err)
			}
			wire := make([][]byte, n)
			for i, r := range enc {
				wire[i] = r.Value
			}
			dec, err := in.Codec("decode", "t", wire)
			if err != nil {
				t.Fatalf("%s: decode %d values: %v", b.name, n, err)
			}
			if bi == 0 {
				ref, refWire = dec, wire
				for i, r := range enc {
					if (vals[i] == nil) != (r.Value == nil) || r.Err != "" {
						t.Fatalf("%s: value %d: %q %q", b.name, i, r.Value, r.Err)
					}
				}
				continue
			}
			if !reflect.DeepEqual(wire, refWire) || !reflect.DeepEqual(dec, ref) {
				t.Fatalf("%s: batch of %d differs from %s", b.name, n, builds[0].name)
			}
		}
	}
}

// TestEmptyConfig configures a fresh instance of every build with zero
// bytes: the first call the module gets asks kw_input for an empty buffer.
func TestEmptyConfig(t *testing.T) {
	for _, b := range builds {
		path := wasmPath("region-partitioner", b.suffix)
		t.Run(b.name, func(t *testing.T) {
			requireBuild(t, path)
			in := theHarness(t).compile(t, path).instantiate(t)
			err := in.Configure(nil)
			if err == nil || err.Error() != "config: unexpected end of input at offset 0" {
				t.Errorf("empty config: %v", err)
			}
		})
	}
}

// TestCSDKEcho runs the C SDK's echo test module (testdata/c/echo.c) over
// batches whose results fill the SDK's output buffer exactly and then
// outgrow it, among them the case where the grown result's new buffer
// starts right where the output buffer ends, while the module grows and
// fills a scratch buffer after each result: every result must come back as
// it went in, and every enriched record must carry its own value. A
// header with a null key fails its record and no other.
func TestCSDKEcho(t *testing.T) {
	const path = "testdata/c/echo.wasm"
	requireBuild(t, path)
	m := theHarness(t).compile(t, path)
	value := func(n, seed int) []byte {
		v := make([]byte, n)
		for i := range v {
			v[i] = byte(seed*31 + i)
		}
		return v
	}
	// The output buffer starts at 64 bytes: a count (4), a length (4) and
	// 52 bytes leave 4, the next length fills it, and the next result
	// grows it from nothing.
	batches := [][]int{{52, 10}, {52, 0, 1}, {52, 200}, {120, 52, 7}}
	for n := 1; n <= 40; n++ {
		var sizes []int
		for i := range n {
			sizes = append(sizes, (i*53+n*17)%180)
		}
		batches = append(batches, sizes)
	}
	for _, sizes := range batches {
		vals := make([][]byte, len(sizes))
		recs := make([]sdk.Record, len(sizes))
		for i, n := range sizes {
			vals[i] = value(n, i)
			recs[i] = sdk.Record{Value: vals[i]}
		}
		in := m.instantiate(t)
		res, err := in.Codec("encode", "t", vals)
		if err != nil {
			t.Fatalf("sizes %v: %v", sizes, err)
		}
		for i, r := range res {
			if !bytes.Equal(r.Value, vals[i]) || r.Err != "" {
				t.Fatalf("sizes %v: value %d came back as %x %q", sizes, i, r.Value, r.Err)
			}
		}
		enr, err := m.instantiate(t).Enrich("t", recs)
		if err != nil {
			t.Fatalf("sizes %v: enrich: %v", sizes, err)
		}
		for i, r := range enr {
			if len(r.Headers) != 1 || r.Headers[0].Key != "echo" || !bytes.Equal(r.Headers[0].Value, vals[i]) {
				t.Fatalf("sizes %v: record %d: %+v", sizes, i, r)
			}
		}
	}
	// A header with a null key fails its record only.
	recs := []sdk.Record{{Value: []byte("a")}, {Key: []byte("null-key"), Value: []byte("b")}, {Value: []byte("c")}}
	enr, err := m.instantiate(t).Enrich("t", recs)
	if err != nil {
		t.Fatal(err)
	}
	if enr[1].Err != "kafkawasm sdk: kw_add_header with a null key" || enr[0].Err != "" || enr[2].Err != "" ||
		string(enr[0].Headers[0].Value) != "a" || string(enr[2].Headers[0].Value) != "c" {
		t.Errorf("null header key: %+v", enr)
	}
}
