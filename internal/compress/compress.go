package compress

import (
	"errors"
	"slices"
)

// Codec compresses and decompresses the records section of a Kafka record
// batch. Implementations in this package are safe for concurrent use.
type Codec interface {
	// Compress appends the compressed form of src to dst and returns the
	// extended slice. Safe for concurrent use.
	Compress(dst, src []byte) ([]byte, error)
	// Decompress appends the decompressed form of src to dst and returns the
	// extended slice. It never appends more than MaxDecompressedSize bytes.
	// On error the returned slice has dst's length (its contents beyond that
	// length are unspecified). Safe for concurrent use.
	Decompress(dst, src []byte) ([]byte, error)
}

// MaxDecompressedSize is the most bytes one Decompress call produces. Larger
// output fails with ErrTooLarge. 64 MiB is far above any batch a broker
// accepts by default (message.max.bytes is about 1 MiB), and low enough that
// a hostile input cannot make a decoder exhaust memory.
const MaxDecompressedSize = 64 << 20

// Codec ids, as stored in bits 0-2 of a record batch's attributes.
const (
	IDNone   int8 = 0
	IDGzip   int8 = 1
	IDSnappy int8 = 2
	IDLZ4    int8 = 3
	IDZstd   int8 = 4
)

var (
	// ErrCorrupt is wrapped by every Decompress error caused by input that
	// is not valid data of the codec (bad magic, bad checksum, truncated
	// input, invalid compressed stream).
	ErrCorrupt = errors.New("compress: corrupt input")
	// ErrTooLarge is wrapped by Decompress errors caused by output that
	// would exceed MaxDecompressedSize.
	ErrTooLarge = errors.New("compress: decompressed size exceeds limit")
)

// ByID returns the codec for a codec id from a batch's attributes, or nil
// for IDNone and for ids that no codec has (5 to 7 and negative values).
func ByID(id int8) Codec {
	switch id {
	case IDGzip:
		return Gzip()
	case IDSnappy:
		return Snappy()
	case IDLZ4:
		return LZ4()
	case IDZstd:
		return Zstd()
	}
	return nil
}

// appendWriter is an io.Writer that appends to b. Codecs built on
// stream writers keep one in their pooled state, so wrapping dst costs no
// allocation.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// growOutput makes room for n more bytes of output after dst, allowing for
// the fact that at most MaxDecompressedSize-(len(dst)-start) more bytes may
// be produced, plus one to detect overflow.
func growOutput(dst []byte, start, n int) []byte {
	n = min(n, MaxDecompressedSize-(len(dst)-start)+1)
	if n <= 0 {
		return dst
	}
	return slices.Grow(dst, n)
}
