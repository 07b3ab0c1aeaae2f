package wire

// SaslHandshakeRequest is SaslHandshake (API key 17), versions 0 and 1,
// never flexible. After a v1 handshake the SASL tokens travel in
// SaslAuthenticate requests; after v0 they travel as raw size-prefixed
// frames, which this package does not frame.
type SaslHandshakeRequest struct {
	Mechanism string // e.g. "PLAIN", "SCRAM-SHA-256"
}

func (*SaslHandshakeRequest) Key() int16               { return KeySaslHandshake }
func (*SaslHandshakeRequest) MinVersion() int16        { return 0 }
func (*SaslHandshakeRequest) MaxVersion() int16        { return 1 }
func (*SaslHandshakeRequest) Flexible(_ int16) bool    { return false }
func (*SaslHandshakeRequest) NewResponse() Response    { return new(SaslHandshakeResponse) }
func (*SaslAuthenticateRequest) NewResponse() Response { return new(SaslAuthenticateResponse) }

// AppendBody appends the request body.
func (r *SaslHandshakeRequest) AppendBody(dst []byte, _ int16) []byte {
	return AppendString(dst, r.Mechanism, false)
}

// DecodeBody decodes a request body, as a broker would.
func (r *SaslHandshakeRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("SaslHandshakeRequest", version, 0, 1); err != nil {
		return err
	}
	rd := Reader{b: b}
	r.Mechanism = rd.String(false)
	return rd.done("SaslHandshakeRequest", version)
}

// SaslHandshakeResponse is the response to a SaslHandshakeRequest.
type SaslHandshakeResponse struct {
	ErrorCode  int16
	Mechanisms []string // the mechanisms the broker enables
}

// DecodeBody decodes the response body.
func (resp *SaslHandshakeResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("SaslHandshakeResponse", version, 0, 1); err != nil {
		return err
	}
	r := Reader{b: b}
	resp.ErrorCode = r.Int16()
	resp.Mechanisms = r.stringArray(false)
	return r.done("SaslHandshakeResponse", version)
}

// AppendBody appends the response body, as a broker would.
func (resp *SaslHandshakeResponse) AppendBody(dst []byte, _ int16) []byte {
	dst = AppendInt16(dst, resp.ErrorCode)
	return appendStringArray(dst, resp.Mechanisms, false)
}

// SaslAuthenticateRequest is SaslAuthenticate (API key 36), versions 0 to 2.
// Version 1 adds SessionLifetimeMs to the response (KIP-368), 2 is the first
// flexible version.
type SaslAuthenticateRequest struct {
	AuthBytes []byte // the mechanism's client token
}

func (*SaslAuthenticateRequest) Key() int16                  { return KeySaslAuthenticate }
func (*SaslAuthenticateRequest) MinVersion() int16           { return 0 }
func (*SaslAuthenticateRequest) MaxVersion() int16           { return 2 }
func (*SaslAuthenticateRequest) Flexible(version int16) bool { return version >= 2 }

// AppendBody appends the request body. A nil AuthBytes is sent as empty,
// since the field is not nullable.
func (r *SaslAuthenticateRequest) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 2
	auth := r.AuthBytes
	if auth == nil {
		auth = []byte{}
	}
	dst = AppendBytes(dst, auth, flex)
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *SaslAuthenticateRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("SaslAuthenticateRequest", version, 0, 2); err != nil {
		return err
	}
	rd := Reader{b: b}
	flex := version >= 2
	r.AuthBytes = readNonNullBytes(&rd, flex)
	if flex {
		rd.SkipTaggedFields()
	}
	return rd.done("SaslAuthenticateRequest", version)
}

// SaslAuthenticateResponse is the response to a SaslAuthenticateRequest.
type SaslAuthenticateResponse struct {
	ErrorCode    int16
	ErrorMessage *string
	AuthBytes    []byte // the mechanism's server token
	// SessionLifetimeMs (v1+) is how long the session lasts before the
	// client must re-authenticate; 0 for no limit.
	SessionLifetimeMs int64
}

// DecodeBody decodes the response body. AuthBytes is a copy, never nil.
func (resp *SaslAuthenticateResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("SaslAuthenticateResponse", version, 0, 2); err != nil {
		return err
	}
	*resp = SaslAuthenticateResponse{}
	r := Reader{b: b}
	flex := version >= 2
	resp.ErrorCode = r.Int16()
	resp.ErrorMessage = r.NullableString(flex)
	resp.AuthBytes = readNonNullBytes(&r, flex)
	if version >= 1 {
		resp.SessionLifetimeMs = r.Int64()
	}
	if flex {
		r.SkipTaggedFields()
	}
	return r.done("SaslAuthenticateResponse", version)
}

// AppendBody appends the response body, as a broker would.
func (resp *SaslAuthenticateResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 2
	dst = AppendInt16(dst, resp.ErrorCode)
	dst = AppendNullableString(dst, resp.ErrorMessage, flex)
	auth := resp.AuthBytes
	if auth == nil {
		auth = []byte{}
	}
	dst = AppendBytes(dst, auth, flex)
	if version >= 1 {
		dst = AppendInt64(dst, resp.SessionLifetimeMs)
	}
	if flex {
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// readNonNullBytes reads a non-nullable byte string and copies it.
func readNonNullBytes(r *Reader, flex bool) []byte {
	n := r.length(flex, false, 1, "bytes length")
	if n < 0 {
		r.fail("bytes", ErrUnexpectedNull)
		return nil
	}
	b := r.take(n, "bytes")
	if r.err != nil {
		return nil
	}
	return append([]byte{}, b...)
}
