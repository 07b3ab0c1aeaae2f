// header-enricher (AssemblyScript): the twin of ../go/main.go; see
// ../README.md for the config and header formats. Go and AS builds must give
// identical results (plugins/testdata/vectors/header-enricher.json).

import { Record, Header, registerEnricher, registerConfigure, fail, randomInto, sha256Into } from "../../../sdk/assemblyscript/assembly/index";
import { JsonDoc } from "../../../sdk/assemblyscript/assembly/json";
import { parseConfig, getString, getBool, strValue, strPresent, boolValue } from "../../internal/as/plugcfg";

// The SDK's ABI exports must be exported from the entry file.
export * from "../../../sdk/assemblyscript/assembly/exports";

const TRACE_HEADER = "trace-id";
const HOST_HEADER = "host";
const HASH_HEADER = "content-sha256";

let traceID = true;
let contents = true;

// Random bytes are fetched from the host 1 KiB at a time, not per record.
const pool = new StaticArray<u8>(1024);
let poolPos: i32 = 1024;
const digest = new StaticArray<u8>(32);
const HEX = "0123456789abcdef";

function configure(cfg: Uint8Array): void {
  const d = new JsonDoc();
  let err = parseConfig(d, cfg, ["host_name", "trace_id", "host", "content_sha256"]);
  if (err !== null) return fail(err);
  err = getString(d, "host_name");
  if (err !== null) return fail(err);
  const name = strValue;
  const hasName = strPresent;
  err = getBool(d, "trace_id", true);
  if (err !== null) return fail(err);
  const t = boolValue;
  err = getBool(d, "host", hasName);
  if (err !== null) return fail(err);
  const addHost = boolValue;
  err = getBool(d, "content_sha256", true);
  if (err !== null) return fail(err);
  const c = boolValue;
  if (addHost && !hasName) return fail('config: "host" is true but "host_name" is not set');
  traceID = t;
  hostHdr = addHost ? new Header(HOST_HEADER, Uint8Array.wrap(String.UTF8.encode(name))) : null;
  contents = c;
}

// HEX_PAIRS[b] is the two lowercase hex digits of byte b, first digit in the
// low byte: hexInto writes a byte's digits with one load and one store.
const HEX_PAIRS = new StaticArray<u16>(256);
for (let b = 0; b < 256; b++) {
  HEX_PAIRS[b] = <u16>HEX.charCodeAt(b >> 4) | (<u16>HEX.charCodeAt(b & 15) << 8);
}

/** Writes the lowercase hex of n bytes at p into dst (2n bytes). */
function hexInto(dst: Uint8Array, p: usize, n: i32): void {
  const d = dst.dataStart;
  const t = changetype<usize>(HEX_PAIRS);
  for (let i = 0; i < n; i++) {
    store<u16>(d + (<usize>i << 1), load<u16>(t + (<usize>load<u8>(p + <usize>i) << 1)));
  }
}

// The headers are reused for every record (the SDK copies them out before
// the next record), so that enriching allocates nothing per record.
const traceHdr = new Header(TRACE_HEADER, new Uint8Array(32));
const hashHdr = new Header(HASH_HEADER, new Uint8Array(64));
let hostHdr: Header | null = null;
const outHdrs = new Array<Header>(0);

function randomBytes(n: i32): usize {
  if (poolPos + n > pool.length) {
    randomInto(changetype<usize>(pool), pool.length);
    poolPos = 0;
  }
  const p = changetype<usize>(pool) + <usize>poolPos;
  poolPos += n;
  return p;
}

function enrich(r: Record): Header[] | null {
  const out = outHdrs;
  out.length = 0;
  if (traceID && r.findHeader(TRACE_HEADER) < 0) {
    hexInto(traceHdr.value!, randomBytes(16), 16);
    out.push(traceHdr);
  }
  const hh = hostHdr;
  if (hh !== null) out.push(hh);
  if (contents && r.valueLen >= 0) {
    sha256Into(r.valuePtr, r.valueLen, changetype<usize>(digest));
    hexInto(hashHdr.value!, changetype<usize>(digest), 32);
    out.push(hashHdr);
  }
  return out;
}

registerConfigure(configure);
registerEnricher(enrich);
