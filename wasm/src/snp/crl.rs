//! ARK-signed CRL checks (AMD KDS `/vcek/v1/{P}/crl`, `/vlek/v1/{P}/crl`; RFC 5280 §6.3). AMD's CRLs
//! list revoked ASKs/ASVKs; VCEKs are never listed. Without a CRL, revocation is reported as not
//! checked (a warning), never as a pass.

use crate::appraisal::{rfc3339, Checklist};
use crate::x509::{Cert, Crl};

/// Checks the CRLs issued by `ark` against `intermediate` at `t`. CRLs from other issuers are
/// reported as ignored. `strict` turns a stale CRL into a failure.
pub fn check(crls: &[Crl], ark: &Cert, intermediate: &Cert, t: i64, strict: bool, list: &mut Checklist) {
    let (mine, others): (Vec<&Crl>, Vec<&Crl>) = crls.iter().partition(|c| c.issuer() == ark.subject());
    for o in &others {
        list.warn("crl.issuer", format!("CRL {} is issued by {}, not by this chain's ARK ({}); ignored", o.source, o.issuer(), ark.subject()));
    }
    let Some(crl) = mine.first() else {
        list.warn(
            "crl.revocation",
            format!("no CRL from {} was supplied: revocation of the {} (serial 0x{}) was not checked", ark.subject(), intermediate.subject_cn().unwrap_or_default(), intermediate.serial_hex()),
        );
        return;
    };
    let signed = match crl.verify_signed_by(ark) {
        Ok(()) => {
            list.pass("crl.signature", format!("CRL {} is signed by the ARK", crl.source));
            true
        }
        Err(e) => {
            list.fail("crl.signature", format!("CRL {} is not signed by the ARK: {e}", crl.source));
            false
        }
    };
    let (this_update, next_update) = crl.updates();
    let window = format!("thisUpdate {}, nextUpdate {}", rfc3339(this_update), next_update.map(rfc3339).unwrap_or_else(|| "absent".into()));
    let stale = |list: &mut Checklist, why: String| if strict { list.fail("crl.freshness", why) } else { list.warn("crl.freshness", why) };
    if t < this_update {
        stale(list, format!("CRL {} was issued after the reference time {} ({window})", crl.source, rfc3339(t)));
    } else {
        match next_update {
            None => stale(list, format!("CRL {} has no nextUpdate, so its freshness is unknown ({window})", crl.source)),
            Some(n) if t > n => stale(list, format!("CRL {} is stale at {}: {window}", crl.source, rfc3339(t))),
            Some(_) => list.pass("crl.freshness", format!("CRL {} is current at {}: {window}", crl.source, rfc3339(t))),
        }
    }
    let serial = intermediate.serial_hex();
    let revoked = crl.revoked_serials();
    let who = intermediate.subject_cn().unwrap_or_default();
    if !signed {
        list.fail("crl.revocation", format!("the CRL's signature is invalid, so {who} revocation status is unknown"));
    } else if revoked.contains(&serial) {
        list.fail("crl.revocation", format!("{who} serial 0x{serial} is REVOKED by CRL {}", crl.source));
    } else {
        // AMD publishes one ARK-signed CRL per chain (/vcek/…/crl, /vlek/…/crl) and they cannot be
        // told apart by issuer, so say which one this must be.
        let endpoint = if who.starts_with("SEV-VLEK") { "vlek" } else { "vcek" };
        list.pass(
            "crl.revocation",
            format!("{who} serial 0x{serial} is not among the {} serials revoked by CRL {} (this must be the KDS /{endpoint}/ CRL)", revoked.len(), crl.source),
        );
    }
}
