package wire_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// Fuzz targets: one per response decoder, one for ReadResponseHeader and one
// for all request decoders. Each is seeded with kmsg-encoded samples at
// every version. Run one with, for example:
//
//	go test ./internal/wire -run '^$' -fuzz '^FuzzDecodeProduceResponse$' -fuzztime 10s

// versionFor maps a fuzzed byte onto the versions m implements.
func versionFor(m wire.Request, vb uint8) int16 {
	span := int(m.MaxVersion()-m.MinVersion()) + 1
	return m.MinVersion() + int16(int(vb)%span)
}

func apiByName(name string) api {
	for _, a := range apis {
		if a.name == name {
			return a
		}
	}
	panic("no api " + name)
}

// fuzzResponse runs the decoder of a's response: it must not panic, must
// fail only with a *DecodeError, and what it decodes must encode and decode
// back to the same value.
func fuzzResponse(f *testing.F, name string) {
	a := apiByName(name)
	r := a.newReq()
	for v := r.MinVersion(); v <= r.MaxVersion(); v++ {
		vb := uint8(v - r.MinVersion())
		for _, m := range a.resps(v) {
			k := toKmsgResponse(m)
			k.SetVersion(v)
			f.Add(k.AppendTo(nil), vb)
		}
		k := toKmsgResponse(a.newResp())
		k.SetVersion(v)
		f.Add(k.AppendTo(nil), vb)
	}
	f.Fuzz(func(t *testing.T, b []byte, vb uint8) {
		v := versionFor(r, vb)
		got := a.newResp()
		err := got.DecodeBody(b, v)
		if err != nil {
			var de *wire.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			return
		}
		if av, ok := got.(*wire.ApiVersionsResponse); ok && av.ErrorCode == 35 {
			return // decoded as the v0 fallback shape, not as v
		}
		enc := got.AppendBody(nil, v)
		again := a.newResp()
		if err := again.DecodeBody(enc, v); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("re-decoded\n%#v\nfirst decoded\n%#v", again, got)
		}
	})
}

func FuzzDecodeProduceResponse(f *testing.F)         { fuzzResponse(f, "Produce") }
func FuzzDecodeMetadataResponse(f *testing.F)        { fuzzResponse(f, "Metadata") }
func FuzzDecodeApiVersionsResponse(f *testing.F)     { fuzzResponse(f, "ApiVersions") }
func FuzzDecodeCreateTopicsResponse(f *testing.F)    { fuzzResponse(f, "CreateTopics") }
func FuzzDecodeInitProducerIDResponse(f *testing.F)  { fuzzResponse(f, "InitProducerId") }
func FuzzDecodeFindCoordinatorResponse(f *testing.F) { fuzzResponse(f, "FindCoordinator") }
func FuzzDecodeAddPartitionsToTxnResponse(f *testing.F) {
	fuzzResponse(f, "AddPartitionsToTxn")
}
func FuzzDecodeAddOffsetsToTxnResponse(f *testing.F)  { fuzzResponse(f, "AddOffsetsToTxn") }
func FuzzDecodeEndTxnResponse(f *testing.F)           { fuzzResponse(f, "EndTxn") }
func FuzzDecodeTxnOffsetCommitResponse(f *testing.F)  { fuzzResponse(f, "TxnOffsetCommit") }
func FuzzDecodeSaslHandshakeResponse(f *testing.F)    { fuzzResponse(f, "SaslHandshake") }
func FuzzDecodeSaslAuthenticateResponse(f *testing.F) { fuzzResponse(f, "SaslAuthenticate") }

// FuzzDecodeRequest runs every request decoder (the broker side, used by
// tests and fake brokers) on the same input.
func FuzzDecodeRequest(f *testing.F) {
	for i, a := range apis {
		r := a.newReq()
		for v := r.MinVersion(); v <= r.MaxVersion(); v++ {
			for _, m := range a.reqs(v) {
				k := toKmsgRequest(m)
				k.SetVersion(v)
				f.Add(k.AppendTo(nil), uint8(i), uint8(v-r.MinVersion()))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, which, vb uint8) {
		a := apis[int(which)%len(apis)]
		got := a.newReq()
		v := versionFor(got, vb)
		if err := got.DecodeBody(b, v); err != nil {
			var de *wire.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			return
		}
		enc := got.AppendBody(nil, v)
		again := a.newReq()
		if err := again.DecodeBody(enc, v); err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("re-decoded\n%#v\nfirst decoded\n%#v", again, got)
		}
	})
}

// FuzzReadResponseHeader checks that ReadResponseHeader never panics and
// that a body it returns is the tail of the frame.
func FuzzReadResponseHeader(f *testing.F) {
	for _, a := range apis {
		r := a.newReq()
		for _, v := range []int16{r.MinVersion(), r.MaxVersion()} {
			k := toKmsgResponse(a.resps(v)[0])
			k.SetVersion(v)
			body := k.AppendTo(nil)
			hdr := []byte{0, 0, 0, 9}
			if wire.ResponseHeaderFlexible(r.Key(), r.Flexible(v)) {
				hdr = append(hdr, 0)
			}
			f.Add(append(hdr, body...), r.Key(), r.Flexible(v))
		}
	}
	f.Add([]byte{0, 0, 0, 1, 2, 0, 1, 0xaa, 1, 0}, wire.KeyProduce, true)
	f.Fuzz(func(t *testing.T, frame []byte, key int16, flexible bool) {
		_, body, err := wire.ReadResponseHeader(frame, key, flexible)
		if err != nil {
			var de *wire.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError: %v", err, err)
			}
			return
		}
		if !bytes.HasSuffix(frame, body) || len(body) > len(frame)-4 {
			t.Fatalf("body % x is not the tail of frame % x", body, frame)
		}
	})
}
