package kafka

import "sync/atomic"

// Partitioner places a record that has no explicit partition.
//
// Partition returns a partition in [0, partitionCount), or -1 to let the
// producer's sticky partitioner choose (the default for keyless records).
// Any other value fails the record with an *EncodeError. It is called on the
// goroutine that called Send, possibly from many goroutines at once, and must
// not block.
type Partitioner interface {
	Partition(topic string, key, value []byte, partitionCount int) int
}

// RecordPartitioner is an optional extension of Partitioner for partitioners
// that need headers, work best on many records at once (such as Wasm
// plugins), or can fail single records. When the configured Partitioner
// implements it, the producer calls PartitionRecords once per Send call and
// topic instead of Partition once per record.
//
// It must set out[i] to a partition, or -1 for "no opinion" (sticky), and
// may set errs[i] to fail record i alone. msgs, out and errs have the same
// length; msgs must not be retained or modified.
type RecordPartitioner interface {
	Partitioner
	PartitionRecords(topic string, msgs []Message, partitionCount int, out []int32, errs []error)
}

// PartitionerFunc adapts a function to Partitioner; return -1 for sticky.
type PartitionerFunc func(topic string, key, value []byte, partitionCount int) int

// Partition calls f.
func (f PartitionerFunc) Partition(topic string, key, value []byte, partitionCount int) int {
	return f(topic, key, value, partitionCount)
}

// Murmur2Partitioner is the default: keyed records go to
// (murmur2(key) & 0x7fffffff) % partitionCount, exactly like the Java client;
// keyless records use the sticky partitioner.
var Murmur2Partitioner Partitioner = murmur2Partitioner{}

type murmur2Partitioner struct{}

func (murmur2Partitioner) Partition(_ string, key, _ []byte, n int) int {
	if key == nil {
		return -1
	}
	return int(uint32(Murmur2(key))&0x7fffffff) % n
}

// RoundRobinPartitioner spreads records over all partitions in turn,
// ignoring keys. Each producer keeps its own per-topic counter.
var RoundRobinPartitioner Partitioner = &roundRobinPartitioner{}

type roundRobinPartitioner struct{ next atomic.Uint32 }

// Partition is only used when the partitioner is called outside a producer;
// a producer keeps per-topic counters of its own.
func (r *roundRobinPartitioner) Partition(_ string, _, _ []byte, n int) int {
	return int((r.next.Add(1) - 1) % uint32(n))
}

// Murmur2 is Kafka's murmur2 hash (org.apache.kafka.common.utils.Utils),
// returned as the signed 32-bit value Java computes.
func Murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	n := len(data)
	h := seed ^ uint32(n)
	i := 0
	for ; i+4 <= n; i += 4 {
		k := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16 | uint32(data[i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	switch n - i {
	case 3:
		h ^= uint32(data[i+2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[i+1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[i])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}
