//! Revocation for the Intel SGX PKI (Intel QVL step 3, `../shared/reference/tdx.md`): the Root CA
//! CRL (signed by the pinned root) must not list the PCK Platform/Processor CA or the TCB Signing
//! certificate; the PCK CRL must be issued by the PCK leaf's own issuer (Platform vs Processor CA),
//! be signed by it, and not list the leaf. CRL time windows are judged with the rest of the
//! collateral in `collateral.window`. Missing CRLs are a warning, or a failure under `strict_crl`.

use super::collateral::Collateral;
use crate::appraisal::Checklist;
use crate::x509::{Cert, Crl};

fn missing(list: &mut Checklist, id: &str, strict: bool, what: &str) {
    let text = format!("no {what} supplied (--collateral): revocation is unknown");
    if strict {
        list.fail(id, format!("{text}; the policy requires CRLs (strict_crl)"));
    } else {
        list.warn(id, text);
    }
}

fn signed(list: &mut Checklist, id: &str, crl: &Crl, issuer: &Cert) {
    let who = issuer.subject_cn().unwrap_or_default();
    match crl.verify_signed_by(issuer) {
        Ok(()) => list.pass(id, format!("{} is signed by {who}", crl.source)),
        Err(e) => list.fail(id, format!("{} is not signed by {who}: {e}", crl.source)),
    }
}

fn not_listed(list: &mut Checklist, id: &str, crl: &Crl, certs: &[&Cert]) {
    let revoked = crl.revoked_serials();
    let hits: Vec<String> = certs
        .iter()
        .filter(|c| revoked.contains(&c.serial_hex()))
        .map(|c| format!("{} (serial 0x{})", c.subject_cn().unwrap_or_default(), c.serial_hex()))
        .collect();
    let names: Vec<String> = certs.iter().map(|c| c.subject_cn().unwrap_or_default()).collect();
    list.expect(
        id,
        hits.is_empty(),
        format!("{} ({} entries) does not list {}", crl.source, revoked.len(), names.join(" or ")),
        format!("REVOKED: {} lists {}", crl.source, hits.join(", ")),
    );
}

/// The Root CA CRL for `root`: Intel's (classified by its issuer when read) for the pinned root; for
/// a TEST anchor (`test`), the CRL whose issuer DN is the anchor's subject DN.
pub fn root_crl<'a>(col: &'a Collateral, root: &Cert, test: bool) -> Option<&'a Crl> {
    if !test {
        return col.root_ca_crl.as_ref();
    }
    col.root_ca_crl.iter().chain(&col.pck_crls).find(|c| c.issuer() == root.subject())
}

/// The PCK CRL chosen for `pck`: the one whose issuer DN equals the leaf's issuer DN.
pub fn pck_crl<'a>(col: &'a Collateral, pck: &Cert) -> Option<&'a Crl> {
    col.pck_crls.iter().find(|c| c.issuer() == pck.issuer())
}

/// Runs every CRL check. `root` is the trusted root (pinned, or a TEST anchor when `test`), `pck_ca`
/// the leaf's issuer, `tcb_signer` the TCB Signing certificate if one was found.
pub fn check(col: &Collateral, root: &Cert, test: bool, pck_ca: &Cert, pck: &Cert, tcb_signer: Option<&Cert>, strict: bool, list: &mut Checklist) {
    match root_crl(col, root, test) {
        None => missing(list, "crl.root", strict, "Intel SGX Root CA CRL"),
        Some(crl) => {
            signed(list, "crl.root.signature", crl, root);
            let certs: Vec<&Cert> = std::iter::once(pck_ca).chain(tcb_signer).collect();
            not_listed(list, "crl.root.revocation", crl, &certs);
        }
    }
    match (pck_crl(col, pck), col.pck_crls.iter().find(|c| c.issuer() != root.subject())) {
        (Some(crl), _) => {
            list.pass("crl.pck.issuer", format!("{} is issued by {}, the PCK certificate's issuer", crl.source, crl.issuer_cn().unwrap_or_default()));
            signed(list, "crl.pck.signature", crl, pck_ca);
            not_listed(list, "crl.pck.revocation", crl, &[pck]);
        }
        (None, Some(other)) => list.fail(
            "crl.pck.issuer",
            format!(
                "the PCK CRL {} is issued by {}, but the PCK certificate is issued by {}: supply that CA's CRL",
                other.source,
                other.issuer_cn().unwrap_or_default(),
                pck.issuer_cn().unwrap_or_default()
            ),
        ),
        (None, None) => missing(list, "crl.pck", strict, "PCK CRL"),
    }
}
