// The json-codec wire format: the twin of ../go/wire.go (format described
// there and in ../README.md). Errors are reported through `wireError`.

import { ByteBuf, copyBytes, equalBytes } from "../../../sdk/assemblyscript/assembly/index";
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

/** The last error of encodeWire or decodeWire. */
export let wireError: string | null = null;

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

// The encoder's hot path writes through a raw pointer into room reserved
// up front (encodeWire): no capacity check per byte. A document of n source
// bytes has a wire form of at most 2n+16 bytes: no value's wire bytes
// outnumber twice its source text (a one-digit integer: 2 for 1), and the
// version byte comes on top.

@inline function putUvarint(p: usize, v: u64): usize {
  while (v >= 0x80) {
    store<u8>(p, <u8>(v | 0x80));
    v >>= 7;
    p++;
  }
  store<u8>(p, <u8>v);
  return p + 1;
}

/** Writes the wire form of leaf node v of kind k at p; returns the end. */
@inline function putLeaf(t: usize, sp: usize, src: usize, v: i32, k: i32, p: usize): usize {
  if (k == KIND_STRING) {
    const n = nodeN(t, v);
    store<u8>(p, TAG_STRING);
    p = putUvarint(p + 1, <u64>n);
    if (n > 0) copyBytes(p, sp + <usize>nodeOff(t, v), n);
    return p + <usize>n;
  }
  if (k == KIND_NUMBER) {
    const q = src + <usize>nodeOff(t, v);
    const n = nodeN(t, v);
    if (parseInt64(q, n)) {
      store<u8>(p, TAG_INT);
      return putUvarint(p + 1, <u64>(parsedInt << 1) ^ <u64>(parsedInt >> 63));
    }
    store<u8>(p, TAG_NUMBER);
    p = putUvarint(p + 1, <u64>n);
    copyBytes(p, q, n);
    return p + <usize>n;
  }
  store<u8>(p, k == KIND_NULL ? TAG_NULL : k == KIND_FALSE ? TAG_FALSE : TAG_TRUE);
  return p + 1;
}

/**
 * Writes the wire form of container node v at p and returns the end, or 0
 * after setting wireError. checked: v is an object already checked for
 * duplicate keys. Leaves are written in the loops; only containers recurse.
 */
function putContainer(d: JsonDoc, t: usize, sp: usize, src: usize, v: i32, p: usize, checked: bool): usize {
  const obj = nodeKind(t, v) == KIND_OBJECT;
  if (obj && !checked) {
    const dup = duplicateAt(d, v);
    if (dup !== null) {
      wireError = dup;
      return 0;
    }
  }
  const n = nodeN(t, v);
  store<u8>(p, obj ? TAG_OBJECT : TAG_ARRAY);
  p = putUvarint(p + 1, <u64>n);
  let c = v + 1;
  for (let j = 0; j < n; j++) {
    if (obj) {
      const kn = nodeN(t, c);
      p = putUvarint(p, <u64>kn);
      if (kn > 0) copyBytes(p, sp + <usize>nodeOff(t, c), kn);
      p += <usize>kn;
      c++;
    }
    const k = nodeKind(t, c);
    if (k == KIND_ARRAY || k == KIND_OBJECT) {
      p = putContainer(d, t, sp, src, c, p, false);
      if (p == 0) return 0;
    } else {
      p = putLeaf(t, sp, src, c, k, p);
    }
    c = nodeEnd(t, c);
  }
  return p;
}

/**
 * Replaces out's contents with the wire form of the root object of d (parsed
 * from srcLen bytes with SCAN_SORT_KEYS, root already checked for duplicate
 * keys); false after setting wireError.
 */
export function encodeWire(d: JsonDoc, srcLen: i32, out: ByteBuf): bool {
  wireError = null;
  out.reset();
  out.ensure(2 * srcLen + 16);
  const start = out.ptr;
  store<u8>(start, WIRE_VERSION);
  const end = putContainer(d, d.tapePtr, d.strsPtr, d.srcPtr, 0, start + 1, true);
  if (end == 0) return false;
  out.len = <i32>(end - start);
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

