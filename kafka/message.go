package kafka

import "time"

// Header is one record header. Headers are ordered and a key may repeat.
// A nil Value is sent as a null header value.
type Header struct {
	Key   string
	Value []byte
}

// Message is one record to produce.
//
// A nil Key means "no key": the record is placed by the sticky partitioner
// (unless Partition is set). An empty, non-nil key is a key and is hashed.
// Partition, when non-nil, names the partition explicitly and bypasses the
// partitioner (in Go 1.26: Partition: new(int32(3))). A zero Timestamp means
// the time of the Send call.
type Message struct {
	Key       []byte
	Value     []byte
	Headers   []Header
	Partition *int32
	Timestamp time.Time
}

// SendResult is the outcome of one message.
//
// For a delivered record, Partition and Offset say where it was written
// (Offset is -1 with AcksNone, which gets no answer from the broker) and
// Timestamp is the record's timestamp, or the broker's append time when the
// topic uses LogAppendTime. For a failed record Err is non-nil, Partition is
// the chosen partition or -1 if none was chosen, and Offset is -1.
type SendResult struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time
	Err       error
}
