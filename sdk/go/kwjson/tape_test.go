package kwjson_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// dump renders a document in document (or sorted) order, with kinds, so two
// Docs can be compared through the public API only.
func dump(v kwjson.Value) string {
	var b strings.Builder
	var walk func(v kwjson.Value)
	walk = func(v kwjson.Value) {
		b.WriteString(v.Kind().Name())
		switch v.Kind() {
		case kwjson.String, kwjson.Number:
			b.WriteString("(" + string(v.Bytes()) + ")")
		case kwjson.Array, kwjson.Object:
			b.WriteString("[")
			it := v.Iter()
			for it.Next() {
				if v.Kind() == kwjson.Object {
					b.WriteString(string(it.Key()) + ":")
				}
				walk(it.Value())
				b.WriteString(",")
			}
			b.WriteString("]")
		}
	}
	walk(v)
	return b.String()
}

func scanner() kwjson.Scanner {
	var d kwjson.Doc
	return d.Scan
}

func TestParseWithMatchesParse(t *testing.T) {
	for _, in := range []string{
		`{"b":1,"a":[true,false,null,"x\u00e9\n"],"c":{"z":-1.5e3,"y":{}}}`, `[]`, `"s"`, `0`,
		`{"a":1,"a":2}`, `{`, `[1,]`, "\"\xff\"", `"\ud800"`, strings.Repeat("[", 65) + strings.Repeat("]", 65), ``,
	} {
		var want, got kwjson.Doc
		errWant := want.Parse([]byte(in))
		errGot := got.ParseWith([]byte(in), 0, scanner())
		if (errWant == nil) != (errGot == nil) || (errWant != nil && errWant.Error() != errGot.Error()) {
			t.Errorf("%q: ParseWith error %v, Parse %v", in, errGot, errWant)
			continue
		}
		var se *kwjson.SyntaxError
		if errWant != nil && !errors.As(errGot, &se) {
			t.Errorf("%q: ParseWith error %T, want *SyntaxError", in, errGot)
		}
		if dw, dg := dump(want.Root()), dump(got.Root()); dw != dg {
			t.Errorf("%q: ParseWith %s, Parse %s", in, dg, dw)
		}
		if errGot == nil && !got.CheckTape() {
			t.Errorf("%q: the reference scanner's tape fails CheckTape", in)
		}
	}
}

func TestSortMembers(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b":1,"a":2}`, `object[a:number(2),b:number(1),]`},
		{`{"b":{"d":1,"c":[{"f":1,"e":2}]},"a":null}`, `object[a:null,b:object[c:array[object[e:number(2),f:number(1),],],d:number(1),],]`},
		{`{"a":1,"B":2,"a":3,"é":4,"":5}`, `object[:number(5),B:number(2),a:number(1),a:number(3),é:number(4),]`},
		{`[{"y":1,"x":2},3]`, `array[object[x:number(2),y:number(1),],number(3),]`},
	}
	for _, tt := range tests {
		for _, host := range []bool{false, true} {
			var d kwjson.Doc
			var err error
			if host {
				err = d.ParseWith([]byte(tt.in), kwjson.ScanSortKeys, scanner())
			} else if err = d.Parse([]byte(tt.in)); err == nil {
				d.SortMembers()
			}
			if err != nil {
				t.Fatalf("%q: %v", tt.in, err)
			}
			if got := dump(d.Root()); got != tt.want {
				t.Errorf("%q (host %v): %s, want %s", tt.in, host, got, tt.want)
			}
			if host && !d.CheckTape() {
				t.Errorf("%q: sorted tape fails CheckTape", tt.in)
			}
		}
	}
}

func TestScanCodes(t *testing.T) {
	var d kwjson.Doc
	tape, strs := make([]byte, 64*kwjson.TapeNodeSize), make([]byte, 64)
	tests := []struct {
		in           string
		tape, strs   int
		flags        int
		code, offset int
	}{
		{`{"a":[1,2]}`, 64, 64, 0, kwjson.ScanOK, 0},
		{`{"a":[1,2]}`, 4, 64, 0, kwjson.ScanNoSpace, 0}, // 5 nodes
		{`{"abc":1}`, 64, 2, 0, kwjson.ScanNoSpace, 0},
		{`{"a":1}`, 64, 64, 2, kwjson.ScanBadFlags, 0},
		{`[1,`, 64, 64, 0, kwjson.ScanEOF, 3},
		{`[1,x]`, 64, 64, 0, kwjson.ScanInvalid, 3},
		{"\"\xff\"", 64, 64, 0, kwjson.ScanBadUTF8, 1},
		{`"\q"`, 64, 64, 0, kwjson.ScanBadEscape, 1},
		{strings.Repeat("[", 65), 64, 64, 0, kwjson.ScanTooDeep, 64},
	}
	for _, tt := range tests {
		n, s, code, off := d.Scan([]byte(tt.in), tape[:tt.tape*kwjson.TapeNodeSize], strs[:tt.strs], tt.flags)
		if code != tt.code || off != tt.offset {
			t.Errorf("Scan(%q) = code %d offset %d, want %d %d", tt.in, code, off, tt.code, tt.offset)
		}
		r := kwjson.PackScanResult(n, s, code, off)
		if n2, s2, c2, o2 := kwjson.UnpackScanResult(r); n2 != n || s2 != s || c2 != code || o2 != off {
			t.Errorf("Pack/Unpack(%d %d %d %d) = %d %d %d %d", n, s, code, off, n2, s2, c2, o2)
		}
	}
}

// FuzzParseWith: the tape path (the host's scanner, sorted or not) yields
// the same document and the same error as Parse (then SortMembers).
func FuzzParseWith(f *testing.F) {
	for _, s := range []string{`{"b":[1,{"d":2,"c":"\u00e9"}],"a":null}`, `[1,2`, `{"a":1,"a":0}`, "\"\xc3\""} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, sorted bool) {
		var want, got kwjson.Doc
		errWant := want.Parse(in)
		flags := 0
		if sorted {
			flags = kwjson.ScanSortKeys
			want.SortMembers()
		}
		errGot := got.ParseWith(bytes.Clone(in), flags, scanner())
		if (errWant == nil) != (errGot == nil) || (errWant != nil && errWant.Error() != errGot.Error()) {
			t.Fatalf("%q: ParseWith error %v, Parse %v", in, errGot, errWant)
		}
		if errGot == nil && (!got.CheckTape() || dump(want.Root()) != dump(got.Root())) {
			t.Fatalf("%q: ParseWith %s, Parse %s", in, dump(got.Root()), dump(want.Root()))
		}
	})
}

// FuzzCheckTape: whatever tape a scanner returns, ParseWith does not panic,
// and a tape that passes CheckTape can be walked without a panic.
func FuzzCheckTape(f *testing.F) {
	var d kwjson.Doc
	tape := make([]byte, 8*kwjson.TapeNodeSize)
	n, _, _, _ := d.Scan([]byte(`{"a":[1,"b"]}`), tape, make([]byte, 8), 0)
	f.Add([]byte(`{"a":[1,"b"]}`), tape[:n*kwjson.TapeNodeSize], []byte("ab"))
	f.Fuzz(func(t *testing.T, src, tape, strs []byte) {
		scan := func(_, tp, st []byte, _ int) (int, int, int, int) {
			if len(tape) > len(tp) || len(strs) > len(st) {
				return 0, 0, kwjson.ScanNoSpace, 0
			}
			copy(tp, tape)
			return len(tape) / kwjson.TapeNodeSize, copy(st, strs), kwjson.ScanOK, 0
		}
		var doc kwjson.Doc
		if doc.ParseWith(src, 0, scan) == nil && doc.CheckTape() {
			_ = dump(doc.Root())
		}
	})
}
