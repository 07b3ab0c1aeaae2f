package runtime_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

func TestEnricher(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "enricher", Kind: runtime.KindEnricher, Config: map[string]any{"host": "web-1"}})
	orig := make([]kafka.Header, 1, 2)
	orig[0] = kafka.Header{Key: "own", Value: []byte("1")}
	msgs := []kafka.Message{
		{Key: []byte("k1"), Headers: orig[:1:2]}, // spare capacity must not be written
		{Key: nil},
		{Key: []byte("bad")},
	}
	errs := make([]error, len(msgs))
	p.Interceptor().Intercept("t", msgs, errs)
	want := []kafka.Header{{Key: "own", Value: []byte("1")}, {Key: "x-wasm", Value: []byte("1")},
		{Key: "x-key", Value: []byte("k1")}, {Key: "x-host", Value: []byte(`"web-1"`)}}
	if errs[0] != nil || !headersEqual(msgs[0].Headers, want) {
		t.Fatalf("record 0: %v %q", errs[0], msgs[0].Headers)
	}
	if got := orig[:2]; got[1].Key != "" {
		t.Fatalf("caller's header array was written: %q", got)
	}
	if errs[1] != nil || len(msgs[1].Headers) != 3 || msgs[1].Headers[1].Value != nil {
		t.Fatalf("record 1: %v %q", errs[1], msgs[1].Headers)
	}
	if !errors.Is(errs[2], runtime.ErrRecordRejected) || msgs[2].Headers != nil {
		t.Fatalf("record 2: %v", errs[2])
	}
}

func TestEnricherWithoutConfig(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "enricher", Kind: runtime.KindEnricher})
	msgs := records("a")
	errs := make([]error, 1)
	p.Interceptor().Intercept("t", msgs, errs)
	if errs[0] != nil || len(msgs[0].Headers) != 3 || msgs[0].Headers[2].Value != nil {
		t.Fatalf("%v %q", errs[0], msgs[0].Headers)
	}
}

func TestEnricherFallbackSkips(t *testing.T) {
	for _, onErr := range []runtime.OnError{runtime.OnErrorFail, runtime.OnErrorFallback} {
		p := load(t, runtime.PluginConfig{Name: "enricher", Kind: runtime.KindEnricher, OnError: onErr, MaxBatchBytes: 64})
		// A record too big for the plugin's 8 MiB: kw_input cannot allocate
		// its input, and the call fails.
		big := make([]byte, 6<<20)
		msgs := []kafka.Message{{Key: big}}
		errs := make([]error, 1)
		p2 := load(t, runtime.PluginConfig{Name: "enricher", Kind: runtime.KindEnricher, OnError: onErr, MaxMemoryMB: 8})
		p2.Interceptor().Intercept("t", msgs, errs)
		if onErr == runtime.OnErrorFallback {
			if errs[0] != nil || msgs[0].Headers != nil {
				t.Fatalf("fallback: %v %q", errs[0], msgs[0].Headers)
			}
		} else if !errors.Is(errs[0], runtime.ErrTrap) && !errors.Is(errs[0], runtime.ErrCallFailed) {
			t.Fatalf("fail: %v", errs[0])
		}
		// Chunking: 64-byte chunks, many records, all enriched in order.
		msgs = records("a", "b", "c", "d", "e", "f", "g")
		errs = make([]error, len(msgs))
		p.Interceptor().Intercept("t", msgs, errs)
		for i, m := range msgs {
			if errs[i] != nil || string(m.Headers[1].Value) != string(m.Key) {
				t.Fatalf("chunked record %d: %v %q", i, errs[i], m.Headers)
			}
		}
		if st := p.Stats(); st.Calls < 3 {
			t.Fatalf("want several chunks, stats %+v", st)
		}
	}
}

func TestCodec(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "codec", Kind: runtime.KindCodec})
	msgs := []kafka.Message{
		{Key: []byte("k"), Value: []byte("hello")},
		{Key: []byte("k"), Value: nil},
		{Key: []byte("k"), Value: []byte("bad")},
	}
	errs := make([]error, len(msgs))
	p.ValueCodec().Intercept("t", msgs, errs)
	if errs[0] != nil || !bytes.Equal(msgs[0].Value, []byte("\x01hello")) || string(msgs[0].Key) != "k" {
		t.Fatalf("record 0: %v %q", errs[0], msgs[0].Value)
	}
	if errs[1] != nil || msgs[1].Value != nil {
		t.Fatalf("record 1: %v %q", errs[1], msgs[1].Value)
	}
	if !errors.Is(errs[2], runtime.ErrRecordRejected) || !strings.Contains(errs[2].Error(), "rejected value") {
		t.Fatalf("record 2: %v", errs[2])
	}
	keys := records("x", "y")
	kerrs := make([]error, 2)
	p.KeyCodec().Intercept("t", keys, kerrs)
	if kerrs[0] != nil || string(keys[0].Key) != "\x01x" || string(keys[1].Value) != "value-y" {
		t.Fatalf("key codec: %v %+v", kerrs, keys)
	}

	c := p.Codec()
	enc, err := c.Encode([]byte("v"))
	if err != nil || string(enc) != "\x01v" {
		t.Fatalf("Encode: %q %v", enc, err)
	}
	dec, err := c.Decode(enc)
	if err != nil || string(dec) != "v" {
		t.Fatalf("Decode: %q %v", dec, err)
	}
	if _, err := c.Decode([]byte("raw")); !errors.Is(err, runtime.ErrRecordRejected) || !strings.Contains(err.Error(), "not encoded") {
		t.Fatalf("Decode raw: %v", err)
	}
	if v, err := c.Encode(nil); v != nil || err != nil {
		t.Fatalf("Encode(nil) = %q, %v", v, err)
	}
	var _ kafka.Codec[[]byte] = c
}

func TestWrongKindAdapters(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "codec", Kind: runtime.KindCodec})
	msgs := records("a")
	out, errs := partition(p, 3, msgs)
	_ = out
	if !errors.Is(errs[0], runtime.ErrWrongKind) {
		t.Fatalf("Partitioner of a codec: %v", errs[0])
	}
	e := load(t, runtime.PluginConfig{Name: "enricher", Kind: runtime.KindEnricher})
	if _, err := e.Codec().Encode([]byte("x")); !errors.Is(err, runtime.ErrWrongKind) {
		t.Fatalf("Codec of an enricher: %v", err)
	}
}

func headersEqual(a, b []kafka.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || !bytes.Equal(a[i].Value, b[i].Value) || (a[i].Value == nil) != (b[i].Value == nil) {
			return false
		}
	}
	return true
}
