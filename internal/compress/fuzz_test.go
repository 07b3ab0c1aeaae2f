package compress_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/golang/snappy"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

// fuzzDecompress checks, for any input, that Decompress neither panics nor
// exceeds its output limit, keeps dst's prefix, and reports errors that wrap
// ErrCorrupt or ErrTooLarge. It also checks that the input itself survives a
// Compress/Decompress round trip.
func fuzzDecompress(f *testing.F, c compress.Codec, extraSeeds ...[]byte) {
	for _, n := range []int{0, 1, 300, 5000, 70 << 10} {
		comp, err := c.Compress(nil, payload(n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(comp)
		f.Add(comp[:len(comp)/2])
	}
	rnd, _ := c.Compress(nil, randomBytes(2000))
	f.Add(rnd)
	for _, s := range extraSeeds {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		prefix := []byte("prefix")
		out, err := c.Decompress(bytes.Clone(prefix), in)
		if !bytes.HasPrefix(out, prefix) {
			t.Fatalf("dst prefix lost")
		}
		if err != nil {
			if !errors.Is(err, compress.ErrCorrupt) && !errors.Is(err, compress.ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrCorrupt nor ErrTooLarge", err)
			}
			if len(out) != len(prefix) {
				t.Fatalf("on error, returned %d bytes, want dst's %d", len(out), len(prefix))
			}
		} else if len(out)-len(prefix) > compress.MaxDecompressedSize {
			t.Fatalf("decompressed %d bytes, above the limit", len(out)-len(prefix))
		}

		comp, err := c.Compress(nil, in)
		if err != nil {
			t.Fatalf("Compress: %v", err)
		}
		back, err := c.Decompress(nil, comp)
		if err != nil || !bytes.Equal(back, in) {
			t.Fatalf("round trip of %d bytes: %v", len(in), err)
		}
	})
}

func FuzzDecompressGzip(f *testing.F) { fuzzDecompress(f, compress.Gzip()) }

func FuzzDecompressSnappy(f *testing.F) {
	fuzzDecompress(f, compress.Snappy(),
		snappy.Encode(nil, payload(3000)), // raw block
		[]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff},
	)
}

func FuzzDecompressLZ4(f *testing.F) {
	fuzzDecompress(f, compress.LZ4(),
		// Skippable frame, then linked-block frame header.
		[]byte{0x50, 0x2A, 0x4D, 0x18, 1, 0, 0, 0, 'x', 0x04, 0x22, 0x4D, 0x18, 0x40, 0x40, 0xC0, 0, 0, 0, 0},
	)
}

func FuzzDecompressZstd(f *testing.F) { fuzzDecompress(f, compress.Zstd()) }
