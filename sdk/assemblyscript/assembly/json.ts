// A small allocation-light JSON parser and canonical writer: the twin of the
// Go SDK's kwjson package (sdk/go/kwjson). Both accept exactly the same
// documents and report exactly the same errors, so Go and AssemblyScript
// plugins behave identically. Keep the two in step.
//
// Values are node indexes into a JsonDoc (-1: missing). Object members are a
// String key node followed by the value's subtree.

import { ByteBuf, utf8Equals } from "./buffer";
import { jsonScan } from "./host";

/** parseHost flag: every object's members in ascending key byte order (stable). */
export const SCAN_SORT_KEYS: i32 = 1;

// Messages of the host scanner's syntax error codes 3..7 (kwjson's).
const SCAN_MESSAGES = ["", "", "", "unexpected end of input", "invalid character", "invalid UTF-8", "invalid escape", "nesting too deep"];

export const MAX_DEPTH: i32 = 64;

export const KIND_INVALID: i32 = 0;
export const KIND_NULL: i32 = 1;
export const KIND_FALSE: i32 = 2;
export const KIND_TRUE: i32 = 3;
export const KIND_NUMBER: i32 = 4;
export const KIND_STRING: i32 = 5;
export const KIND_ARRAY: i32 = 6;
export const KIND_OBJECT: i32 = 7;

/** The JSON type name of a kind: null, boolean, number, string, array, object, or "missing". */
export function kindName(k: i32): string {
  switch (k) {
    case KIND_NULL:
      return "null";
    case KIND_FALSE:
    case KIND_TRUE:
      return "boolean";
    case KIND_NUMBER:
      return "number";
    case KIND_STRING:
      return "string";
    case KIND_ARRAY:
      return "array";
    case KIND_OBJECT:
      return "object";
  }
  return "missing";
}

@inline function isDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

function hexVal(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61) + 10;
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41) + 10;
  return -1;
}

/** Length of the valid UTF-8 sequence at p (first byte >= 0x80, n bytes available), or 0. */
function utf8Len(p: usize, n: i32): i32 {
  const c = <u32>load<u8>(p);
  let len: i32 = 0;
  let lo: u32 = 0x80;
  let hi: u32 = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) len = 2;
  else if (c == 0xe0) {
    len = 3;
    lo = 0xa0;
  } else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) len = 3;
  else if (c == 0xed) {
    len = 3;
    hi = 0x9f;
  } else if (c == 0xf0) {
    len = 4;
    lo = 0x90;
  } else if (c >= 0xf1 && c <= 0xf3) len = 4;
  else if (c == 0xf4) {
    len = 4;
    hi = 0x8f;
  } else return 0;
  if (n < len) return 0;
  const b1 = <u32>load<u8>(p + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (let i: i32 = 2; i < len; i++) {
    const b = <u32>load<u8>(p + <usize>i);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return len;
}

/** Offset of the first invalid UTF-8 byte in p..p+n, or -1. */
export function validUTF8(p: usize, n: i32): i32 {
  let i: i32 = 0;
  while (i < n) {
    if (load<u8>(p + <usize>i) < 0x80) {
      i++;
      continue;
    }
    const l = utf8Len(p + <usize>i, n - i);
    if (l == 0) return i;
    i += l;
  }
  return -1;
}

function appendRune(b: ByteBuf, r: u32): void {
  if (r < 0x80) b.u8(<u8>r);
  else if (r < 0x800) {
    b.u8(<u8>(0xc0 | (r >> 6)));
    b.u8(<u8>(0x80 | (r & 0x3f)));
  } else if (r < 0x10000) {
    b.u8(<u8>(0xe0 | (r >> 12)));
    b.u8(<u8>(0x80 | ((r >> 6) & 0x3f)));
    b.u8(<u8>(0x80 | (r & 0x3f)));
  } else {
    b.u8(<u8>(0xf0 | (r >> 18)));
    b.u8(<u8>(0x80 | ((r >> 12) & 0x3f)));
    b.u8(<u8>(0x80 | ((r >> 6) & 0x3f)));
    b.u8(<u8>(0x80 | (r & 0x3f)));
  }
}

/** A parsed document. Reuse one JsonDoc for many parses. */
export class JsonDoc {
  private src: usize = 0;
  private srcLen: i32 = 0;
  private pos: i32 = 0;
  // 4 i32 per node: kind, off (String: in strs; Number: in src), n, end.
  private nodes: Array<i32> = new Array<i32>(0);
  private strs: ByteBuf = new ByteBuf(256);
  private errMsg: string | null = null;
  private errOffset: i32 = 0;

  /** Parses n bytes at p; false on error (see error()). p must stay valid while the doc is used. */
  parse(p: usize, n: i32): bool {
    this.src = p;
    this.srcLen = n;
    this.pos = 0;
    this.nodes.length = 0;
    this.strs.reset();
    this.errMsg = null;
    this.value(0);
    if (this.errMsg === null) {
      this.skipWS();
      if (this.pos < n) this.fail("invalid character", this.pos);
    }
    if (this.errMsg !== null) {
      this.nodes.length = 0;
      return false;
    }
    return true;
  }

  parseArray(a: Uint8Array): bool {
    return this.parse(a.dataStart, a.length);
  }

  /**
   * Like parse (same documents, same errors, same doc afterwards), done by
   * the host's json_scan import (ABI 1.1): the host tokenizes the bytes in
   * place and writes the node tape and decoded strings into this doc's
   * buffers. flags: SCAN_SORT_KEYS puts object members in key order.
   */
  parseHost(p: usize, n: i32, flags: i32): bool {
    this.src = p;
    this.srcLen = n;
    this.errMsg = null;
    const maxNodes = n + 1;
    if (this.nodes.length < maxNodes * 4) this.nodes.length = maxNodes * 4;
    this.strs.reset();
    this.strs.ensure(n);
    const r = jsonScan(p, n, this.nodes.dataStart, maxNodes * 16, this.strs.ptr, this.strs.buf.byteLength, flags);
    if (r < 0) {
      const e = -r;
      const code = <i32>(e & 0xff);
      this.nodes.length = 0;
      this.errMsg = code >= 3 && code < SCAN_MESSAGES.length ? SCAN_MESSAGES[code] : "host scanner failed (code " + code.toString() + ")";
      this.errOffset = <i32>(e >> 8);
      return false;
    }
    this.nodes.length = <i32>(r >> 32) * 4;
    this.strs.len = <i32>(r & 0xffffffff);
    return true;
  }

  /**
   * Raw tape access for hot loops (see docs/ABI.md, "json_scan"): the node
   * array's address (16 bytes per node: kind, off, n, end as i32), and the
   * bases that a string's and a number's off are relative to. Valid until
   * the next parse.
   */
  @inline get tapePtr(): usize {
    return this.nodes.dataStart;
  }

  @inline get strsPtr(): usize {
    return this.strs.ptr;
  }

  @inline get srcPtr(): usize {
    return this.src;
  }

  parseArrayHost(a: Uint8Array, flags: i32): bool {
    return this.parseHost(a.dataStart, a.length, flags);
  }

  /** The last error as "<what> at offset N". */
  error(): string {
    const m = this.errMsg;
    if (m === null) return "";
    return m + " at offset " + this.errOffset.toString();
  }

  /** The root node, or -1 when there is no document. */
  root(): i32 {
    return this.nodes.length > 0 ? 0 : -1;
  }

  kind(i: i32): i32 {
    return i < 0 ? KIND_INVALID : this.nodes[i * 4];
  }

  /** Element or member count of a container, else 0. */
  len(i: i32): i32 {
    const k = this.kind(i);
    return k == KIND_ARRAY || k == KIND_OBJECT ? this.nodes[i * 4 + 2] : 0;
  }

  /** Address of a string's decoded bytes or a number's literal. */
  bytesPtr(i: i32): usize {
    const k = this.kind(i);
    if (k == KIND_STRING) return this.strs.ptr + <usize>this.nodes[i * 4 + 1];
    if (k == KIND_NUMBER) return this.src + <usize>this.nodes[i * 4 + 1];
    return 0;
  }

  bytesLen(i: i32): i32 {
    const k = this.kind(i);
    return k == KIND_STRING || k == KIND_NUMBER ? this.nodes[i * 4 + 2] : 0;
  }

  /** A string's value or a number's literal as a new string. */
  text(i: i32): string {
    return String.UTF8.decodeUnsafe(this.bytesPtr(i), <usize>this.bytesLen(i));
  }

  /** Whether i is a number literal without fraction or exponent. */
  isInteger(i: i32): bool {
    if (this.kind(i) != KIND_NUMBER) return false;
    const p = this.bytesPtr(i);
    const n = this.bytesLen(i);
    for (let j: i32 = 0; j < n; j++) {
      const c = load<u8>(p + <usize>j);
      if (c == 0x2e || c == 0x65 || c == 0x45) return false;
    }
    return true;
  }

  /** First child of a container (an object's first key node), or -1. */
  first(i: i32): i32 {
    return this.len(i) > 0 ? i + 1 : -1;
  }

  /** The child after child in container i, or -1. */
  next(i: i32, child: i32): i32 {
    const v = this.kind(i) == KIND_OBJECT ? child + 1 : child;
    const nx = this.nodes[v * 4 + 3];
    return nx < this.nodes[i * 4 + 3] ? nx : -1;
  }

  /** The value of a child: the element itself, or the node after an object's key. */
  valueOf(i: i32, child: i32): i32 {
    return this.kind(i) == KIND_OBJECT ? child + 1 : child;
  }

  /** The first member of object i named key, or -1. */
  get(i: i32, key: string): i32 {
    if (this.kind(i) != KIND_OBJECT) return -1;
    for (let c = this.first(i); c >= 0; c = this.next(i, c)) {
      if (utf8Equals(this.bytesPtr(c), this.bytesLen(c), key)) return c + 1;
    }
    return -1;
  }

  private fail(msg: string, off: i32): void {
    if (this.errMsg === null) {
      this.errMsg = msg;
      this.errOffset = off;
    }
  }

  @inline private at(i: i32): u32 {
    return <u32>load<u8>(this.src + <usize>i);
  }

  private skipWS(): void {
    while (this.pos < this.srcLen) {
      const c = this.at(this.pos);
      if (c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d) this.pos++;
      else return;
    }
  }

  private push(kind: i32, off: i32, n: i32): i32 {
    const idx = this.nodes.length / 4;
    this.nodes.push(kind);
    this.nodes.push(off);
    this.nodes.push(n);
    this.nodes.push(idx + 1);
    return idx;
  }

  private value(depth: i32): void {
    this.skipWS();
    if (this.pos >= this.srcLen) {
      this.fail("unexpected end of input", this.pos);
      return;
    }
    const c = this.at(this.pos);
    if (c == 0x7b || c == 0x5b) {
      if (depth >= MAX_DEPTH) {
        this.fail("nesting too deep", this.pos);
        return;
      }
      this.container(c, depth);
    } else if (c == 0x22) this.str();
    else if (c == 0x74) this.literal("true", KIND_TRUE);
    else if (c == 0x66) this.literal("false", KIND_FALSE);
    else if (c == 0x6e) this.literal("null", KIND_NULL);
    else if (c == 0x2d || isDigit(c)) {
      const start = this.pos;
      this.number();
      if (this.errMsg === null) this.push(KIND_NUMBER, start, this.pos - start);
    } else this.fail("invalid character", this.pos);
  }

  private literal(word: string, kind: i32): void {
    for (let i: i32 = 0; i < word.length; i++) {
      if (this.pos >= this.srcLen) {
        this.fail("unexpected end of input", this.pos);
        return;
      }
      if (this.at(this.pos) != <u32>word.charCodeAt(i)) {
        this.fail("invalid character", this.pos);
        return;
      }
      this.pos++;
    }
    this.push(kind, 0, 0);
  }

  private digits(): void {
    if (this.pos >= this.srcLen) {
      this.fail("unexpected end of input", this.pos);
      return;
    }
    if (!isDigit(this.at(this.pos))) {
      this.fail("invalid character", this.pos);
      return;
    }
    while (this.pos < this.srcLen && isDigit(this.at(this.pos))) this.pos++;
  }

  /** Scans a number literal starting at pos ('-' or a digit). */
  number(): void {
    if (this.at(this.pos) == 0x2d) this.pos++;
    if (this.pos < this.srcLen && this.at(this.pos) == 0x30) this.pos++;
    else this.digits();
    if (this.errMsg === null && this.pos < this.srcLen && this.at(this.pos) == 0x2e) {
      this.pos++;
      this.digits();
    }
    if (this.errMsg === null && this.pos < this.srcLen && (this.at(this.pos) == 0x65 || this.at(this.pos) == 0x45)) {
      this.pos++;
      if (this.pos < this.srcLen && (this.at(this.pos) == 0x2b || this.at(this.pos) == 0x2d)) this.pos++;
      this.digits();
    }
  }

  private container(open: u32, depth: i32): void {
    const isObj = open == 0x7b;
    const close: u32 = isObj ? 0x7d : 0x5d;
    const idx = this.push(isObj ? KIND_OBJECT : KIND_ARRAY, 0, 0);
    this.pos++;
    this.skipWS();
    if (this.pos >= this.srcLen) {
      this.fail("unexpected end of input", this.pos);
      return;
    }
    let count: i32 = 0;
    if (this.at(this.pos) == close) {
      this.pos++;
    } else {
      while (this.errMsg === null) {
        if (isObj) {
          this.skipWS();
          if (this.pos >= this.srcLen) {
            this.fail("unexpected end of input", this.pos);
            return;
          }
          if (this.at(this.pos) != 0x22) {
            this.fail("invalid character", this.pos);
            return;
          }
          this.str();
          this.skipWS();
          if (this.errMsg !== null) return;
          if (this.pos >= this.srcLen) {
            this.fail("unexpected end of input", this.pos);
            return;
          }
          if (this.at(this.pos) != 0x3a) {
            this.fail("invalid character", this.pos);
            return;
          }
          this.pos++;
        }
        this.value(depth + 1);
        if (this.errMsg !== null) return;
        count++;
        this.skipWS();
        if (this.pos >= this.srcLen) {
          this.fail("unexpected end of input", this.pos);
          return;
        }
        const c = this.at(this.pos);
        this.pos++;
        if (c == close) break;
        if (c != 0x2c) {
          this.fail("invalid character", this.pos - 1);
          return;
        }
      }
    }
    this.nodes[idx * 4 + 2] = count;
    this.nodes[idx * 4 + 3] = this.nodes.length / 4;
  }

  private hex4(s: i32): i32 {
    let v: i32 = 0;
    for (let i = s + 2; i < s + 6; i++) {
      const h = hexVal(this.at(i));
      if (h < 0) return -1;
      v = (v << 4) | h;
    }
    return v;
  }

  private str(): void {
    this.pos++;
    const start = this.strs.len;
    for (;;) {
      if (this.pos >= this.srcLen) {
        this.fail("unexpected end of input", this.pos);
        return;
      }
      const c = this.at(this.pos);
      if (c == 0x22) {
        this.pos++;
        this.push(KIND_STRING, start, this.strs.len - start);
        return;
      } else if (c == 0x5c) {
        if (!this.escape()) return;
      } else if (c < 0x20) {
        this.fail("invalid character", this.pos);
        return;
      } else if (c < 0x80) {
        this.strs.u8(<u8>c);
        this.pos++;
      } else {
        const n = utf8Len(this.src + <usize>this.pos, this.srcLen - this.pos);
        if (n == 0) {
          this.fail("invalid UTF-8", this.pos);
          return;
        }
        this.strs.bytes(this.src + <usize>this.pos, n);
        this.pos += n;
      }
    }
  }

  private escape(): bool {
    const s = this.pos;
    if (s + 1 >= this.srcLen) {
      this.fail("unexpected end of input", this.srcLen);
      return false;
    }
    const e = this.at(s + 1);
    let b: u32 = 0;
    if (e == 0x22 || e == 0x5c || e == 0x2f) b = e;
    else if (e == 0x62) b = 0x08;
    else if (e == 0x66) b = 0x0c;
    else if (e == 0x6e) b = 0x0a;
    else if (e == 0x72) b = 0x0d;
    else if (e == 0x74) b = 0x09;
    else if (e == 0x75) {
      if (s + 6 > this.srcLen) {
        this.fail("unexpected end of input", this.srcLen);
        return false;
      }
      let r = this.hex4(s);
      if (r < 0 || (r >= 0xdc00 && r <= 0xdfff)) {
        this.fail("invalid escape", s);
        return false;
      }
      let next = s + 6;
      if (r >= 0xd800 && r <= 0xdbff) {
        let lo: i32 = -1;
        if (next + 6 <= this.srcLen && this.at(next) == 0x5c && this.at(next + 1) == 0x75) lo = this.hex4(next);
        if (lo < 0xdc00 || lo > 0xdfff) {
          this.fail("invalid escape", s);
          return false;
        }
        r = 0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00);
        next += 6;
      }
      appendRune(this.strs, <u32>r);
      this.pos = next;
      return true;
    } else {
      this.fail("invalid escape", s);
      return false;
    }
    this.strs.u8(<u8>b);
    this.pos = s + 2;
    return true;
  }

  /** Whether n bytes at p are exactly one JSON number literal. */
  static validNumber(p: usize, n: i32): bool {
    if (n == 0) return false;
    const c = <u32>load<u8>(p);
    if (c != 0x2d && !isDigit(c)) return false;
    const d = scratchDoc;
    d.src = p;
    d.srcLen = n;
    d.pos = 0;
    d.errMsg = null;
    d.number();
    return d.errMsg === null && d.pos == n;
  }
}

const scratchDoc = new JsonDoc();

const HEX = "0123456789abcdef";

/**
 * Appends n bytes at p as a canonical JSON string: quoted, with '"', '\\'
 * and control characters escaped (\b \f \n \r \t, others \u00xx lowercase)
 * and every other byte as is.
 */
export function appendJSONString(out: ByteBuf, p: usize, n: i32): void {
  out.u8(0x22);
  let start: i32 = 0;
  for (let i: i32 = 0; i < n; i++) {
    const c = <u32>load<u8>(p + <usize>i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out.bytes(p + <usize>start, i - start);
    out.u8(0x5c);
    if (c == 0x22 || c == 0x5c) out.u8(<u8>c);
    else if (c == 0x08) out.u8(0x62);
    else if (c == 0x0c) out.u8(0x66);
    else if (c == 0x0a) out.u8(0x6e);
    else if (c == 0x0d) out.u8(0x72);
    else if (c == 0x09) out.u8(0x74);
    else {
      out.u8(0x75);
      out.u8(0x30);
      out.u8(0x30);
      out.u8(<u8>HEX.charCodeAt(<i32>(c >> 4)));
      out.u8(<u8>HEX.charCodeAt(<i32>(c & 0xf)));
    }
    start = i + 1;
  }
  out.bytes(p + <usize>start, n - start);
  out.u8(0x22);
}

const quoteBuf = new ByteBuf(64);

/** s as a canonical JSON string (see appendJSONString). */
export function quote(s: string): string {
  const b = String.UTF8.encode(s);
  return quoteBytes(changetype<usize>(b), b.byteLength);
}

/** n bytes at p as a canonical JSON string. */
export function quoteBytes(p: usize, n: i32): string {
  quoteBuf.reset();
  appendJSONString(quoteBuf, p, n);
  return quoteBuf.toString();
}
