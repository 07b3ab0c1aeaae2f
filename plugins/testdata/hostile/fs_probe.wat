;; Sandbox probe: tries to reach the filesystem through WASI. Record i gets
;; the errno of probe i mod 4 as its partition (0 would mean success):
;; 0 path_open(fd 3, "etc/passwd") (a file under the first preopen);
;; 1 fd_prestat_get(3) (discover a preopened directory);
;; 2 path_open(fd 3, ".", O_DIRECTORY) (open a directory);
;; 3 path_open(fd 0 = stdin, "/etc/passwd").
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
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
  (data (i32.const 16) "etc/passwd")
  (data (i32.const 32) ".")
  (data (i32.const 48) "/etc/passwd")
  (func $probe (param $k i32) (result i32)
    (if (i32.eq (local.get $k) (i32.const 0))
      (then (return (call $path_open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 10)
        (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 1024)))))
    (if (i32.eq (local.get $k) (i32.const 1))
      (then (return (call $prestat (i32.const 3) (i32.const 1024)))))
    (if (i32.eq (local.get $k) (i32.const 2))
      (then (return (call $path_open (i32.const 3) (i32.const 0) (i32.const 32) (i32.const 1)
        (i32.const 2) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 1024)))))
    (call $path_open (i32.const 0) (i32.const 0) (i32.const 48) (i32.const 11)
      (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 1024)))
  (func (export "kw_partition") (param i32) (result i64)
    (local $i i32) (local $n i32) (local $r i64)
    (local.set $r (call $uniform (i32.const 0)))
    (local.set $n (call $n))
    (block $d (loop $l
      (br_if $d (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store offset=131076 (i32.shl (local.get $i) (i32.const 2))
        (call $probe (i32.rem_u (local.get $i) (i32.const 4))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $r))
)
