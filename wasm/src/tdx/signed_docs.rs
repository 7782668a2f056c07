//! TCB Info and QE Identity (Intel QVL steps 4–5, `../shared/reference/tdx.md`): the TCB Signing
//! certificate chains to the pinned root; each document's ECDSA P-256/SHA-256 signature is checked
//! over its exact signed text; its id and version fit the quote; and the collateral's time window
//! (latest issueDate/thisUpdate … earliest nextUpdate over TCB Info, QE Identity and both CRLs)
//! contains the reference time — reported as one check with the earliest expiry, like Intel QvE's
//! `collateral_expiration_status`, rather than as a crash.

use super::collateral::{Collateral, SignedJson};
use super::signatures::verify_raw_p256;
use crate::appraisal::{rfc3339, Checklist};
use crate::error::InputError;
use crate::x509::{check_validity, Cert, Crl};

/// CN of the certificate that signs TCB Info and QE Identity.
pub const TCB_SIGNING_CN: &str = "Intel SGX TCB Signing";

/// Whether `c` is named as a TCB Signing certificate: Intel's CN, or a TEST PKI's "… TCB Signing …"
/// (only a certificate signed by the trusted root is ever used, so the name only selects candidates).
fn is_tcb_signing(c: &Cert) -> bool {
    c.subject_cn().is_some_and(|cn| cn == TCB_SIGNING_CN || cn.contains("TCB Signing"))
}

/// Picks the TCB Signing certificate (preferring one signed by `root` and valid at `t`: Intel
/// re-issued it in 2025 with the same key) and reports `tcb_signing.signature` and
/// `tcb_signing.validity`. `root_name` names the root in sentences ("the pinned Intel SGX Root CA",
/// or the TEST anchor).
pub fn tcb_signer<'a>(col: &'a Collateral, root: Option<&Cert>, root_name: &str, t: i64, list: &mut Checklist) -> Option<&'a Cert> {
    let Some(root) = root else {
        list.fail("tcb_signing.signature", "no pinned Intel SGX Root CA to check the TCB Signing certificate against");
        return None;
    };
    // Each candidate is verified once; prefer one that is signed by the root and valid at `t`.
    let candidates: Vec<(&Cert, Result<(), String>)> = col.certs.iter().filter(|c| is_tcb_signing(c)).map(|c| (c, c.verify_signed_by(root))).collect();
    let valid = |c: &Cert| {
        let (nb, na) = c.validity();
        nb <= t && t <= na
    };
    let chosen = candidates
        .iter()
        .find(|(c, r)| r.is_ok() && valid(c))
        .or_else(|| candidates.iter().find(|(_, r)| r.is_ok()))
        .or_else(|| candidates.first());
    let Some((signer, verified)) = chosen else {
        list.fail("tcb_signing.signature", "no Intel SGX TCB Signing certificate supplied (it comes with the TCB Info issuer chain): TCB Info and QE Identity cannot be checked");
        return None;
    };
    match verified {
        Ok(()) => list.pass("tcb_signing.signature", format!("{} ({}) is signed by {root_name}", signer_cn(signer), signer.source)),
        Err(e) => list.fail("tcb_signing.signature", format!("{} ({}) is not signed by {root_name}: {e}", signer_cn(signer), signer.source)),
    }
    check_validity(list, "tcb_signing.validity", &signer_cn(signer), signer, t);
    Some(signer)
}

fn signer_cn(c: &Cert) -> String {
    c.subject_cn().unwrap_or_else(|| TCB_SIGNING_CN.to_string())
}

/// Reports `{id}.signature` for a signed JSON document.
fn check_signature(doc: &SignedJson, signer: Option<&Cert>, id: &str, what: &str, list: &mut Checklist) {
    let check = format!("{id}.signature");
    match signer {
        None => list.fail(&check, format!("{what} ({}) not checked: no TCB Signing certificate", doc.source)),
        Some(s) => match verify_raw_p256(s, doc.text.as_bytes(), &doc.signature) {
            Ok(()) => list.pass(&check, format!("{what} ({}, {} bytes of signed JSON) is signed by the {} key", doc.source, doc.text.len(), signer_cn(s))),
            Err(e) => list.fail(&check, format!("{what} ({}) signature over its exact JSON text {e}: it was altered or signed by someone else", doc.source)),
        },
    }
}

/// Checks a signed document's signature and decodes it. A missing document fails `{id}.signature`
/// saying `consequence`; one that does not decode fails `{id}.parse` (not an input error: the
/// signature line already says whether Intel signed it).
pub fn load<T>(
    doc: Option<&SignedJson>,
    signer: Option<&Cert>,
    id: &str,
    what: &str,
    consequence: &str,
    parse: fn(&str, &str) -> Result<T, InputError>,
    list: &mut Checklist,
) -> Option<T> {
    let Some(doc) = doc else {
        list.fail(&format!("{id}.signature"), format!("no {what} supplied (--collateral): {consequence}"));
        return None;
    };
    check_signature(doc, signer, id, what, list);
    match parse(&doc.text, &doc.source) {
        Ok(v) => Some(v),
        Err(e) => {
            list.fail(&format!("{id}.parse"), format!("{}: {}: {}", e.file, e.field, e.message));
            None
        }
    }
}

/// One dated item of the collateral: (name, start, end).
pub type Dated = (String, i64, Option<i64>);

/// Dated items of a CRL: thisUpdate … nextUpdate.
pub fn crl_dates(name: &str, crl: &Crl) -> Dated {
    let (this, next) = crl.updates();
    (format!("{name} ({})", crl.source), this, next)
}

/// Check `collateral.window`. Past the earliest nextUpdate fails, or warns with
/// `allow_expired`; before the latest issueDate/thisUpdate always fails. Returns the earliest
/// expiry (Unix seconds) for the claims.
pub fn check_window(items: &[Dated], t: i64, allow_expired: bool, list: &mut Checklist) -> Option<i64> {
    if items.is_empty() {
        list.skip("collateral.window", "no dated collateral was supplied");
        return None;
    }
    let earliest = items.iter().filter_map(|(n, _, e)| e.map(|e| (n, e))).min_by_key(|(_, e)| *e);
    let latest_start = items.iter().max_by_key(|(_, s, _)| *s);
    let listing: Vec<String> = items
        .iter()
        .map(|(n, s, e)| format!("{n} {} .. {}", rfc3339(*s), e.map(rfc3339).unwrap_or_else(|| "(no nextUpdate)".into())))
        .collect();
    let at = rfc3339(t);
    match (latest_start, earliest) {
        (Some((n, s, _)), _) if t < *s => {
            list.fail("collateral.window", format!("collateral is not yet valid at {at}: {n} starts {}; {}", rfc3339(*s), listing.join("; ")))
        }
        (_, Some((n, e))) if t > e => {
            let text = format!("collateral EXPIRED at {at}: earliest expiry is {n} at {}; {}", rfc3339(e), listing.join("; "));
            if allow_expired {
                list.warn("collateral.window", format!("{text} (accepted by allow_expired_collateral)"));
            } else {
                list.fail("collateral.window", text);
            }
        }
        (_, e) => list.pass(
            "collateral.window",
            format!("collateral is valid at {at}; earliest expiry {}; {}", e.map(|(n, e)| format!("{n} at {}", rfc3339(e))).unwrap_or_else(|| "none".into()), listing.join("; ")),
        ),
    }
    earliest.map(|(_, e)| e)
}

/// Check `policy.max_collateral_age`: `t` minus the oldest of `issued` is at most `max` seconds.
pub fn check_age(issued: &[(String, i64)], t: i64, max: Option<i64>, list: &mut Checklist) {
    let Some(max) = max else {
        list.skip("policy.max_collateral_age", "policy sets no maximum collateral age");
        return;
    };
    let Some((name, oldest)) = issued.iter().min_by_key(|(_, s)| *s) else {
        list.fail("policy.max_collateral_age", "no TCB Info or QE Identity to date");
        return;
    };
    let age = t - oldest;
    list.expect(
        "policy.max_collateral_age",
        age <= max,
        format!("the oldest collateral ({name}, issued {}) is {age} s old at {}, within {max} s", rfc3339(*oldest), rfc3339(t)),
        format!("{name} was issued {} and is {age} s old at {}, more than the policy's {max} s", rfc3339(*oldest), rfc3339(t)),
    );
}
