;; Well-behaved partitioner used by the runtime tests and benchmarks.
;; partition = fnv1a32(key) % partition_count; a null key -> -1 (no
;; opinion); the key "bad" -> -2 with the message "rejected key".
;; kw_configure logs "configured" and refuses to load if the config has a
;; top-level key "refuse".
(module
  (import "kafkawasm" "set_error" (func $set_error (param i32 i32)))
  (import "kafkawasm" "log" (func $log (param i32 i32 i32)))
  (import "kafkawasm" "config_get" (func $config_get (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $out (mut i32) (i32.const 0))
  (data (i32.const 16) "rejected key")
  (data (i32.const 32) "refuse")
  (data (i32.const 48) "refused by config")
  (data (i32.const 80) "configured")

  (func (export "kw_abi_version") (result i32) (i32.const 0x10000))

  ;; The input lives at 64 KiB; the output follows it. Memory is grown so
  ;; that input + 2 x input + 64 KiB fit.
  (func (export "kw_input") (param $size i32) (result i32)
    (local $need i32) (local $have i32)
    (local.set $need (i32.shr_u
      (i32.add (i32.add (i32.const 131072) (i32.shl (local.get $size) (i32.const 1))) (i32.const 65535))
      (i32.const 16)))
    (local.set $have (memory.size))
    (if (i32.gt_u (local.get $need) (local.get $have))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (local.get $have))) (i32.const -1))
        (then (return (i32.const 0))))))
    (global.set $out (i32.and (i32.add (i32.add (i32.const 65536) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (i32.const 65536))

  (func (export "kw_configure") (param $len i32) (result i32)
    (call $log (i32.const 1) (i32.const 80) (i32.const 10))
    (if (i32.ge_s (call $config_get (i32.const 32) (i32.const 6) (i32.const 0) (i32.const 0)) (i32.const 0))
      (then (call $set_error (i32.const 48) (i32.const 17)) (return (i32.const 1))))
    (i32.const 0))

  (func $fnv (param $p i32) (param $n i32) (result i32)
    (local $h i32) (local $end i32)
    (local.set $h (i32.const 0x811c9dc5))
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $p))) (i32.const 0x01000193)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $l)))
    (local.get $h))

  (func $is_bad (param $p i32) (param $n i32) (result i32)
    (if (result i32) (i32.ne (local.get $n) (i32.const 3))
      (then (i32.const 0))
      (else (i32.and
        (i32.eq (i32.load16_u (local.get $p)) (i32.const 0x6162))
        (i32.eq (i32.load8_u offset=2 (local.get $p)) (i32.const 0x64))))))

  (func (export "kw_partition") (param $len i32) (result i64)
    (local $p i32) (local $o i32) (local $n i32) (local $i i32) (local $count i32)
    (local $klen i32) (local $kptr i32) (local $x i32) (local $hc i32) (local $j i32)
    (local $res i32) (local $errs i32) (local $e i32) (local $start i32)
    (local.set $p (i32.const 65536))
    (local.set $p (i32.add (i32.add (local.get $p) (i32.const 4)) (i32.load (local.get $p))))
    (local.set $count (i32.load (local.get $p)))
    (local.set $n (i32.load offset=4 (local.get $p)))
    (local.set $p (i32.add (local.get $p) (i32.const 8)))
    (local.set $start (global.get $out))
    (i32.store (local.get $start) (local.get $n))
    (local.set $o (i32.add (local.get $start) (i32.const 4)))
    (local.set $e (i32.add (local.get $o) (i32.add (i32.shl (local.get $n) (i32.const 2)) (i32.const 4))))
    (block $done (loop $rec
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      ;; key
      (local.set $klen (i32.load (local.get $p)))
      (local.set $kptr (i32.add (local.get $p) (i32.const 4)))
      (local.set $p (local.get $kptr))
      (if (i32.ge_s (local.get $klen) (i32.const 0))
        (then (local.set $p (i32.add (local.get $p) (local.get $klen)))))
      ;; value
      (local.set $x (i32.load (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (if (i32.ge_s (local.get $x) (i32.const 0))
        (then (local.set $p (i32.add (local.get $p) (local.get $x)))))
      ;; headers
      (local.set $hc (i32.load (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (local.set $j (i32.const 0))
      (block $hd (loop $hl
        (br_if $hd (i32.ge_u (local.get $j) (local.get $hc)))
        (local.set $p (i32.add (i32.add (local.get $p) (i32.const 4)) (i32.load (local.get $p))))
        (local.set $x (i32.load (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (if (i32.ge_s (local.get $x) (i32.const 0))
          (then (local.set $p (i32.add (local.get $p) (local.get $x)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $hl)))
      (if (i32.lt_s (local.get $klen) (i32.const 0))
        (then (local.set $res (i32.const -1)))
        (else (if (call $is_bad (local.get $kptr) (local.get $klen))
          (then
            (local.set $res (i32.const -2))
            (i32.store (local.get $e) (local.get $i))
            (i32.store offset=4 (local.get $e) (i32.const 12))
            (memory.copy (i32.add (local.get $e) (i32.const 8)) (i32.const 16) (i32.const 12))
            (local.set $e (i32.add (local.get $e) (i32.const 20)))
            (local.set $errs (i32.add (local.get $errs) (i32.const 1))))
          (else (local.set $res
            (i32.rem_u (call $fnv (local.get $kptr) (local.get $klen)) (local.get $count)))))))
      (i32.store (local.get $o) (local.get $res))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rec)))
    (i32.store (local.get $o) (local.get $errs))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $start)) (i64.const 32))
            (i64.extend_i32_u (i32.sub (local.get $e) (local.get $start)))))
)
