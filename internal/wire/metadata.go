package wire

import "math"

// MetadataRequest is Metadata (API key 3), versions 4 to 12. Version 7 adds
// leader epochs, 8 authorized operations, 9 is the first flexible version,
// 10 adds topic ids, 11 drops ClusterAuthorizedOperations, 12 makes the
// response topic name nullable (for topics asked by id).
type MetadataRequest struct {
	// Topics to describe; nil asks for all topics, an empty non-nil slice
	// for none (brokers only).
	Topics []MetadataTopic
	// AllowAutoTopicCreation lets the broker create missing topics when it
	// is configured to.
	AllowAutoTopicCreation             bool
	IncludeClusterAuthorizedOperations bool // v8-v10
	IncludeTopicAuthorizedOperations   bool // v8+
}

// MetadataTopic is one topic of a MetadataRequest, asked by name or (v10+)
// by id.
type MetadataTopic struct {
	TopicID [16]byte // v10+
	Name    *string  // nullable v10+; nil is sent as "" before v10
}

func (*MetadataRequest) Key() int16                  { return KeyMetadata }
func (*MetadataRequest) MinVersion() int16           { return 4 }
func (*MetadataRequest) MaxVersion() int16           { return 12 }
func (*MetadataRequest) Flexible(version int16) bool { return version >= 9 }
func (*MetadataRequest) NewResponse() Response       { return new(MetadataResponse) }

// AppendBody appends the request body.
func (r *MetadataRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 9
	if r.Topics == nil {
		dst = AppendArrayLen(dst, -1, flex)
	} else {
		dst = AppendArrayLen(dst, len(r.Topics), flex)
	}
	for i := range r.Topics {
		t := &r.Topics[i]
		if version >= 10 {
			dst = AppendUUID(dst, t.TopicID)
			dst = AppendNullableString(dst, t.Name, flex)
		} else {
			dst = AppendString(dst, nonNullString(t.Name), flex)
		}
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	dst = AppendBool(dst, r.AllowAutoTopicCreation)
	if version >= 8 {
		if version <= 10 {
			dst = AppendBool(dst, r.IncludeClusterAuthorizedOperations)
		}
		dst = AppendBool(dst, r.IncludeTopicAuthorizedOperations)
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *MetadataRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("MetadataRequest", version, 4, 12); err != nil {
		return err
	}
	*r = MetadataRequest{}
	rd := Reader{b: b}
	flex := version >= 9
	if n := rd.arrayLen(flex, 1); n >= 0 && rd.err == nil {
		r.Topics = make([]MetadataTopic, n)
	}
	for i := range r.Topics {
		t := &r.Topics[i]
		if version >= 10 {
			t.TopicID = rd.UUID()
			t.Name = rd.NullableString(flex)
		} else {
			s := rd.String(flex)
			t.Name = &s
		}
		if flex {
			rd.SkipTaggedFields()
		}
	}
	r.AllowAutoTopicCreation = rd.Bool()
	if version >= 8 {
		if version <= 10 {
			r.IncludeClusterAuthorizedOperations = rd.Bool()
		}
		r.IncludeTopicAuthorizedOperations = rd.Bool()
	}
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("MetadataRequest", version)
}

// AuthorizedOperationsUnknown is the default of the authorized-operations
// bit fields when the broker did not compute them.
const AuthorizedOperationsUnknown int32 = math.MinInt32

// MetadataResponse is the response to a MetadataRequest.
type MetadataResponse struct {
	ThrottleTimeMs int32
	Brokers        []MetadataBroker
	ClusterID      *string
	ControllerID   int32
	Topics         []MetadataTopicResponse
	// ClusterAuthorizedOperations (v8-v10) defaults to
	// AuthorizedOperationsUnknown.
	ClusterAuthorizedOperations int32
}

// MetadataBroker is one broker of a MetadataResponse.
type MetadataBroker struct {
	NodeID int32
	Host   string
	Port   int32
	Rack   *string
}

// MetadataTopicResponse is one topic of a MetadataResponse.
type MetadataTopicResponse struct {
	ErrorCode int16
	// Name is nil (v12+) for a topic asked by an unknown id; never nil
	// when ErrorCode is 0. A nil Name is sent as "" before v12.
	Name       *string
	TopicID    [16]byte // v10+
	IsInternal bool
	Partitions []MetadataPartitionResponse
	// TopicAuthorizedOperations (v8+) defaults to
	// AuthorizedOperationsUnknown.
	TopicAuthorizedOperations int32
}

// MetadataPartitionResponse is one partition of a MetadataTopicResponse.
type MetadataPartitionResponse struct {
	ErrorCode   int16
	Index       int32
	LeaderID    int32
	LeaderEpoch int32 // v7+, default -1
	Replicas    []int32
	ISR         []int32
	Offline     []int32
}

// DecodeBody decodes the response body.
func (resp *MetadataResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("MetadataResponse", version, 4, 12); err != nil {
		return err
	}
	*resp = MetadataResponse{ClusterAuthorizedOperations: AuthorizedOperationsUnknown}
	r := Reader{b: b}
	flex := version >= 9
	resp.ThrottleTimeMs = r.Int32()
	if n := r.nonNullArrayLen(flex, 8); n > 0 {
		resp.Brokers = make([]MetadataBroker, n)
	}
	for i := range resp.Brokers {
		br := &resp.Brokers[i]
		br.NodeID = r.Int32()
		br.Host = r.String(flex)
		br.Port = r.Int32()
		br.Rack = r.NullableString(flex)
		if flex {
			r.SkipTaggedFields()
		}
	}
	resp.ClusterID = r.NullableString(flex)
	resp.ControllerID = r.Int32()
	if n := r.nonNullArrayLen(flex, 5); n > 0 {
		resp.Topics = make([]MetadataTopicResponse, n)
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		t.ErrorCode = r.Int16()
		if version >= 12 {
			t.Name = r.NullableString(flex)
		} else {
			s := r.String(flex)
			t.Name = &s
		}
		if version >= 10 {
			t.TopicID = r.UUID()
		}
		t.IsInternal = r.Bool()
		if n := r.nonNullArrayLen(flex, 14); n > 0 {
			t.Partitions = make([]MetadataPartitionResponse, n)
		}
		for j := range t.Partitions {
			p := &t.Partitions[j]
			p.ErrorCode = r.Int16()
			p.Index = r.Int32()
			p.LeaderID = r.Int32()
			p.LeaderEpoch = -1
			if version >= 7 {
				p.LeaderEpoch = r.Int32()
			}
			p.Replicas = r.int32Array(flex)
			p.ISR = r.int32Array(flex)
			if version >= 5 {
				p.Offline = r.int32Array(flex)
			}
			if flex {
				r.SkipTaggedFields()
			}
		}
		t.TopicAuthorizedOperations = AuthorizedOperationsUnknown
		if version >= 8 {
			t.TopicAuthorizedOperations = r.Int32()
		}
		if flex {
			r.SkipTaggedFields()
		}
	}
	if version >= 8 && version <= 10 {
		resp.ClusterAuthorizedOperations = r.Int32()
	}
	if flex {
		r.SkipTaggedFields()
	}
	return r.done("MetadataResponse", version)
}

// AppendBody appends the response body, as a broker would.
func (resp *MetadataResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 9
	dst = AppendInt32(dst, resp.ThrottleTimeMs)
	dst = AppendArrayLen(dst, len(resp.Brokers), flex)
	for i := range resp.Brokers {
		br := &resp.Brokers[i]
		dst = AppendInt32(dst, br.NodeID)
		dst = AppendString(dst, br.Host, flex)
		dst = AppendInt32(dst, br.Port)
		dst = AppendNullableString(dst, br.Rack, flex)
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	dst = AppendNullableString(dst, resp.ClusterID, flex)
	dst = AppendInt32(dst, resp.ControllerID)
	dst = AppendArrayLen(dst, len(resp.Topics), flex)
	for i := range resp.Topics {
		t := &resp.Topics[i]
		dst = AppendInt16(dst, t.ErrorCode)
		if version >= 12 {
			dst = AppendNullableString(dst, t.Name, flex)
		} else {
			dst = AppendString(dst, nonNullString(t.Name), flex)
		}
		if version >= 10 {
			dst = AppendUUID(dst, t.TopicID)
		}
		dst = AppendBool(dst, t.IsInternal)
		dst = AppendArrayLen(dst, len(t.Partitions), flex)
		for j := range t.Partitions {
			p := &t.Partitions[j]
			dst = AppendInt16(dst, p.ErrorCode)
			dst = AppendInt32(dst, p.Index)
			dst = AppendInt32(dst, p.LeaderID)
			if version >= 7 {
				dst = AppendInt32(dst, p.LeaderEpoch)
			}
			dst = appendInt32Array(dst, p.Replicas, flex)
			dst = appendInt32Array(dst, p.ISR, flex)
			if version >= 5 {
				dst = appendInt32Array(dst, p.Offline, flex)
			}
			if flex {
				dst = AppendTaggedFields(dst)
			}
		}
		if version >= 8 {
			dst = AppendInt32(dst, t.TopicAuthorizedOperations)
		}
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	if version >= 8 && version <= 10 {
		dst = AppendInt32(dst, resp.ClusterAuthorizedOperations)
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}
