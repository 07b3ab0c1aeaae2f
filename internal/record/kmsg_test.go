package record_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kafkawasm/kafkawasm/internal/record"
)

// These tests check the Builder and DecodeBatches against franz-go's kmsg
// (wire structs generated from Kafka's message specs) and kgo's
// compressors, which are independent of this package.

type testRecord struct {
	ts         int64
	key, value []byte
	headers    []record.Header
}

// testRecords returns records covering nulls, empties, duplicate header
// keys, negative timestamp deltas and multi-byte varints.
func testRecords(base int64, n int) []testRecord {
	recs := make([]testRecord, n)
	for i := range recs {
		r := &recs[i]
		r.ts = base + int64(i*7) - 20
		switch i % 5 {
		case 0: // null key and value
		case 1:
			r.key, r.value = []byte{}, []byte{}
		case 2:
			r.key = fmt.Appendf(nil, "key-%d", i)
			r.value = bytes.Repeat([]byte{byte(i)}, i*13)
		case 3:
			r.value = fmt.Appendf(nil, `{"i":%d,"msg":"hello"}`, i)
			r.headers = []record.Header{{"dup", []byte("1")}, {"null", nil}, {"dup", []byte("2")}, {"", []byte{}}}
		case 4:
			r.key = []byte("k")
			r.headers = []record.Header{{"h", bytes.Repeat([]byte("h"), 150)}}
		}
	}
	return recs
}

func build(t testing.TB, base int64, recs []testRecord, opts record.BatchOptions) []byte {
	var b record.Builder
	b.Reset(base)
	for _, r := range recs {
		b.Append(r.ts, r.key, r.value, r.headers)
	}
	batch, err := b.Finish(nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return batch
}

func TestKmsgReadsOurBatches(t *testing.T) {
	const base = 1700000000000
	dec := kgo.DefaultDecompressor()
	for _, c := range allCodecs {
		for _, n := range []int{1, 5, 200} {
			t.Run(fmt.Sprintf("%s/%d", c.name, n), func(t *testing.T) {
				recs := testRecords(base, n)
				opts := record.BatchOptions{Codec: c.codec, CodecID: c.id, ProducerID: 99, ProducerEpoch: 3, BaseSequence: 1000}
				batch := build(t, base, recs, opts)

				var kb kmsg.RecordBatch
				if err := kb.ReadFrom(batch); err != nil {
					t.Fatal(err)
				}
				maxTS := int64(base - 20 + (n-1)*7)
				if kb.FirstOffset != 0 || int(kb.Length) != len(batch)-12 || kb.PartitionLeaderEpoch != -1 || kb.Magic != 2 ||
					kb.Attributes != int16(c.id) || kb.LastOffsetDelta != int32(n-1) || kb.FirstTimestamp != base ||
					kb.MaxTimestamp != max(maxTS, base-20) || kb.ProducerID != 99 || kb.ProducerEpoch != 3 ||
					kb.FirstSequence != 1000 || kb.NumRecords != int32(n) {
					t.Errorf("kmsg header %+v", kb)
				}
				if crc := crc32.Checksum(batch[21:], crc32.MakeTable(crc32.Castagnoli)); uint32(kb.CRC) != crc {
					t.Errorf("CRC %#08x, want %#08x", uint32(kb.CRC), crc)
				}

				raw, err := dec.Decompress(kb.Records, kgo.CompressionCodecType(c.id))
				if err != nil {
					t.Fatalf("franz-go decompressing: %v", err)
				}
				for i, want := range recs {
					var kr kmsg.Record
					l, m := binary.Varint(raw)
					if m <= 0 || int(l)+m > len(raw) {
						t.Fatalf("record %d: bad length", i)
					}
					if err := kr.ReadFrom(raw[:m+int(l)]); err != nil {
						t.Fatalf("record %d: %v", i, err)
					}
					raw = raw[m+int(l):]
					if kr.Attributes != 0 || kr.TimestampDelta64 != want.ts-base || kr.OffsetDelta != int32(i) ||
						!equalNullable(kr.Key, want.key) || !equalNullable(kr.Value, want.value) || len(kr.Headers) != len(want.headers) {
						t.Fatalf("record %d: kmsg %+v, want %+v", i, kr, want)
					}
					for j, h := range want.headers {
						if kr.Headers[j].Key != h.Key || !equalNullable(kr.Headers[j].Value, h.Value) {
							t.Errorf("record %d header %d: %+v, want %+v", i, j, kr.Headers[j], h)
						}
					}
				}
				if len(raw) != 0 {
					t.Errorf("%d bytes after the last record", len(raw))
				}
			})
		}
	}
}

// kmsgBatch builds a batch with kmsg and compresses it with franz-go's
// compressor.
func kmsgBatch(t testing.TB, base int64, recs []testRecord, codec kgo.CompressionCodec, id int8, attrsExtra int16) []byte {
	var raw []byte
	maxTS := recs[0].ts
	for i, r := range recs {
		kr := kmsg.Record{TimestampDelta64: r.ts - base, OffsetDelta: int32(i), Key: r.key, Value: r.value}
		for _, h := range r.headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
		}
		body := kr.AppendTo(nil)
		kr.Length = int32(len(body) - 1) // the length varint itself was the 1-byte 0
		raw = kr.AppendTo(raw)
		maxTS = max(maxTS, r.ts)
	}
	if id != 0 {
		comp, err := kgo.DefaultCompressor(codec)
		if err != nil {
			t.Fatal(err)
		}
		out, used := comp.Compress(new(bytes.Buffer), raw)
		if int8(used) != id {
			t.Fatalf("franz-go used codec %d", used)
		}
		raw = bytes.Clone(out)
	}
	kb := kmsg.RecordBatch{
		FirstOffset: 1234, PartitionLeaderEpoch: 5, Magic: 2, Attributes: int16(id) | attrsExtra,
		LastOffsetDelta: int32(len(recs) - 1), FirstTimestamp: base, MaxTimestamp: maxTS,
		ProducerID: 7, ProducerEpoch: 1, FirstSequence: 10, NumRecords: int32(len(recs)), Records: raw,
	}
	kb.Length = int32(record.HeaderSize - 12 + len(raw))
	out := kb.AppendTo(nil)
	binary.BigEndian.PutUint32(out[17:], crc32.Checksum(out[21:], crc32.MakeTable(crc32.Castagnoli)))
	return out
}

var kgoCodecs = map[int8]kgo.CompressionCodec{
	0: kgo.NoCompression(), 1: kgo.GzipCompression(), 2: kgo.SnappyCompression(), 3: kgo.Lz4Compression(), 4: kgo.ZstdCompression(),
}

func TestDecodeKmsgBatches(t *testing.T) {
	const base = 1600000000000
	for _, c := range allCodecs {
		t.Run(c.name, func(t *testing.T) {
			recs := testRecords(base, 50)
			batch := kmsgBatch(t, base, recs, kgoCodecs[c.id], c.id, 0)
			// Two batches back to back, the second with log append time and
			// the control and transactional bits.
			second := kmsgBatch(t, base, recs[:3], kgoCodecs[c.id], c.id, 0x08|0x10|0x20)
			got, err := record.DecodeBatches(append(bytes.Clone(batch), second...), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("%d batches", len(got))
			}
			b := got[0]
			if b.BaseOffset != 1234 || b.PartitionLeaderEpoch != 5 || b.CodecID != c.id || b.LastOffsetDelta != 49 ||
				b.ProducerID != 7 || b.ProducerEpoch != 1 || b.BaseSequence != 10 || b.Transactional || b.Control || b.LogAppendTime {
				t.Errorf("batch header %+v", b)
			}
			want := make([]record.Record, len(recs))
			for i, r := range recs {
				want[i] = record.Record{Offset: 1234 + int64(i), Timestamp: r.ts, Key: r.key, Value: r.value, Headers: r.headers}
			}
			checkRecords(t, b.Records, want)

			b = got[1]
			if !b.Transactional || !b.Control || !b.LogAppendTime || b.Attributes != int16(c.id)|0x38 {
				t.Errorf("second batch flags %+v", b)
			}
			for i, r := range b.Records {
				if r.Timestamp != b.MaxTimestamp {
					t.Errorf("log append time record %d has timestamp %d, want max %d", i, r.Timestamp, b.MaxTimestamp)
				}
			}
		})
	}
}

// TestKmsgSameBytes: for uncompressed batches, kmsg and the Builder produce
// identical bytes.
func TestKmsgSameBytes(t *testing.T) {
	const base = 1600000000000
	recs := testRecords(base, 30)
	theirs := kmsgBatch(t, base, recs, kgo.NoCompression(), 0, 0)
	// Align the header fields kmsgBatch sets differently from a producer.
	binary.BigEndian.PutUint64(theirs[0:], 0)
	binary.BigEndian.PutUint32(theirs[12:], 0xffffffff)
	binary.BigEndian.PutUint32(theirs[17:], crc32.Checksum(theirs[21:], crc32.MakeTable(crc32.Castagnoli)))
	ours := build(t, base, recs, record.BatchOptions{ProducerID: 7, ProducerEpoch: 1, BaseSequence: 10})
	if !bytes.Equal(ours, theirs) {
		t.Errorf("batches differ\nours   % x\ntheirs % x", ours, theirs)
	}
}
