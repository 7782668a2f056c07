//! Pinned AMD roots. An ARK is trusted only if the SHA-256 of its SubjectPublicKeyInfo DER equals the
//! pin for the report's product line — whatever certificate arrives with the evidence.
//! Pins computed from AMD KDS `cert_chain` (ARK-Milan serial 0x10000, ARK-Genoa 0x20000,
//! ARK-Turin 0x30000) and cross-checked against go-sev-guest's and virtee/sev's embedded bundles.

use base64::Engine;

use super::kds_certs;
use super::product::Product;
use crate::x509::Cert;

/// SPKI SHA-256 (lowercase hex) of the AMD ARK for `product`.
pub fn ark_pin(product: Product) -> &'static str {
    match product {
        Product::Milan => "9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9",
        Product::Genoa => "429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831",
        Product::Turin => "4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08",
    }
}

/// Which intermediate a chain needs: the ASK for VCEKs, the ASVK for VLEKs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intermediate {
    Ask,
    Asvk,
}

impl Intermediate {
    pub fn name(self) -> &'static str {
        match self {
            Intermediate::Ask => "ASK",
            Intermediate::Asvk => "ASVK",
        }
    }
    /// The subject CN AMD gives it: `SEV-{P}` or `SEV-VLEK-{P}`.
    pub fn common_name(self, product: Product) -> String {
        match self {
            Intermediate::Ask => format!("SEV-{}", product.name()),
            Intermediate::Asvk => format!("SEV-VLEK-{}", product.name()),
        }
    }
}

fn embedded(b64: &str, name: &str) -> Cert {
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("embedded KDS certificate is valid base64");
    Cert::from_der(der, name).expect("embedded KDS certificate parses")
}

/// The embedded AMD ARK for `product`.
pub fn embedded_ark(product: Product) -> Cert {
    let b64 = match product {
        Product::Milan => kds_certs::MILAN_ARK,
        Product::Genoa => kds_certs::GENOA_ARK,
        Product::Turin => kds_certs::TURIN_ARK,
    };
    embedded(b64, &format!("embedded AMD ARK-{}", product.name()))
}

/// The embedded AMD ASK or ASVK for `product`.
pub fn embedded_intermediate(product: Product, which: Intermediate) -> Cert {
    let b64 = match (product, which) {
        (Product::Milan, Intermediate::Ask) => kds_certs::MILAN_ASK,
        (Product::Genoa, Intermediate::Ask) => kds_certs::GENOA_ASK,
        (Product::Turin, Intermediate::Ask) => kds_certs::TURIN_ASK,
        (Product::Milan, Intermediate::Asvk) => kds_certs::MILAN_ASVK,
        (Product::Genoa, Intermediate::Asvk) => kds_certs::GENOA_ASVK,
        (Product::Turin, Intermediate::Asvk) => kds_certs::TURIN_ASVK,
    };
    embedded(b64, &format!("embedded AMD {}", which.common_name(product)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_arks_match_pins_and_self_verify() {
        for p in [Product::Milan, Product::Genoa, Product::Turin] {
            let ark = embedded_ark(p);
            assert_eq!(hex::encode(ark.spki_sha256()), ark_pin(p), "{p:?}");
            ark.verify_signed_by(&ark).unwrap();
            for i in [Intermediate::Ask, Intermediate::Asvk] {
                let c = embedded_intermediate(p, i);
                assert_eq!(c.subject_cn().unwrap(), i.common_name(p));
                c.verify_signed_by(&ark).unwrap();
            }
        }
    }

    #[test]
    fn a_milan_ask_does_not_verify_under_the_genoa_ark() {
        let ask = embedded_intermediate(Product::Milan, Intermediate::Ask);
        assert!(ask.verify_signed_by(&embedded_ark(Product::Genoa)).is_err());
    }
}
