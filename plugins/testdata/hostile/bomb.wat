;; Memory bomb: kw_partition grows memory a page at a time until memory.grow
;; fails at the cap. Partition count 1: then returns a valid output (all -1),
;; leaving the instance past the recycle watermark. Otherwise: then traps.
(module
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
  (func (export "kw_partition") (param i32) (result i64)
    (block $full (loop $grow
      (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
      (br $grow)))
    (if (i32.eq (call $count) (i32.const 1)) (then (return (call $uniform (i32.const -1)))))
    unreachable)
)
