package wire

// AddOffsetsToTxnRequest is AddOffsetsToTxn (API key 25), versions 0 to 4.
// Version 3 is the first flexible version. It adds the consumer group's
// offsets partition to the transaction before TxnOffsetCommit.
type AddOffsetsToTxnRequest struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	GroupID         string
}

func (*AddOffsetsToTxnRequest) Key() int16                  { return KeyAddOffsetsToTxn }
func (*AddOffsetsToTxnRequest) MinVersion() int16           { return 0 }
func (*AddOffsetsToTxnRequest) MaxVersion() int16           { return 4 }
func (*AddOffsetsToTxnRequest) Flexible(version int16) bool { return version >= 3 }
func (*AddOffsetsToTxnRequest) NewResponse() Response       { return new(AddOffsetsToTxnResponse) }

// AppendBody appends the request body.
func (r *AddOffsetsToTxnRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendString(dst, r.TransactionalID, flex)
	dst = AppendInt64(dst, r.ProducerID)
	dst = AppendInt16(dst, r.ProducerEpoch)
	dst = AppendString(dst, r.GroupID, flex)
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *AddOffsetsToTxnRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("AddOffsetsToTxnRequest", version, 0, 4); err != nil {
		return err
	}
	*r = AddOffsetsToTxnRequest{}
	rd := Reader{b: b}
	flex := version >= 3
	r.TransactionalID = rd.String(flex)
	r.ProducerID = rd.Int64()
	r.ProducerEpoch = rd.Int16()
	r.GroupID = rd.String(flex)
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("AddOffsetsToTxnRequest", version)
}

// AddOffsetsToTxnResponse is the response to an AddOffsetsToTxnRequest.
type AddOffsetsToTxnResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
}

// DecodeBody decodes the response body.
func (resp *AddOffsetsToTxnResponse) DecodeBody(b []byte, version int16) error {
	return decodeThrottleError("AddOffsetsToTxnResponse", b, version, 4, &resp.ThrottleTimeMs, &resp.ErrorCode)
}

// AppendBody appends the response body, as a broker would.
func (resp *AddOffsetsToTxnResponse) AppendBody(dst []byte, version int16) []byte {
	return appendThrottleError(dst, version, resp.ThrottleTimeMs, resp.ErrorCode)
}
