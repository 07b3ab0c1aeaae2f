package compress_test

import (
	"testing"
)

// The benchmarks use 16 KiB of JSON event payloads, the default batch.size
// of the Java producer, and reuse their output buffers as a producer does.

func BenchmarkCompress(b *testing.B) {
	in := payload(16 << 10)
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, 0, 64<<10)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.codec.Compress(dst[:0], in)
				if err != nil {
					b.Fatal(err)
				}
				dst = out
			}
			b.ReportMetric(float64(len(dst))/float64(len(in)), "ratio")
		})
	}
}

func BenchmarkDecompress(b *testing.B) {
	in := payload(16 << 10)
	for _, c := range codecs {
		b.Run(c.name, func(b *testing.B) {
			comp, err := c.codec.Compress(nil, in)
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, 0, 64<<10)
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.codec.Decompress(dst[:0], comp)
				if err != nil {
					b.Fatal(err)
				}
				dst = out
			}
		})
	}
}
