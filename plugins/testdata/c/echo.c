/*
 * echo: a C SDK test module (plugins/batch_test.go, TestCSDKEcho). encode
 * and decode return their input; enrich adds one header "echo" whose value
 * is the record's value (and a header with a null key for a record keyed
 * "null-key", which must fail that record). After each result, encode and decode grow a
 * scratch buffer and fill it with 0xee, as a codec's parse buffers would:
 * a result the SDK kept outside its output buffer, in memory the heap hands
 * out again, would then come back spoiled.
 */
#include "kafkawasm.h"

static kw_buf scratch;

static void echo(kw_bytes topic, kw_bytes in, kw_buf *out) {
  (void)topic;
  kw_buf_bytes(out, in.ptr, (uint32_t)in.len);
  scratch.len = 0;
  kw_buf_ensure(&scratch, (uint32_t)in.len * 2 + 16);
  __builtin_memset(scratch.ptr, 0xee, scratch.cap);
}

static void enrich(const kw_record *r) {
  kw_add_header(kw_cstr("echo"), r->value);
  /* A record keyed "null-key" also gets a header with a null key, which
   * the SDK turns into a failure of that record. */
  if (kw_equal(r->key.ptr, r->key.len, (const uint8_t *)"null-key", 8)) kw_add_header((kw_bytes){NULL, -1}, r->value);
}

KW_PLUGIN(.encode = echo, .decode = echo, .enrich = enrich);
