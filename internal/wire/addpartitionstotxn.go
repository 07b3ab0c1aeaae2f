package wire

// AddPartitionsToTxnRequest is AddPartitionsToTxn (API key 24), versions 0
// to 3, the versions clients send to the transaction coordinator. Version 3
// is the first flexible version. Versions 4 and later batch several
// transactions and are for brokers only (KIP-890); they are not implemented.
type AddPartitionsToTxnRequest struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	Topics          []AddPartitionsToTxnTopic
}

// AddPartitionsToTxnTopic is one topic of partitions to add.
type AddPartitionsToTxnTopic struct {
	Name       string
	Partitions []int32
}

func (*AddPartitionsToTxnRequest) Key() int16                  { return KeyAddPartitionsToTxn }
func (*AddPartitionsToTxnRequest) MinVersion() int16           { return 0 }
func (*AddPartitionsToTxnRequest) MaxVersion() int16           { return 3 }
func (*AddPartitionsToTxnRequest) Flexible(version int16) bool { return version >= 3 }
func (*AddPartitionsToTxnRequest) NewResponse() Response       { return new(AddPartitionsToTxnResponse) }

// AppendBody appends the request body.
func (r *AddPartitionsToTxnRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendString(dst, r.TransactionalID, flex)
	dst = AppendInt64(dst, r.ProducerID)
	dst = AppendInt16(dst, r.ProducerEpoch)
	dst = AppendArrayLen(dst, len(r.Topics), flex)
	for i := range r.Topics {
		t := &r.Topics[i]
		dst = AppendString(dst, t.Name, flex)
		dst = appendInt32Array(dst, t.Partitions, flex)
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
func (r *AddPartitionsToTxnRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("AddPartitionsToTxnRequest", version, 0, 3); err != nil {
		return err
	}
	*r = AddPartitionsToTxnRequest{}
	rd := Reader{b: b}
	flex := version >= 3
	r.TransactionalID = rd.String(flex)
	r.ProducerID = rd.Int64()
	r.ProducerEpoch = rd.Int16()
	if n := rd.nonNullArrayLen(flex, 2); n > 0 {
		r.Topics = make([]AddPartitionsToTxnTopic, n)
	}
	for i := range r.Topics {
		t := &r.Topics[i]
		t.Name = rd.String(flex)
		t.Partitions = rd.int32Array(flex)
		if flex {
			rd.SkipTaggedFields()
		}
	}
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("AddPartitionsToTxnRequest", version)
}

// AddPartitionsToTxnResponse is the response to an AddPartitionsToTxnRequest.
type AddPartitionsToTxnResponse struct {
	ThrottleTimeMs int32
	Topics         []AddPartitionsToTxnTopicResponse
}

// AddPartitionsToTxnTopicResponse is the result for one topic.
type AddPartitionsToTxnTopicResponse = TopicPartitionErrors

// AddPartitionsToTxnPartitionResponse is the result for one partition.
type AddPartitionsToTxnPartitionResponse = PartitionError

// DecodeBody decodes the response body.
func (resp *AddPartitionsToTxnResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("AddPartitionsToTxnResponse", version, 0, 3); err != nil {
		return err
	}
	*resp = AddPartitionsToTxnResponse{}
	r := Reader{b: b}
	flex := version >= 3
	resp.ThrottleTimeMs = r.Int32()
	resp.Topics = decodeTopicPartitionErrors(&r, flex)
	if flex {
		r.SkipTaggedFields()
	}
	return r.done("AddPartitionsToTxnResponse", version)
}

// AppendBody appends the response body, as a broker would.
func (resp *AddPartitionsToTxnResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendInt32(dst, resp.ThrottleTimeMs)
	dst = appendTopicPartitionErrors(dst, resp.Topics, flex)
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}
