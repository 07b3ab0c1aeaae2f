package abi

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every decoding error: the bytes do not follow
// the layout (a length past the end, a wrong count, an unknown marker,
// trailing bytes).
var ErrMalformed = errors.New("malformed plugin buffer")

// Reader reads little-endian ABI values from a buffer. The first failure is
// sticky: later reads return zero values and Err reports the first one.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

func (r *Reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrMalformed, r.off, fmt.Sprintf(format, args...))
	}
}

// Err returns the first error, if any.
func (r *Reader) Err() error { return r.err }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// U32 reads a u32.
func (r *Reader) U32() uint32 {
	if r.err != nil {
		return 0
	}
	if r.Remaining() < 4 {
		r.fail("need 4 bytes, have %d", r.Remaining())
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

// I32 reads an i32.
func (r *Reader) I32() int32 { return int32(r.U32()) }

// Bytes reads n bytes, returned as a slice of the buffer with its capacity
// capped so that appending to it never overwrites what follows.
func (r *Reader) Bytes(n uint32) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(n) > uint64(r.Remaining()) {
		r.fail("length %d past the end (%d bytes left)", n, r.Remaining())
		return nil
	}
	end := r.off + int(n)
	b := r.b[r.off:end:end]
	r.off = end
	return b
}

// String reads a u32 length and that many bytes.
func (r *Reader) String() string { return string(r.Bytes(r.U32())) }

// Nullable reads an i32 length (-1 null) and the bytes. A null is returned
// as nil, an empty value as a non-nil empty slice.
func (r *Reader) Nullable() []byte {
	n := r.I32()
	switch {
	case r.err != nil:
		return nil
	case n == LenNull:
		return nil
	case n < 0:
		r.fail("length %d", n)
		return nil
	}
	if b := r.Bytes(uint32(n)); b != nil {
		return b
	}
	return nil
}

// Count reads a u32 element count and checks that at least count*minSize
// bytes remain, so that a hostile count cannot cause a huge allocation.
func (r *Reader) Count(minSize int) int {
	n := r.U32()
	if r.err != nil {
		return 0
	}
	if uint64(n)*uint64(minSize) > uint64(r.Remaining()) {
		r.fail("count %d too large for %d bytes left", n, r.Remaining())
		return 0
	}
	return int(n)
}

// End fails if bytes remain unread and returns Err.
func (r *Reader) End() error {
	if r.err == nil && r.Remaining() != 0 {
		r.fail("%d trailing bytes", r.Remaining())
	}
	return r.err
}

// Batch is a decoded record batch input.
type Batch struct {
	Topic          string
	PartitionCount uint32
	Records        []Record
}

// DecodeBatch decodes a record batch input (the guest's side). Byte slices
// alias b.
func DecodeBatch(b []byte) (Batch, error) {
	r := NewReader(b)
	var out Batch
	out.Topic = r.String()
	out.PartitionCount = r.U32()
	n := r.Count(12)
	out.Records = make([]Record, n)
	for i := range out.Records {
		rec := &out.Records[i]
		rec.Key = r.Nullable()
		rec.Value = r.Nullable()
		hn := r.Count(8)
		if hn > 0 {
			rec.Headers = make([]Header, hn)
			for j := range rec.Headers {
				rec.Headers[j].Key = r.String()
				rec.Headers[j].Value = r.Nullable()
			}
		}
		if r.err != nil {
			return Batch{}, r.err
		}
	}
	if err := r.End(); err != nil {
		return Batch{}, err
	}
	return out, nil
}

// DecodeCodecInput decodes a codec input (the guest's side). A null value
// is nil; byte slices alias b.
func DecodeCodecInput(b []byte) (topic string, values [][]byte, err error) {
	r := NewReader(b)
	topic = r.String()
	n := r.Count(4)
	values = make([][]byte, n)
	for i := range values {
		values[i] = r.Nullable()
	}
	if err := r.End(); err != nil {
		return "", nil, err
	}
	return topic, values, nil
}

// DecodePartitionOutput decodes a partition output whose record count must
// be len(results), writing each record's result into results. Per-record
// error messages are returned; each names a record whose result is
// PartitionError. Values other than partitions (>= 0), PartitionNoOpinion
// and PartitionError are left for the caller to judge; range checks against
// the partition count are the caller's too.
func DecodePartitionOutput(b []byte, results []int32) ([]RecordError, error) {
	r := NewReader(b)
	if n := r.U32(); r.err == nil && int(n) != len(results) {
		return nil, fmt.Errorf("%w: %d results for %d records", ErrMalformed, n, len(results))
	}
	if r.err == nil && r.Remaining() < 4*len(results) {
		r.fail("%d results need %d bytes, have %d", len(results), 4*len(results), r.Remaining())
	}
	for i := range results {
		results[i] = r.I32()
	}
	ne := r.Count(8)
	var errs []RecordError
	if ne > 0 {
		errs = make([]RecordError, 0, ne)
	}
	for range ne {
		idx := r.U32()
		msg := r.String()
		if r.err != nil {
			break
		}
		if int(idx) >= len(results) {
			r.fail("error for record %d of %d", idx, len(results))
			break
		}
		errs = append(errs, RecordError{Index: int(idx), Msg: msg})
	}
	if err := r.End(); err != nil {
		return nil, err
	}
	return errs, nil
}

// DecodeCodecOutput decodes a codec output whose record count must be
// len(out). Data slices alias b.
func DecodeCodecOutput(b []byte, out []CodecResult) error {
	r := NewReader(b)
	if n := r.U32(); r.err == nil && int(n) != len(out) {
		return fmt.Errorf("%w: %d results for %d records", ErrMalformed, n, len(out))
	}
	for i := range out {
		n := r.I32()
		switch {
		case r.err != nil:
			return r.err
		case n >= 0:
			d := r.Bytes(uint32(n))
			if d == nil {
				d = []byte{}
			}
			out[i] = CodecResult{Data: d}
		case n == LenNull:
			out[i] = CodecResult{Null: true}
		case n == LenError:
			out[i] = CodecResult{Failed: true, Err: r.String()}
		default:
			r.fail("record %d: length %d", i, n)
		}
	}
	return r.End()
}

// Interner deduplicates header keys across decodes: enrichers add the same
// few keys to every record. The zero value is ready; it keeps at most 256
// keys of at most 64 bytes. Not safe for concurrent use.
type Interner struct{ m map[string]string }

func (in *Interner) intern(b []byte) string {
	if in == nil || len(b) > 64 {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < 256 {
		in.m[s] = s
	}
	return s
}

// DecodeEnrichOutput decodes an enrich output whose record count must be
// len(out). Header values alias b; all headers share one allocation. keys,
// if not nil, interns header keys.
func DecodeEnrichOutput(b []byte, out []EnrichResult, keys *Interner) error {
	r := NewReader(b)
	if n := r.U32(); r.err == nil && int(n) != len(out) {
		return fmt.Errorf("%w: %d results for %d records", ErrMalformed, n, len(out))
	}
	var flat []Header
	for i := range out {
		n := r.I32()
		switch {
		case r.err != nil:
			return r.err
		case n == LenError:
			out[i] = EnrichResult{Failed: true, Err: r.String()}
			continue
		case n < 0:
			r.fail("record %d: header count %d", i, n)
			return r.err
		case uint64(n)*8 > uint64(r.Remaining()):
			r.fail("record %d: header count %d too large for %d bytes left", i, n, r.Remaining())
			return r.err
		}
		if flat == nil && n > 0 {
			// Enrichers usually add as many headers to every record.
			flat = make([]Header, 0, min(int(n)*(len(out)-i), r.Remaining()/8))
		}
		start := len(flat)
		for range n {
			k := keys.intern(r.Bytes(r.U32()))
			v := r.Nullable()
			flat = append(flat, Header{Key: k, Value: v})
		}
		out[i] = EnrichResult{Headers: flat[start:len(flat):len(flat)]}
		if n == 0 {
			out[i].Headers = nil
		}
	}
	return r.End()
}
