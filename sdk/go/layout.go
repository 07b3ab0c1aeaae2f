package sdk

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

// ABI version spoken by this SDK, as returned by kw_abi_version.
const (
	ABIMajor   = 1
	ABIMinor   = 1
	ABIVersion = ABIMajor<<16 | ABIMinor
)

// NoOpinion is the partition a partitioner returns to let the host's
// sticky/default partitioner decide.
const NoOpinion = -1

// Sentinel lengths and results of the ABI layouts.
const (
	lenNull        = -1 // i32 length of a null key, value or header value
	resultError    = -2 // partition result, codec length or header count of a failed record
	maxInputLength = 1 << 30
)

// Header is one Kafka record header. A nil Value is a null header value.
type Header struct {
	Key   string
	Value []byte
}

// Record is one record of a partition or enrich batch. Key, Value and the
// header values alias the SDK's input buffer: valid only during the callback.
type Record struct {
	Topic   string
	Key     []byte // nil: null key
	Value   []byte // nil: null value
	Headers []Header
}

// Header returns the value of the first header named key and whether one
// exists (a present header may still have a nil, null, value).
func (r *Record) Header(key string) ([]byte, bool) {
	for i := range r.Headers {
		if r.Headers[i].Key == key {
			return r.Headers[i].Value, true
		}
	}
	return nil, false
}

// ErrTruncated is wrapped by layout decoding errors when a length or count
// points past the end of the buffer.
var ErrTruncated = errors.New("truncated")

var errOutOfRange = errors.New("out of range")

// LayoutError reports malformed ABI bytes: what was being read and where.
type LayoutError struct {
	What   string // the field being read, e.g. "record 3 key"
	Offset int    // byte offset where the field starts
	Err    error  // ErrTruncated or a description
}

func (e *LayoutError) Error() string {
	return "kafkawasm abi: " + e.What + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
}

func (e *LayoutError) Unwrap() error { return e.Err }

// reader decodes little-endian ABI fields with a sticky error: after the
// first failure every read returns zero values and err keeps the first cause.
type reader struct {
	b   []byte
	off int
	err *LayoutError
}

func (r *reader) fail(what string, err error) {
	if r.err == nil {
		r.err = &LayoutError{What: what, Offset: r.off, Err: err}
	}
}

func (r *reader) u32(what string) uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b)-r.off < 4 {
		r.fail(what, ErrTruncated)
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

// bytes reads n bytes as a capacity-limited subslice of the buffer.
func (r *reader) bytes(what string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail(what, ErrTruncated)
		return nil
	}
	v := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

// sized reads a u32 length and that many bytes.
func (r *reader) sized(what string) []byte {
	n := r.u32(what)
	if n > maxInputLength {
		r.fail(what, errors.New("length too large"))
		return nil
	}
	return r.bytes(what, int(n))
}

// nullable reads an i32 length (-1 null) and the bytes; null is nil, empty
// is a non-nil empty slice.
func (r *reader) nullable(what string) []byte {
	start := r.off
	n := int32(r.u32(what))
	if r.err != nil {
		return nil
	}
	if n == lenNull {
		return nil
	}
	if n < 0 {
		r.off = start
		r.fail(what, errors.New("negative length "+strconv.Itoa(int(n))))
		return nil
	}
	return r.bytes(what, int(n))
}

// Batch is a parsed record batch input (partition and enrich). Parse reuses
// its slices, so one Batch serves every call without allocating per record.
type Batch struct {
	Topic          string
	PartitionCount int
	Records        []Record

	headers []Header
	spans   []int32 // per record: start index into headers
	intern  map[string]string
	recent  []string // recently interned keys, checked before intern
	next    int      // next slot of recent to replace
}

// maxInterned bounds the header-key intern table.
const maxInterned = 256

// internBytes returns b as a string, reusing a previous string with the same
// bytes so that repeated header keys and topics do not allocate.
func (b *Batch) internBytes(v []byte) string {
	// A few recent keys first: a map lookup hashes the key, which costs
	// more than these comparisons in Wasm (no hardware hash there).
	for _, s := range b.recent {
		if s == string(v) {
			return s
		}
	}
	s, ok := b.intern[string(v)]
	if !ok {
		s = b.internNew(v)
	}
	if len(b.recent) < maxRecent {
		b.recent = append(b.recent, s)
	} else {
		b.recent[b.next%maxRecent] = s
		b.next++
	}
	return s
}

// maxRecent is the size of the recent-key cache in front of the intern map.
const maxRecent = 8

func (b *Batch) internNew(v []byte) string {
	s := string(v)
	if b.intern == nil {
		b.intern = make(map[string]string)
	}
	if len(b.intern) < maxInterned {
		b.intern[s] = s
	}
	return s
}

// Parse decodes the record batch layout of docs/ABI.md. The records alias in.
func (b *Batch) Parse(in []byte) error {
	if b.parseFast(in) {
		return nil
	}
	return b.parse(in)
}

// parseFast decodes a well-formed batch in one straight loop (no calls per
// field: calls are what costs in Wasm). It reports false on anything
// unusual, and parse then decodes again to name the error.
func (b *Batch) parseFast(in []byte) bool {
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(in[off:]) }
	end := len(in)
	if end < 12 || u32(0) > uint32(end-12) {
		return false
	}
	off := 4 + int(u32(0))
	topic := in[4:off]
	count := u32(off + 4)
	off += 8
	if uint64(count)*12 > uint64(end-off) {
		return false
	}
	if u32(off-8) > math.MaxInt32 {
		return false
	}
	b.Topic = b.internBytes(topic)
	b.PartitionCount = int(u32(off - 8))
	b.Records = b.Records[:0]
	b.headers = b.headers[:0]
	for i := 0; i < int(count); i++ {
		var rec Record
		rec.Topic = b.Topic
		for f := 0; f < 2; f++ {
			if end-off < 4 {
				return false
			}
			n := int32(u32(off))
			off += 4
			var v []byte
			switch {
			case n == lenNull:
			case n < 0 || int(n) > end-off:
				return false
			default:
				v = in[off : off+int(n) : off+int(n)]
				off += int(n)
			}
			if f == 0 {
				rec.Key = v
			} else {
				rec.Value = v
			}
		}
		if end-off < 4 {
			return false
		}
		hc := u32(off)
		off += 4
		if uint64(hc)*8 > uint64(end-off) {
			return false
		}
		first := len(b.headers)
		for j := 0; j < int(hc); j++ {
			if end-off < 4 {
				return false
			}
			kn := u32(off)
			off += 4
			if kn > uint32(end-off) || end-off-int(kn) < 4 {
				return false
			}
			key := in[off : off+int(kn)]
			off += int(kn)
			vn := int32(u32(off))
			off += 4
			var v []byte
			switch {
			case vn == lenNull:
			case vn < 0 || int(vn) > end-off:
				return false
			default:
				v = in[off : off+int(vn) : off+int(vn)]
				off += int(vn)
			}
			b.headers = append(b.headers, Header{Key: b.internBytes(key), Value: v})
		}
		rec.Headers = b.headers[first:len(b.headers):len(b.headers)] // rebased below
		b.Records = append(b.Records, rec)
	}
	if off != end {
		return false
	}
	// Rebase the header windows: appends above may have moved b.headers.
	at := 0
	for i := range b.Records {
		h := len(b.Records[i].Headers)
		b.Records[i].Headers = b.headers[at : at+h : at+h]
		at += h
	}
	return true
}

// parse is Parse with a sticky-error reader that names what is malformed.
func (b *Batch) parse(in []byte) error {
	r := reader{b: in}
	b.Topic = b.internBytes(r.sized("topic"))
	b.PartitionCount = int(r.u32("partition_count"))
	if r.err == nil && b.PartitionCount > math.MaxInt32 {
		// Kafka partition counts fit in an int32 (the other SDKs' type).
		r.off -= 4
		r.fail("partition_count", errOutOfRange)
	}
	n := r.u32("record count")
	b.Records = b.Records[:0]
	b.headers = b.headers[:0]
	b.spans = b.spans[:0]
	if r.err != nil {
		return r.err
	}
	// Every record needs at least 12 bytes: refuse absurd counts up front.
	if uint64(n)*12 > uint64(len(in)-r.off) {
		r.fail("record count "+strconv.FormatUint(uint64(n), 10), ErrTruncated)
		return r.err
	}
	for i := 0; i < int(n) && r.err == nil; i++ {
		var rec Record
		rec.Topic = b.Topic
		rec.Key = r.nullable("record key")
		rec.Value = r.nullable("record value")
		hc := r.u32("record header_count")
		if uint64(hc)*8 > uint64(len(in)-r.off) {
			r.fail("record header_count", ErrTruncated)
			break
		}
		b.spans = append(b.spans, int32(len(b.headers)))
		for j := 0; j < int(hc) && r.err == nil; j++ {
			k := r.sized("header key")
			v := r.nullable("header value")
			b.headers = append(b.headers, Header{Key: b.internBytes(k), Value: v})
		}
		b.Records = append(b.Records, rec)
	}
	if r.err != nil {
		b.Records = b.Records[:0]
		return r.err
	}
	if r.off != len(in) {
		r.fail("end of batch", errors.New(strconv.Itoa(len(in)-r.off)+" trailing bytes"))
		b.Records = b.Records[:0]
		return r.err
	}
	// Assign header windows only now: appends above may have moved b.headers.
	for i := range b.Records {
		start := b.spans[i]
		end := int32(len(b.headers))
		if i+1 < len(b.spans) {
			end = b.spans[i+1]
		}
		b.Records[i].Headers = b.headers[start:end:end]
	}
	return nil
}

// CodecInput is a parsed codec input (encode and decode).
type CodecInput struct {
	Topic  string
	Values [][]byte // nil entries are nulls

	intern Batch
}

// Parse decodes the codec input layout of docs/ABI.md. Values alias in.
func (c *CodecInput) Parse(in []byte) error {
	r := reader{b: in}
	c.Topic = c.intern.internBytes(r.sized("topic"))
	n := r.u32("value count")
	c.Values = c.Values[:0]
	if r.err != nil {
		return r.err
	}
	if uint64(n)*4 > uint64(len(in)-r.off) {
		r.fail("value count "+strconv.FormatUint(uint64(n), 10), ErrTruncated)
		return r.err
	}
	for i := 0; i < int(n) && r.err == nil; i++ {
		c.Values = append(c.Values, r.nullable("value"))
	}
	if r.err == nil && r.off != len(in) {
		r.fail("end of input", errors.New(strconv.Itoa(len(in)-r.off)+" trailing bytes"))
	}
	if r.err != nil {
		c.Values = c.Values[:0]
		return r.err
	}
	return nil
}

// AppendU32 appends v little-endian.
func AppendU32(dst []byte, v uint32) []byte {
	return binary.LittleEndian.AppendUint32(dst, v)
}

// AppendI32 appends v little-endian.
func AppendI32(dst []byte, v int32) []byte {
	return binary.LittleEndian.AppendUint32(dst, uint32(v))
}

// AppendSized appends a u32 length and b.
func AppendSized(dst, b []byte) []byte {
	dst = AppendU32(dst, uint32(len(b)))
	return append(dst, b...)
}

// AppendSizedString appends a u32 length and s.
func AppendSizedString(dst []byte, s string) []byte {
	dst = AppendU32(dst, uint32(len(s)))
	return append(dst, s...)
}

// AppendNullable appends an i32 length (-1 for nil) and b.
func AppendNullable(dst, b []byte) []byte {
	if b == nil {
		return AppendI32(dst, lenNull)
	}
	dst = AppendI32(dst, int32(len(b)))
	return append(dst, b...)
}

// RecordError is a per-record failure in a partition output.
type RecordError struct {
	Index int
	Msg   string
}

// AppendPartitionOutput appends the partition output layout: one result per
// record (a partition, NoOpinion, or -2 for records listed in errs) and the
// error list.
func AppendPartitionOutput(dst []byte, results []int32, errs []RecordError) []byte {
	dst = AppendU32(dst, uint32(len(results)))
	for _, p := range results {
		dst = AppendI32(dst, p)
	}
	dst = AppendU32(dst, uint32(len(errs)))
	for _, e := range errs {
		dst = AppendU32(dst, uint32(e.Index))
		dst = AppendSizedString(dst, e.Msg)
	}
	return dst
}

// AppendCodecResult appends one codec output entry: out (nil: null).
func AppendCodecResult(dst, out []byte) []byte {
	return AppendNullable(dst, out)
}

// AppendCodecError appends one failed codec output entry.
func AppendCodecError(dst []byte, msg string) []byte {
	dst = AppendI32(dst, resultError)
	return AppendSizedString(dst, msg)
}

// AppendEnrichResult appends the headers to add for one record.
func AppendEnrichResult(dst []byte, hs []Header) []byte {
	dst = AppendI32(dst, int32(len(hs)))
	for _, h := range hs {
		dst = AppendSizedString(dst, h.Key)
		dst = AppendNullable(dst, h.Value)
	}
	return dst
}

// AppendEnrichError appends one failed enrich output entry.
func AppendEnrichError(dst []byte, msg string) []byte {
	dst = AppendI32(dst, resultError)
	return AppendSizedString(dst, msg)
}
