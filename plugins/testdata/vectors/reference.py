"""Reference generator of the conformance vectors in this folder.

It recomputes every expected value without the plugins' code: its own
murmur2 (checked against Kafka's published values), hashlib's SHA-256, and
its own encoder of the json-codec wire format and canonical JSON. Error
messages are written by hand from the plugins' READMEs.

    python3 plugins/testdata/vectors/reference.py   # rewrites the *.json here
"""
import hashlib
import json
import os
import struct

OUT = os.path.dirname(os.path.abspath(__file__)) + "/"

def murmur2(data: bytes) -> int:
    m = 0x5bd1e995; M = 0xffffffff
    h = (0x9747b28c ^ len(data)) & M
    n4 = len(data) // 4
    for i in range(n4):
        k = struct.unpack_from("<I", data, i*4)[0]
        k = (k*m) & M; k ^= k >> 24; k = (k*m) & M
        h = ((h*m) & M) ^ k
    rest = len(data) - n4*4; i = n4*4
    if rest == 3: h ^= data[i+2] << 16
    if rest >= 2: h ^= data[i+1] << 8
    if rest >= 1:
        h ^= data[i]; h = (h*m) & M
    h ^= h >> 13; h = (h*m) & M; h ^= h >> 15
    return h - (1<<32) if h >= 1<<31 else h
for s, v in {"21": -973932308, "foobar": -790332482, "abc": 479470107, "a-little-bit-long-string": -985981536}.items():
    assert murmur2(s.encode()) == v, s

def part(regions, n, region, key):
    i = regions.index(region)
    lo, hi = i*n//len(regions), (i+1)*n//len(regions)
    if key is None: return lo
    return lo + (murmur2(key) & 0x7fffffff) % (hi-lo)

def rec(key=None, value=None, hdrs=None, **expect):
    r = {}
    if key is not None: r["key"] = key
    if value is not None: r["value"] = value
    if hdrs: r["headers"] = hdrs
    r["expect"] = expect
    return r

def enc(x):
    return x.encode() if isinstance(x, str) else bytes.fromhex(x["hex"])

# ---------------- region-partitioner
R3 = ["eu", "us", "ap"]
def P(regions, n, region, key):
    return {"partition": part(regions, n, region, None if key is None else enc(key))}
cases = []
c = {"name": "header routing, 12 partitions over 3 regions", "config": {"header": "region", "regions": R3},
     "topic": "orders", "partition_count": 12, "records": []}
rs = c["records"]
rs.append(rec("user-1", "v", [["region", "eu"]], **P(R3, 12, "eu", "user-1")))
rs.append(rec("user-2", "v", [["region", "us"]], **P(R3, 12, "us", "user-2")))
rs.append(rec("user-3", "v", [["region", "ap"]], **P(R3, 12, "ap", "user-3")))
rs.append(rec(None, "keyless goes to the first partition of the range", [["region", "us"]], **P(R3, 12, "us", None)))
rs.append(rec("", "empty key is hashed", [["region", "eu"]], **P(R3, 12, "eu", "")))
rs.append(rec({"hex": "00ff10807f"}, None, [["region", "ap"]], **P(R3, 12, "ap", {"hex": "00ff10807f"})))
rs.append(rec("user-4", "no headers", no_opinion=True))
rs.append(rec("user-5", "unknown region", [["region", "sa"]], no_opinion=True))
rs.append(rec("user-6", "regions are case-sensitive", [["region", "EU"]], no_opinion=True))
rs.append(rec("user-7", "null header value", [["region", None]], no_opinion=True))
rs.append(rec("user-8", "first header wins", [["trace", "x"], ["region", "ap"], ["region", "eu"]], **P(R3, 12, "ap", "user-8")))
rs.append(rec("user-9", '{"region":"eu"}', no_opinion=True))
for i in range(10, 30):
    k = "customer-%d" % i
    reg = R3[i % 3]
    rs.append(rec(k, None, [["region", reg]], **P(R3, 12, reg, k)))
cases.append(c)
c = {"name": "uneven ranges: 10 partitions over 3 regions", "config": {"header": "region", "regions": R3},
     "topic": "orders", "partition_count": 10, "records": []}
for i in range(24):
    k = "k%d" % i
    reg = R3[i % 3]
    c["records"].append(rec(k, None, [["region", reg]], **P(R3, 10, reg, k)))
c["records"].append(rec(None, None, [["region", "ap"]], **P(R3, 10, "ap", None)))
cases.append(c)
R2 = ["eu", "us"]
c = {"name": "json field routing", "config": {"json_field": "region", "regions": R2},
     "topic": "events", "partition_count": 6, "records": [
    rec("k1", '{"region":"us","id":1}', **P(R2, 6, "us", "k1")),
    rec(None, '{"region":"eu"}', **P(R2, 6, "eu", None)),
    rec("k2", ' { "id" : 7 , "region" : "\\u0065u" } ', **P(R2, 6, "eu", "k2")),
    rec("k3", '{"id":1}', no_opinion=True),
    rec("k4", '{"region":5}', no_opinion=True),
    rec("k5", '{"nested":{"region":"eu"}}', no_opinion=True),
    rec("k6", '["eu"]', no_opinion=True),
    rec("k7", None, no_opinion=True),
    rec("k8", '{"region":"us"}', [["region", "eu"]], **P(R2, 6, "us", "k8")),
    rec("k9", "not json", error="value is not valid JSON: invalid character at offset 1"),
    rec("k9b", "plain text", error="value is not valid JSON: invalid character at offset 0"),
    rec("k10", '{"region":"eu"', error="value is not valid JSON: unexpected end of input at offset 14"),
    rec("k11", '{"region":"eu","region":"us"}', **P(R2, 6, "eu", "k11")),
]}
cases.append(c)
c = {"name": "header first, then json field", "config": {"header": "region", "json_field": "dc", "regions": R2},
     "topic": "events", "partition_count": 4, "records": [
    rec("a", '{"dc":"us"}', [["region", "eu"]], **P(R2, 4, "eu", "a")),
    rec("b", '{"dc":"us"}', **P(R2, 4, "us", "b")),
    rec("c", '{"dc":"us"}', [["region", None]], **P(R2, 4, "us", "c")),
    rec("d", '{"dc":"us"}', [["region", "mars"]], no_opinion=True),
    rec("e", "{bad", error="value is not valid JSON: invalid character at offset 1"),
    rec("f", "{bad", [["region", "us"]], **P(R2, 4, "us", "f")),
]}
cases.append(c)
c = {"name": "fewer partitions than regions", "config": {"header": "region", "regions": R3},
     "topic": "orders", "partition_count": 2, "records": [
    rec("a", None, [["region", "eu"]], error='region "eu" has no partitions (3 regions, 2 partitions)'),
    rec("b", None, [["region", "us"]], partition=0),
    rec("c", None, [["region", "ap"]], partition=1),
]}
cases.append(c)
cases.append({"name": "no config", "topic": "orders", "partition_count": 3, "expect_config_error": 'config: one of "header" or "json_field" is required'})
cases.append({"name": "empty batch", "config": {"header": "region", "regions": R3}, "topic": "orders", "partition_count": 3, "records": []})
def cfgerr(name, cfg, err, raw=False):
    d = {"name": name}
    if raw: d["config_raw"] = cfg
    else: d["config"] = cfg
    d["expect_config_error"] = err
    return d
cases += [
    cfgerr("config: neither header nor json_field", {"regions": ["eu"]}, 'config: one of "header" or "json_field" is required'),
    cfgerr("config: regions missing", {"header": "region"}, 'config: "regions" must be a non-empty array of non-empty strings'),
    cfgerr("config: regions empty", {"header": "region", "regions": []}, 'config: "regions" must be a non-empty array of non-empty strings'),
    cfgerr("config: empty region name", {"header": "region", "regions": ["eu", ""]}, 'config: "regions" must be a non-empty array of non-empty strings'),
    cfgerr("config: regions not strings", {"header": "region", "regions": ["eu", 1]}, 'config: "regions" must be a non-empty array of non-empty strings'),
    cfgerr("config: duplicate region", {"header": "region", "regions": ["eu", "us", "eu"]}, 'config: duplicate region "eu"'),
    cfgerr("config: empty header", {"header": "", "regions": ["eu"]}, 'config: "header" must be a non-empty string'),
    cfgerr("config: header not a string", {"header": 5, "regions": ["eu"]}, 'config: "header" must be a non-empty string'),
    cfgerr("config: json_field not a string", {"json_field": True, "regions": ["eu"]}, 'config: "json_field" must be a non-empty string'),
    cfgerr("config: unknown key", {"header": "region", "regions": ["eu"], "extra": 1}, 'config: unknown key "extra"'),
    cfgerr("config: not JSON", '{"header":', 'config: unexpected end of input at offset 10', raw=True),
    cfgerr("config: not an object", '[]', 'config: must be a JSON object', raw=True),
]
json.dump({"plugin": "region-partitioner", "kind": "partitioner",
           "description": "Expected partitions are computed with Kafka's murmur2 (checked against Kafka's published values): region i of R gets [i*n/R, (i+1)*n/R); a keyed record goes to lo + (murmur2(key) & 0x7fffffff) % (hi-lo), a keyless one to lo.",
           "cases": cases}, open(OUT + "region-partitioner.json", "w"), indent=1, ensure_ascii=False)

# ---------------- header-enricher
TRACE = ["trace-id", {"regex": "^[0-9a-f]{32}$"}]
def sha(v): return hashlib.sha256(enc(v)).hexdigest()
def H(*hs): return {"headers": list(hs)}
cases = []
c = {"name": "defaults without config", "topic": "orders", "records": [
    rec("k", "hello", **H(TRACE, ["content-sha256", sha("hello")])),
    rec("k", None, **H(TRACE)),
    rec(None, "", **H(TRACE, ["content-sha256", sha("")])),
    rec("k", "v", [["trace-id", "given"]], **H(["content-sha256", sha("v")])),
    rec("k", "v", [["trace-id", None]], **H(["content-sha256", sha("v")])),
    rec("k", {"hex": "00ff8081"}, **H(TRACE, ["content-sha256", sha({"hex": "00ff8081"})])),
]}
for n in [1, 55, 56, 63, 64, 65, 119, 120, 128, 1000]:
    v = "".join(chr(97 + (i % 26)) for i in range(n))
    c["records"].append(rec(None, v, **H(TRACE, ["content-sha256", sha(v)])))
cases.append(c)
cases.append({"name": "host name", "config": {"host_name": "producer-1.eu"}, "topic": "orders", "records": [
    rec("k", "hello", **H(TRACE, ["host", "producer-1.eu"], ["content-sha256", sha("hello")])),
    rec("k", None, [["trace-id", "t"]], **H(["host", "producer-1.eu"])),
]})
cases.append({"name": "only host", "config": {"host_name": "h1", "trace_id": False, "content_sha256": False}, "topic": "t", "records": [
    rec("k", "hello", **H(["host", "h1"])),
]})
cases.append({"name": "host toggled off", "config": {"host_name": "h1", "host": False}, "topic": "t", "records": [
    rec("k", "x", **H(TRACE, ["content-sha256", sha("x")])),
]})
cases.append({"name": "everything off", "config": {"trace_id": False, "content_sha256": False}, "topic": "t", "records": [
    rec("k", "x", **H()),
    rec(None, None, **H()),
]})
cases.append({"name": "unicode host name", "config": {"host_name": "hôte-ü"}, "topic": "t", "records": [
    rec(None, None, **H(TRACE, ["host", "hôte-ü"])),
]})
cases += [
    cfgerr("config: host without host_name", {"host": True}, 'config: "host" is true but "host_name" is not set'),
    cfgerr("config: trace_id not a boolean", {"trace_id": "yes"}, 'config: "trace_id" must be a boolean'),
    cfgerr("config: empty host_name", {"host_name": ""}, 'config: "host_name" must be a non-empty string'),
    cfgerr("config: unknown key", {"hostname": "x"}, 'config: unknown key "hostname"'),
    cfgerr("config: bad escape", '{"host_name":"a\\x"}', 'config: invalid escape at offset 15', raw=True),
]
json.dump({"plugin": "header-enricher", "kind": "enricher",
           "description": "Headers added in order: trace-id (32 lowercase hex digits from 16 host-random bytes; not added when the record already has a trace-id header), host (config host_name), content-sha256 (lowercase hex SHA-256 of the value; not added for a null value).",
           "cases": cases}, open(OUT + "header-enricher.json", "w"), indent=1, ensure_ascii=False)

# ---------------- json-codec: reference wire encoder
class Num(str): pass
def uvarint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7f) | 0x80); v >>= 7
    out.append(v); return bytes(out)
def wire_value(v):
    if v is None: return b"\x00"
    if v is False: return b"\x01"
    if v is True: return b"\x02"
    if isinstance(v, Num):
        if not any(ch in v for ch in ".eE"):
            n = int(v)
            if -(1 << 63) <= n < (1 << 63):
                return b"\x03" + uvarint(((n << 1) ^ (n >> 63)) & ((1 << 64) - 1))
        return b"\x04" + uvarint(len(v)) + v.encode()
    if isinstance(v, str):
        b = v.encode(); return b"\x05" + uvarint(len(b)) + b
    if isinstance(v, list) and not isinstance(v, Obj):
        return b"\x06" + uvarint(len(v)) + b"".join(wire_value(x) for x in v)
    ms = sorted(v, key=lambda kv: kv[0].encode())
    out = b"\x07" + uvarint(len(ms))
    for k, x in ms:
        kb_ = k.encode(); out += uvarint(len(kb_)) + kb_ + wire_value(x)
    return out
class Obj(list): pass
def parse(s):
    return json.loads(s, object_pairs_hook=lambda ps: Obj(ps), parse_int=Num, parse_float=Num)
def canon(v):
    if v is None: return "null"
    if v is True: return "true"
    if v is False: return "false"
    if isinstance(v, Num):
        if not any(ch in v for ch in ".eE") and -(1 << 63) <= int(v) < (1 << 63): return str(int(v))
        return str(v)
    if isinstance(v, str):
        out = '"'
        for ch in v:
            o = ord(ch)
            if ch == '"': out += '\\"'
            elif ch == '\\': out += '\\\\'
            elif o < 0x20:
                out += {8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t"}.get(o, "\\u%04x" % o)
            else: out += ch
        return out + '"'
    if isinstance(v, Obj):
        return "{" + ",".join(canon(k) + ":" + canon(x) for k, x in sorted(v, key=lambda kv: kv[0].encode())) + "}"
    return "[" + ",".join(canon(x) for x in v) + "]"
def ok(s):
    v = parse(s)
    return rec(None, None, None, hex=(b"\x01" + wire_value(v)).hex(), roundtrip=canon(v)) | {"in": s}
def err(s, e):
    r = rec(error=e); r["in"] = s; return r
def fix(r):
    # rec() put key/value; codec records use "in" only
    r.pop("key", None); r.pop("value", None); return r
SCHEMA = {"required": ["id", "total"], "types": {"id": "string", "total": "number", "count": "integer", "tags": "array",
          "paid": "boolean", "meta": "object", "note": "null", "extra": "any"}}
deep = '{"id":"a","total":1,"x":' + "[" * 64 + "]" * 64 + "}"
okdeep = '{"id":"a","total":1,"x":' + "[" * 63 + "]" * 63 + "}"
enc_records = [
    ok('{"id":"a1","total":12}'),
    ok('{"total": 12.50, "id": "x", "tags": ["a", 1, null, true, false, {"z": 1, "a": []}]}'),
    ok('{ "id" : "caf\\u00e9 \\"q\\"\\n\\/", "total": -0 }'),
    ok('{"id":"n","total":9223372036854775807,"big":9223372036854775808,"neg":-9223372036854775808,"small":-9223372036854775809,"exp":1e400,"frac":-0.0}'),
    ok('{"id":"a","total":1,"\u00e9":1,"z":2,"Z":3,"\U0001F600":4,"":5,"\uffff":6}'),
    ok('{"id":"a\\u0000\\u001f\\u007f","total":1,"note":null,"paid":true,"meta":{"k":{"k":[{}]}},"extra":[{}],"count":-42}'),
    ok('{"id":"\\ud83d\\ude00","total":0.5e-3}'),
    ok(okdeep),
    fix(rec(null=True)),
    err("", "invalid JSON: unexpected end of input at offset 0"),
    err("[1]", "value must be a JSON object, got array"),
    err('"s"', "value must be a JSON object, got string"),
    err('{"id":"a"}', 'missing required field "total"'),
    err('{"total":1}', 'missing required field "id"'),
    err('{"id":1,"total":2}', 'field "id": expected string, got number'),
    err('{"id":"a","total":"2"}', 'field "total": expected number, got string'),
    err('{"id":"a","total":1,"count":1.5}', 'field "count": expected integer, got number'),
    err('{"id":"a","total":1,"paid":null}', 'field "paid": expected boolean, got null'),
    err('{"id":"a","total":1,"id":"b"}', 'duplicate key "id"'),
    err('{"id":"a","total":1,"x":{"k":1,"k":2}}', 'duplicate key "k"'),
    err('{"id":"a","total":1,"q\\"":1,"q\\"":2}', 'duplicate key "q\\""'),
    err(deep, "invalid JSON: nesting too deep at offset %d" % (deep.index("[") + 63)),
    err('{"id":"a","total":1,}', "invalid JSON: invalid character at offset 20"),
    err('{"id":"a","total":01}', "invalid JSON: invalid character at offset 19"),
    err('{"id":"\\ud800","total":1}', "invalid JSON: invalid escape at offset 7"),
]
e = rec(error="invalid JSON: invalid UTF-8 at offset 7"); e["in"] = {"hex": b'{"id":"\xff","total":1}'.hex()}; enc_records.append(e)
enc_records[8] = rec(null=True)
cases = [{"name": "encode with schema", "config": SCHEMA, "topic": "orders", "op": "encode", "records": enc_records}]
strict = {"required": ["id"], "types": {"n": "integer"}, "allow_unknown": False}
cases.append({"name": "encode, unknown fields refused", "config": strict, "topic": "orders", "op": "encode", "records": [
    ok('{"id":1,"n":2}'),
    err('{"id":1,"n":2,"x":3}', 'unknown field "x"'),
    err('{"id":1,"b":1,"a":2}', 'unknown field "a"'),
    err('{"id":1,"n":2.0}', 'field "n": expected integer, got number'),
]})
cases.append({"name": "encode without config accepts any object", "topic": "t", "op": "encode", "records": [
    ok('{}'), ok('{"a":[1,{"b":"c"}]}'), err("null", "value must be a JSON object, got null"),
]})
def dec(hexs, **expect):
    r = rec(**expect); r["in"] = {"hex": hexs}; return r
simple = (b"\x01" + wire_value(parse('{"id":"a1","total":12}'))).hex()
deepwire = "0107010161" + "0601" * 64 + "00"
cases.append({"name": "decode", "topic": "orders", "op": "decode", "records": [
    dec(simple, text='{"id":"a1","total":12}'),
    dec("0107010" + "16e03ffffffffffffffffff01", text='{"n":-9223372036854775808}'),
    dec("010700", text="{}"),
    dec("01070201610001620601040331" + "2e35", text='{"a":null,"b":[1.5]}'),
    fix(rec(null=True)),
    dec("", error="wire: truncated at offset 0"),
    dec("02", error="wire: unsupported version 2"),
    dec("01", error="wire: truncated at offset 1"),
    dec("010600", error="wire: root must be an object"),
    dec("010701", error="wire: truncated at offset 3"),
    dec("010701016109", error="wire: unknown tag 9 at offset 5"),
    dec("01070000", error="wire: trailing data at offset 3"),
    dec("01070101ff00", error="wire: invalid UTF-8 at offset 4"),
    dec("0107010161040231" + "2e", error="wire: invalid number at offset 5"),
    dec("010701016103ffffffffffffffffff7f", error="wire: invalid varint at offset 6"),
    dec("01070101610505" + "61", error="wire: truncated at offset 7"),
    dec("01070101610380", error="wire: truncated at offset 6"),
    dec(deepwire, error="wire: nesting too deep at offset %d" % (5 + 2 * 63)),
]})
cases += [
    cfgerr("config: unknown type", {"types": {"total": "float"}}, 'config: field "total": type must be one of any, string, number, integer, boolean, object, array, null'),
    cfgerr("config: types not an object", {"types": []}, 'config: "types" must be an object of field names to type names'),
    cfgerr("config: required not an array", {"required": "id"}, 'config: "required" must be an array of non-empty strings'),
    cfgerr("config: allow_unknown not a boolean", {"allow_unknown": 1}, 'config: "allow_unknown" must be a boolean'),
    cfgerr("config: two types for a field", '{"types":{"a":"string","a":"number"}}', 'config: field "a" has two types', raw=True),
    cfgerr("config: unknown key", {"schema": {}}, 'config: unknown key "schema"'),
]
for c in cases:
    for r in c.get("records", []):
        fix(r) if "in" in r or r["expect"].get("null") else None
json.dump({"plugin": "json-codec", "kind": "codec",
           "description": "Wire hex and canonical JSON computed by an independent reference encoder; see plugins/json-codec/README.md for the format.",
           "cases": cases}, open(OUT + "json-codec.json", "w"), indent=1, ensure_ascii=False)

