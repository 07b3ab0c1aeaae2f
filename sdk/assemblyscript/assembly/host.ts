// Host imports of module "kafkawasm" (docs/ABI.md) and friendly wrappers.

@external("kafkawasm", "log")
declare function kwLog(level: i32, ptr: usize, len: i32): void;

@external("kafkawasm", "config_get")
declare function kwConfigGet(keyPtr: usize, keyLen: i32, bufPtr: usize, bufLen: i32): i32;

@external("kafkawasm", "now_unix_nanos")
declare function kwNowUnixNanos(): i64;

@external("kafkawasm", "monotonic_nanos")
declare function kwMonotonicNanos(): i64;

@external("kafkawasm", "random_fill")
declare function kwRandomFill(ptr: usize, len: i32): void;

@external("kafkawasm", "set_error")
declare function kwSetError(ptr: usize, len: i32): void;

/** Log levels understood by the host. */
export const LEVEL_DEBUG: i32 = 0;
export const LEVEL_INFO: i32 = 1;
export const LEVEL_WARN: i32 = 2;
export const LEVEL_ERROR: i32 = 3;

/** Writes msg to the producer's logger, tagged with the plugin's name. */
export function log(level: i32, msg: string): void {
  const b = String.UTF8.encode(msg);
  kwLog(level, changetype<usize>(b), b.byteLength);
}

/** The host's wall clock, in nanoseconds since the Unix epoch. */
export function nowUnixNanos(): i64 {
  return kwNowUnixNanos();
}

/** The host's monotonic clock in nanoseconds (only differences matter). */
export function monotonicNanos(): i64 {
  return kwMonotonicNanos();
}

/** Fills buf with crypto-seeded random bytes. Prefer one call for many bytes. */
export function random(buf: Uint8Array): void {
  if (buf.length > 0) kwRandomFill(buf.dataStart, buf.length);
}

/** Fills n bytes at address p with random bytes (no allocation). */
export function randomInto(p: usize, n: i32): void {
  if (n > 0) kwRandomFill(p, n);
}

/** The JSON text of a top-level key of the plugin's config, or null if absent. */
export function configValue(key: string): Uint8Array | null {
  const k = String.UTF8.encode(key);
  let buf = new Uint8Array(256);
  for (;;) {
    const n = kwConfigGet(changetype<usize>(k), k.byteLength, buf.dataStart, buf.length);
    if (n < 0) return null;
    if (n <= buf.length) return buf.subarray(0, n);
    buf = new Uint8Array(n);
  }
}

/** Passes a whole-call failure message to the host. */
export function setError(msg: string): void {
  const b = String.UTF8.encode(msg);
  kwSetError(changetype<usize>(b), b.byteLength);
}

/**
 * The abort handler the build selects with `--use abort=...` (see README):
 * it logs the message and location at error level, passes them to set_error
 * and traps, so the module needs no env.abort import.
 */
export function kwAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let msg = "abort";
  if (message !== null) msg += ": " + message;
  if (fileName !== null) msg += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  log(LEVEL_ERROR, msg);
  setError(msg);
  unreachable();
}

// ABI 1.1 host primitives (docs/ABI.md, "Host primitives"). A module imports
// them only if it calls them (asc drops unused imports); one that does
// needs a host that speaks ABI 1.1.

@external("kafkawasm", "sha256")
declare function kwSHA256(ptr: usize, len: i32, out: usize): i32;

@external("kafkawasm", "json_scan")
declare function kwJSONScan(src: usize, srcLen: i32, tape: usize, tapeCap: i32, strs: usize, strsCap: i32, flags: i32): i64;

/** Writes the SHA-256 of n bytes at p to the 32 bytes at out, computed by the host. */
export function sha256Into(p: usize, n: i32, out: usize): void {
  if (kwSHA256(p, n, out) != 0) unreachable();
}

/**
 * The host's JSON scanner: see JsonDoc.parseHost, which is how plugins use it.
 * Returns nodes << 32 | string bytes, or -(offset << 8 | code).
 */
export function jsonScan(src: usize, srcLen: i32, tape: usize, tapeCap: i32, strs: usize, strsCap: i32, flags: i32): i64 {
  return kwJSONScan(src, srcLen, tape, tapeCap, strs, strsCap, flags);
}
