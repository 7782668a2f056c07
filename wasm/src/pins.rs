//! The vendor roots embedded in the core, for display (the console's trust status) — the same pins
//! the verifiers compare against, read from where they are defined.

use serde::Serialize;

use crate::nvidia::roots::{DEVICE_ROOT_PIN, RIM_ROOT_PIN};
use crate::snp::product::Product;
use crate::snp::roots::ark_pin;
use crate::tdx::signatures::INTEL_SGX_ROOT_SPKI_SHA256;

/// One pinned root: vendor, name, and the lowercase hex SHA-256 of its SubjectPublicKeyInfo DER.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PinnedRoot {
    pub vendor: &'static str,
    pub name: String,
    /// The platforms whose evidence chains to this root (`sev-snp`, `tdx`, `sgx`, `nvidia`).
    pub platforms: &'static [&'static str],
    pub spki_sha256: &'static str,
}

/// Every pinned root, AMD first, in a stable order.
pub fn pinned_roots() -> Vec<PinnedRoot> {
    let mut roots: Vec<PinnedRoot> = [Product::Milan, Product::Genoa, Product::Turin]
        .into_iter()
        .map(|p| PinnedRoot { vendor: "AMD", name: format!("AMD ARK-{}", p.name()), platforms: &["sev-snp"], spki_sha256: ark_pin(p) })
        .collect();
    roots.push(PinnedRoot { vendor: "Intel", name: "Intel SGX Root CA".into(), platforms: &["tdx", "sgx"], spki_sha256: INTEL_SGX_ROOT_SPKI_SHA256 });
    roots.push(PinnedRoot { vendor: "NVIDIA", name: "NVIDIA Device Identity CA".into(), platforms: &["nvidia"], spki_sha256: DEVICE_ROOT_PIN });
    roots.push(PinnedRoot { vendor: "NVIDIA", name: "NVIDIA CoRIM signing Root CA (RIMs)".into(), platforms: &["nvidia"], spki_sha256: RIM_ROOT_PIN });
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pin_is_a_distinct_sha256() {
        let roots = pinned_roots();
        assert_eq!(roots.len(), 6);
        for r in &roots {
            assert_eq!(r.spki_sha256.len(), 64, "{}", r.name);
            assert!(r.spki_sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{}", r.name);
        }
        let mut pins: Vec<_> = roots.iter().map(|r| r.spki_sha256).collect();
        pins.dedup();
        assert_eq!(pins.len(), roots.len());
    }
}
