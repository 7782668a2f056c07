//! Shared X.509 helpers: loading certificates and CRLs from PEM or DER, and checking RSASSA-PSS
//! signatures over the exact signed bytes (RFC 5280 §4.1.1.3: the signature covers the DER
//! `tbsCertificate` / `tbsCertList` as received — never a re-encoding).

use der::{Decode, Encode, Reader, SliceReader};
use rsa::pkcs1::RsaPssParams;
use rsa::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256, Sha384};
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::crl::CertificateList;
use x509_cert::Certificate;

use crate::error::InputError;

pub const OID_RSASSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
pub const OID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
pub const OID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
pub const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
pub const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// A parsed certificate together with its exact DER bytes and where its `tbsCertificate` lies.
#[derive(Debug, Clone)]
pub struct Cert {
    /// Where it came from: `file` or `file#n` for the n-th certificate of a bundle.
    pub source: String,
    pub der: Vec<u8>,
    pub cert: Certificate,
    tbs: std::ops::Range<usize>,
}

/// Reports whether `cert` (called `role` in the sentence) is valid at `t` (Unix seconds) as check `id`
/// (RFC 5280 §6.1.3 (a)(2)).
pub fn check_validity(list: &mut crate::appraisal::Checklist, id: &str, role: &str, cert: &Cert, t: i64) {
    use crate::appraisal::rfc3339;
    let (nb, na) = cert.validity();
    let window = format!("validity {} .. {}", rfc3339(nb), rfc3339(na));
    if t < nb {
        list.fail(id, format!("{role} is not yet valid at {}: {window}", rfc3339(t)));
    } else if t > na {
        list.fail(id, format!("{role} expired before {}: {window}", rfc3339(t)));
    } else {
        list.pass(id, format!("{role} is valid at {}: {window}", rfc3339(t)));
    }
}

/// A parsed CRL with its exact DER bytes and where its `tbsCertList` lies.
#[derive(Debug, Clone)]
pub struct Crl {
    pub source: String,
    pub der: Vec<u8>,
    pub crl: CertificateList,
    tbs: std::ops::Range<usize>,
}

/// An endorsement blob, classified. (A handful per request, so the size difference is irrelevant.)
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Endorsement {
    Cert(Cert),
    Crl(Crl),
}

/// Byte range of the first element (the TBS part) inside an outer DER SEQUENCE.
pub(crate) fn first_element_range(der: &[u8]) -> der::Result<std::ops::Range<usize>> {
    let mut reader = SliceReader::new(der)?;
    der::Header::decode(&mut reader)?; // the outer SEQUENCE
    let start: usize = reader.position().try_into()?;
    let tbs = reader.tlv_bytes()?;
    Ok(start..start + tbs.len())
}

impl Cert {
    /// Parses one DER certificate. Errors name `source` and say what was wrong.
    pub fn from_der(der: Vec<u8>, source: &str) -> Result<Cert, InputError> {
        let cert = Certificate::from_der(&der)
            .map_err(|e| InputError::new(source, "certificate", format!("not a DER X.509 certificate: {e}")))?;
        let tbs = first_element_range(&der)
            .map_err(|e| InputError::new(source, "tbsCertificate", e.to_string()))?;
        Ok(Cert { source: source.to_string(), der, cert, tbs })
    }

    /// The exact signed bytes (`tbsCertificate` TLV).
    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }
    pub fn spki(&self) -> &SubjectPublicKeyInfoOwned {
        &self.cert.tbs_certificate.subject_public_key_info
    }
    /// SHA-256 of the SubjectPublicKeyInfo DER (the pin format), raw 32 bytes.
    pub fn spki_sha256(&self) -> [u8; 32] {
        let spki_der = self.spki().to_der().unwrap_or_default();
        Sha256::digest(spki_der).into()
    }
    pub fn der_sha256(&self) -> [u8; 32] {
        Sha256::digest(&self.der).into()
    }
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate.subject.to_string()
    }
    pub fn issuer(&self) -> String {
        self.cert.tbs_certificate.issuer.to_string()
    }
    pub fn subject_cn(&self) -> Option<String> {
        common_name(&self.cert.tbs_certificate.subject)
    }
    pub fn issuer_cn(&self) -> Option<String> {
        common_name(&self.cert.tbs_certificate.issuer)
    }
    /// Serial number as lowercase hex without leading zero bytes (`0` for zero).
    pub fn serial_hex(&self) -> String {
        trimmed_hex(self.cert.tbs_certificate.serial_number.as_bytes())
    }
    /// notBefore and notAfter as Unix seconds.
    pub fn validity(&self) -> (i64, i64) {
        let v = &self.cert.tbs_certificate.validity;
        (v.not_before.to_unix_duration().as_secs() as i64, v.not_after.to_unix_duration().as_secs() as i64)
    }
    /// The raw `extnValue` contents of the extension with `oid`, if present.
    pub fn extension(&self, oid: &ObjectIdentifier) -> Option<&[u8]> {
        self.cert
            .tbs_certificate
            .extensions
            .as_ref()?
            .iter()
            .find(|e| &e.extn_id == oid)
            .map(|e| e.extn_value.as_bytes())
    }
    pub fn is_self_issued(&self) -> bool {
        self.cert.tbs_certificate.subject == self.cert.tbs_certificate.issuer
    }
    /// Checks this certificate's signature with `issuer`'s key (see [`verify_signature`]).
    pub fn verify_signed_by(&self, issuer: &Cert) -> Result<(), String> {
        verify_signature(issuer.spki(), &self.cert.signature_algorithm, self.tbs(), self.cert.signature.as_bytes())
    }
}

impl Crl {
    /// Parses one DER CRL (RFC 5280 §5).
    pub fn from_der(der: Vec<u8>, source: &str) -> Result<Crl, InputError> {
        let crl = CertificateList::from_der(&der)
            .map_err(|e| InputError::new(source, "CertificateList", format!("not a DER X.509 CRL: {e}")))?;
        let tbs = first_element_range(&der).map_err(|e| InputError::new(source, "tbsCertList", e.to_string()))?;
        Ok(Crl { source: source.to_string(), der, crl, tbs })
    }
    pub fn tbs(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }
    pub fn issuer(&self) -> String {
        self.crl.tbs_cert_list.issuer.to_string()
    }
    pub fn issuer_cn(&self) -> Option<String> {
        common_name(&self.crl.tbs_cert_list.issuer)
    }
    /// thisUpdate and nextUpdate (if present) as Unix seconds.
    pub fn updates(&self) -> (i64, Option<i64>) {
        let t = &self.crl.tbs_cert_list;
        (
            t.this_update.to_unix_duration().as_secs() as i64,
            t.next_update.map(|n| n.to_unix_duration().as_secs() as i64),
        )
    }
    /// Revoked serial numbers, lowercase hex without leading zero bytes.
    pub fn revoked_serials(&self) -> Vec<String> {
        self.crl
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map(|v| v.iter().map(|r| trimmed_hex(r.serial_number.as_bytes())).collect())
            .unwrap_or_default()
    }
    pub fn verify_signed_by(&self, issuer: &Cert) -> Result<(), String> {
        verify_signature(issuer.spki(), &self.crl.signature_algorithm, self.tbs(), self.crl.signature.as_bytes())
    }
}

fn trimmed_hex(bytes: &[u8]) -> String {
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    if first == bytes.len() {
        "0".to_string()
    } else {
        hex::encode(&bytes[first..])
    }
}

fn common_name(name: &x509_cert::name::Name) -> Option<String> {
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == OID_CN {
                return directory_string(&atv.value);
            }
        }
    }
    None
}

fn directory_string(any: &der::Any) -> Option<String> {
    let bytes = any.value();
    std::str::from_utf8(bytes).ok().map(str::to_string)
}

/// Verifies a certificate or CRL signature over the exact `signed` bytes with the algorithm the
/// AlgorithmIdentifier names: RSASSA-PSS (AMD, see [`verify_rsa_pss`]), ecdsa-with-SHA256 on P-256
/// (Intel SGX PKI, RFC 5758 §3.2) or ecdsa-with-SHA384 on P-384 (NVIDIA device and RIM PKIs,
/// RFC 5758 §3.2). Anything else is rejected with a sentence naming the algorithm.
///
/// The outcome is remembered in the [`crate::cache`] under the exact issuer SPKI DER, AlgorithmIdentifier
/// DER, signed bytes and signature bytes (it depends on nothing else).
pub fn verify_signature(
    issuer: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    signed: &[u8],
    signature: Option<&[u8]>,
) -> Result<(), String> {
    let (Ok(spki_der), Ok(alg_der)) = (issuer.to_der(), alg.to_der()) else {
        return verify_signature_uncached(issuer, alg, signed, signature);
    };
    // A BIT STRING with unused bits has no byte signature: its own flag keeps it apart from any bytes.
    let (present, sig) = match signature {
        Some(s) => (&[1u8][..], s),
        None => (&[0u8][..], &[][..]),
    };
    crate::cache::memo("x509-signature", &[&spki_der, &alg_der, signed, present, sig], || {
        verify_signature_uncached(issuer, alg, signed, signature)
    })
}

fn verify_signature_uncached(
    issuer: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    signed: &[u8],
    signature: Option<&[u8]>,
) -> Result<(), String> {
    if alg.oid == OID_ECDSA_SHA256 {
        use p256::ecdsa::signature::Verifier;
        use p256::pkcs8::DecodePublicKey;
        let sig_der = signature.ok_or("signature BIT STRING has unused bits")?;
        let spki_der = issuer.to_der().map_err(|e| e.to_string())?;
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki_der)
            .map_err(|e| wrong_key("issuer key", issuer, "an EC P-256 key", &e))?;
        let sig = p256::ecdsa::Signature::from_der(sig_der).map_err(|e| format!("bad ECDSA signature encoding: {e}"))?;
        return key.verify(signed, &sig).map_err(|_| "ECDSA P-256/SHA-256 signature does not verify".to_string());
    }
    if alg.oid == OID_ECDSA_SHA384 {
        use p384::ecdsa::signature::Verifier;
        let sig_der = signature.ok_or("signature BIT STRING has unused bits")?;
        let key = p384_key(issuer)?;
        let sig = p384::ecdsa::Signature::from_der(sig_der).map_err(|e| format!("bad ECDSA signature encoding: {e}"))?;
        return key.verify(signed, &sig).map_err(|_| "ECDSA P-384/SHA-384 signature does not verify".to_string());
    }
    verify_rsa_pss(issuer, alg, signed, signature)
}

/// What kind of key a SubjectPublicKeyInfo holds, for messages: "an RSA key", "an EC P-384 key",
/// "an EC key on curve 1.3.…", or "a key of algorithm OID …" (RFC 5280 §4.1.2.7; RFC 5480 §2.1.1).
pub fn key_kind(spki: &SubjectPublicKeyInfoOwned) -> String {
    const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
    const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
    const P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
    const P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
    let alg = &spki.algorithm;
    if alg.oid == RSA || alg.oid == OID_RSASSA_PSS {
        return "an RSA key".into();
    }
    if alg.oid == EC {
        return match alg.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok()) {
            Some(c) if c == P256 => "an EC P-256 key".into(),
            Some(c) if c == P384 => "an EC P-384 key".into(),
            Some(c) => format!("an EC key on curve {c}"),
            None => "an EC key without a named curve".into(),
        };
    }
    format!("a key of algorithm OID {}", alg.oid)
}

/// "issuer key is an EC P-384 key, not an RSA key" when the key is of another kind than `wanted`
/// (the decoder's own error would name the OID it expected, not the one found); else the decoder's error.
fn wrong_key(what: &str, spki: &SubjectPublicKeyInfoOwned, wanted: &str, e: &dyn std::fmt::Display) -> String {
    let kind = key_kind(spki);
    if kind == wanted {
        format!("{what} is {kind} that cannot be read: {e}")
    } else {
        format!("{what} is {kind}, not {wanted}")
    }
}

/// The P-384 ECDSA public key of a SubjectPublicKeyInfo; the error says what the key is instead.
pub fn p384_key(spki: &SubjectPublicKeyInfoOwned) -> Result<p384::ecdsa::VerifyingKey, String> {
    use p384::pkcs8::DecodePublicKey;
    let spki_der = spki.to_der().map_err(|e| e.to_string())?;
    p384::ecdsa::VerifyingKey::from_public_key_der(&spki_der).map_err(|e| wrong_key("key", spki, "an EC P-384 key", &e))
}

/// Verifies an RSASSA-PSS signature (RFC 8017 §8.1.2) with SHA-384, MGF1-SHA-384 and the salt
/// length the AlgorithmIdentifier declares — the only algorithm AMD's KDS PKI uses (ARK, ASK, ASVK,
/// VCEK, VLEK and CRLs). `signed` is the exact TBS bytes. Any other algorithm is rejected with a
/// sentence saying which.
pub fn verify_rsa_pss(
    issuer: &SubjectPublicKeyInfoOwned,
    alg: &AlgorithmIdentifierOwned,
    signed: &[u8],
    signature: Option<&[u8]>,
) -> Result<(), String> {
    use rsa::signature::hazmat::PrehashVerifier;
    if alg.oid != OID_RSASSA_PSS {
        return Err(format!("signature algorithm {} is not RSASSA-PSS", alg.oid));
    }
    let params_der = alg
        .parameters
        .as_ref()
        .ok_or("RSASSA-PSS parameters are missing")?
        .to_der()
        .map_err(|e| e.to_string())?;
    let params = RsaPssParams::from_der(&params_der).map_err(|e| format!("bad RSASSA-PSS parameters: {e}"))?;
    if params.hash.oid != OID_SHA384 {
        return Err(format!("RSASSA-PSS hash is {}, expected SHA-384", params.hash.oid));
    }
    if params.mask_gen.oid != OID_MGF1 || params.mask_gen.parameters.map(|p| p.oid) != Some(OID_SHA384) {
        return Err("RSASSA-PSS mask generation is not MGF1 with SHA-384".into());
    }
    let sig_bytes = signature.ok_or("signature BIT STRING has unused bits")?;
    let spki_der = issuer.to_der().map_err(|e| e.to_string())?;
    let key = rsa::RsaPublicKey::from_public_key_der(&spki_der)
        .map_err(|e| wrong_key("issuer key", issuer, "an RSA key", &e))?;
    let vk = rsa::pss::VerifyingKey::<Sha384>::new_with_salt_len(key, params.salt_len as usize);
    let sig = rsa::pss::Signature::try_from(sig_bytes).map_err(|e| e.to_string())?;
    let digest = Sha384::digest(signed);
    vk.verify_prehash(&digest, &sig).map_err(|_| "RSASSA-PSS signature does not verify".to_string())
}

/// Splits `bytes` into consecutive complete DER TLVs covering all of it, or `None` when it is not
/// exactly that (a truncated element, trailing bytes). Iterative: nesting depth plays no part.
fn der_elements(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    let mut reader = SliceReader::new(bytes).ok()?;
    let mut out = Vec::new();
    while !reader.is_finished() {
        out.push(reader.tlv_bytes().ok()?);
    }
    Some(out)
}

/// Splits a file into endorsements: PEM (any number of `CERTIFICATE` and `X509 CRL` blocks, other
/// labels rejected), a single DER certificate or CRL, or concatenated DER certificates and CRLs (as
/// Intel's QVL samples and some KDS caches store chains). `source` is the file name used in errors;
/// the elements of a DER concatenation are named `source#1`, `source#2`, ….
pub fn load_endorsements(bytes: &[u8], source: &str) -> Result<Vec<Endorsement>, InputError> {
    if let Some(text) = pem_text(bytes) {
        let mut out = Vec::new();
        for (i, block) in pem_blocks(text).into_iter().enumerate() {
            let (label, der) = block.map_err(|m| InputError::new(source, format!("PEM block {}", i + 1), m))?;
            let name = format!("{source}#{}", i + 1);
            match label.as_str() {
                "CERTIFICATE" => out.push(Endorsement::Cert(Cert::from_der(der, &name)?)),
                "X509 CRL" => out.push(Endorsement::Crl(Crl::from_der(der, &name)?)),
                other => {
                    return Err(InputError::new(
                        source,
                        format!("PEM block {}", i + 1),
                        format!("unsupported PEM label \"{other}\" (expected CERTIFICATE or X509 CRL)"),
                    ))
                }
            }
        }
        if out.is_empty() {
            return Err(InputError::new(source, "PEM", "no PEM blocks found"));
        }
        return Ok(out);
    }
    if let Ok(c) = Cert::from_der(bytes.to_vec(), source) {
        return Ok(vec![Endorsement::Cert(c)]);
    }
    if let Ok(c) = Crl::from_der(bytes.to_vec(), source) {
        return Ok(vec![Endorsement::Crl(c)]);
    }
    match der_elements(bytes) {
        Some(parts) if parts.len() > 1 => parts
            .iter()
            .enumerate()
            .map(|(i, der)| {
                let name = format!("{source}#{}", i + 1);
                Cert::from_der(der.to_vec(), &name)
                    .map(Endorsement::Cert)
                    .or_else(|_| Crl::from_der(der.to_vec(), &name).map(Endorsement::Crl))
                    .map_err(|_| InputError::new(source, format!("DER element {}", i + 1), "neither an X.509 certificate nor a CRL"))
            })
            .collect(),
        _ => Err(InputError::new(source, "endorsement", "neither PEM nor DER X.509 certificates or CRLs")),
    }
}

fn pem_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.contains("-----BEGIN ").then_some(text)
}

/// Every `-----BEGIN X-----` … `-----END X-----` block: (label, decoded DER) or an error sentence.
fn pem_blocks(text: &str) -> Vec<Result<(String, Vec<u8>), String>> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            blocks.push(Err("unterminated BEGIN line".into()));
            break;
        };
        let label = after[..label_end].to_string();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            blocks.push(Err(format!("missing \"{end_marker}\"")));
            break;
        };
        let b64: String = body_start[..end].chars().filter(|c| !c.is_whitespace()).collect();
        use base64::Engine;
        blocks.push(
            base64::engine::general_purpose::STANDARD
                .decode(b64.as_bytes())
                .map(|der| (label.clone(), der))
                .map_err(|e| format!("bad base64 in {label}: {e}")),
        );
        rest = &body_start[end + end_marker.len()..];
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_with_unknown_label_is_rejected_by_name() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        let err = load_endorsements(pem, "k.pem").unwrap_err();
        assert_eq!(err.file, "k.pem");
        assert!(err.message.contains("PRIVATE KEY"), "{err}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let err = load_endorsements(&[0x30, 0x82, 0xff, 0xff, 1, 2, 3], "x.der").unwrap_err();
        assert_eq!(err.field, "endorsement");
        let err = load_endorsements(b"-----BEGIN CERTIFICATE-----\n!!!\n", "y.pem").unwrap_err();
        assert!(err.message.contains("missing"), "{err}");
    }

    #[test]
    fn concatenated_der_certificates_are_split_and_a_cut_one_is_an_error() {
        let pem = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/snp/pki/cert_chain.pem")).unwrap();
        let ders: Vec<Vec<u8>> = load_endorsements(&pem, "chain.pem")
            .unwrap()
            .into_iter()
            .map(|e| match e {
                Endorsement::Cert(c) => c.der,
                Endorsement::Crl(_) => panic!("a CRL in cert_chain.pem"),
            })
            .collect();
        assert!(ders.len() >= 2);
        let joined = ders.concat();
        let got = load_endorsements(&joined, "chain.der").unwrap();
        assert_eq!(got.len(), ders.len());
        for (i, (e, der)) in got.iter().zip(&ders).enumerate() {
            let Endorsement::Cert(c) = e else { panic!("element {i} is not a certificate") };
            assert_eq!(&c.der, der);
            assert_eq!(c.source, format!("chain.der#{}", i + 1));
        }
        let err = load_endorsements(&joined[..joined.len() - 5], "cut.der").unwrap_err();
        assert_eq!(err.field, "endorsement", "{err}");
        let mut junk = ders[0].clone();
        junk.extend([0x04, 0x01, 0x00]); // an OCTET STRING after the certificate
        let err = load_endorsements(&junk, "junk.der").unwrap_err();
        assert_eq!(err.field, "DER element 2", "{err}");
    }

    #[test]
    fn trimmed_hex_drops_leading_zero_bytes() {
        assert_eq!(trimmed_hex(&[0x00, 0x02, 0x00, 0x01]), "020001");
        assert_eq!(trimmed_hex(&[0x00]), "0");
    }
}
