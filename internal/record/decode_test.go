package record_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/compress"
	"github.com/kafkawasm/kafkawasm/internal/record"
)

// fixCRC recomputes the CRC of the batch at the start of b.
func fixCRC(b []byte) []byte {
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func TestDecodeErrors(t *testing.T) {
	golden := func() []byte { return bytes.Clone(goldenBatch) }
	gz := build(t, 0, testRecords(0, 3), record.BatchOptions{Codec: compress.Gzip(), CodecID: compress.IDGzip, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
	tests := []struct {
		name   string
		in     []byte
		codecs func(int8) compress.Codec
		want   error
		record int // record index in the DecodeError, -1 for the header
		batch  int
	}{
		{"short", golden()[:11], nil, record.ErrTruncated, -1, 0},
		{"truncated", golden()[:len(goldenBatch)-1], nil, record.ErrTruncated, -1, 0},
		{"second batch truncated", append(golden(), goldenBatch[:70]...), nil, record.ErrTruncated, -1, 1},
		{"length below header", func() []byte { b := golden(); binary.BigEndian.PutUint32(b[8:], 48); return b }(), nil, record.ErrMalformed, -1, 0},
		{"negative length", func() []byte { b := golden(); binary.BigEndian.PutUint32(b[8:], 0xffffffff); return b }(), nil, record.ErrMalformed, -1, 0},
		{"magic 1", func() []byte { b := golden(); b[16] = 1; return b }(), nil, record.ErrBadMagic, -1, 0},
		{"bad crc", func() []byte { b := golden(); b[len(b)-1] ^= 1; return b }(), nil, record.ErrBadCRC, -1, 0},
		{"codec 5", func() []byte { b := golden(); b[22] = 5; return fixCRC(b) }(), nil, record.ErrUnknownCodec, -1, 0},
		{"codec without decoder", gz, func(int8) compress.Codec { return nil }, record.ErrUnknownCodec, -1, 0},
		{"bad compressed data", func() []byte { b := golden(); b[22] = 3; return fixCRC(b) }(), nil, compress.ErrCorrupt, -1, 0},
		{"count too high", func() []byte { b := golden(); b[60] = 4; return fixCRC(b) }(), nil, record.ErrMalformed, 3, 0},
		{"count way too high", func() []byte { b := golden(); b[57] = 0x7f; return fixCRC(b) }(), nil, record.ErrMalformed, -1, 0},
		{"negative count", func() []byte { b := golden(); b[57] = 0xff; return fixCRC(b) }(), nil, record.ErrMalformed, -1, 0},
		{"count too low", func() []byte { b := golden(); b[60] = 2; return fixCRC(b) }(), nil, record.ErrMalformed, -1, 0},
		// Record 0 starts at byte 61 with length 0x12.
		{"record length too long", func() []byte { b := golden(); b[61] = 0x14; return fixCRC(b) }(), nil, record.ErrMalformed, 0, 0},
		{"record length too short", func() []byte { b := golden(); b[61] = 0x10; return fixCRC(b) }(), nil, record.ErrMalformed, 0, 0},
		{"negative record length", func() []byte { b := golden(); b[61] = 0x03; return fixCRC(b) }(), nil, record.ErrMalformed, 0, 0},
		{"key length -2", func() []byte { b := golden(); b[65] = 0x03; return fixCRC(b) }(), nil, record.ErrMalformed, 0, 0},
		{"key past record", func() []byte { b := golden(); b[65] = 0x20; return fixCRC(b) }(), nil, record.ErrMalformed, 0, 0},
		// Record 1 starts at byte 71; its first header key length is at 79.
		{"null header key", func() []byte { b := golden(); b[79] = 0x01; return fixCRC(b) }(), nil, record.ErrMalformed, 1, 0},
		{"header count too high", func() []byte { b := golden(); b[78] = 0x40; return fixCRC(b) }(), nil, record.ErrMalformed, 1, 0},
		{"negative header count", func() []byte { b := golden(); b[78] = 0x03; return fixCRC(b) }(), nil, record.ErrMalformed, 1, 0},
		{"overlong varint", func() []byte {
			// Record 2 (at byte 86) with a 6-byte offset delta varint:
			// lengthen the record and the batch accordingly.
			b := golden()[:88]
			b = append(b, 0x84, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00, 0x01, 0x00)
			b[86] = 0x16
			binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12))
			return fixCRC(b)
		}(), nil, record.ErrMalformed, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches, err := record.DecodeBatches(tt.in, tt.codecs)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			var de *record.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError", err)
			}
			if de.Record != tt.record || de.Batch != tt.batch || len(batches) != tt.batch {
				t.Errorf("error at batch %d record %d with %d batches returned, want batch %d record %d: %v",
					de.Batch, de.Record, len(batches), tt.batch, tt.record, err)
			}
			if de.Batch == 1 && de.Pos != len(goldenBatch) {
				t.Errorf("Pos %d, want %d", de.Pos, len(goldenBatch))
			}
		})
	}
}

func TestDecodeEmptyInput(t *testing.T) {
	batches, err := record.DecodeBatches(nil, nil)
	if err != nil || len(batches) != 0 {
		t.Errorf("DecodeBatches(nil) = %v, %v", batches, err)
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	b := bytes.Clone(goldenBatch)
	b[79] = 0x01
	_, err := record.DecodeBatches(fixCRC(b), nil)
	const want = "record: batch 0 at byte 0, record 1: malformed batch: header key length -1 (header keys cannot be null)"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}
