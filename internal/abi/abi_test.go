package abi_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/abi"
)

func TestBatchRoundTrip(t *testing.T) {
	recs := []abi.Record{
		{Key: []byte("k"), Value: []byte("v"), Headers: []abi.Header{{Key: "a", Value: []byte("1")}, {Key: "n", Value: nil}}},
		{Key: nil, Value: []byte{}},
		{Key: []byte{}, Value: nil},
	}
	b := abi.AppendBatchHeader(nil, "orders", 6, uint32(len(recs)))
	for _, r := range recs {
		b = abi.AppendRecord(b, r)
	}
	got, err := abi.DecodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Topic != "orders" || got.PartitionCount != 6 || !reflect.DeepEqual(got.Records, recs) {
		t.Fatalf("got %+v", got)
	}
}

func TestCodecInputRoundTrip(t *testing.T) {
	vals := [][]byte{[]byte("x"), nil, {}}
	b := abi.AppendCodecHeader(nil, "t", 3)
	for _, v := range vals {
		b = abi.AppendNullable(b, v)
	}
	topic, got, err := abi.DecodeCodecInput(b)
	if err != nil || topic != "t" || !reflect.DeepEqual(got, vals) {
		t.Fatalf("got %q %q %v", topic, got, err)
	}
}

func TestPartitionOutput(t *testing.T) {
	tests := []struct {
		name    string
		buf     []byte
		n       int
		want    []int32
		errs    []abi.RecordError
		wantErr bool
	}{
		{name: "ok", buf: abi.AppendPartitionOutput(nil, []int32{3, -1, -2}, []abi.RecordError{{Index: 2, Msg: "no region"}}),
			n: 3, want: []int32{3, -1, -2}, errs: []abi.RecordError{{Index: 2, Msg: "no region"}}},
		{name: "wrong count", buf: abi.AppendPartitionOutput(nil, []int32{1}, nil), n: 2, wantErr: true},
		{name: "short", buf: abi.AppendU32(nil, 2), n: 2, wantErr: true},
		{name: "error index past end", buf: abi.AppendPartitionOutput(nil, []int32{1}, []abi.RecordError{{Index: 1}}), n: 1, wantErr: true},
		{name: "trailing", buf: append(abi.AppendPartitionOutput(nil, []int32{1}, nil), 0), n: 1, wantErr: true},
		{name: "huge error count", buf: abi.AppendU32(abi.AppendPartitionOutput(nil, []int32{1}, nil)[:8], 0xffffffff), n: 1, wantErr: true},
		{name: "empty", buf: nil, n: 0, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make([]int32, tt.n)
			errs, err := abi.DecodePartitionOutput(tt.buf, got)
			if tt.wantErr {
				if !errors.Is(err, abi.ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(errs, tt.errs) {
				t.Fatalf("got %v %v %v", got, errs, err)
			}
		})
	}
}

func TestCodecOutput(t *testing.T) {
	in := []abi.CodecResult{{Data: []byte("abc")}, {Null: true}, {Failed: true, Err: "bad json"}, {Data: []byte{}}}
	b := abi.AppendCodecOutput(nil, in)
	out := make([]abi.CodecResult, len(in))
	if err := abi.DecodeCodecOutput(b, out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("got %+v", out)
	}
	// Appending to one result must not clobber the next.
	_ = append(out[0].Data, 'X')
	if !bytes.Equal(b[8:11], []byte("abc")) || b[11] != 0xff {
		t.Fatal("result aliasing overwrote the buffer")
	}
	bad := abi.AppendI32(abi.AppendU32(nil, 1), -3)
	if err := abi.DecodeCodecOutput(bad, make([]abi.CodecResult, 1)); !errors.Is(err, abi.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
	past := abi.AppendI32(abi.AppendU32(nil, 1), 100)
	if err := abi.DecodeCodecOutput(past, make([]abi.CodecResult, 1)); !errors.Is(err, abi.ErrMalformed) {
		t.Fatalf("err = %v", err)
	}
}

func TestEnrichOutput(t *testing.T) {
	in := []abi.EnrichResult{
		{Headers: []abi.Header{{Key: "trace", Value: []byte("1")}, {Key: "null", Value: nil}}},
		{},
		{Failed: true, Err: "boom"},
		{Headers: []abi.Header{{Key: "h", Value: []byte{}}}},
	}
	b := abi.AppendEnrichOutput(nil, in)
	out := make([]abi.EnrichResult, len(in))
	if err := abi.DecodeEnrichOutput(b, out, nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatalf("got %+v", out)
	}
	if err := abi.DecodeEnrichOutput(b, make([]abi.EnrichResult, 3), &abi.Interner{}); !errors.Is(err, abi.ErrMalformed) {
		t.Fatalf("wrong count: err = %v", err)
	}
}

func TestVersionParts(t *testing.T) {
	if ma, mi := abi.VersionParts(abi.Version); ma != 1 || mi != 1 {
		t.Fatal(ma, mi)
	}
	if p, n := abi.UnpackResult(abi.PackResult(0x10000, 42)); p != 0x10000 || n != 42 {
		t.Fatal(p, n)
	}
}
