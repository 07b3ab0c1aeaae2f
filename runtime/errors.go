package runtime

import (
	"errors"
	"fmt"
	"strings"
)

// PluginError is the error of everything a plugin does wrong, at load time
// or on a record: it names the plugin, its kind and the cause. Match causes
// with errors.Is against the ErrXxx sentinels below.
type PluginError struct {
	Plugin string
	Kind   Kind
	Cause  error
}

func (e *PluginError) Error() string {
	if e.Kind == "" {
		return fmt.Sprintf("kafkawasm: plugin %q: %v", e.Plugin, e.Cause)
	}
	return fmt.Sprintf("kafkawasm: plugin %q (%s): %v", e.Plugin, e.Kind, e.Cause)
}

// Unwrap returns the cause.
func (e *PluginError) Unwrap() error { return e.Cause }

// Load-time causes.
var (
	// ErrInvalidConfig: a PluginConfig field is missing or out of range.
	ErrInvalidConfig = errors.New("invalid plugin config")
	// ErrSHA256Mismatch: the module's digest differs from the pinned one.
	ErrSHA256Mismatch = errors.New("sha256 mismatch")
	// ErrInvalidModule: the bytes are not a valid WebAssembly module, or
	// the module has no memory, or uses a reserved export name.
	ErrInvalidModule = errors.New("invalid wasm module")
	// ErrABIVersion: the module speaks an ABI major version other than 1.
	ErrABIVersion = errors.New("unsupported ABI version")
	// ErrMissingExport: an export the plugin's kind requires is missing or
	// has the wrong signature.
	ErrMissingExport = errors.New("missing or mistyped export")
	// ErrUnknownImport: the module imports something the host does not
	// provide (or with another signature).
	ErrUnknownImport = errors.New("import not provided by the host")
	// ErrMemoryLimit: the module needs more memory than max_memory_mb.
	ErrMemoryLimit = errors.New("memory limit")
	// ErrConfigure: kw_configure refused the plugin's config.
	ErrConfigure = errors.New("plugin refused its config")
	// ErrWrongKind: an adapter of one kind was asked of a plugin of
	// another kind (for example Partitioner of a codec).
	ErrWrongKind = errors.New("wrong plugin kind")
	// ErrClosed: the plugin (or its runtime) was closed.
	ErrClosed = errors.New("plugin closed")
)

// Per-call and per-record causes.
var (
	// ErrTimeout: a call ran past the plugin's timeout and was stopped; the
	// instance is discarded.
	ErrTimeout = errors.New("timeout")
	// ErrTrap: the guest trapped (unreachable, out-of-bounds access, stack
	// overflow, abort, proc_exit, ...); the instance is discarded.
	ErrTrap = errors.New("trap")
	// ErrCallFailed: the guest returned -1 for the whole call (message from
	// set_error, if any).
	ErrCallFailed = errors.New("call failed")
	// ErrMalformedOutput: the guest's output does not follow the ABI layout.
	ErrMalformedOutput = errors.New("malformed output")
	// ErrPartitionOutOfRange: a partitioner returned a partition >= the
	// partition count (or a negative value other than -1 and -2).
	ErrPartitionOutOfRange = errors.New("partition out of range")
	// ErrRecordRejected: the plugin failed this record on purpose (-2 with
	// a message). It fails the record whatever on_error says.
	ErrRecordRejected = errors.New("record rejected")
)

// firstLine cuts wazero's multi-line trap messages (which carry a Wasm stack
// trace) to their first line.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
