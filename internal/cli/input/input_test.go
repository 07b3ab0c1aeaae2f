package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kafkawasm/kafkawasm/kafka"
)

func TestReader(t *testing.T) {
	long := strings.Repeat("x", 3<<20)
	in := "a\r\n\nb\n" + long + "\nlast"
	r := NewReader(strings.NewReader(in))
	want := []string{"a", "", "b", long, "last"}
	for i, w := range want {
		b, n, err := r.Next()
		if err != nil || string(b) != w || n != int64(i+1) {
			t.Fatalf("line %d: %q(len %d) %d %v", i+1, b[:min(len(b), 10)], len(b), n, err)
		}
	}
	if _, _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestReaderTooLong(t *testing.T) {
	in := "ok\n" + strings.Repeat("y", 3<<20+10) + "\nafter\n"
	r := NewReader(strings.NewReader(in))
	r.maxLine = 3 << 20
	if b, _, err := r.Next(); err != nil || string(b) != "ok" {
		t.Fatal(b, err)
	}
	if _, n, err := r.Next(); !errors.Is(err, ErrLineTooLong) || n != 2 {
		t.Fatalf("got %d %v", n, err)
	}
	if b, n, err := r.Next(); err != nil || string(b) != "after" || n != 3 {
		t.Fatalf("got %q %d %v", b, n, err)
	}
}

func TestParseJSONL(t *testing.T) {
	hs := func(kv ...string) []kafka.Header {
		var out []kafka.Header
		for i := 0; i < len(kv); i += 2 {
			h := kafka.Header{Key: kv[i], Value: []byte(kv[i+1])}
			if kv[i+1] == "<nil>" {
				h.Value = nil
			}
			out = append(out, h)
		}
		return out
	}
	tests := []struct {
		in   string
		want Record
		err  string
	}{
		{in: `{"value":"hello"}`, want: Record{Value: []byte("hello")}},
		{in: ` { "key" : "k" , "value" : "v\n\u00e9\ud83d\ude00\"" } `, want: Record{Key: []byte("k"), Value: []byte("v\né😀\"")}},
		{in: `{"key":null,"value":null}`, want: Record{}},
		{in: `{"key":"","value":""}`, want: Record{Key: []byte{}, Value: []byte{}}},
		{in: `{"value":{"id": 1, "s": "a\"b"}}`, want: Record{Value: []byte(`{"id": 1, "s": "a\"b"}`), ValueJSON: true}},
		{in: `{"value":[1,2.5e3,-0.1,true,false,null]}`, want: Record{Value: []byte(`[1,2.5e3,-0.1,true,false,null]`), ValueJSON: true}},
		{in: `{"value":42}`, want: Record{Value: []byte(`42`), ValueJSON: true}},
		{in: `{"headers":{"b":"1","a":"2","b":null}}`, want: Record{Headers: hs("b", "1", "a", "2", "b", "<nil>")}},
		{in: `{"headers":[["x","1"],["x",""],["y",null]]}`, want: Record{Headers: hs("x", "1", "x", "", "y", "<nil>")}},
		{in: `{"partition":2,"timestamp":1700000000123}`, want: Record{Partition: 2, HasPartition: true, Timestamp: time.UnixMilli(1700000000123)}},
		{in: `{"timestamp":"2024-01-02T03:04:05.5Z"}`, want: Record{Timestamp: time.Date(2024, 1, 2, 3, 4, 5, 5e8, time.UTC)}},
		{in: "{\"value\":\"raw \xff\xfe bytes\"}", want: Record{Value: []byte("raw \xff\xfe bytes")}},
		{in: `{"value":"\ud800x"}`, want: Record{Value: []byte("\uFFFDx")}},
		{in: `{}`, want: Record{}},
		{in: `not json`, err: "expected a JSON object at column 1"},
		{in: `{"value":"x"`, err: "expected ',' or '}' at end of line"},
		{in: `{"vlaue":"x"}`, err: `unknown field "vlaue"`},
		{in: `{"value":"x","value":"y"}`, err: `duplicate field "value"`},
		{in: `{"partition":-1}`, err: "partition: must be an integer"},
		{in: `{"partition":1.5}`, err: "partition: must be an integer"},
		{in: `{"headers":{"a":1}}`, err: "headers: header value must be a string or null"},
		{in: `{"headers":"a"}`, err: "headers: headers must be an object"},
		{in: `{"value":{"a":}}`, err: "value: expected a JSON value"},
		{in: `{"value":01}`, err: "expected ',' or '}'"},
		{in: `{"value":"a\qb"}`, err: `value: bad escape \q`},
		{in: "{\"value\":\"a\tb\"}", err: "control character"},
		{in: `{"timestamp":"yesterday"}`, err: "timestamp: must be milliseconds"},
		{in: `{"value":"x"} {}`, err: "trailing data"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseJSONL([]byte(tc.in), nil)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(got, tc.want); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func diff(a, b Record) string {
	eqNull := func(x, y []byte) bool { return (x == nil) == (y == nil) && bytes.Equal(x, y) }
	switch {
	case !eqNull(a.Key, b.Key):
		return "key " + string(a.Key) + " != " + string(b.Key)
	case !eqNull(a.Value, b.Value):
		return "value " + string(a.Value) + " != " + string(b.Value)
	case a.KeyJSON != b.KeyJSON || a.ValueJSON != b.ValueJSON:
		return "json flags differ"
	case a.Partition != b.Partition || a.HasPartition != b.HasPartition:
		return "partition differs"
	case !a.Timestamp.Equal(b.Timestamp):
		return "timestamp differs"
	case len(a.Headers) != len(b.Headers):
		return "header count differs"
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !eqNull(a.Headers[i].Value, b.Headers[i].Value) {
			return "header differs"
		}
	}
	return ""
}

// FuzzParseJSONL checks the parser against encoding/json on valid UTF-8.
func FuzzParseJSONL(f *testing.F) {
	f.Add([]byte(`{"key":"k","value":"v\u00e9","headers":{"a":"b"}}`))
	f.Add([]byte(`{"value":{"x":[1,2,{"y":null}]},"partition":3}`))
	f.Add([]byte(`{"headers":[["a","b"],["a",null]],"timestamp":5}`))
	f.Add([]byte(`{"value":"\ud83d\ude00\ud800"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		orig := append([]byte(nil), line...)
		rec, err := ParseJSONL(line, nil)
		if !utf8.Valid(orig) {
			return
		}
		var ref struct {
			Key, Value json.RawMessage
		}
		dec := json.NewDecoder(bytes.NewReader(orig))
		refErr := dec.Decode(&ref)
		if refErr != nil && err == nil {
			t.Fatalf("we accepted %q, encoding/json: %v", orig, refErr)
		}
		if err != nil || refErr != nil {
			return
		}
		for _, c := range []struct {
			raw    json.RawMessage
			got    []byte
			isJSON bool
		}{{ref.Key, rec.Key, rec.KeyJSON}, {ref.Value, rec.Value, rec.ValueJSON}} {
			if len(c.raw) > 0 && c.raw[0] == '"' {
				var s string
				if err := json.Unmarshal(c.raw, &s); err != nil {
					t.Fatal(err)
				}
				if s != string(c.got) || c.isJSON {
					t.Fatalf("%q: string %q, we got %q", orig, s, c.got)
				}
			}
		}
	})
}

func BenchmarkParseJSONL(b *testing.B) {
	line := []byte(`{"key":"user-12345","value":"some event payload with \"quotes\" and text","headers":{"trace":"abc","src":"web"}}`)
	buf := make([]byte, len(line))
	var hs []kafka.Header
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		copy(buf, line)
		rec, err := ParseJSONL(buf, hs)
		if err != nil {
			b.Fatal(err)
		}
		hs = rec.Headers
	}
}
