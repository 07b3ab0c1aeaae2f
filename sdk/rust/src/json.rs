//! JSON through the host's `json_scan` (ABI 1.1): the dialect and error
//! messages of the other SDKs' parsers (RFC 8259, UTF-8, depth <= 64), left
//! as a tape of nodes to walk by index.

use std::fmt;

pub const KIND_INVALID: u32 = 0; // the kind of a missing node
pub const KIND_NULL: u32 = 1;
pub const KIND_FALSE: u32 = 2;
pub const KIND_TRUE: u32 = 3;
pub const KIND_NUMBER: u32 = 4;
pub const KIND_STRING: u32 = 5;
pub const KIND_ARRAY: u32 = 6;
pub const KIND_OBJECT: u32 = 7;

/// Scanner flag: every object's members in ascending byte order of their
/// keys, stably (duplicates adjacent, in document order).
pub const SORT_KEYS: i32 = 1;

/// One node of the tape, in pre-order (docs/ABI.md, "json_scan"): off is a
/// string's start in the string area or a number's in the source; n a
/// string's or number's byte length or a container's element or member
/// count; end the index of the node after this node's subtree. An object's
/// members are a key string node followed by the value's subtree.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Node {
    pub kind: u32,
    pub off: u32,
    pub n: u32,
    pub end: u32,
}

/// A syntax error: the scanner's code and the byte offset it is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    pub code: i32,
    pub offset: i32,
}

impl fmt::Display for JsonError {
    /// "<what> at offset N", the SDKs' messages.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.code {
            3 => f.write_str("unexpected end of input")?,
            4 => f.write_str("invalid character")?,
            5 => f.write_str("invalid UTF-8")?,
            6 => f.write_str("invalid escape")?,
            7 => f.write_str("nesting too deep")?,
            c => write!(f, "host scanner failed (code {})", c)?,
        }
        write!(f, " at offset {}", self.offset)
    }
}

/// The buffers of the host scanner; reuse one for many parses.
#[derive(Default)]
pub struct Scanner {
    tape: Vec<Node>,
    strs: Vec<u8>,
}

/// A parsed document, borrowing its scanner and source; the root is node 0.
#[derive(Clone, Copy)]
pub struct Doc<'a> {
    pub nodes: &'a [Node],
    pub strs: &'a [u8],
    pub src: &'a [u8],
}

impl Scanner {
    pub fn parse<'a>(&'a mut self, src: &'a [u8], flags: i32) -> Result<Doc<'a>, JsonError> {
        let max = src.len() + 1;
        if self.tape.len() < max {
            self.tape.resize(max, Node::default());
        }
        if self.strs.len() < src.len() {
            self.strs.resize(src.len(), 0);
        }
        let r = unsafe {
            super::host::json_scan(src.as_ptr(), src.len() as i32, self.tape.as_mut_ptr() as *mut u8,
                                   (self.tape.len() * 16) as i32, self.strs.as_mut_ptr(),
                                   self.strs.len() as i32, flags)
        };
        if r < 0 {
            let e = -r;
            return Err(JsonError { code: (e & 0xff) as i32, offset: (e >> 8) as i32 });
        }
        Ok(Doc { nodes: &self.tape[..(r >> 32) as usize], strs: &self.strs[..(r & 0xffff_ffff) as usize], src })
    }
}

impl<'a> Doc<'a> {
    /// The kind of node i; KIND_INVALID for None.
    pub fn kind(&self, i: Option<usize>) -> u32 {
        i.map_or(KIND_INVALID, |i| self.nodes[i].kind)
    }

    /// A string node's decoded bytes.
    pub fn str(&self, i: usize) -> &'a [u8] {
        let nd = &self.nodes[i];
        &self.strs[nd.off as usize..(nd.off + nd.n) as usize]
    }

    /// A number node's literal.
    pub fn num(&self, i: usize) -> &'a [u8] {
        let nd = &self.nodes[i];
        &self.src[nd.off as usize..(nd.off + nd.n) as usize]
    }

    /// The value node of the first member of object obj whose key is key.
    pub fn get(&self, obj: usize, key: &[u8]) -> Option<usize> {
        if self.nodes.get(obj)?.kind != KIND_OBJECT {
            return None;
        }
        let mut c = obj + 1;
        for _ in 0..self.nodes[obj].n {
            if self.str(c) == key {
                return Some(c + 1);
            }
            c = self.nodes[c + 1].end as usize;
        }
        None
    }
}

/// The type name of a kind: null, boolean, number, string, array, object,
/// or "missing".
pub fn kind_name(kind: u32) -> &'static str {
    match kind {
        KIND_NULL => "null",
        KIND_FALSE | KIND_TRUE => "boolean",
        KIND_NUMBER => "number",
        KIND_STRING => "string",
        KIND_ARRAY => "array",
        KIND_OBJECT => "object",
        _ => "missing",
    }
}

/// Appends b as a canonical JSON string: quotes, \" \\ \b \f \n \r \t,
/// \u00XX for other control bytes, every other byte as it is (the quoting of
/// the other SDKs' messages).
pub fn append_json_string(dst: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    dst.push(b'"');
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c >= 0x20 && c != b'"' && c != b'\\' {
            continue;
        }
        dst.extend_from_slice(&b[start..i]);
        dst.push(b'\\');
        match c {
            b'"' | b'\\' => dst.push(c),
            0x08 => dst.push(b'b'),
            0x0c => dst.push(b'f'),
            b'\n' => dst.push(b'n'),
            b'\r' => dst.push(b'r'),
            b'\t' => dst.push(b't'),
            _ => dst.extend_from_slice(&[b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]),
        }
        start = i + 1;
    }
    dst.extend_from_slice(&b[start..]);
    dst.push(b'"');
}
