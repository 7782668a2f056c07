//! Real Intel DCAP quotes from ../shared/vectors/tdx (read at test time, never copied): parsing
//! against the independently computed fields in manifest.json, every signature, and the tamper
//! recipes of PROVENANCE.md. Skips with a visible message when ../shared is absent.

use custodian_core::appraisal::{Checklist, Status};
use custodian_core::tdx::quote::{td, BodyKind, Quote};
use custodian_core::tdx::signatures::{pck_chain, verify_pck_chain, verify_qe_binding, verify_qe_report, verify_quote_signature};

mod common;
use common::{cases, tdx_vectors as vectors};

/// Runs every signature check; returns (id, status) pairs.
fn check_all(q: &Quote, t: i64) -> Vec<(String, Status)> {
    let mut list = Checklist::default();
    let chain = pck_chain(q, "quote").unwrap();
    if let Some(leaf) = verify_pck_chain(&chain, &[], t, &mut list) {
        verify_qe_report(q, leaf, &mut list);
    }
    verify_qe_binding(q, &mut list);
    verify_quote_signature(q, &mut list);
    list.into_checks().into_iter().map(|c| (c.id, c.status)).collect()
}

fn status_of(checks: &[(String, Status)], id: &str) -> Status {
    checks.iter().find(|(i, _)| i == id).unwrap_or_else(|| panic!("no check {id}")).1
}

#[test]
fn every_quote_parses_to_the_manifest_fields_and_all_signatures_verify() {
    let Some(dir) = vectors() else { return };
    for case in cases(&dir) {
        let id = case["id"].as_str().unwrap();
        let f = &case["quote_fields"];
        let bytes = std::fs::read(dir.join(case["quote"].as_str().unwrap())).unwrap();
        let q = Quote::parse(&bytes, id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(q.version as u64, f["version"].as_u64().unwrap(), "{id}");
        assert_eq!(q.signed.len() as u64, f["signed_len"].as_u64().unwrap(), "{id}");
        assert_eq!(q.trailing_bytes as u64, f["trailing_bytes"].as_u64().unwrap(), "{id}");
        assert_eq!(q.qe_auth_data.len() as u64, f["qe_auth_data_len"].as_u64().unwrap(), "{id}");
        assert_eq!(hex::encode(q.attestation_key), f["attestation_key"].as_str().unwrap(), "{id}");
        assert_eq!(q.cert_data_type as u64, f["inner_cert_type"].as_u64().unwrap(), "{id}");
        let body_type = match q.body_kind {
            BodyKind::Sgx => 1,
            BodyKind::Td10 => 2,
            BodyKind::Td15 => 3,
        };
        assert_eq!(body_type, f["body_type"].as_u64().unwrap(), "{id}");
        if let Some(mr_td) = f["body.mr_td"].as_str() {
            let (o, l) = td::MR_TD;
            assert_eq!(hex::encode(q.td_field(o, l).unwrap()), mr_td, "{id}");
            let (o, l) = td::REPORT_DATA;
            assert_eq!(hex::encode(q.td_field(o, l).unwrap()), f["body.report_data"].as_str().unwrap(), "{id}");
        }
        let t = case["verify_at_unix"].as_i64().unwrap();
        let checks = check_all(&q, t);
        let failed: Vec<_> = checks.iter().filter(|(_, s)| *s != Status::Pass).collect();
        assert!(failed.is_empty(), "{id}: {failed:?}");
        assert_eq!(checks.len(), 10, "{id}: {checks:?}");
    }
}

#[test]
fn tamper_recipes_fail_the_right_check() {
    let Some(dir) = vectors() else { return };
    let case = &cases(&dir)[0];
    let bytes = std::fs::read(dir.join(case["quote"].as_str().unwrap())).unwrap();
    let t = case["verify_at_unix"].as_i64().unwrap();
    let q = Quote::parse(&bytes, "q").unwrap();

    for off in [0x30, 136 + 48, q.signed.len() - 1] {
        let mut b = bytes.clone();
        b[off] ^= 1;
        let checks = check_all(&Quote::parse(&b, "q").unwrap(), t);
        assert_eq!(status_of(&checks, "quote.signature"), Status::Fail, "flip at {off}");
        assert_eq!(status_of(&checks, "qe.report_signature"), Status::Pass);
    }
    // Flip a QE report byte (first byte of the QE certification data after the 4-byte length,
    // 128 bytes of signature and key, and the 6-byte type/size header).
    let qe_report_at = q.signed.len() + 4 + 128 + 6;
    let mut b = bytes.clone();
    b[qe_report_at + 10] ^= 1;
    assert_eq!(status_of(&check_all(&Quote::parse(&b, "q").unwrap(), t), "qe.report_signature"), Status::Fail);
    // Change one byte of the attestation key: the QE binding and the quote signature both fail.
    let mut b = bytes.clone();
    b[q.signed.len() + 4 + 64] ^= 1;
    let checks = check_all(&Quote::parse(&b, "q").unwrap(), t);
    assert_eq!(status_of(&checks, "qe.attestation_key_binding"), Status::Fail);
    assert_eq!(status_of(&checks, "quote.signature"), Status::Fail);
    // The trailing bytes are never signed: changing them keeps every check.
    let mut b = bytes.clone();
    if let Some(last) = b.last_mut() {
        *last ^= 0xFF;
    }
    assert!(check_all(&Quote::parse(&b, "q").unwrap(), t).iter().all(|(_, s)| *s == Status::Pass));
    // Truncation below header + body + 4 is a parse error naming the field.
    let e = Quote::parse(&bytes[..q.signed.len() + 3], "q").unwrap_err();
    assert_eq!(e.field, "signature data length");
    // After the certificates expire the chain fails on validity.
    let checks = check_all(&q, 4_102_444_800); // 2100-01-01
    assert_eq!(status_of(&checks, "chain.pck.validity"), Status::Fail);
}
