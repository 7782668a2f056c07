//! The signatures inside a DCAP quote (Intel QVL steps 2, 7, 8, 10; `../shared/reference/tdx.md`):
//! PCK chain to the pinned Intel SGX Root CA, QE report signed by the PCK leaf, QE report_data binding
//! the attestation key, and the quote signed by the attestation key. Each is its own check.

use p256::ecdsa::signature::Verifier;
use sha2::{Digest, Sha256};

use super::quote::{enclave, Quote};
use crate::appraisal::Checklist;
use crate::x509::{check_validity, load_endorsements, Cert, Endorsement};

/// SPKI SHA-256 of the Intel SGX Root CA (CN=Intel SGX Root CA, P-256; Intel PCS trusted root,
/// DER SHA-256 44a0196b…74d3).
pub const INTEL_SGX_ROOT_SPKI_SHA256: &str = "a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e";

fn p256_key(xy: &[u8; 64]) -> Result<p256::ecdsa::VerifyingKey, String> {
    let mut sec1 = vec![0x04];
    sec1.extend_from_slice(xy);
    p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| "not a point on P-256".to_string())
}

fn raw_sig(rs: &[u8; 64]) -> Result<p256::ecdsa::Signature, String> {
    p256::ecdsa::Signature::from_slice(rs).map_err(|_| "r or s is zero or not below the P-256 order".to_string())
}

/// The PCK chain carried as certification data type 5, in order leaf, intermediate, root: PEM
/// (possibly NUL-terminated, as the DCAP quote library writes it) or concatenated DER certificates
/// (as in Intel's QVL sample quotes).
pub fn pck_chain(q: &Quote, file: &str) -> Result<Vec<Cert>, crate::error::InputError> {
    let data: &[u8] = if q.cert_data.starts_with(b"-----BEGIN") {
        let end = q.cert_data.iter().position(|b| *b == 0).unwrap_or(q.cert_data.len());
        &q.cert_data[..end]
    } else {
        &q.cert_data
    };
    let mut certs: Vec<Cert> = load_endorsements(data, &format!("{file} (PCK chain)"))?
        .into_iter()
        .filter_map(|e| match e {
            Endorsement::Cert(c) => Some(c),
            Endorsement::Crl(_) => None,
        })
        .collect();
    // Intel's QVL samples store the chain root first; the checks below take it leaf first.
    if certs.len() > 1 && certs[0].is_self_issued() && !certs[certs.len() - 1].is_self_issued() {
        certs.reverse();
    }
    Ok(certs)
}

/// The root a PCK chain is anchored in, if any: the chain's own root when it is the pinned Intel SGX
/// Root CA (`test` false: a TEST anchor never relabels a quote that chains to Intel's root), else
/// the explicitly supplied TEST anchor with the same public key as the chain's root (`test` true).
pub fn trusted_root<'a>(chain_root: &'a Cert, test_anchors: &'a [Cert]) -> Option<(&'a Cert, bool)> {
    let spki = chain_root.spki_sha256();
    if hex::encode(spki) == INTEL_SGX_ROOT_SPKI_SHA256 {
        return Some((chain_root, false));
    }
    test_anchors.iter().find(|a| a.spki_sha256() == spki && a.is_self_issued()).map(|a| (a, true))
}

/// Checks leaf ← intermediate ← root, the root pin (or an explicitly supplied TEST anchor, see
/// [`trusted_root`]) and validity at `t`. Returns the leaf if the chain has the expected three
/// certificates.
pub fn verify_pck_chain<'a>(chain: &'a [Cert], test_anchors: &[Cert], t: i64, list: &mut Checklist) -> Option<&'a Cert> {
    let [leaf, inter, root] = chain else {
        list.fail("chain.pck.shape", format!("the PCK chain has {} certificates, expected 3 (PCK, PCK Platform/Processor CA, Root CA)", chain.len()));
        return None;
    };
    let pin = hex::encode(root.spki_sha256());
    match trusted_root(root, test_anchors) {
        Some((_, false)) => list.pass(
            "chain.root.pin",
            format!(
                "the chain root has SPKI SHA-256 {pin}, the pinned Intel SGX Root CA{}",
                if test_anchors.is_empty() { "" } else { " (the supplied TEST anchor is not used: this quote chains to Intel's root)" }
            ),
        ),
        Some((a, true)) => list.pass(
            "chain.root.pin",
            format!("the chain root is the explicitly supplied TEST anchor {} ({}), SPKI SHA-256 {pin} — not an Intel root", a.subject(), a.source),
        ),
        None => list.fail(
            "chain.root.pin",
            format!(
                "the chain root {} (SPKI SHA-256 {pin}) is not the pinned Intel SGX Root CA{}; it is not trusted",
                root.subject(),
                if test_anchors.is_empty() { String::new() } else { format!(" nor a supplied TEST anchor ({})", test_anchors.iter().map(|a| a.source.as_str()).collect::<Vec<_>>().join(", ")) }
            ),
        ),
    }
    for (id, child, parent) in [("chain.root.signature", root, root), ("chain.intermediate.signature", inter, root), ("chain.pck.signature", leaf, inter)] {
        let who = child.subject_cn().unwrap_or_default();
        match child.verify_signed_by(parent) {
            Ok(()) => list.pass(id, format!("{who} is signed by {}", parent.subject_cn().unwrap_or_default())),
            Err(e) => list.fail(id, format!("{who} is not signed by {}: {e}", parent.subject_cn().unwrap_or_default())),
        }
    }
    for (id, c) in [("chain.root.validity", root), ("chain.intermediate.validity", inter), ("chain.pck.validity", leaf)] {
        check_validity(list, id, &c.subject_cn().unwrap_or_default(), c, t);
    }
    Some(leaf)
}

/// Verifies an ECDSA P-256/SHA-256 signature r ‖ s (64 bytes, Intel's raw form) over `msg` with the
/// public key of `signer`. The error says whether the key or the signature was wrong.
///
/// The outcome is remembered in the [`crate::cache`] under the signer's exact SPKI DER, the signer
/// name the error sentence quotes, `msg` and `rs` (TCB Info, QE Identity and QE report signatures
/// repeat for every quote of a platform).
pub fn verify_raw_p256(signer: &Cert, msg: &[u8], rs: &[u8; 64]) -> Result<(), String> {
    use p256::pkcs8::DecodePublicKey;
    let spki = der::Encode::to_der(signer.spki()).map_err(|e| e.to_string())?;
    let cn = signer.subject_cn().unwrap_or_default();
    crate::cache::memo("p256-raw-signature", &[&spki, cn.as_bytes(), msg, rs], || {
        let key = p256::ecdsa::VerifyingKey::from_public_key_der(&spki).map_err(|e| format!("the key of {cn} is not P-256: {e}"))?;
        key.verify(msg, &raw_sig(rs)?).map_err(|_| "does not verify".to_string())
    })
}

/// QE report signed by the PCK leaf key (ECDSA P-256/SHA-256 over the 384-byte QE report).
pub fn verify_qe_report(q: &Quote, pck: &Cert, list: &mut Checklist) {
    match verify_raw_p256(pck, &q.qe_report, &q.qe_report_signature) {
        Ok(()) => list.pass("qe.report_signature", "the QE report is signed by the PCK key"),
        Err(e) => list.fail("qe.report_signature", format!("the QE report signature by the PCK key: {e}")),
    }
}

/// QE report_data must be SHA-256(attestation_key ‖ qe_auth_data) ‖ 32 zero bytes.
pub fn verify_qe_binding(q: &Quote, list: &mut Checklist) {
    let mut h = Sha256::new();
    h.update(q.attestation_key);
    h.update(&q.qe_auth_data);
    let mut expected = h.finalize().to_vec();
    expected.extend([0u8; 32]);
    let (off, len) = enclave::REPORT_DATA;
    let actual = &q.qe_report[off..off + len];
    list.expect(
        "qe.attestation_key_binding",
        actual == expected.as_slice(),
        "QE report_data = SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes: the QE vouches for the attestation key",
        format!("QE report_data {} is not SHA-256(attestation key ‖ QE auth data) ‖ 0…0 ({})", hex::encode(actual), hex::encode(&expected)),
    );
}

/// The quote signature by the attestation key over header ‖ body (never the trailing bytes).
pub fn verify_quote_signature(q: &Quote, list: &mut Checklist) {
    let result = p256_key(&q.attestation_key).and_then(|k| k.verify(&q.signed, &raw_sig(&q.signature)?).map_err(|_| "does not verify".to_string()));
    match result {
        Ok(()) => list.pass("quote.signature", format!("ECDSA P-256/SHA-256 over header ‖ body (bytes 0..{}) verifies with the attestation key", q.signed.len())),
        Err(e) => list.fail("quote.signature", format!("quote signature over bytes 0..{} by the attestation key: {e}", q.signed.len())),
    }
}
