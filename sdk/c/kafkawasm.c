/*
 * kafkawasm C SDK: the kw_* exports, the input buffer, batch parsing and
 * output layouts of docs/ABI.md, the heap and the host imports. See
 * kafkawasm.h for the API. Messages for malformed input and unregistered
 * kinds are those of the AssemblyScript SDK, so that every build of a
 * plugin fails alike.
 */
#include "kafkawasm.h"

#define IMPORT(name) __attribute__((import_module("kafkawasm"), import_name(name)))
#define EXPORT(name) __attribute__((export_name(name)))

IMPORT("log") void kwh_log(int32_t level, const uint8_t *p, int32_t n);
IMPORT("random_fill") void kwh_random_fill(uint8_t *p, int32_t n);
IMPORT("set_error") void kwh_set_error(const uint8_t *p, int32_t n);
IMPORT("now_unix_nanos") int64_t kwh_now_unix_nanos(void);
IMPORT("monotonic_nanos") int64_t kwh_monotonic_nanos(void);
IMPORT("sha256") int32_t kwh_sha256(const uint8_t *p, int32_t n, uint8_t *out);
IMPORT("json_scan")
int64_t kwh_json_scan(const uint8_t *src, int32_t n, uint8_t *tape, int32_t tape_cap, uint8_t *strs, int32_t strs_cap,
                      int32_t flags);

extern const kw_plugin kw_plugin_def;

/* ---- libc pieces the compiler may call --------------------------------- */

void *memcpy(void *restrict d, const void *restrict s, size_t n) {
  __builtin_memcpy(d, s, n); /* memory.copy with -mbulk-memory */
  return d;
}

void *memmove(void *d, const void *s, size_t n) {
  __builtin_memmove(d, s, n);
  return d;
}

void *memset(void *d, int c, size_t n) {
  __builtin_memset(d, c, n);
  return d;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

size_t kw_strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* ---- heap -------------------------------------------------------------- */

extern uint8_t __heap_base;
static uintptr_t heap_next;
static const char oom[] = "kafkawasm sdk: out of memory";

void *kw_alloc(uint32_t n) {
  if (heap_next == 0) heap_next = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_next + 15) & ~(uintptr_t)15;
  uint64_t end = (uint64_t)p + n;
  uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) << 16;
  if (end > have) {
    uint64_t pages = (end - have + 0xffff) >> 16;
    if (end > 0xffffffffull || __builtin_wasm_memory_grow(0, (size_t)pages) == (size_t)-1) return NULL;
  }
  heap_next = (uintptr_t)end;
  return (void *)p;
}

void kw_buf_grow(kw_buf *b, uint32_t n) {
  uint64_t need = (uint64_t)b->len + n;
  uint64_t c = (uint64_t)b->cap * 2;
  if (c < need) c = need;
  if (c < 64) c = 64;
  uint8_t *p = c > 0xffffffffull ? NULL : kw_alloc((uint32_t)c);
  if (p == NULL) {
    kwh_set_error((const uint8_t *)oom, sizeof oom - 1);
    __builtin_trap();
  }
  if (b->len > 0) __builtin_memcpy(p, b->ptr, b->len);
  b->ptr = p;
  b->cap = (uint32_t)c;
}

void kw_buf_cstr(kw_buf *b, const char *s) { kw_buf_bytes(b, s, (uint32_t)kw_strlen(s)); }

void kw_buf_i64(kw_buf *b, int64_t v) {
  uint64_t u = (uint64_t)v;
  if (v < 0) {
    kw_buf_u8(b, '-');
    u = 0 - u;
  }
  char tmp[20];
  int i = 20;
  do {
    tmp[--i] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  kw_buf_bytes(b, tmp + i, (uint32_t)(20 - i));
}

static const char HEX[] = "0123456789abcdef";

void kw_buf_json_string(kw_buf *b, const uint8_t *p, int32_t n) {
  kw_buf_u8(b, '"');
  int32_t start = 0;
  for (int32_t i = 0; i < n; i++) {
    uint8_t c = p[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    kw_buf_bytes(b, p + start, (uint32_t)(i - start));
    kw_buf_u8(b, '\\');
    switch (c) {
    case '"':
    case '\\': kw_buf_u8(b, c); break;
    case '\b': kw_buf_u8(b, 'b'); break;
    case '\f': kw_buf_u8(b, 'f'); break;
    case '\n': kw_buf_u8(b, 'n'); break;
    case '\r': kw_buf_u8(b, 'r'); break;
    case '\t': kw_buf_u8(b, 't'); break;
    default:
      kw_buf_bytes(b, "u00", 3);
      kw_buf_u8(b, (uint8_t)HEX[c >> 4]);
      kw_buf_u8(b, (uint8_t)HEX[c & 15]);
    }
    start = i + 1;
  }
  kw_buf_bytes(b, p + start, (uint32_t)(n - start));
  kw_buf_u8(b, '"');
}

/* ---- host functions ---------------------------------------------------- */

void kw_log(int32_t level, const uint8_t *p, int32_t n) { kwh_log(level, p, n); }

void kw_random(uint8_t *p, int32_t n) {
  if (n > 0) kwh_random_fill(p, n);
}

void kw_sha256(const uint8_t *p, int32_t n, uint8_t *out) {
  if (kwh_sha256(p, n, out) != 0) __builtin_trap();
}

int64_t kw_now_unix_nanos(void) { return kwh_now_unix_nanos(); }
int64_t kw_monotonic_nanos(void) { return kwh_monotonic_nanos(); }

/* ---- JSON -------------------------------------------------------------- */

static const char *const scan_messages[] = {"", "", "", "unexpected end of input", "invalid character",
                                            "invalid UTF-8", "invalid escape", "nesting too deep"};

int kw_json_parse(kw_json *d, const uint8_t *src, int32_t n, int32_t flags) {
  uint32_t max_nodes = (uint32_t)n + 1;
  d->src = src;
  d->nodes = 0;
  d->tape.len = 0;
  d->strs.len = 0;
  kw_buf_ensure(&d->tape, max_nodes * 16);
  kw_buf_ensure(&d->strs, (uint32_t)n);
  int64_t r = kwh_json_scan(src, n, d->tape.ptr, (int32_t)d->tape.cap, d->strs.ptr, (int32_t)d->strs.cap, flags);
  if (r < 0) {
    int64_t e = -r;
    d->err_code = (int32_t)(e & 0xff);
    d->err_offset = (int32_t)(e >> 8);
    return 0;
  }
  d->err_code = 0;
  d->nodes = (int32_t)(r >> 32);
  d->tape.len = (uint32_t)d->nodes * 16;
  d->strs.len = (uint32_t)(r & 0xffffffff);
  return 1;
}

void kw_json_error(const kw_json *d, kw_buf *out) {
  int32_t c = d->err_code;
  if (c >= 3 && c <= 7) {
    kw_buf_cstr(out, scan_messages[c]);
  } else {
    kw_buf_cstr(out, "host scanner failed (code ");
    kw_buf_i64(out, c);
    kw_buf_u8(out, ')');
  }
  kw_buf_cstr(out, " at offset ");
  kw_buf_i64(out, d->err_offset);
}

int32_t kw_json_get(const kw_json *d, int32_t obj, const uint8_t *key, int32_t n) {
  if (kw_json_kind(d, obj) != KW_JSON_OBJECT) return -1;
  int32_t c = obj + 1;
  for (int32_t j = kw_json_n(d, obj); j > 0; j--) {
    if (kw_equal(kw_json_str(d, c), kw_json_n(d, c), key, n)) return c + 1;
    c = kw_json_end(d, c + 1);
  }
  return -1;
}

const char *kw_json_kind_name(int32_t kind) {
  switch (kind) {
  case KW_JSON_NULL: return "null";
  case KW_JSON_FALSE:
  case KW_JSON_TRUE: return "boolean";
  case KW_JSON_NUMBER: return "number";
  case KW_JSON_STRING: return "string";
  case KW_JSON_ARRAY: return "array";
  case KW_JSON_OBJECT: return "object";
  }
  return "missing";
}

/* ---- ABI --------------------------------------------------------------- */

#define LEN_NULL (-1)
#define RESULT_ERROR (-2)
#define MAX_INPUT (1 << 30)

static kw_buf input;   /* the host writes each call's input here */
static kw_buf out;     /* each call's output */
static kw_buf failure; /* the current record's failure message */
static int failed;
static kw_buf errs;    /* partition: (index, msg len, msg) of failed records */
static kw_buf hdrs;    /* kw_header table of the current batch */
static kw_buf recs;    /* kw_record table of the current batch */
static kw_bytes topic;

void kw_fail(const char *msg) { kw_buf_cstr(kw_fail_msg(), msg); }

kw_buf *kw_fail_msg(void) {
  failed = 1;
  failure.len = 0;
  return &failure;
}

kw_bytes kw_topic(void) { return topic; }

static void set_error(kw_buf *b) { kwh_set_error(b->ptr, (int32_t)b->len); }

static kw_buf scratch; /* whole-call error messages */

static int64_t not_registered(const char *kind) {
  scratch.len = 0;
  kw_buf_cstr(&scratch, "kafkawasm sdk: this module has no ");
  kw_buf_cstr(&scratch, kind);
  kw_buf_cstr(&scratch, ": set ");
  kw_buf_cstr(&scratch, kind[0] == 'p' ? ".partition" : kind[0] == 'c' ? ".encode and .decode" : ".enrich");
  kw_buf_cstr(&scratch, " in KW_PLUGIN");
  set_error(&scratch);
  return -1;
}

static int bad_length(int32_t n) {
  if (n >= 0 && (uint32_t)n <= input.cap) return 0;
  scratch.len = 0;
  kw_buf_cstr(&scratch, "kafkawasm sdk: input length ");
  kw_buf_i64(&scratch, n);
  kw_buf_cstr(&scratch, " exceeds the ");
  kw_buf_i64(&scratch, input.cap);
  kw_buf_cstr(&scratch, "-byte buffer from kw_input");
  set_error(&scratch);
  return 1;
}

static inline int64_t pack_out(void) { return (int64_t)(uintptr_t)out.ptr << 32 | out.len; }

static inline void out_u32(uint32_t v) {
  kw_buf_ensure(&out, 4);
  __builtin_memcpy(out.ptr + out.len, &v, 4);
  out.len += 4;
}

static inline void put_u32(uint32_t at, uint32_t v) { __builtin_memcpy(out.ptr + at, &v, 4); }

/* Replaces the output from at on with a failed record's marker and
 * message (codec and enrich outputs). */
static void put_failure(uint32_t at) {
  out.len = at;
  out_u32((uint32_t)RESULT_ERROR);
  out_u32(failure.len);
  kw_buf_bytes(&out, failure.ptr, failure.len);
}

EXPORT("kw_abi_version") int32_t kw_abi_version(void) { return KW_ABI_MAJOR << 16 | KW_ABI_MINOR; }

EXPORT("kw_input") int32_t kw_input(int32_t size) {
  if (size < 0 || size > MAX_INPUT) return 0;
  if ((uint32_t)size > input.cap || input.ptr == NULL) {
    uint32_t c = input.cap * 2;
    if (c < (uint32_t)size) c = (uint32_t)size;
    if (c < 4096) c = 4096;
    uint8_t *p = kw_alloc(c);
    if (p == NULL) return 0;
    input.ptr = p;
    input.cap = c;
  }
  return (int32_t)(uintptr_t)input.ptr;
}

EXPORT("kw_configure") int32_t kw_configure(int32_t n) {
  if (bad_length(n)) return 1;
  if (kw_plugin_def.configure == NULL) return 0;
  failed = 0;
  kw_plugin_def.configure((kw_bytes){input.ptr, n});
  if (failed) {
    failed = 0;
    set_error(&failure);
    return 1;
  }
  return 0;
}

/* Layout reader over the input with a sticky error. */
static const uint8_t *rpos, *rend;
static int rbad;

static void rfail(const char *what) {
  if (rbad) return;
  rbad = 1;
  scratch.len = 0;
  kw_buf_cstr(&scratch, "kafkawasm abi: ");
  kw_buf_cstr(&scratch, what);
  kw_buf_cstr(&scratch, " at offset ");
  kw_buf_i64(&scratch, rpos - input.ptr);
  kw_buf_cstr(&scratch, ": truncated");
}

static inline uint32_t ru32(const char *what) {
  uint32_t v = 0;
  if (rbad) return 0;
  if (rend - rpos < 4) {
    rfail(what);
    return 0;
  }
  __builtin_memcpy(&v, rpos, 4);
  rpos += 4;
  return v;
}

static inline const uint8_t *rbytes(const char *what, int32_t n) {
  if (rbad) return NULL;
  if (n < 0 || n > rend - rpos) {
    rfail(what);
    return NULL;
  }
  const uint8_t *p = rpos;
  rpos += n;
  return p;
}

static void start_read(int32_t n) {
  rpos = input.ptr;
  rend = input.ptr + n;
  rbad = 0;
}

static int finish_read(void) {
  if (!rbad && rpos != rend) {
    rbad = 1;
    scratch.len = 0;
    kw_buf_cstr(&scratch, "kafkawasm abi: end of input at offset ");
    kw_buf_i64(&scratch, rpos - input.ptr);
    kw_buf_cstr(&scratch, ": ");
    kw_buf_i64(&scratch, rend - rpos);
    kw_buf_cstr(&scratch, " trailing bytes");
  }
  if (rbad) {
    set_error(&scratch);
    return 0;
  }
  return 1;
}

static int32_t record_count;

/* Parses a record batch into recs and hdrs; returns the partition count,
 * or -1 after set_error. */
static int32_t parse_batch(int32_t n) {
  start_read(n);
  int32_t tl = (int32_t)ru32("topic");
  const uint8_t *tp = rbytes("topic", tl);
  int32_t partitions = (int32_t)ru32("partition_count");
  if (!rbad && partitions < 0) {
    /* Kafka partition counts fit in an int32; -1 is this function's failure. */
    rbad = 1;
    scratch.len = 0;
    kw_buf_cstr(&scratch, "kafkawasm abi: partition_count at offset ");
    kw_buf_i64(&scratch, rpos - 4 - input.ptr);
    kw_buf_cstr(&scratch, ": out of range");
  }
  uint32_t count = ru32("record count");
  record_count = 0;
  recs.len = 0;
  hdrs.len = 0;
  topic = (kw_bytes){tp, tl};
  if (!rbad && (uint64_t)count * 12 > (uint64_t)(rend - rpos)) rfail("record count");
  if (!rbad) kw_buf_ensure(&recs, count * sizeof(kw_record));
  for (uint32_t i = 0; i < count && !rbad; i++) {
    kw_record *r = (kw_record *)recs.ptr + i;
    r->key.len = (int32_t)ru32("record key");
    r->key.ptr = r->key.len == LEN_NULL ? NULL : rbytes("record key", r->key.len);
    r->value.len = (int32_t)ru32("record value");
    r->value.ptr = r->value.len == LEN_NULL ? NULL : rbytes("record value", r->value.len);
    uint32_t hc = ru32("record header_count");
    if (!rbad && (uint64_t)hc * 8 > (uint64_t)(rend - rpos)) rfail("record header_count");
    /* The table may move while it grows: keep the index, fix up below. */
    r->headers = (const kw_header *)(uintptr_t)(hdrs.len / sizeof(kw_header));
    r->header_count = (int32_t)hc;
    if (!rbad) kw_buf_ensure(&hdrs, hc * sizeof(kw_header));
    for (uint32_t j = 0; j < hc && !rbad; j++) {
      kw_header h;
      h.key.len = (int32_t)ru32("header key");
      h.key.ptr = rbytes("header key", h.key.len);
      h.value.len = (int32_t)ru32("header value");
      h.value.ptr = h.value.len == LEN_NULL ? NULL : rbytes("header value", h.value.len);
      __builtin_memcpy(hdrs.ptr + hdrs.len, &h, sizeof h);
      hdrs.len += sizeof h;
    }
    record_count++;
  }
  if (!finish_read()) return -1;
  const kw_header *base = (const kw_header *)hdrs.ptr;
  for (int32_t i = 0; i < record_count; i++) {
    kw_record *r = (kw_record *)recs.ptr + i;
    r->headers = base + (uintptr_t)r->headers;
  }
  return partitions;
}

EXPORT("kw_partition") int64_t kw_partition(int32_t n) {
  if (kw_plugin_def.partition == NULL) return not_registered("partitioner");
  if (bad_length(n)) return -1;
  int32_t pc = parse_batch(n);
  if (pc < 0) return -1;
  /* Results first, then the error list, gathered in errs as we go. */
  out.len = 0;
  errs.len = 0;
  out_u32((uint32_t)record_count);
  uint32_t err_count = 0;
  for (int32_t i = 0; i < record_count; i++) {
    failed = 0;
    int32_t p = kw_plugin_def.partition((const kw_record *)recs.ptr + i, pc);
    if (!failed && p < KW_NO_OPINION) {
      kw_buf *m = kw_fail_msg();
      kw_buf_cstr(m, "partitioner returned invalid partition ");
      kw_buf_i64(m, p);
    }
    if (failed) {
      p = RESULT_ERROR;
      uint32_t hd[2] = {(uint32_t)i, failure.len};
      kw_buf_bytes(&errs, hd, 8);
      kw_buf_bytes(&errs, failure.ptr, failure.len);
      err_count++;
    }
    out_u32((uint32_t)p);
  }
  failed = 0;
  out_u32(err_count);
  kw_buf_bytes(&out, errs.ptr, errs.len);
  return pack_out();
}

static int64_t run_codec(void (*fn)(kw_bytes, kw_bytes, kw_buf *), int32_t n) {
  if (bad_length(n)) return -1;
  start_read(n);
  int32_t tl = (int32_t)ru32("topic");
  const uint8_t *tp = rbytes("topic", tl);
  uint32_t count = ru32("value count");
  topic = (kw_bytes){tp, tl};
  if (!rbad && (uint64_t)count * 4 > (uint64_t)(rend - rpos)) rfail("value count");
  /* Check the whole layout before running the codec. */
  const uint8_t *start = rpos;
  for (uint32_t i = 0; i < count && !rbad; i++) {
    int32_t l = (int32_t)ru32("value");
    if (l != LEN_NULL) rbytes("value", l);
  }
  if (!finish_read()) return -1;
  rpos = start;
  out.len = 0;
  out_u32(count);
  for (uint32_t i = 0; i < count; i++) {
    int32_t l;
    __builtin_memcpy(&l, rpos, 4);
    rpos += 4;
    if (l == LEN_NULL) {
      out_u32((uint32_t)LEN_NULL);
      continue;
    }
    kw_bytes in = {rpos, l};
    rpos += l;
    /* The result is written in place after its length, patched after. */
    uint32_t at = out.len;
    out_u32(0);
    kw_buf res = {out.ptr + out.len, 0, out.cap - out.len};
    uint32_t room = res.cap;
    failed = 0;
    fn(topic, in, &res);
    if (failed) {
      put_failure(at);
      continue;
    }
    if (res.cap != room) {
      /* The result outgrew the output buffer and moved (growing always
       * changes the capacity; the new buffer may even start where the old
       * one ended): copy it back. */
      uint8_t *p = res.ptr;
      out.len = at + 4;
      kw_buf_bytes(&out, p, res.len);
    } else {
      out.len = at + 4 + res.len;
    }
    put_u32(at, res.len);
  }
  failed = 0;
  return pack_out();
}

EXPORT("kw_encode") int64_t kw_encode(int32_t n) {
  if (kw_plugin_def.encode == NULL) return not_registered("codec");
  return run_codec(kw_plugin_def.encode, n);
}

EXPORT("kw_decode") int64_t kw_decode(int32_t n) {
  if (kw_plugin_def.decode == NULL) return not_registered("codec");
  return run_codec(kw_plugin_def.decode, n);
}

static int32_t added; /* headers added to the current record */

void kw_add_header(kw_bytes key, kw_bytes value) {
  if (key.len < 0) {
    /* A header key is never null (docs/ABI.md): the record fails. */
    kw_fail("kafkawasm sdk: kw_add_header with a null key");
    return;
  }
  out_u32((uint32_t)key.len);
  kw_buf_bytes(&out, key.ptr, (uint32_t)key.len);
  if (value.len < 0) {
    out_u32((uint32_t)LEN_NULL);
  } else {
    out_u32((uint32_t)value.len);
    kw_buf_bytes(&out, value.ptr, (uint32_t)value.len);
  }
  added++;
}

EXPORT("kw_enrich") int64_t kw_enrich(int32_t n) {
  if (kw_plugin_def.enrich == NULL) return not_registered("enricher");
  if (bad_length(n)) return -1;
  if (parse_batch(n) < 0) return -1;
  out.len = 0;
  out_u32((uint32_t)record_count);
  for (int32_t i = 0; i < record_count; i++) {
    uint32_t at = out.len;
    out_u32(0);
    failed = 0;
    added = 0;
    kw_plugin_def.enrich((const kw_record *)recs.ptr + i);
    if (failed) {
      put_failure(at);
      continue;
    }
    put_u32(at, (uint32_t)added);
  }
  failed = 0;
  return pack_out();
}
