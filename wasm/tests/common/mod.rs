//! Shared by the integration tests: where ../shared/vectors/tdx is, and its manifest cases.
#![allow(dead_code)] // each test binary uses a different subset

use serde_json::Value;
use std::path::{Path, PathBuf};

/// `../shared/vectors/SET` beside the checkout (it holds a manifest.json), or `None` with a visible
/// message naming the tests (`what`) that are skipped.
pub fn shared_vectors(set: &str, what: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors").join(set);
    if p.join("manifest.json").exists() {
        Some(p)
    } else {
        eprintln!("*** ../shared/vectors/{set} not found: {what} SKIPPED ***");
        None
    }
}

/// `../shared/vectors/tdx`, or `None` (with a visible message) when absent.
pub fn tdx_vectors() -> Option<PathBuf> {
    shared_vectors("tdx", "TDX real-vector tests")
}

/// The `cases` of manifest.json.
pub fn cases(dir: &Path) -> Vec<Value> {
    let m: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["cases"].as_array().unwrap().clone()
}

/// xorshift64*: a small deterministic generator, so every run of a fuzz-style test makes the same inputs.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}
