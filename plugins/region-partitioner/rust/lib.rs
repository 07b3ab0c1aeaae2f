//! region-partitioner (Rust): the twin of ../go/main.go, ../as/index.ts and
//! ../c/main.c; see ../README.md for the exact rules. Every build must give
//! identical results (plugins/testdata/vectors/region-partitioner.json).

#[path = "../../internal/rust/plugcfg.rs"]
mod plugcfg;

use kafkawasm::{Error, Partitioner, Plugin, Record, Scanner, KIND_STRING, NO_OPINION};

#[derive(Default)]
struct RegionPartitioner {
    configured: bool,
    header: Option<Vec<u8>>,
    json_field: Option<Vec<u8>>,
    regions: Vec<Vec<u8>>,
    doc: Scanner, // values parsed for json_field
}

const REGIONS_MSG: &str = "config: \"regions\" must be a non-empty array of non-empty strings";

impl Plugin for RegionPartitioner {
    fn configure(&mut self, cfg: &[u8]) -> Result<(), Error> {
        let mut sc = Scanner::default();
        let d = plugcfg::parse(&mut sc, cfg, &["header", "json_field", "regions"])?;
        let header = plugcfg::string(&d, "header")?;
        let json_field = plugcfg::string(&d, "json_field")?;
        if header.is_none() && json_field.is_none() {
            return Err("config: one of \"header\" or \"json_field\" is required".into());
        }
        let regions = plugcfg::strings(&d, "regions", REGIONS_MSG)?;
        if regions.is_empty() {
            return Err(REGIONS_MSG.into());
        }
        for (i, r) in regions.iter().enumerate() {
            if regions[..i].contains(r) {
                return Err(Error::from("config: duplicate region ").quoted(r));
            }
        }
        *self = RegionPartitioner { configured: true, header, json_field, regions, doc: Scanner::default() };
        Ok(())
    }
}

/// Kafka's murmur2 (the Java client's default partitioner hash).
fn murmur2(b: &[u8]) -> u32 {
    const M: u32 = 0x5bd1_e995;
    let mut h: u32 = 0x9747_b28c ^ b.len() as u32;
    let mut chunks = b.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> 24;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M) ^ k;
    }
    let rest = chunks.remainder();
    if rest.len() == 3 {
        h ^= (rest[2] as u32) << 16;
    }
    if rest.len() >= 2 {
        h ^= (rest[1] as u32) << 8;
    }
    if !rest.is_empty() {
        h ^= rest[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^ (h >> 15)
}

impl Partitioner for RegionPartitioner {
    fn partition(&mut self, r: &Record, n: i32) -> Result<i32, Error> {
        if !self.configured {
            return Err("not configured: \"regions\" is required".into());
        }
        // The region: the first header so named, if its value is not null;
        // else the json_field string of the value.
        let mut region = None;
        if let Some(h) = &self.header {
            region = r.header(h).and_then(|h| h.value);
        }
        if region.is_none() {
            if let (Some(field), Some(v)) = (&self.json_field, r.value) {
                let d = self.doc.parse(v, 0).map_err(|e| Error::from(format!("value is not valid JSON: {}", e)))?;
                let i = d.get(0, field);
                if d.kind(i) == KIND_STRING {
                    region = i.map(|i| d.str(i));
                }
            }
        }
        let region = match region {
            None => return Ok(NO_OPINION),
            Some(b) => b,
        };
        let idx = match self.regions.iter().position(|x| x.as_slice() == region) {
            None => return Ok(NO_OPINION),
            Some(i) => i as i64,
        };
        let count = self.regions.len() as i64;
        let lo = (idx * n as i64 / count) as i32;
        let hi = ((idx + 1) * n as i64 / count) as i32;
        if lo == hi {
            return Err(Error::from("region ").quoted(region)
                                             .push(&format!(" has no partitions ({} regions, {} partitions)", count, n)));
        }
        match r.key {
            None => Ok(lo),
            Some(k) => Ok(lo + ((murmur2(k) & 0x7fff_ffff) % (hi - lo) as u32) as i32),
        }
    }
}

kafkawasm::partitioner!(RegionPartitioner);
