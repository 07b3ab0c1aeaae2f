package compress

import (
	"bytes"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
)

type gzipCodec struct {
	writers sync.Pool // *gzipWriter
	readers sync.Pool // *gzipReader
}

type gzipWriter struct {
	w   *gzip.Writer
	out appendWriter
}

type gzipReader struct {
	r  gzip.Reader
	in bytes.Reader
}

var gzipSingleton = &gzipCodec{
	writers: sync.Pool{New: func() any {
		gw := new(gzipWriter)
		// DefaultCompression is level 6, which java.util.zip also uses by
		// default. NewWriterLevel only fails for an invalid level.
		gw.w, _ = gzip.NewWriterLevel(&gw.out, gzip.DefaultCompression)
		return gw
	}},
	readers: sync.Pool{New: func() any { return new(gzipReader) }},
}

// Gzip returns the gzip codec (codec id 1), built on
// github.com/klauspost/compress/gzip at the default compression level.
// Decompress accepts several concatenated gzip members.
func Gzip() Codec { return gzipSingleton }

func (*gzipCodec) String() string { return "gzip" }

func (c *gzipCodec) Compress(dst, src []byte) ([]byte, error) {
	gw := c.writers.Get().(*gzipWriter)
	gw.out.b = dst
	gw.w.Reset(&gw.out)
	_, err := gw.w.Write(src)
	if err == nil {
		err = gw.w.Close()
	}
	dst = gw.out.b
	gw.out.b = nil
	c.writers.Put(gw)
	if err != nil {
		return dst, fmt.Errorf("compress: gzip: %w", err)
	}
	return dst, nil
}

func (c *gzipCodec) Decompress(dst, src []byte) ([]byte, error) {
	start := len(dst)
	if len(src) == 0 {
		return dst, fmt.Errorf("%w: gzip: empty input", ErrCorrupt)
	}
	gr := c.readers.Get().(*gzipReader)
	defer func() {
		gr.in.Reset(nil)
		c.readers.Put(gr)
	}()
	gr.in.Reset(src)
	if err := gr.r.Reset(&gr.in); err != nil {
		return dst, fmt.Errorf("%w: gzip: %w", ErrCorrupt, err)
	}
	// Deflate rarely compresses records more than 8x; the guess only saves
	// reallocations and is bounded by the input size.
	dst = growOutput(dst, start, 8*len(src))
	for {
		if len(dst) == cap(dst) {
			dst = growOutput(dst, start, max(len(dst)-start, 4096))
		}
		limit := min(cap(dst), start+MaxDecompressedSize+1)
		n, err := gr.r.Read(dst[len(dst):limit])
		dst = dst[:len(dst)+n]
		if len(dst)-start > MaxDecompressedSize {
			return dst[:start], fmt.Errorf("%w: gzip: more than %d bytes", ErrTooLarge, MaxDecompressedSize)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst[:start], fmt.Errorf("%w: gzip: %w", ErrCorrupt, err)
		}
	}
}
