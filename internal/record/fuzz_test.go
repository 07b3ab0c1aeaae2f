package record_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/compress"
	"github.com/kafkawasm/kafkawasm/internal/record"
)

// FuzzDecodeBatches feeds arbitrary bytes to DecodeBatches, seeded with real
// batches of every codec from both the Builder and kmsg. Decoding must not
// panic, must fail with a *DecodeError, and whatever decodes must survive
// being built again and decoded.
func FuzzDecodeBatches(f *testing.F) {
	f.Add(goldenBatch)
	for _, c := range allCodecs {
		opts := record.BatchOptions{Codec: c.codec, CodecID: c.id, ProducerID: 1, ProducerEpoch: 2, BaseSequence: 3}
		ours := build(f, 1000, testRecords(1000, 6), opts)
		f.Add(ours)
		theirs := kmsgBatch(f, 1000, testRecords(1000, 4), kgoCodecs[c.id], c.id, 0x08)
		f.Add(theirs)
		f.Add(append(bytes.Clone(ours), theirs...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecode(t, in)
		if len(in) >= record.HeaderSize {
			// Random bytes rarely get past the CRC; also decode the input
			// as one batch with a valid length, magic and CRC so that the
			// record and decompression paths get fuzzed too.
			fixed := bytes.Clone(in)
			binary.BigEndian.PutUint32(fixed[8:], uint32(len(fixed)-12))
			fixed[16] = 2
			checkDecode(t, fixCRC(fixed))
		}
	})
}

// checkDecode decodes in and checks the error contract or, on success, that
// the records survive a rebuild.
func checkDecode(t *testing.T, in []byte) {
	batches, err := record.DecodeBatches(in, nil)
	if err != nil {
		var de *record.DecodeError
		if !errors.As(err, &de) {
			t.Fatalf("error %T is not a *DecodeError: %v", err, err)
		}
		if de.Batch != len(batches) || de.Pos < 0 || de.Pos >= len(in) {
			t.Fatalf("DecodeError %+v with %d batches and %d input bytes", de, len(batches), len(in))
		}
		return
	}
	for _, b := range batches {
		if len(b.Records) == 0 {
			continue
		}
		var bld record.Builder
		bld.Reset(b.BaseTimestamp)
		for _, r := range b.Records {
			bld.Append(r.Timestamp, r.Key, r.Value, r.Headers)
		}
		out, err := bld.Finish(nil, record.BatchOptions{Codec: compress.ByID(b.CodecID), CodecID: b.CodecID, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
		if err != nil {
			t.Fatalf("rebuilding: %v", err)
		}
		again, err := record.DecodeBatches(out, nil)
		if err != nil {
			t.Fatalf("decoding rebuilt batch: %v", err)
		}
		want := make([]record.Record, len(b.Records))
		for i, r := range b.Records {
			want[i] = r
			want[i].Offset = int64(i)
		}
		checkRecords(t, again[0].Records, want)
	}
}
