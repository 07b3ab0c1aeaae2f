package wire

// EndTxnRequest is EndTxn (API key 26), versions 0 to 5. Version 3 is the
// first flexible version. Version 5 is transactions V2 (KIP-890 part 2): the
// coordinator bumps the producer epoch on every EndTxn and returns the new
// producer id and epoch in the response; a client sends it only when the
// cluster's transaction.version feature is 2 or more.
type EndTxnRequest struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	Committed       bool // true to commit, false to abort
}

func (*EndTxnRequest) Key() int16                  { return KeyEndTxn }
func (*EndTxnRequest) MinVersion() int16           { return 0 }
func (*EndTxnRequest) MaxVersion() int16           { return 5 }
func (*EndTxnRequest) Flexible(version int16) bool { return version >= 3 }
func (*EndTxnRequest) NewResponse() Response       { return new(EndTxnResponse) }

// AppendBody appends the request body.
func (r *EndTxnRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendString(dst, r.TransactionalID, flex)
	dst = AppendInt64(dst, r.ProducerID)
	dst = AppendInt16(dst, r.ProducerEpoch)
	dst = AppendBool(dst, r.Committed)
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *EndTxnRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("EndTxnRequest", version, 0, 5); err != nil {
		return err
	}
	*r = EndTxnRequest{}
	rd := Reader{b: b}
	flex := version >= 3
	r.TransactionalID = rd.String(flex)
	r.ProducerID = rd.Int64()
	r.ProducerEpoch = rd.Int16()
	r.Committed = rd.Bool()
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("EndTxnRequest", version)
}

// EndTxnResponse is the response to an EndTxnRequest.
type EndTxnResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ProducerID     int64 // v5+: the producer id for the next transaction; -1 before v5
	ProducerEpoch  int16 // v5+: the (bumped) epoch for the next transaction; -1 before v5
}

// DecodeBody decodes the response body.
func (resp *EndTxnResponse) DecodeBody(b []byte, version int16) error {
	if version < 5 {
		resp.ProducerID, resp.ProducerEpoch = -1, -1
		return decodeThrottleError("EndTxnResponse", b, version, 4, &resp.ThrottleTimeMs, &resp.ErrorCode)
	}
	if err := checkVersion("EndTxnResponse", version, 0, 5); err != nil {
		return err
	}
	return decodeProducerIDBody("EndTxnResponse", b, version, true,
		&resp.ThrottleTimeMs, &resp.ErrorCode, &resp.ProducerID, &resp.ProducerEpoch)
}

// AppendBody appends the response body, as a broker would.
func (resp *EndTxnResponse) AppendBody(dst []byte, version int16) []byte {
	if version < 5 {
		return appendThrottleError(dst, version, resp.ThrottleTimeMs, resp.ErrorCode)
	}
	return appendProducerIDBody(dst, true, resp.ThrottleTimeMs, resp.ErrorCode, resp.ProducerID, resp.ProducerEpoch)
}
