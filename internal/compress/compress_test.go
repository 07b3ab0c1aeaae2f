package compress_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

var codecs = []struct {
	name  string
	id    int8
	codec compress.Codec
}{
	{"gzip", compress.IDGzip, compress.Gzip()},
	{"snappy", compress.IDSnappy, compress.Snappy()},
	{"lz4", compress.IDLZ4, compress.LZ4()},
	{"zstd", compress.IDZstd, compress.Zstd()},
}

// payload returns about n bytes of realistic record values: JSON events with
// repeated field names, a few distinct values and some random identifiers,
// the kind of data producers batch. The output is deterministic.
func payload(n int) []byte {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	events := []string{"page_view", "add_to_cart", "checkout", "login", "search"}
	out := make([]byte, 0, n+256)
	for len(out) < n {
		out = fmt.Appendf(out,
			`{"ts":%d,"user":"user-%05d","event":"%s","path":"/products/%d","session":"%016x","latency_ms":%d,"ok":%t}`+"\n",
			1700000000000+r.Int64N(1_000_000), r.IntN(20000), events[r.IntN(len(events))],
			r.IntN(5000), r.Uint64(), r.IntN(500), r.IntN(10) > 0)
	}
	return out[:n]
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(2, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	inputs := []struct {
		name string
		data []byte
	}{
		{"empty", []byte{}},
		{"one byte", []byte{'x'}},
		{"small", []byte("hello, kafka")},
		{"16KiB records", payload(16 << 10)},
		{"16KiB random", randomBytes(16 << 10)},
		{"block boundary 32KiB", payload(32 << 10)},
		{"block boundary 64KiB+1", payload(64<<10 + 1)},
		{"1MiB records", payload(1 << 20)},
		{"1MiB random", randomBytes(1 << 20)},
		{"1MiB zeros", make([]byte, 1<<20)},
	}
	for _, c := range codecs {
		for _, in := range inputs {
			t.Run(c.name+"/"+in.name, func(t *testing.T) {
				prefix := []byte("prefix")
				comp, err := c.codec.Compress(bytes.Clone(prefix), in.data)
				if err != nil {
					t.Fatalf("Compress: %v", err)
				}
				if !bytes.HasPrefix(comp, prefix) {
					t.Fatalf("Compress did not append to dst")
				}
				out, err := c.codec.Decompress(bytes.Clone(prefix), comp[len(prefix):])
				if err != nil {
					t.Fatalf("Decompress: %v", err)
				}
				if !bytes.HasPrefix(out, prefix) {
					t.Fatalf("Decompress did not append to dst")
				}
				if !bytes.Equal(out[len(prefix):], in.data) {
					t.Fatalf("round trip mismatch: got %d bytes, want %d", len(out)-len(prefix), len(in.data))
				}
			})
		}
	}
}

func TestByID(t *testing.T) {
	for _, c := range codecs {
		if got := compress.ByID(c.id); got != c.codec {
			t.Errorf("ByID(%d) = %v, want %v", c.id, got, c.codec)
		}
		if got := fmt.Sprint(c.codec); got != c.name {
			t.Errorf("codec %d String() = %q, want %q", c.id, got, c.name)
		}
	}
	for _, id := range []int8{compress.IDNone, 5, 6, 7, -1} {
		if got := compress.ByID(id); got != nil {
			t.Errorf("ByID(%d) = %v, want nil", id, got)
		}
	}
}

// TestConcurrent exercises the pools from many goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	data := payload(20 << 10)
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					in := data[:len(data)-g*100]
					var comp, out []byte
					for range 20 {
						var err error
						comp, err = c.codec.Compress(comp[:0], in)
						if err != nil {
							t.Error(err)
							return
						}
						out, err = c.codec.Decompress(out[:0], comp)
						if err != nil {
							t.Error(err)
							return
						}
						if !bytes.Equal(out, in) {
							t.Error("round trip mismatch")
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

func TestDecompressGarbage(t *testing.T) {
	good := map[string][]byte{}
	for _, c := range codecs {
		comp, err := c.codec.Compress(nil, payload(5000))
		if err != nil {
			t.Fatal(err)
		}
		good[c.name] = comp
	}
	for _, c := range codecs {
		comp := good[c.name]
		cases := map[string][]byte{
			"empty":     {},
			"nil":       nil,
			"zeros":     make([]byte, 64),
			"ones":      bytes.Repeat([]byte{0xff}, 64),
			"truncated": comp[:len(comp)/2],
			"head only": comp[:min(len(comp), 9)],
		}
		flipped := bytes.Clone(comp)
		flipped[len(flipped)/2] ^= 0x55
		cases["flipped byte"] = flipped
		for name, in := range cases {
			t.Run(c.name+"/"+name, func(t *testing.T) {
				out, err := c.codec.Decompress([]byte("keep"), in)
				if err == nil {
					// A flipped byte in snappy or lz4 literals can decode to
					// different bytes without any checksum noticing.
					if name == "flipped byte" && (c.name == "snappy" || c.name == "lz4") {
						return
					}
					t.Fatalf("Decompress succeeded with %d bytes", len(out))
				}
				if !errors.Is(err, compress.ErrCorrupt) && !errors.Is(err, compress.ErrTooLarge) {
					t.Errorf("error %v wraps neither ErrCorrupt nor ErrTooLarge", err)
				}
				if string(out) != "keep" {
					t.Errorf("on error, Decompress returned %q, want dst unchanged", out)
				}
			})
		}
	}
}

// TestDecompressTooLarge checks that output just above the limit is refused
// and output at the limit is not.
func TestDecompressTooLarge(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("allocates a few hundred MiB; slow under -race and not about concurrency")
	}
	over := make([]byte, compress.MaxDecompressedSize+1)
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			comp, err := c.codec.Compress(nil, over)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.codec.Decompress(nil, comp); !errors.Is(err, compress.ErrTooLarge) {
				t.Errorf("decompressing %d bytes: got %v, want ErrTooLarge", len(over), err)
			}
			comp, err = c.codec.Compress(comp[:0], over[:compress.MaxDecompressedSize])
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.codec.Decompress(nil, comp)
			if err != nil || len(out) != compress.MaxDecompressedSize {
				t.Errorf("decompressing exactly the limit: %d bytes, %v", len(out), err)
			}
		})
	}
}

// TestCompressAllocs checks the steady-state allocation promise: compressing
// a 16 KiB batch into a buffer that is large enough allocates nothing.
func TestCompressAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops values at random under -race")
	}
	in := payload(16 << 10)
	for _, c := range codecs {
		t.Run(c.name, func(t *testing.T) {
			dst := make([]byte, 0, 64<<10)
			out := make([]byte, 0, 64<<10)
			allocs := testing.AllocsPerRun(100, func() {
				comp, err := c.codec.Compress(dst[:0], in)
				if err != nil {
					t.Fatal(err)
				}
				if out, err = c.codec.Decompress(out[:0], comp); err != nil {
					t.Fatal(err)
				}
			})
			if allocs > 0 {
				t.Errorf("Compress+Decompress of 16 KiB: %v allocations per run, want 0", allocs)
			}
		})
	}
}
