// Package abi holds the constants and buffer layouts of the kafkawasm plugin
// ABI, version 1 (docs/ABI.md), shared by the host (runtime, hostfuncs) and
// by tests that play the guest.
//
// It is a dependency-free leaf: only the standard library. Encoders are
// append-style (AppendXxx(dst, ...) []byte) and never fail; decoders read
// untrusted bytes (a plugin's output is untrusted) with a sticky-error
// Reader, never panic, never allocate more than the input can describe, and
// return an error wrapping ErrMalformed for anything that does not match the
// layout exactly, including trailing bytes.
//
// All functions are safe for concurrent use; the Reader is not.
package abi
