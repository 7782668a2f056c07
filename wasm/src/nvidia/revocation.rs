//! Offline revocation for NVIDIA chains, from data the operator imported on a connected machine:
//! - OCSP responses (RFC 6960 `OCSPResponse` DER, as `ocsp.ndis.nvidia.com` returns them): the
//!   BasicOCSPResponse signature over the exact `tbsResponseData` bytes, by the issuing CA itself or by
//!   a responder certificate the CA signed and marked id-kp-OCSPSigning (§4.2.2.2); the CertID (SHA-1, SHA-256 or SHA-384 of the
//!   issuer name and key, and the serial); thisUpdate ≤ T ≤ nextUpdate (neither NVIDIA tool checks
//!   this; we do); status good / revoked (+ reason) / unknown. NVIDIA's OCSP nonce cannot apply to a
//!   response fetched earlier, so it is not checked (the freshness window replaces it).
//! - CRLs from the chains' distribution points (`http://crl.ndis.nvidia.com/crl/l1-root.crl`,
//!   `…/l2-gh100.crl`, `…/crl-corim/l1-corim`, …): signature by the issuer, thisUpdate/nextUpdate,
//!   serial membership and CRLReason (RFC 5280 §5.3.1).
//!
//! Which certificates are checked follows NVIDIA: device chains, certificates 1..n-2 (not the
//! attestation-key leaf, not the root); RIM chains, 0..n-2 (the L4 signer included).

use der::{Decode, Encode};
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384};
use x509_cert::ext::pkix::CrlReason;
use x509_ocsp::{BasicOcspResponse, CertStatus as OcspStatus, OcspResponse, OcspResponseStatus, SingleResponse};

use super::policy::{NvidiaPolicy, RevocationPolicy};
use crate::appraisal::{rfc3339, Checklist};
use crate::error::InputError;
use crate::x509::{first_element_range, verify_signature, Cert, Crl};

const OID_BASIC_RESPONSE: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const OID_SHA1: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const OID_SHA256: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const OID_SHA384: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const OID_CRL_REASON: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.29.21");
const OID_EXT_KEY_USAGE: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_KP_OCSP_SIGNING: der::asn1::ObjectIdentifier = der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.9");

fn may_sign_ocsp(c: &Cert) -> bool {
    c.extension(&OID_EXT_KEY_USAGE)
        .and_then(|v| x509_cert::ext::pkix::ExtendedKeyUsage::from_der(v).ok())
        .is_some_and(|eku| eku.0.contains(&OID_KP_OCSP_SIGNING))
}

/// An imported OCSP response (successful, basic).
#[derive(Debug, Clone)]
pub struct Ocsp {
    pub source: String,
    /// The BasicOCSPResponse DER.
    der: Vec<u8>,
    basic: BasicOcspResponse,
    tbs: std::ops::Range<usize>,
}

impl Ocsp {
    /// Parses an `OCSPResponse` (DER). Not DER, not `successful`, or not a basic response → error.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Ocsp, InputError> {
        let resp = OcspResponse::from_der(bytes).map_err(|e| InputError::new(source, "OCSPResponse", format!("not a DER OCSP response: {e}")))?;
        if resp.response_status != OcspResponseStatus::Successful {
            return Err(InputError::new(source, "responseStatus", format!("{:?}: the responder gave no answer", resp.response_status)));
        }
        let rb = resp.response_bytes.ok_or_else(|| InputError::new(source, "responseBytes", "missing"))?;
        if rb.response_type != OID_BASIC_RESPONSE {
            return Err(InputError::new(source, "responseType", format!("{} is not id-pkix-ocsp-basic", rb.response_type)));
        }
        let der = rb.response.as_bytes().to_vec();
        let basic = BasicOcspResponse::from_der(&der).map_err(|e| InputError::new(source, "BasicOCSPResponse", e.to_string()))?;
        let tbs = first_element_range(&der).map_err(|e| InputError::new(source, "tbsResponseData", e.to_string()))?;
        Ok(Ocsp { source: source.to_string(), der, basic, tbs })
    }

    /// Verifies the response signature: by `issuer`, or by an embedded responder certificate that
    /// `issuer` signed and that carries id-kp-OCSPSigning. Returns who signed.
    fn verify_signed(&self, issuer: &Cert) -> Result<String, String> {
        let tbs = &self.der[self.tbs.clone()];
        let sig = self.basic.signature.as_bytes();
        let alg = &self.basic.signature_algorithm;
        if verify_signature(issuer.spki(), alg, tbs, sig).is_ok() {
            return Ok(format!("signed by the issuing CA \"{}\"", issuer.subject_cn().unwrap_or_default()));
        }
        for (i, c) in self.basic.certs.iter().flatten().enumerate() {
            let der = c.to_der().map_err(|e| e.to_string())?;
            let responder = Cert::from_der(der, &format!("{}#responder{i}", self.source)).map_err(|e| e.message)?;
            if responder.verify_signed_by(issuer).is_ok() && may_sign_ocsp(&responder) && verify_signature(responder.spki(), alg, tbs, sig).is_ok() {
                return Ok(format!("signed by responder \"{}\", which \"{}\" signed", responder.subject_cn().unwrap_or_default(), issuer.subject_cn().unwrap_or_default()));
            }
        }
        Err(format!("OCSP response {} is signed neither by \"{}\" nor by an OCSP responder it certified", self.source, issuer.subject_cn().unwrap_or_default()))
    }

    fn single_for(&self, cert: &Cert, issuer: &Cert) -> Option<&SingleResponse> {
        let name_der = issuer.cert.tbs_certificate.subject.to_der().ok()?;
        let key = issuer.spki().subject_public_key.raw_bytes();
        self.basic.tbs_response_data.responses.iter().find(|s| {
            let id = &s.cert_id;
            let hash = |data: &[u8]| -> Option<Vec<u8>> {
                match id.hash_algorithm.oid {
                    o if o == OID_SHA1 => Some(Sha1::digest(data).to_vec()),
                    o if o == OID_SHA256 => Some(Sha256::digest(data).to_vec()),
                    o if o == OID_SHA384 => Some(Sha384::digest(data).to_vec()),
                    _ => None,
                }
            };
            id.serial_number.as_bytes() == cert.cert.tbs_certificate.serial_number.as_bytes()
                && hash(&name_der).as_deref() == Some(id.issuer_name_hash.as_bytes())
                && hash(key).as_deref() == Some(id.issuer_key_hash.as_bytes())
        })
    }
}

/// The revocation data a request brought.
#[derive(Debug, Clone, Default)]
pub struct RevocationData {
    pub ocsp: Vec<Ocsp>,
    pub crls: Vec<Crl>,
}

/// One certificate's status.
#[derive(Debug, Clone, PartialEq, Eq)]
enum One {
    Good(String),
    Revoked { reason: String, hold: bool, why: String },
    Unknown(String),
}

fn reason_name(r: CrlReason) -> &'static str {
    match r {
        CrlReason::Unspecified => "unspecified",
        CrlReason::KeyCompromise => "keyCompromise",
        CrlReason::CaCompromise => "cACompromise",
        CrlReason::AffiliationChanged => "affiliationChanged",
        CrlReason::Superseded => "superseded",
        CrlReason::CessationOfOperation => "cessationOfOperation",
        CrlReason::CertificateHold => "certificateHold",
        CrlReason::RemoveFromCRL => "removeFromCRL",
        CrlReason::PrivilegeWithdrawn => "privilegeWithdrawn",
        CrlReason::AaCompromise => "aACompromise",
    }
}

fn window(this: i64, next: Option<i64>, t: i64) -> Result<(), String> {
    let w = format!("thisUpdate {}, nextUpdate {}", rfc3339(this), next.map(rfc3339).unwrap_or_else(|| "absent".into()));
    if t < this {
        return Err(format!("issued after the reference time {} ({w})", rfc3339(t)));
    }
    match next {
        None => Err(format!("no nextUpdate, so its freshness is unknown ({w})")),
        Some(n) if t > n => Err(format!("stale at {} ({w})", rfc3339(t))),
        Some(_) => Ok(()),
    }
}

fn by_ocsp(data: &RevocationData, cert: &Cert, issuer: &Cert, t: i64, bad: &mut Vec<String>) -> Option<One> {
    for o in &data.ocsp {
        let Some(single) = o.single_for(cert, issuer) else { continue };
        let signer = match o.verify_signed(issuer) {
            Ok(s) => s,
            Err(e) => {
                bad.push(e);
                continue;
            }
        };
        let this = single.this_update.0.to_unix_duration().as_secs() as i64;
        let next = single.next_update.map(|n| n.0.to_unix_duration().as_secs() as i64);
        if let Err(e) = window(this, next, t) {
            bad.push(format!("OCSP response {} for \"{}\" is {e}", o.source, cert.subject_cn().unwrap_or_default()));
            continue;
        }
        let at = format!("OCSP {} ({signer})", o.source);
        return Some(match &single.cert_status {
            OcspStatus::Good(_) => One::Good(at),
            OcspStatus::Revoked(info) => {
                let reason = info.revocation_reason.map(reason_name).unwrap_or("unspecified");
                One::Revoked { reason: reason.into(), hold: reason == "certificateHold", why: at }
            }
            OcspStatus::Unknown(_) => One::Unknown(format!("{at} answers \"unknown\"")),
        });
    }
    None
}

fn by_crl(data: &RevocationData, cert: &Cert, issuer: &Cert, t: i64, bad: &mut Vec<String>) -> Option<One> {
    for crl in data.crls.iter().filter(|c| c.issuer() == issuer.subject()) {
        if let Err(e) = crl.verify_signed_by(issuer) {
            bad.push(format!("CRL {} names \"{}\" as issuer but its signature does not verify: {e}", crl.source, issuer.subject_cn().unwrap_or_default()));
            continue;
        }
        let (this, next) = crl.updates();
        if let Err(e) = window(this, next, t) {
            bad.push(format!("CRL {} is {e}", crl.source));
            continue;
        }
        let serial = cert.cert.tbs_certificate.serial_number.as_bytes();
        let entry = crl.crl.tbs_cert_list.revoked_certificates.iter().flatten().find(|r| r.serial_number.as_bytes() == serial);
        let at = format!("CRL {}", crl.source);
        return Some(match entry {
            None => One::Good(at),
            Some(r) => {
                let reason = r
                    .crl_entry_extensions
                    .iter()
                    .flatten()
                    .find(|e| e.extn_id == OID_CRL_REASON)
                    .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
                    .map(reason_name)
                    .unwrap_or("unspecified");
                One::Revoked { reason: reason.into(), hold: reason == "certificateHold", why: at }
            }
        });
    }
    None
}

/// The chain's aggregate: `x-nvidia-cert-ocsp-status` (`good` | `revoked` | `unknown`) and
/// `x-nvidia-cert-revocation-reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainRevocation {
    pub status: &'static str,
    pub reason: Option<String>,
    /// A certificate is revoked (a hold tolerated by policy does not count).
    pub revoked: bool,
}

/// Checks `path[indices]` (each against `path[i + 1]` as issuer) and pushes `{id}.revocation`
/// (plus `{id}.revocation_data` when imported data was unusable).
pub fn check(path: &[Cert], indices: std::ops::Range<usize>, data: &RevocationData, policy: &NvidiaPolicy, t: i64, id: &str, list: &mut Checklist) -> ChainRevocation {
    let indices: Vec<usize> = indices.filter(|i| i + 1 < path.len()).collect();
    if indices.is_empty() {
        list.skip(&format!("{id}.revocation"), "no certificate to check: the chain holds no certificate below the root");
        return ChainRevocation { status: "unknown", reason: None, revoked: false };
    }
    let mut lines = Vec::new();
    let mut bad = Vec::new();
    let (mut any_unknown, mut revoked, mut held) = (false, None, None);
    for i in indices {
        let (cert, issuer) = (&path[i], &path[i + 1]);
        let name = cert.subject_cn().unwrap_or_default();
        let one = by_ocsp(data, cert, issuer, t, &mut bad)
            .or_else(|| by_crl(data, cert, issuer, t, &mut bad))
            .unwrap_or_else(|| One::Unknown("no imported OCSP response or CRL covers it".into()));
        match one {
            One::Good(at) => lines.push(format!("\"{name}\" good ({at})")),
            One::Revoked { reason, hold, why } => {
                lines.push(format!("\"{name}\" REVOKED, reason {reason} ({why})"));
                if hold {
                    held.get_or_insert(reason);
                } else {
                    revoked.get_or_insert(reason);
                }
            }
            One::Unknown(why) => {
                any_unknown = true;
                lines.push(format!("\"{name}\" unknown: {why}"));
            }
        }
    }
    if !bad.is_empty() {
        list.fail(&format!("{id}.revocation_data"), format!("imported revocation data was not used: {}", bad.join("; ")));
    }
    let detail = lines.join("; ");
    let rid = format!("{id}.revocation");
    if let Some(reason) = revoked {
        list.fail(&rid, detail);
        return ChainRevocation { status: "revoked", reason: Some(reason), revoked: true };
    }
    if let Some(reason) = held {
        if policy.allow_cert_hold {
            list.warn(&rid, format!("{detail} — certificateHold tolerated by policy nvidia.allow_cert_hold"));
        } else {
            list.fail(&rid, format!("{detail} — a certificate on hold is refused (policy nvidia.allow_cert_hold is false)"));
        }
        return ChainRevocation { status: "revoked", reason: Some(reason), revoked: !policy.allow_cert_hold };
    }
    if any_unknown {
        match policy.revocation {
            RevocationPolicy::AllowUnknown => list.warn(&rid, format!("revocation not established offline: {detail} (policy nvidia.revocation allow_unknown)")),
            RevocationPolicy::RequireGood => list.fail(&rid, format!("revocation not established offline: {detail} (policy nvidia.revocation require_good)")),
        }
        return ChainRevocation { status: "unknown", reason: None, revoked: false };
    }
    list.pass(&rid, detail);
    ChainRevocation { status: "good", reason: None, revoked: false }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appraisal::Status;
    use der::asn1::{BitString, GeneralizedTime, OctetString};
    use p384::ecdsa::{signature::Signer, SigningKey};
    use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
    use std::str::FromStr;
    use std::time::Duration;
    use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
    use x509_cert::ext::{Extension, Extensions};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::time::{Time, Validity};
    use x509_cert::{Certificate, TbsCertificate};
    use x509_ocsp::{CertId, OcspGeneralizedTime, ResponderId, ResponseBytes, ResponseData, RevokedInfo};

    // A synthetic P-384 PKI, built and signed here (RustCrypto), so every revocation path can be
    // exercised: NVIDIA publishes no OCSP responses or CRLs that could be vectors.
    const DAY: i64 = 86_400;
    const T: i64 = 1_790_000_000;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_slice(&[n; 48]).unwrap()
    }
    fn ecdsa384() -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: crate::x509::OID_ECDSA_SHA384, parameters: None }
    }
    fn gtime(t: i64) -> GeneralizedTime {
        GeneralizedTime::from_unix_duration(Duration::from_secs(t as u64)).unwrap()
    }
    fn sign(k: &SigningKey, tbs: &[u8]) -> BitString {
        let sig: p384::ecdsa::Signature = k.sign(tbs);
        BitString::from_bytes(sig.to_der().as_bytes()).unwrap()
    }
    fn cert(serial: u8, subject: &str, issuer: &str, subject_key: &SigningKey, issuer_key: &SigningKey) -> Cert {
        cert_with(serial, subject, issuer, subject_key, issuer_key, None)
    }
    fn ocsp_signing() -> Option<Extensions> {
        let eku = x509_cert::ext::pkix::ExtendedKeyUsage(vec![OID_KP_OCSP_SIGNING]);
        Some(vec![Extension { extn_id: OID_EXT_KEY_USAGE, critical: false, extn_value: OctetString::new(eku.to_der().unwrap()).unwrap() }])
    }
    fn cert_with(serial: u8, subject: &str, issuer: &str, subject_key: &SigningKey, issuer_key: &SigningKey, extensions: Option<Extensions>) -> Cert {
        let point = subject_key.verifying_key().to_encoded_point(false);
        let spki = SubjectPublicKeyInfoOwned {
            algorithm: AlgorithmIdentifierOwned {
                oid: der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
                parameters: Some(der::Any::from(der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.34"))),
            },
            subject_public_key: BitString::from_bytes(point.as_bytes()).unwrap(),
        };
        let tbs = TbsCertificate {
            version: x509_cert::Version::V3,
            serial_number: SerialNumber::new(&[serial]).unwrap(),
            signature: ecdsa384(),
            issuer: Name::from_str(issuer).unwrap(),
            validity: Validity { not_before: Time::GeneralTime(gtime(T - 1000 * DAY)), not_after: Time::GeneralTime(gtime(T + 1000 * DAY)) },
            subject: Name::from_str(subject).unwrap(),
            subject_public_key_info: spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions,
        };
        let signature = sign(issuer_key, &tbs.to_der().unwrap());
        let c = Certificate { tbs_certificate: tbs, signature_algorithm: ecdsa384(), signature };
        Cert::from_der(c.to_der().unwrap(), subject).unwrap()
    }
    fn pki() -> Vec<Cert> {
        vec![cert(0x42, "CN=Test Leaf", "CN=Test CA", &key(2), &key(1)), cert(1, "CN=Test CA", "CN=Test CA", &key(1), &key(1))]
    }
    fn crl(signer: &SigningKey, revoked: Option<CrlReason>, next: i64) -> Crl {
        let entry = revoked.map(|r| {
            vec![RevokedCert {
                serial_number: SerialNumber::new(&[0x42]).unwrap(),
                revocation_date: Time::GeneralTime(gtime(T - DAY)),
                crl_entry_extensions: Some(vec![Extension { extn_id: OID_CRL_REASON, critical: false, extn_value: OctetString::new(r.to_der().unwrap()).unwrap() }]),
            }]
        });
        let tbs = TbsCertList {
            version: x509_cert::Version::V2,
            signature: ecdsa384(),
            issuer: Name::from_str("CN=Test CA").unwrap(),
            this_update: Time::GeneralTime(gtime(T - DAY)),
            next_update: Some(Time::GeneralTime(gtime(next))),
            revoked_certificates: entry,
            crl_extensions: None::<Extensions>,
        };
        let signature = sign(signer, &tbs.to_der().unwrap());
        let c = CertificateList { tbs_cert_list: tbs, signature_algorithm: ecdsa384(), signature };
        Crl::from_der(c.to_der().unwrap(), "test.crl").unwrap()
    }
    fn ocsp(signer: &SigningKey, status: OcspStatus, serial: u8, next: i64, responder: Option<Cert>) -> Ocsp {
        let ca = &pki()[1];
        let cert_id = CertId {
            hash_algorithm: AlgorithmIdentifierOwned { oid: OID_SHA1, parameters: None },
            issuer_name_hash: OctetString::new(Sha1::digest(ca.cert.tbs_certificate.subject.to_der().unwrap()).to_vec()).unwrap(),
            issuer_key_hash: OctetString::new(Sha1::digest(ca.spki().subject_public_key.raw_bytes()).to_vec()).unwrap(),
            serial_number: SerialNumber::new(&[serial]).unwrap(),
        };
        let tbs = ResponseData {
            version: x509_ocsp::Version::V1,
            responder_id: ResponderId::ByKey(OctetString::new(vec![1; 20]).unwrap()),
            produced_at: OcspGeneralizedTime(gtime(T - DAY)),
            responses: vec![SingleResponse { cert_id, cert_status: status, this_update: OcspGeneralizedTime(gtime(T - DAY)), next_update: Some(OcspGeneralizedTime(gtime(next))), single_extensions: None }],
            response_extensions: None,
        };
        let signature = sign(signer, &tbs.to_der().unwrap());
        let basic = BasicOcspResponse { tbs_response_data: tbs, signature_algorithm: ecdsa384(), signature, certs: responder.map(|c| vec![c.cert]) };
        let resp = OcspResponse {
            response_status: OcspResponseStatus::Successful,
            response_bytes: Some(ResponseBytes { response_type: OID_BASIC_RESPONSE, response: OctetString::new(basic.to_der().unwrap()).unwrap() }),
        };
        Ocsp::parse(&resp.to_der().unwrap(), "test.ocsp").unwrap()
    }
    fn run(data: RevocationData, policy: &NvidiaPolicy) -> (ChainRevocation, Vec<(String, Status)>) {
        let mut list = Checklist::default();
        let r = check(&pki(), 0..1, &data, policy, T, "x", &mut list);
        (r, list.into_checks().into_iter().map(|c| (c.id, c.status)).collect())
    }
    fn crls(c: Crl) -> RevocationData {
        RevocationData { ocsp: vec![], crls: vec![c] }
    }
    fn ocsps(o: Ocsp) -> RevocationData {
        RevocationData { ocsp: vec![o], crls: vec![] }
    }
    fn revoked(reason: CrlReason) -> OcspStatus {
        OcspStatus::Revoked(RevokedInfo { revocation_time: OcspGeneralizedTime(gtime(T - DAY)), revocation_reason: Some(reason) })
    }
    const OK: &[(&str, Status)] = &[("x.revocation", Status::Pass)];

    fn ids(v: &[(String, Status)]) -> Vec<(&str, Status)> {
        v.iter().map(|(i, s)| (i.as_str(), *s)).collect()
    }

    #[test]
    fn crl_good_revoked_hold_stale_and_forged() {
        let p = NvidiaPolicy::default();
        let (r, c) = run(crls(crl(&key(1), None, T + DAY)), &p);
        assert_eq!((r.status, ids(&c)), ("good", OK.to_vec()));
        let (r, c) = run(crls(crl(&key(1), Some(CrlReason::KeyCompromise), T + DAY)), &p);
        assert_eq!((r.status, r.reason.as_deref(), ids(&c)), ("revoked", Some("keyCompromise"), vec![("x.revocation", Status::Fail)]));
        let (r, c) = run(crls(crl(&key(1), Some(CrlReason::CertificateHold), T + DAY)), &p);
        assert_eq!((r.revoked, ids(&c)), (true, vec![("x.revocation", Status::Fail)]));
        let hold_ok = NvidiaPolicy { allow_cert_hold: true, ..NvidiaPolicy::default() };
        let (r, c) = run(crls(crl(&key(1), Some(CrlReason::CertificateHold), T + DAY)), &hold_ok);
        assert_eq!((r.revoked, r.reason.as_deref(), ids(&c)), (false, Some("certificateHold"), vec![("x.revocation", Status::Warn)]));
        let (r, c) = run(crls(crl(&key(1), None, T - 1)), &p);
        assert_eq!((r.status, ids(&c)), ("unknown", vec![("x.revocation_data", Status::Fail), ("x.revocation", Status::Warn)]));
        let (r, c) = run(crls(crl(&key(9), None, T + DAY)), &p);
        assert_eq!((r.status, ids(&c)), ("unknown", vec![("x.revocation_data", Status::Fail), ("x.revocation", Status::Warn)]));
    }

    #[test]
    fn ocsp_good_revoked_unknown_delegated_and_forged() {
        let p = NvidiaPolicy::default();
        let (r, c) = run(ocsps(ocsp(&key(1), OcspStatus::Good(der::asn1::Null), 0x42, T + DAY, None)), &p);
        assert_eq!((r.status, ids(&c)), ("good", OK.to_vec()));
        let (r, _) = run(ocsps(ocsp(&key(1), revoked(CrlReason::Superseded), 0x42, T + DAY, None)), &p);
        assert_eq!((r.status, r.reason.as_deref()), ("revoked", Some("superseded")));
        let (r, c) = run(ocsps(ocsp(&key(1), OcspStatus::Unknown(der::asn1::Null), 0x42, T + DAY, None)), &p);
        assert_eq!((r.status, ids(&c)), ("unknown", vec![("x.revocation", Status::Warn)]));
        // A response about another serial does not cover the certificate.
        let (r, c) = run(ocsps(ocsp(&key(1), OcspStatus::Good(der::asn1::Null), 0x43, T + DAY, None)), &p);
        assert_eq!((r.status, ids(&c)), ("unknown", vec![("x.revocation", Status::Warn)]));
        // A delegated responder the CA certified for OCSP signing is accepted; one it did not
        // certify, or certified without id-kp-OCSPSigning, is not.
        let responder = cert_with(7, "CN=Test OCSP", "CN=Test CA", &key(3), &key(1), ocsp_signing());
        let (r, _) = run(ocsps(ocsp(&key(3), OcspStatus::Good(der::asn1::Null), 0x42, T + DAY, Some(responder))), &p);
        assert_eq!(r.status, "good");
        let no_eku = cert(7, "CN=Test OCSP", "CN=Test CA", &key(3), &key(1));
        let (r, _) = run(ocsps(ocsp(&key(3), OcspStatus::Good(der::asn1::Null), 0x42, T + DAY, Some(no_eku))), &p);
        assert_eq!(r.status, "unknown");
        let rogue = cert_with(7, "CN=Rogue OCSP", "CN=Test CA", &key(3), &key(4), ocsp_signing());
        let (r, c) = run(ocsps(ocsp(&key(3), OcspStatus::Good(der::asn1::Null), 0x42, T + DAY, Some(rogue))), &p);
        assert_eq!((r.status, ids(&c)), ("unknown", vec![("x.revocation_data", Status::Fail), ("x.revocation", Status::Warn)]));
        // Stale response.
        let (r, c) = run(ocsps(ocsp(&key(1), OcspStatus::Good(der::asn1::Null), 0x42, T - 1, None)), &p);
        assert_eq!((r.status, ids(&c)), ("unknown", vec![("x.revocation_data", Status::Fail), ("x.revocation", Status::Warn)]));
    }

    #[test]
    fn garbage_ocsp_is_an_input_error() {
        assert_eq!(Ocsp::parse(b"\x30\x03\x0a\x01\x00", "o.der").unwrap_err().field, "responseBytes");
        assert_eq!(Ocsp::parse(b"\x30\x03\x0a\x01\x01", "o.der").unwrap_err().field, "responseStatus");
        assert_eq!(Ocsp::parse(b"nope", "o.der").unwrap_err().field, "OCSPResponse");
    }

    #[test]
    fn freshness_window() {
        assert!(window(10, Some(20), 15).is_ok());
        assert!(window(10, Some(20), 25).unwrap_err().contains("stale"));
        assert!(window(10, None, 15).unwrap_err().contains("no nextUpdate"));
        assert!(window(10, Some(20), 5).unwrap_err().contains("after"));
    }

    #[test]
    fn an_empty_path_is_skipped_not_passed() {
        let mut list = Checklist::default();
        let r = check(&pki()[..1], 0..1, &RevocationData::default(), &NvidiaPolicy::default(), T, "x", &mut list);
        assert_eq!(r.status, "unknown");
        assert_eq!(list.into_checks()[0].status, Status::Skip);
    }

    #[test]
    fn without_data_everything_is_unknown_and_policy_decides() {
        let (r, c) = run(RevocationData::default(), &NvidiaPolicy::default());
        assert_eq!((r.status, ids(&c)), ("unknown", vec![("x.revocation", Status::Warn)]));
        let strict = NvidiaPolicy { revocation: RevocationPolicy::RequireGood, ..NvidiaPolicy::default() };
        let (_, c) = run(RevocationData::default(), &strict);
        assert_eq!(ids(&c), vec![("x.revocation", Status::Fail)]);
    }
}
