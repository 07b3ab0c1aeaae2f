/*
 * json-codec (C): the twin of ../go/main.go + ../go/wire.go and
 * ../as/index.ts + ../as/wire.ts; see ../README.md for the schema rules and
 * the wire format. Every build must give identical results
 * (plugins/testdata/vectors/json-codec.json).
 *
 * encode parses with the host's json_scan with sorted keys, so members come
 * in wire order and duplicate keys are adjacent; the checks and the
 * encoding walk the tape by index. Results are written in place into the
 * SDK's output buffer when it has room for the worst case, else into a
 * static scratch buffer that is then copied: nothing is allocated per
 * record once the buffers have grown.
 */
#include "kafkawasm.h"
#include "plugcfg.h"

#define WIRE_VERSION 1
#define MAX_DEPTH 64 /* decode: containers nested deeper fail */

enum { TAG_NULL, TAG_FALSE, TAG_TRUE, TAG_INT, TAG_NUMBER, TAG_STRING, TAG_ARRAY, TAG_OBJECT };

enum { T_ANY, T_STRING, T_NUMBER, T_INTEGER, T_BOOLEAN, T_OBJECT, T_ARRAY, T_NULL, T_COUNT };
static const char *const type_names[T_COUNT] = {"any", "string", "number", "integer", "boolean", "object", "array", "null"};

typedef struct {
  kw_bytes name;
  int32_t typ;
} field;

/* The schema; names point into a copy of the config's string area. */
static const kw_bytes *required;        /* config order */
static const kw_bytes *required_sorted; /* ascending byte order, for merge walks */
static int32_t required_n;
static const field *types_sorted;       /* ascending byte order of name */
static int32_t types_n;
static int allow_unknown = 1;

static kw_json cfg_doc;
static kw_json doc;     /* each encode's document */
static kw_buf scratch;  /* results when the output buffer lacks room */

static const char *const allowed[] = {"required", "types", "allow_unknown"};

static inline int same(const uint8_t *a, int32_t an, const uint8_t *b, int32_t bn) {
  if (an != bn) return 0;
  for (int32_t i = 0; i < an; i++) {
    if (a[i] != b[i]) return 0;
  }
  return 1;
}

/* Byte order of a and b: <0, 0, >0. */
static int compare(const uint8_t *a, int32_t an, const uint8_t *b, int32_t bn) {
  int32_t n = an < bn ? an : bn;
  for (int32_t i = 0; i < n; i++) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return an < bn ? -1 : an > bn;
}

static void fail_name(const char *before, const uint8_t *p, int32_t n, const char *after) {
  kw_buf *m = kw_fail_msg();
  kw_buf_cstr(m, before);
  kw_buf_json_string(m, p, n);
  kw_buf_cstr(m, after);
}

/* ---- configure ----------------------------------------------------------- */

static void configure(kw_bytes cfg) {
  kw_json *d = &cfg_doc;
  if (!plugcfg_parse(d, cfg, allowed, 3)) return;
  int32_t arr;
  if (!plugcfg_strings(d, "required", "config: \"required\" must be an array of non-empty strings", &arr)) return;
  int au;
  if (!plugcfg_bool(d, "allow_unknown", 1, &au)) return;
  int32_t types = plugcfg_get(d, "types");
  if (types >= 0 && kw_json_kind(d, types) != KW_JSON_OBJECT) {
    return kw_fail("config: \"types\" must be an object of field names to type names");
  }
  int32_t rn = arr < 0 ? 0 : kw_json_n(d, arr);
  int32_t tn = types < 0 ? 0 : kw_json_n(d, types);
  /* One block: required (config order, then sorted), fields, the strings. */
  uint32_t size = (uint32_t)rn * 2 * sizeof(kw_bytes) + (uint32_t)tn * sizeof(field) + d->strs.len;
  uint8_t *block = kw_alloc(size);
  if (block == NULL) return kw_fail("config: out of memory");
  kw_bytes *req = (kw_bytes *)block;
  kw_bytes *req_sorted = req + rn;
  field *fs = (field *)(req_sorted + rn);
  uint8_t *strs = (uint8_t *)(fs + tn);
  if (d->strs.len > 0) __builtin_memcpy(strs, d->strs.ptr, d->strs.len);
  int32_t c = types + 1;
  for (int32_t i = 0; i < tn; i++) {
    int32_t v = c + 1;
    const uint8_t *kp = kw_json_str(d, c);
    int32_t kn = kw_json_n(d, c);
    int32_t typ = -1;
    if (kw_json_kind(d, v) == KW_JSON_STRING) {
      for (int32_t t = 0; t < T_COUNT; t++) {
        kw_bytes tname = kw_cstr(type_names[t]);
        if (same(tname.ptr, tname.len, kw_json_str(d, v), kw_json_n(d, v))) typ = t;
      }
    }
    if (typ < 0) {
      return fail_name("config: field ", kp, kn,
                       ": type must be one of any, string, number, integer, boolean, object, array, null");
    }
    for (int32_t j = 0; j < i; j++) {
      if (same(fs[j].name.ptr, fs[j].name.len, kp, kn)) return fail_name("config: field ", kp, kn, " has two types");
    }
    fs[i] = (field){{strs + (kp - d->strs.ptr), kn}, typ};
    c = kw_json_end(d, v);
  }
  c = arr + 1;
  for (int32_t i = 0; i < rn; i++) {
    req[i] = (kw_bytes){strs + (kw_json_str(d, c) - d->strs.ptr), kw_json_n(d, c)};
    c = kw_json_end(d, c);
  }
  /* Insertion sorts (stable; schemas are small). */
  for (int32_t i = 0; i < rn; i++) {
    kw_bytes x = req[i];
    int32_t j = i;
    for (; j > 0 && compare(req_sorted[j - 1].ptr, req_sorted[j - 1].len, x.ptr, x.len) > 0; j--) {
      req_sorted[j] = req_sorted[j - 1];
    }
    req_sorted[j] = x;
  }
  for (int32_t i = 1; i < tn; i++) {
    field x = fs[i];
    int32_t j = i;
    for (; j > 0 && compare(fs[j - 1].name.ptr, fs[j - 1].name.len, x.name.ptr, x.name.len) > 0; j--) {
      fs[j] = fs[j - 1];
    }
    fs[j] = x;
  }
  required = req;
  required_sorted = req_sorted;
  required_n = rn;
  types_sorted = fs;
  types_n = tn;
  allow_unknown = au;
}

/* ---- encode -------------------------------------------------------------- */

/* Whether the root object (sorted keys) has every required name: one merge
 * walk over the sorted names. */
static int has_required(const kw_json_node *t, const uint8_t *sp) {
  const kw_bytes *rq = required_sorted, *re = rq + required_n;
  int32_t c = 1;
  for (uint32_t j = t[0].n; j > 0 && rq < re; j--) {
    const uint8_t *kp = sp + t[c].off;
    int32_t kn = (int32_t)t[c].n;
    int r;
    while ((r = compare(rq->ptr, rq->len, kp, kn)) == 0) {
      if (++rq == re) return 1;
    }
    if (r < 0) return 0;
    c = (int32_t)t[c + 1].end;
  }
  return rq == re;
}

/* Whether the root object has a member named name. */
static int has_member(const kw_json_node *t, const uint8_t *sp, kw_bytes name) {
  int32_t c = 1;
  for (uint32_t j = t[0].n; j > 0; j--) {
    if (same(sp + t[c].off, (int32_t)t[c].n, name.ptr, name.len)) return 1;
    c = (int32_t)t[c + 1].end;
  }
  return 0;
}

/* Fails with the first duplicate key of object node i (keys sorted:
 * duplicates adjacent); 0 if there is none. */
static int duplicate_at(const kw_json_node *t, const uint8_t *sp, int32_t i) {
  uint32_t n = t[i].n;
  int32_t c = i + 1;
  for (uint32_t j = 1; j < n; j++) {
    int32_t next = (int32_t)t[c + 1].end;
    const kw_json_node *a = &t[c], *b = &t[next];
    if (a->n == b->n && same(sp + a->off, (int32_t)a->n, sp + b->off, (int32_t)b->n)) {
      fail_name("duplicate key ", sp + b->off, (int32_t)b->n, "");
      return 1;
    }
    c = next;
  }
  return 0;
}

static int matches(int32_t typ, const kw_json_node *v, const uint8_t *src) {
  uint32_t k = v->kind;
  switch (typ) {
  case T_STRING: return k == KW_JSON_STRING;
  case T_NUMBER: return k == KW_JSON_NUMBER;
  case T_INTEGER:
    if (k != KW_JSON_NUMBER) return 0;
    for (uint32_t i = 0; i < v->n; i++) {
      uint8_t ch = src[v->off + i];
      if (ch == '.' || ch == 'e' || ch == 'E') return 0;
    }
    return 1;
  case T_BOOLEAN: return k == KW_JSON_TRUE || k == KW_JSON_FALSE;
  case T_OBJECT: return k == KW_JSON_OBJECT;
  case T_ARRAY: return k == KW_JSON_ARRAY;
  case T_NULL: return k == KW_JSON_NULL;
  }
  return 1;
}

/* Encoding writes without bounds checks into a buffer with room for
 * 2*len(input)+16 bytes, which every wire form fits: each node's wire bytes
 * are at most twice its own source bytes (text, brackets, separators),
 * plus the version byte. */

static uint8_t *put_uvarint_long(uint8_t *o, uint64_t v) {
  while (v >= 0x80) {
    *o++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *o++ = (uint8_t)v;
  return o;
}

static inline uint8_t *put_uvarint(uint8_t *o, uint64_t v) {
  if (v < 0x80) {
    *o++ = (uint8_t)v;
    return o;
  }
  return put_uvarint_long(o, v);
}

static inline uint8_t *put_bytes(uint8_t *o, const uint8_t *p, uint32_t n) {
  __builtin_memcpy(o, p, n);
  return o + n;
}

/* A number literal: zigzag varint if it has no fraction or exponent and
 * fits in int64 ("-0" is 0), else its text. */
static uint8_t *put_number(uint8_t *o, const uint8_t *p, uint32_t n) {
  uint32_t neg = p[0] == '-';
  if (n - neg <= 19) {
    uint64_t u = 0;
    uint32_t i = neg;
    for (; i < n; i++) {
      uint32_t dg = (uint32_t)p[i] - '0';
      if (dg > 9) break;
      u = u * 10 + dg;
    }
    if (i == n && u <= (neg ? 1ull << 63 : (1ull << 63) - 1)) {
      *o++ = TAG_INT;
      return put_uvarint(o, neg && u != 0 ? (u << 1) - 1 : u << 1);
    }
  }
  *o++ = TAG_NUMBER;
  o = put_uvarint(o, n);
  return put_bytes(o, p, n);
}

/* Appends the wire form of container node i (an object already checked
 * for duplicate keys); NULL after kw_fail. Leaves are written in the loop,
 * only containers recurse (depth <= 64). */
static uint8_t *put_container(const kw_json_node *t, const uint8_t *sp, const uint8_t *src, int32_t i, uint8_t *o) {
  const kw_json_node *nd = &t[i];
  int obj = nd->kind == KW_JSON_OBJECT;
  *o++ = obj ? TAG_OBJECT : TAG_ARRAY;
  o = put_uvarint(o, nd->n);
  int32_t c = i + 1;
  for (uint32_t j = nd->n; j > 0; j--) {
    if (obj) {
      const kw_json_node *k = &t[c];
      o = put_uvarint(o, k->n);
      o = put_bytes(o, sp + k->off, k->n);
      c++;
    }
    const kw_json_node *v = &t[c];
    switch (v->kind) {
    case KW_JSON_NULL: *o++ = TAG_NULL; break;
    case KW_JSON_FALSE: *o++ = TAG_FALSE; break;
    case KW_JSON_TRUE: *o++ = TAG_TRUE; break;
    case KW_JSON_NUMBER: o = put_number(o, src + v->off, v->n); break;
    case KW_JSON_STRING:
      *o++ = TAG_STRING;
      o = put_uvarint(o, v->n);
      o = put_bytes(o, sp + v->off, v->n);
      break;
    default: /* array or object */
      if (v->kind == KW_JSON_OBJECT && duplicate_at(t, sp, c)) return NULL;
      o = put_container(t, sp, src, c, o);
      if (o == NULL) return NULL;
    }
    c = (int32_t)v->end;
  }
  return o;
}

static void encode(kw_bytes topic, kw_bytes in, kw_buf *out) {
  (void)topic;
  if (!kw_json_parse(&doc, in.ptr, in.len, KW_JSON_SORT_KEYS)) {
    kw_buf *m = kw_fail_msg();
    kw_buf_cstr(m, "invalid JSON: ");
    kw_json_error(&doc, m);
    return;
  }
  const kw_json_node *t = (const kw_json_node *)doc.tape.ptr;
  const uint8_t *sp = doc.strs.ptr, *src = doc.src;
  if (t[0].kind != KW_JSON_OBJECT) {
    kw_buf *m = kw_fail_msg();
    kw_buf_cstr(m, "value must be a JSON object, got ");
    kw_buf_cstr(m, kw_json_kind_name((int32_t)t[0].kind));
    return;
  }
  if (required_n > 0 && !has_required(t, sp)) {
    for (int32_t i = 0; i < required_n; i++) { /* the first missing, in config order */
      if (!has_member(t, sp, required[i])) return fail_name("missing required field ", required[i].ptr, required[i].len, "");
    }
  }
  if (duplicate_at(t, sp, 0)) return;
  if (types_n > 0 || !allow_unknown) {
    /* Members in byte order of their keys, merged with the sorted schema. */
    const field *ty = types_sorted, *te = ty + types_n;
    const kw_bytes *rq = required_sorted, *re = rq + required_n;
    int32_t c = 1;
    for (uint32_t j = t[0].n; j > 0; j--) {
      const uint8_t *kp = sp + t[c].off;
      int32_t kn = (int32_t)t[c].n;
      const kw_json_node *v = &t[c + 1];
      int r = 1;
      while (ty < te && (r = compare(ty->name.ptr, ty->name.len, kp, kn)) < 0) ty++;
      if (ty < te && r == 0) {
        if (!matches(ty->typ, v, src)) {
          kw_buf *m = kw_fail_msg();
          kw_buf_cstr(m, "field ");
          kw_buf_json_string(m, kp, kn);
          kw_buf_cstr(m, ": expected ");
          kw_buf_cstr(m, type_names[ty->typ]);
          kw_buf_cstr(m, ", got ");
          kw_buf_cstr(m, kw_json_kind_name((int32_t)v->kind));
          return;
        }
      } else if (!allow_unknown) {
        r = 1;
        while (rq < re && (r = compare(rq->ptr, rq->len, kp, kn)) < 0) rq++;
        if (!(rq < re && r == 0)) return fail_name("unknown field ", kp, kn, "");
      }
      c = (int32_t)v->end;
    }
  }
  uint32_t bound = 2 * (uint32_t)in.len + 16;
  int direct = out->cap - out->len >= bound;
  if (!direct) {
    scratch.len = 0;
    kw_buf_ensure(&scratch, bound);
  }
  uint8_t *o0 = direct ? out->ptr + out->len : scratch.ptr;
  uint8_t *o = o0;
  *o++ = WIRE_VERSION;
  o = put_container(t, sp, src, 0, o);
  if (o == NULL) return;
  if (direct) out->len += (uint32_t)(o - o0);
  else kw_buf_bytes(out, o0, (uint32_t)(o - o0));
}

/* ---- decode -------------------------------------------------------------- */

enum { E_NONE, E_TRUNCATED, E_VARINT, E_UTF8, E_NUMBER, E_DEEP, E_TAG, E_TRAILING };
static const char *const wire_errors[] = {"", "truncated", "invalid varint", "invalid UTF-8",
                                          "invalid number", "nesting too deep", "unknown tag ", "trailing data"};
static int werr;
static uint32_t werr_off, werr_tag;

static int wfail(int e, uint32_t off) {
  werr = e;
  werr_off = off;
  return 0;
}

static int read_uvarint_long(const uint8_t *s, uint32_t n, uint32_t *pos, uint64_t *v) {
  uint32_t start = *pos, p = start;
  uint64_t x = 0;
  for (int i = 0; i < 10; i++) {
    if (p >= n) return wfail(E_TRUNCATED, start);
    uint8_t b = s[p++];
    if (i == 9 && b > 1) return wfail(E_VARINT, start);
    x |= (uint64_t)(b & 0x7f) << (7 * i);
    if (b < 0x80) break;
  }
  *pos = p;
  *v = x;
  return 1;
}

static inline int read_uvarint(const uint8_t *s, uint32_t n, uint32_t *pos, uint64_t *v) {
  uint32_t p = *pos;
  if (p < n && s[p] < 0x80) {
    *v = s[p];
    *pos = p + 1;
    return 1;
  }
  return read_uvarint_long(s, n, pos, v);
}

/* Reads a varint length and skips that many bytes; *len is their count. */
static inline int read_bytes(const uint8_t *s, uint32_t n, uint32_t *pos, uint32_t *len) {
  uint64_t l;
  if (!read_uvarint(s, n, pos, &l)) return 0;
  if (l > n - *pos) return wfail(E_TRUNCATED, *pos);
  *len = (uint32_t)l;
  *pos += (uint32_t)l;
  return 1;
}

/* Length of the valid UTF-8 sequence at p (p[0] >= 0x80, n bytes left), or 0. */
static uint32_t utf8_len(const uint8_t *p, uint32_t n) {
  uint32_t c = p[0], len, lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) len = 2;
  else if (c == 0xe0) len = 3, lo = 0xa0;
  else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) len = 3;
  else if (c == 0xed) len = 3, hi = 0x9f;
  else if (c == 0xf0) len = 4, lo = 0x90;
  else if (c >= 0xf1 && c <= 0xf3) len = 4;
  else if (c == 0xf4) len = 4, hi = 0x8f;
  else return 0;
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (uint32_t i = 2; i < len; i++) {
    if (p[i] < 0x80 || p[i] > 0xbf) return 0;
  }
  return len;
}

/* Byte classes of JSON string output: 0 as is, 1 escaped, 2 non-ASCII. */
static const uint8_t byte_class[256] = {[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 2};
static const char hex[] = "0123456789abcdef";

/* Reads a length-prefixed UTF-8 string and writes it as a canonical JSON
 * string (kw_buf_json_string's quoting). */
static int read_text(const uint8_t *s, uint32_t n, uint32_t *pos, kw_buf *w) {
  uint32_t len;
  if (!read_bytes(s, n, pos, &len)) return 0;
  const uint8_t *p = s + *pos - len;
  kw_buf_u8(w, '"');
  uint32_t start = 0;
  for (uint32_t i = 0; i < len;) {
    uint8_t cls = byte_class[p[i]];
    if (cls == 0) {
      i++;
    } else if (cls == 2) {
      uint32_t l = utf8_len(p + i, len - i);
      if (l == 0) return wfail(E_UTF8, *pos - len + i);
      i += l;
    } else {
      uint8_t c = p[i], e[6] = {'\\', c, 'u', '0', '0', 0};
      uint32_t en = 2;
      switch (c) {
      case '"':
      case '\\': break;
      case '\b': e[1] = 'b'; break;
      case '\f': e[1] = 'f'; break;
      case '\n': e[1] = 'n'; break;
      case '\r': e[1] = 'r'; break;
      case '\t': e[1] = 't'; break;
      default:
        e[1] = 'u';
        e[2] = '0';
        e[4] = (uint8_t)hex[c >> 4];
        e[5] = (uint8_t)hex[c & 15];
        en = 6;
      }
      kw_buf_bytes(w, p + start, i - start);
      kw_buf_bytes(w, e, en);
      start = ++i;
    }
  }
  kw_buf_bytes(w, p + start, len - start);
  kw_buf_u8(w, '"');
  return 1;
}

static inline int is_digit(const uint8_t *p, uint32_t i, uint32_t n) { return i < n && p[i] - (uint32_t)'0' <= 9; }

/* Whether n bytes at p are exactly one JSON number literal. */
static int valid_number(const uint8_t *p, uint32_t n) {
  uint32_t i = 0;
  if (n > 0 && p[0] == '-') i++;
  if (i < n && p[i] == '0') i++;
  else if (!is_digit(p, i, n)) return 0;
  else while (is_digit(p, i, n)) i++;
  if (i < n && p[i] == '.') {
    if (!is_digit(p, ++i, n)) return 0;
    while (is_digit(p, i, n)) i++;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    if (!is_digit(p, i, n)) return 0;
    while (is_digit(p, i, n)) i++;
  }
  return i == n;
}

/* Decodes the value at *pos into w; 0 after wfail. Iterative: a stack of
 * open containers (at most MAX_DEPTH). */
static int decode_value(const uint8_t *s, uint32_t n, uint32_t *ppos, kw_buf *w) {
  struct {
    uint32_t left;
    uint32_t obj;
  } open[MAX_DEPTH];
  int depth = 0;
  uint32_t pos = *ppos;
  for (;;) {
    if (pos >= n) return wfail(E_TRUNCATED, pos);
    uint32_t tag_pos = pos;
    uint8_t tag = s[pos++];
    switch (tag) {
    case TAG_NULL: kw_buf_bytes(w, "null", 4); break;
    case TAG_FALSE: kw_buf_bytes(w, "false", 5); break;
    case TAG_TRUE: kw_buf_bytes(w, "true", 4); break;
    case TAG_INT: {
      uint64_t u;
      if (!read_uvarint(s, n, &pos, &u)) return 0;
      kw_buf_i64(w, (int64_t)(u >> 1) ^ -(int64_t)(u & 1));
      break;
    }
    case TAG_NUMBER: {
      uint32_t len;
      if (!read_bytes(s, n, &pos, &len)) return 0;
      if (!valid_number(s + pos - len, len)) return wfail(E_NUMBER, tag_pos);
      kw_buf_bytes(w, s + pos - len, len);
      break;
    }
    case TAG_STRING:
      if (!read_text(s, n, &pos, w)) return 0;
      break;
    case TAG_ARRAY:
    case TAG_OBJECT: {
      if (depth >= MAX_DEPTH) return wfail(E_DEEP, tag_pos);
      uint64_t count;
      if (!read_uvarint(s, n, &pos, &count)) return 0;
      if (count > n - pos) return wfail(E_TRUNCATED, pos);
      uint32_t obj = tag == TAG_OBJECT;
      kw_buf_u8(w, obj ? '{' : '[');
      if (count == 0) {
        kw_buf_u8(w, obj ? '}' : ']');
        break;
      }
      open[depth].left = (uint32_t)count;
      open[depth].obj = obj;
      depth++;
      if (obj) {
        if (!read_text(s, n, &pos, w)) return 0;
        kw_buf_u8(w, ':');
      }
      continue;
    }
    default:
      werr_tag = tag;
      return wfail(E_TAG, tag_pos);
    }
    /* A value is done: close the containers it completes, start the next element. */
    for (;;) {
      if (depth == 0) {
        *ppos = pos;
        return 1;
      }
      if (--open[depth - 1].left == 0) {
        depth--;
        kw_buf_u8(w, open[depth].obj ? '}' : ']');
        continue;
      }
      kw_buf_u8(w, ',');
      if (open[depth - 1].obj) {
        if (!read_text(s, n, &pos, w)) return 0;
        kw_buf_u8(w, ':');
      }
      break;
    }
  }
}

static void decode(kw_bytes topic, kw_bytes in, kw_buf *out) {
  (void)topic;
  const uint8_t *s = in.ptr;
  uint32_t n = (uint32_t)in.len;
  if (n == 0) return kw_fail("wire: truncated at offset 0");
  if (s[0] != WIRE_VERSION) {
    kw_buf *m = kw_fail_msg();
    kw_buf_cstr(m, "wire: unsupported version ");
    kw_buf_i64(m, s[0]);
    return;
  }
  if (n > 1 && s[1] != TAG_OBJECT) return kw_fail("wire: root must be an object");
  /* Canonical JSON is at most 6 bytes per wire byte (a control character
   * escaped, or "false,"): write in place when that fits. */
  int direct = (uint64_t)n * 6 + 16 <= out->cap - out->len;
  kw_buf *w = direct ? out : &scratch;
  scratch.len = 0;
  uint32_t pos = 1;
  werr = E_NONE;
  if (decode_value(s, n, &pos, w) && pos != n) wfail(E_TRAILING, pos);
  if (werr != E_NONE) {
    kw_buf *m = kw_fail_msg();
    kw_buf_cstr(m, "wire: ");
    kw_buf_cstr(m, wire_errors[werr]);
    if (werr == E_TAG) kw_buf_i64(m, werr_tag);
    kw_buf_cstr(m, " at offset ");
    kw_buf_i64(m, werr_off);
    return;
  }
  if (!direct) kw_buf_bytes(out, scratch.ptr, scratch.len);
}

KW_PLUGIN(.configure = configure, .encode = encode, .decode = decode);
