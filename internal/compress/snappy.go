package compress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/golang/snappy"
)

// The xerial snappy-java stream framing: a 16-byte header (magic, version,
// minimum compatible version), then blocks of a big-endian int32 length and
// one raw snappy block.
const (
	xerialHeaderLen = 16
	// xerialBlockInput is the most input bytes snappy-java's
	// SnappyOutputStream puts in one block by default (32 KiB).
	xerialBlockInput = 32 << 10
)

// xerialHeader is what SnappyOutputStream writes first: the magic
// 0x82 "SNAPPY" 0x00, int32 version 1, int32 minimum compatible version 1.
var xerialHeader = [xerialHeaderLen]byte{
	0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
	0, 0, 0, 1,
	0, 0, 0, 1,
}

type snappyCodec struct{}

// Snappy returns the snappy codec (codec id 2), built on
// github.com/golang/snappy. Compress writes the xerial snappy-java stream
// framing that the Java client writes and reads, with blocks of at most
// 32 KiB of input. Decompress accepts that framing, several concatenated
// xerial streams, and also a single raw snappy block without framing.
func Snappy() Codec { return snappyCodec{} }

func (snappyCodec) String() string { return "snappy" }

func (snappyCodec) Compress(dst, src []byte) ([]byte, error) {
	dst = append(dst, xerialHeader[:]...)
	for len(src) > 0 {
		chunk := src[:min(len(src), xerialBlockInput)]
		src = src[len(chunk):]
		bound := snappy.MaxEncodedLen(len(chunk))
		at := len(dst)
		dst = slices.Grow(dst, 4+bound)
		// snappy.Encode uses the buffer it is given when it is long enough,
		// so this encodes in place after the length prefix.
		enc := snappy.Encode(dst[at+4:at+4+bound], chunk)
		dst = dst[:at+4+len(enc)]
		binary.BigEndian.PutUint32(dst[at:], uint32(len(enc)))
	}
	return dst, nil
}

func (snappyCodec) Decompress(dst, src []byte) ([]byte, error) {
	start := len(dst)
	if len(src) == 0 {
		return dst, fmt.Errorf("%w: snappy: empty input", ErrCorrupt)
	}
	if !bytes.HasPrefix(src, xerialHeader[:8]) {
		// Not xerial framing: snappy-java then reads the whole input as one
		// raw block, and so do we.
		out, err := snappyBlock(dst, start, src)
		if err != nil {
			return dst[:start], err
		}
		return out, nil
	}
	for len(src) > 0 {
		if bytes.HasPrefix(src, xerialHeader[:8]) {
			// A stream header: the first one, or the start of a
			// concatenated stream. The version fields are not checked;
			// every writer uses 1 and readers ignore them.
			if len(src) < xerialHeaderLen {
				return dst[:start], fmt.Errorf("%w: snappy: truncated xerial header", ErrCorrupt)
			}
			src = src[xerialHeaderLen:]
			continue
		}
		if len(src) < 4 {
			return dst[:start], fmt.Errorf("%w: snappy: truncated xerial block length", ErrCorrupt)
		}
		n := binary.BigEndian.Uint32(src)
		src = src[4:]
		if uint64(n) > uint64(len(src)) {
			return dst[:start], fmt.Errorf("%w: snappy: xerial block of %d bytes, only %d left", ErrCorrupt, n, len(src))
		}
		var err error
		dst, err = snappyBlock(dst, start, src[:n])
		if err != nil {
			return dst[:start], err
		}
		src = src[n:]
	}
	return dst, nil
}

// snappyBlock appends the decoding of one raw snappy block to dst, where the
// output of the current Decompress call started at start.
func snappyBlock(dst []byte, start int, block []byte) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return dst, fmt.Errorf("%w: snappy: %w", ErrCorrupt, err)
	}
	if n > MaxDecompressedSize-(len(dst)-start) {
		return dst, fmt.Errorf("%w: snappy: more than %d bytes", ErrTooLarge, MaxDecompressedSize)
	}
	at := len(dst)
	dst = slices.Grow(dst, n)
	if _, err := snappy.Decode(dst[at:at+n], block); err != nil {
		return dst[:at], fmt.Errorf("%w: snappy: %w", ErrCorrupt, err)
	}
	return dst[:at+n], nil
}
