package compress

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestXXH32(t *testing.T) {
	tests := []struct {
		in   string
		seed uint32
		want uint32
	}{
		// Reference values of the xxHash specification's implementation.
		{"", 0, 0x02CC5D05},
		{"a", 0, 0x550D7456},
		{"abc", 0, 0x32D153FF},
	}
	for _, tt := range tests {
		if got := xxh32([]byte(tt.in), tt.seed); got != tt.want {
			t.Errorf("xxh32(%q, %d) = %#08x, want %#08x", tt.in, tt.seed, got, tt.want)
		}
	}
	// Longer inputs take the 16-byte stripe path; they are checked against
	// pierrec/lz4's checksums in TestLZ4DecodesPierrecFrames.
}

// TestLZ4HeaderChecksum checks the constant frame header against the
// checksum rule: the second byte of xxh32(FLG, BD).
func TestLZ4HeaderChecksum(t *testing.T) {
	if got := byte(xxh32(lz4FrameHeader[4:6], 0) >> 8); got != lz4FrameHeader[6] {
		t.Errorf("header checksum of FLG/BD %x = %#02x, constant says %#02x", lz4FrameHeader[4:6], got, lz4FrameHeader[6])
	}
	if !bytes.Equal(lz4FrameHeader[:], []byte{0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82}) {
		t.Errorf("lz4FrameHeader = % x", lz4FrameHeader)
	}
}

// TestLZ4LinkedBlocks decodes a hand-made frame whose second block refers
// back into the first, as frames written with linked blocks (FLG bit 5
// clear) may.
func TestLZ4LinkedBlocks(t *testing.T) {
	frame := []byte{0x04, 0x22, 0x4D, 0x18, 0x40, 0x40}
	frame = append(frame, byte(xxh32(frame[4:6], 0)>>8))
	// Block 1, stored: "abcdefgh".
	frame = append(frame, 8, 0, 0, 0x80)
	frame = append(frame, "abcdefgh"...)
	// Block 2, compressed: one literal 'x', then a match of 8 bytes at
	// offset 9 (reaching into block 1), then the final literal 'z'.
	block := []byte{0x14, 'x', 9, 0, 0x10, 'z'}
	frame = binary.LittleEndian.AppendUint32(frame, uint32(len(block)))
	frame = append(frame, block...)
	frame = append(frame, 0, 0, 0, 0)
	out, err := LZ4().Decompress(nil, frame)
	if err != nil {
		t.Fatal(err)
	}
	if want := "abcdefghxabcdefghz"; string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
	// With the independence flag set, the same block must fail.
	frame[4] = 0x60
	frame[6] = byte(xxh32(frame[4:6], 0) >> 8)
	if _, err := LZ4().Decompress(nil, frame); err == nil {
		t.Error("independent block with a back reference decoded")
	}
}
