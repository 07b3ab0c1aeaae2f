// Package sdk is the Go guest SDK for kafkawasm plugins: partitioners,
// codecs and header enrichers compiled to WebAssembly with the standard Go
// toolchain and run sandboxed by the kafkawasm producer.
//
// A plugin is a main package that registers its callbacks in init and has an
// empty main:
//
//	package main
//
//	import sdk "github.com/kafkawasm/kafkawasm/sdk/go"
//
//	func init() {
//		sdk.RegisterPartitioner(func(r sdk.Record, partitionCount int) (int, error) {
//			if r.Key == nil {
//				return sdk.NoOpinion, nil
//			}
//			return int(r.Key[0]) % partitionCount, nil
//		})
//	}
//
//	func main() {}
//
// Build it as a WASI reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// The SDK implements ABI version 1.1 (docs/ABI.md): it exports
// kw_abi_version, kw_input, kw_configure, kw_partition, kw_encode, kw_decode
// and kw_enrich, parses the batch inputs and writes the output layouts.
// Every kind is exported because a Go module exports all of its
// //go:wasmexport functions; calling a kind that was not registered fails the
// whole call with a message naming the missing registration. main is not run
// in a reactor (only package initialisation is), so register in init.
//
// # Concurrency and lifetime
//
// The host never calls one instance from two goroutines, so callbacks run one
// at a time and may keep state in package variables without locking. The
// byte slices of a Record (Key, Value, header values) and the input of a
// codec point into the SDK's input buffer: they are valid only until the
// callback returns and must be copied to be kept. Slices returned by
// callbacks are copied out by the SDK before the next call, so a plugin may
// reuse one buffer for every result.
//
// Nil and empty are distinct: a nil Key, Value or header value is Kafka's
// null; a non-nil empty slice is zero bytes.
//
// # Host functions
//
// Log, Now, Monotonic, Random and ConfigValue call the host imports of module
// "kafkawasm". Use them rather than time.Now, crypto/rand or math/rand: those
// go through WASI, whose clocks are fixed and whose random source is
// deterministic unless the plugin's table grants them. Outside wasip1 (for example in a plugin's native unit tests)
// they fall back to stderr, the system clocks and crypto/rand, and
// ConfigValue reports every key absent.
//
// SHA256, ParseJSON and ParseJSONSorted call the ABI 1.1 host primitives
// (sha256, json_scan): a module imports them only if it calls them, and then
// needs a 1.1 host. Outside wasip1 they run the host's code in-process.
//
// The pure-Go layout code (AppendBatchInput, Batch.Parse, the output
// encoders and decoders) builds on every platform and is shared with tests
// that drive plugins from the host side.
package sdk
