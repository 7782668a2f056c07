//! Full TDX/SGX appraisals of the real vectors in ../shared/vectors/tdx (read at test time, never
//! copied) through the same JSON request the wasm ABI takes: the TCB status and advisory set that
//! PROVENANCE.md states for each case, collateral expiry one second past each window, the debug
//! policy, and the tamper recipes. Skips with a visible message when ../shared is absent.

use base64::Engine;
use custodian_core::appraisal::{Appraisal, Status, Verdict};
use custodian_core::request::{run, Request};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::{cases, tdx_vectors as vectors};

fn blob(name: &str, bytes: &[u8]) -> Value {
    json!({"name": name, "base64": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

/// Everything the manifest lists for a case, plus the HCL report for the Azure quote.
fn inputs(dir: &Path, case: &Value) -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
    let quote = std::fs::read(dir.join(case["quote"].as_str().unwrap())).unwrap();
    let col = case["collateral"].as_str().unwrap();
    let mut files = vec![(col.to_string(), std::fs::read(dir.join(col)).unwrap())];
    if case["id"].as_str().unwrap().starts_with("tdx-08") {
        let hcl = "quotes/azure_hcl_report_for_tdx_v4_00806f05.bin";
        files.push((hcl.into(), std::fs::read(dir.join(hcl)).unwrap()));
    }
    (quote, files)
}

fn appraise(quote: &[u8], files: &[(String, Vec<u8>)], policy: Value, t: i64) -> Appraisal {
    let req = json!({
        "evidence": blob("quote.bin", quote),
        "endorsements": files.iter().map(|(n, b)| blob(n, b)).collect::<Vec<_>>(),
        "policy": policy,
        "reference_time": t,
    });
    let req: Request = serde_json::from_value(req).unwrap();
    run(&req).unwrap_or_else(|e| panic!("input error: {e}"))
}

/// A policy that accepts every TCB status and attribute, so only verification is judged.
fn permissive() -> Value {
    json!({"tdx": {
        "accepted_tcb_statuses": ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "TDRelaunchAdvised", "TDRelaunchAdvisedConfigurationNeeded"],
        "allow_debug": true, "allow_service_td": true, "require_sept_ve_disable": false}})
}

fn status(a: &Appraisal, id: &str) -> Status {
    a.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}: {:#?}", a.checks)).status
}

fn failing(a: &Appraisal) -> Vec<String> {
    a.checks.iter().filter(|c| c.status == Status::Fail).map(|c| format!("{}: {}", c.id, c.detail)).collect()
}

fn time(s: &str) -> i64 {
    custodian_core::appraisal::parse_rfc3339(&s.replace("+00:00", "Z")).unwrap()
}

#[test]
fn every_case_gives_the_stated_tcb_status_and_advisories() {
    let Some(dir) = vectors() else { return };
    for case in cases(&dir) {
        let id = case["id"].as_str().unwrap();
        let (quote, files) = inputs(&dir, &case);
        let t = case["verify_at_unix"].as_i64().unwrap();
        let a = appraise(&quote, &files, permissive(), t);
        let expected = &case["expected"];
        assert_eq!(a.claims["tcb_status"], expected["tcb_status"], "{id}: {:#?}", a.checks);
        let fails = failing(&a);
        if expected["tcb_status"] == "TCB_NOT_SUPPORTED" {
            assert_eq!(status(&a, "tcb.level"), Status::Fail, "{id}");
            assert!(fails.iter().all(|f| f.starts_with("tcb.")), "{id}: only the TCB level and status fail: {fails:#?}");
            assert_eq!(a.verdict, Verdict::Contraindicated);
        } else {
            assert!(fails.is_empty(), "{id}: {fails:#?}");
            let want: BTreeSet<String> = expected["advisory_ids_set"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
            let got: BTreeSet<String> = a.claims["advisory_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
            assert_eq!(got, want, "{id}");
        }
        assert_eq!(a.trust_anchor.kind, "pinned", "{id}");
        for check in ["chain.root.pin", "crl.root.signature", "crl.pck.signature", "crl.pck.revocation", "tcb_info.signature", "qe_identity.signature", "tcb_info.fmspc", "qe.identity", "quote.signature"] {
            assert_eq!(status(&a, check), Status::Pass, "{id} {check}");
        }
    }
}

#[test]
fn default_policy_fails_debug_and_non_uptodate_and_affirms_the_clean_td() {
    let Some(dir) = vectors() else { return };
    for case in cases(&dir) {
        let id = case["id"].as_str().unwrap();
        let (quote, files) = inputs(&dir, &case);
        let a = appraise(&quote, &files, json!({}), case["verify_at_unix"].as_i64().unwrap());
        let up_to_date = case["expected"]["tcb_status"] == "UpToDate";
        assert_eq!(status(&a, "tcb.status") == Status::Pass, up_to_date, "{id}");
        let debug = case["expected"]["td_debug"] == true || case["expected"]["enclave_debug"] == true;
        assert_eq!(status(&a, "policy.debug") == Status::Fail, debug, "{id}");
        if id.starts_with("tdx-01") || id.starts_with("tdx-03") {
            assert_ne!(a.verdict, Verdict::Contraindicated, "{id}: {:#?}", failing(&a));
        }
    }
}

#[test]
fn one_second_outside_each_window_fails_on_collateral_window() {
    let Some(dir) = vectors() else { return };
    for case in cases(&dir) {
        let id = case["id"].as_str().unwrap();
        let (quote, files) = inputs(&dir, &case);
        let w = &case["collateral_window"];
        let (start, end) = (time(w["not_before"].as_str().unwrap()), time(w["not_after"].as_str().unwrap()));
        for (t, what) in [(end, "last second"), (start, "first second")] {
            let a = appraise(&quote, &files, permissive(), t);
            assert_eq!(status(&a, "collateral.window"), Status::Pass, "{id} at the {what}");
        }
        let late = appraise(&quote, &files, permissive(), end + 1);
        assert_eq!(status(&late, "collateral.window"), Status::Fail, "{id} one second late");
        assert_eq!(late.claims["collateral_expiry"], json!(custodian_core::appraisal::rfc3339(end)), "{id}");
        let early = appraise(&quote, &files, permissive(), start - 1);
        assert_eq!(status(&early, "collateral.window"), Status::Fail, "{id} one second early");
        let mut lenient = permissive();
        lenient["tdx"]["allow_expired_collateral"] = json!(true);
        let warned = appraise(&quote, &files, lenient, end + 1);
        assert_eq!(status(&warned, "collateral.window"), Status::Warn, "{id} expired but allowed");
    }
}

type Files = Vec<(String, Vec<u8>)>;

fn case(dir: &Path, prefix: &str) -> (Vec<u8>, Files, i64) {
    let c = cases(dir).into_iter().find(|c| c["id"].as_str().unwrap().starts_with(prefix)).unwrap();
    let (q, f) = inputs(dir, &c);
    (q, f, c["verify_at_unix"].as_i64().unwrap())
}

/// The QuoteCollateralV3 JSON of a file, as a mutable value.
fn bundle(dir: &Path, path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(path)).unwrap()).unwrap()
}

fn with_bundle(v: &Value) -> Vec<(String, Vec<u8>)> {
    vec![("edited.json".into(), serde_json::to_vec(v).unwrap())]
}

#[test]
fn tampered_collateral_fails_the_named_check() {
    let Some(dir) = vectors() else { return };
    let (quote, _, t) = case(&dir, "tdx-01");
    let original = bundle(&dir, "collateral/dcapqvl_2025-06_B0C06F.json");

    let mut v = original.clone();
    v["tcb_info"] = json!(v["tcb_info"].as_str().unwrap().replacen("\"pcesvn\":11", "\"pcesvn\":10", 1));
    assert_ne!(v["tcb_info"], original["tcb_info"], "the edit must change the signed text");
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "tcb_info.signature"), Status::Fail);
    assert_eq!(a.verdict, Verdict::Contraindicated);

    let mut v = original.clone();
    v["tcb_info"] = json!(v["tcb_info"].as_str().unwrap().replacen("\"UpToDate\"", "\"UpToDateX\"", 1));
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "tcb_info.signature"), Status::Fail);
    assert_eq!(status(&a, "tcb_info.parse"), Status::Fail, "an undecodable document is a failed check, not a crash");

    let mut v = original.clone();
    v["qe_identity"] = json!(v["qe_identity"].as_str().unwrap().replacen("\"isvprodid\":2", "\"isvprodid\":3", 1));
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "qe_identity.signature"), Status::Fail);

    // The Processor-CA PCK CRL for a Platform-CA PCK certificate.
    let mut v = original.clone();
    v["pck_crl"] = bundle(&dir, "sgx/collateral/dcapqvl_2025-06_SGX_00A067110000.json")["pck_crl"].clone();
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "crl.pck.issuer"), Status::Fail);
    assert!(a.checks.iter().find(|c| c.id == "crl.pck.issuer").unwrap().detail.contains("Processor CA"));

    // An SGX TCB Info and QE identity for a TDX quote.
    let mut v = original.clone();
    let sgx = bundle(&dir, "sgx/collateral/dcapqvl_2025-06_SGX_00A067110000.json");
    for k in ["tcb_info", "tcb_info_signature", "qe_identity", "qe_identity_signature"] {
        v[k] = sgx[k].clone();
    }
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "tcb_info.signature"), Status::Pass, "still Intel-signed");
    assert_eq!(status(&a, "tcb_info.id"), Status::Fail);
    assert_eq!(status(&a, "qe_identity.id"), Status::Fail);
}

#[test]
fn collateral_for_another_fmspc_fails_the_fmspc_check() {
    let Some(dir) = vectors() else { return };
    let (quote, _, t) = case(&dir, "tdx-03");
    let files = vec![("b0c06f.json".to_string(), std::fs::read(dir.join("collateral/dcapqvl_2025-06_B0C06F.json")).unwrap())];
    let a = appraise(&quote, &files, permissive(), t);
    assert_eq!(status(&a, "tcb_info.fmspc"), Status::Fail);
    assert_eq!(a.verdict, Verdict::Contraindicated);
}

#[test]
fn raw_pcs_bodies_crls_and_chains_as_separate_files_give_the_same_result() {
    let Some(dir) = vectors() else { return };
    let (quote, bundled, t) = case(&dir, "tdx-07");
    let raw = [
        "collateral/raw/gotdx_2023-06_tcbinfo_tdx_50806F000000.json",
        "collateral/raw/gotdx_2023-06_qe_identity_td_qe.json",
        "collateral/raw/gotdx_2023-06_pck_crl_platform.der",
        "collateral/raw/gotdx_2023-04_root_ca_crl.der",
        "collateral/chains/tcb_signing_chain_2018.pem",
    ];
    let files: Vec<(String, Vec<u8>)> = raw.iter().map(|p| (p.to_string(), std::fs::read(dir.join(p)).unwrap())).collect();
    let a = appraise(&quote, &files, permissive(), t);
    let b = appraise(&quote, &bundled, permissive(), t);
    assert!(failing(&a).is_empty(), "{:#?}", failing(&a));
    assert_eq!(a.claims["tcb_status"], b.claims["tcb_status"]);
    let ids = |x: &Appraisal| x.checks.iter().map(|c| (c.id.clone(), c.status)).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn missing_crls_warn_and_fail_under_strict_crl() {
    let Some(dir) = vectors() else { return };
    let (quote, _, t) = case(&dir, "tdx-01");
    let mut v = bundle(&dir, "collateral/dcapqvl_2025-06_B0C06F.json");
    v.as_object_mut().unwrap().remove("pck_crl");
    v.as_object_mut().unwrap().remove("root_ca_crl");
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "crl.root"), Status::Warn);
    assert_eq!(status(&a, "crl.pck"), Status::Warn);
    assert_eq!(a.verdict, Verdict::Warning);
    let mut strict = permissive();
    strict["tdx"]["strict_crl"] = json!(true);
    let a = appraise(&quote, &with_bundle(&v), strict, t);
    assert_eq!(status(&a, "crl.pck"), Status::Fail);
}

#[test]
fn without_collateral_the_status_is_unknown_and_fails() {
    let Some(dir) = vectors() else { return };
    let (quote, _, t) = case(&dir, "tdx-01");
    let a = appraise(&quote, &[], permissive(), t);
    for id in ["tcb_info.signature", "qe_identity.signature", "tcb.status"] {
        assert_eq!(status(&a, id), Status::Fail, "{id}");
    }
    assert_eq!(status(&a, "quote.signature"), Status::Pass, "the quote's own signatures are still checked");
}

#[test]
fn azure_hcl_runtime_data_is_bound_by_report_data() {
    let Some(dir) = vectors() else { return };
    let (quote, files, t) = case(&dir, "tdx-08");
    let a = appraise(&quote, &files, permissive(), t);
    assert_eq!(status(&a, "binding.hcl_runtime_data"), Status::Pass);
    assert!(a.claims["hcl_runtime_data"]["keys"].is_array(), "the runtime data JSON is exposed: {}", a.claims["hcl_runtime_data"]);
    let mut tampered = files.clone();
    let hcl = &mut tampered[1].1;
    hcl[1236 + 10] ^= 1;
    let a = appraise(&quote, &tampered, permissive(), t);
    assert_eq!(status(&a, "binding.hcl_runtime_data"), Status::Fail);
}

#[test]
fn policy_options_judge_the_td() {
    let Some(dir) = vectors() else { return };
    let (quote, files, t) = case(&dir, "tdx-01");
    let base = appraise(&quote, &files, json!({}), t);
    let mr_td = base.claims["mr_td"].as_str().unwrap().to_string();
    let rtmr0 = base.claims["rtmr0"].as_str().unwrap().to_string();
    let good = json!({"tdx": {"mr_td": [mr_td], "rtmr": {"0": rtmr0}, "minimum_tee_tcb_svn": "06010300000000000000000000000000", "max_collateral_age": 30 * 86400}});
    let a = appraise(&quote, &files, good, t);
    for id in ["policy.mr_td", "policy.rtmr0", "policy.minimum_tee_tcb_svn", "policy.max_collateral_age"] {
        assert_eq!(status(&a, id), Status::Pass, "{id}");
    }
    let bad = json!({"tdx": {"mr_td": ["00".repeat(48)], "rtmr": {"0": "11".repeat(48)}, "minimum_tee_tcb_svn": "07010300000000000000000000000000", "max_collateral_age": 3600}});
    let a = appraise(&quote, &files, bad, t);
    for id in ["policy.mr_td", "policy.rtmr0", "policy.minimum_tee_tcb_svn", "policy.max_collateral_age"] {
        assert_eq!(status(&a, id), Status::Fail, "{id}");
    }
}

#[test]
fn malformed_quotes_and_policies_are_input_errors() {
    let Some(dir) = vectors() else { return };
    let (quote, files, t) = case(&dir, "tdx-01");
    let req = |q: &[u8], policy: Value| {
        serde_json::from_value::<Request>(json!({"evidence": blob("q.bin", q), "endorsements": files.iter().map(|(n, b)| blob(n, b)).collect::<Vec<_>>(), "policy": policy, "reference_time": t})).unwrap()
    };
    for cut in [100, 632, 636, 1000] {
        let e = run(&req(&quote[..cut], json!({}))).unwrap_err();
        assert_eq!(e.file, "q.bin", "cut at {cut}");
    }
    let mut long = quote.clone();
    long[632..636].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(run(&req(&long, json!({}))).unwrap_err().field, "signature data");
    let e = run(&req(&quote, json!({"tdx": {"accepted_tcb_statuses": ["Fine"]}}))).unwrap_err();
    assert!(e.message.contains("accepted_tcb_statuses"), "{e}");
    let e = run(&req(&quote, json!({"tdx": {"mr_td": ["abcd"]}}))).unwrap_err();
    assert!(e.message.contains("tdx.mr_td"), "{e}");
    let e = run(&req(&quote, json!({"tdx": {"allow_debugg": true}}))).unwrap_err();
    assert!(e.message.contains("allow_debugg"), "{e}");
}

/// A CRL named as issued by `issuer_of`'s issuer, listing `serials`, signed by a throwaway TEST key
/// (so its signature fails, while the revocation check is still reported on its own line).
fn forged_crl(issuer: &x509_cert::name::Name, serials: &[x509_cert::serial_number::SerialNumber]) -> Vec<u8> {
    use der::Encode;
    use p256::ecdsa::signature::Signer;
    use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
    use x509_cert::time::Time;
    let alg = spki::AlgorithmIdentifierOwned { oid: custodian_core::x509::OID_ECDSA_SHA256, parameters: None };
    let at = |s: u64| Time::UtcTime(der::asn1::UtcTime::from_unix_duration(std::time::Duration::from_secs(s)).unwrap());
    let tbs = TbsCertList {
        version: x509_cert::Version::V2,
        signature: alg.clone(),
        issuer: issuer.clone(),
        this_update: at(1_750_000_000),
        next_update: Some(at(1_760_000_000)),
        revoked_certificates: Some(serials.iter().map(|s| RevokedCert { serial_number: s.clone(), revocation_date: at(1_750_000_000), crl_entry_extensions: None }).collect()),
        crl_extensions: None,
    };
    let key = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
    let sig: p256::ecdsa::Signature = key.sign(&tbs.to_der().unwrap());
    let crl = CertificateList { tbs_cert_list: tbs, signature_algorithm: alg, signature: der::asn1::BitString::from_bytes(sig.to_der().as_bytes()).unwrap() };
    crl.to_der().unwrap()
}

#[test]
fn a_pck_certificate_on_the_pck_crl_is_reported_revoked() {
    let Some(dir) = vectors() else { return };
    let (quote, _, t) = case(&dir, "tdx-01");
    let q = custodian_core::tdx::quote::Quote::parse(&quote, "q").unwrap();
    let chain = custodian_core::tdx::signatures::pck_chain(&q, "q").unwrap();
    let (leaf, inter) = (&chain[0].cert.tbs_certificate, &chain[1].cert.tbs_certificate);
    let mut v = bundle(&dir, "collateral/dcapqvl_2025-06_B0C06F.json");
    v["pck_crl"] = json!(hex::encode(forged_crl(&leaf.issuer, std::slice::from_ref(&leaf.serial_number))));
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "crl.pck.issuer"), Status::Pass);
    assert_eq!(status(&a, "crl.pck.signature"), Status::Fail, "forged: not signed by the PCK Platform CA");
    assert_eq!(status(&a, "crl.pck.revocation"), Status::Fail);
    assert!(a.checks.iter().any(|c| c.id == "crl.pck.revocation" && c.detail.starts_with("REVOKED")));

    let mut v = bundle(&dir, "collateral/dcapqvl_2025-06_B0C06F.json");
    v["root_ca_crl"] = json!(hex::encode(forged_crl(&inter.issuer, std::slice::from_ref(&inter.serial_number))));
    let a = appraise(&quote, &with_bundle(&v), permissive(), t);
    assert_eq!(status(&a, "crl.root.signature"), Status::Fail);
    assert_eq!(status(&a, "crl.root.revocation"), Status::Fail, "the PCK Platform CA is on the root CRL");
}

#[test]
fn certification_data_types_1_to_4_take_the_pck_chain_from_the_collateral() {
    let Some(dir) = vectors() else { return };
    let (quote, files, t) = case(&dir, "tdx-01");
    let q = custodian_core::tdx::quote::Quote::parse(&quote, "q").unwrap();
    // The inner certification data type sits after the QE auth data, outside the signed region.
    let at = 632 + 4 + 128 + 6 + 384 + 64 + 2 + q.qe_auth_data.len();
    assert_eq!(u16::from_le_bytes([quote[at], quote[at + 1]]), 5);
    let mut typed3 = quote.clone();
    typed3[at..at + 2].copy_from_slice(&3u16.to_le_bytes());
    let pem: Vec<u8> = q.cert_data.iter().copied().take_while(|b| *b != 0).collect();

    let without = appraise(&typed3, &files, permissive(), t);
    assert_eq!(status(&without, "chain.pck.source"), Status::Fail);
    assert_eq!(without.verdict, Verdict::Contraindicated);

    let mut with_chain = files.clone();
    with_chain.push(("pck_chain.pem".into(), pem));
    let a = appraise(&typed3, &with_chain, permissive(), t);
    assert_eq!(status(&a, "chain.pck.source"), Status::Pass);
    assert!(failing(&a).is_empty(), "{:#?}", failing(&a));
    assert_eq!(a.claims["tcb_status"], "UpToDate");
}

#[test]
fn td15_relaunch_is_advised_when_the_launch_tcb_is_out_of_date_but_the_current_one_is_not() {
    let Some(dir) = vectors() else { return };
    let (quote, files, t) = case(&dir, "tdx-05");
    let a = appraise(&quote, &files, permissive(), t);
    assert_eq!(a.claims["tcb_status"], "UpToDate");
    assert_eq!(status(&a, "tcb.relaunch"), Status::Pass);
    // TEE_TCB_SVN[0] (launch module SVN, body offset 0 after the 6-byte v5 descriptor) lowered to 3,
    // below TDX_01's UpToDate level 4, while TEE_TCB_SVN2 stays current. The quote signature no
    // longer verifies; the TCB evaluation is still shown.
    let mut lowered = quote.clone();
    lowered[54] = 3;
    let a = appraise(&lowered, &files, permissive(), t);
    assert_eq!(a.claims["tcb_status_launch"], "OutOfDate");
    assert_eq!(a.claims["tcb_status_current"], "UpToDate");
    assert_eq!(a.claims["tcb_status"], "TDRelaunchAdvised");
    assert_eq!(status(&a, "tcb.relaunch"), Status::Warn);
    assert_eq!(status(&a, "quote.signature"), Status::Fail);
}
