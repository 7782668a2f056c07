//! TCB_VERSION decoding. The 8-byte layout depends on the product line, not the report version
//! (AMD SEV-SNP Firmware ABI Specification #56860, "TCB_VERSION"; Turin per rev 1.58):
//! - Milan, Genoa (incl. Bergamo/Siena): byte0 BOOT_LOADER, byte1 TEE, bytes2–5 reserved, byte6 SNP,
//!   byte7 MICROCODE.
//! - Turin: byte0 FMC, byte1 BOOT_LOADER, byte2 TEE, byte3 SNP, bytes4–6 reserved, byte7 MICROCODE.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::product::Product;

/// Security patch levels of one TCB_VERSION. `fmc` is `Some` only for the Turin layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Tcb {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fmc: Option<u8>,
    #[serde(default)]
    pub boot_loader: u8,
    #[serde(default)]
    pub tee: u8,
    #[serde(default)]
    pub snp: u8,
    #[serde(default)]
    pub microcode: u8,
}

/// Whether a product uses the Turin (FMC) TCB layout.
pub fn turin_layout(product: Product) -> bool {
    matches!(product, Product::Turin)
}

impl Tcb {
    /// Decodes the 8 raw TCB bytes (report byte order) for `product`'s layout.
    pub fn decode(raw: [u8; 8], product: Product) -> Tcb {
        if turin_layout(product) {
            Tcb { fmc: Some(raw[0]), boot_loader: raw[1], tee: raw[2], snp: raw[3], microcode: raw[7] }
        } else {
            Tcb { fmc: None, boot_loader: raw[0], tee: raw[1], snp: raw[6], microcode: raw[7] }
        }
    }

    /// Component-wise `self <= other` (an absent FMC counts as 0).
    pub fn le(&self, other: &Tcb) -> bool {
        self.fmc.unwrap_or(0) <= other.fmc.unwrap_or(0)
            && self.boot_loader <= other.boot_loader
            && self.tee <= other.tee
            && self.snp <= other.snp
            && self.microcode <= other.microcode
    }

    /// Human form, e.g. `bl=4 tee=0 snp=24 ucode=219` (with `fmc=` first on Turin).
    pub fn describe(&self) -> String {
        let base = format!("bl={} tee={} snp={} ucode={}", self.boot_loader, self.tee, self.snp, self.microcode);
        match self.fmc {
            Some(f) => format!("fmc={f} {base}"),
            None => base,
        }
    }
}

/// The claim form of a TCB: named SVNs plus the raw 8 bytes as a little-endian hex u64.
pub fn tcb_claim(raw: [u8; 8], product: Product) -> Value {
    let t = Tcb::decode(raw, product);
    let mut v = json!({
        "boot_loader": t.boot_loader, "tee": t.tee, "snp": t.snp, "microcode": t.microcode,
        "raw": format!("0x{:016x}", u64::from_le_bytes(raw)),
    });
    if let Some(f) = t.fmc {
        v["fmc"] = json!(f);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milan_and_turin_layouts_differ() {
        // Real values: Milan routex-v3 0xdb18000000000004, Turin routex-v5 0x4700000002000100.
        let milan = Tcb::decode(0xdb18000000000004u64.to_le_bytes(), Product::Milan);
        assert_eq!(milan.describe(), "bl=4 tee=0 snp=24 ucode=219");
        let turin = Tcb::decode(0x4700000002000100u64.to_le_bytes(), Product::Turin);
        assert_eq!(turin.describe(), "fmc=0 bl=1 tee=0 snp=2 ucode=71");
    }

    #[test]
    fn le_is_component_wise() {
        let a = Tcb { boot_loader: 3, snp: 8, microcode: 115, ..Default::default() };
        let b = Tcb { boot_loader: 3, snp: 8, microcode: 206, ..Default::default() };
        assert!(a.le(&b));
        assert!(!b.le(&a));
        let c = Tcb { boot_loader: 4, snp: 7, microcode: 206, ..Default::default() };
        assert!(!a.le(&c) && !c.le(&a));
    }
}
