;; Garbage output, chosen by the partition count:
;; 1 length past the end of memory; 2 one result too many; 3 result -7;
;; 4 error for a record past the end; 5 whole call failed with set_error;
;; 6 whole call failed without a message; 7 trailing bytes; 8 huge count.

(module
  (import "kafkawasm" "set_error" (func $set_error (param i32 i32)))
  (memory (export "memory") 3)
  (func (export "kw_abi_version") (result i32) (i32.const 0x10000))
  (func (export "kw_input") (param i32) (result i32) (i32.const 65536))
  ;; $count returns the partition count, $n the record count of the input.
  (func $count (result i32) (i32.load (i32.add (i32.const 65540) (i32.load (i32.const 65536)))))
  (func $n (result i32) (i32.load (i32.add (i32.const 65544) (i32.load (i32.const 65536)))))
  ;; $uniform writes a partition output at 131072 with every result = $v.
  (func $uniform (param $v i32) (result i64)
    (local $i i32) (local $n i32)
    (local.set $n (call $n))
    (i32.store (i32.const 131072) (local.get $n))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store offset=131076 (i32.shl (local.get $i) (i32.const 2)) (local.get $v))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (i32.store offset=131076 (i32.shl (local.get $n) (i32.const 2)) (i32.const 0))
    (i64.or (i64.const 0x2000000000000) (i64.extend_i32_u (i32.add (i32.shl (local.get $n) (i32.const 2)) (i32.const 8)))))
  (data (i32.const 16) "garbage: gave up")
  (func (export "kw_partition") (param i32) (result i64)
    (local $c i32) (local $r i64) (local $end i32)
    (local.set $c (call $count))
    (if (i32.eq (local.get $c) (i32.const 1)) (then (return (i64.const 0x2FFFC000003E8))))
    (if (i32.eq (local.get $c) (i32.const 5))
      (then (call $set_error (i32.const 16) (i32.const 16)) (return (i64.const -1))))
    (if (i32.eq (local.get $c) (i32.const 6)) (then (return (i64.const -1))))
    (local.set $r (call $uniform (i32.const 0)))
    (local.set $end (i32.add (i32.const 131072) (i32.wrap_i64 (local.get $r))))
    (if (i32.eq (local.get $c) (i32.const 2))
      (then (i32.store (i32.const 131072) (i32.add (call $n) (i32.const 1)))))
    (if (i32.eq (local.get $c) (i32.const 3))
      (then (i32.store (i32.const 131076) (i32.const -7))))
    (if (i32.eq (local.get $c) (i32.const 4))
      (then
        (i32.store (i32.sub (local.get $end) (i32.const 4)) (i32.const 1))
        (i32.store (local.get $end) (call $n))
        (i32.store offset=4 (local.get $end) (i32.const 0))
        (return (i64.add (local.get $r) (i64.const 8)))))
    (if (i32.eq (local.get $c) (i32.const 7)) (then (return (i64.add (local.get $r) (i64.const 3)))))
    (if (i32.eq (local.get $c) (i32.const 8))
      (then (i32.store (i32.const 131072) (i32.const 0x7fffffff))))
    (local.get $r))
)
