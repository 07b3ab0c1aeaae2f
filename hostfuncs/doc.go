// Package hostfuncs is the host side of the functions a kafkawasm plugin may
// import (docs/ABI.md): the "kafkawasm" module (log, config_get,
// now_unix_nanos, monotonic_nanos, random_fill, set_error, and the ABI 1.1
// primitives sha256 and json_scan in accel.go), AssemblyScript's
// env.abort, and the sandboxed WASI configuration. Nothing else: a plugin
// gets no filesystem, network or environment access from this package.
//
// Host functions are registered once per wazero.Runtime with Instantiate and
// find the calling plugin through the call's context: the runtime package
// gives every module instance a *Call and passes WithCall(ctx, call) to
// every export it calls. They use wazero's stack-based GoModuleFunc API
// (no reflection): about 90 ns per guest-to-host call.
//
// Concurrency: Instantiate and NewEnv are safe for concurrent use; an Env is
// immutable and shared by all instances of a plugin; a Call belongs to one
// module instance and is used by one goroutine at a time (the one that holds
// the instance).
package hostfuncs
