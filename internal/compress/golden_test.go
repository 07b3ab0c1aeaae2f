package compress_test

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/golang/snappy"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

// TestSnappyGolden pins the xerial framing byte for byte: the 16-byte
// header (magic 0x82 "SNAPPY" 0x00, version 1, compatible version 1), then
// one big-endian length and raw snappy block per 32 KiB of input.
func TestSnappyGolden(t *testing.T) {
	header := []byte{
		0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0x00, // magic
		0x00, 0x00, 0x00, 0x01, // version
		0x00, 0x00, 0x00, 0x01, // minimum compatible version
	}
	got, err := compress.Snappy().Compress(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, header) {
		t.Errorf("empty input:\n got % x\nwant % x", got, header)
	}

	got, err = compress.Snappy().Compress(nil, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	// A raw snappy block of "hello": uvarint length 5, then a literal tag
	// (length-1)<<2 = 0x10 and the five bytes.
	want := append(bytes.Clone(header), 0x00, 0x00, 0x00, 0x07, 0x05, 0x10, 'h', 'e', 'l', 'l', 'o')
	if !bytes.Equal(got, want) {
		t.Errorf("%q:\n got % x\nwant % x", "hello", got, want)
	}

	// 80 KiB of input makes three blocks: 32 KiB, 32 KiB and 16 KiB.
	in := payload(80 << 10)
	got, err = compress.Snappy().Compress(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, header) {
		t.Fatalf("missing header: % x", got[:16])
	}
	rest := got[16:]
	var sizes []int
	for len(rest) > 0 {
		n := binary.BigEndian.Uint32(rest)
		block := rest[4 : 4+n]
		dl, err := snappy.DecodedLen(block)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, dl)
		rest = rest[4+n:]
	}
	if want := []int{32 << 10, 32 << 10, 16 << 10}; !slices.Equal(sizes, want) {
		t.Errorf("block input sizes %v, want %v", sizes, want)
	}
}

// TestLZ4Golden pins the frame layout Kafka's Lz4BlockOutputStream writes:
// magic 04 22 4D 18, FLG 0x60, BD 0x40, header checksum 0x82, blocks, end
// mark 00 00 00 00 and no content checksum.
func TestLZ4Golden(t *testing.T) {
	header := []byte{0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82}
	endMark := []byte{0, 0, 0, 0}
	got, err := compress.LZ4().Compress(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(bytes.Clone(header), endMark...); !bytes.Equal(got, want) {
		t.Errorf("empty input:\n got % x\nwant % x", got, want)
	}

	// Five bytes do not compress, so they are stored: size 5 with the high
	// bit set.
	got, err = compress.LZ4().Compress(nil, []byte("hello"))
	if err != nil {
		t.Fatal(err)
	}
	want := append(bytes.Clone(header), 0x05, 0x00, 0x00, 0x80, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0)
	if !bytes.Equal(got, want) {
		t.Errorf("%q:\n got % x\nwant % x", "hello", got, want)
	}

	// 150 KiB of records makes three compressed blocks (64, 64 and 22 KiB of
	// input), each with the high bit clear.
	got, err = compress.LZ4().Compress(nil, payload(150<<10))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, header) || !bytes.HasSuffix(got, endMark) {
		t.Fatalf("bad frame ends: % x ... % x", got[:7], got[len(got)-4:])
	}
	rest := got[7 : len(got)-4]
	blocks := 0
	for len(rest) > 0 {
		word := binary.LittleEndian.Uint32(rest)
		if word&0x80000000 != 0 {
			t.Errorf("block %d stored uncompressed", blocks)
		}
		rest = rest[4+word&0x7fffffff:]
		blocks++
	}
	if blocks != 3 {
		t.Errorf("%d blocks, want 3", blocks)
	}
}
