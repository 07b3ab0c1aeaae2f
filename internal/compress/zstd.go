package compress

import (
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

type zstdCodec struct{}

// zstdEncoder and zstdDecoder are built on first use and shared by every
// goroutine: EncodeAll and DecodeAll are safe for concurrent use and keep
// their own pools of per-call state (up to GOMAXPROCS of each).
var (
	zstdEncoder = sync.OnceValues(func() (*zstd.Encoder, error) {
		return zstd.NewWriter(nil,
			// Level 3, the default of zstd-jni and of the Java client.
			zstd.WithEncoderLevel(zstd.SpeedDefault),
			zstd.WithEncoderConcurrency(0),
			// Empty input still gets a frame, so it decodes everywhere.
			zstd.WithZeroFrames(true),
		)
	})
	zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(MaxDecompressedSize),
			zstd.WithDecoderMaxWindow(MaxDecompressedSize),
		)
	})
)

// Zstd returns the zstd codec (codec id 4), built on
// github.com/klauspost/compress/zstd at its default level (3). Decompress
// accepts several concatenated frames. Produce requests need version 7 or
// later to carry zstd batches.
func Zstd() Codec { return zstdCodec{} }

func (zstdCodec) String() string { return "zstd" }

func (zstdCodec) Compress(dst, src []byte) ([]byte, error) {
	enc, err := zstdEncoder()
	if err != nil {
		return dst, fmt.Errorf("compress: zstd: %w", err)
	}
	return enc.EncodeAll(src, dst), nil
}

func (zstdCodec) Decompress(dst, src []byte) ([]byte, error) {
	start := len(dst)
	if len(src) == 0 {
		return dst, fmt.Errorf("%w: zstd: empty input", ErrCorrupt)
	}
	dec, err := zstdDecoder()
	if err != nil {
		return dst, fmt.Errorf("compress: zstd: %w", err)
	}
	out, err := dec.DecodeAll(src, dst)
	switch {
	case errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded):
		return dst[:start], fmt.Errorf("%w: zstd: %w", ErrTooLarge, err)
	case err != nil:
		return dst[:start], fmt.Errorf("%w: zstd: %w", ErrCorrupt, err)
	case len(out)-start > MaxDecompressedSize:
		// DecodeAll enforces the same limit; this keeps the contract
		// independent of that.
		return dst[:start], fmt.Errorf("%w: zstd: more than %d bytes", ErrTooLarge, MaxDecompressedSize)
	}
	return out, nil
}
