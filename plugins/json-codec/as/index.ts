// json-codec (AssemblyScript): the twin of ../go/main.go; see ../README.md
// for the schema rules and the wire format. Go and AS builds must give
// identical results (plugins/testdata/vectors/json-codec.json).

import { ByteBuf, registerCodec, registerConfigure, fail, compareBytes, equalBytes } from "../../../sdk/assemblyscript/assembly/index";
import { JsonDoc, SCAN_SORT_KEYS, KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, kindName, quote, quoteBytes } from "../../../sdk/assemblyscript/assembly/json";
import { parseConfig, getStrings, getBool, strsValue, boolValue } from "../../internal/as/plugcfg";
import { decodeWire, duplicateAt, encodeWire, nodeEnd, nodeKind, nodeN, nodeOff, wireError } from "./wire";

// The SDK's ABI exports must be exported from the entry file.
export * from "../../../sdk/assemblyscript/assembly/exports";

const T_ANY = 0;
const T_INTEGER = 3;
const TYPE_NAMES = ["any", "string", "number", "integer", "boolean", "object", "array", "null"];

let required: ArrayBuffer[] = []; // UTF-8 names, config order
let requiredNames: string[] = [];
let typeKeys: ArrayBuffer[] = []; // UTF-8 names, config order
let typeVals: i32[] = [];
let allowUnknown = true;

const doc = new JsonDoc();
const out = new ByteBuf(1024);

function configure(cfg: Uint8Array): void {
  const d = new JsonDoc();
  let err = parseConfig(d, cfg, ["required", "types", "allow_unknown"]);
  if (err !== null) return fail(err);
  err = getStrings(d, "required", 'config: "required" must be an array of non-empty strings');
  if (err !== null) return fail(err);
  const req = strsValue;
  err = getBool(d, "allow_unknown", true);
  if (err !== null) return fail(err);
  const au = boolValue;
  const types = d.get(d.root(), "types");
  if (types >= 0 && d.kind(types) != KIND_OBJECT) return fail('config: "types" must be an object of field names to type names');
  const tk: ArrayBuffer[] = [];
  const tv: i32[] = [];
  for (let c = d.first(types); c >= 0; c = d.next(types, c)) {
    const v = c + 1;
    let typ = -1;
    if (d.kind(v) == KIND_STRING) {
      const s = d.text(v);
      for (let i = 0; i < TYPE_NAMES.length; i++) if (TYPE_NAMES[i] == s) typ = i;
    }
    const name = quoteBytes(d.bytesPtr(c), d.bytesLen(c));
    if (typ < 0) return fail("config: field " + name + ": type must be one of any, string, number, integer, boolean, object, array, null");
    for (let i = 0; i < tk.length; i++) {
      if (compareBytes(changetype<usize>(tk[i]), tk[i].byteLength, d.bytesPtr(c), d.bytesLen(c)) == 0) {
        return fail("config: field " + name + " has two types");
      }
    }
    const kb = new ArrayBuffer(d.bytesLen(c));
    memory.copy(changetype<usize>(kb), d.bytesPtr(c), <usize>d.bytesLen(c));
    tk.push(kb);
    tv.push(typ);
  }
  const rb: ArrayBuffer[] = [];
  for (let i = 0; i < req.length; i++) rb.push(String.UTF8.encode(req[i]));
  required = rb;
  requiredNames = req;
  typeKeys = tk;
  typeVals = tv;
  allowUnknown = au;
}

// Lookups compare UTF-8 bytes (lengths first), never UTF-16 strings.

@inline function sameBytes(a: ArrayBuffer, p: usize, n: i32): bool {
  return a.byteLength == n && equalBytes(changetype<usize>(a), p, n);
}

function lookupType(p: usize, n: i32): i32 {
  for (let i = 0; i < typeKeys.length; i++) {
    if (sameBytes(unchecked(typeKeys[i]), p, n)) return unchecked(typeVals[i]);
  }
  return -1;
}

function isRequired(p: usize, n: i32): bool {
  for (let i = 0; i < required.length; i++) {
    if (sameBytes(unchecked(required[i]), p, n)) return true;
  }
  return false;
}

/** Whether object node obj has a member whose key is the bytes of name (raw tape walk). */
function hasMember(obj: i32, name: ArrayBuffer): bool {
  const t = doc.tapePtr;
  const sp = doc.strsPtr;
  let c = obj + 1;
  for (let j = nodeN(t, obj); j > 0; j--) {
    if (sameBytes(name, sp + <usize>nodeOff(t, c), nodeN(t, c))) return true;
    c = nodeEnd(t, c + 1);
  }
  return false;
}

function matches(t: i32, v: i32): bool {
  const k = nodeKind(doc.tapePtr, v);
  switch (t) {
    case 1:
      return k == KIND_STRING;
    case 2:
      return k == KIND_NUMBER;
    case T_INTEGER:
      return doc.isInteger(v);
    case 4:
      return k == KIND_TRUE || k == KIND_FALSE;
    case 5:
      return k == KIND_OBJECT;
    case 6:
      return k == KIND_ARRAY;
    case 7:
      return k == KIND_NULL;
  }
  return true;
}

function encode(topic: string, input: Uint8Array): Uint8Array | null {
  // The host parses with sorted keys: members come in wire order, duplicates adjacent.
  if (!doc.parseArrayHost(input, SCAN_SORT_KEYS)) {
    fail("invalid JSON: " + doc.error());
    return null;
  }
  const root = doc.root();
  if (doc.kind(root) != KIND_OBJECT) {
    fail("value must be a JSON object, got " + kindName(doc.kind(root)));
    return null;
  }
  for (let i = 0; i < required.length; i++) {
    if (!hasMember(root, unchecked(required[i]))) {
      fail("missing required field " + quote(requiredNames[i]));
      return null;
    }
  }
  const dup = duplicateAt(doc, root);
  if (dup !== null) {
    fail(dup);
    return null;
  }
  const tp = doc.tapePtr;
  const sp = doc.strsPtr;
  let key = root + 1;
  for (let j = nodeN(tp, root); j > 0; j--) {
    const kp = sp + <usize>nodeOff(tp, key);
    const kn = nodeN(tp, key);
    const t = lookupType(kp, kn);
    if (t >= 0 && !matches(t, key + 1)) {
      fail("field " + quoteBytes(kp, kn) + ": expected " + TYPE_NAMES[t] + ", got " + kindName(nodeKind(tp, key + 1)));
      return null;
    }
    if (t < 0 && !allowUnknown && !isRequired(kp, kn)) {
      fail("unknown field " + quoteBytes(kp, kn));
      return null;
    }
    key = nodeEnd(tp, key + 1);
  }
  if (!encodeWire(doc, input.length, out)) {
    fail(wireError!);
    return null;
  }
  return out.view();
}

function decode(topic: string, input: Uint8Array): Uint8Array | null {
  if (!decodeWire(input.dataStart, input.length, out)) {
    fail(wireError!);
    return null;
  }
  return out.view();
}

registerConfigure(configure);
registerCodec(encode, decode);
