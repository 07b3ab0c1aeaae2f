package wire

// TxnOffsetCommitRequest is TxnOffsetCommit (API key 28), versions 0 to 5.
// Version 2 adds CommittedLeaderEpoch, 3 is the first flexible version and
// adds the consumer group member fields (KIP-447). Version 5 has version 4's
// layout; it tells the broker that the request also adds the group to the
// transaction (transactions V2, KIP-890 part 2), so a client sends it only
// when the cluster's transaction.version feature is 2 or more, and then
// skips AddOffsetsToTxn.
type TxnOffsetCommitRequest struct {
	TransactionalID string
	GroupID         string
	ProducerID      int64
	ProducerEpoch   int16
	GenerationID    int32   // v3+, -1 when unknown
	MemberID        string  // v3+
	GroupInstanceID *string // v3+
	Topics          []TxnOffsetCommitTopic
}

// TxnOffsetCommitTopic is one topic of offsets to commit.
type TxnOffsetCommitTopic struct {
	Name       string
	Partitions []TxnOffsetCommitPartition
}

// TxnOffsetCommitPartition is the offset to commit for one partition.
type TxnOffsetCommitPartition struct {
	Index                int32
	CommittedOffset      int64
	CommittedLeaderEpoch int32 // v2+, -1 when unknown
	CommittedMetadata    *string
}

func (*TxnOffsetCommitRequest) Key() int16                  { return KeyTxnOffsetCommit }
func (*TxnOffsetCommitRequest) MinVersion() int16           { return 0 }
func (*TxnOffsetCommitRequest) MaxVersion() int16           { return 5 }
func (*TxnOffsetCommitRequest) Flexible(version int16) bool { return version >= 3 }
func (*TxnOffsetCommitRequest) NewResponse() Response       { return new(TxnOffsetCommitResponse) }

// AppendBody appends the request body.
func (r *TxnOffsetCommitRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendString(dst, r.TransactionalID, flex)
	dst = AppendString(dst, r.GroupID, flex)
	dst = AppendInt64(dst, r.ProducerID)
	dst = AppendInt16(dst, r.ProducerEpoch)
	if version >= 3 {
		dst = AppendInt32(dst, r.GenerationID)
		dst = AppendString(dst, r.MemberID, flex)
		dst = AppendNullableString(dst, r.GroupInstanceID, flex)
	}
	dst = AppendArrayLen(dst, len(r.Topics), flex)
	for i := range r.Topics {
		t := &r.Topics[i]
		dst = AppendString(dst, t.Name, flex)
		dst = AppendArrayLen(dst, len(t.Partitions), flex)
		for j := range t.Partitions {
			p := &t.Partitions[j]
			dst = AppendInt32(dst, p.Index)
			dst = AppendInt64(dst, p.CommittedOffset)
			if version >= 2 {
				dst = AppendInt32(dst, p.CommittedLeaderEpoch)
			}
			dst = AppendNullableString(dst, p.CommittedMetadata, flex)
			if flex {
				dst = AppendTaggedFields(dst)
			}
		}
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *TxnOffsetCommitRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("TxnOffsetCommitRequest", version, 0, 5); err != nil {
		return err
	}
	*r = TxnOffsetCommitRequest{GenerationID: -1}
	rd := Reader{b: b}
	flex := version >= 3
	r.TransactionalID = rd.String(flex)
	r.GroupID = rd.String(flex)
	r.ProducerID = rd.Int64()
	r.ProducerEpoch = rd.Int16()
	if version >= 3 {
		r.GenerationID = rd.Int32()
		r.MemberID = rd.String(flex)
		r.GroupInstanceID = rd.NullableString(flex)
	}
	if n := rd.nonNullArrayLen(flex, 2); n > 0 {
		r.Topics = make([]TxnOffsetCommitTopic, n)
	}
	for i := range r.Topics {
		t := &r.Topics[i]
		t.Name = rd.String(flex)
		if n := rd.nonNullArrayLen(flex, 13); n > 0 {
			t.Partitions = make([]TxnOffsetCommitPartition, n)
		}
		for j := range t.Partitions {
			p := &t.Partitions[j]
			p.Index = rd.Int32()
			p.CommittedOffset = rd.Int64()
			p.CommittedLeaderEpoch = -1
			if version >= 2 {
				p.CommittedLeaderEpoch = rd.Int32()
			}
			p.CommittedMetadata = rd.NullableString(flex)
			if flex {
				rd.SkipTaggedFields()
			}
		}
		if flex {
			rd.SkipTaggedFields()
		}
	}
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("TxnOffsetCommitRequest", version)
}

// TxnOffsetCommitResponse is the response to a TxnOffsetCommitRequest.
type TxnOffsetCommitResponse struct {
	ThrottleTimeMs int32
	Topics         []TxnOffsetCommitTopicResponse
}

// TxnOffsetCommitTopicResponse is the result for one topic.
type TxnOffsetCommitTopicResponse = TopicPartitionErrors

// TxnOffsetCommitPartitionResponse is the result for one partition.
type TxnOffsetCommitPartitionResponse = PartitionError

// DecodeBody decodes the response body.
func (resp *TxnOffsetCommitResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("TxnOffsetCommitResponse", version, 0, 5); err != nil {
		return err
	}
	*resp = TxnOffsetCommitResponse{}
	r := Reader{b: b}
	flex := version >= 3
	resp.ThrottleTimeMs = r.Int32()
	resp.Topics = decodeTopicPartitionErrors(&r, flex)
	if flex {
		r.SkipTaggedFields()
	}
	return r.done("TxnOffsetCommitResponse", version)
}

// AppendBody appends the response body, as a broker would.
func (resp *TxnOffsetCommitResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendInt32(dst, resp.ThrottleTimeMs)
	dst = appendTopicPartitionErrors(dst, resp.Topics, flex)
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}
