// Package record encodes and decodes Kafka record batches, version 2
// (magic 2), the only format a producer sends with Produce v3 and later.
//
// A [Builder] collects the records of one batch, encoding each one as it is
// appended so that [Builder.Size] is exact, and [Builder.Finish] writes the
// 61-byte batch header, the records (compressed with a
// [github.com/kafkawasm/kafkawasm/internal/compress.Codec] when one is
// given) and the CRC-32C. [DecodeBatches] reads batches back, for tests,
// tooling and fuzzing; it treats its input as hostile.
//
// # Wire format
//
// All fixed-width integers are big-endian. The batch header is
//
//	offset size field
//	     0    8 baseOffset            (0 from a producer)
//	     8    4 batchLength           (bytes after this field)
//	    12    4 partitionLeaderEpoch  (-1 from a producer)
//	    16    1 magic                 (2)
//	    17    4 crc                   (CRC-32C of bytes 21 to the end)
//	    21    2 attributes            (bits 0-2 codec, 3 log append time, 4 transactional, 5 control)
//	    23    4 lastOffsetDelta
//	    27    8 baseTimestamp
//	    35    8 maxTimestamp
//	    43    8 producerId            (-1 when not idempotent)
//	    51    2 producerEpoch         (-1 when not idempotent)
//	    53    4 baseSequence          (-1 when not idempotent)
//	    57    4 recordsCount
//	    61      records               (compressed as a whole when a codec is set)
//
// and each record is a zigzag varint length (of the rest of the record), an
// attributes byte (0), a zigzag varlong timestamp delta, a zigzag varint
// offset delta, the key and the value (each a zigzag varint length, -1 for
// null, then the bytes), and a zigzag varint header count followed by the
// headers (key length and key, which may not be null; value length, -1 for
// null, and value).
package record
