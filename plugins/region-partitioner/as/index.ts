// region-partitioner (AssemblyScript): the twin of ../go/main.go; see
// ../README.md for the exact rules. Go and AS builds must give identical
// results (plugins/testdata/vectors/region-partitioner.json).

import { Record, NO_OPINION, registerPartitioner, registerConfigure, fail, equalBytes } from "../../../sdk/assemblyscript/assembly/index";
import { JsonDoc, KIND_STRING, quoteBytes } from "../../../sdk/assemblyscript/assembly/json";
import { parseConfig, getString, getStrings, strValue, strsValue } from "../../internal/as/plugcfg";

// The SDK's ABI exports must be exported from the entry file.
export * from "../../../sdk/assemblyscript/assembly/exports";

let configured = false;
let header = "";
let jsonField = "";
let regions: string[] = [];
// UTF-8 bytes of each region, for allocation-free comparison.
let regionBytes: ArrayBuffer[] = [];
const doc = new JsonDoc();

function configure(cfg: Uint8Array): void {
  const d = new JsonDoc();
  let err = parseConfig(d, cfg, ["header", "json_field", "regions"]);
  if (err !== null) return fail(err);
  err = getString(d, "header");
  if (err !== null) return fail(err);
  const h = strValue;
  err = getString(d, "json_field");
  if (err !== null) return fail(err);
  const jf = strValue;
  if (h == "" && jf == "") return fail('config: one of "header" or "json_field" is required');
  const regionsMsg = 'config: "regions" must be a non-empty array of non-empty strings';
  err = getStrings(d, "regions", regionsMsg);
  if (err !== null) return fail(err);
  const rs = strsValue;
  if (rs.length == 0) return fail(regionsMsg);
  const rb: ArrayBuffer[] = [];
  for (let i = 0; i < rs.length; i++) {
    for (let j = 0; j < i; j++) {
      if (rs[j] == rs[i]) {
        const b = String.UTF8.encode(rs[i]);
        return fail("config: duplicate region " + quoteBytes(changetype<usize>(b), b.byteLength));
      }
    }
    rb.push(String.UTF8.encode(rs[i]));
  }
  header = h;
  jsonField = jf;
  regions = rs;
  regionBytes = rb;
  configured = true;
}

// Region found by findRegion: address and length, or regLen = -1 for none.
let regPtr: usize = 0;
let regLen: i32 = -1;

/** Sets regPtr/regLen; returns false after fail() for invalid JSON. */
function findRegion(r: Record): bool {
  regLen = -1;
  if (header != "") {
    const i = r.findHeader(header);
    if (i >= 0 && r.headerValueLen(i) >= 0) {
      regPtr = r.headerValuePtr(i);
      regLen = r.headerValueLen(i);
      return true;
    }
  }
  if (jsonField == "" || r.valueLen < 0) return true;
  if (!doc.parse(r.valuePtr, r.valueLen)) {
    fail("value is not valid JSON: " + doc.error());
    return false;
  }
  const v = doc.get(doc.root(), jsonField);
  if (doc.kind(v) != KIND_STRING) return true;
  regPtr = doc.bytesPtr(v);
  regLen = doc.bytesLen(v);
  return true;
}

function partition(r: Record, n: i32): i32 {
  if (!configured) {
    fail('not configured: "regions" is required');
    return 0;
  }
  if (!findRegion(r)) return 0;
  if (regLen < 0) return NO_OPINION;
  let idx = -1;
  for (let i = 0; i < regionBytes.length; i++) {
    const b = unchecked(regionBytes[i]);
    if (b.byteLength == regLen && equalBytes(changetype<usize>(b), regPtr, regLen)) {
      idx = i;
      break;
    }
  }
  if (idx < 0) return NO_OPINION;
  const count = regionBytes.length;
  const lo = <i32>((<i64>idx * <i64>n) / <i64>count);
  const hi = <i32>((<i64>(idx + 1) * <i64>n) / <i64>count);
  if (lo == hi) {
    fail(
      "region " + quoteBytes(regPtr, regLen) + " has no partitions (" + count.toString() + " regions, " + n.toString() + " partitions)"
    );
    return 0;
  }
  if (r.keyLen < 0) return lo;
  return lo + <i32>((<u32>murmur2(r.keyPtr, r.keyLen) & 0x7fffffff) % <u32>(hi - lo));
}

/** Kafka's murmur2 hash (the Java client's default partitioner). */
function murmur2(p: usize, n: i32): i32 {
  const seed: u32 = 0x9747b28c;
  const m: u32 = 0x5bd1e995;
  let h: u32 = seed ^ <u32>n;
  let i: i32 = 0;
  for (; i + 4 <= n; i += 4) {
    let k = load<u32>(p + <usize>i);
    k *= m;
    k ^= k >> 24;
    k *= m;
    h = (h * m) ^ k;
  }
  const rest = n - i;
  if (rest == 3) h ^= (<u32>load<u8>(p + <usize>i + 2)) << 16;
  if (rest >= 2) h ^= (<u32>load<u8>(p + <usize>i + 1)) << 8;
  if (rest >= 1) {
    h ^= <u32>load<u8>(p + <usize>i);
    h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return <i32>h;
}

registerConfigure(configure);
registerPartitioner(partition);
