package sdk

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// call writes in through the input buffer like a host and runs op.
func call(t *testing.T, in []byte, op func(int32) ([]byte, error)) ([]byte, error) {
	t.Helper()
	buf := g.input(int32(len(in)))
	if buf == nil || len(buf) < len(in) {
		t.Fatalf("input(%d) gave %d bytes", len(in), len(buf))
	}
	copy(buf, in)
	out, err := op(int32(len(in)))
	return append([]byte(nil), out...), err
}

func reset() {
	partitionFn, encodeFn, decodeFn, enrichFn, configureFn = nil, nil, nil, nil, nil
}

var testRecords = []Record{
	{Key: []byte("k1"), Value: []byte("v1"), Headers: []Header{{Key: "region", Value: []byte("eu")}, {Key: "n", Value: nil}}},
	{Key: nil, Value: []byte{}},
	{Key: []byte{}, Value: nil, Headers: []Header{{Key: "region", Value: []byte("us")}}},
}

func TestBatchRoundTrip(t *testing.T) {
	in := AppendBatchInput(nil, "orders", 12, testRecords)
	var b Batch
	if err := b.Parse(in); err != nil {
		t.Fatal(err)
	}
	if b.Topic != "orders" || b.PartitionCount != 12 || len(b.Records) != 3 {
		t.Fatalf("batch %+v", b)
	}
	for i, r := range b.Records {
		w := testRecords[i]
		w.Topic = "orders"
		if w.Headers == nil {
			w.Headers = []Header{}
		}
		if !reflect.DeepEqual(r, w) {
			t.Errorf("record %d = %#v, want %#v", i, r, w)
		}
		if (r.Key == nil) != (w.Key == nil) || (r.Value == nil) != (w.Value == nil) {
			t.Errorf("record %d null-ness differs", i)
		}
	}
	if v, ok := b.Records[0].Header("n"); !ok || v != nil {
		t.Error("null header lookup")
	}
	if _, ok := b.Records[1].Header("region"); ok {
		t.Error("absent header found")
	}
	// Every truncation is an error, never a panic.
	for i := 0; i < len(in); i++ {
		if err := b.Parse(in[:i]); err == nil {
			t.Fatalf("Parse of %d/%d bytes succeeded", i, len(in))
		}
	}
	if err := b.Parse(append(in, 0)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("trailing byte: %v", err)
	}
	// A partition count past int32 (the other SDKs' type) is malformed.
	big := AppendBatchInput(nil, "orders", 1<<31, testRecords)
	if err := b.Parse(big); err == nil || err.Error() != "kafkawasm abi: partition_count at offset 10: out of range" {
		t.Errorf("partition count 2^31: %v", err)
	}
}

func TestBatchParseAllocs(t *testing.T) {
	in := AppendBatchInput(nil, "orders", 12, testRecords)
	var b Batch
	_ = b.Parse(in)
	if n := testing.AllocsPerRun(100, func() { _ = b.Parse(in) }); n != 0 {
		t.Errorf("Parse allocates %v times per batch", n)
	}
}

func TestPartition(t *testing.T) {
	reset()
	if _, err := call(t, AppendBatchInput(nil, "t", 3, testRecords), g.partition); err == nil || !strings.Contains(err.Error(), "RegisterPartitioner") {
		t.Fatalf("unregistered: %v", err)
	}
	RegisterPartitioner(func(r Record, n int) (int, error) {
		switch {
		case r.Key == nil:
			return NoOpinion, nil
		case len(r.Key) == 0:
			return 0, errors.New("empty key")
		case r.Key[0] == 'k':
			return int(r.Key[1]-'0') % n, nil
		}
		return 0, nil
	})
	out, err := call(t, AppendBatchInput(nil, "t", 3, testRecords), g.partition)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParsePartitionOutput(out, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []PartitionResult{{Partition: 1}, {Partition: -1}, {Partition: -2, Err: "empty key"}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	RegisterPartitioner(func(r Record, n int) (int, error) {
		if r.Key == nil {
			panic("boom")
		}
		return -7, nil
	})
	out, _ = call(t, AppendBatchInput(nil, "t", 3, testRecords[:2]), g.partition)
	res, _ = ParsePartitionOutput(out, 2)
	want = []PartitionResult{{Partition: -2, Err: "partitioner returned invalid partition -7"}, {Partition: -2, Err: "panic: boom"}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	if _, err := call(t, []byte{1, 2}, g.partition); err == nil {
		t.Error("malformed input accepted")
	}
	if _, err := g.partition(int32(len(g.in) + 1)); err == nil {
		t.Error("length past the buffer accepted")
	}
}

func TestCodec(t *testing.T) {
	reset()
	if _, err := call(t, AppendCodecInput(nil, "t", nil), g.encode); err == nil || !strings.Contains(err.Error(), "RegisterCodec") {
		t.Fatalf("unregistered: %v", err)
	}
	RegisterCodec(func(topic string, in []byte) ([]byte, error) {
		if string(in) == "bad" {
			return nil, errors.New("bad input")
		}
		if len(in) == 0 {
			return nil, nil
		}
		return append([]byte(topic+":"), in...), nil
	}, func(topic string, in []byte) ([]byte, error) { return in[len(topic)+1:], nil })
	out, err := call(t, AppendCodecInput(nil, "t", [][]byte{[]byte("x"), nil, []byte("bad"), {}}), g.encode)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseCodecOutput(out, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := []CodecResult{{Value: []byte("t:x")}, {}, {Err: "bad input"}, {Value: []byte{}}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	out, _ = call(t, AppendCodecInput(nil, "t", [][]byte{[]byte("t:x")}), g.decode)
	if res, _ := ParseCodecOutput(out, 1); string(res[0].Value) != "x" {
		t.Errorf("decode %+v", res)
	}
	// A panic fails its value alone: the values after it still run.
	RegisterCodec(func(topic string, in []byte) ([]byte, error) {
		if string(in) == "boom" {
			panic("boom")
		}
		return in, nil
	}, nil)
	out, err = call(t, AppendCodecInput(nil, "t", [][]byte{[]byte("a"), []byte("boom"), []byte("c"), []byte("boom"), []byte("e")}), g.encode)
	if err != nil {
		t.Fatal(err)
	}
	res, err = ParseCodecOutput(out, 5)
	if err != nil {
		t.Fatal(err)
	}
	want = []CodecResult{{Value: []byte("a")}, {Err: "panic: boom"}, {Value: []byte("c")}, {Err: "panic: boom"}, {Value: []byte("e")}}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("after a panic: got %+v, want %+v", res, want)
	}
}

func TestEnrich(t *testing.T) {
	reset()
	if _, err := call(t, AppendBatchInput(nil, "t", 0, nil), g.enrich); err == nil || !strings.Contains(err.Error(), "RegisterEnricher") {
		t.Fatalf("unregistered: %v", err)
	}
	RegisterEnricher(func(r Record) ([]Header, error) {
		if r.Value == nil {
			return nil, errors.New("null value")
		}
		return []Header{{Key: "a", Value: r.Value}, {Key: "b"}}, nil
	})
	out, err := call(t, AppendBatchInput(nil, "t", 0, testRecords), g.enrich)
	if err != nil {
		t.Fatal(err)
	}
	res, err := ParseEnrichOutput(out, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []EnrichResult{
		{Headers: []Header{{Key: "a", Value: []byte("v1")}, {Key: "b"}}},
		{Headers: []Header{{Key: "a", Value: []byte{}}, {Key: "b"}}},
		{Err: "null value"},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("got %+v, want %+v", res, want)
	}
	// A panic fails its record alone: the records after it still run.
	RegisterEnricher(func(r Record) ([]Header, error) {
		if r.Key == nil {
			panic("boom")
		}
		return []Header{{Key: "k", Value: r.Key}}, nil
	})
	out, _ = call(t, AppendBatchInput(nil, "t", 0, testRecords), g.enrich)
	res, err = ParseEnrichOutput(out, 3)
	if err != nil {
		t.Fatal(err)
	}
	want = []EnrichResult{
		{Headers: []Header{{Key: "k", Value: []byte("k1")}}},
		{Err: "panic: boom"},
		{Headers: []Header{{Key: "k", Value: []byte{}}}},
	}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("after a panic: got %+v, want %+v", res, want)
	}
}

func TestConfigure(t *testing.T) {
	reset()
	if _, err := call(t, []byte(`{}`), func(n int32) ([]byte, error) { return nil, g.configure(n) }); err != nil {
		t.Errorf("no configure func: %v", err)
	}
	RegisterConfigure(func(cfg []byte) error { return errors.New("refused " + string(cfg)) })
	_, err := call(t, []byte(`{"a":1}`), func(n int32) ([]byte, error) { return nil, g.configure(n) })
	if err == nil || err.Error() != `refused {"a":1}` {
		t.Errorf("configure error %v", err)
	}
}

func TestInputGrows(t *testing.T) {
	a := g.input(10)
	b := g.input(1 << 20)
	if len(a) < 10 || len(b) < 1<<20 || g.input(-1) != nil {
		t.Error("input sizes")
	}
	if c := g.input(5); &c[0] != &b[0] {
		t.Error("smaller request reallocated the buffer")
	}
}

func BenchmarkPartitionBatch(b *testing.B) {
	reset()
	RegisterPartitioner(func(r Record, n int) (int, error) { return NoOpinion, nil })
	recs := make([]Record, 256)
	for i := range recs {
		recs[i] = Record{Key: []byte("customer-" + string(rune('a'+i%26))), Headers: []Header{{Key: "region", Value: []byte("eu")}}}
	}
	in := AppendBatchInput(nil, "orders", 12, recs)
	copy(g.input(int32(len(in))), in)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.partition(int32(len(in))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*256), "ns/record")
}
