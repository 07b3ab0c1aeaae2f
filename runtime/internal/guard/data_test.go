package guard

import (
	"bytes"
	"testing"
)

// seg is a data segment for building test sections: an active segment of
// memory 0 at an i32.const offset, or raw bytes for anything else.
type seg struct {
	off  int32
	init string
	raw  []byte
}

func dataSection(segs ...seg) []byte {
	b := appendU32(nil, uint32(len(segs)))
	for _, s := range segs {
		if s.raw != nil {
			b = append(b, s.raw...)
			continue
		}
		b = append(b, 0, 0x41)
		b = appendS32(b, s.off)
		b = append(b, opEnd)
		b = appendU32(b, uint32(len(s.init)))
		b = append(b, s.init...)
	}
	return b
}

// image applies the segments of a data section, in order, to zeroed memory
// (sparse: a map from address to byte).
func image(t testing.TB, body []byte) map[uint64]byte {
	t.Helper()
	segs, ok := parseData(body)
	if !ok {
		t.Fatalf("cannot parse %x", body)
	}
	m := map[uint64]byte{}
	for _, s := range segs {
		for i, c := range s.init {
			m[s.off+uint64(i)] = c
		}
	}
	for a, c := range m {
		if c == 0 {
			delete(m, a)
		}
	}
	return m
}

func sameImage(a, b map[uint64]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestCoalesceData(t *testing.T) {
	gap := func(n int) string { return string(make([]byte, n)) }
	for _, tc := range []struct {
		name string
		in   []byte
		want []seg // nil: left as it is
	}{
		{"adjacent and small gaps", dataSection(seg{off: 100, init: "ab"}, seg{off: 102, init: "cd"}, seg{off: 110, init: "e"}),
			[]seg{{off: 100, init: "abcd" + gap(6) + "e"}}},
		{"unsorted", dataSection(seg{off: 200, init: "z"}, seg{off: 100, init: "a"}),
			[]seg{{off: 100, init: "a" + gap(99) + "z"}}},
		{"gap too long", dataSection(seg{off: 0, init: "a"}, seg{off: 1 + maxDataGap + 1, init: "b"}, seg{off: 1 + maxDataGap + 2, init: "c"}),
			[]seg{{off: 0, init: "a"}, {off: 1 + maxDataGap + 1, init: "bc"}}},
		{"gap at the limit", dataSection(seg{off: 0, init: "a"}, seg{off: 1 + maxDataGap, init: "b"}),
			[]seg{{off: 0, init: "a" + gap(maxDataGap) + "b"}}},
		{"empty segment inside", dataSection(seg{off: 10, init: "ab"}, seg{off: 12, init: ""}, seg{off: 12, init: "c"}),
			[]seg{{off: 10, init: "abc"}}},
		{"high offsets", dataSection(seg{off: -8, init: "ab"}, seg{off: -4, init: "cd"}),
			[]seg{{off: -8, init: "ab\x00\x00cd"}}},
		{"memory index form", dataSection(seg{raw: []byte{2, 0, 0x41, 4, opEnd, 1, 'x'}}, seg{off: 5, init: "y"}),
			[]seg{{off: 4, init: "xy"}}},
		{"single segment", dataSection(seg{off: 1, init: "a"}), nil},
		{"overlap", dataSection(seg{off: 0, init: "abc"}, seg{off: 2, init: "x"}), nil},
		{"passive", dataSection(seg{off: 0, init: "a"}, seg{raw: []byte{1, 1, 'p'}}), nil},
		{"other memory", dataSection(seg{off: 0, init: "a"}, seg{raw: []byte{2, 1, 0x41, 4, opEnd, 1, 'x'}}), nil},
		{"global offset", dataSection(seg{off: 0, init: "a"}, seg{raw: []byte{0, 0x23, 0, opEnd, 1, 'x'}}), nil},
		{"past 4 GiB", dataSection(seg{off: 0, init: "a"}, seg{off: -1, init: "xy"}), nil},
		{"bad LEB128", dataSection(seg{off: 0, init: "a"}, seg{raw: []byte{0, 0x41, 0x80, 0x80, 0x80, 0x80, 0x10, opEnd, 0}}), nil},
		{"trailing bytes", append(dataSection(seg{off: 0, init: "a"}, seg{off: 1, init: "b"}), 0), nil},
		{"truncated", dataSection(seg{off: 0, init: "a"}, seg{off: 1, init: "b"})[:12], nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, n, ok := coalesceData(tc.in)
			if tc.want == nil {
				if ok {
					t.Fatalf("coalesced into %x, want the section left as it is", out)
				}
				return
			}
			if !ok {
				t.Fatal("left as it is")
			}
			if want := dataSection(tc.want...); !bytes.Equal(out, want) {
				t.Fatalf("got  %x\nwant %x", out, want)
			}
			if int(n) != len(tc.want) {
				t.Fatalf("n = %d, want %d", n, len(tc.want))
			}
			if !sameImage(image(t, tc.in), image(t, out)) {
				t.Fatal("memory image differs")
			}
		})
	}
}

func TestCoalesceDataFillBound(t *testing.T) {
	var segs []seg
	for i := range 200 {
		segs = append(segs, seg{off: int32(i * (maxDataGap + 1)), init: "x"})
	}
	in := dataSection(segs...)
	out, n, ok := coalesceData(in)
	if !ok || n < 2 || n > 150 {
		t.Fatalf("ok %v, %d segments", ok, n)
	}
	if max := 2*len(in) + maxDataFill; len(out) > max {
		t.Fatalf("%d bytes, want at most %d", len(out), max)
	}
	if !sameImage(image(t, in), image(t, out)) {
		t.Fatal("memory image differs")
	}
}

func TestS32(t *testing.T) {
	for _, v := range []int32{0, 1, -1, 63, 64, -64, -65, 1 << 20, -1 << 31, 1<<31 - 1} {
		r := &reader{b: appendS32(nil, v)}
		if got := r.s32(); r.err != nil || got != v || r.off != len(r.b) {
			t.Errorf("s32(%d) = %d, %v", v, got, r.err)
		}
	}
	// Padded but valid: -1 in five bytes; 0 in five bytes.
	for _, b := range [][]byte{{0xff, 0xff, 0xff, 0xff, 0x7f}, {0x80, 0x80, 0x80, 0x80, 0x00}} {
		if r := (&reader{b: b}); r.s32() > 0 || r.err != nil {
			t.Errorf("% x: %v", b, r.err)
		}
	}
	// Unused bits that are not a sign extension; six bytes.
	for _, b := range [][]byte{{0xff, 0xff, 0xff, 0xff, 0x0f}, {0x80, 0x80, 0x80, 0x80, 0x70}, {0x80, 0x80, 0x80, 0x80, 0x80, 0}} {
		if r := (&reader{b: b}); r.s32() != 0 || r.err == nil {
			t.Errorf("% x: no error", b)
		}
	}
}

// FuzzCoalesceData checks that a coalesced section writes the same bytes
// as the original into zeroed memory, with no more segments.
func FuzzCoalesceData(f *testing.F) {
	f.Add(dataSection(seg{off: 100, init: "ab"}, seg{off: 102, init: "cd"}, seg{off: 110, init: "e"}))
	f.Add(dataSection(seg{off: 200, init: "z"}, seg{off: 100, init: "a"}, seg{off: -3, init: "x"}))
	f.Add(dataSection(seg{raw: []byte{2, 0, 0x41, 4, opEnd, 1, 'x'}}, seg{off: 5, init: "y"}))
	f.Fuzz(func(t *testing.T, body []byte) {
		out, n, ok := coalesceData(body)
		if !ok {
			return
		}
		in, _ := parseData(body)
		merged, okOut := parseData(out)
		if !okOut || int(n) != len(merged) || len(merged) >= len(in) {
			t.Fatalf("bad output %x (n %d, %d segments from %d)", out, n, len(merged), len(in))
		}
		if len(out) > 2*len(body)+maxDataFill {
			t.Fatalf("output %d bytes from %d", len(out), len(body))
		}
		if !sameImage(image(t, body), image(t, out)) {
			t.Fatal("memory image differs")
		}
	})
}
