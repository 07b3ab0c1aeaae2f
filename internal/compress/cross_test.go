package compress_test

import (
	"bytes"
	stdgzip "compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

// The tests in this file check each codec against independent readers and
// writers: the libraries' own stream APIs, the standard library, and
// franz-go's compressor and decompressor, which talk to real brokers.

func TestLZ4OurFramesDecodeWithPierrec(t *testing.T) {
	for _, n := range []int{0, 1, 100, 64 << 10, 64<<10 + 1, 1 << 20} {
		for name, in := range map[string][]byte{"records": payload(n), "random": randomBytes(n)} {
			comp, err := compress.LZ4().Compress(nil, in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := io.ReadAll(lz4.NewReader(bytes.NewReader(comp)))
			if err != nil {
				t.Fatalf("%s %d: pierrec reader: %v", name, n, err)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("%s %d: pierrec reader returned different bytes", name, n)
			}
		}
	}
}

func TestLZ4DecodesPierrecFrames(t *testing.T) {
	in := payload(600 << 10)
	rnd := randomBytes(100 << 10)
	for _, bs := range []lz4.BlockSize{lz4.Block64Kb, lz4.Block256Kb, lz4.Block1Mb, lz4.Block4Mb} {
		for _, contentSum := range []bool{false, true} {
			for _, blockSum := range []bool{false, true} {
				for _, withSize := range []bool{false, true} {
					for _, data := range [][]byte{in, rnd} {
						var buf bytes.Buffer
						w := lz4.NewWriter(&buf)
						opts := []lz4.Option{lz4.BlockSizeOption(bs), lz4.ChecksumOption(contentSum), lz4.BlockChecksumOption(blockSum)}
						if withSize {
							opts = append(opts, lz4.SizeOption(uint64(len(data))))
						}
						if err := w.Apply(opts...); err != nil {
							t.Fatal(err)
						}
						if _, err := w.Write(data); err != nil {
							t.Fatal(err)
						}
						if err := w.Close(); err != nil {
							t.Fatal(err)
						}
						out, err := compress.LZ4().Decompress(nil, buf.Bytes())
						if err != nil {
							t.Fatalf("%v: %v", opts, err)
						}
						if !bytes.Equal(out, data) {
							t.Fatalf("%v: wrong output", opts)
						}
						if contentSum || blockSum {
							// Checksums are verified: corrupting one must fail.
							bad := bytes.Clone(buf.Bytes())
							bad[len(bad)-5] ^= 1
							if _, err := compress.LZ4().Decompress(nil, bad); err == nil {
								t.Fatalf("%v: corrupted frame decoded", opts)
							}
						}
					}
				}
			}
		}
	}
}

func TestLZ4ConcatenatedAndSkippable(t *testing.T) {
	a, b := payload(70<<10), []byte("second frame")
	fa, _ := compress.LZ4().Compress(nil, a)
	in := bytes.Clone(fa)
	// A skippable frame: magic 0x184D2A5?, LE size, payload.
	in = append(in, 0x53, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 'x', 'y', 'z')
	in, _ = compress.LZ4().Compress(in, b)
	out, err := compress.LZ4().Decompress(nil, in)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(bytes.Clone(a), b...); !bytes.Equal(out, want) {
		t.Fatal("wrong output for concatenated frames")
	}
	// Trailing bytes that are not a frame are an error.
	if _, err := compress.LZ4().Decompress(nil, append(bytes.Clone(fa), 1, 2)); !errors.Is(err, compress.ErrCorrupt) {
		t.Errorf("trailing garbage: %v, want ErrCorrupt", err)
	}
}

func TestSnappyRawBlockAndConcatenation(t *testing.T) {
	in := payload(100 << 10)
	// A raw block, as librdkafka may send.
	out, err := compress.Snappy().Decompress(nil, snappy.Encode(nil, in))
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("raw block: %v", err)
	}
	// Two concatenated xerial streams.
	a, _ := compress.Snappy().Compress(nil, in[:40000])
	ab, _ := compress.Snappy().Compress(a, in[40000:])
	out, err = compress.Snappy().Decompress(nil, ab)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("concatenated streams: %v", err)
	}
	// A xerial block much larger than 32 KiB, which other writers may use.
	big := bytes.Clone(ab[:16])
	blk := snappy.Encode(nil, in)
	big = binary.BigEndian.AppendUint32(big, uint32(len(blk)))
	big = append(big, blk...)
	out, err = compress.Snappy().Decompress(nil, big)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("large block: %v", err)
	}
}

func TestGzipStandardLibrary(t *testing.T) {
	in := payload(200 << 10)
	comp, _ := compress.Gzip().Compress(nil, in)
	r, err := stdgzip.NewReader(bytes.NewReader(comp))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("stdlib reader: %v", err)
	}
	// Two members written by the standard library.
	var buf bytes.Buffer
	for _, part := range [][]byte{in[:1000], in[1000:]} {
		w := stdgzip.NewWriter(&buf)
		w.Write(part)
		w.Close()
	}
	out, err = compress.Gzip().Decompress(nil, buf.Bytes())
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("two members: %v", err)
	}
}

func TestZstdStreamReader(t *testing.T) {
	in := payload(300 << 10)
	comp, _ := compress.Zstd().Compress(nil, in)
	comp, _ = compress.Zstd().Compress(comp, in[:1000]) // second frame
	d, err := zstd.NewReader(bytes.NewReader(comp))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	out, err := io.ReadAll(d)
	if err != nil || !bytes.Equal(out, append(bytes.Clone(in), in[:1000]...)) {
		t.Fatalf("stream reader: %v", err)
	}
	// A frame written by the streaming encoder, without a content size.
	var buf bytes.Buffer
	w, _ := zstd.NewWriter(&buf)
	w.Write(in)
	w.Close()
	out, err = compress.Zstd().Decompress(nil, buf.Bytes())
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("streamed frame: %v", err)
	}
}

// TestFranzGo cross-checks every codec against franz-go's compressor and
// decompressor in both directions.
func TestFranzGo(t *testing.T) {
	kgoCodecs := map[int8]kgo.CompressionCodec{
		compress.IDGzip:   kgo.GzipCompression(),
		compress.IDSnappy: kgo.SnappyCompression(),
		compress.IDLZ4:    kgo.Lz4Compression(),
		compress.IDZstd:   kgo.ZstdCompression(),
	}
	dec := kgo.DefaultDecompressor()
	for _, c := range codecs {
		for _, n := range []int{1, 16 << 10, 300 << 10} {
			in := payload(n)
			ours, err := c.codec.Compress(nil, in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := dec.Decompress(ours, kgo.CompressionCodecType(c.id))
			if err != nil || !bytes.Equal(out, in) {
				t.Errorf("%s %d: franz-go decompressing ours: %v", c.name, n, err)
			}
			comp, err := kgo.DefaultCompressor(kgoCodecs[c.id])
			if err != nil {
				t.Fatal(err)
			}
			theirs, used := comp.Compress(new(bytes.Buffer), in)
			if int8(used) != c.id {
				t.Fatalf("franz-go used codec %d, want %d", used, c.id)
			}
			out, err = c.codec.Decompress(nil, theirs)
			if err != nil || !bytes.Equal(out, in) {
				t.Errorf("%s %d: decompressing franz-go's: %v", c.name, n, err)
			}
		}
	}
}
