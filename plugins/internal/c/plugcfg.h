/*
 * Config-reading rules shared by the C example plugins: the twin of
 * plugins/internal/plugcfg (Go) and plugins/internal/as/plugcfg.ts. All
 * three must produce the same messages; the conformance vectors check them.
 * Each function returns 1 on success, or 0 after kw_fail with the message.
 * Strings found point into the document's string area: parse the config
 * into a kw_json kept for the plugin's lifetime and they stay valid.
 */
#ifndef PLUGCFG_H
#define PLUGCFG_H

#include "kafkawasm.h"

/* Parses cfg into d and checks it is an object whose keys are all in
 * allowed (n of them). */
static inline int plugcfg_parse(kw_json *d, kw_bytes cfg, const char *const *allowed, int n) {
  if (!kw_json_parse(d, cfg.ptr, cfg.len, 0)) {
    kw_buf *m = kw_fail_msg();
    kw_buf_cstr(m, "config: ");
    kw_json_error(d, m);
    return 0;
  }
  if (kw_json_kind(d, 0) != KW_JSON_OBJECT) {
    kw_fail("config: must be a JSON object");
    return 0;
  }
  int32_t c = 1;
  for (int32_t j = kw_json_n(d, 0); j > 0; j--) {
    int ok = 0;
    for (int i = 0; i < n && !ok; i++) {
      kw_bytes a = kw_cstr(allowed[i]);
      ok = kw_equal(kw_json_str(d, c), kw_json_n(d, c), a.ptr, a.len);
    }
    if (!ok) {
      kw_buf *m = kw_fail_msg();
      kw_buf_cstr(m, "config: unknown key ");
      kw_buf_json_string(m, kw_json_str(d, c), kw_json_n(d, c));
      return 0;
    }
    c = kw_json_end(d, c + 1);
  }
  return 1;
}

/* The value node of key in the root object, or -1. */
static inline int32_t plugcfg_get(const kw_json *d, const char *key) {
  kw_bytes k = kw_cstr(key);
  return kw_json_get(d, 0, k.ptr, k.len);
}

static inline void plugcfg_fail_key(const char *key, const char *what) {
  kw_bytes k = kw_cstr(key);
  kw_buf *m = kw_fail_msg();
  kw_buf_cstr(m, "config: ");
  kw_buf_json_string(m, k.ptr, k.len);
  kw_buf_cstr(m, what);
}

/* Reads the non-empty string at key into *val; val->len is -1 when the
 * key is absent. */
static inline int plugcfg_string(const kw_json *d, const char *key, kw_bytes *val) {
  *val = (kw_bytes){NULL, -1};
  int32_t v = plugcfg_get(d, key);
  if (v < 0) return 1;
  if (kw_json_kind(d, v) != KW_JSON_STRING || kw_json_n(d, v) == 0) {
    plugcfg_fail_key(key, " must be a non-empty string");
    return 0;
  }
  *val = (kw_bytes){kw_json_str(d, v), kw_json_n(d, v)};
  return 1;
}

/* Reads the boolean at key into *val (def when absent). */
static inline int plugcfg_bool(const kw_json *d, const char *key, int def, int *val) {
  int32_t k = kw_json_kind(d, plugcfg_get(d, key));
  if (k == KW_JSON_INVALID) *val = def;
  else if (k == KW_JSON_TRUE) *val = 1;
  else if (k == KW_JSON_FALSE) *val = 0;
  else {
    plugcfg_fail_key(key, " must be a boolean");
    return 0;
  }
  return 1;
}

/* Checks that key is absent or an array of non-empty strings (msg is the
 * message otherwise) and sets *arr to its node (-1 when absent): iterate
 * its elements with c = arr + 1, c = kw_json_end(d, c). */
static inline int plugcfg_strings(const kw_json *d, const char *key, const char *msg, int32_t *arr) {
  *arr = -1;
  int32_t v = plugcfg_get(d, key);
  if (v < 0) return 1;
  if (kw_json_kind(d, v) != KW_JSON_ARRAY) {
    kw_fail(msg);
    return 0;
  }
  int32_t c = v + 1;
  for (int32_t j = kw_json_n(d, v); j > 0; j--) {
    if (kw_json_kind(d, c) != KW_JSON_STRING || kw_json_n(d, c) == 0) {
      kw_fail(msg);
      return 0;
    }
    c = kw_json_end(d, c);
  }
  *arr = v;
  return 1;
}

#endif
