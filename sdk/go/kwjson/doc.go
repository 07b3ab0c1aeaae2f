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
// A Doc is reused across Parse calls and is not safe for concurrent use.
package kwjson
