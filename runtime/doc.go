// Package runtime hosts kafkawasm plugins: WebAssembly modules that
// partition, encode or enrich Kafka records, run sandboxed by wazero. It
// loads and validates modules, keeps pools of instances, bounds their time
// and memory, applies each plugin's failure policy, and adapts plugins to
// the kafka package's extension interfaces (kafka never imports wazero).
// The contract with plugins is docs/ABI.md.
//
// # Loading
//
//	p, err := runtime.Load(ctx, runtime.PluginConfig{
//		Name: "by-region", Kind: runtime.KindPartitioner, Path: "region.wasm",
//		Timeout: 20 * time.Millisecond, OnError: runtime.OnErrorFallback,
//	})
//	producerConfig.Partitioner = p.Partitioner()
//
// Load reads the module, checks the optional SHA-256 pin, compiles it once
// through the Runtime's compilation cache (on disk by default, under
// os.UserCacheDir()/kafkawasm/wazero), validates its imports (only the
// kafkawasm host module, env.abort and WASI preview 1) and exports (the
// kind's operations and their signatures), then starts one instance, which
// runs the start function, _initialize, the ABI version check and
// kw_configure. Every failure is a *PluginError whose cause wraps one of
// the ErrXxx sentinels and says what is wrong.
//
// For producer.toml, PluginsConfig is the [plugins] and [topics] part
// (strict decoding: unknown keys are errors with line and column) and
// Build turns it into a Pipeline: one kafka.RecordPartitioner and one
// kafka.Interceptor that dispatch by topic.
//
// # Adapters
//
//   - (*Plugin).Partitioner: kafka.RecordPartitioner; one guest call per
//     chunk of records (at most MaxBatchBytes of input each).
//   - (*Plugin).Interceptor: for enrichers, appends headers in order.
//   - (*Plugin).ValueCodec, KeyCodec: interceptors that encode values or
//     keys before partitioning; (*Plugin).Codec: a kafka.Codec[[]byte].
//
// # Concurrency
//
// Runtime, Plugin, Pipeline and every adapter are safe for concurrent use.
// A Plugin owns a pool of PoolSize instances (default GOMAXPROCS); an
// adapter call takes one instance for its duration, so an instance is never
// used by two goroutines at once, and waits (blocks) only while all are
// busy. Instances are created on demand, keep their api.Function values,
// call stack and input/output buffers, and are discarded after a trap, a
// timeout, or when their memory grew past three quarters of MaxMemoryMB.
//
// # Failure policy
//
// Host-detected failures (trap, timeout, whole-call failure, kw_input
// failure, malformed output, out-of-range partition) fail the affected
// records with a *PluginError, or, with OnErrorFallback, send them to the
// default partitioner (kafka.Murmur2Partitioner) or skip the enricher.
// Codecs have no fallback. A record the plugin rejects on purpose always
// fails (ErrRecordRejected). The other records of a batch are never lost.
//
// # Time bound
//
// Compiled Wasm cannot be preempted, so a bound needs the guest's
// cooperation. Three mechanisms (PluginConfig.TimeBound):
//
//   - TimeBoundInstrument (default): the module is rewritten at load time
//     (package runtime/internal/guard, cached by digest): a loop counter in
//     a local, a stop-flag check every 4096 iterations of a loop and at the
//     entry of functions that call others. One watchdog goroutine per Runtime, alive
//     while instrumented instances exist, sets the flag of calls past their
//     deadline, with a coarse clock so that arming a call costs three
//     atomic operations. Every 4096 iterations the guest also returns to Go
//     once (memory.grow(0)) so that a spinning guest cannot stall a
//     garbage collection.
//   - TimeBoundContext: wazero's WithCloseOnContextDone with a deadline per
//     call: every loop iteration calls into Go and every call starts a
//     goroutine.
//   - TimeBoundNone: no bound.
//
// Measured on the 2-vCPU development machine (shared with other work: the
// minimum of 3 runs), ns per record, for batches of 1, 16 and 256 records
// of a 17-byte key, a 100-byte value and one header; "native" is the same
// logic in Go (go test -run XXX -bench . ./runtime/):
//
//	                          batch=1  batch=16  batch=256
//	partitioner  native            13        11         11
//	(WAT, fnv)   none             183        59         51
//	             instrument       204        74         67
//	             context         2251       663        615
//	partitioner  none             449       213        197
//	(Go guest)   instrument       656       277        258
//	             context         3073      1041       1035
//	enricher     native           106       115        104
//	(3 headers)  none             544       389        328
//	             instrument       528       372        332
//	             context         2173       628        484
//	codec        native            55        61         62
//	(prefix)     none             240       118         84
//	             instrument       271        86         84
//	             context         1642       323        121
//
// In the guest alone (runtime/internal/guard's BenchmarkGuestPartition,
// 256 records), instrumentation costs 23.6 -> 36.7 ns/record for about 22
// loop iterations per record. WithCloseOnContextDone cannot be enabled per
// call: it is compiled into the module (a call into Go at every loop
// iteration), and each call adds a goroutine and a context with a timer;
// the runtime already pays the latter once per chunk, not per record.
//
// Load, from a new Runtime (BenchmarkLoad, BenchmarkPluginLoad): an
// 847-byte WAT module 1.9 ms cold, 0.9 ms warm; an AssemblyScript example
// plugin about 15 ms cold, 1.1-1.5 ms warm; a 2.2 MB Go guest about 0.42 s
// cold, 30-39 ms warm, of which wazero's validation of the function bodies
// (done on every compile, even from its cache) is about 16 ms and reading
// its cached native code about 7 ms. The instrumented binary is cached in
// the cache directory, checked (source SHA-256, CRC-32C) and rewritten if
// damaged; DESIGN.md ("Loading a plugin") has the full split.
//
// # Sandbox
//
// A plugin gets no filesystem, environment, arguments or sockets: WASI is
// instantiated with none, and imports outside the host modules are refused
// at load. WASI clocks are fixed and WASI random is deterministic unless
// the plugin is granted "clock" or "random"; the kafkawasm clock and
// random imports are always real. The guest's stdout and stderr go to the
// plugin's logger.
//
// # Files
//
//	runtime.go    Runtime: compilation cache, wazero runtimes, instrumentation cache
//	load.go       PluginConfig, Load, validation of imports and exports
//	instance.go   instances: creation, calls, time bound, pool, stats
//	watchdog.go   the watchdog of instrumented instances
//	batch.go      chunking records into guest inputs
//	partitioner.go, enricher.go, codec.go   the kafka adapters
//	config.go     the TOML schema, strict decoding, validation
//	pipeline.go   Build and the per-topic dispatchers
//	errors.go, types.go
package runtime
