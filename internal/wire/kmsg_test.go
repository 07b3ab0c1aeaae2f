package wire_test

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// These tests cross-check the package against franz-go's kmsg, an
// independent implementation generated from Kafka's specs.

// commonVersions returns the versions both we and kmsg implement.
func commonVersions(ours wire.Request, k kmsg.Request) []int16 {
	var vs []int16
	for v := ours.MinVersion(); v <= min(ours.MaxVersion(), k.MaxVersion()); v++ {
		vs = append(vs, v)
	}
	return vs
}

// TestKmsgMetadata checks key, flexibility and version ranges against kmsg.
func TestKmsgMetadata(t *testing.T) {
	for _, a := range apis {
		t.Run(a.name, func(t *testing.T) {
			ours := a.newReq()
			k := toKmsgRequest(ours)
			if ours.Key() != k.Key() {
				t.Fatalf("Key() = %d, kmsg says %d", ours.Key(), k.Key())
			}
			if ours.MaxVersion() > k.MaxVersion() {
				t.Fatalf("MaxVersion() = %d, beyond kmsg's %d", ours.MaxVersion(), k.MaxVersion())
			}
			for v := ours.MinVersion(); v <= ours.MaxVersion(); v++ {
				k.SetVersion(v)
				if ours.Flexible(v) != k.IsFlexible() {
					t.Errorf("v%d: Flexible() = %v, kmsg says %v", v, ours.Flexible(v), k.IsFlexible())
				}
			}
		})
	}
}

// TestKmsgRequestBytes wants our request bytes to equal kmsg's for the same
// content at every version, and kmsg to read our bytes back.
func TestKmsgRequestBytes(t *testing.T) {
	for _, a := range apis {
		for _, v := range commonVersions(a.newReq(), toKmsgRequest(a.newReq())) {
			t.Run(fmt.Sprintf("%sRequest/v%d", a.name, v), func(t *testing.T) {
				for i, r := range a.reqs(v) {
					k := toKmsgRequest(r)
					k.SetVersion(v)
					want := k.AppendTo(nil)
					got := r.AppendBody(nil, v)
					if !bytes.Equal(got, want) {
						t.Fatalf("sample %d:\nours % x\nkmsg % x", i, got, want)
					}
					kr := toKmsgRequest(a.newReq())
					kr.SetVersion(v)
					if err := kr.ReadFrom(got); err != nil {
						t.Fatalf("sample %d: kmsg cannot read our bytes: %v", i, err)
					}
					if again := kr.AppendTo(nil); !bytes.Equal(again, got) {
						t.Fatalf("sample %d: kmsg re-encoded our bytes as\n% x\nwant\n% x", i, again, got)
					}
				}
			})
		}
	}
}

// TestKmsgResponseDecode wants our decoders to read what kmsg encodes,
// tagged fields included, our encoders to write what kmsg writes, and kmsg
// to read what we write.
func TestKmsgResponseDecode(t *testing.T) {
	for _, a := range apis {
		for _, v := range commonVersions(a.newReq(), toKmsgRequest(a.newReq())) {
			t.Run(fmt.Sprintf("%sResponse/v%d", a.name, v), func(t *testing.T) {
				for i, want := range a.resps(v) {
					k := toKmsgResponse(want)
					k.SetVersion(v)
					kb := k.AppendTo(nil)
					got := a.newResp()
					if err := got.DecodeBody(kb, v); err != nil {
						t.Fatalf("sample %d: decoding kmsg bytes: %v\n% x", i, err, kb)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("sample %d: decoded kmsg bytes as\n%#v\nwant\n%#v", i, got, want)
					}
					ours := want.AppendBody(nil, v)
					if !bytes.Equal(ours, kb) {
						t.Fatalf("sample %d:\nours % x\nkmsg % x", i, ours, kb)
					}
					kr := toKmsgResponse(a.newResp())
					kr.SetVersion(v)
					if err := kr.ReadFrom(ours); err != nil {
						t.Fatalf("sample %d: kmsg cannot read our bytes: %v", i, err)
					}
					if again := kr.AppendTo(nil); !bytes.Equal(again, ours) {
						t.Fatalf("sample %d: kmsg re-encoded our bytes as\n% x\nwant\n% x", i, again, ours)
					}
				}
			})
		}
	}
}

// TestKmsgDefaultResponses decodes kmsg's default-valued responses (kmsg's
// Default sets spec defaults such as CurrentLeader {-1, -1}), with one
// element in each array, and wants our encoding to give the same bytes back.
func TestKmsgDefaultResponses(t *testing.T) {
	responses := []kmsg.Response{
		func() kmsg.Response {
			r := kmsg.NewPtrProduceResponse()
			tp := kmsg.NewProduceResponseTopic()
			tp.Topic = "t"
			tp.Partitions = []kmsg.ProduceResponseTopicPartition{kmsg.NewProduceResponseTopicPartition()}
			r.Topics = append(r.Topics, tp)
			return r
		}(),
		func() kmsg.Response {
			r := kmsg.NewPtrMetadataResponse()
			tp := kmsg.NewMetadataResponseTopic()
			tp.Topic = sp("t")
			tp.Partitions = []kmsg.MetadataResponseTopicPartition{kmsg.NewMetadataResponseTopicPartition()}
			r.Topics = append(r.Topics, tp)
			return r
		}(),
		kmsg.NewPtrApiVersionsResponse(),
		func() kmsg.Response {
			r := kmsg.NewPtrCreateTopicsResponse()
			r.Topics = append(r.Topics, kmsg.NewCreateTopicsResponseTopic())
			return r
		}(),
		kmsg.NewPtrInitProducerIDResponse(),
		kmsg.NewPtrFindCoordinatorResponse(),
		kmsg.NewPtrAddPartitionsToTxnResponse(),
		kmsg.NewPtrAddOffsetsToTxnResponse(),
		kmsg.NewPtrEndTxnResponse(),
		kmsg.NewPtrTxnOffsetCommitResponse(),
		kmsg.NewPtrSASLHandshakeResponse(),
		kmsg.NewPtrSASLAuthenticateResponse(),
	}
	for i, k := range responses {
		a := apis[i]
		ours := a.newReq()
		if k.Key() != ours.Key() {
			t.Fatalf("response %d is key %d, apis[%d] is %s", i, k.Key(), i, a.name)
		}
		for _, v := range commonVersions(ours, toKmsgRequest(ours)) {
			k.SetVersion(v)
			kb := k.AppendTo(nil)
			got := a.newResp()
			if err := got.DecodeBody(kb, v); err != nil {
				t.Fatalf("%s v%d: %v", a.name, v, err)
			}
			if again := got.AppendBody(nil, v); !bytes.Equal(again, kb) {
				t.Fatalf("%s v%d: re-encoded\n% x\nwant\n% x", a.name, v, again, kb)
			}
		}
	}
}

// TestKmsgFramedRequest compares AppendRequest (size, header, body) with
// kmsg's RequestFormatter at every version.
func TestKmsgFramedRequest(t *testing.T) {
	for _, clientID := range []string{"kafkawasm", ""} {
		f := kmsg.NewRequestFormatter(kmsg.FormatterClientID(clientID))
		for _, a := range apis {
			for _, v := range commonVersions(a.newReq(), toKmsgRequest(a.newReq())) {
				r := a.reqs(v)[0]
				k := toKmsgRequest(r)
				k.SetVersion(v)
				want := f.AppendRequest(nil, k, 0x01020304)
				prefix := []byte("existing")
				got := wire.AppendRequest(bytes.Clone(prefix), r, v, 0x01020304, clientID)
				if !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want) {
					t.Fatalf("%s v%d client %q:\nours % x\nkmsg % x", a.name, v, clientID, got[len(prefix):], want)
				}
			}
		}
	}
}

// TestKmsgApiVersionsFallback encodes, with kmsg, the v0-shaped
// UNSUPPORTED_VERSION answer a broker sends to a too-new ApiVersions
// request, and decodes it as the version we sent.
func TestKmsgApiVersionsFallback(t *testing.T) {
	tests := []struct {
		name      string
		keys      []kmsg.ApiVersionsResponseApiKey
		sentV     int16
		wantRetry int16
	}{
		{"broker lists ApiVersions 0-2", []kmsg.ApiVersionsResponseApiKey{{ApiKey: 18, MinVersion: 0, MaxVersion: 2}}, 4, 2},
		{"broker lists ApiVersions 0-9", []kmsg.ApiVersionsResponseApiKey{{ApiKey: 3, MaxVersion: 9}, {ApiKey: 18, MaxVersion: 9}}, 3, 4},
		{"pre-KIP-511 broker lists nothing", nil, 4, 0},
		{"v1 request", []kmsg.ApiVersionsResponseApiKey{{ApiKey: 18, MaxVersion: 0}}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := kmsg.NewPtrApiVersionsResponse()
			k.Version = 0
			k.ErrorCode = 35
			k.ApiKeys = tt.keys
			body := k.AppendTo(nil)
			// The frame has response header v0 even for a flexible request.
			frame := append(wire.AppendInt32(nil, 77), body...)
			corr, b, err := wire.ReadResponseHeader(frame, wire.KeyApiVersions, (&wire.ApiVersionsRequest{}).Flexible(tt.sentV))
			if err != nil || corr != 77 {
				t.Fatalf("header: %d, %v", corr, err)
			}
			var resp wire.ApiVersionsResponse
			if err := resp.DecodeBody(b, tt.sentV); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if resp.ErrorCode != 35 || len(resp.ApiKeys) != len(tt.keys) {
				t.Fatalf("decoded %+v", resp)
			}
			if got := resp.RetryVersion(); got != tt.wantRetry {
				t.Fatalf("RetryVersion() = %d, want %d", got, tt.wantRetry)
			}
		})
	}
}
