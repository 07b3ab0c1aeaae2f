package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var e encoder
	var d decoder
	s := schema{allowUnknown: true}
	in := `{"z":[1,-0,-9223372036854775808,9223372036854775808,1.5e3,"é\n"],"a":{"y":null,"x":true},"m":false}`
	w, err := e.encode(&s, []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.decode(w)
	if err != nil {
		t.Fatalf("decode %x: %v", w, err)
	}
	want := `{"a":{"x":true,"y":null},"m":false,"z":[1,0,-9223372036854775808,9223372036854775808,1.5e3,"é\n"]}`
	if string(out) != want {
		t.Errorf("got %s\nwant %s\nwire %s", out, want, hex.EncodeToString(w))
	}
}

func FuzzCodec(f *testing.F) {
	f.Add([]byte(`{"id":"a","total":12.5,"tags":["x",{"k":[]}]}`))
	f.Add([]byte(`{"n":-12,"o":{"p":null}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		var e encoder
		var d decoder
		s := schema{allowUnknown: true}
		_, _ = d.decode(in) // never panics on arbitrary bytes
		w, err := e.encode(&s, in)
		if err != nil {
			return
		}
		w = bytes.Clone(w)
		out, err := d.decode(w)
		if err != nil {
			t.Fatalf("decode(encode(%q)): %v", in, err)
		}
		var a, b any
		da := json.NewDecoder(bytes.NewReader(in))
		da.UseNumber()
		db := json.NewDecoder(bytes.NewReader(out))
		db.UseNumber()
		if da.Decode(&a) != nil || db.Decode(&b) != nil {
			t.Fatalf("not JSON: %q -> %q", in, out)
		}
		if !reflect.DeepEqual(a, b) && !bytes.Contains(in, []byte("-0")) {
			t.Fatalf("round trip differs: %q -> %q", in, out)
		}
		w2, err := e.encode(&s, out)
		if err != nil || !bytes.Equal(w, w2) {
			t.Fatalf("canonical form is not a fixed point: %q", out)
		}
	})
}
