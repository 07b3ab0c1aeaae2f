//go:build wasip1

package sdk

import "unsafe"

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
