/*
 * header-enricher (C): the twin of ../go/main.go and ../as/index.ts; see
 * ../README.md for the config and header formats. Every build must give
 * identical results (plugins/testdata/vectors/header-enricher.json).
 */
#include "kafkawasm.h"
#include "plugcfg.h"

static kw_json cfg_doc; /* the config; host_name points into it */
static int trace_id = 1;
static int contents = 1;
static kw_bytes host_name = {NULL, -1}; /* len -1: no host header */

static const char *const allowed[] = {"host_name", "trace_id", "host", "content_sha256"};

static void configure(kw_bytes cfg) {
  kw_json *d = &cfg_doc;
  if (!plugcfg_parse(d, cfg, allowed, 4)) return;
  kw_bytes name;
  int t, add_host, c;
  if (!plugcfg_string(d, "host_name", &name) || !plugcfg_bool(d, "trace_id", 1, &t) ||
      !plugcfg_bool(d, "host", name.len >= 0, &add_host) || !plugcfg_bool(d, "content_sha256", 1, &c)) {
    return;
  }
  if (add_host && name.len < 0) return kw_fail("config: \"host\" is true but \"host_name\" is not set");
  trace_id = t;
  host_name = add_host ? name : (kw_bytes){NULL, -1};
  contents = c;
}

/* HEX_PAIRS[b] is the two lowercase hex digits of byte b, first digit in
 * the low byte (filled on first use). */
static uint16_t hex_pairs[256];

static void hex_into(uint8_t *dst, const uint8_t *p, int32_t n) {
  if (hex_pairs[0] == 0) {
    static const char hex[] = "0123456789abcdef";
    for (int b = 0; b < 256; b++) hex_pairs[b] = (uint16_t)(hex[b >> 4] | hex[b & 15] << 8);
  }
  for (int32_t i = 0; i < n; i++) __builtin_memcpy(dst + 2 * i, &hex_pairs[p[i]], 2);
}

/* Random bytes come from the host 1 KiB at a time, not per record. */
static uint8_t pool[1024];
static int32_t pool_pos = sizeof pool;

static const uint8_t *random_bytes(int32_t n) {
  if (pool_pos + n > (int32_t)sizeof pool) {
    kw_random(pool, sizeof pool);
    pool_pos = 0;
  }
  const uint8_t *p = pool + pool_pos;
  pool_pos += n;
  return p;
}

static const char TRACE_HEADER[] = "trace-id";
static const char HOST_HEADER[] = "host";
static const char HASH_HEADER[] = "content-sha256";

static int has_header(const kw_record *r, const char *name, int32_t n) {
  for (int32_t i = 0; i < r->header_count; i++) {
    if (kw_equal(r->headers[i].key.ptr, r->headers[i].key.len, (const uint8_t *)name, n)) return 1;
  }
  return 0;
}

static void enrich(const kw_record *r) {
  if (trace_id && !has_header(r, TRACE_HEADER, sizeof TRACE_HEADER - 1)) {
    uint8_t id[32];
    hex_into(id, random_bytes(16), 16);
    kw_add_header((kw_bytes){(const uint8_t *)TRACE_HEADER, sizeof TRACE_HEADER - 1}, (kw_bytes){id, 32});
  }
  if (host_name.len >= 0) kw_add_header((kw_bytes){(const uint8_t *)HOST_HEADER, sizeof HOST_HEADER - 1}, host_name);
  if (contents && r->value.len >= 0) {
    uint8_t digest[32], hex[64];
    kw_sha256(r->value.ptr, r->value.len, digest);
    hex_into(hex, digest, 32);
    kw_add_header((kw_bytes){(const uint8_t *)HASH_HEADER, sizeof HASH_HEADER - 1}, (kw_bytes){hex, 64});
  }
}

KW_PLUGIN(.configure = configure, .enrich = enrich);
