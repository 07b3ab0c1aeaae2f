package wire

// Coordinator key types of FindCoordinatorRequest.KeyType.
const (
	CoordinatorKeyGroup       int8 = 0
	CoordinatorKeyTransaction int8 = 1
)

// FindCoordinatorRequest is FindCoordinator (API key 10), versions 1 to 6.
// Version 3 is the first flexible version. Versions 1 to 3 look up one Key;
// version 4 and later look up a batch of CoordinatorKeys (KIP-699), and the
// answer comes in FindCoordinatorResponse.Coordinators.
type FindCoordinatorRequest struct {
	// CoordinatorKey (v1-v3) is the spec's Key field, renamed because
	// Request has a Key method: the group id or transactional id.
	CoordinatorKey  string
	KeyType         int8     // CoordinatorKeyGroup or CoordinatorKeyTransaction
	CoordinatorKeys []string // v4+
}

func (*FindCoordinatorRequest) Key() int16                  { return KeyFindCoordinator }
func (*FindCoordinatorRequest) MinVersion() int16           { return 1 }
func (*FindCoordinatorRequest) MaxVersion() int16           { return 6 }
func (*FindCoordinatorRequest) Flexible(version int16) bool { return version >= 3 }
func (*FindCoordinatorRequest) NewResponse() Response       { return new(FindCoordinatorResponse) }

// AppendBody appends the request body.
func (r *FindCoordinatorRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	if version <= 3 {
		dst = AppendString(dst, r.CoordinatorKey, flex)
	}
	dst = AppendInt8(dst, r.KeyType)
	if version >= 4 {
		dst = appendStringArray(dst, r.CoordinatorKeys, flex)
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *FindCoordinatorRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("FindCoordinatorRequest", version, 1, 6); err != nil {
		return err
	}
	*r = FindCoordinatorRequest{}
	rd := Reader{b: b}
	flex := version >= 3
	if version <= 3 {
		r.CoordinatorKey = rd.String(flex)
	}
	r.KeyType = rd.Int8()
	if version >= 4 {
		r.CoordinatorKeys = rd.stringArray(flex)
	}
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("FindCoordinatorRequest", version)
}

// FindCoordinatorResponse is the response to a FindCoordinatorRequest.
// Versions 1 to 3 fill the single-key fields; version 4 and later fill
// Coordinators.
type FindCoordinatorResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16   // v1-v3
	ErrorMessage   *string // v1-v3
	NodeID         int32   // v1-v3
	Host           string  // v1-v3
	Port           int32   // v1-v3
	Coordinators   []FindCoordinatorCoordinator
}

// FindCoordinatorCoordinator is the coordinator of one key (v4+).
type FindCoordinatorCoordinator struct {
	Key          string
	NodeID       int32
	Host         string
	Port         int32
	ErrorCode    int16
	ErrorMessage *string
}

// DecodeBody decodes the response body.
func (resp *FindCoordinatorResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("FindCoordinatorResponse", version, 1, 6); err != nil {
		return err
	}
	*resp = FindCoordinatorResponse{}
	r := Reader{b: b}
	flex := version >= 3
	resp.ThrottleTimeMs = r.Int32()
	if version <= 3 {
		resp.ErrorCode = r.Int16()
		resp.ErrorMessage = r.NullableString(flex)
		resp.NodeID = r.Int32()
		resp.Host = r.String(flex)
		resp.Port = r.Int32()
	} else {
		if n := r.nonNullArrayLen(flex, 14); n > 0 {
			resp.Coordinators = make([]FindCoordinatorCoordinator, n)
		}
		for i := range resp.Coordinators {
			c := &resp.Coordinators[i]
			c.Key = r.String(flex)
			c.NodeID = r.Int32()
			c.Host = r.String(flex)
			c.Port = r.Int32()
			c.ErrorCode = r.Int16()
			c.ErrorMessage = r.NullableString(flex)
			r.SkipTaggedFields()
		}
	}
	if flex {
		r.SkipTaggedFields()
	}
	return r.done("FindCoordinatorResponse", version)
}

// AppendBody appends the response body, as a broker would.
func (resp *FindCoordinatorResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendInt32(dst, resp.ThrottleTimeMs)
	if version <= 3 {
		dst = AppendInt16(dst, resp.ErrorCode)
		dst = AppendNullableString(dst, resp.ErrorMessage, flex)
		dst = AppendInt32(dst, resp.NodeID)
		dst = AppendString(dst, resp.Host, flex)
		dst = AppendInt32(dst, resp.Port)
	} else {
		dst = AppendArrayLen(dst, len(resp.Coordinators), flex)
		for i := range resp.Coordinators {
			c := &resp.Coordinators[i]
			dst = AppendString(dst, c.Key, flex)
			dst = AppendInt32(dst, c.NodeID)
			dst = AppendString(dst, c.Host, flex)
			dst = AppendInt32(dst, c.Port)
			dst = AppendInt16(dst, c.ErrorCode)
			dst = AppendNullableString(dst, c.ErrorMessage, flex)
			dst = AppendTaggedFields(dst)
		}
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}
