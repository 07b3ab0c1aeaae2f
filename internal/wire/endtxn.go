package wire

// EndTxnRequest is EndTxn (API key 26), versions 0 to 4. Version 3 is the
// first flexible version. Version 5 (transactions V2, KIP-890 part 2: the
// coordinator bumps the epoch on every EndTxn and returns it) is not
// implemented, so Negotiate never picks it.
type EndTxnRequest struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	Committed       bool // true to commit, false to abort
}

func (*EndTxnRequest) Key() int16                  { return KeyEndTxn }
func (*EndTxnRequest) MinVersion() int16           { return 0 }
func (*EndTxnRequest) MaxVersion() int16           { return 4 }
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
	if err := checkVersion("EndTxnRequest", version, 0, 4); err != nil {
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
}

// DecodeBody decodes the response body.
func (resp *EndTxnResponse) DecodeBody(b []byte, version int16) error {
	return decodeThrottleError("EndTxnResponse", b, version, 4, &resp.ThrottleTimeMs, &resp.ErrorCode)
}

// AppendBody appends the response body, as a broker would.
func (resp *EndTxnResponse) AppendBody(dst []byte, version int16) []byte {
	return appendThrottleError(dst, version, resp.ThrottleTimeMs, resp.ErrorCode)
}
