package abi_test

import (
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/abi"
)

// The decoders read plugin output, which is untrusted: they must never
// panic, and whatever they accept must re-encode to the same bytes.

func FuzzDecodePartitionOutput(f *testing.F) {
	f.Add(abi.AppendPartitionOutput(nil, []int32{1, -1, -2}, []abi.RecordError{{Index: 2, Msg: "x"}}), 3)
	f.Add([]byte{1, 0, 0, 0}, 1)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, 0)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 1<<12 {
			return
		}
		res := make([]int32, n)
		errs, err := abi.DecodePartitionOutput(b, res)
		if err != nil {
			return
		}
		if got := abi.AppendPartitionOutput(nil, res, errs); string(got) != string(b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", got, b)
		}
	})
}

func FuzzDecodeCodecOutput(f *testing.F) {
	f.Add(abi.AppendCodecOutput(nil, []abi.CodecResult{{Data: []byte("a")}, {Null: true}, {Failed: true, Err: "e"}}), 3)
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f}, 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 1<<12 {
			return
		}
		out := make([]abi.CodecResult, n)
		if err := abi.DecodeCodecOutput(b, out); err != nil {
			return
		}
		if got := abi.AppendCodecOutput(nil, out); string(got) != string(b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", got, b)
		}
	})
}

func FuzzDecodeEnrichOutput(f *testing.F) {
	f.Add(abi.AppendEnrichOutput(nil, []abi.EnrichResult{{Headers: []abi.Header{{Key: "k", Value: []byte("v")}}}, {Failed: true, Err: "e"}}), 2)
	f.Add([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f}, 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 1<<12 {
			return
		}
		out := make([]abi.EnrichResult, n)
		if err := abi.DecodeEnrichOutput(b, out, nil); err != nil {
			return
		}
		if got := abi.AppendEnrichOutput(nil, out); string(got) != string(b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", got, b)
		}
	})
}

func FuzzDecodeBatch(f *testing.F) {
	b := abi.AppendBatchHeader(nil, "t", 3, 1)
	f.Add(abi.AppendRecord(b, abi.Record{Key: []byte("k"), Headers: []abi.Header{{Key: "h"}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		batch, err := abi.DecodeBatch(b)
		if err != nil {
			return
		}
		got := abi.AppendBatchHeader(nil, batch.Topic, batch.PartitionCount, uint32(len(batch.Records)))
		for _, r := range batch.Records {
			got = abi.AppendRecord(got, r)
		}
		if string(got) != string(b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", got, b)
		}
	})
}

func FuzzDecodeCodecInput(f *testing.F) {
	f.Add(abi.AppendNullable(abi.AppendCodecHeader(nil, "t", 1), []byte("v")))
	f.Fuzz(func(t *testing.T, b []byte) {
		topic, vals, err := abi.DecodeCodecInput(b)
		if err != nil {
			return
		}
		got := abi.AppendCodecHeader(nil, topic, uint32(len(vals)))
		for _, v := range vals {
			got = abi.AppendNullable(got, v)
		}
		if string(got) != string(b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", got, b)
		}
	})
}
