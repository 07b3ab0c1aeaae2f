// Package kwjson is a small, allocation-free JSON parser and canonical
// writer for plugins. The AssemblyScript SDK has a line-for-line twin
// (sdk/assemblyscript/assembly/json.ts), so a plugin written in either
// language accepts exactly the same documents and reports exactly the same
// errors; that is why plugins use it instead of encoding/json.
//
// The dialect is RFC 8259 JSON with these rules:
//   - whitespace is space, tab, CR and LF;
//   - strings must be valid UTF-8; \u escapes must not leave a lone
//     surrogate; control characters (< 0x20) must be escaped;
//   - containers nest at most MaxDepth deep;
//   - duplicate object keys are kept (Get returns the first);
//   - numbers are kept as their literal text.
//
// Errors are *SyntaxError values whose message is one of "unexpected end of
// input", "invalid character", "invalid escape", "invalid UTF-8" or
// "nesting too deep", followed by " at offset N" (a byte offset).
//
// SortMembers puts every object's members in key order (stable). The tape
// (tape.go) is the document's flat form: Scan writes it, ParseWith loads a
// Doc from any Scanner, such as the kafkawasm host's json_scan import, which
// parses at native speed for a plugin (sdk.ParseJSON). TapeNodes,
// StringArea and Source expose the tape read-only for hot loops that index
// nodes directly (in Wasm, a call per field is what costs).
//
// A Doc is reused across Parse calls and is not safe for concurrent use.
package kwjson
