package kafka

import (
	"fmt"
	"sync"

	"github.com/kafkawasm/kafkawasm/internal/compress"
)

// CompressionCodec compresses and decompresses the records section of a
// record batch. Implementations must be safe for concurrent use; they are
// called from the producer's broker goroutines.
type CompressionCodec interface {
	// Compress appends the compressed form of src to dst.
	Compress(dst, src []byte) ([]byte, error)
	// Decompress appends the decompressed form of src to dst.
	Decompress(dst, src []byte) ([]byte, error)
}

var codecRegistry = struct {
	sync.RWMutex
	m map[Compression]CompressionCodec
}{m: map[Compression]CompressionCodec{
	CompressionGzip:   compress.Gzip(),
	CompressionSnappy: compress.Snappy(),
	CompressionLZ4:    compress.LZ4(),
	CompressionZstd:   compress.Zstd(),
}}

// RegisterCompressionCodec replaces the implementation of a built-in codec
// for producers created afterwards. The output must be what Kafka's readers
// expect for that codec id. It is safe for concurrent use.
func RegisterCompressionCodec(c Compression, codec CompressionCodec) error {
	if c <= CompressionNone || c > CompressionZstd {
		return fmt.Errorf("kafka: cannot register a codec for %v", c)
	}
	if codec == nil {
		return fmt.Errorf("kafka: nil codec for %v", c)
	}
	codecRegistry.Lock()
	codecRegistry.m[c] = codec
	codecRegistry.Unlock()
	return nil
}

// LookupCompressionCodec returns the codec registered for c (nil for
// CompressionNone).
func LookupCompressionCodec(c Compression) CompressionCodec {
	codecRegistry.RLock()
	defer codecRegistry.RUnlock()
	return codecRegistry.m[c]
}
