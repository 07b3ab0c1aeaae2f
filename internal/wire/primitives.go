package wire

import "encoding/binary"

// This file holds the append-style encoders for Kafka's primitive types. Each
// function appends to dst and returns the extended slice, like the append
// built-in, so a caller that reuses one buffer allocates nothing. All
// fixed-width integers are big-endian.

// AppendInt8 appends v as one byte.
func AppendInt8(dst []byte, v int8) []byte { return append(dst, byte(v)) }

// AppendInt16 appends v as two big-endian bytes.
func AppendInt16(dst []byte, v int16) []byte {
	return binary.BigEndian.AppendUint16(dst, uint16(v))
}

// AppendInt32 appends v as four big-endian bytes.
func AppendInt32(dst []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(v))
}

// AppendInt64 appends v as eight big-endian bytes.
func AppendInt64(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v))
}

// AppendUint32 appends v as four big-endian bytes.
func AppendUint32(dst []byte, v uint32) []byte {
	return binary.BigEndian.AppendUint32(dst, v)
}

// AppendBool appends v as one byte, 1 for true and 0 for false.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendUvarint appends v as an unsigned LEB128 varint (1 to 5 bytes), the
// encoding Kafka uses for compact lengths and tagged-field headers.
func AppendUvarint(dst []byte, v uint32) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// AppendVarint appends v zigzag-encoded as a varint (1 to 5 bytes), the
// encoding of record lengths and deltas in record batches.
func AppendVarint(dst []byte, v int32) []byte {
	return AppendUvarint(dst, uint32(v<<1)^uint32(v>>31))
}

// AppendVarlong appends v zigzag-encoded as a varint (1 to 10 bytes).
func AppendVarlong(dst []byte, v int64) []byte {
	u := uint64(v<<1) ^ uint64(v>>63)
	for u >= 0x80 {
		dst = append(dst, byte(u)|0x80)
		u >>= 7
	}
	return append(dst, byte(u))
}

// AppendString appends a non-null string: an int16 length and the bytes, or
// when flexible a compact string (uvarint length+1 and the bytes). A classic
// string must be at most 32767 bytes long; Kafka's names are far shorter.
func AppendString(dst []byte, s string, flexible bool) []byte {
	if flexible {
		dst = AppendUvarint(dst, uint32(len(s))+1)
	} else {
		dst = AppendInt16(dst, int16(len(s)))
	}
	return append(dst, s...)
}

// AppendNullableString appends s like AppendString, and nil as null (length
// -1, or 0 when flexible).
func AppendNullableString(dst []byte, s *string, flexible bool) []byte {
	if s == nil {
		if flexible {
			return append(dst, 0)
		}
		return AppendInt16(dst, -1)
	}
	return AppendString(dst, *s, flexible)
}

// AppendBytes appends b with an int32 length, or when flexible a uvarint
// length+1. A nil b is written as null (-1, or 0 when flexible); a non-nil
// empty b is written as an empty byte string.
func AppendBytes(dst []byte, b []byte, flexible bool) []byte {
	if b == nil {
		if flexible {
			return append(dst, 0)
		}
		return AppendInt32(dst, -1)
	}
	if flexible {
		dst = AppendUvarint(dst, uint32(len(b))+1)
	} else {
		dst = AppendInt32(dst, int32(len(b)))
	}
	return append(dst, b...)
}

// AppendArrayLen appends an array length: an int32, or when flexible a
// uvarint of n+1. A negative n is written as a null array (-1, or 0 when
// flexible). The caller appends the n elements after it.
func AppendArrayLen(dst []byte, n int, flexible bool) []byte {
	if n < 0 {
		if flexible {
			return append(dst, 0)
		}
		return AppendInt32(dst, -1)
	}
	if flexible {
		return AppendUvarint(dst, uint32(n)+1)
	}
	return AppendInt32(dst, int32(n))
}

// AppendTaggedFields appends an empty tagged-field section (a zero count).
// Every struct of a flexible version ends with a tagged-field section.
func AppendTaggedFields(dst []byte) []byte { return append(dst, 0) }

// AppendUUID appends the 16 bytes of u.
func AppendUUID(dst []byte, u [16]byte) []byte { return append(dst, u[:]...) }

// appendTag appends the header of one tagged field whose data is size bytes.
func appendTag(dst []byte, tag uint32, size int) []byte {
	return AppendUvarint(AppendUvarint(dst, tag), uint32(size))
}

// uvarintLen is the number of bytes AppendUvarint writes for v.
func uvarintLen(v uint32) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// appendSized appends one tagged field whose data is written by fn into the
// bytes after the field header. The size is computed afterwards, and the data
// is moved when its uvarint size takes more than the one byte reserved.
func appendSized(dst []byte, tag uint32, fn func([]byte) []byte) []byte {
	dst = AppendUvarint(dst, tag)
	at := len(dst)
	dst = append(dst, 0) // one byte reserved for the size
	dst = fn(dst)
	size := len(dst) - at - 1
	n := uvarintLen(uint32(size))
	if n == 1 {
		dst[at] = byte(size)
		return dst
	}
	// Grow by n-1 bytes, shift the data right, and write the size.
	for range n - 1 {
		dst = append(dst, 0)
	}
	copy(dst[at+n:], dst[at+1:at+1+size])
	AppendUvarint(dst[at:at], uint32(size))
	return dst
}

// appendInt32Array appends a non-nullable []int32.
func appendInt32Array(dst []byte, v []int32, flexible bool) []byte {
	dst = AppendArrayLen(dst, len(v), flexible)
	for _, x := range v {
		dst = AppendInt32(dst, x)
	}
	return dst
}

// appendStringArray appends a non-nullable []string.
func appendStringArray(dst []byte, v []string, flexible bool) []byte {
	dst = AppendArrayLen(dst, len(v), flexible)
	for _, s := range v {
		dst = AppendString(dst, s, flexible)
	}
	return dst
}

// nonNullString writes a nil *string as "" in versions where the field
// cannot be null.
func nonNullString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
