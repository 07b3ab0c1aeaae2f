// Command goguest is a Go partitioner used by the runtime's tests and
// benchmarks to exercise a real Go reactor (_initialize, a 2 MB module,
// the Go runtime's WASI imports). It is built by the tests with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o goguest.wasm .
//
// partition = fnv1a32(key) % partitions; null key: no opinion. A key
// "panic" makes it panic (the Go runtime then exits: a trap for the host).
package main

import (
	"encoding/binary"
	"unsafe"

	"github.com/kafkawasm/kafkawasm/internal/abi"
)

func main() {}

var (
	input  []byte
	output []byte
)

//go:wasmexport kw_abi_version
func abiVersion() int32 { return abi.Version }

//go:wasmexport kw_input
func kwInput(size int32) int32 {
	if cap(input) < int(size) {
		input = make([]byte, size)
	}
	input = input[:size]
	if size == 0 {
		input = input[:1]
	}
	return int32(uintptr(unsafe.Pointer(&input[0])))
}

//go:wasmexport kw_partition
func kwPartition(n int32) int64 {
	// Parse in place: no allocation per call (the Go GC is slow in Wasm).
	b := input[:n]
	u32 := func(off int) (uint32, bool) {
		if off < 0 || off+4 > len(b) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(b[off:]), true
	}
	tl, ok := u32(0)
	off := 4 + int(tl)
	count, ok1 := u32(off)
	nrec, ok2 := u32(off + 4)
	if !ok || !ok1 || !ok2 || count == 0 {
		return -1
	}
	off += 8
	output = binary.LittleEndian.AppendUint32(output[:0], nrec)
	for range nrec {
		kl, ok := u32(off)
		if !ok {
			return -1
		}
		off += 4
		res := abi.PartitionNoOpinion
		if int32(kl) >= 0 {
			key := b[off : off+int(kl)]
			off += int(kl)
			if string(key) == "panic" {
				panic("asked to panic")
			}
			h := uint32(2166136261)
			for _, c := range key {
				h = (h ^ uint32(c)) * 16777619
			}
			res = int32(h % count)
		}
		vl, _ := u32(off)
		off += 4
		if int32(vl) > 0 {
			off += int(vl)
		}
		hc, _ := u32(off)
		off += 4
		for range hc {
			hk, _ := u32(off)
			off += 4 + int(hk)
			hv, _ := u32(off)
			off += 4
			if int32(hv) > 0 {
				off += int(hv)
			}
		}
		output = binary.LittleEndian.AppendUint32(output, uint32(res))
	}
	output = binary.LittleEndian.AppendUint32(output, 0) // no error messages
	return int64(abi.PackResult(uint32(uintptr(unsafe.Pointer(&output[0]))), uint32(len(output))))
}
