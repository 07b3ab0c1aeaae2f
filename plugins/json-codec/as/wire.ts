// The json-codec wire format: the twin of ../go/wire.go (format described
// there and in ../README.md). Errors are reported through `wireError`.

import { ByteBuf, equalBytes } from "../../../sdk/assemblyscript/assembly/index";
import {
  JsonDoc,
  KIND_ARRAY,
  KIND_FALSE,
  KIND_NULL,
  KIND_NUMBER,
  KIND_OBJECT,
  KIND_STRING,
  KIND_TRUE,
  MAX_DEPTH,
  appendJSONString,
  quoteBytes,
  validUTF8,
} from "../../../sdk/assemblyscript/assembly/json";

const WIRE_VERSION: u8 = 1;
const TAG_NULL: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 2;
const TAG_INT: u8 = 3;
const TAG_NUMBER: u8 = 4;
const TAG_STRING: u8 = 5;
const TAG_ARRAY: u8 = 6;
const TAG_OBJECT: u8 = 7;

/** The last error of encodeTree or decodeWire. */
export let wireError: string | null = null;

// The one-byte case (every count and length under 128) is inlined at each call.
@inline function uvarint(out: ByteBuf, v: u64): void {
  if (v < 0x80) out.u8(<u8>v);
  else uvarintLong(out, v);
}

function uvarintLong(out: ByteBuf, v: u64): void {
  out.ensure(10);
  let p = out.ptr + <usize>out.len;
  const start = p;
  while (v >= 0x80) {
    store<u8>(p, <u8>(v | 0x80));
    v >>= 7;
    p++;
  }
  store<u8>(p, <u8>v);
  out.len += <i32>(p + 1 - start);
}

// Integer parsed by parseInt64.
let parsedInt: i64 = 0;

/** Parses an integer literal (no fraction or exponent) that fits in i64 into parsedInt; "-0" is 0. */
function parseInt64(p: usize, n: i32): bool {
  const neg = load<u8>(p) == 0x2d;
  let i: i32 = neg ? 1 : 0;
  if (n - i > 19) return false;
  let u: u64 = 0;
  for (; i < n; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c < 0x30 || c > 0x39) return false;
    u = u * 10 + <u64>(c - 0x30);
  }
  if (neg) {
    if (u > 0x8000000000000000) return false;
    parsedInt = <i64>(0 - u);
    return true;
  }
  if (u > 0x7fffffffffffffff) return false;
  parsedInt = <i64>u;
  return true;
}

// Raw tape fields of node i (docs/ABI.md, "json_scan"): the encoder walks
// the tape directly, without per-field method calls.
@inline export function nodeKind(t: usize, i: i32): i32 {
  return load<i32>(t + (<usize>i << 4));
}
@inline export function nodeOff(t: usize, i: i32): i32 {
  return load<i32>(t + (<usize>i << 4), 4);
}
@inline export function nodeN(t: usize, i: i32): i32 {
  return load<i32>(t + (<usize>i << 4), 8);
}
@inline export function nodeEnd(t: usize, i: i32): i32 {
  return load<i32>(t + (<usize>i << 4), 12);
}

/** The first duplicate key of object node v (keys sorted: duplicates adjacent), as an error, or null. */
export function duplicateAt(d: JsonDoc, v: i32): string | null {
  const t = d.tapePtr;
  const sp = d.strsPtr;
  const n = nodeN(t, v);
  let c = v + 1;
  for (let j = 0; j < n; j++) {
    const next = nodeEnd(t, c + 1);
    if (j + 1 < n) {
      const an = nodeN(t, c);
      const bn = nodeN(t, next);
      if (an == bn && equalBytes(sp + <usize>nodeOff(t, c), sp + <usize>nodeOff(t, next), an)) {
        return "duplicate key " + quoteBytes(sp + <usize>nodeOff(t, next), bn);
      }
    }
    c = next;
  }
  return null;
}

/**
 * Appends the wire form of node v of a document parsed with sorted keys
 * (SCAN_SORT_KEYS); false after setting wireError. checked: v is an object
 * already checked for duplicate keys.
 */
export function encodeTree(d: JsonDoc, v: i32, out: ByteBuf, checked: bool = true): bool {
  const t = d.tapePtr;
  const k = nodeKind(t, v);
  if (k == KIND_NULL) out.u8(TAG_NULL);
  else if (k == KIND_FALSE) out.u8(TAG_FALSE);
  else if (k == KIND_TRUE) out.u8(TAG_TRUE);
  else if (k == KIND_NUMBER) {
    const p = d.srcPtr + <usize>nodeOff(t, v);
    const n = nodeN(t, v);
    if (parseInt64(p, n)) {
      out.u8(TAG_INT);
      uvarint(out, <u64>(parsedInt << 1) ^ <u64>(parsedInt >> 63));
    } else {
      out.u8(TAG_NUMBER);
      uvarint(out, <u64>n);
      out.bytes(p, n);
    }
  } else if (k == KIND_STRING) {
    const n = nodeN(t, v);
    out.u8(TAG_STRING);
    uvarint(out, <u64>n);
    out.bytes(d.strsPtr + <usize>nodeOff(t, v), n);
  } else if (k == KIND_ARRAY) {
    const n = nodeN(t, v);
    out.u8(TAG_ARRAY);
    uvarint(out, <u64>n);
    let c = v + 1;
    for (let j = 0; j < n; j++) {
      if (!encodeTree(d, c, out, false)) return false;
      c = nodeEnd(t, c);
    }
  } else if (k == KIND_OBJECT) {
    if (!checked) {
      const dup = duplicateAt(d, v);
      if (dup !== null) {
        wireError = dup;
        return false;
      }
    }
    const n = nodeN(t, v);
    out.u8(TAG_OBJECT);
    uvarint(out, <u64>n);
    let c = v + 1;
    for (let j = 0; j < n; j++) {
      const kn = nodeN(t, c);
      uvarint(out, <u64>kn);
      out.bytes(d.strsPtr + <usize>nodeOff(t, c), kn);
      if (!encodeTree(d, c + 1, out, false)) return false;
      c = nodeEnd(t, c + 1);
    }
  }
  return true;
}

// Decoder state.
let src: usize = 0;
let srcLen: i32 = 0;
let pos: i32 = 0;

function dfail(msg: string, off: i32): void {
  if (wireError === null) wireError = "wire: " + msg + " at offset " + off.toString();
}

function readUvarint(): u64 {
  const start = pos;
  let v: u64 = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= srcLen) {
      dfail("truncated", start);
      return 0;
    }
    const b = load<u8>(src + <usize>pos);
    pos++;
    if (i == 9 && b > 1) {
      dfail("invalid varint", start);
      return 0;
    }
    v |= (<u64>(b & 0x7f)) << (<u64>(7 * i));
    if (b < 0x80) return v;
  }
  return v; // not reached: the 10th byte is <= 1
}

// Bytes read by readBytes: address and length.
let bytesAt: usize = 0;
let bytesN: i32 = 0;

function readBytes(): void {
  const n = readUvarint();
  bytesN = 0;
  if (wireError !== null) return;
  if (n > <u64>(srcLen - pos)) {
    dfail("truncated", pos);
    return;
  }
  bytesAt = src + <usize>pos;
  bytesN = <i32>n;
  pos += <i32>n;
}

function text(out: ByteBuf): void {
  readBytes();
  if (wireError !== null) return;
  const bad = validUTF8(bytesAt, bytesN);
  if (bad >= 0) {
    dfail("invalid UTF-8", pos - bytesN + bad);
    return;
  }
  appendJSONString(out, bytesAt, bytesN);
}

function count(): i32 {
  const n = readUvarint();
  if (wireError === null && n > <u64>(srcLen - pos)) dfail("truncated", pos);
  return <i32>n;
}

function value(out: ByteBuf, depth: i32): void {
  if (pos >= srcLen) {
    dfail("truncated", pos);
    return;
  }
  const tagPos = pos;
  const tag = load<u8>(src + <usize>pos);
  pos++;
  if (tag == TAG_NULL) out.str("null");
  else if (tag == TAG_FALSE) out.str("false");
  else if (tag == TAG_TRUE) out.str("true");
  else if (tag == TAG_INT) {
    const u = readUvarint();
    out.decimal(<i64>(u >> 1) ^ -(<i64>(u & 1)));
  } else if (tag == TAG_NUMBER) {
    readBytes();
    if (wireError === null && !JsonDoc.validNumber(bytesAt, bytesN)) dfail("invalid number", tagPos);
    out.bytes(bytesAt, bytesN);
  } else if (tag == TAG_STRING) text(out);
  else if (tag == TAG_ARRAY || tag == TAG_OBJECT) {
    if (depth >= MAX_DEPTH) {
      dfail("nesting too deep", tagPos);
      return;
    }
    const n = count();
    out.u8(tag == TAG_OBJECT ? 0x7b : 0x5b);
    for (let i = 0; i < n && wireError === null; i++) {
      if (i > 0) out.u8(0x2c);
      if (tag == TAG_OBJECT) {
        text(out);
        out.u8(0x3a);
      }
      value(out, depth + 1);
    }
    out.u8(tag == TAG_OBJECT ? 0x7d : 0x5d);
  } else dfail("unknown tag " + tag.toString(), tagPos);
}

/** Decodes n wire bytes at p into canonical JSON in out; false after setting wireError. */
export function decodeWire(p: usize, n: i32, out: ByteBuf): bool {
  wireError = null;
  out.reset();
  if (n == 0) {
    wireError = "wire: truncated at offset 0";
    return false;
  }
  const v = load<u8>(p);
  if (v != WIRE_VERSION) {
    wireError = "wire: unsupported version " + v.toString();
    return false;
  }
  src = p;
  srcLen = n;
  pos = 1;
  if (pos < n && load<u8>(p + 1) != TAG_OBJECT) {
    wireError = "wire: root must be an object";
    return false;
  }
  value(out, 0);
  if (wireError === null && pos != srcLen) dfail("trailing data", pos);
  return wireError === null;
}

export function beginEncode(out: ByteBuf): void {
  wireError = null;
  out.reset();
  out.u8(WIRE_VERSION);
}
