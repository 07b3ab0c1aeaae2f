;; Well-behaved codec used by the runtime tests and benchmarks.
;; encode: value -> 0x01 ++ value; null -> null; "bad" -> error "rejected value".
;; decode: 0x01 ++ rest -> rest; null -> null; anything else -> error "not encoded".
(module
  (memory (export "memory") 2)
  (global $out (mut i32) (i32.const 0))
  (data (i32.const 16) "rejected value")
  (data (i32.const 32) "not encoded")

  (func (export "kw_abi_version") (result i32) (i32.const 0x10000))

  (func $ensure (param $end i32)
    (local $need i32)
    (local.set $need (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
        (then unreachable)))))

  (func (export "kw_input") (param $size i32) (result i32)
    (call $ensure (i32.add (i32.const 65536) (local.get $size)))
    (global.set $out (i32.and (i32.add (i32.add (i32.const 65536) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (i32.const 65536))

  (func $is_bad (param $p i32) (param $n i32) (result i32)
    (if (result i32) (i32.ne (local.get $n) (i32.const 3))
      (then (i32.const 0))
      (else (i32.and
        (i32.eq (i32.load16_u (local.get $p)) (i32.const 0x6162))
        (i32.eq (i32.load8_u offset=2 (local.get $p)) (i32.const 0x64))))))

  (func $err (param $o i32) (param $src i32) (param $n i32) (result i32)
    (i32.store (local.get $o) (i32.const -2))
    (i32.store offset=4 (local.get $o) (local.get $n))
    (memory.copy (i32.add (local.get $o) (i32.const 8)) (local.get $src) (local.get $n))
    (i32.add (local.get $o) (i32.add (local.get $n) (i32.const 8))))

  ;; $dir = 1 encode, 0 decode
  (func $run (param $len i32) (param $dir i32) (result i64)
    (local $p i32) (local $o i32) (local $n i32) (local $i i32) (local $vlen i32) (local $v i32) (local $start i32)
    (local.set $p (i32.const 65536))
    (local.set $p (i32.add (i32.add (local.get $p) (i32.const 4)) (i32.load (local.get $p))))
    (local.set $n (i32.load (local.get $p)))
    (local.set $p (i32.add (local.get $p) (i32.const 4)))
    (local.set $start (global.get $out))
    (call $ensure (i32.add (local.get $start) (i32.add (local.get $len) (i32.mul (local.get $n) (i32.const 32)))))
    (i32.store (local.get $start) (local.get $n))
    (local.set $o (i32.add (local.get $start) (i32.const 4)))
    (block $done (loop $rec
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $vlen (i32.load (local.get $p)))
      (local.set $v (i32.add (local.get $p) (i32.const 4)))
      (local.set $p (local.get $v))
      (if (i32.lt_s (local.get $vlen) (i32.const 0))
        (then
          (i32.store (local.get $o) (i32.const -1))
          (local.set $o (i32.add (local.get $o) (i32.const 4))))
        (else
          (local.set $p (i32.add (local.get $p) (local.get $vlen)))
          (if (local.get $dir)
            (then (if (call $is_bad (local.get $v) (local.get $vlen))
              (then (local.set $o (call $err (local.get $o) (i32.const 16) (i32.const 14))))
              (else
                (i32.store (local.get $o) (i32.add (local.get $vlen) (i32.const 1)))
                (i32.store8 offset=4 (local.get $o) (i32.const 1))
                (memory.copy (i32.add (local.get $o) (i32.const 5)) (local.get $v) (local.get $vlen))
                (local.set $o (i32.add (local.get $o) (i32.add (local.get $vlen) (i32.const 5)))))))
            (else (if (i32.or (i32.eqz (local.get $vlen)) (i32.ne (i32.load8_u (local.get $v)) (i32.const 1)))
              (then (local.set $o (call $err (local.get $o) (i32.const 32) (i32.const 11))))
              (else
                (i32.store (local.get $o) (i32.sub (local.get $vlen) (i32.const 1)))
                (memory.copy (i32.add (local.get $o) (i32.const 4)) (i32.add (local.get $v) (i32.const 1))
                  (i32.sub (local.get $vlen) (i32.const 1)))
                (local.set $o (i32.add (local.get $o) (i32.add (local.get $vlen) (i32.const 3))))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rec)))
    (i64.or (i64.shl (i64.extend_i32_u (local.get $start)) (i64.const 32))
            (i64.extend_i32_u (i32.sub (local.get $o) (local.get $start)))))

  (func (export "kw_encode") (param $len i32) (result i64) (call $run (local.get $len) (i32.const 1)))
  (func (export "kw_decode") (param $len i32) (result i64) (call $run (local.get $len) (i32.const 0)))
)
