package hostfuncs_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/kafkawasm/kafkawasm/hostfuncs"
	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

func TestSHA256(t *testing.T) {
	mem := make([]byte, 256)
	copy(mem, "hello")
	tests := []struct {
		name        string
		ptr, n, out uint32
		want        uint32
		wantWritten bool
	}{
		{"ok", 0, 5, 100, abi.ErrnoOK, true},
		{"empty", 0, 0, 100, abi.ErrnoOK, true},
		{"out at the end", 0, 5, 224, abi.ErrnoOK, true},
		{"out past the end", 0, 5, 225, abi.ErrnoOutOfRange, false},
		{"input past the end", 250, 7, 100, abi.ErrnoOutOfRange, false},
		{"length wraps", 1, 0xffffffff, 100, abi.ErrnoOutOfRange, false},
		{"pointer past the end", 0xfffffff0, 1, 100, abi.ErrnoOutOfRange, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := bytes.Clone(mem)
			if got := hostfuncs.SHA256(m, tt.ptr, tt.n, tt.out); got != tt.want {
				t.Fatalf("SHA256 = %d, want %d", got, tt.want)
			}
			if !tt.wantWritten {
				if !bytes.Equal(m, mem) {
					t.Fatal("memory changed on a refused call")
				}
				return
			}
			sum := sha256.Sum256(mem[tt.ptr : tt.ptr+tt.n])
			if !bytes.Equal(m[tt.out:tt.out+32], sum[:]) {
				t.Fatalf("digest %x, want %x", m[tt.out:tt.out+32], sum)
			}
		})
	}
}

func TestScanJSON(t *testing.T) {
	const src, tape, strs = 0, 1024, 3072
	tests := []struct {
		name                 string
		in                   string
		srcLen               uint32 // 0: len(in)
		tapeCap, strsCap     uint32
		flags                uint32
		nodes, strsLen, code int
		offset               int
	}{
		{"ok", `{"b":"x","a":[1,true]}`, 0, 2048, 1024, 0, 7, 3, kwjson.ScanOK, 0},
		{"sorted", `{"b":"x","a":[1,true]}`, 0, 2048, 1024, kwjson.ScanSortKeys, 7, 3, kwjson.ScanOK, 0},
		{"syntax", `{"a":tru}`, 0, 2048, 1024, 0, 0, 0, kwjson.ScanInvalid, 8},
		{"truncated", `[1,2`, 0, 2048, 1024, 0, 0, 0, kwjson.ScanEOF, 4},
		{"tape too small", `[1,2]`, 0, 47, 1024, 0, 0, 0, kwjson.ScanNoSpace, 0},
		{"strings too small", `["abc"]`, 0, 2048, 2, 0, 0, 0, kwjson.ScanNoSpace, 0},
		{"bad flags", `[]`, 0, 2048, 1024, 6, 0, 0, kwjson.ScanBadFlags, 0},
		{"source past memory", `[]`, 5000, 2048, 1024, 0, 0, 0, kwjson.ScanOutOfRange, 0},
		{"tape past memory", `[]`, 0, 4000, 1024, 0, 0, 0, kwjson.ScanOutOfRange, 0},
		{"strings past memory", `[]`, 0, 2048, 1025, 0, 0, 0, kwjson.ScanOutOfRange, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := make([]byte, 4096)
			copy(mem[src:], tt.in)
			n := tt.srcLen
			if n == 0 {
				n = uint32(len(tt.in))
			}
			var d kwjson.Doc
			r := hostfuncs.ScanJSON(&d, mem, src, n, tape, tt.tapeCap, strs, tt.strsCap, tt.flags)
			nodes, sl, code, off := kwjson.UnpackScanResult(r)
			if nodes != tt.nodes || sl != tt.strsLen || code != tt.code || off != tt.offset {
				t.Fatalf("ScanJSON = nodes %d strs %d code %d offset %d, want %d %d %d %d",
					nodes, sl, code, off, tt.nodes, tt.strsLen, tt.code, tt.offset)
			}
			if code != kwjson.ScanOK {
				return
			}
			// The guest's view: ParseWith over what the host wrote.
			var g kwjson.Doc
			err := g.ParseWith([]byte(tt.in), int(tt.flags), func(_, tp, st []byte, _ int) (int, int, int, int) {
				copy(tp, mem[tape:tape+uint32(nodes)*kwjson.TapeNodeSize])
				copy(st, mem[strs:strs+uint32(sl)])
				return nodes, sl, code, off
			})
			if err != nil || !g.CheckTape() {
				t.Fatalf("ParseWith over the host's tape: %v", err)
			}
			first := g.Root().Iter()
			first.Next()
			want := "b"
			if tt.flags&kwjson.ScanSortKeys != 0 {
				want = "a"
			}
			if string(first.Key()) != want {
				t.Fatalf("first key %q, want %q", first.Key(), want)
			}
		})
	}
}

// FuzzScanJSON: any memory and any pointers: no panic, and a success is a
// tape the guest can load and check.
func FuzzScanJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,"x"]}`), uint32(0), uint32(13), uint32(16), uint32(256), uint32(300), uint32(64), uint32(1))
	f.Add([]byte(`[`), uint32(0), uint32(1), uint32(16), uint32(16), uint32(40), uint32(4), uint32(0))
	f.Fuzz(func(t *testing.T, mem []byte, src, n, tape, tapeCap, strs, strsCap, flags uint32) {
		var d kwjson.Doc
		snapshot := bytes.Clone(mem)
		r := hostfuncs.ScanJSON(&d, mem, src, n, tape, tapeCap, strs, strsCap, flags)
		nodes, sl, code, _ := kwjson.UnpackScanResult(r)
		if code != kwjson.ScanOK {
			if !bytes.Equal(mem, snapshot) {
				t.Fatal("memory changed on a failed scan")
			}
			return
		}
		tapeEnd, strsEnd := uint64(tape)+uint64(nodes)*kwjson.TapeNodeSize, uint64(strs)+uint64(sl)
		if uint64(tape) < strsEnd && uint64(strs) < tapeEnd {
			return // the guest gave overlapping areas: its own loss
		}
		in := snapshot[src : src+n]
		var g kwjson.Doc
		err := g.ParseWith(in, int(flags), func(_, tp, st []byte, _ int) (int, int, int, int) {
			copy(tp, mem[tape:tape+uint32(nodes)*kwjson.TapeNodeSize])
			copy(st, mem[strs:strs+uint32(sl)])
			return nodes, sl, code, 0
		})
		// The tape may overlap the source in memory: check against the
		// source as it was before the scan wrote anything.
		if err != nil || !g.CheckTape() {
			t.Fatalf("host tape for %q does not load: %v", in, err)
		}
	})
}
