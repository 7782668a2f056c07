//! The AMD certificate chain: select the VCEK/VLEK, the ASK/ASVK and the ARK, pin the ARK, and check
//! every signature and validity window at the reference time (AMD #57230 §2; RFC 5280 §6.1.3).
//!
//! Supplied certificates take precedence over the embedded KDS copies: if the caller supplies an
//! intermediate, that is the one verified (a wrong one fails visibly, it is never silently replaced).

use super::product::Product;
use super::report::SigningKey;
use super::roots::{self, Intermediate};
use crate::appraisal::{Checklist, TrustAnchor};
use crate::x509::{check_validity, Cert};

/// Certificates available to build the chain, from the certificate table and endorsement files.
#[derive(Debug, Default, Clone)]
pub struct CertPool {
    pub certs: Vec<Cert>,
    /// Roots the caller passed explicitly as TEST anchors.
    pub test_anchors: Vec<Cert>,
}

/// The VEK expected for a signing key: subject CN `SEV-VCEK` / `SEV-VLEK`.
pub fn vek_common_name(key: SigningKey) -> Option<&'static str> {
    match key {
        SigningKey::Vcek => Some("SEV-VCEK"),
        SigningKey::Vlek => Some("SEV-VLEK"),
        _ => None,
    }
}

fn is_vek(c: &Cert) -> bool {
    matches!(c.subject_cn().as_deref(), Some("SEV-VCEK") | Some("SEV-VLEK"))
}

impl CertPool {
    /// All supplied VEKs with the given CN, in supply order.
    pub fn veks(&self, cn: &str) -> Vec<&Cert> {
        self.certs.iter().filter(|c| c.subject_cn().as_deref() == Some(cn)).collect()
    }
    /// Any supplied VEK of the other kind (to explain a VCEK/VLEK mix-up).
    pub fn any_vek(&self) -> Option<&Cert> {
        self.certs.iter().find(|c| is_vek(c))
    }
    fn intermediates(&self) -> Vec<&Cert> {
        self.certs.iter().filter(|c| !is_vek(c) && !c.is_self_issued()).collect()
    }
    fn supplied_roots(&self) -> Vec<&Cert> {
        self.certs.iter().filter(|c| c.is_self_issued()).collect()
    }
}

/// The verified chain's trust anchor and intermediate (for CRL checks), whatever the outcome.
pub struct ChainOutcome {
    pub anchor: TrustAnchor,
    pub ark: Option<Cert>,
    pub intermediate: Option<Cert>,
}

fn signature_check(list: &mut Checklist, id: &str, child: &Cert, child_role: &str, parent: &Cert, parent_role: &str) {
    let by = if std::ptr::eq(child, parent) { "itself".to_string() } else { format!("{parent_role} ({})", parent.source) };
    match child.verify_signed_by(parent) {
        Ok(()) => list.pass(id, format!("{child_role} ({}) is signed by {by}, RSASSA-PSS SHA-384", child.source)),
        Err(e) => list.fail(id, format!("{child_role} ({}) is not signed by {by}: {e}", child.source)),
    }
}

/// Chooses the ARK: a supplied TEST anchor if any (named as such), else the embedded pinned ARK for
/// `product`. A supplied self-signed root is compared with the pin and never trusted by itself.
fn select_ark(pool: &CertPool, product: Product, issuer_dn: Option<&str>, list: &mut Checklist) -> (Option<Cert>, TrustAnchor) {
    if !pool.test_anchors.is_empty() {
        let ark = issuer_dn
            .and_then(|dn| pool.test_anchors.iter().find(|a| a.subject() == dn))
            .unwrap_or(&pool.test_anchors[0])
            .clone();
        let pin = hex::encode(ark.spki_sha256());
        list.pass(
            "chain.ark.pin",
            format!("the root is the explicitly supplied TEST anchor {} ({}), SPKI SHA-256 {pin} — not an AMD root", ark.subject(), ark.source),
        );
        let name = format!("TEST anchor {}", ark.subject_cn().unwrap_or_default());
        return (Some(ark), TrustAnchor { kind: "test".into(), name, spki_sha256: pin });
    }
    let pin = roots::ark_pin(product);
    let anchor = TrustAnchor { kind: "pinned".into(), name: format!("AMD ARK-{}", product.name()), spki_sha256: pin.to_string() };
    let supplied = pool.supplied_roots();
    let mismatched: Vec<String> = supplied
        .iter()
        .filter(|c| hex::encode(c.spki_sha256()) != pin)
        .map(|c| format!("{} ({}, SPKI SHA-256 {})", c.subject_cn().unwrap_or_default(), c.source, hex::encode(c.spki_sha256())))
        .collect();
    let ark = supplied.into_iter().find(|c| hex::encode(c.spki_sha256()) == pin).cloned().unwrap_or_else(|| roots::embedded_ark(product));
    if mismatched.is_empty() {
        list.pass("chain.ark.pin", format!("ARK ({}) has SPKI SHA-256 {pin}, the pinned AMD ARK-{}", ark.source, product.name()));
    } else {
        // A root that arrives with the evidence is never trusted by itself (go-sev-guest #185).
        list.fail(
            "chain.ark.pin",
            format!("supplied root {} does not match the pinned AMD ARK-{} (SPKI SHA-256 {pin}); it is not trusted", mismatched.join(", "), product.name()),
        );
    }
    (Some(ark), anchor)
}

/// Verifies ARK → ASK/ASVK → `vek` at `t`, pushing one check per step. `vek_kind` says which
/// intermediate the chain needs.
pub fn verify(pool: &CertPool, vek: &Cert, vek_kind: SigningKey, product: Product, t: i64, list: &mut Checklist) -> ChainOutcome {
    let need = if vek_kind == SigningKey::Vlek { Intermediate::Asvk } else { Intermediate::Ask };
    let vek_role = vek_common_name(vek_kind).map(|s| s.trim_start_matches("SEV-")).unwrap_or("VEK");
    let expected_cn = need.common_name(product);
    let supplied = pool.intermediates();
    let intermediate = if supplied.is_empty() {
        roots::embedded_intermediate(product, need)
    } else {
        supplied.iter().find(|c| c.subject() == vek.issuer()).copied().unwrap_or(supplied[0]).clone()
    };
    let int_cn = intermediate.subject_cn().unwrap_or_default();
    list.expect(
        "chain.intermediate.role",
        int_cn == expected_cn,
        format!("{} ({}) is the {} a {product:?} {vek_role} chain needs", int_cn, intermediate.source, need.name()),
        format!(
            "a {vek_role}-signed {} report needs the {} \"{expected_cn}\", but the intermediate is \"{int_cn}\" ({})",
            product.name(),
            need.name(),
            intermediate.source
        ),
    );
    let (ark, anchor) = select_ark(pool, product, Some(&intermediate.issuer()), list);
    if let Some(ark) = &ark {
        signature_check(list, "chain.ark.signature", ark, "ARK", ark, "ARK");
        check_validity(list, "chain.ark.validity", "ARK", ark, t);
        signature_check(list, "chain.intermediate.signature", &intermediate, need.name(), ark, "ARK");
    }
    check_validity(list, "chain.intermediate.validity", need.name(), &intermediate, t);
    signature_check(list, "chain.vek.signature", vek, vek_role, &intermediate, need.name());
    check_validity(list, "chain.vek.validity", vek_role, vek, t);
    ChainOutcome { anchor, ark, intermediate: Some(intermediate) }
}
