package kwjson_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, err string }{
		{``, "unexpected end of input at offset 0"},
		{`  `, "unexpected end of input at offset 2"},
		{`{`, "unexpected end of input at offset 1"},
		{`{"a"`, "unexpected end of input at offset 4"},
		{`{"a":`, "unexpected end of input at offset 5"},
		{`{"a":1`, "unexpected end of input at offset 6"},
		{`{"a":1,}`, "invalid character at offset 7"},
		{`{a:1}`, "invalid character at offset 1"},
		{`[1,]`, "invalid character at offset 3"},
		{`[1 2]`, "invalid character at offset 3"},
		{`{"a" 1}`, "invalid character at offset 5"},
		{`tru`, "unexpected end of input at offset 3"},
		{`trux`, "invalid character at offset 3"},
		{`01`, "invalid character at offset 1"},
		{`-`, "unexpected end of input at offset 1"},
		{`-a`, "invalid character at offset 1"},
		{`1.`, "unexpected end of input at offset 2"},
		{`1.e3`, "invalid character at offset 2"},
		{`1e`, "unexpected end of input at offset 2"},
		{`1e+`, "unexpected end of input at offset 3"},
		{`"abc`, "unexpected end of input at offset 4"},
		{"\"a\x01\"", "invalid character at offset 2"},
		{`"\x"`, "invalid escape at offset 1"},
		{`"\`, "unexpected end of input at offset 2"},
		{`"\u12x"`, "invalid escape at offset 1"},
		{`"\u12"`, "unexpected end of input at offset 6"},
		{`"\u12`, "unexpected end of input at offset 5"},
		{`"\ud800"`, "invalid escape at offset 1"},
		{`"\udc00"`, "invalid escape at offset 1"},
		{`"\ud800\u0041"`, "invalid escape at offset 1"},
		{"\"\xff\"", "invalid UTF-8 at offset 1"},
		{"\"\xed\xa0\x80\"", "invalid UTF-8 at offset 1"},
		{"\"\xc3\"", "invalid UTF-8 at offset 1"},
		{"\"\xe2\x82\"", "invalid UTF-8 at offset 1"},
		{`{} x`, "invalid character at offset 3"},
		{strings.Repeat("[", 65) + strings.Repeat("]", 65), "nesting too deep at offset 64"},
	}
	var d kwjson.Doc
	for _, tt := range tests {
		err := d.Parse([]byte(tt.in))
		if err == nil || err.Error() != tt.err {
			t.Errorf("Parse(%q) = %v, want %q", tt.in, err, tt.err)
		}
		if json.Valid([]byte(tt.in)) && !strings.Contains(tt.in, `\ud`) && !strings.HasPrefix(tt.in, "[[[") && utf8.ValidString(tt.in) {
			t.Errorf("encoding/json accepts %q", tt.in)
		}
	}
	if err := d.Parse([]byte(strings.Repeat("[", 64) + strings.Repeat("]", 64))); err != nil {
		t.Errorf("64 levels: %v", err)
	}
}

func TestParseValues(t *testing.T) {
	var d kwjson.Doc
	src := ` {"s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","n":-12.5e+3,"t":true,"f":false,"z":null,"a":[1,[],{}],"s":"dup"} `
	if err := d.Parse([]byte(src)); err != nil {
		t.Fatal(err)
	}
	root := d.Root()
	if root.Kind() != kwjson.Object || root.Len() != 7 {
		t.Fatalf("root kind %v len %d", root.Kind(), root.Len())
	}
	if got, want := root.Get("s").Text(), "a\"\\/\b\f\n\r\té😀"; got != want {
		t.Errorf("s = %q, want %q", got, want)
	}
	if got := root.Get("n").Text(); got != "-12.5e+3" || root.Get("n").IsInteger() {
		t.Errorf("n = %q", got)
	}
	if root.Get("t").Kind() != kwjson.True || root.Get("f").Kind() != kwjson.False || root.Get("z").Kind() != kwjson.Null {
		t.Error("literals")
	}
	if root.Get("missing").Exists() || root.Get("missing").Kind().Name() != "missing" {
		t.Error("missing")
	}
	a := root.Get("a")
	var kinds []kwjson.Kind
	it := a.Iter()
	for it.Next() {
		kinds = append(kinds, it.Value().Kind())
	}
	if !reflect.DeepEqual(kinds, []kwjson.Kind{kwjson.Number, kwjson.Array, kwjson.Object}) {
		t.Errorf("array kinds %v", kinds)
	}
	ms := root.AppendMembers(nil)
	if len(ms) != 7 || string(ms[6].Key) != "s" || ms[6].Value.Text() != "dup" {
		t.Errorf("members %v", ms)
	}
}

func TestAppendString(t *testing.T) {
	got := string(kwjson.AppendString(nil, []byte("a\"\\\x00\x1f\x7f/é\n")))
	want := `"a\"\\\u0000\u001f` + "\x7f" + `/é\n"`
	if got != want {
		t.Errorf("got %s want %s", got, want)
	}
}

func TestValidNumber(t *testing.T) {
	for in, ok := range map[string]bool{"0": true, "-0": true, "1.5e-3": true, "01": false, "": false, "1.": false, "-": false, "1e5x": false} {
		if kwjson.ValidNumber([]byte(in)) != ok {
			t.Errorf("ValidNumber(%q) != %v", in, ok)
		}
	}
}

// canonical re-serialises a value so encoding/json can compare it.
func canonical(dst []byte, v kwjson.Value) []byte {
	switch v.Kind() {
	case kwjson.Null:
		return append(dst, "null"...)
	case kwjson.True:
		return append(dst, "true"...)
	case kwjson.False:
		return append(dst, "false"...)
	case kwjson.Number:
		return append(dst, v.Bytes()...)
	case kwjson.String:
		return kwjson.AppendString(dst, v.Bytes())
	}
	obj := v.Kind() == kwjson.Object
	dst = append(dst, "[{"[b2i(obj)])
	it := v.Iter()
	for n := 0; it.Next(); n++ {
		if n > 0 {
			dst = append(dst, ',')
		}
		if obj {
			dst = kwjson.AppendString(dst, it.Key())
			dst = append(dst, ':')
		}
		dst = canonical(dst, it.Value())
	}
	return append(dst, "]}"[b2i(obj)])
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"\u00e9"}`, `[]`, `"x"`, `-1.5e3`, `{"a":"\ud83d\ude00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var d kwjson.Doc
		if err := d.Parse(in); err != nil {
			return
		}
		if !json.Valid(in) {
			t.Fatalf("kwjson accepts what encoding/json rejects: %q", in)
		}
		out := canonical(nil, d.Root())
		var a, b any
		da := json.NewDecoder(bytes.NewReader(in))
		da.UseNumber()
		db := json.NewDecoder(bytes.NewReader(out))
		db.UseNumber()
		if da.Decode(&a) != nil || db.Decode(&b) != nil {
			t.Fatalf("decode failed for %q / %q", in, out)
		}
		if !reflect.DeepEqual(a, b) && !hasDupKeys(in) {
			t.Fatalf("round trip differs: %q -> %q", in, out)
		}
	})
}

// hasDupKeys is a coarse filter: encoding/json keeps the last duplicate,
// kwjson keeps all (Get returns the first), so such inputs compare unequal.
func hasDupKeys(in []byte) bool { return bytes.Count(in, []byte(`":`)) > 1 }
