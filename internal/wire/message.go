package wire

import (
	"encoding/binary"
	"errors"
	"io"
)

// API keys of the messages in this package.
const (
	KeyProduce            int16 = 0
	KeyMetadata           int16 = 3
	KeyFindCoordinator    int16 = 10
	KeySaslHandshake      int16 = 17
	KeyApiVersions        int16 = 18
	KeyCreateTopics       int16 = 19
	KeyInitProducerID     int16 = 22
	KeyAddPartitionsToTxn int16 = 24
	KeyAddOffsetsToTxn    int16 = 25
	KeyEndTxn             int16 = 26
	KeyTxnOffsetCommit    int16 = 28
	KeySaslAuthenticate   int16 = 36
)

// errCodeUnsupportedVersion is Kafka's UNSUPPORTED_VERSION error code. The
// kafka package owns error codes; this package needs this one to decode the
// ApiVersions fallback response.
const errCodeUnsupportedVersion int16 = 35

// Request is a Kafka request body. Every request type of this package is a
// pointer to a struct that implements Request (and also has a DecodeBody
// method, for tests and fake brokers). Requests are plain data: not
// goroutine-safe to mutate, safe to encode from several goroutines at once
// when nobody mutates them.
type Request interface {
	// Key returns the API key.
	Key() int16
	// MinVersion returns the lowest version this package implements.
	MinVersion() int16
	// MaxVersion returns the highest version this package implements.
	MaxVersion() int16
	// Flexible reports whether version uses the flexible (KIP-482) encoding,
	// which also selects request header v2 and response header v1.
	Flexible(version int16) bool
	// AppendBody appends the body (no header) encoded at version, which must
	// be within [MinVersion, MaxVersion]; other versions give bytes no
	// broker expects.
	AppendBody(dst []byte, version int16) []byte
	// NewResponse returns an empty response of the matching type.
	NewResponse() Response
}

// Response is a Kafka response body. Every response type of this package is
// a pointer to a struct that implements Response (and also has an
// AppendBody method, for tests and fake brokers).
type Response interface {
	// DecodeBody replaces the response with the body b decoded at version.
	// Fields that version does not carry get their spec default (for
	// example -1 for a leader epoch). The decoded response does not alias b.
	// The error is a *DecodeError; trailing bytes are an error.
	DecodeBody(b []byte, version int16) error
}

// AppendRequest appends a complete framed request to dst: a 4-byte size,
// the request header (v1, or v2 when r.Flexible(version); ClientId is a
// classic int16-length string in both), and the body. It allocates nothing
// when dst has room.
func AppendRequest(dst []byte, r Request, version int16, correlationID int32, clientID string) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendInt16(dst, r.Key())
	dst = AppendInt16(dst, version)
	dst = AppendInt32(dst, correlationID)
	dst = AppendString(dst, clientID, false)
	flexible := r.Flexible(version)
	if flexible {
		dst = AppendTaggedFields(dst)
	}
	dst = r.AppendBody(dst, version)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// ResponseHeaderFlexible reports whether the response to a request with API
// key key sent as a flexible version carries response header v1 (with a
// tagged-field section). It is false for ApiVersions, whose response header
// is always v0 (KIP-511).
func ResponseHeaderFlexible(key int16, flexible bool) bool {
	return flexible && key != KeyApiVersions
}

// ReadResponseHeader splits a response frame (its 4-byte size prefix already
// removed) into the correlation id and the body. flexible is the request's
// Flexible(version): it selects response header v1, which ends with a
// tagged-field section, except for ApiVersions, always v0. body aliases
// frame.
func ReadResponseHeader(frame []byte, key int16, flexible bool) (correlationID int32, body []byte, err error) {
	r := Reader{b: frame}
	correlationID = r.Int32()
	if ResponseHeaderFlexible(key, flexible) {
		r.SkipTaggedFields()
	}
	if r.err != nil {
		var de *DecodeError
		if errors.As(r.err, &de) {
			de.Message = "ResponseHeader"
			de.Version = 0
			if ResponseHeaderFlexible(key, flexible) {
				de.Version = 1
			}
		}
		return 0, nil, r.err
	}
	return correlationID, frame[r.off:], nil
}

// ReadSize reads the 4-byte size prefix of a frame. It returns
// io.ErrUnexpectedEOF when b is shorter than 4 bytes and ErrInvalidLength
// when the size is negative.
func ReadSize(b []byte) (int32, error) {
	if len(b) < 4 {
		return 0, io.ErrUnexpectedEOF
	}
	n := int32(binary.BigEndian.Uint32(b))
	if n < 0 {
		return 0, ErrInvalidLength
	}
	return n, nil
}

// VersionRange is an inclusive range of API versions.
type VersionRange struct{ Min, Max int16 }

// Negotiate returns the highest version that both ours implements and the
// broker supports, per the broker's ApiVersions (see
// ApiVersionsResponse.Versions). It returns false when the broker does not
// know the API or the ranges do not overlap.
func Negotiate(ours Request, broker map[int16]VersionRange) (int16, bool) {
	return NegotiateMax(ours, broker, ours.MaxVersion())
}

// NegotiateMax is Negotiate with our side capped at limit, for a caller that
// must not use the newest versions (for example a transactional producer
// without transactions V2 caps Produce at 11).
func NegotiateMax(ours Request, broker map[int16]VersionRange, limit int16) (int16, bool) {
	b, ok := broker[ours.Key()]
	if !ok {
		return 0, false
	}
	hi := min(ours.MaxVersion(), b.Max, limit)
	lo := max(ours.MinVersion(), b.Min)
	if hi < lo {
		return 0, false
	}
	return hi, true
}
