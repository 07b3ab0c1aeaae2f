package wire

// TopicPartitionErrors is one topic of a response that answers with an
// error code per partition (AddPartitionsToTxn v0-v3, TxnOffsetCommit).
type TopicPartitionErrors struct {
	Name       string
	Partitions []PartitionError
}

// PartitionError is one partition's error code.
type PartitionError struct {
	Index     int32
	ErrorCode int16
}

// decodeTopicPartitionErrors reads a topics array of TopicPartitionErrors.
func decodeTopicPartitionErrors(r *Reader, flex bool) []TopicPartitionErrors {
	var topics []TopicPartitionErrors
	if n := r.nonNullArrayLen(flex, 2); n > 0 {
		topics = make([]TopicPartitionErrors, n)
	}
	for i := range topics {
		t := &topics[i]
		t.Name = r.String(flex)
		if n := r.nonNullArrayLen(flex, 6); n > 0 {
			t.Partitions = make([]PartitionError, n)
		}
		for j := range t.Partitions {
			p := &t.Partitions[j]
			p.Index = r.Int32()
			p.ErrorCode = r.Int16()
			if flex {
				r.SkipTaggedFields()
			}
		}
		if flex {
			r.SkipTaggedFields()
		}
	}
	return topics
}

// appendTopicPartitionErrors writes a topics array of TopicPartitionErrors.
func appendTopicPartitionErrors(dst []byte, topics []TopicPartitionErrors, flex bool) []byte {
	dst = AppendArrayLen(dst, len(topics), flex)
	for i := range topics {
		t := &topics[i]
		dst = AppendString(dst, t.Name, flex)
		dst = AppendArrayLen(dst, len(t.Partitions), flex)
		for _, p := range t.Partitions {
			dst = AppendInt32(dst, p.Index)
			dst = AppendInt16(dst, p.ErrorCode)
			if flex {
				dst = AppendTaggedFields(dst)
			}
		}
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	return dst
}
