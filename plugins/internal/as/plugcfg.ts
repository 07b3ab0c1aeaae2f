// Config-reading rules shared by the AssemblyScript example plugins: the
// twin of plugins/internal/plugcfg (Go). Both must produce the same
// messages; the conformance vectors check them. Functions return an error
// message, or null on success; results are left in the exported variables.

import { JsonDoc, KIND_ARRAY, KIND_FALSE, KIND_INVALID, KIND_OBJECT, KIND_STRING, KIND_TRUE, quote, quoteBytes } from "../../../sdk/assemblyscript/assembly/json";

/** Parses cfg into d and checks it is an object whose keys are all in allowed. */
export function parseConfig(d: JsonDoc, cfg: Uint8Array, allowed: string[]): string | null {
  if (!d.parseArray(cfg)) return "config: " + d.error();
  const root = d.root();
  if (d.kind(root) != KIND_OBJECT) return "config: must be a JSON object";
  for (let c = d.first(root); c >= 0; c = d.next(root, c)) {
    let ok = false;
    for (let i = 0; i < allowed.length; i++) {
      if (d.text(c) == allowed[i]) ok = true;
    }
    if (!ok) return "config: unknown key " + quoteBytes(d.bytesPtr(c), d.bytesLen(c));
  }
  return null;
}

/** Result of getString: the value ("" when absent). */
export let strValue: string = "";
/** Result of getString: whether the key was present. */
export let strPresent: bool = false;

/** Reads the non-empty string at key into strValue/strPresent. */
export function getString(d: JsonDoc, key: string): string | null {
  strValue = "";
  strPresent = false;
  const v = d.get(d.root(), key);
  if (v < 0) return null;
  if (d.kind(v) != KIND_STRING || d.bytesLen(v) == 0) return "config: " + quote(key) + " must be a non-empty string";
  strValue = d.text(v);
  strPresent = true;
  return null;
}

/** Result of getBool. */
export let boolValue: bool = false;

/** Reads the boolean at key into boolValue (def when absent). */
export function getBool(d: JsonDoc, key: string, def: bool): string | null {
  const v = d.get(d.root(), key);
  const k = d.kind(v);
  if (k == KIND_INVALID) boolValue = def;
  else if (k == KIND_TRUE) boolValue = true;
  else if (k == KIND_FALSE) boolValue = false;
  else return "config: " + quote(key) + " must be a boolean";
  return null;
}

/** Result of getStrings (empty when absent). */
export let strsValue: string[] = [];

/** Reads the array of non-empty strings at key into strsValue; msg is the error for anything else. */
export function getStrings(d: JsonDoc, key: string, msg: string): string | null {
  strsValue = [];
  const v = d.get(d.root(), key);
  if (v < 0) return null;
  if (d.kind(v) != KIND_ARRAY) return msg;
  for (let c = d.first(v); c >= 0; c = d.next(v, c)) {
    if (d.kind(c) != KIND_STRING || d.bytesLen(c) == 0) return msg;
    strsValue.push(d.text(c));
  }
  return null;
}
