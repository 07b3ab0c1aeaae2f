// The ABI side of the SDK: the kw_* exports, the input buffer, batch
// parsing and output layouts of docs/ABI.md (ABI 1.0). A plugin's entry file
// must re-export the kw_* functions: `export * from "<sdk>/assembly/exports";`

import { ByteBuf, equalBytes, reuseView } from "./buffer";
import { setError } from "./host";

export const ABI_MAJOR: i32 = 1;
export const ABI_MINOR: i32 = 1;

/** A partitioner's result that leaves the choice to the host's sticky/default partitioner. */
export const NO_OPINION: i32 = -1;

const LEN_NULL: i32 = -1;
const RESULT_ERROR: i32 = -2;
const MAX_INPUT: i32 = 1 << 30;

/** A header to add (enricher output). A null value is a null header value. */
export class Header {
  private k: string;
  // UTF-8 of the key, computed once: a plugin that reuses its Header
  // objects pays the UTF-16 to UTF-8 conversion once, not per record.
  private k8: ArrayBuffer | null = null;

  constructor(key: string, public value: Uint8Array | null) {
    this.k = key;
  }

  get key(): string {
    return this.k;
  }

  set key(key: string) {
    this.k = key;
    this.k8 = null;
  }

  /** The key's UTF-8 bytes (cached). */
  keyBytes(): ArrayBuffer {
    let b = this.k8;
    if (b === null) {
      b = String.UTF8.encode(this.k);
      this.k8 = b;
    }
    return b;
  }

  /** A header whose value is the UTF-8 encoding of value. */
  static text(key: string, value: string): Header {
    return new Header(key, Uint8Array.wrap(String.UTF8.encode(value)));
  }
}

// Header table of the current batch: 16 bytes per header (u32 key ptr,
// i32 key len, u32 value ptr, i32 value len or -1).
const hdrs = new ByteBuf(1024);

@inline function hdrField(i: i32, f: i32): i32 {
  return load<i32>(hdrs.ptr + <usize>(i * 16 + f * 4));
}

/**
 * One record of a partition or enrich batch. The SDK reuses Record objects
 * and the bytes they point at: valid only during the callback.
 */
export class Record {
  /** The batch's topic. */
  get topic(): string {
    return topic;
  }
  /** Address and length (-1: null) of the key in linear memory. */
  keyPtr: usize = 0;
  keyLen: i32 = -1;
  /** Address and length (-1: null) of the value in linear memory. */
  valuePtr: usize = 0;
  valueLen: i32 = -1;
  hdrStart: i32 = 0;
  hdrCount: i32 = 0;

  /** The key as a view (allocates a small object), or null. */
  get key(): Uint8Array | null {
    return view(this.keyPtr, this.keyLen);
  }

  /** The value as a view (allocates a small object), or null. */
  get value(): Uint8Array | null {
    return view(this.valuePtr, this.valueLen);
  }

  get headerCount(): i32 {
    return this.hdrCount;
  }

  headerKeyPtr(i: i32): usize {
    return <usize>hdrField(this.hdrStart + i, 0);
  }

  headerKeyLen(i: i32): i32 {
    return hdrField(this.hdrStart + i, 1);
  }

  headerValuePtr(i: i32): usize {
    return <usize>hdrField(this.hdrStart + i, 2);
  }

  /** Length of header i's value, -1 for null. */
  headerValueLen(i: i32): i32 {
    return hdrField(this.hdrStart + i, 3);
  }

  /** Header i's key (allocates a string). */
  headerKey(i: i32): string {
    return String.UTF8.decodeUnsafe(this.headerKeyPtr(i), <usize>this.headerKeyLen(i));
  }

  /** Header i's value as a view, or null. */
  headerValue(i: i32): Uint8Array | null {
    return view(this.headerValuePtr(i), this.headerValueLen(i));
  }

  /** Index of the first header named name, or -1 (no allocation). */
  findHeader(name: string): i32 {
    // The UTF-8 of the last name looked up is cached: plugins look up the
    // same (constant) name for every record.
    if (changetype<usize>(name) != changetype<usize>(findName)) {
      findBytes = String.UTF8.encode(name);
      findName = name;
    }
    const np = changetype<usize>(findBytes);
    const nn = findBytes.byteLength;
    const base = hdrs.ptr + <usize>(this.hdrStart * 16);
    for (let i: i32 = 0; i < this.hdrCount; i++) {
      const h = base + <usize>(i * 16);
      if (load<i32>(h, 4) == nn && equalBytes(<usize>load<u32>(h), np, nn)) return i;
    }
    return -1;
  }

  /** The value of the first header named name; null if absent or null. */
  header(name: string): Uint8Array | null {
    const i = this.findHeader(name);
    return i < 0 ? null : this.headerValue(i);
  }
}

// Cache of Record.findHeader: the last name and its UTF-8 bytes.
let findName: string | null = null;
let findBytes = new ArrayBuffer(0);

function view(p: usize, n: i32): Uint8Array | null {
  if (n < 0) return null;
  return Uint8Array.wrap(input, <i32>(p - changetype<usize>(input)), n);
}

export type PartitionFn = (r: Record, partitionCount: i32) => i32;
/** input is a view of the SDK's input buffer, reused for the next value: valid only during the call. */
export type CodecFn = (topic: string, input: Uint8Array) => Uint8Array | null;
export type EnrichFn = (r: Record) => Array<Header> | null;
export type ConfigureFn = (cfg: Uint8Array) => void;

let partitionFn: PartitionFn | null = null;
let encodeFn: CodecFn | null = null;
let decodeFn: CodecFn | null = null;
let enrichFn: EnrichFn | null = null;
let configureFn: ConfigureFn | null = null;

/** Makes the module a partitioner. Call at the top level of the entry file. */
export function registerPartitioner(fn: PartitionFn): void {
  partitionFn = fn;
}

/** Makes the module a codec. Nulls never reach a codec: the SDK passes them through. */
export function registerCodec(encode: CodecFn, decode: CodecFn): void {
  encodeFn = encode;
  decodeFn = decode;
}

/** Makes the module a header enricher. */
export function registerEnricher(fn: EnrichFn): void {
  enrichFn = fn;
}

/** Sets the function that receives the plugin's config as JSON; call fail() in it to refuse the load. */
export function registerConfigure(fn: ConfigureFn): void {
  configureFn = fn;
}

let failure: string | null = null;

/**
 * Fails the current record (or the configure call) with msg. The callback
 * then returns anything: its result is ignored.
 */
export function fail(msg: string): void {
  failure = msg;
}

let input = new ArrayBuffer(4096);
const out = new ByteBuf(4096);
let records = new Array<Record>(0);
let recordCount: i32 = 0;
let topic: string = "";
const topicBytes = new ByteBuf(64);
const errMsgs = new Array<string>(0);
const errIdxs = new Array<i32>(0);

export function kw_abi_version(): i32 {
  return (ABI_MAJOR << 16) | ABI_MINOR;
}

export function kw_input(size: i32): i32 {
  // With --runtime minimal (two-color mark & sweep, no shadow stack) the
  // garbage is collected here: the host calls kw_input before every
  // operation, when no managed value of the previous call is live except
  // through globals (its output, in the global `out`, has been copied out).
  if (ASC_RUNTIME == 1) __collect();
  if (size < 0 || size > MAX_INPUT) return 0;
  if (size > input.byteLength) {
    let c = input.byteLength * 2;
    if (c < size) c = size;
    input = new ArrayBuffer(c);
  }
  return <i32>changetype<usize>(input);
}

function notRegistered(kind: string, fn: string): i64 {
  setError("kafkawasm sdk: this module has no " + kind + ": call " + fn + " at the top level of the entry file");
  return -1;
}

function badLength(n: i32): bool {
  if (n < 0 || n > input.byteLength) {
    setError(
      "kafkawasm sdk: input length " + n.toString() + " exceeds the " + input.byteLength.toString() + "-byte buffer from kw_input"
    );
    return true;
  }
  return false;
}

function packOut(): i64 {
  return (<i64>out.ptr << 32) | <i64>out.len;
}

export function kw_configure(n: i32): i32 {
  if (badLength(n)) return 1;
  const fn = configureFn;
  if (fn === null) return 0;
  failure = null;
  fn(Uint8Array.wrap(input, 0, n));
  const f = failure;
  if (f !== null) {
    setError(f);
    failure = null;
    return 1;
  }
  return 0;
}

// Layout reader over the input buffer with a sticky error.
let rpos: usize = 0;
let rend: usize = 0;
let rbad = false; // sticky: set by the first failed read, described by rerr
let rerr: string | null = null;

function rfail(what: string): void {
  if (!rbad) {
    rbad = true;
    rerr = "kafkawasm abi: " + what + " at offset " + (<i32>(rpos - changetype<usize>(input))).toString() + ": truncated";
  }
}

@inline function ru32(what: string): u32 {
  let v: u32 = 0;
  if (!rbad) {
    if (rend - rpos < 4) rfail(what);
    else {
      v = load<u32>(rpos);
      rpos += 4;
    }
  }
  return v;
}

/** Reads n bytes, returning their address. */
@inline function rbytes(what: string, n: i32): usize {
  let p: usize = 0;
  if (!rbad) {
    if (n < 0 || <usize>n > rend - rpos) rfail(what);
    else {
      p = rpos;
      rpos += <usize>n;
    }
  }
  return p;
}

function setTopic(p: usize, n: i32): void {
  if (topicBytes.len == n && equalBytes(topicBytes.ptr, p, n)) return;
  topicBytes.reset();
  topicBytes.bytes(p, n);
  topic = String.UTF8.decodeUnsafe(p, <usize>n);
}

function startRead(n: i32): void {
  rpos = changetype<usize>(input);
  rend = rpos + <usize>n;
  rerr = null;
  rbad = false;
}

function finishRead(): bool {
  if (!rbad && rpos != rend) {
    rbad = true;
    rerr = "kafkawasm abi: end of input at offset " + (<i32>(rpos - changetype<usize>(input))).toString() + ": " +
      (<i32>(rend - rpos)).toString() + " trailing bytes";
  }
  if (rbad) {
    setError(rerr!);
    return false;
  }
  return true;
}

/** Parses a record batch; returns the partition count, or -1 after set_error. */
function parseBatch(n: i32): i32 {
  startRead(n);
  const tl = <i32>ru32("topic");
  const tp = rbytes("topic", tl);
  const partitionCount = <i32>ru32("partition_count");
  if (!rbad && partitionCount < 0) {
    // Kafka partition counts fit in an i32; -1 is this function's failure.
    rbad = true;
    rerr = "kafkawasm abi: partition_count at offset " + (<i32>(rpos - 4 - changetype<usize>(input))).toString() + ": out of range";
  }
  const count = ru32("record count");
  recordCount = 0;
  hdrs.reset();
  if (!rbad) setTopic(tp, tl);
  if (!rbad && <u64>count * 12 > <u64>(rend - rpos)) rfail("record count");
  for (let i: u32 = 0; i < count && !rbad; i++) {
    if (recordCount == records.length) records.push(new Record());
    const r = unchecked(records[recordCount]);
    r.keyLen = <i32>ru32("record key");
    r.keyPtr = r.keyLen == LEN_NULL ? <usize>0 : rbytes("record key", r.keyLen);
    r.valueLen = <i32>ru32("record value");
    r.valuePtr = r.valueLen == LEN_NULL ? <usize>0 : rbytes("record value", r.valueLen);
    const hc = ru32("record header_count");
    if (!rbad && <u64>hc * 8 > <u64>(rend - rpos)) rfail("record header_count");
    r.hdrStart = hdrs.len / 16;
    r.hdrCount = <i32>hc;
    for (let j: u32 = 0; j < hc && !rbad; j++) {
      const kl = <i32>ru32("header key");
      const kp = rbytes("header key", kl);
      const vl = <i32>ru32("header value");
      const vp: usize = vl == LEN_NULL ? <usize>0 : rbytes("header value", vl);
      hdrs.u32(<u32>kp);
      hdrs.i32(kl);
      hdrs.u32(<u32>vp);
      hdrs.i32(vl);
    }
    recordCount++;
  }
  if (!finishRead()) return -1;
  return partitionCount;
}

export function kw_partition(n: i32): i64 {
  const fn = partitionFn;
  if (fn === null) return notRegistered("partitioner", "registerPartitioner");
  if (badLength(n)) return -1;
  const pc = parseBatch(n);
  if (pc < 0) return -1;
  // Results first, then the error list: remember failed records as we go.
  out.reset();
  out.u32(<u32>recordCount);
  let errCount: i32 = 0;
  errMsgs.length = 0;
  errIdxs.length = 0;
  for (let i: i32 = 0; i < recordCount; i++) {
    failure = null;
    let p = fn(unchecked(records[i]), pc);
    let f = failure;
    if (f === null && p < NO_OPINION) f = "partitioner returned invalid partition " + p.toString();
    if (f !== null) {
      p = RESULT_ERROR;
      errIdxs.push(i);
      errMsgs.push(f);
      errCount++;
    }
    out.i32(p);
  }
  failure = null;
  out.u32(<u32>errCount);
  for (let j: i32 = 0; j < errCount; j++) {
    const m = unchecked(errMsgs[j]);
    out.u32(<u32>unchecked(errIdxs[j]));
    out.u32(<u32>String.UTF8.byteLength(m));
    out.str(m);
  }
  return packOut();
}

let codecView: Uint8Array | null = null;

function runCodec(fn: CodecFn, n: i32): i64 {
  if (badLength(n)) return -1;
  startRead(n);
  const tl = <i32>ru32("topic");
  const tp = rbytes("topic", tl);
  const count = ru32("value count");
  if (!rbad) setTopic(tp, tl);
  if (!rbad && <u64>count * 4 > <u64>(rend - rpos)) rfail("value count");
  // Validate the whole layout before running the codec.
  const start = rpos;
  for (let i: u32 = 0; i < count && !rbad; i++) {
    const l = <i32>ru32("value");
    if (l != LEN_NULL) rbytes("value", l);
  }
  if (!finishRead()) return -1;
  rpos = start;
  out.reset();
  out.u32(count);
  for (let i: u32 = 0; i < count; i++) {
    const l = <i32>load<u32>(rpos);
    rpos += 4;
    if (l == LEN_NULL) {
      out.i32(LEN_NULL);
      continue;
    }
    // One view object serves every value (valid only during the callback).
    const v = reuseView(codecView, input, <i32>(rpos - changetype<usize>(input)), l);
    codecView = v;
    rpos += <usize>l;
    failure = null;
    const res = fn(topic, v);
    const f = failure;
    if (f !== null) {
      out.i32(RESULT_ERROR);
      out.u32(<u32>String.UTF8.byteLength(f));
      out.str(f);
    } else if (res === null) {
      out.i32(0);
    } else {
      out.i32(res.length);
      out.array(res);
    }
  }
  failure = null;
  return packOut();
}

export function kw_encode(n: i32): i64 {
  const fn = encodeFn;
  if (fn === null) return notRegistered("codec", "registerCodec");
  return runCodec(fn, n);
}

export function kw_decode(n: i32): i64 {
  const fn = decodeFn;
  if (fn === null) return notRegistered("codec", "registerCodec");
  return runCodec(fn, n);
}

export function kw_enrich(n: i32): i64 {
  const fn = enrichFn;
  if (fn === null) return notRegistered("enricher", "registerEnricher");
  if (badLength(n)) return -1;
  if (parseBatch(n) < 0) return -1;
  out.reset();
  out.u32(<u32>recordCount);
  for (let i: i32 = 0; i < recordCount; i++) {
    failure = null;
    const hs = fn(unchecked(records[i]));
    const f = failure;
    if (f !== null) {
      out.i32(RESULT_ERROR);
      out.u32(<u32>String.UTF8.byteLength(f));
      out.str(f);
      continue;
    }
    if (hs === null) {
      out.i32(0);
      continue;
    }
    out.i32(hs.length);
    for (let j: i32 = 0; j < hs.length; j++) {
      const h = unchecked(hs[j]);
      const kb = h.keyBytes();
      out.u32(<u32>kb.byteLength);
      out.bytes(changetype<usize>(kb), kb.byteLength);
      const v = h.value;
      if (v === null) {
        out.i32(LEN_NULL);
      } else {
        out.i32(v.length);
        out.array(v);
      }
    }
  }
  failure = null;
  return packOut();
}
