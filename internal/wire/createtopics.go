package wire

// CreateTopicsRequest is CreateTopics (API key 19), versions 2 to 7. Version
// 5 is the first flexible version and returns the topic's configs; 7 returns
// the topic id. Send it to the controller, or any broker since Kafka 2.8.
type CreateTopicsRequest struct {
	Topics       []CreateTopicsTopic
	TimeoutMs    int32 // how long to wait for the topics to be created
	ValidateOnly bool  // check the request but create nothing
}

// CreateTopicsTopic is one topic to create.
type CreateTopicsTopic struct {
	Name string
	// NumPartitions and ReplicationFactor are -1 to use the broker's
	// defaults or when Assignments is set.
	NumPartitions     int32
	ReplicationFactor int16
	Assignments       []CreateTopicsAssignment
	Configs           []CreateTopicsConfig
}

// CreateTopicsAssignment is a manual replica assignment of one partition.
type CreateTopicsAssignment struct {
	Index     int32
	BrokerIDs []int32
}

// CreateTopicsConfig is one topic configuration to set.
type CreateTopicsConfig struct {
	Name  string
	Value *string
}

func (*CreateTopicsRequest) Key() int16                  { return KeyCreateTopics }
func (*CreateTopicsRequest) MinVersion() int16           { return 2 }
func (*CreateTopicsRequest) MaxVersion() int16           { return 7 }
func (*CreateTopicsRequest) Flexible(version int16) bool { return version >= 5 }
func (*CreateTopicsRequest) NewResponse() Response       { return new(CreateTopicsResponse) }

// AppendBody appends the request body.
func (r *CreateTopicsRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 5
	dst = AppendArrayLen(dst, len(r.Topics), flex)
	for i := range r.Topics {
		t := &r.Topics[i]
		dst = AppendString(dst, t.Name, flex)
		dst = AppendInt32(dst, t.NumPartitions)
		dst = AppendInt16(dst, t.ReplicationFactor)
		dst = AppendArrayLen(dst, len(t.Assignments), flex)
		for _, a := range t.Assignments {
			dst = AppendInt32(dst, a.Index)
			dst = appendInt32Array(dst, a.BrokerIDs, flex)
			if flex {
				dst = AppendTaggedFields(dst)
			}
		}
		dst = AppendArrayLen(dst, len(t.Configs), flex)
		for _, c := range t.Configs {
			dst = AppendString(dst, c.Name, flex)
			dst = AppendNullableString(dst, c.Value, flex)
			if flex {
				dst = AppendTaggedFields(dst)
			}
		}
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	dst = AppendInt32(dst, r.TimeoutMs)
	dst = AppendBool(dst, r.ValidateOnly)
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *CreateTopicsRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("CreateTopicsRequest", version, 2, 7); err != nil {
		return err
	}
	*r = CreateTopicsRequest{}
	rd := Reader{b: b}
	flex := version >= 5
	if n := rd.nonNullArrayLen(flex, 9); n > 0 {
		r.Topics = make([]CreateTopicsTopic, n)
	}
	for i := range r.Topics {
		t := &r.Topics[i]
		t.Name = rd.String(flex)
		t.NumPartitions = rd.Int32()
		t.ReplicationFactor = rd.Int16()
		if n := rd.nonNullArrayLen(flex, 5); n > 0 {
			t.Assignments = make([]CreateTopicsAssignment, n)
		}
		for j := range t.Assignments {
			a := &t.Assignments[j]
			a.Index = rd.Int32()
			a.BrokerIDs = rd.int32Array(flex)
			if flex {
				rd.SkipTaggedFields()
			}
		}
		if n := rd.nonNullArrayLen(flex, 2); n > 0 {
			t.Configs = make([]CreateTopicsConfig, n)
		}
		for j := range t.Configs {
			c := &t.Configs[j]
			c.Name = rd.String(flex)
			c.Value = rd.NullableString(flex)
			if flex {
				rd.SkipTaggedFields()
			}
		}
		if flex {
			rd.SkipTaggedFields()
		}
	}
	r.TimeoutMs = rd.Int32()
	r.ValidateOnly = rd.Bool()
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("CreateTopicsRequest", version)
}

// CreateTopicsResponse is the response to a CreateTopicsRequest.
type CreateTopicsResponse struct {
	ThrottleTimeMs int32
	Topics         []CreateTopicsTopicResponse
}

// CreateTopicsTopicResponse is the result for one topic.
type CreateTopicsTopicResponse struct {
	Name         string
	TopicID      [16]byte // v7+
	ErrorCode    int16
	ErrorMessage *string
	// TopicConfigErrorCode (v5+, tagged) is set when the configs could
	// not be returned.
	TopicConfigErrorCode int16
	NumPartitions        int32                      // v5+, default -1
	ReplicationFactor    int16                      // v5+, default -1
	Configs              []CreateTopicsConfigResult // v5+, nullable
}

// CreateTopicsConfigResult is one configuration of a created topic.
type CreateTopicsConfigResult struct {
	Name         string
	Value        *string
	ReadOnly     bool
	ConfigSource int8 // default -1
	IsSensitive  bool
}

// DecodeBody decodes the response body.
func (resp *CreateTopicsResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("CreateTopicsResponse", version, 2, 7); err != nil {
		return err
	}
	*resp = CreateTopicsResponse{}
	r := Reader{b: b}
	flex := version >= 5
	resp.ThrottleTimeMs = r.Int32()
	if n := r.nonNullArrayLen(flex, 6); n > 0 {
		resp.Topics = make([]CreateTopicsTopicResponse, n)
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		t.Name = r.String(flex)
		if version >= 7 {
			t.TopicID = r.UUID()
		}
		t.ErrorCode = r.Int16()
		t.ErrorMessage = r.NullableString(flex)
		t.NumPartitions, t.ReplicationFactor = -1, -1
		if version >= 5 {
			t.NumPartitions = r.Int32()
			t.ReplicationFactor = r.Int16()
			if n := r.arrayLen(flex, 5); n >= 0 && r.err == nil {
				t.Configs = make([]CreateTopicsConfigResult, n)
			}
			for j := range t.Configs {
				c := &t.Configs[j]
				c.Name = r.String(flex)
				c.Value = r.NullableString(flex)
				c.ReadOnly = r.Bool()
				c.ConfigSource = r.Int8()
				c.IsSensitive = r.Bool()
				r.SkipTaggedFields()
			}
		}
		if flex {
			for n := r.tagCount(); n > 0 && r.err == nil; n-- {
				tag, sub := r.tag()
				if tag == 0 {
					t.TopicConfigErrorCode = sub.Int16()
					r.endTag(&sub)
				}
			}
		}
	}
	if flex {
		r.SkipTaggedFields()
	}
	return r.done("CreateTopicsResponse", version)
}

// AppendBody appends the response body, as a broker would.
func (resp *CreateTopicsResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 5
	dst = AppendInt32(dst, resp.ThrottleTimeMs)
	dst = AppendArrayLen(dst, len(resp.Topics), flex)
	for i := range resp.Topics {
		t := &resp.Topics[i]
		dst = AppendString(dst, t.Name, flex)
		if version >= 7 {
			dst = AppendUUID(dst, t.TopicID)
		}
		dst = AppendInt16(dst, t.ErrorCode)
		dst = AppendNullableString(dst, t.ErrorMessage, flex)
		if version >= 5 {
			dst = AppendInt32(dst, t.NumPartitions)
			dst = AppendInt16(dst, t.ReplicationFactor)
			if t.Configs == nil {
				dst = AppendArrayLen(dst, -1, flex)
			} else {
				dst = AppendArrayLen(dst, len(t.Configs), flex)
			}
			for _, c := range t.Configs {
				dst = AppendString(dst, c.Name, flex)
				dst = AppendNullableString(dst, c.Value, flex)
				dst = AppendBool(dst, c.ReadOnly)
				dst = AppendInt8(dst, c.ConfigSource)
				dst = AppendBool(dst, c.IsSensitive)
				dst = AppendTaggedFields(dst)
			}
		}
		if flex {
			if t.TopicConfigErrorCode != 0 {
				dst = append(dst, 1)
				dst = appendTag(dst, 0, 2)
				dst = AppendInt16(dst, t.TopicConfigErrorCode)
			} else {
				dst = AppendTaggedFields(dst)
			}
		}
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}
