//! Shared by the integration tests: where ../shared/vectors/tdx is, and its manifest cases.
#![allow(dead_code)] // each test binary uses a different subset

use serde_json::Value;
use std::path::{Path, PathBuf};

/// `../shared/vectors/tdx` beside the checkout, or `None` (with a visible message) when absent.
pub fn tdx_vectors() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/tdx");
    if p.join("manifest.json").exists() {
        Some(p)
    } else {
        eprintln!("*** ../shared/vectors/tdx not found: TDX real-vector tests SKIPPED ***");
        None
    }
}

/// The `cases` of manifest.json.
pub fn cases(dir: &Path) -> Vec<Value> {
    let m: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["cases"].as_array().unwrap().clone()
}
