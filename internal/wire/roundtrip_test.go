package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// TestRoundTrip encodes every sample request and response at every version
// we implement, decodes it, and wants the sample back, byte for byte when
// encoded again.
func TestRoundTrip(t *testing.T) {
	for _, a := range apis {
		r := a.newReq()
		for v := r.MinVersion(); v <= r.MaxVersion(); v++ {
			t.Run(fmt.Sprintf("%sRequest/v%d", a.name, v), func(t *testing.T) {
				for i, want := range a.reqs(v) {
					b := want.AppendBody(nil, v)
					got := a.newReq()
					if err := got.DecodeBody(b, v); err != nil {
						t.Fatalf("sample %d: decode: %v\n% x", i, err, b)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("sample %d: decoded\n%#v\nwant\n%#v", i, got, want)
					}
					if again := got.AppendBody(nil, v); !bytes.Equal(again, b) {
						t.Fatalf("sample %d: re-encoded\n% x\nwant\n% x", i, again, b)
					}
				}
			})
			t.Run(fmt.Sprintf("%sResponse/v%d", a.name, v), func(t *testing.T) {
				for i, want := range a.resps(v) {
					b := want.AppendBody(nil, v)
					got := a.newResp()
					if err := got.DecodeBody(b, v); err != nil {
						t.Fatalf("sample %d: decode: %v\n% x", i, err, b)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("sample %d: decoded\n%#v\nwant\n%#v", i, got, want)
					}
					if again := got.AppendBody(nil, v); !bytes.Equal(again, b) {
						t.Fatalf("sample %d: re-encoded\n% x\nwant\n% x", i, again, b)
					}
				}
			})
		}
	}
}

// TestZeroValueRoundTrip encodes the zero value of every message at every
// version: it must decode, and encode again to the same bytes.
func TestZeroValueRoundTrip(t *testing.T) {
	for _, a := range apis {
		r := a.newReq()
		for v := r.MinVersion(); v <= r.MaxVersion(); v++ {
			t.Run(fmt.Sprintf("%s/v%d", a.name, v), func(t *testing.T) {
				msgs := []interface {
					AppendBody([]byte, int16) []byte
					DecodeBody([]byte, int16) error
				}{a.newReq(), a.newResp()}
				for _, m := range msgs {
					b := m.AppendBody(nil, v)
					if err := m.DecodeBody(b, v); err != nil {
						t.Fatalf("%T: %v", m, err)
					}
					if again := m.AppendBody(nil, v); !bytes.Equal(again, b) {
						t.Fatalf("%T: re-encoded % x, want % x", m, again, b)
					}
				}
			})
		}
	}
}

// TestDecodeTruncated cuts every encoded sample short at every length: the
// decoder must fail with io.ErrUnexpectedEOF, or with another decode error
// (never succeed, never panic). Appending a byte must fail with
// ErrTrailingBytes.
func TestDecodeTruncated(t *testing.T) {
	for _, a := range apis {
		r := a.newReq()
		for v := r.MinVersion(); v <= r.MaxVersion(); v++ {
			t.Run(fmt.Sprintf("%s/v%d", a.name, v), func(t *testing.T) {
				var encoded [][]byte
				var decoders []func([]byte) error
				for _, m := range a.reqs(v) {
					encoded = append(encoded, m.AppendBody(nil, v))
					decoders = append(decoders, func(b []byte) error { return a.newReq().DecodeBody(b, v) })
				}
				for _, m := range a.resps(v) {
					encoded = append(encoded, m.AppendBody(nil, v))
					decoders = append(decoders, func(b []byte) error { return a.newResp().DecodeBody(b, v) })
				}
				for i, b := range encoded {
					for n := 0; n < len(b); n++ {
						err := decoders[i](b[:n:n])
						var de *wire.DecodeError
						if !errors.As(err, &de) {
							t.Fatalf("sample %d cut at %d of %d: err = %v, want a *DecodeError", i, n, len(b), err)
						}
					}
					err := decoders[i](append(bytes.Clone(b), 0))
					if !errors.Is(err, wire.ErrTrailingBytes) {
						t.Fatalf("sample %d with a trailing byte: err = %v, want ErrTrailingBytes", i, err)
					}
				}
			})
		}
	}
}

// TestDecodeUnsupportedVersion asks every decoder for versions just outside
// its range.
func TestDecodeUnsupportedVersion(t *testing.T) {
	for _, a := range apis {
		r := a.newReq()
		for _, v := range []int16{r.MinVersion() - 1, r.MaxVersion() + 1, -1} {
			if v >= r.MinVersion() && v <= r.MaxVersion() {
				continue
			}
			if err := a.newReq().DecodeBody(nil, v); !errors.Is(err, wire.ErrUnsupportedVersion) {
				t.Errorf("%sRequest v%d: err = %v, want ErrUnsupportedVersion", a.name, v, err)
			}
			if err := a.newResp().DecodeBody(nil, v); !errors.Is(err, wire.ErrUnsupportedVersion) {
				t.Errorf("%sResponse v%d: err = %v, want ErrUnsupportedVersion", a.name, v, err)
			}
		}
	}
}

// TestDecodeDoesNotAlias checks that a decoded response keeps no reference
// to the input buffer.
func TestDecodeDoesNotAlias(t *testing.T) {
	for _, a := range apis {
		r := a.newReq()
		v := r.MaxVersion()
		for i, want := range a.resps(v) {
			b := want.AppendBody(nil, v)
			got := a.newResp()
			if err := got.DecodeBody(b, v); err != nil {
				t.Fatal(err)
			}
			for j := range b {
				b[j] = 0xee
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%sResponse sample %d changed when its input was overwritten", a.name, i)
			}
		}
	}
}
