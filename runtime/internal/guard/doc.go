// Package guard rewrites a WebAssembly binary so that a host can interrupt
// it cheaply: the "instrument" time bound of package runtime.
//
// Instrument adds one exported mutable i32 global, $stop (StopExport), one
// i32 local per function, $n, and two kinds of checks:
//
//	;; at the entry of every function that calls another
//	global.get $stop; if unreachable end
//	;; after every loop's block type
//	local.get $n; i32.const 1; i32.add; local.tee $n
//	i32.const Interval; i32.ge_u
//	if                                      ;; once per Interval iterations:
//	  i32.const 0; local.set $n
//	  global.get $stop; if unreachable end  ;;   trap if the host said stop
//	  i32.const 0; memory.grow; drop        ;;   return to Go once
//	end
//
// A loop iteration pays a register increment, a compare and a branch; the
// counter lives in a local so that no memory store sits on the loop's
// critical path. The host stops a runaway guest by setting $stop to 1 from
// another goroutine: the guest traps at its next checked function entry or within
// Interval iterations of any loop. The memory.grow(0) is a no-op that makes
// wazero's compiled code return to Go: compiled Wasm cannot be preempted by
// Go's scheduler, so without it a guest in a tight loop would stall a
// stop-the-world garbage collection, and with it the whole process,
// including the goroutine that would stop the guest (a test proves it).
//
// Compared with wazero's WithCloseOnContextDone, which makes every loop
// iteration call into Go and starts a goroutine per call, a check costs a
// few native instructions; see runtime's doc for the measured figures.
//
// Since the module is rewritten anyway, Instrument also merges its data
// segments when no one can tell (see coalesceData): Go's linker emits
// ~27,000 small ones, a few milliseconds of decoding, validation and
// copying at every load and instantiation; merged, they are two or three,
// with at most 1 KiB of zeros between neighbours. Version numbers the
// output format, for caches of it.
//
// Only instructions of the features wazero enables by default (WebAssembly
// 2.0) plus tail calls, exception handling and threads are understood; any
// other opcode is an error, and so is a module that exports a name starting
// with the reserved prefix. DWARF custom sections (.debug_*) are dropped, as
// the rewrite moves code offsets. The package is safe for concurrent use.
package guard
