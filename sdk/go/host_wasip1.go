//go:build wasip1

package sdk

import (
	"unsafe"

	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// Host imports of module "kafkawasm" (docs/ABI.md). Pointers are offsets in
// this module's linear memory; Go's heap does not move, and the arguments
// stay referenced for the duration of the call.

//go:wasmimport kafkawasm log
func kwLog(level int32, ptr unsafe.Pointer, n int32)

//go:wasmimport kafkawasm config_get
func kwConfigGet(keyPtr unsafe.Pointer, keyLen int32, bufPtr unsafe.Pointer, bufLen int32) int32

//go:wasmimport kafkawasm now_unix_nanos
func kwNowUnixNanos() int64

//go:wasmimport kafkawasm monotonic_nanos
func kwMonotonicNanos() int64

//go:wasmimport kafkawasm random_fill
func kwRandomFill(ptr unsafe.Pointer, n int32)

//go:wasmimport kafkawasm set_error
func kwSetError(ptr unsafe.Pointer, n int32)

func hostLog(level Level, msg string) {
	kwLog(int32(level), unsafe.Pointer(unsafe.StringData(msg)), int32(len(msg)))
}

func hostNow() int64 { return kwNowUnixNanos() }

func hostMonotonic() int64 { return kwMonotonicNanos() }

func hostRandom(buf []byte) { kwRandomFill(unsafe.Pointer(unsafe.SliceData(buf)), int32(len(buf))) }

func hostConfigGet(key string, buf []byte) int32 {
	return kwConfigGet(unsafe.Pointer(unsafe.StringData(key)), int32(len(key)),
		unsafe.Pointer(unsafe.SliceData(buf)), int32(len(buf)))
}

func setError(msg string) {
	kwSetError(unsafe.Pointer(unsafe.StringData(msg)), int32(len(msg)))
}

//go:wasmimport kafkawasm sha256
func kwSHA256(ptr unsafe.Pointer, n int32, out unsafe.Pointer) int32

//go:wasmimport kafkawasm json_scan
func kwJSONScan(src unsafe.Pointer, srcLen int32, tape unsafe.Pointer, tapeCap int32, strs unsafe.Pointer, strsCap int32, flags int32) int64

// shaOut receives sha256's digest: a package variable, so that passing its
// address to the import does not move a local to the heap on every call.
var shaOut [32]byte

func hostSHA256(data []byte) [32]byte {
	if kwSHA256(unsafe.Pointer(unsafe.SliceData(data)), int32(len(data)), unsafe.Pointer(&shaOut)) != 0 {
		panic("kafkawasm sdk: sha256 import refused the buffers")
	}
	return shaOut
}

func hostScanJSON(src, tape, strs []byte, flags int) (nodes, strsLen, code, offset int) {
	r := kwJSONScan(unsafe.Pointer(unsafe.SliceData(src)), int32(len(src)),
		unsafe.Pointer(unsafe.SliceData(tape)), int32(len(tape)),
		unsafe.Pointer(unsafe.SliceData(strs)), int32(len(strs)), int32(flags))
	return kwjson.UnpackScanResult(r)
}
