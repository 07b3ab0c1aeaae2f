package compress

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/pierrec/lz4/v4"
)

// LZ4 frame format constants (lz4_Frame_format.md).
const (
	lz4FrameMagic    uint32 = 0x184D2204
	lz4LegacyMagic   uint32 = 0x184C2102
	lz4SkipMagic     uint32 = 0x184D2A50 // the low 4 bits may be anything
	lz4SkipMagicMask uint32 = 0xFFFFFFF0

	// FLG bits.
	lz4FlagVersionMask = 0xC0
	lz4FlagVersion1    = 0x40
	lz4FlagIndependent = 0x20
	lz4FlagBlockSum    = 0x10
	lz4FlagContentSize = 0x08
	lz4FlagContentSum  = 0x04
	lz4FlagReserved    = 0x02
	lz4FlagDictID      = 0x01

	// BD bits.
	lz4BDBlockSizeMask = 0x70
	lz4BDReservedMask  = 0x8F

	// High bit of a block size word: the block is stored uncompressed.
	lz4BlockUncompressed = 0x80000000

	// lz4BlockInput is the block size Kafka's writer uses (BD = 0x40).
	lz4BlockInput = 64 << 10
	// lz4LinkedWindow is how far back a linked block may refer.
	lz4LinkedWindow = 64 << 10
)

// lz4FrameHeader starts every frame Compress writes: the magic (little
// endian), FLG 0x60 (version 01, independent blocks, no block checksums, no
// content size, no content checksum), BD 0x40 (64 KiB blocks), and the
// header checksum (xxh32 of FLG and BD, seed 0, second byte), which is 0x82.
// This is byte for byte the header of Kafka's Lz4BlockOutputStream.
var lz4FrameHeader = [7]byte{0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82}

type lz4Codec struct {
	compressors sync.Pool // *lz4.Compressor
}

var lz4Singleton = &lz4Codec{
	compressors: sync.Pool{New: func() any { return new(lz4.Compressor) }},
}

// LZ4 returns the lz4 codec (codec id 3). Compress writes one LZ4 frame with
// independent blocks of at most 64 KiB and no checksums, the layout that
// Kafka's Lz4BlockOutputStream writes; blocks are compressed with
// github.com/pierrec/lz4/v4 and stored uncompressed when that does not make
// them smaller. Decompress accepts any standard LZ4 frame, or several
// concatenated ones; a content checksum, when present, is verified.
func LZ4() Codec { return lz4Singleton }

func (*lz4Codec) String() string { return "lz4" }

func (c *lz4Codec) Compress(dst, src []byte) ([]byte, error) {
	comp := c.compressors.Get().(*lz4.Compressor)
	defer c.compressors.Put(comp)
	dst = append(dst, lz4FrameHeader[:]...)
	for len(src) > 0 {
		chunk := src[:min(len(src), lz4BlockInput)]
		src = src[len(chunk):]
		bound := lz4.CompressBlockBound(len(chunk))
		at := len(dst)
		dst = slices.Grow(dst, 4+bound)
		n, err := comp.CompressBlock(chunk, dst[at+4:at+4+bound])
		if err != nil || n <= 0 || n >= len(chunk) {
			dst = binary.LittleEndian.AppendUint32(dst, uint32(len(chunk))|lz4BlockUncompressed)
			dst = append(dst, chunk...)
			continue
		}
		dst = dst[:at+4+n]
		binary.LittleEndian.PutUint32(dst[at:], uint32(n))
	}
	return binary.LittleEndian.AppendUint32(dst, 0), nil // end mark
}

func (c *lz4Codec) Decompress(dst, src []byte) ([]byte, error) {
	start := len(dst)
	if len(src) == 0 {
		return dst, fmt.Errorf("%w: lz4: empty input", ErrCorrupt)
	}
	for len(src) > 0 {
		var err error
		dst, src, err = lz4Frame(dst, start, src)
		if err != nil {
			return dst[:start], err
		}
	}
	return dst, nil
}

func lz4Corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: lz4: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// lz4Frame decodes the frame (or skippable frame) at the start of src,
// appending its content to dst, and returns the rest of src. start is where
// the output of the current Decompress call began.
func lz4Frame(dst []byte, start int, src []byte) (_, rest []byte, _ error) {
	if len(src) < 4 {
		return dst, nil, lz4Corrupt("truncated magic")
	}
	magic := binary.LittleEndian.Uint32(src)
	src = src[4:]
	switch {
	case magic == lz4FrameMagic:
	case magic&lz4SkipMagicMask == lz4SkipMagic:
		if len(src) < 4 {
			return dst, nil, lz4Corrupt("truncated skippable frame")
		}
		n := binary.LittleEndian.Uint32(src)
		src = src[4:]
		if uint64(n) > uint64(len(src)) {
			return dst, nil, lz4Corrupt("skippable frame of %d bytes, only %d left", n, len(src))
		}
		return dst, src[n:], nil
	case magic == lz4LegacyMagic:
		return dst, nil, lz4Corrupt("legacy frame format is not supported")
	default:
		return dst, nil, lz4Corrupt("bad magic %#08x", magic)
	}

	// Frame descriptor: FLG, BD, optional content size and dictionary id,
	// header checksum.
	if len(src) < 3 {
		return dst, nil, lz4Corrupt("truncated frame descriptor")
	}
	flg, bd := src[0], src[1]
	descLen := 2
	if flg&lz4FlagContentSize != 0 {
		descLen += 8
	}
	if flg&lz4FlagDictID != 0 {
		descLen += 4
	}
	if len(src) < descLen+1 {
		return dst, nil, lz4Corrupt("truncated frame descriptor")
	}
	switch {
	case flg&lz4FlagVersionMask != lz4FlagVersion1:
		return dst, nil, lz4Corrupt("unsupported frame version %d", flg>>6)
	case flg&lz4FlagReserved != 0 || bd&lz4BDReservedMask != 0:
		return dst, nil, lz4Corrupt("reserved descriptor bits set (FLG %#02x, BD %#02x)", flg, bd)
	case flg&lz4FlagDictID != 0:
		return dst, nil, lz4Corrupt("frames that need a dictionary are not supported")
	}
	var blockMax int
	switch bd & lz4BDBlockSizeMask {
	case 0x40:
		blockMax = 64 << 10
	case 0x50:
		blockMax = 256 << 10
	case 0x60:
		blockMax = 1 << 20
	case 0x70:
		blockMax = 4 << 20
	default:
		return dst, nil, lz4Corrupt("invalid block size id %d", (bd&lz4BDBlockSizeMask)>>4)
	}
	if want := byte(xxh32(src[:descLen], 0) >> 8); src[descLen] != want {
		return dst, nil, lz4Corrupt("header checksum %#02x, want %#02x", src[descLen], want)
	}
	contentSize := int64(-1)
	if flg&lz4FlagContentSize != 0 {
		cs := binary.LittleEndian.Uint64(src[2:])
		if cs > uint64(MaxDecompressedSize-(len(dst)-start)) {
			return dst, nil, fmt.Errorf("%w: lz4: frame content size %d", ErrTooLarge, cs)
		}
		contentSize = int64(cs)
	}
	src = src[descLen+1:]

	frameStart := len(dst)
	for {
		if len(src) < 4 {
			return dst, nil, lz4Corrupt("truncated block size")
		}
		word := binary.LittleEndian.Uint32(src)
		src = src[4:]
		if word == 0 {
			break // end mark
		}
		size := int(word &^ lz4BlockUncompressed)
		if size > blockMax {
			return dst, nil, lz4Corrupt("block of %d bytes exceeds the frame's %d", size, blockMax)
		}
		if size > len(src) {
			return dst, nil, lz4Corrupt("block of %d bytes, only %d left", size, len(src))
		}
		block := src[:size]
		src = src[size:]
		if flg&lz4FlagBlockSum != 0 {
			if len(src) < 4 {
				return dst, nil, lz4Corrupt("truncated block checksum")
			}
			if got, want := binary.LittleEndian.Uint32(src), xxh32(block, 0); got != want {
				return dst, nil, lz4Corrupt("block checksum %#08x, want %#08x", got, want)
			}
			src = src[4:]
		}
		room := MaxDecompressedSize - (len(dst) - start)
		if word&lz4BlockUncompressed != 0 {
			if size > room {
				return dst, nil, fmt.Errorf("%w: lz4: more than %d bytes", ErrTooLarge, MaxDecompressedSize)
			}
			dst = append(dst, block...)
			continue
		}
		// A block never decodes to more than the frame's block size; give
		// the decoder no more room than the output limit leaves.
		room = min(room, blockMax)
		at := len(dst)
		dst = slices.Grow(dst, room)
		var (
			n   int
			err error
		)
		if flg&lz4FlagIndependent != 0 {
			n, err = lz4.UncompressBlock(block, dst[at:at+room])
		} else {
			dict := dst[max(frameStart, at-lz4LinkedWindow):at]
			n, err = lz4.UncompressBlockWithDict(block, dst[at:at+room], dict)
		}
		if err != nil {
			if room < blockMax {
				return dst, nil, fmt.Errorf("%w: lz4: more than %d bytes, or corrupt block (%w)", ErrTooLarge, MaxDecompressedSize, err)
			}
			return dst, nil, lz4Corrupt("%v", err)
		}
		dst = dst[:at+n]
	}
	if flg&lz4FlagContentSum != 0 {
		if len(src) < 4 {
			return dst, nil, lz4Corrupt("truncated content checksum")
		}
		if got, want := binary.LittleEndian.Uint32(src), xxh32(dst[frameStart:], 0); got != want {
			return dst, nil, lz4Corrupt("content checksum %#08x, want %#08x", got, want)
		}
		src = src[4:]
	}
	if contentSize >= 0 && int64(len(dst)-frameStart) != contentSize {
		return dst, nil, lz4Corrupt("frame holds %d bytes, its header says %d", len(dst)-frameStart, contentSize)
	}
	return dst, src, nil
}
