// Package compress implements the compression codecs a Kafka record batch
// may use: gzip, snappy, lz4 and zstd (codec ids 1 to 4 in the batch
// attributes).
//
// Each codec is a process-wide value returned by [Gzip], [Snappy], [LZ4] or
// [Zstd] (or [ByID]). Every method of every codec is safe for concurrent use
// by multiple goroutines and may be called from any goroutine; none of them
// blocks on anything but the CPU. Encoder and decoder state is pooled, so
// compressing a batch of a few KiB allocates nothing in steady state.
//
// The byte formats are the ones the Java client writes and the broker reads:
//
//   - gzip: a standard gzip stream (several concatenated members are
//     accepted on decompression).
//   - snappy: the xerial snappy-java stream framing, not the official snappy
//     framing format. Decompress also accepts a plain raw snappy block, which
//     some clients send, and concatenated xerial streams.
//   - lz4: the LZ4 frame format with independent 64 KiB blocks and no
//     checksums, which is what Kafka's own Lz4BlockOutputStream writes.
//     Decompress accepts any standard LZ4 frame (other block sizes, block and
//     content checksums, content size, linked blocks, skippable frames,
//     several concatenated frames); it rejects the legacy format and frames
//     that need a dictionary.
//   - zstd: standard zstd frames.
//
// Decompression treats its input as hostile: corrupt input yields an error
// wrapping [ErrCorrupt], never a panic, and no call produces more than
// [MaxDecompressedSize] bytes ([ErrTooLarge]).
package compress
