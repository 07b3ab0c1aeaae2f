package abi

// Version of the ABI implemented here: major << 16 | minor, the value a
// guest's kw_abi_version export returns.
const (
	VersionMajor = 1
	VersionMinor = 1
	Version      = VersionMajor<<16 | VersionMinor
)

// VersionParts splits a kw_abi_version result into major and minor.
func VersionParts(v uint32) (major, minor uint16) { return uint16(v >> 16), uint16(v) }

// Guest exports.
const (
	ExportABIVersion = "kw_abi_version" // () -> i32, required
	ExportInput      = "kw_input"       // (size i32) -> i32, required
	ExportConfigure  = "kw_configure"   // (len i32) -> i32, optional
	ExportPartition  = "kw_partition"   // (len i32) -> i64, partitioner
	ExportEncode     = "kw_encode"      // (len i32) -> i64, codec
	ExportDecode     = "kw_decode"      // (len i32) -> i64, codec
	ExportEnrich     = "kw_enrich"      // (len i32) -> i64, enricher
	ExportInitialize = "_initialize"    // (), reactors, optional

	// ReservedExportPrefix starts the names the host adds to a module when
	// it instruments it; a guest must not export names with this prefix.
	ReservedExportPrefix = "__kw_"
)

// Host import modules and functions.
const (
	HostModule = "kafkawasm"

	ImportLog           = "log"             // (level, ptr, len i32)
	ImportConfigGet     = "config_get"      // (kptr, klen, bptr, blen i32) -> i32
	ImportNowUnixNanos  = "now_unix_nanos"  // () -> i64
	ImportMonotonicNano = "monotonic_nanos" // () -> i64
	ImportRandomFill    = "random_fill"     // (ptr, len i32)
	ImportSetError      = "set_error"       // (ptr, len i32)

	// ABI 1.1, optional: host-accelerated primitives (docs/ABI.md).
	ImportSHA256   = "sha256"    // (ptr, len, out_ptr i32) -> i32 errno
	ImportJSONScan = "json_scan" // (src, src_len, tape, tape_cap, strs, strs_cap, flags i32) -> i64

	// WASIModule is provided for toolchains that need it, without files,
	// environment, arguments or sockets.
	WASIModule = "wasi_snapshot_preview1"

	// EnvModule.ImportAbort is AssemblyScript's abort(msg, file, line, col).
	EnvModule   = "env"
	ImportAbort = "abort"
)

// Errno-like results of the 1.1 host primitives (json_scan returns them
// negated, with an offset; see sdk/go/kwjson's tape).
const (
	ErrnoOK         = 0
	ErrnoOutOfRange = 1 // a pointer and length outside guest memory
	ErrnoNoSpace    = 2 // an output buffer is too small
)

// Log levels of the log import.
const (
	LogDebug = 0
	LogInfo  = 1
	LogWarn  = 2
	LogError = 3
)

// CallFailed is the i64 an operation returns when the whole call failed; the
// message is the last set_error of the call.
const CallFailed = ^uint64(0)

// Per-record markers.
const (
	// PartitionNoOpinion lets the host's default partitioner decide.
	PartitionNoOpinion int32 = -1
	// PartitionError fails the record; its message is in the error list.
	PartitionError int32 = -2

	// LenNull marks a null key, value or header value.
	LenNull int32 = -1
	// LenError marks a failed record in codec and enrich outputs; a u32
	// message length and the message follow.
	LenError int32 = -2
)

// PackResult builds an operation's i64 result from a pointer and a length.
func PackResult(ptr, n uint32) uint64 { return uint64(ptr)<<32 | uint64(n) }

// UnpackResult splits an operation's i64 result.
func UnpackResult(r uint64) (ptr, n uint32) { return uint32(r >> 32), uint32(r) }
