package record_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"slices"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/compress"
	"github.com/kafkawasm/kafkawasm/internal/record"
)

const goldenBase = 1700000000000 // 0x0000018BCFE56800

// appendGolden appends the three records of the golden batch.
func appendGolden(b *record.Builder) {
	b.Reset(goldenBase)
	b.Append(goldenBase, []byte("a"), []byte("bc"), nil)
	b.Append(goldenBase+300, nil, []byte{}, []record.Header{{Key: "h", Value: nil}, {Key: "h", Value: []byte("x")}})
	b.Append(goldenBase-1, []byte{}, nil, nil)
}

// goldenBatch was written by hand from the layout in
// /work/shared/kafka-protocol/README.md ("Record batch v2"). Its CRC,
// 0x505C5DF5, was computed with an independent bitwise CRC-32C
// (polynomial 0x82F63B78, reflected, init and final xor 0xFFFFFFFF; check
// value of "123456789" 0xE3069283) over bytes 21 to 92.
var goldenBatch = []byte{
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // baseOffset 0
	0x00, 0x00, 0x00, 0x51, // batchLength 81 = 93 - 12
	0xff, 0xff, 0xff, 0xff, // partitionLeaderEpoch -1
	0x02,                   // magic
	0x50, 0x5c, 0x5d, 0xf5, // crc
	0x00, 0x00, // attributes: no codec, create time, not transactional
	0x00, 0x00, 0x00, 0x02, // lastOffsetDelta 2
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, // baseTimestamp
	0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x69, 0x2c, // maxTimestamp = base + 300
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producerId -1
	0xff, 0xff, // producerEpoch -1
	0xff, 0xff, 0xff, 0xff, // baseSequence -1
	0x00, 0x00, 0x00, 0x03, // recordsCount 3

	// Record 0: length 9.
	0x12,      // length 9
	0x00,      // attributes
	0x00,      // timestampDelta 0
	0x00,      // offsetDelta 0
	0x02, 'a', // key "a"
	0x04, 'b', 'c', // value "bc"
	0x00, // 0 headers

	// Record 1: length 14.
	0x1c,       // length 14
	0x00,       // attributes
	0xd8, 0x04, // timestampDelta 300 (zigzag 600)
	0x02,      // offsetDelta 1
	0x01,      // key null (-1)
	0x00,      // value empty
	0x04,      // 2 headers
	0x02, 'h', // header key "h"
	0x01,      // header value null
	0x02, 'h', // duplicate key "h", kept in order
	0x02, 'x', // header value "x"

	// Record 2: length 6.
	0x0c, // length 6
	0x00, // attributes
	0x01, // timestampDelta -1
	0x04, // offsetDelta 2
	0x00, // key empty
	0x01, // value null
	0x00, // 0 headers
}

var nonIdempotent = record.BatchOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}

func TestGoldenBatch(t *testing.T) {
	if got := crc32.Checksum(goldenBatch[21:], crc32.MakeTable(crc32.Castagnoli)); got != 0x505C5DF5 {
		t.Fatalf("golden batch CRC is %#08x; the hand-written bytes are inconsistent", got)
	}
	var b record.Builder
	appendGolden(&b)
	if b.Count() != 3 || b.Size() != len(goldenBatch) || b.MaxTimestamp() != goldenBase+300 {
		t.Errorf("Count %d Size %d MaxTimestamp %d; want 3 %d %d", b.Count(), b.Size(), b.MaxTimestamp(), len(goldenBatch), goldenBase+300)
	}
	got, err := b.Finish([]byte("dst"), nonIdempotent)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[:3]) != "dst" {
		t.Fatal("Finish did not append")
	}
	if !bytes.Equal(got[3:], goldenBatch) {
		t.Errorf("batch mismatch\n got % x\nwant % x", got[3:], goldenBatch)
	}

	batches, err := record.DecodeBatches(goldenBatch, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []record.Record{
		{Offset: 0, Timestamp: goldenBase, Key: []byte("a"), Value: []byte("bc")},
		{Offset: 1, Timestamp: goldenBase + 300, Key: nil, Value: []byte{}, Headers: []record.Header{{"h", nil}, {"h", []byte("x")}}},
		{Offset: 2, Timestamp: goldenBase - 1, Key: []byte{}, Value: nil},
	}
	if len(batches) != 1 {
		t.Fatalf("%d batches", len(batches))
	}
	checkRecords(t, batches[0].Records, want)
	checkRecords(t, slices.Collect(b.Records()), want)
}

// checkRecords compares records, including null versus empty.
func checkRecords(t *testing.T, got, want []record.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Offset != w.Offset || g.Timestamp != w.Timestamp ||
			!equalNullable(g.Key, w.Key) || !equalNullable(g.Value, w.Value) || len(g.Headers) != len(w.Headers) {
			t.Errorf("record %d = %+v, want %+v", i, g, w)
			continue
		}
		for j := range w.Headers {
			if g.Headers[j].Key != w.Headers[j].Key || !equalNullable(g.Headers[j].Value, w.Headers[j].Value) {
				t.Errorf("record %d header %d = %+v, want %+v", i, j, g.Headers[j], w.Headers[j])
			}
		}
	}
}

func equalNullable(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func TestAppendCases(t *testing.T) {
	big := bytes.Repeat([]byte("v"), 200) // lengths that need 2-byte varints
	tests := []struct {
		name    string
		ts      int64 // relative to base 1000
		key     []byte
		value   []byte
		headers []record.Header
	}{
		{"null key and value", 0, nil, nil, nil},
		{"empty key and value", 0, []byte{}, []byte{}, nil},
		{"null header value", 0, []byte("k"), []byte("v"), []record.Header{{Key: "h"}}},
		{"empty header key and value", 0, nil, nil, []record.Header{{Key: "", Value: []byte{}}}},
		{"duplicate header keys keep order", 0, nil, []byte("v"), []record.Header{{"k", []byte("1")}, {"k", []byte("2")}, {"a", nil}, {"k", []byte("3")}}},
		{"negative timestamp delta", -1000, nil, []byte("v"), nil},
		{"large negative timestamp delta", -1 << 40, nil, []byte("v"), nil},
		{"large timestamp delta", 1 << 40, nil, []byte("v"), nil},
		{"two-byte lengths", 64, big, big, []record.Header{{string(big), big}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b record.Builder
			b.Reset(1000)
			b.Append(1000, []byte("first"), nil, nil)
			before := b.Size()
			predicted := b.AppendSize(1000+tt.ts, tt.key, tt.value, tt.headers)
			if rs := record.RecordSize(tt.ts, 1, tt.key, tt.value, tt.headers); rs != predicted {
				t.Errorf("RecordSize %d, AppendSize %d", rs, predicted)
			}
			b.Append(1000+tt.ts, tt.key, tt.value, tt.headers)
			if b.Size()-before != predicted {
				t.Errorf("record took %d bytes, AppendSize said %d", b.Size()-before, predicted)
			}
			if want := max(int64(1000), 1000+tt.ts); b.MaxTimestamp() != want {
				t.Errorf("MaxTimestamp %d, want %d", b.MaxTimestamp(), want)
			}
			batch, err := b.Finish(nil, nonIdempotent)
			if err != nil {
				t.Fatal(err)
			}
			if len(batch) != b.Size() {
				t.Errorf("uncompressed batch is %d bytes, Size said %d", len(batch), b.Size())
			}
			got, err := record.DecodeBatches(batch, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkRecords(t, got[0].Records, []record.Record{
				{Offset: 0, Timestamp: 1000, Key: []byte("first")},
				{Offset: 1, Timestamp: 1000 + tt.ts, Key: tt.key, Value: tt.value, Headers: tt.headers},
			})
			if got[0].BaseTimestamp != 1000 || got[0].MaxTimestamp != b.MaxTimestamp() || got[0].LastOffsetDelta != 1 {
				t.Errorf("header %+v", got[0])
			}
		})
	}
}

func TestFinishOptions(t *testing.T) {
	var b record.Builder
	b.Reset(0)
	if _, err := b.Finish(nil, nonIdempotent); !errors.Is(err, record.ErrEmptyBatch) {
		t.Errorf("empty builder: %v, want ErrEmptyBatch", err)
	}
	b.Append(5, nil, []byte("v"), nil)
	bad := []record.BatchOptions{
		{CodecID: 1},                          // id without codec
		{Codec: compress.Gzip()},              // codec with id 0
		{CodecID: 5, Codec: compress.Gzip()},  // undefined id
		{CodecID: -1, Codec: compress.Gzip()}, // negative id
		{ProducerID: -1, Transactional: true}, // transactional without producer id
	}
	for _, o := range bad {
		out, err := b.Finish([]byte("x"), o)
		if !errors.Is(err, record.ErrInvalidOptions) || string(out) != "x" {
			t.Errorf("%+v: %q, %v; want dst unchanged and ErrInvalidOptions", o, out, err)
		}
	}

	opts := record.BatchOptions{Codec: compress.Zstd(), CodecID: compress.IDZstd, ProducerID: 42, ProducerEpoch: 7, BaseSequence: math.MaxInt32, Transactional: true}
	batch, err := b.Finish(nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Finish leaves the builder as it was: a second call gives the same bytes.
	again, err := b.Finish(nil, opts)
	if err != nil || !bytes.Equal(batch, again) {
		t.Errorf("second Finish differs: %v", err)
	}
	if attrs := binary.BigEndian.Uint16(batch[21:]); attrs != 0x14 {
		t.Errorf("attributes %#04x, want 0x14 (zstd, transactional)", attrs)
	}
	got, err := record.DecodeBatches(batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := got[0]
	if g.ProducerID != 42 || g.ProducerEpoch != 7 || g.BaseSequence != math.MaxInt32 || !g.Transactional ||
		g.CodecID != compress.IDZstd || g.Control || g.LogAppendTime || g.PartitionLeaderEpoch != -1 || g.BaseOffset != 0 {
		t.Errorf("decoded header %+v", g)
	}
}

// TestCompressionNotShrinking: a batch whose records do not compress is
// still written with the requested codec, and the attributes say so.
func TestCompressionNotShrinking(t *testing.T) {
	var b record.Builder
	b.Reset(0)
	b.Append(0, nil, []byte{0x42}, nil)
	for _, c := range allCodecs[1:] {
		batch, err := b.Finish(nil, record.BatchOptions{Codec: c.codec, CodecID: c.id, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) <= b.Size() {
			t.Errorf("%s: compressed batch %d bytes, uncompressed %d: expected growth", c.name, len(batch), b.Size())
		}
		if id := int8(binary.BigEndian.Uint16(batch[21:]) & 7); id != c.id {
			t.Errorf("%s: codec id %d in attributes", c.name, id)
		}
	}
}

func TestBuilderReuse(t *testing.T) {
	var b record.Builder
	appendGolden(&b)
	appendGolden(&b) // Reset in between: same result
	got, _ := b.Finish(nil, nonIdempotent)
	if !bytes.Equal(got, goldenBatch) {
		t.Error("reused builder differs from the golden batch")
	}
	// Records can be re-appended to another builder, as when splitting.
	var half record.Builder
	half.Reset(b.BaseTimestamp())
	for r := range b.Records() {
		if r.Offset >= 1 {
			half.Append(r.Timestamp, r.Key, r.Value, r.Headers)
		}
	}
	out, err := half.Finish(nil, nonIdempotent)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := record.DecodeBatches(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRecords(t, dec[0].Records, []record.Record{
		{Offset: 0, Timestamp: goldenBase + 300, Key: nil, Value: []byte{}, Headers: []record.Header{{"h", nil}, {"h", []byte("x")}}},
		{Offset: 1, Timestamp: goldenBase - 1, Key: []byte{}, Value: nil},
	})
}

func TestAppendAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under -race")
	}
	key, value := []byte("user-12345"), bytes.Repeat([]byte("x"), 100)
	headers := []record.Header{{Key: "trace", Value: []byte("abc")}}
	var b record.Builder
	fill := func() {
		b.Reset(1)
		for i := range 100 {
			b.Append(int64(i), key, value, headers)
		}
	}
	fill() // grow the buffer once
	if n := testing.AllocsPerRun(100, fill); n != 0 {
		t.Errorf("Append allocates %v times per 100 records in steady state", n)
	}
	dst := make([]byte, 0, 64<<10)
	for _, c := range allCodecs {
		opts := record.BatchOptions{Codec: c.codec, CodecID: c.id, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
		if n := testing.AllocsPerRun(50, func() { _, _ = b.Finish(dst[:0], opts) }); n != 0 {
			t.Errorf("Finish with %s allocates %v times", c.name, n)
		}
	}
}

var allCodecs = []struct {
	name  string
	id    int8
	codec compress.Codec
}{
	{"none", compress.IDNone, nil},
	{"gzip", compress.IDGzip, compress.Gzip()},
	{"snappy", compress.IDSnappy, compress.Snappy()},
	{"lz4", compress.IDLZ4, compress.LZ4()},
	{"zstd", compress.IDZstd, compress.Zstd()},
}
