//! Config-reading rules shared by the Rust example plugins: the twin of
//! plugins/internal/plugcfg (Go), internal/as/plugcfg.ts and
//! internal/c/plugcfg.h. All must produce the same messages; the
//! conformance vectors check them. Values come out owned, to keep. Not
//! every plugin uses every function.
#![allow(dead_code)]

use kafkawasm::{Doc, Error, Scanner, KIND_ARRAY, KIND_FALSE, KIND_INVALID, KIND_OBJECT, KIND_STRING, KIND_TRUE};

/// Parses cfg and checks it is an object whose keys are all in allowed.
pub fn parse<'a>(sc: &'a mut Scanner, cfg: &'a [u8], allowed: &[&str]) -> Result<Doc<'a>, Error> {
    let d = sc.parse(cfg, 0).map_err(|e| Error::from(format!("config: {}", e)))?;
    if d.nodes[0].kind != KIND_OBJECT {
        return Err("config: must be a JSON object".into());
    }
    let mut c = 1;
    for _ in 0..d.nodes[0].n {
        let k = d.str(c);
        if !allowed.iter().any(|a| a.as_bytes() == k) {
            return Err(Error::from("config: unknown key ").quoted(k));
        }
        c = d.nodes[c + 1].end as usize;
    }
    Ok(d)
}

fn key_error(key: &str, what: &str) -> Error {
    Error::from("config: ").quoted(key.as_bytes()).push(what)
}

/// The non-empty string at key; None when absent.
pub fn string(d: &Doc, key: &str) -> Result<Option<Vec<u8>>, Error> {
    match d.get(0, key.as_bytes()) {
        None => Ok(None),
        Some(v) if d.nodes[v].kind == KIND_STRING && d.nodes[v].n > 0 => Ok(Some(d.str(v).to_vec())),
        Some(_) => Err(key_error(key, " must be a non-empty string")),
    }
}

/// The boolean at key; def when absent.
pub fn boolean(d: &Doc, key: &str, def: bool) -> Result<bool, Error> {
    match d.kind(d.get(0, key.as_bytes())) {
        KIND_INVALID => Ok(def),
        KIND_TRUE => Ok(true),
        KIND_FALSE => Ok(false),
        _ => Err(key_error(key, " must be a boolean")),
    }
}

/// The array of non-empty strings at key (empty when absent); msg is the
/// error for anything else.
pub fn strings(d: &Doc, key: &str, msg: &str) -> Result<Vec<Vec<u8>>, Error> {
    let v = match d.get(0, key.as_bytes()) {
        None => return Ok(Vec::new()),
        Some(v) => v,
    };
    if d.nodes[v].kind != KIND_ARRAY {
        return Err(msg.into());
    }
    let mut out = Vec::new();
    let mut c = v + 1;
    for _ in 0..d.nodes[v].n {
        if d.nodes[c].kind != KIND_STRING || d.nodes[c].n == 0 {
            return Err(msg.into());
        }
        out.push(d.str(c).to_vec());
        c = d.nodes[c].end as usize;
    }
    Ok(out)
}
