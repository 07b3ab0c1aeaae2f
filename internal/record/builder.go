package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"iter"
	"math"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

// HeaderSize is the size of a v2 record batch header, the bytes before the
// first record.
const HeaderSize = 61

// Header is a record header. A nil Value is a null value; Key is never null.
type Header struct {
	Key   string
	Value []byte
}

// Builder accumulates the records of one batch, encoding each one as it is
// appended so that sizes are exact, and finishes them into a wire batch.
//
// The zero Builder is ready to use, with a base timestamp of 0. A Builder is
// not goroutine-safe: one goroutine at a time may call its methods. Its
// buffer is kept across Reset, so a reused Builder appends without
// allocating once it has grown to the usual batch size.
//
// Splitting a batch: the Builder keeps only the encoded records. A producer
// is expected to keep its own list of the records it appended (it needs one
// anyway to report each record's outcome) and, to split a batch the broker
// rejected as too large, to Reset Builders and Append those records again.
// For callers without such a list, Records decodes them back.
type Builder struct {
	buf    []byte // encoded records, without the batch header
	count  int32
	baseTS int64
	maxTS  int64
}

// Reset empties the builder and sets the base timestamp (milliseconds since
// the epoch) that record timestamps are stored relative to. Java uses the
// first record's timestamp. The buffer is kept for reuse.
func (b *Builder) Reset(baseTimestampMillis int64) {
	b.buf = b.buf[:0]
	b.count = 0
	b.baseTS = baseTimestampMillis
	b.maxTS = baseTimestampMillis
}

// Reserve makes room for n more bytes of records, so that appending up to
// that size does not reallocate.
func (b *Builder) Reserve(n int) {
	if cap(b.buf)-len(b.buf) < n {
		b.buf = append(make([]byte, 0, len(b.buf)+n), b.buf...)
	}
}

// Append encodes one record, with offset delta Count() and timestamp delta
// timestampMillis minus the base timestamp (which may be negative). A nil
// key, value or header value is written as null; an empty non-nil one as
// empty. Append copies key, value and headers; the caller may reuse them.
//
// Append does not limit sizes: callers check AppendSize or Size against
// their maximum batch size first. It allocates only when the builder's
// buffer must grow.
func (b *Builder) Append(timestampMillis int64, key, value []byte, headers []Header) {
	delta := timestampMillis - b.baseTS
	body := recordBodySize(delta, b.count, key, value, headers)
	buf := appendVarint(b.buf, int64(body))
	buf = append(buf, 0) // attributes
	buf = appendVarint(buf, delta)
	buf = appendVarint(buf, int64(b.count))
	buf = appendNullable(buf, key)
	buf = appendNullable(buf, value)
	buf = appendVarint(buf, int64(len(headers)))
	for i := range headers {
		h := &headers[i]
		buf = appendVarint(buf, int64(len(h.Key)))
		buf = append(buf, h.Key...)
		buf = appendNullable(buf, h.Value)
	}
	b.buf = buf
	if b.count == 0 || timestampMillis > b.maxTS {
		b.maxTS = timestampMillis
	}
	b.count++
}

// AppendSize returns the bytes Append would add to Size for these
// arguments.
func (b *Builder) AppendSize(timestampMillis int64, key, value []byte, headers []Header) int {
	return RecordSize(timestampMillis-b.baseTS, b.count, key, value, headers)
}

// RecordSize returns the encoded size of a record, including its leading
// length varint.
func RecordSize(timestampDelta int64, offsetDelta int32, key, value []byte, headers []Header) int {
	body := recordBodySize(timestampDelta, offsetDelta, key, value, headers)
	return varintLen(int64(body)) + body
}

// recordBodySize is the record's length field: its size without the length
// varint itself.
func recordBodySize(timestampDelta int64, offsetDelta int32, key, value []byte, headers []Header) int {
	n := 1 + // attributes
		varintLen(timestampDelta) +
		varintLen(int64(offsetDelta)) +
		nullableSize(key) +
		nullableSize(value) +
		varintLen(int64(len(headers)))
	for i := range headers {
		n += varintLen(int64(len(headers[i].Key))) + len(headers[i].Key) + nullableSize(headers[i].Value)
	}
	return n
}

func appendNullable(b, v []byte) []byte {
	if v == nil {
		return append(b, 1) // zigzag(-1)
	}
	b = appendVarint(b, int64(len(v)))
	return append(b, v...)
}

func nullableSize(v []byte) int {
	if v == nil {
		return 1
	}
	return varintLen(int64(len(v))) + len(v)
}

// Count returns the number of records appended since the last Reset.
func (b *Builder) Count() int { return int(b.count) }

// Size returns the size of the batch without compression: the 61-byte
// header plus the encoded records.
func (b *Builder) Size() int { return HeaderSize + len(b.buf) }

// MaxTimestamp returns the largest timestamp appended since the last Reset,
// or the base timestamp if there are no records.
func (b *Builder) MaxTimestamp() int64 { return b.maxTS }

// BaseTimestamp returns the base timestamp given to Reset.
func (b *Builder) BaseTimestamp() int64 { return b.baseTS }

// Records returns an iterator over the records appended since the last
// Reset, decoded back from the builder's buffer: Offset is the offset
// delta and Timestamp is absolute. Keys, values and header values alias the
// builder's buffer, so they are valid only until the next Reset or Append
// on b; in particular, to split a batch, re-append them into a different
// Builder.
func (b *Builder) Records() iter.Seq[Record] {
	return func(yield func(Record) bool) {
		r := reader{b: b.buf}
		for range b.count {
			var rec Record
			if decodeRecord(&r, &rec, 0, b.baseTS, false, 0); r.err != nil {
				return // cannot happen: the buffer holds what Append wrote
			}
			if !yield(rec) {
				return
			}
		}
	}
}

// BatchOptions are the header fields and compression of a finished batch.
// For a producer that is not idempotent, ProducerID, ProducerEpoch and
// BaseSequence are all -1 (the zero value is not that).
type BatchOptions struct {
	// Codec compresses the records; nil means no compression.
	Codec compress.Codec
	// CodecID is stored in the attributes and must match Codec: 0 (none)
	// with a nil Codec, or 1 gzip, 2 snappy, 3 lz4, 4 zstd.
	CodecID       int8
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	// Transactional sets the transactional attribute bit. It needs a
	// producer id.
	Transactional bool
}

// Attribute bits of a batch.
const (
	attrCodecMask     = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
)

var (
	// ErrEmptyBatch is returned by Finish when no record was appended.
	ErrEmptyBatch = errors.New("record: batch has no records")
	// ErrInvalidOptions is wrapped by Finish errors about its BatchOptions.
	ErrInvalidOptions = errors.New("record: invalid batch options")
	// ErrBatchTooLarge is returned by Finish when the batch length does not
	// fit the int32 batchLength field.
	ErrBatchTooLarge = errors.New("record: batch too large")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Finish appends the complete batch to dst: the header, then the records,
// compressed with opts.Codec when it is set. The CRC-32C covers attributes
// to the end. The batch is always written with the requested codec, even
// when compression does not make it smaller, so that the attributes always
// describe the bytes.
//
// Finish does not change the builder, so it may be called again, for
// example with a new producer epoch and sequence. On error it returns dst
// unchanged. A compressing Finish allocates only what the codec does (in
// steady state, nothing).
func (b *Builder) Finish(dst []byte, opts BatchOptions) ([]byte, error) {
	if err := opts.validate(); err != nil {
		return dst, err
	}
	if b.count == 0 {
		return dst, ErrEmptyBatch
	}
	start := len(dst)
	var hdr [HeaderSize]byte
	dst = append(dst, hdr[:]...)
	if opts.Codec == nil {
		dst = append(dst, b.buf...)
	} else {
		var err error
		if dst, err = opts.Codec.Compress(dst, b.buf); err != nil {
			return dst[:start], fmt.Errorf("record: compressing batch: %w", err)
		}
	}
	batch := dst[start:]
	if len(batch)-12 > math.MaxInt32 {
		return dst[:start], fmt.Errorf("%w: %d bytes", ErrBatchTooLarge, len(batch))
	}
	attrs := uint16(opts.CodecID)
	if opts.Transactional {
		attrs |= attrTransactional
	}
	be := binary.BigEndian
	be.PutUint64(batch[0:], 0)                           // baseOffset
	be.PutUint32(batch[8:], uint32(len(batch)-12))       // batchLength
	be.PutUint32(batch[12:], math.MaxUint32)             // partitionLeaderEpoch -1
	batch[16] = 2                                        // magic
	be.PutUint16(batch[21:], attrs)                      // attributes
	be.PutUint32(batch[23:], uint32(b.count-1))          // lastOffsetDelta
	be.PutUint64(batch[27:], uint64(b.baseTS))           // baseTimestamp
	be.PutUint64(batch[35:], uint64(b.maxTS))            // maxTimestamp
	be.PutUint64(batch[43:], uint64(opts.ProducerID))    // producerId
	be.PutUint16(batch[51:], uint16(opts.ProducerEpoch)) // producerEpoch
	be.PutUint32(batch[53:], uint32(opts.BaseSequence))  // baseSequence
	be.PutUint32(batch[57:], uint32(b.count))            // recordsCount
	be.PutUint32(batch[17:], crc32.Checksum(batch[21:], castagnoli))
	return dst, nil
}

func (o *BatchOptions) validate() error {
	switch {
	case o.CodecID < compress.IDNone || o.CodecID > compress.IDZstd:
		return fmt.Errorf("%w: codec id %d is not 0 to 4", ErrInvalidOptions, o.CodecID)
	case o.CodecID == compress.IDNone && o.Codec != nil:
		return fmt.Errorf("%w: codec %v with codec id 0", ErrInvalidOptions, o.Codec)
	case o.CodecID != compress.IDNone && o.Codec == nil:
		return fmt.Errorf("%w: codec id %d without a codec", ErrInvalidOptions, o.CodecID)
	case o.Transactional && o.ProducerID < 0:
		return fmt.Errorf("%w: transactional batch without a producer id", ErrInvalidOptions)
	}
	return nil
}
