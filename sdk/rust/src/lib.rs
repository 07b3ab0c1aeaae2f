//! kafkawasm Rust SDK: write a partitioner, codec or header enricher in Rust
//! and build it as a WebAssembly module that speaks the kafkawasm plugin ABI
//! (docs/ABI.md, version 1.1), for the `wasm32-unknown-unknown` target. The
//! module imports only the host's `kafkawasm` functions it calls: no WASI.
//!
//! A plugin is a type that implements [`Plugin`] and one kind's trait
//! ([`Partitioner`], [`Codec`] or [`Enricher`]), named once with the kind's
//! macro, which defines the `kw_*` exports:
//!
//! ```ignore
//! #[derive(Default)]
//! struct ByFirstByte;
//! impl kafkawasm::Plugin for ByFirstByte {}
//! impl kafkawasm::Partitioner for ByFirstByte {
//!     fn partition(&mut self, r: &kafkawasm::Record, partitions: i32) -> Result<i32, kafkawasm::Error> {
//!         match r.key {
//!             None => Ok(kafkawasm::NO_OPINION),
//!             Some([]) => Err("empty key".into()),
//!             Some(k) => Ok(k[0] as i32 % partitions),
//!         }
//!     }
//! }
//! kafkawasm::partitioner!(ByFirstByte);
//! ```
//!
//! Concurrency: the host uses an instance from one goroutine at a time and
//! every instance has its own memory, so the plugin value needs no locking.
//! Records, keys, values, headers and the topic borrow the SDK's input
//! buffer: they live for the callback only.
//!
//! Malformed input from the host (a truncated batch, trailing bytes) is a
//! whole-call failure with the messages of the AssemblyScript and C SDKs, so
//! that every build of a plugin fails alike.

use std::cell::UnsafeCell;

mod json;
pub use json::{append_json_string, kind_name, Doc, JsonError, Node, Scanner, KIND_ARRAY, KIND_FALSE, KIND_INVALID,
               KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, SORT_KEYS};

pub const ABI_MAJOR: i32 = 1;
pub const ABI_MINOR: i32 = 1;

/// A partitioner's result that leaves the choice to the host's default
/// partitioner (murmur2 of the key, sticky for keyless records).
pub const NO_OPINION: i32 = -1;

/// Why a record (or, from configure, the load) failed: a message, in bytes
/// because a message may quote bytes that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Error(pub Vec<u8>);

impl Error {
    /// Appends text to the message.
    pub fn push(mut self, s: &str) -> Self {
        self.0.extend_from_slice(s.as_bytes());
        self
    }

    /// Appends b as a canonical JSON string (see [`append_json_string`]).
    pub fn quoted(mut self, b: &[u8]) -> Self {
        append_json_string(&mut self.0, b);
        self
    }
}

impl From<&str> for Error {
    fn from(s: &str) -> Self {
        Error(s.as_bytes().to_vec())
    }
}

impl From<String> for Error {
    fn from(s: String) -> Self {
        Error(s.into_bytes())
    }
}

/// A record header; a header's key is never null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub key: &'a [u8],
    pub value: Option<&'a [u8]>,
}

/// One record of a partition or enrich call.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    pub headers: &'a [Header<'a>],
}

impl<'a> Record<'a> {
    /// The first header named key, if any.
    pub fn header(&self, key: &[u8]) -> Option<&Header<'a>> {
        self.headers.iter().find(|h| h.key == key)
    }
}

/// What every plugin implements; configure receives the plugin's `config`
/// table as JSON (`{}` when absent) and refuses the load with an error.
pub trait Plugin: Default + 'static {
    fn configure(&mut self, _config: &[u8]) -> Result<(), Error> {
        Ok(())
    }
}

pub trait Partitioner: Plugin {
    /// A partition in [0, partitions), or [`NO_OPINION`].
    fn partition(&mut self, r: &Record, partitions: i32) -> Result<i32, Error>;
}

/// Null keys and values never reach a codec: the SDK passes them through.
pub trait Codec: Plugin {
    /// Appends the wire bytes of input to out (empty at the call).
    fn encode(&mut self, topic: &[u8], input: &[u8], out: &mut Vec<u8>) -> Result<(), Error>;
    /// Appends the canonical bytes of the wire bytes input to out.
    fn decode(&mut self, topic: &[u8], input: &[u8], out: &mut Vec<u8>) -> Result<(), Error>;
}

pub trait Enricher: Plugin {
    /// Adds the record's new headers to out, in order.
    fn enrich(&mut self, r: &Record, out: &mut Headers) -> Result<(), Error>;
}

/// The headers an enricher adds to one record.
pub struct Headers<'a> {
    out: &'a mut Vec<u8>,
    count: u32,
}

impl Headers<'_> {
    pub fn add(&mut self, key: &[u8], value: Option<&[u8]>) {
        put_u32(self.out, key.len() as u32);
        self.out.extend_from_slice(key);
        match value {
            None => put_u32(self.out, LEN_NULL as u32),
            Some(v) => {
                put_u32(self.out, v.len() as u32);
                self.out.extend_from_slice(v);
            }
        }
        self.count += 1;
    }
}

// ---- host imports -----------------------------------------------------------

mod host {
    #[link(wasm_import_module = "kafkawasm")]
    extern "C" {
        pub fn log(level: i32, p: *const u8, n: i32);
        pub fn random_fill(p: *mut u8, n: i32);
        pub fn set_error(p: *const u8, n: i32);
        pub fn now_unix_nanos() -> i64;
        pub fn monotonic_nanos() -> i64;
        pub fn sha256(p: *const u8, n: i32, out: *mut u8) -> i32;
        pub fn json_scan(src: *const u8, n: i32, tape: *mut u8, tape_cap: i32, strs: *mut u8, strs_cap: i32,
                         flags: i32)
                         -> i64;
    }
}

pub const LOG_DEBUG: i32 = 0;
pub const LOG_INFO: i32 = 1;
pub const LOG_WARN: i32 = 2;
pub const LOG_ERROR: i32 = 3;

/// Writes a message to the producer's logger, tagged with the plugin.
pub fn log(level: i32, msg: &[u8]) {
    unsafe { host::log(level, msg.as_ptr(), msg.len() as i32) }
}

/// Fills buf with crypto-seeded random bytes (one call for many bytes is
/// cheaper than many calls).
pub fn random(buf: &mut [u8]) {
    if !buf.is_empty() {
        unsafe { host::random_fill(buf.as_mut_ptr(), buf.len() as i32) }
    }
}

/// The SHA-256 of b, computed by the host.
pub fn sha256(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    if unsafe { host::sha256(b.as_ptr(), b.len() as i32, out.as_mut_ptr()) } != 0 {
        panic!("kafkawasm sdk: sha256 refused its arguments");
    }
    out
}

/// The host's wall clock, in nanoseconds since the Unix epoch.
pub fn now_unix_nanos() -> i64 {
    unsafe { host::now_unix_nanos() }
}

/// The host's monotonic clock in nanoseconds (only differences matter).
pub fn monotonic_nanos() -> i64 {
    unsafe { host::monotonic_nanos() }
}

fn set_error(msg: &[u8]) {
    unsafe { host::set_error(msg.as_ptr(), msg.len() as i32) }
}

// ---- ABI --------------------------------------------------------------------

const LEN_NULL: i32 = -1;
const RESULT_ERROR: i32 = -2;
const MAX_INPUT: i32 = 1 << 30;

/// Per-instance state of the SDK. A module instance runs one call at a
/// time on one thread, which is what makes the interior mutability sound.
#[doc(hidden)]
pub struct Cell<T>(UnsafeCell<Option<T>>);

unsafe impl<T> Sync for Cell<T> {}

impl<T> Cell<T> {
    pub const fn new() -> Self {
        Cell(UnsafeCell::new(None))
    }

    #[allow(clippy::mut_from_ref)]
    fn get(&self, init: impl FnOnce() -> T) -> &mut T {
        // SAFETY: Wasm instances are single-threaded and the SDK never holds
        // two references into the same cell across a call to the plugin.
        unsafe { (*self.0.get()).get_or_insert_with(init) }
    }
}

#[doc(hidden)]
pub struct State {
    input: Vec<u8>,
    out: Vec<u8>,
    errs: Vec<u8>,
    headers: Vec<Header<'static>>,
    spans: Vec<(Option<&'static [u8]>, Option<&'static [u8]>, usize, usize)>,
    records: Vec<Record<'static>>,
}

static STATE: Cell<State> = Cell::new();

fn state() -> &'static mut State {
    STATE.get(|| State { input: Vec::new(), out: Vec::new(), errs: Vec::new(), headers: Vec::new(),
                         spans: Vec::new(), records: Vec::new() })
}

/// The plugin value of a module (the kind macros keep one per instance).
#[doc(hidden)]
pub fn instance<P: Plugin>(cell: &'static Cell<P>) -> &'static mut P {
    cell.get(P::default)
}

#[doc(hidden)]
pub fn abi_version() -> i32 {
    ABI_MAJOR << 16 | ABI_MINOR
}

#[doc(hidden)]
pub fn input(size: i32) -> i32 {
    if !(0..=MAX_INPUT).contains(&size) {
        return 0;
    }
    let st = state();
    let want = (size as usize).max(4096);
    if st.input.len() < want {
        let n = want.max(st.input.len() * 2);
        st.input = vec![0; n];
    }
    st.input.as_mut_ptr() as i32
}

fn bad_length(n: i32) -> bool {
    let cap = state().input.len();
    if n >= 0 && n as usize <= cap {
        return false;
    }
    set_error(format!("kafkawasm sdk: input length {} exceeds the {}-byte buffer from kw_input", n, cap).as_bytes());
    true
}

#[doc(hidden)]
pub fn not_registered(kind: &str) -> i64 {
    set_error(format!("kafkawasm sdk: this module has no {0}: name the plugin with kafkawasm::{0}!", kind).as_bytes());
    -1
}

#[doc(hidden)]
pub fn configure<P: Plugin>(p: &mut P, n: i32) -> i32 {
    if bad_length(n) {
        return 1;
    }
    let input = &state().input[..n as usize];
    match p.configure(input) {
        Ok(()) => 0,
        Err(e) => {
            set_error(&e.0);
            1
        }
    }
}

/// A layout reader over the input with a sticky error.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    err: Option<String>,
}

impl<'a> Reader<'a> {
    fn fail(&mut self, what: &str) {
        if self.err.is_none() {
            self.err = Some(format!("kafkawasm abi: {} at offset {}: truncated", what, self.pos));
        }
    }

    fn u32(&mut self, what: &str) -> u32 {
        if self.err.is_some() {
            return 0;
        }
        if self.b.len() - self.pos < 4 {
            self.fail(what);
            return 0;
        }
        // SAFETY: the four bytes at pos are inside b (checked above).
        let v = unsafe { std::ptr::read_unaligned(self.b.as_ptr().add(self.pos) as *const u32) };
        self.pos += 4;
        u32::from_le(v)
    }

    fn bytes(&mut self, what: &str, n: i32) -> &'a [u8] {
        if self.err.is_some() {
            return &[];
        }
        if n < 0 || n as usize > self.b.len() - self.pos {
            self.fail(what);
            return &[];
        }
        let s = &self.b[self.pos..self.pos + n as usize];
        self.pos += n as usize;
        s
    }

    fn nullable(&mut self, what: &str) -> Option<&'a [u8]> {
        let n = self.u32(what) as i32;
        if n == LEN_NULL {
            None
        } else {
            Some(self.bytes(what, n))
        }
    }

    fn left(&self) -> usize {
        self.b.len() - self.pos
    }

    /// Sets the error for trailing bytes and reports the first error.
    fn finish(&mut self) -> bool {
        if self.err.is_none() && self.pos != self.b.len() {
            self.err = Some(format!("kafkawasm abi: end of input at offset {}: {} trailing bytes", self.pos,
                                    self.b.len() - self.pos));
        }
        match &self.err {
            Some(e) => {
                set_error(e.as_bytes());
                false
            }
            None => true,
        }
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn pack(out: &[u8]) -> i64 {
    (out.as_ptr() as i64) << 32 | out.len() as i64
}

/// Parses a record batch of n input bytes; calls f(partition_count,
/// records, out, errs) or returns -1 after set_error.
fn with_batch(n: i32, f: impl FnOnce(i32, &[Record], &mut Vec<u8>, &mut Vec<u8>) -> i64) -> i64 {
    if bad_length(n) {
        return -1;
    }
    let State { input, out, errs, headers, spans, records } = state();
    // SAFETY: the input buffer is neither resized nor written until the
    // call returns (kw_input comes before the next call), so the records'
    // references into it, kept in the state's tables, live long enough.
    let buf: &'static [u8] = unsafe { std::slice::from_raw_parts(input.as_ptr(), n as usize) };
    let mut r = Reader { b: buf, pos: 0, err: None };
    let tl = r.u32("topic") as i32;
    r.bytes("topic", tl);
    let pc = r.u32("partition_count") as i32;
    if r.err.is_none() && pc < 0 {
        // Kafka partition counts fit in an i32.
        r.err = Some(format!("kafkawasm abi: partition_count at offset {}: out of range", r.pos - 4));
    }
    let count = r.u32("record count");
    headers.clear();
    spans.clear();
    records.clear();
    if r.err.is_none() && count as u64 * 12 > r.left() as u64 {
        r.fail("record count");
    }
    for _ in 0..count {
        if r.err.is_some() {
            break;
        }
        let key = r.nullable("record key");
        let value = r.nullable("record value");
        let hc = r.u32("record header_count");
        if r.err.is_none() && hc as u64 * 8 > r.left() as u64 {
            r.fail("record header_count");
        }
        let start = headers.len();
        for _ in 0..hc {
            if r.err.is_some() {
                break;
            }
            let kl = r.u32("header key") as i32;
            let k = r.bytes("header key", kl);
            let v = r.nullable("header value");
            headers.push(Header { key: k, value: v });
        }
        spans.push((key, value, start, headers.len()));
    }
    if !r.finish() {
        return -1;
    }
    // The header table is complete: the records can point into it. It is
    // not touched again until the next call, as the input is not.
    let table: &'static [Header<'static>] = unsafe { std::slice::from_raw_parts(headers.as_ptr(), headers.len()) };
    records.extend(spans.iter().map(|&(key, value, a, b)| Record { key, value, headers: &table[a..b] }));
    f(pc, records, out, errs)
}

#[doc(hidden)]
pub fn partition<P: Partitioner>(p: &mut P, n: i32) -> i64 {
    with_batch(n, |pc, records, out, errs| {
        out.clear();
        errs.clear();
        put_u32(out, records.len() as u32);
        let mut failed = 0u32;
        for (i, r) in records.iter().enumerate() {
            let res = match p.partition(r, pc) {
                Ok(x) if x < NO_OPINION => Err(format!("partitioner returned invalid partition {}", x).into()),
                res => res,
            };
            let x = match res {
                Ok(x) => x,
                Err(e) => {
                    put_u32(errs, i as u32);
                    put_u32(errs, e.0.len() as u32);
                    errs.extend_from_slice(&e.0);
                    failed += 1;
                    RESULT_ERROR
                }
            };
            put_u32(out, x as u32);
        }
        put_u32(out, failed);
        out.extend_from_slice(errs);
        pack(out)
    })
}

/// Replaces out from at on with a failed record's marker and message.
fn put_failure(out: &mut Vec<u8>, at: usize, e: &Error) {
    out.truncate(at);
    put_u32(out, RESULT_ERROR as u32);
    put_u32(out, e.0.len() as u32);
    out.extend_from_slice(&e.0);
}

#[doc(hidden)]
pub fn codec<P: Codec>(p: &mut P, n: i32, encode: bool) -> i64 {
    if bad_length(n) {
        return -1;
    }
    let st = state();
    let buf = &st.input[..n as usize];
    let mut r = Reader { b: buf, pos: 0, err: None };
    let tl = r.u32("topic") as i32;
    let topic = r.bytes("topic", tl);
    let count = r.u32("value count");
    if r.err.is_none() && count as u64 * 4 > r.left() as u64 {
        r.fail("value count");
    }
    // Check the whole layout before running the codec.
    let start = r.pos;
    for _ in 0..count {
        if r.err.is_some() {
            break;
        }
        r.nullable("value");
    }
    if !r.finish() {
        return -1;
    }
    r.pos = start;
    let out = &mut st.out;
    out.clear();
    put_u32(out, count);
    for _ in 0..count {
        let v = match r.nullable("value") {
            Some(v) => v,
            None => {
                put_u32(out, LEN_NULL as u32);
                continue;
            }
        };
        let at = out.len();
        put_u32(out, 0);
        let res = if encode { p.encode(topic, v, out) } else { p.decode(topic, v, out) };
        match res {
            Ok(()) => {
                let len = (out.len() - at - 4) as u32;
                out[at..at + 4].copy_from_slice(&len.to_le_bytes());
            }
            Err(e) => put_failure(out, at, &e),
        }
    }
    pack(out)
}

#[doc(hidden)]
pub fn enrich<P: Enricher>(p: &mut P, n: i32) -> i64 {
    with_batch(n, |_, records, out, _| {
        out.clear();
        put_u32(out, records.len() as u32);
        for r in records {
            let at = out.len();
            put_u32(out, 0);
            let mut hs = Headers { out, count: 0 };
            let res = p.enrich(r, &mut hs);
            let count = hs.count;
            match res {
                Ok(()) => out[at..at + 4].copy_from_slice(&count.to_le_bytes()),
                Err(e) => put_failure(out, at, &e),
            }
        }
        pack(out)
    })
}

#[doc(hidden)]
#[macro_export]
macro_rules! __exports {
    ($t:ty, $partition:expr, $encode:expr, $decode:expr, $enrich:expr) => {
        static __KW_PLUGIN: $crate::Cell<$t> = $crate::Cell::new();

        #[no_mangle]
        pub extern "C" fn kw_abi_version() -> i32 {
            $crate::abi_version()
        }

        #[no_mangle]
        pub extern "C" fn kw_input(n: i32) -> i32 {
            $crate::input(n)
        }

        #[no_mangle]
        pub extern "C" fn kw_configure(n: i32) -> i32 {
            $crate::configure($crate::instance(&__KW_PLUGIN), n)
        }

        #[no_mangle]
        pub extern "C" fn kw_partition(n: i32) -> i64 {
            ($partition)($crate::instance(&__KW_PLUGIN), n)
        }

        #[no_mangle]
        pub extern "C" fn kw_encode(n: i32) -> i64 {
            ($encode)($crate::instance(&__KW_PLUGIN), n)
        }

        #[no_mangle]
        pub extern "C" fn kw_decode(n: i32) -> i64 {
            ($decode)($crate::instance(&__KW_PLUGIN), n)
        }

        #[no_mangle]
        pub extern "C" fn kw_enrich(n: i32) -> i64 {
            ($enrich)($crate::instance(&__KW_PLUGIN), n)
        }
    };
}

/// Makes the crate a partitioner: `kafkawasm::partitioner!(MyType);` with
/// `MyType: Partitioner`. Defines the module's `kw_*` exports.
#[macro_export]
macro_rules! partitioner {
    ($t:ty) => {
        $crate::__exports!($t,
                           |p: &mut $t, n| $crate::partition(p, n),
                           |_: &mut $t, _| $crate::not_registered("codec"),
                           |_: &mut $t, _| $crate::not_registered("codec"),
                           |_: &mut $t, _| $crate::not_registered("enricher"));
    };
}

/// Makes the crate a codec: `kafkawasm::codec!(MyType);` with
/// `MyType: Codec`. Defines the module's `kw_*` exports.
#[macro_export]
macro_rules! codec {
    ($t:ty) => {
        $crate::__exports!($t,
                           |_: &mut $t, _| $crate::not_registered("partitioner"),
                           |p: &mut $t, n| $crate::codec(p, n, true),
                           |p: &mut $t, n| $crate::codec(p, n, false),
                           |_: &mut $t, _| $crate::not_registered("enricher"));
    };
}

/// Makes the crate a header enricher: `kafkawasm::enricher!(MyType);` with
/// `MyType: Enricher`. Defines the module's `kw_*` exports.
#[macro_export]
macro_rules! enricher {
    ($t:ty) => {
        $crate::__exports!($t,
                           |_: &mut $t, _| $crate::not_registered("partitioner"),
                           |_: &mut $t, _| $crate::not_registered("codec"),
                           |_: &mut $t, _| $crate::not_registered("codec"),
                           |p: &mut $t, n| $crate::enrich(p, n));
    };
}
