package wire

// InitProducerIDRequest is InitProducerId (API key 22), versions 0 to 5.
// Version 2 is the first flexible version; 3 adds ProducerID and
// ProducerEpoch, so that a producer can bump its epoch (KIP-360).
//
// Send it to any broker for an idempotent producer, and to the transaction
// coordinator for a transactional one.
type InitProducerIDRequest struct {
	TransactionalID      *string // nil for an idempotent, non-transactional producer
	TransactionTimeoutMs int32
	// ProducerID and ProducerEpoch (v3+) are the current id and epoch, or
	// -1 and -1 to get a new producer id. The zero value is not -1: set
	// them.
	ProducerID    int64
	ProducerEpoch int16
}

func (*InitProducerIDRequest) Key() int16                  { return KeyInitProducerID }
func (*InitProducerIDRequest) MinVersion() int16           { return 0 }
func (*InitProducerIDRequest) MaxVersion() int16           { return 5 }
func (*InitProducerIDRequest) Flexible(version int16) bool { return version >= 2 }
func (*InitProducerIDRequest) NewResponse() Response       { return new(InitProducerIDResponse) }

// AppendBody appends the request body.
func (r *InitProducerIDRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 2
	dst = AppendNullableString(dst, r.TransactionalID, flex)
	dst = AppendInt32(dst, r.TransactionTimeoutMs)
	if version >= 3 {
		dst = AppendInt64(dst, r.ProducerID)
		dst = AppendInt16(dst, r.ProducerEpoch)
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *InitProducerIDRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("InitProducerIdRequest", version, 0, 5); err != nil {
		return err
	}
	*r = InitProducerIDRequest{ProducerID: -1, ProducerEpoch: -1}
	rd := Reader{b: b}
	flex := version >= 2
	r.TransactionalID = rd.NullableString(flex)
	r.TransactionTimeoutMs = rd.Int32()
	if version >= 3 {
		r.ProducerID = rd.Int64()
		r.ProducerEpoch = rd.Int16()
	}
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("InitProducerIdRequest", version)
}

// InitProducerIDResponse is the response to an InitProducerIDRequest.
type InitProducerIDResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ProducerID     int64
	ProducerEpoch  int16
}

// DecodeBody decodes the response body.
func (resp *InitProducerIDResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("InitProducerIdResponse", version, 0, 5); err != nil {
		return err
	}
	*resp = InitProducerIDResponse{}
	return decodeProducerIDBody("InitProducerIdResponse", b, version, version >= 2,
		&resp.ThrottleTimeMs, &resp.ErrorCode, &resp.ProducerID, &resp.ProducerEpoch)
}

// AppendBody appends the response body, as a broker would.
func (resp *InitProducerIDResponse) AppendBody(dst []byte, version int16) []byte {
	return appendProducerIDBody(dst, version >= 2, resp.ThrottleTimeMs, resp.ErrorCode, resp.ProducerID, resp.ProducerEpoch)
}
