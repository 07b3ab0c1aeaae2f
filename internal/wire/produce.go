package wire

// ProduceRequest is Produce (API key 0), versions 3 to 13.
//
// Versions: 3 is the first with record batch v2; 7 allows zstd; 9 is the
// first flexible version; 10 adds CurrentLeader and NodeEndpoints to the
// response (KIP-951); 11 allows TRANSACTION_ABORTABLE; 12 is laid out like 11
// but, inside a transaction, makes the broker add the partition to the
// transaction (transactions V2, KIP-890 part 2): a transactional producer
// that still sends AddPartitionsToTxn must cap Produce at 11 (NegotiateMax).
// 13 replaces the topic name by the topic id (KIP-516), in the request and in
// the response.
//
// With Acks == 0 the broker sends no response at all (see HasResponse).
type ProduceRequest struct {
	TransactionalID *string // v3+, nil when not transactional
	Acks            int16   // 0: no ack, 1: leader only, -1: all in-sync replicas
	TimeoutMillis   int32   // how long the broker may wait for acks
	Topics          []ProduceTopic
}

// ProduceTopic is one topic of a ProduceRequest.
type ProduceTopic struct {
	Name       string   // v3-v12
	TopicID    [16]byte // v13+
	Partitions []ProducePartition
}

// ProducePartition is one partition of a ProduceTopic.
type ProducePartition struct {
	Index int32
	// Records holds one or more encoded record batches; it is copied into
	// the request as-is. nil is encoded as null.
	Records []byte
}

func (*ProduceRequest) Key() int16                  { return KeyProduce }
func (*ProduceRequest) MinVersion() int16           { return 3 }
func (*ProduceRequest) MaxVersion() int16           { return 13 }
func (*ProduceRequest) Flexible(version int16) bool { return version >= 9 }
func (*ProduceRequest) NewResponse() Response       { return new(ProduceResponse) }
func (r *ProduceRequest) HasResponse() bool         { return r.Acks != 0 }

// AppendBody appends the request body. Nothing is allocated when dst has
// room; BodyLen tells how much room that is.
func (r *ProduceRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 9
	dst = AppendNullableString(dst, r.TransactionalID, flex)
	dst = AppendInt16(dst, r.Acks)
	dst = AppendInt32(dst, r.TimeoutMillis)
	dst = AppendArrayLen(dst, len(r.Topics), flex)
	for i := range r.Topics {
		t := &r.Topics[i]
		if version >= 13 {
			dst = AppendUUID(dst, t.TopicID)
		} else {
			dst = AppendString(dst, t.Name, flex)
		}
		dst = AppendArrayLen(dst, len(t.Partitions), flex)
		for j := range t.Partitions {
			p := &t.Partitions[j]
			dst = AppendInt32(dst, p.Index)
			dst = AppendBytes(dst, p.Records, flex)
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

// BodyLen returns the number of bytes AppendBody appends at version.
func (r *ProduceRequest) BodyLen(version int16) int {
	flex := version >= 9
	n := 2 + 4 // acks, timeout
	if r.TransactionalID != nil {
		n += stringLen(len(*r.TransactionalID), flex)
	} else {
		n += stringLen(0, flex)
	}
	n += arrayLenLen(len(r.Topics), flex)
	for i := range r.Topics {
		t := &r.Topics[i]
		if version >= 13 {
			n += 16
		} else {
			n += stringLen(len(t.Name), flex)
		}
		n += arrayLenLen(len(t.Partitions), flex)
		for j := range t.Partitions {
			p := &t.Partitions[j]
			n += 4
			if flex {
				n += uvarintLen(uint32(len(p.Records)+1)) + len(p.Records) + 1
			} else {
				n += 4 + len(p.Records)
			}
		}
		if flex {
			n++
		}
	}
	if flex {
		n++
	}
	return n
}

func stringLen(n int, flex bool) int {
	if flex {
		return uvarintLen(uint32(n)+1) + n
	}
	return 2 + n
}

func arrayLenLen(n int, flex bool) int {
	if flex {
		return uvarintLen(uint32(n) + 1)
	}
	return 4
}

// DecodeBody decodes a request body, as a broker would.
func (r *ProduceRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("ProduceRequest", version, r.MinVersion(), r.MaxVersion()); err != nil {
		return err
	}
	*r = ProduceRequest{}
	rd := Reader{b: b}
	flex := version >= 9
	r.TransactionalID = rd.NullableString(flex)
	r.Acks = rd.Int16()
	r.TimeoutMillis = rd.Int32()
	if n := rd.nonNullArrayLen(flex, 2); n > 0 {
		r.Topics = make([]ProduceTopic, n)
	}
	for i := range r.Topics {
		t := &r.Topics[i]
		if version >= 13 {
			t.TopicID = rd.UUID()
		} else {
			t.Name = rd.String(flex)
		}
		if n := rd.nonNullArrayLen(flex, 5); n > 0 {
			t.Partitions = make([]ProducePartition, n)
		}
		for j := range t.Partitions {
			p := &t.Partitions[j]
			p.Index = rd.Int32()
			if recs := rd.Bytes(flex); recs != nil {
				p.Records = append([]byte{}, recs...)
			}
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
	return rd.done("ProduceRequest", version)
}

// ProduceResponse is the response to a ProduceRequest.
type ProduceResponse struct {
	Topics         []ProduceTopicResponse
	ThrottleTimeMs int32
	// NodeEndpoints (v10+, tagged) lists the current leaders named by
	// CurrentLeader of partitions that failed with NOT_LEADER_OR_FOLLOWER.
	NodeEndpoints []NodeEndpoint
}

// ProduceTopicResponse is one topic of a ProduceResponse.
type ProduceTopicResponse struct {
	Name       string   // v3-v12
	TopicID    [16]byte // v13+
	Partitions []ProducePartitionResponse
}

// ProducePartitionResponse is one partition of a ProduceTopicResponse.
type ProducePartitionResponse struct {
	Index           int32
	ErrorCode       int16
	BaseOffset      int64
	LogAppendTimeMs int64 // -1 unless the topic uses LogAppendTime
	LogStartOffset  int64 // v5+, default -1
	RecordErrors    []ProduceRecordError
	ErrorMessage    *string // v8+
	// CurrentLeader (v10+, tagged; KIP-951) is the new leader when the
	// error is NOT_LEADER_OR_FOLLOWER; {-1, -1} when absent.
	CurrentLeader LeaderIDAndEpoch
}

// ProduceRecordError (v8+) names a record that made the broker drop the
// whole batch.
type ProduceRecordError struct {
	BatchIndex   int32
	ErrorMessage *string
}

// LeaderIDAndEpoch is a partition leader and its epoch; -1 when unknown.
type LeaderIDAndEpoch struct {
	LeaderID    int32
	LeaderEpoch int32
}

// NodeEndpoint is a broker address carried in a response's tagged fields.
type NodeEndpoint struct {
	NodeID int32
	Host   string
	Port   int32
	Rack   *string
}

// DecodeBody decodes the response body.
func (resp *ProduceResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("ProduceResponse", version, 3, 13); err != nil {
		return err
	}
	*resp = ProduceResponse{}
	r := Reader{b: b}
	flex := version >= 9
	minTopic := 2 + 4
	if flex {
		minTopic = 3
	}
	if n := r.nonNullArrayLen(flex, minTopic); n > 0 {
		resp.Topics = make([]ProduceTopicResponse, n)
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if version >= 13 {
			t.TopicID = r.UUID()
		} else {
			t.Name = r.String(flex)
		}
		if n := r.nonNullArrayLen(flex, 22); n > 0 {
			t.Partitions = make([]ProducePartitionResponse, n)
		}
		for j := range t.Partitions {
			decodeProducePartition(&r, &t.Partitions[j], version, flex)
		}
		if flex {
			r.SkipTaggedFields()
		}
	}
	resp.ThrottleTimeMs = r.Int32()
	if flex {
		for n := r.tagCount(); n > 0 && r.err == nil; n-- {
			tag, sub := r.tag()
			if tag == 0 && version >= 10 {
				resp.NodeEndpoints = decodeNodeEndpoints(&sub)
				r.endTag(&sub)
			}
		}
	}
	return r.done("ProduceResponse", version)
}

func decodeProducePartition(r *Reader, p *ProducePartitionResponse, version int16, flex bool) {
	p.Index = r.Int32()
	p.ErrorCode = r.Int16()
	p.BaseOffset = r.Int64()
	p.LogAppendTimeMs = r.Int64()
	p.LogStartOffset = -1
	if version >= 5 {
		p.LogStartOffset = r.Int64()
	}
	if version >= 8 {
		if n := r.nonNullArrayLen(flex, 5); n > 0 {
			p.RecordErrors = make([]ProduceRecordError, n)
		}
		for k := range p.RecordErrors {
			e := &p.RecordErrors[k]
			e.BatchIndex = r.Int32()
			e.ErrorMessage = r.NullableString(flex)
			if flex {
				r.SkipTaggedFields()
			}
		}
		p.ErrorMessage = r.NullableString(flex)
	}
	p.CurrentLeader = LeaderIDAndEpoch{-1, -1}
	if flex {
		for n := r.tagCount(); n > 0 && r.err == nil; n-- {
			tag, sub := r.tag()
			if tag == 0 && version >= 10 {
				p.CurrentLeader.LeaderID = sub.Int32()
				p.CurrentLeader.LeaderEpoch = sub.Int32()
				sub.SkipTaggedFields()
				r.endTag(&sub)
			}
		}
	}
}

// decodeNodeEndpoints decodes the flexible []NodeEndpoint of a tagged field.
func decodeNodeEndpoints(r *Reader) []NodeEndpoint {
	n := r.nonNullArrayLen(true, 12)
	if n == 0 {
		return nil
	}
	out := make([]NodeEndpoint, n)
	for i := range out {
		e := &out[i]
		e.NodeID = r.Int32()
		e.Host = r.String(true)
		e.Port = r.Int32()
		e.Rack = r.NullableString(true)
		r.SkipTaggedFields()
	}
	return out
}

func appendNodeEndpoints(dst []byte, v []NodeEndpoint) []byte {
	dst = AppendArrayLen(dst, len(v), true)
	for i := range v {
		e := &v[i]
		dst = AppendInt32(dst, e.NodeID)
		dst = AppendString(dst, e.Host, true)
		dst = AppendInt32(dst, e.Port)
		dst = AppendNullableString(dst, e.Rack, true)
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// AppendBody appends the response body, as a broker would. Tagged fields
// are written when they differ from their defaults.
func (resp *ProduceResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 9
	dst = AppendArrayLen(dst, len(resp.Topics), flex)
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if version >= 13 {
			dst = AppendUUID(dst, t.TopicID)
		} else {
			dst = AppendString(dst, t.Name, flex)
		}
		dst = AppendArrayLen(dst, len(t.Partitions), flex)
		for j := range t.Partitions {
			p := &t.Partitions[j]
			dst = AppendInt32(dst, p.Index)
			dst = AppendInt16(dst, p.ErrorCode)
			dst = AppendInt64(dst, p.BaseOffset)
			dst = AppendInt64(dst, p.LogAppendTimeMs)
			if version >= 5 {
				dst = AppendInt64(dst, p.LogStartOffset)
			}
			if version >= 8 {
				dst = AppendArrayLen(dst, len(p.RecordErrors), flex)
				for _, e := range p.RecordErrors {
					dst = AppendInt32(dst, e.BatchIndex)
					dst = AppendNullableString(dst, e.ErrorMessage, flex)
					if flex {
						dst = AppendTaggedFields(dst)
					}
				}
				dst = AppendNullableString(dst, p.ErrorMessage, flex)
			}
			if flex {
				if version >= 10 && p.CurrentLeader != (LeaderIDAndEpoch{-1, -1}) {
					dst = append(dst, 1)
					dst = appendTag(dst, 0, 9)
					dst = AppendInt32(dst, p.CurrentLeader.LeaderID)
					dst = AppendInt32(dst, p.CurrentLeader.LeaderEpoch)
					dst = AppendTaggedFields(dst)
				} else {
					dst = AppendTaggedFields(dst)
				}
			}
		}
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	dst = AppendInt32(dst, resp.ThrottleTimeMs)
	if flex {
		if version >= 10 && len(resp.NodeEndpoints) > 0 {
			dst = append(dst, 1)
			dst = appendSized(dst, 0, func(dst []byte) []byte {
				return appendNodeEndpoints(dst, resp.NodeEndpoints)
			})
		} else {
			dst = AppendTaggedFields(dst)
		}
	}
	return dst
}
