package wire_test

import (
	"bytes"
	"errors"
	"io"
	"math"
	"runtime"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

func TestAppendPrimitives(t *testing.T) {
	s := "héllo"
	tests := []struct {
		name string
		got  []byte
		want []byte
	}{
		{"int8 -1", wire.AppendInt8(nil, -1), []byte{0xff}},
		{"int16", wire.AppendInt16(nil, -2), []byte{0xff, 0xfe}},
		{"int32", wire.AppendInt32(nil, 0x01020304), []byte{1, 2, 3, 4}},
		{"int64", wire.AppendInt64(nil, -1<<56), []byte{0xff, 0, 0, 0, 0, 0, 0, 0}},
		{"uint32", wire.AppendUint32(nil, 0xfffffffe), []byte{0xff, 0xff, 0xff, 0xfe}},
		{"bool true", wire.AppendBool(nil, true), []byte{1}},
		{"bool false", wire.AppendBool(nil, false), []byte{0}},
		{"uvarint 0", wire.AppendUvarint(nil, 0), []byte{0}},
		{"uvarint 127", wire.AppendUvarint(nil, 127), []byte{0x7f}},
		{"uvarint 128", wire.AppendUvarint(nil, 128), []byte{0x80, 0x01}},
		{"uvarint 300", wire.AppendUvarint(nil, 300), []byte{0xac, 0x02}},
		{"uvarint max", wire.AppendUvarint(nil, math.MaxUint32), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"varint 0", wire.AppendVarint(nil, 0), []byte{0}},
		{"varint -1", wire.AppendVarint(nil, -1), []byte{1}},
		{"varint 1", wire.AppendVarint(nil, 1), []byte{2}},
		{"varint -64", wire.AppendVarint(nil, -64), []byte{0x7f}},
		{"varint 64", wire.AppendVarint(nil, 64), []byte{0x80, 0x01}},
		{"varint max", wire.AppendVarint(nil, math.MaxInt32), []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}},
		{"varint min", wire.AppendVarint(nil, math.MinInt32), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"varlong -1", wire.AppendVarlong(nil, -1), []byte{1}},
		{"varlong 150", wire.AppendVarlong(nil, 150), []byte{0xac, 0x02}},
		{"varlong min", wire.AppendVarlong(nil, math.MinInt64), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"string", wire.AppendString(nil, "ab", false), []byte{0, 2, 'a', 'b'}},
		{"compact string", wire.AppendString(nil, "ab", true), []byte{3, 'a', 'b'}},
		{"empty string", wire.AppendString(nil, "", false), []byte{0, 0}},
		{"empty compact string", wire.AppendString(nil, "", true), []byte{1}},
		{"nullable string", wire.AppendNullableString(nil, &s, false), append([]byte{0, 6}, s...)},
		{"null string", wire.AppendNullableString(nil, nil, false), []byte{0xff, 0xff}},
		{"null compact string", wire.AppendNullableString(nil, nil, true), []byte{0}},
		{"bytes", wire.AppendBytes(nil, []byte{9}, false), []byte{0, 0, 0, 1, 9}},
		{"compact bytes", wire.AppendBytes(nil, []byte{9}, true), []byte{2, 9}},
		{"empty bytes", wire.AppendBytes(nil, []byte{}, false), []byte{0, 0, 0, 0}},
		{"null bytes", wire.AppendBytes(nil, nil, false), []byte{0xff, 0xff, 0xff, 0xff}},
		{"null compact bytes", wire.AppendBytes(nil, nil, true), []byte{0}},
		{"array len", wire.AppendArrayLen(nil, 2, false), []byte{0, 0, 0, 2}},
		{"compact array len", wire.AppendArrayLen(nil, 2, true), []byte{3}},
		{"null array", wire.AppendArrayLen(nil, -1, false), []byte{0xff, 0xff, 0xff, 0xff}},
		{"null compact array", wire.AppendArrayLen(nil, -1, true), []byte{0}},
		{"tagged fields", wire.AppendTaggedFields(nil), []byte{0}},
		{"uuid", wire.AppendUUID(nil, [16]byte{15: 7}), append(make([]byte, 15), 7)},
		{"appends", wire.AppendInt16([]byte{0xaa}, 1), []byte{0xaa, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !bytes.Equal(tt.got, tt.want) {
				t.Fatalf("got % x, want % x", tt.got, tt.want)
			}
		})
	}
}

// TestReaderRoundTrip reads back, with every Reader method, what the Append
// functions wrote.
func TestReaderRoundTrip(t *testing.T) {
	for _, flex := range []bool{false, true} {
		s := "héllo"
		var b []byte
		b = wire.AppendInt8(b, -8)
		b = wire.AppendInt16(b, -16)
		b = wire.AppendInt32(b, -32)
		b = wire.AppendInt64(b, -64)
		b = wire.AppendUint32(b, math.MaxUint32)
		b = wire.AppendBool(b, true)
		b = wire.AppendUvarint(b, math.MaxUint32)
		b = wire.AppendVarint(b, math.MinInt32)
		b = wire.AppendVarlong(b, math.MinInt64)
		b = wire.AppendString(b, s, flex)
		b = wire.AppendNullableString(b, nil, flex)
		b = wire.AppendNullableString(b, &s, flex)
		b = wire.AppendBytes(b, nil, flex)
		b = wire.AppendBytes(b, []byte{}, flex)
		b = wire.AppendBytes(b, []byte("xyz"), flex)
		b = wire.AppendArrayLen(b, -1, flex)
		b = wire.AppendArrayLen(b, 1, flex)
		b = wire.AppendUUID(b, [16]byte{1, 2, 3})
		b = append(b, 2, 0, 1, 0xaa, 5, 2, 0xbb, 0xcc) // two tagged fields
		b = wire.AppendTaggedFields(b)

		r := wire.NewReader(b)
		checks := []struct {
			name      string
			got, want any
		}{
			{"int8", r.Int8(), int8(-8)},
			{"int16", r.Int16(), int16(-16)},
			{"int32", r.Int32(), int32(-32)},
			{"int64", r.Int64(), int64(-64)},
			{"uint32", r.Uint32(), uint32(math.MaxUint32)},
			{"bool", r.Bool(), true},
			{"uvarint", r.Uvarint(), uint32(math.MaxUint32)},
			{"varint", r.Varint(), int32(math.MinInt32)},
			{"varlong", r.Varlong(), int64(math.MinInt64)},
			{"string", r.String(flex), s},
			{"null string", r.NullableString(flex) == nil, true},
			{"nullable string", *r.NullableString(flex), s},
			{"null bytes", r.Bytes(flex) == nil, true},
			{"empty bytes", r.Bytes(flex), []byte{}},
			{"bytes", r.Bytes(flex), []byte("xyz")},
			{"null array", r.ArrayLen(flex), -1},
			{"array", r.ArrayLen(flex), 1},
			{"uuid", r.UUID(), [16]byte{1, 2, 3}},
		}
		r.SkipTaggedFields()
		r.SkipTaggedFields()
		for _, c := range checks {
			if !equalAny(c.got, c.want) {
				t.Errorf("flexible=%v %s: got %v, want %v", flex, c.name, c.got, c.want)
			}
		}
		if r.Err() != nil || r.Remaining() != 0 {
			t.Errorf("flexible=%v: err %v, %d bytes left", flex, r.Err(), r.Remaining())
		}
	}
}

func equalAny(a, b any) bool {
	if ab, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && bytes.Equal(ab, bb) && (ab == nil) == (bb == nil)
	}
	return a == b
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		read    func(r *wire.Reader)
		wantErr error
	}{
		{"int16 short", []byte{1}, func(r *wire.Reader) { r.Int16() }, io.ErrUnexpectedEOF},
		{"int64 short", []byte{1, 2, 3}, func(r *wire.Reader) { r.Int64() }, io.ErrUnexpectedEOF},
		{"uuid short", make([]byte, 15), func(r *wire.Reader) { r.UUID() }, io.ErrUnexpectedEOF},
		{"uvarint unterminated", []byte{0x80, 0x80}, func(r *wire.Reader) { r.Uvarint() }, io.ErrUnexpectedEOF},
		{"uvarint 33 bits", []byte{0xff, 0xff, 0xff, 0xff, 0x1f}, func(r *wire.Reader) { r.Uvarint() }, wire.ErrVarintOverflow},
		{"uvarint 6 bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, func(r *wire.Reader) { r.Uvarint() }, wire.ErrVarintOverflow},
		{"varlong 11 bytes", bytes.Repeat([]byte{0xff}, 11), func(r *wire.Reader) { r.Varlong() }, wire.ErrVarintOverflow},
		{"string length -2", []byte{0xff, 0xfe}, func(r *wire.Reader) { r.NullableString(false) }, wire.ErrInvalidLength},
		{"string longer than input", []byte{0, 5, 'a'}, func(r *wire.Reader) { r.String(false) }, io.ErrUnexpectedEOF},
		{"compact string longer than input", []byte{6, 'a'}, func(r *wire.Reader) { r.String(true) }, io.ErrUnexpectedEOF},
		{"null non-nullable string", []byte{0xff, 0xff}, func(r *wire.Reader) { r.String(false) }, wire.ErrUnexpectedNull},
		{"null non-nullable compact string", []byte{0}, func(r *wire.Reader) { r.String(true) }, wire.ErrUnexpectedNull},
		{"bytes length -7", []byte{0xff, 0xff, 0xff, 0xf9}, func(r *wire.Reader) { r.Bytes(false) }, wire.ErrInvalidLength},
		{"huge bytes", []byte{0x7f, 0xff, 0xff, 0xff, 1}, func(r *wire.Reader) { r.Bytes(false) }, io.ErrUnexpectedEOF},
		{"huge compact bytes", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, func(r *wire.Reader) { r.Bytes(true) }, io.ErrUnexpectedEOF},
		{"huge array", []byte{0x7f, 0xff, 0xff, 0xff, 1, 2}, func(r *wire.Reader) { r.ArrayLen(false) }, io.ErrUnexpectedEOF},
		{"array length -2", []byte{0xff, 0xff, 0xff, 0xfe}, func(r *wire.Reader) { r.ArrayLen(false) }, wire.ErrInvalidLength},
		{"tagged field larger than input", []byte{1, 0, 9, 1}, func(r *wire.Reader) { r.SkipTaggedFields() }, io.ErrUnexpectedEOF},
		{"huge tagged field count", []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0}, func(r *wire.Reader) { r.SkipTaggedFields() }, io.ErrUnexpectedEOF},
		{"sticky", []byte{1, 0, 0, 0, 0}, func(r *wire.Reader) { r.Int16(); r.Int64(); r.Int8() }, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := wire.NewReader(tt.in)
			tt.read(r)
			if !errors.Is(r.Err(), tt.wantErr) {
				t.Fatalf("err = %v, want %v", r.Err(), tt.wantErr)
			}
			var de *wire.DecodeError
			if !errors.As(r.Err(), &de) {
				t.Fatalf("err %T is not a *DecodeError", r.Err())
			}
			// Every read after the failure returns zero values.
			if r.Int32() != 0 || r.String(false) != "" || r.Bytes(false) != nil || r.ArrayLen(false) != 0 {
				t.Fatal("read after an error returned a non-zero value")
			}
		})
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	var resp wire.ProduceResponse
	err := resp.DecodeBody([]byte{0, 0, 0, 1, 0, 5, 'a', 0, 0, 0}, 3)
	want := "wire: decoding ProduceResponse v3: string length at offset 4: unexpected EOF"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// TestHostileLengths decodes responses whose array counts claim far more
// elements than the input holds: each must fail without allocating for the
// claimed count.
func TestHostileLengths(t *testing.T) {
	inputs := []struct {
		name string
		resp wire.Response
		v    int16
		in   []byte
	}{
		{"produce topics", new(wire.ProduceResponse), 8, []byte{0x7f, 0xff, 0xff, 0xff, 0, 1, 'a'}},
		{"produce partitions", new(wire.ProduceResponse), 9, append([]byte{2, 2, 'a', 0xff, 0xff, 0xff, 0x0f}, make([]byte, 64)...)},
		{"metadata replicas", new(wire.MetadataResponse), 4,
			append([]byte{0, 0, 0, 0 /* throttle */, 0, 0, 0, 0 /* brokers */, 0xff, 0xff /* cluster */, 0, 0, 0, 1,
				0, 0, 0, 1 /* topics */, 0, 0, 0, 1, 'a', 0, 0, 0, 0, 1 /* partitions */, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				0x10, 0, 0, 0 /* replicas */}, make([]byte, 100)...)},
		{"api versions tagged features", new(wire.ApiVersionsResponse), 3,
			[]byte{0, 0, 1, 0, 0, 0, 0, 1, 0, 6, 0xff, 0xff, 0xff, 0xff, 0x0f, 0}},
	}
	for _, tt := range inputs {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := tt.resp.DecodeBody(tt.in, tt.v)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("err = %v, want io.ErrUnexpectedEOF", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 64<<10 {
				t.Fatalf("allocated %d bytes for a %d-byte input", n, len(tt.in))
			}
		})
	}
}
