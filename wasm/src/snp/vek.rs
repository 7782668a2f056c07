//! VCEK/VLEK certificate extensions (AMD "Versioned Chip Endorsement Key (VCEK) Certificate and KDS
//! Interface Specification" #57230, §3 "VCEK Certificate Extensions"; VLEK per #58369):
//! OID arc 1.3.6.1.4.1.3704.1 — .1 structVersion, .2 productName, .3.x SPLs, .4 hwID, .5 cspId.

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, OctetStringRef};
use der::Decode;

use super::product::Product;
use super::tcb::{turin_layout, Tcb};
use crate::x509::Cert;

const fn oid(s: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(s)
}
const STRUCT_VERSION: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.1");
const PRODUCT_NAME: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.2");
const BL_SPL: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.3.1");
const TEE_SPL: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.3.2");
const SNP_SPL: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.3.3");
const UCODE_SPL: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.3.8");
const FMC_SPL: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.3.9");
const HW_ID: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.4");
const CSP_ID: ObjectIdentifier = oid("1.3.6.1.4.1.3704.1.5");

/// The decoded AMD extensions of a VCEK or VLEK. `problems` lists extensions that are present but
/// malformed (each one sentence).
#[derive(Debug, Clone, Default)]
pub struct VekExtensions {
    pub struct_version: Option<u64>,
    pub product_name: Option<String>,
    pub bl_spl: Option<u8>,
    pub tee_spl: Option<u8>,
    pub snp_spl: Option<u8>,
    pub ucode_spl: Option<u8>,
    pub fmc_spl: Option<u8>,
    /// hwID bytes (64, or 8 on Turin), unwrapped if the extension held an OCTET STRING.
    pub hw_id: Option<Vec<u8>>,
    pub csp_id: Option<String>,
    pub problems: Vec<String>,
}

fn small_int(bytes: &[u8]) -> Option<u64> {
    let i = der::asn1::Uint::from_der(bytes).ok()?;
    let b = i.as_bytes();
    (b.len() <= 8).then(|| b.iter().fold(0u64, |acc, x| (acc << 8) | *x as u64))
}

/// hwID is stored raw (no DER tag) in real AMD certificates; accept an OCTET STRING wrapper too.
/// A raw 66-byte value that happens to start with 04 40 is read as wrapped — raw hwIDs are 64 or 8.
fn hw_id(bytes: &[u8]) -> Vec<u8> {
    if bytes.len() != 64 && bytes.len() != 8 {
        if let Ok(o) = OctetStringRef::from_der(bytes) {
            return o.as_bytes().to_vec();
        }
    }
    bytes.to_vec()
}

impl VekExtensions {
    /// Reads the AMD extensions of `cert`.
    pub fn read(cert: &Cert) -> VekExtensions {
        let mut x = VekExtensions::default();
        let spl = |o: &ObjectIdentifier, name: &str, problems: &mut Vec<String>| -> Option<u8> {
            let v = cert.extension(o)?;
            match small_int(v).and_then(|n| u8::try_from(n).ok()) {
                Some(n) => Some(n),
                None => {
                    problems.push(format!("{name} ({o}) is not a DER INTEGER in 0..=255"));
                    None
                }
            }
        };
        let mut problems = Vec::new();
        x.bl_spl = spl(&BL_SPL, "blSPL", &mut problems);
        x.tee_spl = spl(&TEE_SPL, "teeSPL", &mut problems);
        x.snp_spl = spl(&SNP_SPL, "snpSPL", &mut problems);
        x.ucode_spl = spl(&UCODE_SPL, "ucodeSPL", &mut problems);
        x.fmc_spl = spl(&FMC_SPL, "fmcSPL", &mut problems);
        if let Some(v) = cert.extension(&STRUCT_VERSION) {
            x.struct_version = small_int(v);
            if x.struct_version.is_none() {
                problems.push("structVersion is not a DER INTEGER".into());
            }
        }
        if let Some(v) = cert.extension(&PRODUCT_NAME) {
            match Ia5StringRef::from_der(v) {
                Ok(s) => x.product_name = Some(s.as_str().to_string()),
                Err(_) => problems.push("productName is not a DER IA5String".into()),
            }
        }
        if let Some(v) = cert.extension(&CSP_ID) {
            match Ia5StringRef::from_der(v) {
                Ok(s) => x.csp_id = Some(s.as_str().to_string()),
                Err(_) => problems.push("cspId is not a DER IA5String".into()),
            }
        }
        x.hw_id = cert.extension(&HW_ID).map(hw_id);
        x.problems = problems;
        x
    }

    /// The TCB the key was derived at, in `product`'s layout; `None` if an SPL is missing (the
    /// missing names are returned).
    pub fn tcb(&self, product: Product) -> Result<Tcb, Vec<&'static str>> {
        let mut missing = Vec::new();
        let mut get = |v: Option<u8>, n: &'static str| {
            v.unwrap_or_else(|| {
                missing.push(n);
                0
            })
        };
        let t = Tcb {
            boot_loader: get(self.bl_spl, "blSPL"),
            tee: get(self.tee_spl, "teeSPL"),
            snp: get(self.snp_spl, "snpSPL"),
            microcode: get(self.ucode_spl, "ucodeSPL"),
            fmc: if turin_layout(product) { Some(get(self.fmc_spl, "fmcSPL")) } else { None },
        };
        if missing.is_empty() {
            Ok(t)
        } else {
            Err(missing)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hw_id_raw_and_wrapped() {
        let raw: Vec<u8> = (0u8..64).collect();
        assert_eq!(hw_id(&raw), raw);
        let mut wrapped = vec![0x04, 0x40];
        wrapped.extend(&raw);
        assert_eq!(hw_id(&wrapped), raw);
        let turin = [0x3b, 0x42, 0x09, 0x2f, 0x69, 0xc6, 0x56, 0xd3];
        assert_eq!(hw_id(&turin), turin);
        let mut wrapped8 = vec![0x04, 0x08];
        wrapped8.extend(turin);
        assert_eq!(hw_id(&wrapped8), turin);
    }

    #[test]
    fn spl_integers_decode_with_leading_zero() {
        assert_eq!(small_int(&[0x02, 0x02, 0x00, 0xDB]), Some(219));
        assert_eq!(small_int(&[0x02, 0x01, 0x04]), Some(4));
        assert_eq!(small_int(&[0x04, 0x01, 0x04]), None);
    }
}
