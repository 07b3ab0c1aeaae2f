package guard

import "fmt"

// reader decodes the binary format with a sticky error.
type reader struct {
	b   []byte
	off int
	err error

	dataRefs bool // instr saw memory.init or data.drop
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrUnsupported, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail("length %d past the end", n)
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

// leb reads an unsigned or signed LEB128 of at most maxBits bits.
func (r *reader) leb(maxBits uint) uint64 {
	var v uint64
	var shift uint
	for {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		shift += 7
		if c&0x80 == 0 {
			return v
		}
		if shift >= maxBits+7 {
			r.fail("LEB128 too long")
			return 0
		}
	}
}

func (r *reader) u32() uint32 { return uint32(r.leb(32)) }

// count reads a vector length; each element takes at least one byte, so a
// length past the remaining bytes is an error (and never a long loop).
func (r *reader) count() uint32 {
	n := r.u32()
	if r.err == nil && int64(n) > int64(len(r.b)-r.off) {
		r.fail("vector length %d past the end", n)
	}
	if r.err != nil {
		return 0
	}
	return n
}
func (r *reader) s33() { r.leb(33) }

// s32 reads a signed LEB128 i32 (at most 5 bytes, the unused bits of the
// last one a sign extension).
func (r *reader) s32() int32 {
	var v uint32
	for shift := uint(0); ; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift == 28 {
			if hi := c & 0x70; c&0x80 != 0 || (c&0x08 == 0) != (hi == 0) || (hi != 0 && hi != 0x70) {
				r.fail("i32 LEB128 out of range")
				return 0
			}
			return int32(v | uint32(c)<<28)
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			if c&0x40 != 0 {
				v |= ^uint32(0) << (shift + 7)
			}
			return int32(v)
		}
	}
}
func (r *reader) s64() { r.leb(64) }

func (r *reader) limits() {
	flags := r.byte()
	r.u32()
	if flags&1 != 0 {
		r.u32()
	}
}

// valtype skips a value type, including (ref null? ht) of typed function
// references.
func (r *reader) valtype() {
	if c := r.byte(); c == 0x63 || c == 0x64 {
		r.s33()
	}
}

func appendU32(dst []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}

func appendS32(dst []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(dst, c)
		}
		dst = append(dst, c|0x80)
	}
}
