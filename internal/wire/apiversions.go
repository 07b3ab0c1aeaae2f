package wire

import "encoding/binary"

// apiVersionsMax is the highest ApiVersions version implemented.
const apiVersionsMax = 4

// ApiVersionsRequest is ApiVersions (API key 18), versions 0 to 4. Version 3
// is the first flexible one; its request header is v2 but the response header
// stays v0 (ReadResponseHeader handles that).
//
// A broker that does not support the version sent answers UNSUPPORTED_VERSION
// (35) with a v0-shaped body and, since KIP-511, lists its own ApiVersions
// range in ApiKeys. ApiVersionsResponse.DecodeBody detects that body, so the
// caller checks ErrorCode == 35 and sends the request again at
// ApiVersionsResponse.RetryVersion.
type ApiVersionsRequest struct {
	// ClientSoftwareName and ClientSoftwareVersion (v3+) identify the
	// client. Brokers reject values that do not match
	// [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? with INVALID_REQUEST.
	ClientSoftwareName    string
	ClientSoftwareVersion string
}

func (*ApiVersionsRequest) Key() int16                  { return KeyApiVersions }
func (*ApiVersionsRequest) MinVersion() int16           { return 0 }
func (*ApiVersionsRequest) MaxVersion() int16           { return apiVersionsMax }
func (*ApiVersionsRequest) Flexible(version int16) bool { return version >= 3 }
func (*ApiVersionsRequest) NewResponse() Response       { return new(ApiVersionsResponse) }

// AppendBody appends the request body.
func (r *ApiVersionsRequest) AppendBody(dst []byte, version int16) []byte {
	if version >= 3 {
		dst = AppendString(dst, r.ClientSoftwareName, true)
		dst = AppendString(dst, r.ClientSoftwareVersion, true)
		dst = AppendTaggedFields(dst)
	}
	return dst
}

// DecodeBody decodes a request body, as a broker would.
func (r *ApiVersionsRequest) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("ApiVersionsRequest", version, 0, 4); err != nil {
		return err
	}
	*r = ApiVersionsRequest{}
	rd := Reader{b: b}
	if version >= 3 {
		r.ClientSoftwareName = rd.String(true)
		r.ClientSoftwareVersion = rd.String(true)
		rd.SkipTaggedFields()
	}
	return rd.done("ApiVersionsRequest", version)
}

// ApiVersionsResponse is the response to an ApiVersionsRequest.
type ApiVersionsResponse struct {
	ErrorCode      int16
	ApiKeys        []ApiVersionsKey
	ThrottleTimeMs int32 // v1+
	// The tagged fields below are v3+.
	SupportedFeatures      []ApiVersionsFeature
	FinalizedFeaturesEpoch int64 // -1 when unknown
	FinalizedFeatures      []ApiVersionsFinalizedFeature
	ZkMigrationReady       bool
}

// ApiVersionsKey is the version range a broker supports for one API.
type ApiVersionsKey struct {
	ApiKey     int16
	MinVersion int16
	MaxVersion int16
}

// ApiVersionsFeature is a feature the broker supports (v3+).
type ApiVersionsFeature struct {
	Name       string
	MinVersion int16
	MaxVersion int16
}

// ApiVersionsFinalizedFeature is a cluster-wide finalized feature level
// (v3+), for example "transaction.version".
type ApiVersionsFinalizedFeature struct {
	Name            string
	MaxVersionLevel int16
	MinVersionLevel int16
}

// Versions returns the broker's version ranges keyed by API key, for
// Negotiate.
func (resp *ApiVersionsResponse) Versions() map[int16]VersionRange {
	m := make(map[int16]VersionRange, len(resp.ApiKeys))
	for _, k := range resp.ApiKeys {
		m[k.ApiKey] = VersionRange{Min: k.MinVersion, Max: k.MaxVersion}
	}
	return m
}

// RetryVersion returns the version to send ApiVersions at again after the
// broker answered UNSUPPORTED_VERSION: the broker's highest ApiVersions
// version when it listed one (KIP-511), capped at ours, and otherwise 0.
func (resp *ApiVersionsResponse) RetryVersion() int16 {
	for _, k := range resp.ApiKeys {
		if k.ApiKey == KeyApiVersions && k.MaxVersion >= 0 {
			return min(k.MaxVersion, apiVersionsMax)
		}
	}
	return 0
}

// FinalizedMaxLevel returns the finalized max version level of the feature
// name, and whether the broker reported it.
func (resp *ApiVersionsResponse) FinalizedMaxLevel(name string) (int16, bool) {
	for _, f := range resp.FinalizedFeatures {
		if f.Name == name {
			return f.MaxVersionLevel, true
		}
	}
	return 0, false
}

// DecodeBody decodes the response body. When version > 0 and the body
// starts with error code UNSUPPORTED_VERSION, it is decoded as v0, the shape
// brokers use for that error whatever the request version; ErrorCode then
// reads 35 and RetryVersion tells which version to retry with.
func (resp *ApiVersionsResponse) DecodeBody(b []byte, version int16) error {
	if err := checkVersion("ApiVersionsResponse", version, 0, 4); err != nil {
		return err
	}
	if version > 0 && len(b) >= 2 && int16(binary.BigEndian.Uint16(b)) == errCodeUnsupportedVersion {
		if resp.decode(b, 0) == nil {
			return nil
		}
	}
	return resp.decode(b, version)
}

func (resp *ApiVersionsResponse) decode(b []byte, version int16) error {
	*resp = ApiVersionsResponse{FinalizedFeaturesEpoch: -1}
	r := Reader{b: b}
	flex := version >= 3
	resp.ErrorCode = r.Int16()
	if n := r.nonNullArrayLen(flex, 6); n > 0 {
		resp.ApiKeys = make([]ApiVersionsKey, n)
	}
	for i := range resp.ApiKeys {
		k := &resp.ApiKeys[i]
		k.ApiKey = r.Int16()
		k.MinVersion = r.Int16()
		k.MaxVersion = r.Int16()
		if flex {
			r.SkipTaggedFields()
		}
	}
	if version >= 1 {
		resp.ThrottleTimeMs = r.Int32()
	}
	if flex {
		for n := r.tagCount(); n > 0 && r.err == nil; n-- {
			tag, sub := r.tag()
			switch tag {
			case 0:
				if n := sub.nonNullArrayLen(true, 6); n > 0 {
					resp.SupportedFeatures = make([]ApiVersionsFeature, n)
				}
				for i := range resp.SupportedFeatures {
					f := &resp.SupportedFeatures[i]
					f.Name = sub.String(true)
					f.MinVersion = sub.Int16()
					f.MaxVersion = sub.Int16()
					sub.SkipTaggedFields()
				}
				r.endTag(&sub)
			case 1:
				resp.FinalizedFeaturesEpoch = sub.Int64()
				r.endTag(&sub)
			case 2:
				if n := sub.nonNullArrayLen(true, 6); n > 0 {
					resp.FinalizedFeatures = make([]ApiVersionsFinalizedFeature, n)
				}
				for i := range resp.FinalizedFeatures {
					f := &resp.FinalizedFeatures[i]
					f.Name = sub.String(true)
					f.MaxVersionLevel = sub.Int16()
					f.MinVersionLevel = sub.Int16()
					sub.SkipTaggedFields()
				}
				r.endTag(&sub)
			case 3:
				resp.ZkMigrationReady = sub.Bool()
				r.endTag(&sub)
			}
		}
	}
	return r.done("ApiVersionsResponse", version)
}

// AppendBody appends the response body, as a broker would. Tagged fields
// are written when they differ from their defaults.
func (resp *ApiVersionsResponse) AppendBody(dst []byte, version int16) []byte {
	flex := version >= 3
	dst = AppendInt16(dst, resp.ErrorCode)
	dst = AppendArrayLen(dst, len(resp.ApiKeys), flex)
	for _, k := range resp.ApiKeys {
		dst = AppendInt16(dst, k.ApiKey)
		dst = AppendInt16(dst, k.MinVersion)
		dst = AppendInt16(dst, k.MaxVersion)
		if flex {
			dst = AppendTaggedFields(dst)
		}
	}
	if version >= 1 {
		dst = AppendInt32(dst, resp.ThrottleTimeMs)
	}
	if !flex {
		return dst
	}
	n := 0
	if len(resp.SupportedFeatures) > 0 {
		n++
	}
	if resp.FinalizedFeaturesEpoch != -1 {
		n++
	}
	if len(resp.FinalizedFeatures) > 0 {
		n++
	}
	if resp.ZkMigrationReady {
		n++
	}
	dst = AppendUvarint(dst, uint32(n))
	if len(resp.SupportedFeatures) > 0 {
		dst = appendSized(dst, 0, func(dst []byte) []byte {
			dst = AppendArrayLen(dst, len(resp.SupportedFeatures), true)
			for _, f := range resp.SupportedFeatures {
				dst = AppendString(dst, f.Name, true)
				dst = AppendInt16(dst, f.MinVersion)
				dst = AppendInt16(dst, f.MaxVersion)
				dst = AppendTaggedFields(dst)
			}
			return dst
		})
	}
	if resp.FinalizedFeaturesEpoch != -1 {
		dst = appendTag(dst, 1, 8)
		dst = AppendInt64(dst, resp.FinalizedFeaturesEpoch)
	}
	if len(resp.FinalizedFeatures) > 0 {
		dst = appendSized(dst, 2, func(dst []byte) []byte {
			dst = AppendArrayLen(dst, len(resp.FinalizedFeatures), true)
			for _, f := range resp.FinalizedFeatures {
				dst = AppendString(dst, f.Name, true)
				dst = AppendInt16(dst, f.MaxVersionLevel)
				dst = AppendInt16(dst, f.MinVersionLevel)
				dst = AppendTaggedFields(dst)
			}
			return dst
		})
	}
	if resp.ZkMigrationReady {
		dst = appendTag(dst, 3, 1)
		dst = AppendBool(dst, true)
	}
	return dst
}
