//! NVIDIA certificate chains (device attestation-key chains and RIM signing chains), verified the way
//! NVIDIA's verifiers do: the chain arrives leaf first; its last certificate, if self-issued, is the
//! shipped root and is **dropped** after comparing it with the pin; the embedded pinned root is
//! appended; then every link's ECDSA P-384/SHA-384 signature, the CA flags and every validity window
//! at the reference time are checked (RFC 5280 §6.1; nvtrust `verifier/cc_admin_utils.py`
//! `verify_certificate_chain`; attestation-sdk `X509CertChain::verify`).
//!
//! Also here: the claims NVIDIA derives from a device chain (hwmodel = CN of certificate 1, ueid =
//! decimal serial of the leaf) and the leaf FWID (Hopper extension 2.23.133.5.4.1, Blackwell DICE
//! TcbInfo 2.23.133.5.4.1.1, TCG DICE Attestation Architecture §6.1.1).

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
use x509_cert::ext::pkix::BasicConstraints;

use super::roots::Pki;
use crate::appraisal::{rfc3339, Checklist, TrustAnchor};
use crate::x509::Cert;

/// `x-nvidia-cert-status` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    Valid,
    Expired,
    Revoked,
    Invalid,
}

impl CertStatus {
    /// The claim value: `valid`, `expired`, `revoked` or `invalid`.
    pub fn name(self) -> &'static str {
        match self {
            CertStatus::Valid => "valid",
            CertStatus::Expired => "expired",
            CertStatus::Revoked => "revoked",
            CertStatus::Invalid => "invalid",
        }
    }
}

/// What a chain check established.
#[derive(Debug, Clone)]
pub struct ChainOutcome {
    /// Leaf first, ending with the pinned root (empty if nothing usable arrived).
    pub path: Vec<Cert>,
    /// Valid, expired (every signature good but a window excludes the reference time) or invalid.
    /// Revocation is decided later by [`super::revocation`].
    pub status: CertStatus,
    /// Earliest notAfter of the path, RFC 3339 (`x-nvidia-cert-expiration-date`).
    pub expiration: Option<String>,
    pub anchor: TrustAnchor,
}

const OID_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");

fn is_ca(c: &Cert) -> bool {
    c.extension(&OID_BASIC_CONSTRAINTS).and_then(|v| BasicConstraints::from_der(v).ok()).is_some_and(|b| b.ca)
}

fn cn(c: &Cert) -> String {
    c.subject_cn().unwrap_or_else(|| c.subject())
}

/// Link signatures already checked in one appraisal, keyed by (certificate DER SHA-256, issuer DER
/// SHA-256): the devices of one node share their provisioner and identity links, and a GPU's RIMs
/// share their L3 and CA links. P-384 verification dominates the cost (it is ~10× slower in wasm32
/// than natively), so each link is verified once. Lives for one appraisal only.
#[derive(Debug, Default)]
pub struct Links(std::cell::RefCell<std::collections::HashMap<LinkKey, Result<(), String>>>);

/// (certificate DER SHA-256, issuer DER SHA-256).
type LinkKey = ([u8; 32], [u8; 32]);

impl Links {
    /// `child`'s signature checked with `issuer`'s key (see [`Cert::verify_signed_by`]), once.
    pub fn verify(&self, child: &Cert, issuer: &Cert) -> Result<(), String> {
        let key = (child.der_sha256(), issuer.der_sha256());
        if let Some(r) = self.0.borrow().get(&key) {
            return r.clone();
        }
        let r = child.verify_signed_by(issuer);
        self.0.borrow_mut().insert(key, r.clone());
        r
    }
}

/// What a chain is checked against and how its checks are named.
#[derive(Debug, Clone, Copy)]
pub struct ChainSpec<'a> {
    pub pki: Pki,
    /// Certificates NVIDIA requires in the supplied chain, root included (5 for device chains, as
    /// nvtrust checks; `None` for RIM chains, which vary).
    pub expected_len: Option<usize>,
    /// Replaces the pinned root when the caller passed one explicitly.
    pub test_root: Option<&'a Cert>,
    /// Check-id prefix: checks are `{id}.count`, `{id}.root_pin`, `{id}.path`, `{id}.ca`, `{id}.validity`.
    pub id: &'a str,
    /// The chain's name in sentences.
    pub what: &'a str,
}

/// Verifies `supplied` (leaf first) up to the pinned root of `spec.pki` at `t`.
pub fn verify(supplied: &[Cert], spec: &ChainSpec, t: i64, links: &Links, list: &mut Checklist) -> ChainOutcome {
    let ChainSpec { pki, expected_len, test_root, id, what } = *spec;
    let root = test_root.cloned().unwrap_or_else(|| pki.root());
    let pin = hex::encode(root.spki_sha256());
    let anchor = match test_root {
        Some(r) => TrustAnchor { kind: "test".into(), name: format!("TEST anchor {}", cn(r)), spki_sha256: pin.clone() },
        None => TrustAnchor { kind: "pinned".into(), name: pki.root_name().into(), spki_sha256: pin.clone() },
    };
    if let Some(n) = expected_len {
        list.expect(
            &format!("{id}.count"),
            supplied.len() == n,
            format!("the {what} has {n} certificates, as NVIDIA requires"),
            format!("the {what} has {} certificate{}; NVIDIA requires exactly {n} (leaf, device, provisioner, identity, root)", supplied.len(), if supplied.len() == 1 { "" } else { "s" }),
        );
    }
    let mut certs: Vec<Cert> = supplied.to_vec();
    let shipped_root = certs.last().filter(|c| c.is_self_issued()).cloned();
    match &shipped_root {
        Some(r) if hex::encode(r.spki_sha256()) == pin => {
            list.pass(&format!("{id}.root_pin"), format!("the {what}'s own root \"{}\" has SPKI SHA-256 {pin}, the pinned {}; it is replaced by the embedded copy", cn(r), anchor.name));
        }
        Some(r) => list.fail(
            &format!("{id}.root_pin"),
            format!("the {what} ends with \"{}\" (SPKI SHA-256 {}), which is not the pinned {} ({pin}); it is dropped and never trusted", cn(r), hex::encode(r.spki_sha256()), anchor.name),
        ),
        None => list.warn(&format!("{id}.root_pin"), format!("the {what} ships no root; it is verified up to the pinned {} ({pin})", anchor.name)),
    }
    if shipped_root.is_some() {
        certs.pop();
    }
    if certs.is_empty() {
        list.fail(&format!("{id}.path"), format!("the {what} holds no certificate below the root: there is no leaf to verify"));
        return ChainOutcome { path: vec![], status: CertStatus::Invalid, expiration: None, anchor };
    }
    certs.push(root);

    // Signatures, leaf → root.
    let mut broken = None;
    for i in 0..certs.len() - 1 {
        if let Err(e) = links.verify(&certs[i], &certs[i + 1]) {
            broken = Some(format!("\"{}\" is not signed by \"{}\": {e}", cn(&certs[i]), cn(&certs[i + 1])));
            break;
        }
    }
    let names: Vec<String> = certs.iter().map(cn).collect();
    let signed = broken.is_none();
    match broken {
        None => list.pass(&format!("{id}.path"), format!("every ECDSA P-384 signature verifies: {}", names.join(" ← "))),
        Some(why) => list.fail(&format!("{id}.path"), format!("no path to the pinned {}: {why} (chain {})", anchor.name, names.join(" ← "))),
    }

    // CA flags: the leaf must be an end entity, everything above it a CA.
    let mut problems = Vec::new();
    if is_ca(&certs[0]) {
        problems.push(format!("the leaf \"{}\" is a CA certificate, not an end-entity key: the chain is missing its leaf", names[0]));
    }
    for (c, n) in certs.iter().zip(&names).skip(1) {
        if !is_ca(c) {
            problems.push(format!("\"{n}\" signs another certificate but is not a CA (basicConstraints cA is not true)"));
        }
    }
    let ca_ok = problems.is_empty();
    list.expect(&format!("{id}.ca"), ca_ok, "the leaf is an end entity and every issuer is a CA", problems.join("; "));

    // Validity at t.
    let min_not_after = certs.iter().map(|c| c.validity().1).min().unwrap_or(i64::MAX);
    let expired: Vec<String> = certs
        .iter()
        .zip(&names)
        .filter(|(c, _)| {
            let (nb, na) = c.validity();
            t < nb || t > na
        })
        .map(|(c, n)| format!("\"{n}\" ({} .. {})", rfc3339(c.validity().0), rfc3339(c.validity().1)))
        .collect();
    let in_time = expired.is_empty();
    list.expect(
        &format!("{id}.validity"),
        in_time,
        format!("every certificate is valid at {}; the earliest notAfter is {}", rfc3339(t), rfc3339(min_not_after)),
        format!("not valid at {}: {} (x-nvidia-cert-status \"expired\")", rfc3339(t), expired.join(", ")),
    );
    let status = match (signed && ca_ok && shipped_root.as_ref().is_none_or(|r| hex::encode(r.spki_sha256()) == pin), in_time) {
        (false, _) => CertStatus::Invalid,
        (true, false) => CertStatus::Expired,
        (true, true) => CertStatus::Valid,
    };
    ChainOutcome { path: certs, status, expiration: Some(rfc3339(min_not_after)), anchor }
}

/// hwmodel: CN of certificate 1 of the supplied device chain (e.g. "GH100 A01 GSP BROM").
pub fn hwmodel(supplied: &[Cert]) -> Option<String> {
    supplied.get(1).and_then(Cert::subject_cn)
}

/// ueid: the leaf serial number as a decimal string (NVIDIA's claim format).
pub fn ueid(leaf: &Cert) -> String {
    decimal(leaf.cert.tbs_certificate.serial_number.as_bytes())
}

fn decimal(be: &[u8]) -> String {
    let mut digits: Vec<u8> = vec![0]; // little-endian base-10 digits
    for byte in be {
        let mut carry = *byte as u32;
        for d in digits.iter_mut() {
            let v = *d as u32 * 256 + carry;
            *d = (v % 10) as u8;
            carry = v / 10;
        }
        while carry > 0 {
            digits.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    while digits.len() > 1 && digits.last() == Some(&0) {
        digits.pop();
    }
    digits.iter().rev().map(|d| (b'0' + d) as char).collect()
}

const OID_FWID_HOPPER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.133.5.4.1");
const OID_DICE_TCB_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.133.5.4.1.1");

/// The leaf's FWID and where it came from: Hopper/LS10 extension 2.23.133.5.4.1 (last 48 bytes of
/// the value, NVIDIA's rule), or Blackwell DICE TcbInfo 2.23.133.5.4.1.1 `fwids[0].digest`
/// (field [6] `SEQUENCE OF FWID {hashAlg OID, digest OCTET STRING}`).
pub fn leaf_fwid(leaf: &Cert) -> Option<(Vec<u8>, &'static str)> {
    if let Some(v) = leaf.extension(&OID_DICE_TCB_INFO) {
        return dice_fwid0(v).map(|d| (d, "DICE TcbInfo 2.23.133.5.4.1.1 fwids[0]"));
    }
    let v = leaf.extension(&OID_FWID_HOPPER)?;
    (v.len() >= 48).then(|| (v[v.len() - 48..].to_vec(), "extension 2.23.133.5.4.1 (last 48 bytes)"))
}

fn dice_fwid0(v: &[u8]) -> Option<Vec<u8>> {
    let mut outer = SliceReader::new(v).ok()?;
    let header = der::Header::decode(&mut outer).ok()?;
    if header.tag != Tag::Sequence {
        return None;
    }
    let body = outer.read_slice(header.length).ok()?;
    let mut r = SliceReader::new(body).ok()?;
    while !r.is_finished() {
        let any = der::asn1::AnyRef::decode(&mut r).ok()?;
        let is_fwids = any.tag() == Tag::ContextSpecific { constructed: true, number: TagNumber::N6 };
        if is_fwids {
            // [6] IMPLICIT SEQUENCE OF FWID: the first FWID SEQUENCE, then its digest.
            let mut list = SliceReader::new(any.value()).ok()?;
            let first = der::asn1::AnyRef::decode(&mut list).ok()?;
            let mut fw = SliceReader::new(first.value()).ok()?;
            let _alg = ObjectIdentifier::decode(&mut fw).ok()?;
            return Some(OctetStringRef::decode(&mut fw).ok()?.as_bytes().to_vec());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_serials() {
        assert_eq!(decimal(&[0x00]), "0");
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(decimal(&[0x2d, 0x36, 0x70, 0xb1]), u32::from_be_bytes([0x2d, 0x36, 0x70, 0xb1]).to_string());
    }

    #[test]
    fn links_are_verified_once_and_remember_failures() {
        let root = Pki::Device.root();
        let other = Pki::Rim.root();
        let links = Links::default();
        assert!(links.verify(&root, &root).is_ok());
        assert!(links.verify(&root, &other).is_err());
        assert!(links.verify(&root, &other).is_err());
        assert_eq!(links.0.borrow().len(), 2);
    }

    #[test]
    fn a_bare_pinned_root_has_no_leaf() {
        let mut list = Checklist::default();
        let spec = ChainSpec { pki: Pki::Device, expected_len: Some(5), test_root: None, id: "c", what: "device chain" };
        let out = verify(&[Pki::Device.root()], &spec, 0, &Links::default(), &mut list);
        assert_eq!(out.status, CertStatus::Invalid);
        let checks = list.into_checks();
        assert!(checks.iter().any(|c| c.id == "c.path" && c.status == crate::appraisal::Status::Fail));
        assert!(checks.iter().any(|c| c.id == "c.count" && c.status == crate::appraisal::Status::Fail));
    }
}
