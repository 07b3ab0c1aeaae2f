package kafka

import "time"

// Observer receives producer events, for metrics. Its methods are called
// from the producer's internal goroutines, concurrently, and must be fast
// and must not block or call back into the producer.
type Observer interface {
	// OnBatch is called once per batch when it is done: delivered (err nil)
	// or failed. bytes is the batch's encoded (compressed) size, latency
	// the time from its first record's append to the broker's answer.
	OnBatch(topic string, partition int32, records, bytes int, latency time.Duration, err error)
	// OnRetry is called each time a batch is queued again after a
	// retriable error.
	OnRetry(topic string, partition int32, attempt int, err error)
	// OnRequest is called for every Produce request answered (or failed)
	// with its round-trip time.
	OnRequest(broker int32, batches int, rtt time.Duration, err error)
}

// BufferUsage returns the bytes and records currently held by the
// producer (queued or in flight). It is safe for concurrent use.
func (p *Producer) BufferUsage() (bytes, records int) { return p.buf.usage() }
