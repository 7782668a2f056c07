//! The Intel SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1): PPID, the platform TCB
//! the certificate was issued for (16 component SVNs, PCESVN, CPUSVN), PCE-ID, FMSPC and SGX type.
//! Source: Intel "SGX PCK Certificate and Certificate Revocation List Profile Specification" §1.3.5.

use der::asn1::ObjectIdentifier;
use der::{Any, Decode, Reader, SliceReader, Tag, Tagged};

use crate::error::InputError;
use crate::x509::Cert;

const SGX_EXTENSIONS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113741.1.13.1");
const ARC: &str = "1.2.840.113741.1.13.1";

/// Values of the PCK SGX extension. Byte strings are raw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PckExtensions {
    /// PPID, 16 bytes.
    pub ppid: Vec<u8>,
    /// SGX TCB component SVNs 1..16 (index 0 = component 01).
    pub comp_svn: [u32; 16],
    pub pcesvn: u32,
    /// CPUSVN, 16 bytes.
    pub cpusvn: Vec<u8>,
    /// PCE-ID, 2 bytes.
    pub pceid: Vec<u8>,
    /// FMSPC, 6 bytes.
    pub fmspc: Vec<u8>,
    /// 0 Standard, 1 Scalable, 2 Scalable with integrity.
    pub sgx_type: u32,
}

/// `(OID, value)` pairs of a `SEQUENCE OF SEQUENCE { OBJECT IDENTIFIER, ANY }`.
fn entries(bytes: &[u8]) -> der::Result<Vec<(ObjectIdentifier, Any)>> {
    let seq = Vec::<Any>::from_der(bytes)?;
    seq.iter()
        .map(|item| {
            let mut r = SliceReader::new(item.value())?;
            let oid = ObjectIdentifier::decode(&mut r)?;
            let value = Any::decode(&mut r)?;
            r.finish((oid, value))
        })
        .collect()
}

fn integer(any: &Any) -> Option<u32> {
    if any.tag() != Tag::Integer && any.tag() != Tag::Enumerated {
        return None;
    }
    let v = any.value();
    // Non-negative DER INTEGER: an optional leading 0x00 before a byte with its top bit set.
    let v = match v {
        [0, rest @ ..] if !rest.is_empty() => rest,
        [first, ..] if first & 0x80 != 0 => return None,
        _ => v,
    };
    (v.len() <= 4).then(|| v.iter().fold(0u32, |acc, b| (acc << 8) | *b as u32))
}

fn octets(any: &Any, len: usize) -> Option<Vec<u8>> {
    (any.tag() == Tag::OctetString && any.value().len() == len).then(|| any.value().to_vec())
}

impl PckExtensions {
    /// Reads the SGX extension of `pck`. Errors name the certificate and the sub-field (by its OID).
    pub fn read(pck: &Cert) -> Result<PckExtensions, InputError> {
        let err = |field: &str, m: &str| InputError::new(&pck.source, format!("PCK SGX extension {field}"), m);
        let bytes = pck.extension(&SGX_EXTENSIONS).ok_or_else(|| err(ARC, "missing: this is not an Intel SGX PCK certificate"))?;
        let top = entries(bytes).map_err(|e| err(ARC, &format!("not a SEQUENCE OF (OID, value): {e}")))?;
        let get = |n: u32| top.iter().find(|(o, _)| o.to_string() == format!("{ARC}.{n}")).map(|(_, v)| v);
        let need = |n: u32| get(n).ok_or_else(|| err(&format!("{ARC}.{n}"), "missing"));
        let ppid = octets(need(1)?, 16).ok_or_else(|| err(&format!("{ARC}.1 (PPID)"), "not a 16-byte OCTET STRING"))?;
        let pceid = octets(need(3)?, 2).ok_or_else(|| err(&format!("{ARC}.3 (PCE-ID)"), "not a 2-byte OCTET STRING"))?;
        let fmspc = octets(need(4)?, 6).ok_or_else(|| err(&format!("{ARC}.4 (FMSPC)"), "not a 6-byte OCTET STRING"))?;
        let sgx_type = integer(need(5)?).ok_or_else(|| err(&format!("{ARC}.5 (SGX type)"), "not an ENUMERATED"))?;
        let tcb_any = need(2)?;
        let tcb = entries(&der::Encode::to_der(tcb_any).unwrap_or_default())
            .map_err(|e| err(&format!("{ARC}.2 (TCB)"), &format!("not a SEQUENCE OF (OID, value): {e}")))?;
        let tcb_get = |n: u32| {
            tcb.iter()
                .find(|(o, _)| o.to_string() == format!("{ARC}.2.{n}"))
                .map(|(_, v)| v)
                .ok_or_else(|| err(&format!("{ARC}.2.{n}"), "missing"))
        };
        let mut comp_svn = [0u32; 16];
        for (i, slot) in comp_svn.iter_mut().enumerate() {
            let n = i as u32 + 1;
            *slot = integer(tcb_get(n)?).filter(|v| *v <= 255).ok_or_else(|| err(&format!("{ARC}.2.{n} (SGX TCB comp{n:02} SVN)"), "not an INTEGER 0..255"))?;
        }
        let pcesvn = integer(tcb_get(17)?).filter(|v| *v <= 0xFFFF).ok_or_else(|| err(&format!("{ARC}.2.17 (PCESVN)"), "not an INTEGER 0..65535"))?;
        let cpusvn = octets(tcb_get(18)?, 16).ok_or_else(|| err(&format!("{ARC}.2.18 (CPUSVN)"), "not a 16-byte OCTET STRING"))?;
        Ok(PckExtensions { ppid, comp_svn, pcesvn, cpusvn, pceid, fmspc, sgx_type })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_decode_and_reject_negatives() {
        let int = |bytes: &[u8]| Any::new(Tag::Integer, bytes.to_vec()).unwrap();
        assert_eq!(integer(&int(&[0x0d])), Some(13));
        assert_eq!(integer(&int(&[0x00, 0xff])), Some(255));
        assert_eq!(integer(&int(&[0xff])), None);
        assert_eq!(integer(&Any::new(Tag::OctetString, vec![1]).unwrap()), None);
    }
}
