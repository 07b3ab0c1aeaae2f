;; Infinite loop in the module's start function (runs at instantiation).
(module
  (memory (export "memory") 1)
  (func $start (loop $forever (br $forever)))
  (start $start)
  (func (export "kw_abi_version") (result i32) (i32.const 0x10000))
  (func (export "kw_input") (param i32) (result i32) (i32.const 1024))
  (func (export "kw_partition") (param i32) (result i64) (i64.const -1))
)
