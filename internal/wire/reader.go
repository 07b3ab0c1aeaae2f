package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Sentinel errors wrapped by a *DecodeError. io.ErrUnexpectedEOF is wrapped
// when the input ends early, including when a length prefix claims more
// bytes than remain.
var (
	// ErrInvalidLength: a length prefix is negative but not -1 (null).
	ErrInvalidLength = errors.New("invalid length")
	// ErrVarintOverflow: a varint does not fit its type (more than 5 bytes
	// for 32 bits, more than 10 for 64 bits).
	ErrVarintOverflow = errors.New("varint overflows")
	// ErrUnexpectedNull: a field that the spec declares non-nullable at this
	// version was null.
	ErrUnexpectedNull = errors.New("null in a non-nullable field")
	// ErrTrailingBytes: a message or tagged field was fully decoded but bytes
	// were left over, which means the version used to decode it is not the
	// one it was encoded with.
	ErrTrailingBytes = errors.New("trailing bytes")
	// ErrUnsupportedVersion: DecodeBody was asked for a version outside the
	// message's [MinVersion, MaxVersion].
	ErrUnsupportedVersion = errors.New("unsupported version")
)

// DecodeError is the error of a Reader and of every DecodeBody. It says what
// was being read, where, and why it failed.
type DecodeError struct {
	Message string // message being decoded, e.g. "ProduceResponse"; empty for a bare Reader
	Version int16  // version of Message
	Offset  int    // byte offset in the decoded input where the failing read started
	What    string // what was being read, e.g. "int32", "string length"
	Err     error  // io.ErrUnexpectedEOF or one of the ErrXxx sentinels above
}

func (e *DecodeError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("wire: decoding %s v%d: %s at offset %d: %v", e.Message, e.Version, e.What, e.Offset, e.Err)
	}
	return fmt.Sprintf("wire: reading %s at offset %d: %v", e.What, e.Offset, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Reader decodes Kafka primitives from a byte slice. It has a sticky error:
// after the first failure every read returns a zero value and Err reports
// that first failure, so a decoder reads a whole message and checks Err once.
// A Reader never panics and never allocates more than the input could hold:
// a length larger than the remaining bytes is an error.
//
// A Reader is not goroutine-safe; it does not copy its input, and Bytes
// returns sub-slices of it.
type Reader struct {
	b    []byte
	off  int
	base int // offset of b in the outermost input, for error offsets
	err  error
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first error met, or nil. It is a *DecodeError.
func (r *Reader) Err() error { return r.err }

// Remaining returns the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.b) - r.off }

// Offset returns the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

func (r *Reader) fail(what string, err error) {
	if r.err == nil {
		r.err = &DecodeError{Offset: r.base + r.off, What: what, Err: err}
	}
}

// take returns the next n bytes, or nil and a sticky error.
func (r *Reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail(what, io.ErrUnexpectedEOF)
		return nil
	}
	b := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// Next returns the next n bytes, aliasing the input, or nil and an error
// when fewer than n remain.
func (r *Reader) Next(n int) []byte { return r.take(n, "bytes") }

// Int8 reads one byte.
func (r *Reader) Int8() int8 {
	if b := r.take(1, "int8"); b != nil {
		return int8(b[0])
	}
	return 0
}

// Bool reads one byte; any non-zero value is true.
func (r *Reader) Bool() bool {
	if b := r.take(1, "bool"); b != nil {
		return b[0] != 0
	}
	return false
}

// Int16 reads a big-endian int16.
func (r *Reader) Int16() int16 {
	if b := r.take(2, "int16"); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

// Int32 reads a big-endian int32.
func (r *Reader) Int32() int32 {
	if b := r.take(4, "int32"); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

// Uint32 reads a big-endian uint32.
func (r *Reader) Uint32() uint32 {
	if b := r.take(4, "uint32"); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

// Int64 reads a big-endian int64.
func (r *Reader) Int64() int64 {
	if b := r.take(8, "int64"); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

// UUID reads 16 bytes.
func (r *Reader) UUID() (u [16]byte) {
	if b := r.take(16, "uuid"); b != nil {
		copy(u[:], b)
	}
	return u
}

// Uvarint reads an unsigned varint of at most 5 bytes that fits 32 bits.
func (r *Reader) Uvarint() uint32 { return r.uvarint("uvarint") }

func (r *Reader) uvarint(what string) uint32 {
	if r.err != nil {
		return 0
	}
	var v uint32
	for i := 0; i < 5; i++ {
		if r.off >= len(r.b) {
			r.fail(what, io.ErrUnexpectedEOF)
			return 0
		}
		c := r.b[r.off]
		if i == 4 && c > 0x0f {
			r.fail(what, ErrVarintOverflow)
			return 0
		}
		r.off++
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v
		}
	}
	return v // unreachable: the fifth byte is < 0x10
}

// Varint reads a zigzag varint of at most 5 bytes.
func (r *Reader) Varint() int32 {
	u := r.uvarint("varint")
	return int32(u>>1) ^ -int32(u&1)
}

// Varlong reads a zigzag varint of at most 10 bytes.
func (r *Reader) Varlong() int64 {
	if r.err != nil {
		return 0
	}
	var u uint64
	for i := 0; i < 10; i++ {
		if r.off >= len(r.b) {
			r.fail("varlong", io.ErrUnexpectedEOF)
			return 0
		}
		c := r.b[r.off]
		if i == 9 && c > 0x01 {
			r.fail("varlong", ErrVarintOverflow)
			return 0
		}
		r.off++
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			break
		}
	}
	return int64(u>>1) ^ -int64(u&1)
}

// length reads a length prefix: int16 (short) or int32, or a compact
// uvarint length+1 when flexible. It returns -1 for null. A length that does
// not fit in the remaining bytes times minElem is an error.
func (r *Reader) length(flexible, short bool, minElem int, what string) int {
	if r.err != nil {
		return 0
	}
	start := r.off
	var n int64
	switch {
	case flexible:
		n = int64(r.uvarint(what)) - 1
	case short:
		if b := r.take(2, what); b != nil {
			n = int64(int16(binary.BigEndian.Uint16(b)))
		}
	default:
		if b := r.take(4, what); b != nil {
			n = int64(int32(binary.BigEndian.Uint32(b)))
		}
	}
	if r.err != nil {
		return 0
	}
	if n < -1 {
		r.off = start
		r.fail(what, ErrInvalidLength)
		return 0
	}
	if n > 0 && n*int64(minElem) > int64(len(r.b)-r.off) {
		r.off = start
		r.fail(what, io.ErrUnexpectedEOF)
		return 0
	}
	return int(n)
}

// NullableString reads a string (int16 length, or compact when flexible);
// null is returned as nil.
func (r *Reader) NullableString(flexible bool) *string {
	n := r.length(flexible, true, 1, "string length")
	if n < 0 {
		return nil
	}
	b := r.take(n, "string")
	if r.err != nil {
		return nil
	}
	s := string(b)
	return &s
}

// String reads a non-nullable string; a null is an error (ErrUnexpectedNull).
func (r *Reader) String(flexible bool) string {
	n := r.length(flexible, true, 1, "string length")
	if n < 0 {
		r.fail("string", ErrUnexpectedNull)
		return ""
	}
	return string(r.take(n, "string"))
}

// Bytes reads a byte string (int32 length, or compact when flexible). Null is
// returned as nil and an empty byte string as a non-nil empty slice. The
// result aliases the Reader's input.
func (r *Reader) Bytes(flexible bool) []byte {
	n := r.length(flexible, false, 1, "bytes length")
	if n < 0 || r.err != nil {
		return nil
	}
	return r.take(n, "bytes")
}

// ArrayLen reads an array length (int32, or compact when flexible) and
// returns -1 for a null array. A length larger than the remaining bytes is an
// error, because every element takes at least one byte.
func (r *Reader) ArrayLen(flexible bool) int {
	return r.length(flexible, false, 1, "array length")
}

// arrayLen reads the length of a nullable array whose elements take at least
// minElem bytes each.
func (r *Reader) arrayLen(flexible bool, minElem int) int {
	return r.length(flexible, false, minElem, "array length")
}

// nonNullArrayLen reads the length of a non-nullable array; null is an
// error. It returns 0 on error, so a decoding loop ends at once.
func (r *Reader) nonNullArrayLen(flexible bool, minElem int) int {
	n := r.length(flexible, false, minElem, "array length")
	if n < 0 {
		r.fail("array", ErrUnexpectedNull)
		return 0
	}
	return n
}

// SkipTaggedFields reads a tagged-field section and ignores every field.
func (r *Reader) SkipTaggedFields() {
	for n := r.tagCount(); n > 0 && r.err == nil; n-- {
		r.tag()
	}
}

// tagCount reads the number of fields of a tagged-field section. Each field
// takes at least two bytes (tag and size).
func (r *Reader) tagCount() int {
	if r.err != nil {
		return 0
	}
	start := r.off
	n := r.uvarint("tagged field count")
	if r.err == nil && int64(n)*2 > int64(len(r.b)-r.off) {
		r.off = start
		r.fail("tagged field count", io.ErrUnexpectedEOF)
		return 0
	}
	return int(n)
}

// tag reads one tagged field's header and returns its tag and a Reader over
// its data, which the caller decodes (known tag) or ignores (unknown tag).
func (r *Reader) tag() (uint32, Reader) {
	tag := r.uvarint("tag")
	size := r.uvarint("tagged field size")
	base := r.base + r.off
	data := r.take(int(size), "tagged field")
	return tag, Reader{b: data, base: base}
}

// endTag folds the result of decoding a known tagged field from sub into r.
func (r *Reader) endTag(sub *Reader) {
	if r.err != nil {
		return
	}
	if sub.err != nil {
		r.err = sub.err
	} else if sub.Remaining() != 0 {
		sub.fail("tagged field", ErrTrailingBytes)
		r.err = sub.err
	}
}

// int32Array reads a non-nullable []int32; an empty array is returned as nil.
func (r *Reader) int32Array(flexible bool) []int32 {
	n := r.nonNullArrayLen(flexible, 4)
	if n == 0 {
		return nil
	}
	out := make([]int32, n)
	for i := range out {
		out[i] = r.Int32()
	}
	return out
}

// stringArray reads a non-nullable []string; an empty array is returned as
// nil.
func (r *Reader) stringArray(flexible bool) []string {
	n := r.nonNullArrayLen(flexible, 1)
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = r.String(flexible)
	}
	return out
}

// done finishes decoding a message: it reports trailing bytes, and names the
// message and version in the error.
func (r *Reader) done(message string, version int16) error {
	if r.err == nil && r.Remaining() != 0 {
		r.fail("end of message", ErrTrailingBytes)
	}
	if r.err == nil {
		return nil
	}
	var de *DecodeError
	if errors.As(r.err, &de) {
		de.Message, de.Version = message, version
	}
	return r.err
}

// checkVersion returns a DecodeError when version is outside [lo, hi].
func checkVersion(message string, version, lo, hi int16) error {
	if version < lo || version > hi {
		return &DecodeError{Message: message, Version: version, What: "version", Err: ErrUnsupportedVersion}
	}
	return nil
}
