//! json-codec (Rust): the twin of ../go/main.go + ../go/wire.go,
//! ../as/index.ts + ../as/wire.ts and ../c/main.c; see ../README.md for the
//! schema rules and the wire format. Every build must give identical
//! results (plugins/testdata/vectors/json-codec.json).
//!
//! encode parses with the host's json_scan with sorted keys, so members come
//! in wire order and duplicate keys are adjacent; the checks and the
//! encoding walk the tape by index. decode reads the wire form with an
//! explicit stack of open containers. Both write into the output's spare
//! capacity by index (a plain Vec push keeps its length in memory): nothing
//! is allocated per record once the buffers have grown.

#[path = "../../internal/rust/plugcfg.rs"]
mod plugcfg;

use std::cmp::Ordering;
use std::mem::MaybeUninit;

use kafkawasm::{kind_name, Codec, Doc, Error, Node, Plugin, Scanner, KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER,
                KIND_OBJECT, KIND_STRING, KIND_TRUE, SORT_KEYS};

const WIRE_VERSION: u8 = 1;
const MAX_DEPTH: usize = 64; // decode: containers nested deeper fail

const TAG_NULL: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 2;
const TAG_INT: u8 = 3;
const TAG_NUMBER: u8 = 4;
const TAG_STRING: u8 = 5;
const TAG_ARRAY: u8 = 6;
const TAG_OBJECT: u8 = 7;

const T_STRING: u8 = 1;
const T_NUMBER: u8 = 2;
const T_INTEGER: u8 = 3;
const T_BOOLEAN: u8 = 4;
const T_OBJECT: u8 = 5;
const T_ARRAY: u8 = 6;
const T_NULL: u8 = 7;
const TYPE_NAMES: [&str; 8] = ["any", "string", "number", "integer", "boolean", "object", "array", "null"];

/// The schema; the sorted views serve merge walks over the members of a
/// document parsed with sorted keys.
#[derive(Default)]
struct Schema {
    required: Vec<Vec<u8>>,        // config order
    required_sorted: Vec<Vec<u8>>, // ascending byte order
    type_names: Vec<Vec<u8>>,      // ascending byte order
    type_kinds: Vec<u8>,           // T_* of each of type_names
    strict: bool,                  // allow_unknown = false
}

#[derive(Default)]
struct JsonCodec {
    schema: Schema,
    scanner: Scanner, // each encode's document
    open: Vec<u32>,   // decode's stack: elements left << 1 | is object
}

impl Plugin for JsonCodec {
    fn configure(&mut self, cfg: &[u8]) -> Result<(), Error> {
        let mut sc = Scanner::default();
        let d = plugcfg::parse(&mut sc, cfg, &["required", "types", "allow_unknown"])?;
        let required =
            plugcfg::strings(&d, "required", "config: \"required\" must be an array of non-empty strings")?;
        let allow_unknown = plugcfg::boolean(&d, "allow_unknown", true)?;
        let mut types: Vec<(Vec<u8>, u8)> = Vec::new();
        if let Some(t) = d.get(0, b"types") {
            if d.nodes[t].kind != KIND_OBJECT {
                return Err("config: \"types\" must be an object of field names to type names".into());
            }
            let mut c = t + 1;
            for _ in 0..d.nodes[t].n {
                let (name, v) = (d.str(c), c + 1);
                let typ = match d.nodes[v].kind {
                    KIND_STRING => TYPE_NAMES.iter().position(|tn| tn.as_bytes() == d.str(v)),
                    _ => None,
                };
                let typ = typ.ok_or_else(|| {
                    Error::from("config: field ").quoted(name)
                        .push(": type must be one of any, string, number, integer, boolean, object, array, null")
                })? as u8;
                if types.iter().any(|f| f.0 == name) {
                    return Err(Error::from("config: field ").quoted(name).push(" has two types"));
                }
                types.push((name.to_vec(), typ));
                c = d.nodes[v].end as usize;
            }
        }
        let mut required_sorted = required.clone();
        required_sorted.sort();
        types.sort_by(|a, b| a.0.cmp(&b.0));
        let type_kinds = types.iter().map(|f| f.1).collect();
        let type_names = types.into_iter().map(|f| f.0).collect();
        self.schema = Schema { required, required_sorted, type_names, type_kinds, strict: !allow_unknown };
        Ok(())
    }
}

// ---- encode -------------------------------------------------------------

/// Whether a and b are the same bytes (loops: memcmp is a call).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Byte order of a and b.
#[inline]
fn compare(a: &[u8], b: &[u8]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Advances *i past the names (sorted) below k; whether names[*i] is k.
#[inline]
fn seek(names: &[Vec<u8>], i: &mut usize, k: &[u8]) -> bool {
    while *i < names.len() {
        match compare(&names[*i], k) {
            Ordering::Less => *i += 1,
            r => return r == Ordering::Equal,
        }
    }
    false
}

/// A string node's bytes.
#[inline]
fn text<'a>(strs: &'a [u8], nd: &Node) -> &'a [u8] {
    &strs[nd.off as usize..(nd.off + nd.n) as usize]
}

/// Whether the root object (sorted keys) has every name of req (sorted):
/// one merge walk.
fn has_required(t: &[Node], strs: &[u8], req: &[Vec<u8>]) -> bool {
    let (mut r, mut c) = (0, 1);
    for _ in 0..t[0].n {
        if r == req.len() {
            break;
        }
        let k = text(strs, &t[c]);
        while r < req.len() && same(&req[r], k) {
            r += 1;
        }
        if r < req.len() && compare(&req[r], k) == Ordering::Less {
            return false;
        }
        c = t[c + 1].end as usize;
    }
    r == req.len()
}

/// The error for the first duplicate key of object node i (keys sorted:
/// duplicates adjacent).
fn duplicate_at(t: &[Node], strs: &[u8], i: usize) -> Result<(), Error> {
    let mut c = i + 1;
    for _ in 1..t[i].n {
        let next = t[c + 1].end as usize;
        let (a, b) = (text(strs, &t[c]), text(strs, &t[next]));
        if same(a, b) {
            return Err(Error::from("duplicate key ").quoted(b));
        }
        c = next;
    }
    Ok(())
}

fn matches(typ: u8, v: &Node, src: &[u8]) -> bool {
    let k = v.kind;
    match typ {
        T_STRING => k == KIND_STRING,
        T_NUMBER => k == KIND_NUMBER,
        T_INTEGER => {
            k == KIND_NUMBER
            && !src[v.off as usize..(v.off + v.n) as usize].iter().any(|&ch| ch == b'.' || ch == b'e' || ch == b'E')
        }
        T_BOOLEAN => k == KIND_TRUE || k == KIND_FALSE,
        T_OBJECT => k == KIND_OBJECT,
        T_ARRAY => k == KIND_ARRAY,
        T_NULL => k == KIND_NULL,
        _ => true,
    }
}

impl Schema {
    /// The checks of the root object (sorted keys), in the README's order.
    fn check(&self, d: &Doc) -> Result<(), Error> {
        let (t, strs) = (d.nodes, d.strs);
        if !self.required.is_empty() && !has_required(t, strs, &self.required_sorted) {
            for name in &self.required {
                // the first missing, in config order
                if d.get(0, name).is_none() {
                    return Err(Error::from("missing required field ").quoted(name));
                }
            }
        }
        duplicate_at(t, strs, 0)?;
        if self.type_names.is_empty() && !self.strict {
            return Ok(());
        }
        // Members in byte order of their keys, merged with the sorted schema.
        let (mut ty, mut rq, mut c) = (0, 0, 1);
        for _ in 0..t[0].n {
            let (k, v) = (text(strs, &t[c]), &t[c + 1]);
            if seek(&self.type_names, &mut ty, k) {
                let typ = self.type_kinds[ty];
                if !matches(typ, v, d.src) {
                    return Err(Error::from("field ").quoted(k).push(": expected ").push(TYPE_NAMES[typ as usize])
                                                    .push(", got ").push(kind_name(v.kind)));
                }
            } else if self.strict && !seek(&self.required_sorted, &mut rq, k) {
                return Err(Error::from("unknown field ").quoted(k));
            }
            c = v.end as usize;
        }
        Ok(())
    }
}

/// Output space: the spare capacity of the output Vec, reserved beforehand
/// and written by index (checked: a short buffer would trap, never write
/// outside it), then committed with set_len.
type Buf = [MaybeUninit<u8>];

#[inline(always)]
fn put_u8(w: &mut Buf, o: usize, b: u8) -> usize {
    w[o] = MaybeUninit::new(b);
    o + 1
}

#[inline(always)]
fn put_bytes(w: &mut Buf, o: usize, b: &[u8]) -> usize {
    for (d, &c) in w[o..o + b.len()].iter_mut().zip(b) {
        *d = MaybeUninit::new(c);
    }
    o + b.len()
}

/// put_bytes by 8-byte words, then bytes (no bulk memory: a memcpy is a
/// call): for encode's keys and strings.
#[inline(always)]
fn put_words(w: &mut Buf, o: usize, b: &[u8]) -> usize {
    let mut dc = w[o..o + b.len()].chunks_exact_mut(8);
    let mut sc = b.chunks_exact(8);
    for (d8, s8) in (&mut dc).zip(&mut sc) {
        let x = u64::from_le_bytes(s8.try_into().unwrap()).to_le_bytes();
        for (d, c) in d8.iter_mut().zip(x) {
            *d = MaybeUninit::new(c);
        }
    }
    put_bytes(dc.into_remainder(), 0, sc.remainder());
    o + b.len()
}

#[inline(always)]
fn put_uvarint(w: &mut Buf, mut o: usize, mut v: u64) -> usize {
    while v >= 0x80 {
        o = put_u8(w, o, v as u8 | 0x80);
        v >>= 7;
    }
    put_u8(w, o, v as u8)
}

/// Space for need more bytes after out's end.
#[inline]
fn room(out: &mut Vec<u8>, need: usize) -> &mut Buf {
    out.reserve(need);
    out.spare_capacity_mut()
}

/// Adds the first n bytes of the spare capacity to out.
#[inline]
fn commit(out: &mut Vec<u8>, n: usize) {
    assert!(n <= out.capacity() - out.len());
    // SAFETY: the caller wrote those n bytes through room's slice.
    unsafe { out.set_len(out.len() + n) }
}

/// A number literal: zigzag varint if it has no fraction or exponent and
/// fits in int64 ("-0" is 0), else its text.
fn put_number(w: &mut Buf, o: usize, p: &[u8]) -> usize {
    let neg = (p[0] == b'-') as usize;
    if p.len() - neg <= 19 {
        let (mut u, mut i) = (0u64, neg);
        while i < p.len() && p[i].is_ascii_digit() {
            u = u * 10 + (p[i] - b'0') as u64;
            i += 1;
        }
        if i == p.len() && u <= (1u64 << 63) - 1 + neg as u64 {
            let o = put_u8(w, o, TAG_INT);
            return put_uvarint(w, o, if neg == 1 && u != 0 { (u << 1) - 1 } else { u << 1 });
        }
    }
    let o = put_u8(w, o, TAG_NUMBER);
    let o = put_uvarint(w, o, p.len() as u64);
    put_bytes(w, o, p)
}

/// Writes the wire form of container node i (an object already checked
/// for duplicate keys) at w[o..]; returns its end. Leaves are written in
/// the loop, only containers recurse (depth <= 64).
fn put_container(d: &Doc, i: usize, w: &mut Buf, mut o: usize) -> Result<usize, Error> {
    let (t, strs, src) = (d.nodes, d.strs, d.src);
    let nd = &t[i];
    let obj = nd.kind == KIND_OBJECT;
    o = put_u8(w, o, if obj { TAG_OBJECT } else { TAG_ARRAY });
    o = put_uvarint(w, o, nd.n as u64);
    let mut c = i + 1;
    for _ in 0..nd.n {
        if obj {
            o = put_uvarint(w, o, t[c].n as u64);
            o = put_words(w, o, text(strs, &t[c]));
            c += 1;
        }
        let v = &t[c];
        match v.kind {
            KIND_NULL => o = put_u8(w, o, TAG_NULL),
            KIND_FALSE => o = put_u8(w, o, TAG_FALSE),
            KIND_TRUE => o = put_u8(w, o, TAG_TRUE),
            KIND_NUMBER => o = put_number(w, o, &src[v.off as usize..(v.off + v.n) as usize]),
            KIND_STRING => {
                o = put_u8(w, o, TAG_STRING);
                o = put_uvarint(w, o, v.n as u64);
                o = put_words(w, o, text(strs, v));
            }
            _ => {
                // array or object
                if v.kind == KIND_OBJECT {
                    duplicate_at(t, strs, c)?;
                }
                o = put_container(d, c, w, o)?;
            }
        }
        c = v.end as usize;
    }
    Ok(o)
}

// ---- decode -------------------------------------------------------------

/// A wire error: its message (an unknown tag's is followed by the tag) and
/// byte offset.
struct WireErr {
    what: &'static str,
    tag: Option<u8>,
    off: usize,
}

const E_TRUNCATED: &str = "truncated";

#[inline]
fn werr<T>(what: &'static str, off: usize) -> Result<T, WireErr> {
    Err(WireErr { what, tag: None, off })
}

#[inline(never)]
fn read_uvarint_long(s: &[u8], pos: &mut usize) -> Result<u64, WireErr> {
    let start = *pos;
    let (mut p, mut x) = (start, 0u64);
    for i in 0..10 {
        if p >= s.len() {
            return werr(E_TRUNCATED, start);
        }
        let b = s[p];
        p += 1;
        if i == 9 && b > 1 {
            return werr("invalid varint", start);
        }
        x |= ((b & 0x7f) as u64) << (7 * i);
        if b < 0x80 {
            break;
        }
    }
    *pos = p;
    Ok(x)
}

#[inline]
fn read_uvarint(s: &[u8], pos: &mut usize) -> Result<u64, WireErr> {
    match s.get(*pos) {
        Some(&b) if b < 0x80 => {
            *pos += 1;
            Ok(b as u64)
        }
        _ => read_uvarint_long(s, pos),
    }
}

/// Reads a varint length and that many bytes.
#[inline]
fn read_bytes<'a>(s: &'a [u8], pos: &mut usize) -> Result<&'a [u8], WireErr> {
    let l = read_uvarint(s, pos)?;
    if l > (s.len() - *pos) as u64 {
        return werr(E_TRUNCATED, *pos);
    }
    let b = &s[*pos..*pos + l as usize];
    *pos += l as usize;
    Ok(b)
}

/// Length of the valid UTF-8 sequence at the start of p (p[0] >= 0x80), or 0.
fn utf8_len(p: &[u8]) -> usize {
    let (len, lo, hi) = match p[0] {
        0xc2..=0xdf => (2, 0x80, 0xbf),
        0xe0 => (3, 0xa0, 0xbf),
        0xe1..=0xec | 0xee | 0xef => (3, 0x80, 0xbf),
        0xed => (3, 0x80, 0x9f),
        0xf0 => (4, 0x90, 0xbf),
        0xf1..=0xf3 => (4, 0x80, 0xbf),
        0xf4 => (4, 0x80, 0x8f),
        _ => return 0,
    };
    if p.len() < len || p[1] < lo || p[1] > hi || p[2..len].iter().any(|&b| !(0x80..=0xbf).contains(&b)) {
        return 0;
    }
    len
}

/// Reads a length-prefixed UTF-8 string and appends it as a canonical JSON
/// string (append_json_string's quoting), growing out as it goes.
fn read_text(s: &[u8], pos: &mut usize, out: &mut Vec<u8>) -> Result<(), WireErr> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = read_bytes(s, pos)?;
    let base = *pos - b.len();
    out.push(b'"');
    let (mut i, mut o) = (0, 0);
    loop {
        // Each byte takes at most 6 bytes, and 1 more for the quote.
        let w = room(out, b.len().saturating_sub(i).min(1 << 16) + 7);
        let end = w.len() - 7;
        while i < b.len() && o <= end {
            let c = b[i];
            if c >= 0x80 {
                let l = utf8_len(&b[i..]);
                if l == 0 {
                    return werr("invalid UTF-8", base + i);
                }
                o = put_bytes(w, o, &b[i..i + l]);
                i += l;
                continue;
            }
            i += 1;
            if c >= 0x20 && c != b'"' && c != b'\\' {
                o = put_u8(w, o, c);
                continue;
            }
            o = put_u8(w, o, b'\\');
            o = match c {
                b'"' | b'\\' => put_u8(w, o, c),
                0x08 => put_u8(w, o, b'b'),
                0x0c => put_u8(w, o, b'f'),
                b'\n' => put_u8(w, o, b'n'),
                b'\r' => put_u8(w, o, b'r'),
                b'\t' => put_u8(w, o, b't'),
                _ => put_bytes(w, o, &[b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]),
            };
        }
        if i == b.len() {
            o = put_u8(w, o, b'"');
            commit(out, o);
            return Ok(());
        }
        commit(out, o);
        o = 0;
    }
}

/// Whether p is exactly one JSON number literal.
fn valid_number(p: &[u8]) -> bool {
    let digits = |i: usize| p[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = (p.first() == Some(&b'-')) as usize;
    match p.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => i += digits(i),
        _ => return false,
    }
    if p.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return false;
        }
        i += 1 + n;
    }
    if let Some(b'e' | b'E') = p.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = p.get(i) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return false;
        }
        i += n;
    }
    i == p.len()
}

/// Appends v in decimal.
fn put_i64(out: &mut Vec<u8>, v: i64) {
    let (mut b, mut i, mut u) = ([0u8; 20], 20, v.unsigned_abs());
    loop {
        i -= 1;
        b[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if v < 0 {
        i -= 1;
        b[i] = b'-';
    }
    let o = put_bytes(room(out, 20), 0, &b[i..]);
    commit(out, o);
}

/// Decodes the value at s[*pos..] into out. Iterative: open holds the
/// containers that are open (at most MAX_DEPTH), elements left << 1 | is
/// an object.
fn decode_value(s: &[u8], pos: &mut usize, out: &mut Vec<u8>, open: &mut [u32]) -> Result<(), WireErr> {
    let mut depth = 0;
    let mut p = *pos;
    loop {
        if p >= s.len() {
            return werr(E_TRUNCATED, p);
        }
        let tag_pos = p;
        let tag = s[p];
        p += 1;
        match tag {
            TAG_NULL => out.extend_from_slice(b"null"),
            TAG_FALSE => out.extend_from_slice(b"false"),
            TAG_TRUE => out.extend_from_slice(b"true"),
            TAG_INT => {
                let u = read_uvarint(s, &mut p)?;
                put_i64(out, (u >> 1) as i64 ^ -((u & 1) as i64));
            }
            TAG_NUMBER => {
                let b = read_bytes(s, &mut p)?;
                if !valid_number(b) {
                    return werr("invalid number", tag_pos);
                }
                let o = put_bytes(room(out, b.len()), 0, b);
                commit(out, o);
            }
            TAG_STRING => read_text(s, &mut p, out)?,
            TAG_ARRAY | TAG_OBJECT => {
                if depth >= MAX_DEPTH {
                    return werr("nesting too deep", tag_pos);
                }
                let count = read_uvarint(s, &mut p)?;
                if count > (s.len() - p) as u64 {
                    return werr(E_TRUNCATED, p);
                }
                let obj = tag == TAG_OBJECT;
                if count == 0 {
                    out.extend_from_slice(if obj { b"{}" } else { b"[]" });
                } else {
                    out.push(if obj { b'{' } else { b'[' });
                    open[depth] = (count as u32) << 1 | obj as u32;
                    depth += 1;
                    if obj {
                        read_text(s, &mut p, out)?;
                        out.push(b':');
                    }
                    continue;
                }
            }
            _ => return Err(WireErr { what: "unknown tag ", tag: Some(tag), off: tag_pos }),
        }
        // A value is done: close the containers it completes, start the
        // next element.
        loop {
            if depth == 0 {
                *pos = p;
                return Ok(());
            }
            let top = &mut open[depth - 1];
            *top -= 2;
            let obj = *top & 1 == 1;
            if *top >> 1 == 0 {
                out.push(if obj { b'}' } else { b']' });
                depth -= 1;
                continue;
            }
            out.push(b',');
            if obj {
                read_text(s, &mut p, out)?;
                out.push(b':');
            }
            break;
        }
    }
}

impl Codec for JsonCodec {
    fn encode(&mut self, _topic: &[u8], input: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let d = self.scanner.parse(input, SORT_KEYS).map_err(|e| Error::from(format!("invalid JSON: {}", e)))?;
        if d.nodes[0].kind != KIND_OBJECT {
            return Err(Error::from("value must be a JSON object, got ").push(kind_name(d.nodes[0].kind)));
        }
        self.schema.check(&d)?;
        // Every wire form fits 2*len(input)+16 bytes: each node's wire bytes
        // are at most twice its own source bytes, plus the version byte.
        let w = room(out, 2 * input.len() + 16);
        let o = put_u8(w, 0, WIRE_VERSION);
        let o = put_container(&d, 0, w, o)?;
        commit(out, o);
        Ok(())
    }

    fn decode(&mut self, _topic: &[u8], s: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if s.is_empty() {
            return Err("wire: truncated at offset 0".into());
        }
        if s[0] != WIRE_VERSION {
            return Err(Error::from(format!("wire: unsupported version {}", s[0])));
        }
        if s.len() > 1 && s[1] != TAG_OBJECT {
            return Err("wire: root must be an object".into());
        }
        if self.open.len() < MAX_DEPTH {
            self.open.resize(MAX_DEPTH, 0);
        }
        let start = out.len();
        out.reserve(2 * s.len() + 16);
        let mut pos = 1;
        let res = decode_value(s, &mut pos, out, &mut self.open);
        res.and_then(|()| if pos != s.len() { werr("trailing data", pos) } else { Ok(()) }).map_err(|e| {
            out.truncate(start);
            let tag = e.tag.map_or(String::new(), |t| t.to_string());
            Error::from(format!("wire: {}{} at offset {}", e.what, tag, e.off))
        })
    }
}

kafkawasm::codec!(JsonCodec);
