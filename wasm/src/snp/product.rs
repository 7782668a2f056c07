//! Product line detection (Milan, Genoa, Turin). Decides the TCB layout and which pinned ARK applies.
//! Source: AMD CPUID family/model assignments as used by virtee/sev `Generation` and AMD KDS paths.

use serde::{Deserialize, Serialize};

/// AMD EPYC product line as named in KDS paths (`/vcek/v1/{Milan|Genoa|Turin}/…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Product {
    Milan,
    Genoa,
    Turin,
}

impl Product {
    pub fn name(self) -> &'static str {
        match self {
            Product::Milan => "Milan",
            Product::Genoa => "Genoa",
            Product::Turin => "Turin",
        }
    }

    /// From a report's CPUID_FAM_ID/CPUID_MOD_ID (v3+): family 0x19 models 0x00–0x0F Milan,
    /// 0x10–0x1F and 0xA0–0xAF (Bergamo/Siena) Genoa; family 0x1A models 0x00–0x11 Turin.
    /// Returns the product and a model description, or `None` for an unknown pair.
    pub fn from_cpuid(family: u8, model: u8) -> Option<(Product, &'static str)> {
        match (family, model) {
            (0x19, 0x00..=0x0F) => Some((Product::Milan, "Milan")),
            (0x19, 0x10..=0x1F) => Some((Product::Genoa, "Genoa")),
            (0x19, 0xA0..=0xAF) => Some((Product::Genoa, "Bergamo/Siena (Genoa line)")),
            (0x1A, 0x00..=0x11) => Some((Product::Turin, "Turin")),
            _ => None,
        }
    }

    /// From a VCEK/VLEK productName extension ("Milan-B0", "Genoa", "Turin", …): the part before '-'.
    pub fn from_product_name(name: &str) -> Option<Product> {
        Self::parse(name.split('-').next().unwrap_or(""))
    }

    /// Case-insensitive product line name.
    pub fn parse(name: &str) -> Option<Product> {
        match name.to_ascii_lowercase().as_str() {
            "milan" => Some(Product::Milan),
            "genoa" | "bergamo" | "siena" => Some(Product::Genoa),
            "turin" => Some(Product::Turin),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuid_mapping_covers_bergamo_and_rejects_unknown() {
        assert_eq!(Product::from_cpuid(0x19, 0x01).unwrap().0, Product::Milan);
        assert_eq!(Product::from_cpuid(0x19, 0x11).unwrap().0, Product::Genoa);
        assert_eq!(Product::from_cpuid(0x19, 0xA0).unwrap().0, Product::Genoa);
        assert_eq!(Product::from_cpuid(0x1A, 0x02).unwrap().0, Product::Turin);
        assert!(Product::from_cpuid(0x17, 0x31).is_none());
        assert!(Product::from_cpuid(0, 0).is_none());
    }

    #[test]
    fn product_name_forms() {
        assert_eq!(Product::from_product_name("Milan-B0"), Some(Product::Milan));
        assert_eq!(Product::from_product_name("Genoa"), Some(Product::Genoa));
        assert_eq!(Product::from_product_name("Venice"), None);
    }
}
