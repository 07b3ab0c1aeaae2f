package compress

import (
	"encoding/binary"
	"math/bits"
)

// xxHash32 constants, from the xxHash specification.
const (
	xxPrime1 uint32 = 0x9E3779B1
	xxPrime2 uint32 = 0x85EBCA77
	xxPrime3 uint32 = 0xC2B2AE3D
	xxPrime4 uint32 = 0x27D4EB2F
	xxPrime5 uint32 = 0x165667B1
)

// xxh32 returns the xxHash32 of b with the given seed. The LZ4 frame format
// uses it for its header, block and content checksums (seed 0).
func xxh32(b []byte, seed uint32) uint32 {
	n := len(b)
	var acc uint32
	if len(b) >= 16 {
		v1 := seed + xxPrime1 + xxPrime2
		v2 := seed + xxPrime2
		v3 := seed
		v4 := seed - xxPrime1
		for len(b) >= 16 {
			v1 = xxRound(v1, binary.LittleEndian.Uint32(b[0:]))
			v2 = xxRound(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = xxRound(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = xxRound(v4, binary.LittleEndian.Uint32(b[12:]))
			b = b[16:]
		}
		acc = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) +
			bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		acc = seed + xxPrime5
	}
	acc += uint32(n)
	for len(b) >= 4 {
		acc += binary.LittleEndian.Uint32(b) * xxPrime3
		acc = bits.RotateLeft32(acc, 17) * xxPrime4
		b = b[4:]
	}
	for _, c := range b {
		acc += uint32(c) * xxPrime5
		acc = bits.RotateLeft32(acc, 11) * xxPrime1
	}
	acc ^= acc >> 15
	acc *= xxPrime2
	acc ^= acc >> 13
	acc *= xxPrime3
	acc ^= acc >> 16
	return acc
}

func xxRound(acc, lane uint32) uint32 {
	acc += lane * xxPrime2
	return bits.RotateLeft32(acc, 13) * xxPrime1
}
