// The json-codec wire format: the twin of ../go/wire.go (format described
// there and in ../README.md). Errors are reported through `wireError`.

import { ByteBuf, compareBytes } from "../../../sdk/assemblyscript/assembly/index";
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

function uvarint(out: ByteBuf, v: u64): void {
  while (v >= 0x80) {
    out.u8(<u8>(v | 0x80));
    v >>= 7;
  }
  out.u8(<u8>v);
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

/** Member key node indexes of the objects being encoded (a stack of windows). */
export const members = new Array<i32>(0);

/** Sorts members[base..] by key bytes (insertion sort: objects are small). */
export function sortMembers(d: JsonDoc, base: i32): void {
  for (let i = base + 1; i < members.length; i++) {
    const k = members[i];
    let j = i;
    while (j > base && compareBytes(d.bytesPtr(members[j - 1]), d.bytesLen(members[j - 1]), d.bytesPtr(k), d.bytesLen(k)) > 0) {
      members[j] = members[j - 1];
      j--;
    }
    members[j] = k;
  }
}

/** The first adjacent duplicate key in members[base..], as an error message, or null. */
export function duplicateKey(d: JsonDoc, base: i32): string | null {
  for (let i = base + 1; i < members.length; i++) {
    const a = members[i - 1];
    const b = members[i];
    if (compareBytes(d.bytesPtr(a), d.bytesLen(a), d.bytesPtr(b), d.bytesLen(b)) == 0) {
      return "duplicate key " + quoteBytes(d.bytesPtr(b), d.bytesLen(b));
    }
  }
  return null;
}

/** Appends the wire form of node v; false after setting wireError. */
export function encodeTree(d: JsonDoc, v: i32, out: ByteBuf): bool {
  const k = d.kind(v);
  if (k == KIND_NULL) out.u8(TAG_NULL);
  else if (k == KIND_FALSE) out.u8(TAG_FALSE);
  else if (k == KIND_TRUE) out.u8(TAG_TRUE);
  else if (k == KIND_NUMBER) {
    const p = d.bytesPtr(v);
    const n = d.bytesLen(v);
    if (parseInt64(p, n)) {
      out.u8(TAG_INT);
      uvarint(out, <u64>(parsedInt << 1) ^ <u64>(parsedInt >> 63));
    } else {
      out.u8(TAG_NUMBER);
      uvarint(out, <u64>n);
      out.bytes(p, n);
    }
  } else if (k == KIND_STRING) {
    out.u8(TAG_STRING);
    uvarint(out, <u64>d.bytesLen(v));
    out.bytes(d.bytesPtr(v), d.bytesLen(v));
  } else if (k == KIND_ARRAY) {
    out.u8(TAG_ARRAY);
    uvarint(out, <u64>d.len(v));
    for (let c = d.first(v); c >= 0; c = d.next(v, c)) {
      if (!encodeTree(d, c, out)) return false;
    }
  } else if (k == KIND_OBJECT) {
    const base = members.length;
    for (let c = d.first(v); c >= 0; c = d.next(v, c)) members.push(c);
    sortMembers(d, base);
    const dup = duplicateKey(d, base);
    if (dup !== null) {
      wireError = dup;
      return false;
    }
    const n = members.length - base;
    out.u8(TAG_OBJECT);
    uvarint(out, <u64>n);
    for (let i = base; i < base + n; i++) {
      const key = members[i];
      uvarint(out, <u64>d.bytesLen(key));
      out.bytes(d.bytesPtr(key), d.bytesLen(key));
      if (!encodeTree(d, key + 1, out)) return false;
    }
    members.length = base;
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
  members.length = 0;
  out.reset();
  out.u8(WIRE_VERSION);
}
