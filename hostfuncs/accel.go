package hostfuncs

import (
	"context"
	"crypto/sha256"

	"github.com/tetratelabs/wazero/api"

	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// The host-accelerated primitives of ABI 1.1 (docs/ABI.md, "Host
// primitives"): generic building blocks a guest may import to run hot loops
// at native speed. They never trap on bad pointers: they return an
// errno-like code instead, so a guest can tell a bug from a data error.

// SHA256 computes the SHA-256 of mem[ptr:ptr+n] into mem[out:out+32] and
// returns abi.ErrnoOK, or abi.ErrnoOutOfRange (nothing written) when a
// range is outside mem. It is the sha256 import over a memory slice.
func SHA256(mem []byte, ptr, n, out uint32) uint32 {
	src, ok := span(mem, ptr, n)
	dst, ok2 := span(mem, out, sha256.Size)
	if !ok || !ok2 {
		return abi.ErrnoOutOfRange
	}
	sum := sha256.Sum256(src)
	copy(dst, sum[:])
	return abi.ErrnoOK
}

// ScanJSON parses mem[src:src+srcLen] as JSON (sdk/go/kwjson's dialect and
// errors) and writes the tape: the nodes into mem[tape:tape+tapeCap] and
// the decoded strings into mem[strs:strs+strsCap], with kwjson scan flags
// (ScanSortKeys puts object members in key order). It returns json_scan's
// i64 (kwjson.PackScanResult): nodes << 32 | string bytes, or -(offset << 8
// | code) with a kwjson scan code (out of range, no space, or a syntax
// error and its byte offset). d is scratch, reset before returning.
func ScanJSON(d *kwjson.Doc, mem []byte, src, srcLen, tape, tapeCap, strs, strsCap, flags uint32) int64 {
	in, ok1 := span(mem, src, srcLen)
	tp, ok2 := span(mem, tape, tapeCap)
	st, ok3 := span(mem, strs, strsCap)
	if !ok1 || !ok2 || !ok3 {
		return kwjson.PackScanResult(0, 0, kwjson.ScanOutOfRange, 0)
	}
	// Parse reads all of the source before anything is written, so a tape
	// that overlaps the source only spoils the guest's own result.
	r := kwjson.PackScanResult(d.Scan(in, tp, st, int(flags)))
	d.Reset()
	return r
}

// span returns mem[ptr:ptr+n] if it is inside mem.
func span(mem []byte, ptr, n uint32) ([]byte, bool) {
	end := uint64(ptr) + uint64(n)
	if end > uint64(len(mem)) {
		return nil, false
	}
	return mem[ptr:end:end], true
}

// memory returns the whole linear memory of mod as a slice (empty if the
// module has none). The slice goes stale if the memory grows: host
// functions use it only for the duration of one call, during which the
// guest cannot run.
func memory(mod api.Module) []byte {
	m := mod.Memory()
	if m == nil {
		return nil
	}
	b, _ := m.Read(0, m.Size())
	return b
}

func hostSHA256(_ context.Context, mod api.Module, s []uint64) {
	s[0] = uint64(SHA256(memory(mod), uint32(s[0]), uint32(s[1]), uint32(s[2])))
}

func hostJSONScan(ctx context.Context, mod api.Module, s []uint64) {
	var d *kwjson.Doc
	if c := callFrom(ctx); c != nil {
		d = &c.doc
	} else {
		d = new(kwjson.Doc)
	}
	s[0] = uint64(ScanJSON(d, memory(mod), uint32(s[0]), uint32(s[1]), uint32(s[2]), uint32(s[3]),
		uint32(s[4]), uint32(s[5]), uint32(s[6])))
}

func exportAccel(export func(string, api.GoModuleFunc, []api.ValueType, []api.ValueType)) {
	export(abi.ImportSHA256, hostSHA256, []api.ValueType{i32, i32, i32}, []api.ValueType{i32})
	export(abi.ImportJSONScan, hostJSONScan, []api.ValueType{i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i64})
}
