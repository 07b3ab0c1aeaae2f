package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

// Record is one decoded record.
type Record struct {
	// Offset is the batch's base offset plus the record's offset delta.
	Offset int64
	// Timestamp is the batch's base timestamp plus the record's timestamp
	// delta, or the batch's max timestamp when the batch uses log append
	// time.
	Timestamp int64
	// Key and Value are nil for null.
	Key, Value []byte
	Headers    []Header
}

// Batch is one decoded record batch.
type Batch struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32
	Attributes           int16
	LastOffsetDelta      int32
	BaseTimestamp        int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	Records              []Record

	// Decoded from Attributes.
	CodecID       int8
	Transactional bool
	Control       bool
	LogAppendTime bool
}

var (
	// ErrTruncated means the input ends inside a batch.
	ErrTruncated = errors.New("record: truncated batch")
	// ErrBadMagic means a batch is not magic 2 (message sets v0 and v1 are
	// not supported).
	ErrBadMagic = errors.New("record: unsupported magic")
	// ErrBadCRC means a batch's CRC-32C does not match its bytes.
	ErrBadCRC = errors.New("record: crc mismatch")
	// ErrUnknownCodec means a batch's codec id has no codec.
	ErrUnknownCodec = errors.New("record: unknown compression codec")
	// ErrMalformed means a length, count or varint in a batch is invalid,
	// or the records do not fill the batch exactly.
	ErrMalformed = errors.New("record: malformed batch")
)

// DecodeError reports where DecodeBatches failed. Err wraps one of ErrTruncated,
// ErrBadMagic, ErrBadCRC, ErrUnknownCodec or ErrMalformed, or a
// decompression error (compress.ErrCorrupt, compress.ErrTooLarge).
type DecodeError struct {
	Batch  int // index of the batch in the input
	Pos    int // byte offset of the batch in the input
	Record int // index of the record in the batch, or -1 for the header
	Err    error
}

func (e *DecodeError) Error() string {
	msg := strings.TrimPrefix(e.Err.Error(), "record: ")
	if e.Record >= 0 {
		return fmt.Sprintf("record: batch %d at byte %d, record %d: %s", e.Batch, e.Pos, e.Record, msg)
	}
	return fmt.Sprintf("record: batch %d at byte %d: %s", e.Batch, e.Pos, msg)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// minRecordSize is the smallest encoded record: length, attributes,
// timestamp delta, offset delta, key length, value length and header count
// of one byte each.
const minRecordSize = 7

// DecodeBatches decodes every record batch in b, which must hold whole v2
// batches and nothing else. codecs maps a codec id to its codec; nil means
// compress.ByID. It checks each batch's length, magic, CRC-32C and record
// count, and that every record fills its length exactly.
//
// Keys, values and header values alias b for uncompressed batches, and the
// decompressed buffer otherwise. On error, it returns the batches decoded
// before the failing one and a *DecodeError.
//
// DecodeBatches treats b as hostile: it does not panic, and it allocates at
// most a small multiple of len(b) plus the decompressed sizes, whose total
// is limited to compress.MaxDecompressedSize per call.
// It is safe for concurrent use.
func DecodeBatches(b []byte, codecs func(id int8) compress.Codec) ([]Batch, error) {
	if codecs == nil {
		codecs = compress.ByID
	}
	var batches []Batch
	budget := compress.MaxDecompressedSize
	for pos := 0; pos < len(b); {
		batch, n, rec, err := decodeBatch(b[pos:], codecs, &budget)
		if err != nil {
			return batches, &DecodeError{Batch: len(batches), Pos: pos, Record: rec, Err: err}
		}
		batches = append(batches, batch)
		pos += n
	}
	return batches, nil
}

// decodeBatch decodes the batch at the start of b and returns its size. On
// error, rec is the index of the failing record, or -1.
func decodeBatch(b []byte, codecs func(int8) compress.Codec, budget *int) (batch Batch, n, rec int, err error) {
	if len(b) < 12 {
		return batch, 0, -1, fmt.Errorf("%w: %d bytes left, a batch needs at least %d", ErrTruncated, len(b), HeaderSize)
	}
	be := binary.BigEndian
	length := int32(be.Uint32(b[8:]))
	if length < HeaderSize-12 {
		return batch, 0, -1, fmt.Errorf("%w: batch length %d is below the %d-byte minimum", ErrMalformed, length, HeaderSize-12)
	}
	if int64(length) > int64(len(b)-12) {
		return batch, 0, -1, fmt.Errorf("%w: batch length %d, only %d bytes left", ErrTruncated, length, len(b)-12)
	}
	n = 12 + int(length)
	b = b[:n]
	if magic := int8(b[16]); magic != 2 {
		return batch, 0, -1, fmt.Errorf("%w: %d", ErrBadMagic, magic)
	}
	if got, want := crc32.Checksum(b[21:], castagnoli), be.Uint32(b[17:]); got != want {
		return batch, 0, -1, fmt.Errorf("%w: computed %#08x, header says %#08x", ErrBadCRC, got, want)
	}
	batch = Batch{
		BaseOffset:           int64(be.Uint64(b[0:])),
		PartitionLeaderEpoch: int32(be.Uint32(b[12:])),
		Attributes:           int16(be.Uint16(b[21:])),
		LastOffsetDelta:      int32(be.Uint32(b[23:])),
		BaseTimestamp:        int64(be.Uint64(b[27:])),
		MaxTimestamp:         int64(be.Uint64(b[35:])),
		ProducerID:           int64(be.Uint64(b[43:])),
		ProducerEpoch:        int16(be.Uint16(b[51:])),
		BaseSequence:         int32(be.Uint32(b[53:])),
	}
	batch.CodecID = int8(batch.Attributes & attrCodecMask)
	batch.LogAppendTime = batch.Attributes&attrLogAppendTime != 0
	batch.Transactional = batch.Attributes&attrTransactional != 0
	batch.Control = batch.Attributes&attrControl != 0
	count := int32(be.Uint32(b[57:]))

	records := b[HeaderSize:]
	if batch.CodecID != compress.IDNone {
		c := codecs(batch.CodecID)
		if c == nil {
			return batch, 0, -1, fmt.Errorf("%w: id %d", ErrUnknownCodec, batch.CodecID)
		}
		out, err := c.Decompress(nil, records)
		if err != nil {
			return batch, 0, -1, fmt.Errorf("record: decompressing records: %w", err)
		}
		if *budget -= len(out); *budget < 0 {
			return batch, 0, -1, fmt.Errorf("record: decompressed batches exceed %d bytes in total: %w", compress.MaxDecompressedSize, compress.ErrTooLarge)
		}
		records = out
	}
	if count < 0 || int64(count) > int64(len(records)/minRecordSize) {
		return batch, 0, -1, fmt.Errorf("%w: %d records cannot fit in %d bytes", ErrMalformed, count, len(records))
	}
	if count > 0 {
		batch.Records = make([]Record, count)
	}
	r := reader{b: records}
	for i := range batch.Records {
		decodeRecord(&r, &batch.Records[i], batch.BaseOffset, batch.BaseTimestamp, batch.LogAppendTime, batch.MaxTimestamp)
		if r.err != nil {
			return batch, 0, i, r.err
		}
	}
	if len(r.b) != 0 {
		return batch, 0, -1, fmt.Errorf("%w: %d bytes left after the last of %d records", ErrMalformed, len(r.b), count)
	}
	return batch, n, -1, nil
}

// decodeRecord decodes one record from r into rec. Errors are left in r.err.
func decodeRecord(r *reader, rec *Record, baseOffset, baseTS int64, logAppendTime bool, maxTS int64) {
	length := r.varint("record length")
	if r.err == nil && length < 0 {
		r.fail("negative record length %d", length)
	}
	body := reader{b: r.span(int(length), "record")}
	if r.err != nil {
		return
	}
	body.span(1, "attributes")
	tsDelta := body.varlong("timestamp delta")
	offsetDelta := body.varint("offset delta")
	rec.Key = body.nullable("key")
	rec.Value = body.nullable("value")
	nh := body.varint("header count")
	if body.err == nil && (nh < 0 || int(nh) > len(body.b)/2) {
		body.fail("header count %d with %d bytes left", nh, len(body.b))
	}
	if body.err == nil && nh > 0 {
		rec.Headers = make([]Header, nh)
		for i := range rec.Headers {
			kl := body.varint("header key length")
			if body.err == nil && kl < 0 {
				body.fail("header key length %d (header keys cannot be null)", kl)
			}
			rec.Headers[i].Key = string(body.span(int(kl), "header key"))
			rec.Headers[i].Value = body.nullable("header value")
		}
	}
	if body.err == nil && len(body.b) != 0 {
		body.fail("record length %d leaves %d bytes unread", length, len(body.b))
	}
	if body.err != nil {
		r.err = body.err
		return
	}
	rec.Offset = baseOffset + int64(offsetDelta)
	rec.Timestamp = baseTS + tsDelta
	if logAppendTime {
		rec.Timestamp = maxTS
	}
}

// reader reads record fields with a sticky error: after the first failure
// every read returns a zero value, and the caller checks err once.
type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

func (r *reader) span(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail("%s of %d bytes, only %d left", what, n, len(r.b))
		return nil
	}
	s := r.b[:n:n]
	r.b = r.b[n:]
	return s
}

func (r *reader) varint(what string) int32 {
	if r.err != nil {
		return 0
	}
	v, n := readVarint(r.b)
	if n == 0 {
		r.fail("bad %s varint", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) varlong(what string) int64 {
	if r.err != nil {
		return 0
	}
	v, n := readVarlong(r.b)
	if n == 0 {
		r.fail("bad %s varlong", what)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// nullable reads a length-prefixed byte string where length -1 is null.
func (r *reader) nullable(what string) []byte {
	if r.err != nil {
		return nil
	}
	n, m := readVarint(r.b)
	if m == 0 {
		r.fail("bad %s length varint", what)
		return nil
	}
	r.b = r.b[m:]
	if n == -1 {
		return nil
	}
	if n < -1 {
		r.fail("%s length %d", what, n)
		return nil
	}
	return r.span(int(n), what)
}
