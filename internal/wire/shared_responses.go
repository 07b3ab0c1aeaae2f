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

// decodeThrottleError decodes the body shared by responses that carry only
// a throttle time and an error code (AddOffsetsToTxn, EndTxn up to v4),
// flexible from v3.
func decodeThrottleError(name string, b []byte, version, maxVersion int16, throttle *int32, code *int16) error {
	if err := checkVersion(name, version, 0, maxVersion); err != nil {
		return err
	}
	r := Reader{b: b}
	*throttle = r.Int32()
	*code = r.Int16()
	if version >= 3 {
		r.SkipTaggedFields()
	}
	return r.done(name, version)
}

// decodeProducerIDBody decodes the body shared by InitProducerId and EndTxn
// v5+ responses: throttle time, error code, producer id and epoch, then
// tagged fields when flexible. The caller checks the version.
func decodeProducerIDBody(name string, b []byte, version int16, flex bool, throttle *int32, code *int16, pid *int64, epoch *int16) error {
	r := Reader{b: b}
	*throttle = r.Int32()
	*code = r.Int16()
	*pid = r.Int64()
	*epoch = r.Int16()
	if flex {
		r.SkipTaggedFields()
	}
	return r.done(name, version)
}

// appendProducerIDBody is decodeProducerIDBody's encoder.
func appendProducerIDBody(dst []byte, flex bool, throttle int32, code int16, pid int64, epoch int16) []byte {
	dst = AppendInt32(dst, throttle)
	dst = AppendInt16(dst, code)
	dst = AppendInt64(dst, pid)
	dst = AppendInt16(dst, epoch)
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// appendThrottleError is decodeThrottleError's encoder.
func appendThrottleError(dst []byte, version int16, throttle int32, code int16) []byte {
	dst = AppendInt32(dst, throttle)
	dst = AppendInt16(dst, code)
	if version >= 3 {
		dst = AppendTaggedFields(dst)
	}
	return dst
}
