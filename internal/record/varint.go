package record

import (
	"encoding/binary"
	"math/bits"
)

// Kafka's record fields use zigzag varints (protobuf sint32/sint64): v is
// mapped to (v << 1) ^ (v >> 63), then written 7 bits at a time, least
// significant group first, with the high bit set on all but the last byte.

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// appendVarint appends the zigzag varint encoding of v.
func appendVarint(b []byte, v int64) []byte {
	u := zigzag(v)
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

// varintLen returns how many bytes appendVarint writes for v.
func varintLen(v int64) int {
	return (bits.Len64(zigzag(v)|1) + 6) / 7
}

// Longest encodings Kafka accepts: ByteUtils.readVarint reads at most 5
// bytes and readVarlong at most 10.
const (
	maxVarint32Len = 5
	maxVarint64Len = 10
)

// readVarint decodes a zigzag varint that must fit in an int32. n is the
// number of bytes read, or 0 if b is truncated or the value is too long or
// out of range.
func readVarint(b []byte) (v int32, n int) {
	u, n := binary.Uvarint(b)
	if n <= 0 || n > maxVarint32Len || u > 0xFFFFFFFF {
		return 0, 0
	}
	return int32(unzigzag(u)), n
}

// readVarlong decodes a zigzag varlong, returning n = 0 on malformed input.
func readVarlong(b []byte) (v int64, n int) {
	u, n := binary.Uvarint(b)
	if n <= 0 || n > maxVarint64Len {
		return 0, 0
	}
	return unzigzag(u), n
}
