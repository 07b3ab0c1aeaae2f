//! header-enricher (Rust): the twin of ../go/main.go, ../as/index.ts and
//! ../c/main.c; see ../README.md for the config and header formats. Every
//! build must give identical results
//! (plugins/testdata/vectors/header-enricher.json).

#[path = "../../internal/rust/plugcfg.rs"]
mod plugcfg;

use kafkawasm::{Enricher, Error, Headers, Plugin, Record, Scanner};

const TRACE_HEADER: &[u8] = b"trace-id";
const HOST_HEADER: &[u8] = b"host";
const HASH_HEADER: &[u8] = b"content-sha256";

struct HeaderEnricher {
    trace_id: bool,
    contents: bool,
    host: Option<Vec<u8>>, // None: no host header
    // Random bytes come from the host 1 KiB at a time, not per record.
    pool: [u8; 1024],
    pool_pos: usize,
}

impl Default for HeaderEnricher {
    fn default() -> Self {
        HeaderEnricher { trace_id: true, contents: true, host: None, pool: [0; 1024], pool_pos: 1024 }
    }
}

impl Plugin for HeaderEnricher {
    fn configure(&mut self, cfg: &[u8]) -> Result<(), Error> {
        let mut sc = Scanner::default();
        let d = plugcfg::parse(&mut sc, cfg, &["host_name", "trace_id", "host", "content_sha256"])?;
        let name = plugcfg::string(&d, "host_name")?;
        let trace_id = plugcfg::boolean(&d, "trace_id", true)?;
        let add_host = plugcfg::boolean(&d, "host", name.is_some())?;
        let contents = plugcfg::boolean(&d, "content_sha256", true)?;
        if add_host && name.is_none() {
            return Err("config: \"host\" is true but \"host_name\" is not set".into());
        }
        self.trace_id = trace_id;
        self.host = if add_host { name } else { None };
        self.contents = contents;
        Ok(())
    }
}

/// The lowercase hex of b into dst (2 × b.len() bytes).
fn hex_into(dst: &mut [u8], b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, &x) in b.iter().enumerate() {
        dst[2 * i] = HEX[(x >> 4) as usize];
        dst[2 * i + 1] = HEX[(x & 15) as usize];
    }
}

impl Enricher for HeaderEnricher {
    fn enrich(&mut self, r: &Record, out: &mut Headers) -> Result<(), Error> {
        if self.trace_id && r.header(TRACE_HEADER).is_none() {
            if self.pool_pos + 16 > self.pool.len() {
                kafkawasm::random(&mut self.pool);
                self.pool_pos = 0;
            }
            let mut id = [0u8; 32];
            hex_into(&mut id, &self.pool[self.pool_pos..self.pool_pos + 16]);
            self.pool_pos += 16;
            out.add(TRACE_HEADER, Some(&id));
        }
        if let Some(h) = &self.host {
            out.add(HOST_HEADER, Some(h));
        }
        if let (true, Some(v)) = (self.contents, r.value) {
            let mut hex = [0u8; 64];
            hex_into(&mut hex, &kafkawasm::sha256(v));
            out.add(HASH_HEADER, Some(&hex));
        }
        Ok(())
    }
}

kafkawasm::enricher!(HeaderEnricher);
