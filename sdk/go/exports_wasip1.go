//go:build wasip1

package sdk

import "unsafe"

// The ABI exports. Every kind is exported; an unregistered kind fails the
// whole call with a message saying which Register function is missing.

//go:wasmexport kw_abi_version
func kwABIVersion() int32 { return ABIVersion }

//go:wasmexport kw_input
func kwInput(size int32) int32 {
	b := g.input(size)
	if b == nil {
		return 0
	}
	return int32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

//go:wasmexport kw_configure
func kwConfigure(n int32) int32 {
	if err := g.configure(n); err != nil {
		setError(err.Error())
		return 1
	}
	return 0
}

//go:wasmexport kw_partition
func kwPartition(n int32) int64 { return packResult(g.partition(n)) }

//go:wasmexport kw_encode
func kwEncode(n int32) int64 { return packResult(g.encode(n)) }

//go:wasmexport kw_decode
func kwDecode(n int32) int64 { return packResult(g.decode(n)) }

//go:wasmexport kw_enrich
func kwEnrich(n int32) int64 { return packResult(g.enrich(n)) }

// packResult returns (ptr << 32) | len of out, or -1 after set_error.
func packResult(out []byte, err error) int64 {
	if err != nil {
		setError(err.Error())
		return -1
	}
	ptr := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(out))))
	return int64(ptr<<32 | uint64(uint32(len(out))))
}
