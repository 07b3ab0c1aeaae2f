/*
 * region-partitioner (C): the twin of ../go/main.go and ../as/index.ts; see
 * ../README.md for the exact rules. Every build must give identical results
 * (plugins/testdata/vectors/region-partitioner.json).
 */
#include "kafkawasm.h"
#include "plugcfg.h"

#define MAX_REGIONS 1024

static kw_json cfg_doc; /* the config; regions and names point into it */
static int configured;
static kw_bytes header = {NULL, -1};
static kw_bytes json_field = {NULL, -1};
static kw_bytes *regions;
static int32_t region_count;
static kw_json doc; /* values parsed for json_field */

static const char *const allowed[] = {"header", "json_field", "regions"};
static const char regions_msg[] = "config: \"regions\" must be a non-empty array of non-empty strings";

static void configure(kw_bytes cfg) {
  kw_json *d = &cfg_doc;
  if (!plugcfg_parse(d, cfg, allowed, 3)) return;
  kw_bytes h, jf;
  if (!plugcfg_string(d, "header", &h) || !plugcfg_string(d, "json_field", &jf)) return;
  if (h.len < 0 && jf.len < 0) return kw_fail("config: one of \"header\" or \"json_field\" is required");
  int32_t arr;
  if (!plugcfg_strings(d, "regions", regions_msg, &arr)) return;
  int32_t n = arr < 0 ? 0 : kw_json_n(d, arr);
  if (n == 0) return kw_fail(regions_msg);
  if (n > MAX_REGIONS) return kw_fail("config: more than 1024 regions");
  kw_bytes *rs = kw_alloc((uint32_t)n * sizeof(kw_bytes));
  if (rs == NULL) return kw_fail("config: out of memory");
  int32_t c = arr + 1;
  for (int32_t i = 0; i < n; i++) {
    rs[i] = (kw_bytes){kw_json_str(d, c), kw_json_n(d, c)};
    for (int32_t j = 0; j < i; j++) {
      if (kw_equal(rs[j].ptr, rs[j].len, rs[i].ptr, rs[i].len)) {
        kw_buf *m = kw_fail_msg();
        kw_buf_cstr(m, "config: duplicate region ");
        kw_buf_json_string(m, rs[i].ptr, rs[i].len);
        return;
      }
    }
    c = kw_json_end(d, c);
  }
  header = h;
  json_field = jf;
  regions = rs;
  region_count = n;
  configured = 1;
}

/* The record's region (len -1: none); 0 after kw_fail for invalid JSON. */
static int find_region(const kw_record *r, kw_bytes *region) {
  region->len = -1;
  if (header.len > 0) {
    for (int32_t i = 0; i < r->header_count; i++) {
      const kw_header *h = &r->headers[i];
      if (kw_equal(h->key.ptr, h->key.len, header.ptr, header.len)) {
        if (h->value.len >= 0) {
          *region = h->value;
          return 1;
        }
        break;
      }
    }
  }
  if (json_field.len <= 0 || r->value.len < 0) return 1;
  if (!kw_json_parse(&doc, r->value.ptr, r->value.len, 0)) {
    kw_buf *m = kw_fail_msg();
    kw_buf_cstr(m, "value is not valid JSON: ");
    kw_json_error(&doc, m);
    return 0;
  }
  int32_t v = kw_json_get(&doc, 0, json_field.ptr, json_field.len);
  if (kw_json_kind(&doc, v) != KW_JSON_STRING) return 1;
  *region = (kw_bytes){kw_json_str(&doc, v), kw_json_n(&doc, v)};
  return 1;
}

/* Kafka's murmur2 (the Java client's default partitioner hash). */
static uint32_t murmur2(const uint8_t *p, int32_t n) {
  const uint32_t m = 0x5bd1e995;
  uint32_t h = 0x9747b28c ^ (uint32_t)n;
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t k;
    __builtin_memcpy(&k, p + i, 4);
    k *= m;
    k ^= k >> 24;
    k *= m;
    h = (h * m) ^ k;
  }
  int32_t rest = n - i;
  if (rest == 3) h ^= (uint32_t)p[i + 2] << 16;
  if (rest >= 2) h ^= (uint32_t)p[i + 1] << 8;
  if (rest >= 1) {
    h ^= p[i];
    h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

static int32_t partition(const kw_record *r, int32_t n) {
  if (!configured) {
    kw_fail("not configured: \"regions\" is required");
    return 0;
  }
  kw_bytes region;
  if (!find_region(r, &region)) return 0;
  if (region.len < 0) return KW_NO_OPINION;
  int32_t idx = -1;
  for (int32_t i = 0; i < region_count; i++) {
    if (kw_equal(regions[i].ptr, regions[i].len, region.ptr, region.len)) {
      idx = i;
      break;
    }
  }
  if (idx < 0) return KW_NO_OPINION;
  int32_t lo = (int32_t)((int64_t)idx * n / region_count);
  int32_t hi = (int32_t)((int64_t)(idx + 1) * n / region_count);
  if (lo == hi) {
    kw_buf *m = kw_fail_msg();
    kw_buf_cstr(m, "region ");
    kw_buf_json_string(m, region.ptr, region.len);
    kw_buf_cstr(m, " has no partitions (");
    kw_buf_i64(m, region_count);
    kw_buf_cstr(m, " regions, ");
    kw_buf_i64(m, n);
    kw_buf_cstr(m, " partitions)");
    return 0;
  }
  if (r->key.len < 0) return lo;
  return lo + (int32_t)((murmur2(r->key.ptr, r->key.len) & 0x7fffffff) % (uint32_t)(hi - lo));
}

KW_PLUGIN(.configure = configure, .partition = partition);
