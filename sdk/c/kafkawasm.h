/*
 * kafkawasm C SDK: write a partitioner, codec or header enricher in C and
 * build it as a WebAssembly module that speaks the kafkawasm plugin ABI
 * (docs/ABI.md, version 1.1). Freestanding: no libc, no WASI, no malloc
 * needed; the module imports only the host's `kafkawasm` functions it
 * calls. Build (see README.md):
 *
 *   clang-14 --target=wasm32 -O2 -mbulk-memory -nostdlib -ffreestanding \
 *     -I sdk/c -Wl,--no-entry -Wl,--stack-first -Wl,-z,stack-size=65536 \
 *     -o plugin.wasm plugin.c sdk/c/kafkawasm.c
 *
 * A plugin defines its callbacks and names them once with KW_PLUGIN:
 *
 *   static int32_t partition(const kw_record *r, int32_t partitions) {...}
 *   KW_PLUGIN(.configure = configure, .partition = partition);
 *
 * Concurrency: a module instance is used by one host goroutine at a time
 * and has its own globals, so callbacks need no locking. Every pointer the
 * SDK passes to a callback (records, keys, values, headers, topic, config)
 * is valid only during that callback.
 */
#ifndef KAFKAWASM_H
#define KAFKAWASM_H

#include <stddef.h>
#include <stdint.h>

#define KW_ABI_MAJOR 1
#define KW_ABI_MINOR 1

/* A partitioner's result that leaves the choice to the host's default
 * partitioner (murmur2 of the key, sticky for keyless records). */
#define KW_NO_OPINION (-1)

/* Bytes in linear memory; len == -1 is null (ptr is then NULL). */
typedef struct {
  const uint8_t *ptr;
  int32_t len;
} kw_bytes;

typedef struct {
  kw_bytes key; /* never null */
  kw_bytes value;
} kw_header;

/* One record of a partition or enrich call. */
typedef struct {
  kw_bytes key;
  kw_bytes value;
  const kw_header *headers;
  int32_t header_count;
} kw_record;

/* A growable byte buffer in the SDK's heap. Zero-initialised is empty.
 * Growth allocates anew (the old space is not reused), so keep buffers and
 * reuse them with kw_buf_reset rather than making new ones per record. */
typedef struct {
  uint8_t *ptr;
  uint32_t len;
  uint32_t cap;
} kw_buf;

/* The plugin's callbacks; leave out the kinds the module does not
 * implement (the host then gets a clear whole-call error).
 *
 * A callback refuses a record (or, in configure, the load) by calling
 * kw_fail or kw_fail_msg; its result is then ignored.
 *
 * configure: cfg is the plugin's `config` table as JSON ("{}" when absent).
 * partition: returns a partition in [0, partitions), or KW_NO_OPINION.
 * encode, decode: append the result to out (empty at the call); null inputs
 *   never reach them (the SDK passes a null through as null).
 * enrich: adds headers with kw_add_header, in order. */
typedef struct {
  void (*configure)(kw_bytes cfg);
  int32_t (*partition)(const kw_record *r, int32_t partitions);
  void (*encode)(kw_bytes topic, kw_bytes in, kw_buf *out);
  void (*decode)(kw_bytes topic, kw_bytes in, kw_buf *out);
  void (*enrich)(const kw_record *r);
} kw_plugin;

#define KW_PLUGIN(...) const kw_plugin kw_plugin_def = {__VA_ARGS__}

/* ---- failures ---------------------------------------------------------- */

/* Fails the current record (or configure) with a NUL-terminated message. */
void kw_fail(const char *msg);
/* Fails the current record (or configure) and returns the empty message
 * buffer to write the message into (with the kw_buf_* functions). */
kw_buf *kw_fail_msg(void);

/* ---- enricher output --------------------------------------------------- */

/* Adds a header to the current record's output (value.len < 0: a null
 * value). A null key (key.len < 0) fails the record instead. */
void kw_add_header(kw_bytes key, kw_bytes value);

/* The topic of the current call. */
kw_bytes kw_topic(void);

/* ---- buffers ----------------------------------------------------------- */

/* Makes room for n more bytes; traps with a message if memory runs out. */
void kw_buf_grow(kw_buf *b, uint32_t n);

static inline void kw_buf_reset(kw_buf *b) { b->len = 0; }

static inline void kw_buf_ensure(kw_buf *b, uint32_t n) {
  if (b->cap - b->len < n) kw_buf_grow(b, n);
}

static inline void kw_buf_u8(kw_buf *b, uint8_t v) {
  kw_buf_ensure(b, 1);
  b->ptr[b->len++] = v;
}

static inline void kw_buf_bytes(kw_buf *b, const void *p, uint32_t n) {
  kw_buf_ensure(b, n);
  __builtin_memcpy(b->ptr + b->len, p, n);
  b->len += n;
}

/* Appends a NUL-terminated string (without the NUL). */
void kw_buf_cstr(kw_buf *b, const char *s);
/* Appends v in decimal ASCII. */
void kw_buf_i64(kw_buf *b, int64_t v);
/* Appends n bytes at p as a canonical JSON string: quotes, \" \\ \b \f \n
 * \r \t, \u00XX for other control bytes, every other byte as it is (the
 * quoting of the Go and AssemblyScript SDKs' messages). */
void kw_buf_json_string(kw_buf *b, const uint8_t *p, int32_t n);

/* Allocates n bytes (16-byte aligned) from the SDK's heap, never freed;
 * NULL if memory cannot grow. For state set up once (configure). */
void *kw_alloc(uint32_t n);

/* ---- host functions ---------------------------------------------------- */

#define KW_LOG_DEBUG 0
#define KW_LOG_INFO 1
#define KW_LOG_WARN 2
#define KW_LOG_ERROR 3

/* Writes a message to the producer's logger, tagged with the plugin. */
void kw_log(int32_t level, const uint8_t *p, int32_t n);
/* Fills n bytes at p with crypto-seeded random bytes (one call for many
 * bytes is cheaper than many calls). */
void kw_random(uint8_t *p, int32_t n);
/* Writes the SHA-256 of n bytes at p to out[0..32), computed by the host. */
void kw_sha256(const uint8_t *p, int32_t n, uint8_t *out);
int64_t kw_now_unix_nanos(void);
int64_t kw_monotonic_nanos(void);

/* ---- JSON (the host's json_scan, ABI 1.1) ------------------------------ */

#define KW_JSON_INVALID 0 /* kind of a missing node (index < 0) */
#define KW_JSON_NULL 1
#define KW_JSON_FALSE 2
#define KW_JSON_TRUE 3
#define KW_JSON_NUMBER 4
#define KW_JSON_STRING 5
#define KW_JSON_ARRAY 6
#define KW_JSON_OBJECT 7

/* kw_json_parse flag: every object's members in ascending byte order of
 * their keys, stably (duplicates adjacent, in document order). */
#define KW_JSON_SORT_KEYS 1

/* A parsed document: a tape of nodes in pre-order, 16 bytes each (kind,
 * off, n, end; see docs/ABI.md, "json_scan"), the root at index 0. Reuse
 * one kw_json for many parses; zero-initialised is ready. */
typedef struct {
  kw_buf tape;
  kw_buf strs;
  const uint8_t *src;
  int32_t nodes;
  int32_t err_code;   /* 0 after a successful parse */
  int32_t err_offset;
} kw_json;

typedef struct {
  uint32_t kind, off, n, end;
} kw_json_node;

/* Parses n bytes at src (the SDKs' dialect: RFC 8259, UTF-8, depth <= 64);
 * 1 on success, 0 on a syntax error (see kw_json_error). src must stay
 * valid while the document is used (numbers point into it). */
int kw_json_parse(kw_json *d, const uint8_t *src, int32_t n, int32_t flags);
/* Appends the last error as "<what> at offset N" (the SDKs' messages). */
void kw_json_error(const kw_json *d, kw_buf *out);

static inline const kw_json_node *kw_json_at(const kw_json *d, int32_t i) {
  return (const kw_json_node *)d->tape.ptr + i;
}
/* The kind of node i; KW_JSON_INVALID for i < 0. */
static inline int32_t kw_json_kind(const kw_json *d, int32_t i) {
  return i < 0 ? KW_JSON_INVALID : (int32_t)kw_json_at(d, i)->kind;
}
/* String or number byte length; array or object element/member count. */
static inline int32_t kw_json_n(const kw_json *d, int32_t i) { return (int32_t)kw_json_at(d, i)->n; }
/* Index of the node after node i's subtree. */
static inline int32_t kw_json_end(const kw_json *d, int32_t i) { return (int32_t)kw_json_at(d, i)->end; }
/* A string node's decoded bytes (kw_json_n long). */
static inline const uint8_t *kw_json_str(const kw_json *d, int32_t i) { return d->strs.ptr + kw_json_at(d, i)->off; }
/* A number node's literal in the source (kw_json_n long). */
static inline const uint8_t *kw_json_num(const kw_json *d, int32_t i) { return d->src + kw_json_at(d, i)->off; }
/* The value node of the first member of object obj whose key is the n
 * bytes at key; -1 if there is none or obj is not an object. */
int32_t kw_json_get(const kw_json *d, int32_t obj, const uint8_t *key, int32_t n);
/* The type name of a kind: null, boolean, number, string, array, object,
 * or "missing". */
const char *kw_json_kind_name(int32_t kind);

/* Small helpers. */
size_t kw_strlen(const char *s);
static inline kw_bytes kw_cstr(const char *s) { return (kw_bytes){(const uint8_t *)s, (int32_t)kw_strlen(s)}; }
static inline int kw_equal(const uint8_t *a, int32_t an, const uint8_t *b, int32_t bn) {
  return an == bn && (an <= 0 || __builtin_memcmp(a, b, (size_t)an) == 0);
}

#endif
