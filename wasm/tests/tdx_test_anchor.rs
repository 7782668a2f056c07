//! TEST anchors for Intel TDX quotes: a quote whose PCK chain ends in the project's TEST root
//! (fixtures/tdx/sample, made by fixtures/generate-tdx.mjs with fixtures/lib/tdx.mjs) verifies only
//! when that root is passed explicitly, and is then recorded as TEST. Threats covered: a workload
//! passing off self-made evidence as Intel's (no anchor → the chain fails); a TEST anchor relabelling
//! a real quote (it stays `pinned`); collateral signed by another key than the anchor's (fails); a
//! tampered quote; collateral past its window at the reference time.

use base64::Engine;
use custodian_core::appraisal::{parse_rfc3339, Appraisal, Status, Verdict};
use custodian_core::request::{run, Request};
use serde_json::{json, Value};
use std::path::PathBuf;

mod common;

fn sample(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tdx/sample").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn blob(name: &str, bytes: &[u8]) -> Value {
    json!({"name": name, "base64": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

fn expect() -> Value {
    serde_json::from_slice(&sample("expect.json")).unwrap()
}

fn reference_time() -> i64 {
    parse_rfc3339(expect()["reference_time"].as_str().unwrap()).unwrap()
}

fn appraise(quote: &[u8], collateral: &[(&str, Vec<u8>)], anchors: &[(&str, Vec<u8>)], t: i64) -> Appraisal {
    let req = json!({
        "evidence": blob("quote.bin", quote),
        "endorsements": collateral.iter().map(|(n, b)| blob(n, b)).collect::<Vec<_>>(),
        "test_anchors": anchors.iter().map(|(n, b)| blob(n, b)).collect::<Vec<_>>(),
        "reference_time": t,
    });
    let req: Request = serde_json::from_value(req).unwrap();
    run(&req).unwrap_or_else(|e| panic!("input error: {e}"))
}

fn status(a: &Appraisal, id: &str) -> Status {
    a.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}: {:#?}", a.checks)).status
}

fn failing(a: &Appraisal) -> Vec<String> {
    a.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.clone()).collect()
}

fn collateral() -> Vec<(&'static str, Vec<u8>)> {
    vec![("collateral.json", sample("collateral.json"))]
}

fn anchor() -> Vec<(&'static str, Vec<u8>)> {
    vec![("test-anchor.pem", sample("test-anchor.pem"))]
}

#[test]
fn test_quote_verifies_with_its_test_anchor_and_is_recorded_as_test() {
    let a = appraise(&sample("quote.bin"), &collateral(), &anchor(), reference_time());
    assert_eq!(failing(&a), Vec::<String>::new(), "{:#?}", a.checks);
    assert_eq!(a.verdict, Verdict::Affirming, "{:#?}", a.checks);
    assert_eq!(a.platform, "tdx");
    assert_eq!(a.trust_anchor.kind, "test");
    assert!(a.trust_anchor.name.contains("Custodian TEST Root CA (not Intel)"), "{}", a.trust_anchor.name);
    assert_eq!(a.claims["report_data"], expect()["report_data"]);
    assert_eq!(a.claims["tcb_status"], "UpToDate");
    assert_eq!(a.claims["fmspc"], "00806f050000");
    for id in ["tcb_signing.signature", "tcb_info.signature", "qe_identity.signature", "crl.root.signature", "crl.pck.signature", "collateral.window", "qe.identity", "quote.signature"] {
        assert_eq!(status(&a, id), Status::Pass, "{id}: {:#?}", a.checks);
    }
}

#[test]
fn test_quote_without_the_anchor_fails_the_chain() {
    let a = appraise(&sample("quote.bin"), &collateral(), &[], reference_time());
    assert_eq!(status(&a, "chain.root.pin"), Status::Fail);
    assert_eq!(a.trust_anchor.kind, "none");
    assert_eq!(a.verdict, Verdict::Contraindicated);
}

#[test]
fn another_test_root_does_not_anchor_the_quote() {
    let a = appraise(&sample("quote.bin"), &collateral(), &[("other-anchor.pem", sample("other-anchor.pem"))], reference_time());
    assert_eq!(status(&a, "chain.root.pin"), Status::Fail);
    assert_ne!(a.trust_anchor.kind, "test");
    assert_eq!(a.verdict, Verdict::Contraindicated);
}

#[test]
fn collateral_signed_by_a_different_test_key_fails() {
    let a = appraise(&sample("quote.bin"), &[("other-collateral.json", sample("other-collateral.json"))], &anchor(), reference_time());
    assert_eq!(status(&a, "tcb_signing.signature"), Status::Fail, "{:#?}", a.checks);
    assert_eq!(status(&a, "crl.root.signature"), Status::Fail);
    assert_eq!(status(&a, "crl.pck.signature"), Status::Fail);
    assert_eq!(a.verdict, Verdict::Contraindicated);
    // Both roots given: the quote is anchored in its own root, the collateral still is not.
    let both = [anchor(), vec![("other-anchor.pem", sample("other-anchor.pem"))]].concat();
    let a = appraise(&sample("quote.bin"), &[("other-collateral.json", sample("other-collateral.json"))], &both, reference_time());
    assert_eq!(status(&a, "tcb_signing.signature"), Status::Fail);
    assert_eq!(a.verdict, Verdict::Contraindicated);
}

#[test]
fn tampered_test_quote_fails_its_signature() {
    let mut q = sample("quote.bin");
    q[48 + 520] ^= 1; // REPORT_DATA[0]
    let a = appraise(&q, &collateral(), &anchor(), reference_time());
    assert_eq!(status(&a, "quote.signature"), Status::Fail);
    assert_eq!(a.verdict, Verdict::Contraindicated);
}

#[test]
fn test_collateral_past_its_window_fails() {
    let issued = parse_rfc3339(&expect()["issued"].as_str().unwrap().replace(".000Z", "Z")).unwrap();
    let a = appraise(&sample("quote.bin"), &collateral(), &anchor(), issued + 31 * 86400);
    assert_eq!(status(&a, "collateral.window"), Status::Fail);
    let a = appraise(&sample("quote.bin"), &collateral(), &anchor(), issued - 86400);
    assert_eq!(status(&a, "collateral.window"), Status::Fail);
}

#[test]
fn a_test_anchor_never_relabels_a_real_intel_quote() {
    let Some(dir) = common::tdx_vectors() else { return };
    for case in common::cases(&dir) {
        let id = case["id"].as_str().unwrap();
        if id.starts_with("tdx-08") {
            continue; // needs its HCL report; the rule is the same
        }
        let quote = std::fs::read(dir.join(case["quote"].as_str().unwrap())).unwrap();
        let col = case["collateral"].as_str().unwrap();
        let files = vec![(col, std::fs::read(dir.join(col)).unwrap())];
        let t = case["verify_at_unix"].as_i64().unwrap();
        let plain = appraise(&quote, &files, &[], t);
        let with = appraise(&quote, &files, &anchor(), t);
        assert_eq!(plain.trust_anchor.kind, "pinned", "{id}");
        assert_eq!(with.trust_anchor.kind, "pinned", "{id}: a TEST anchor must not relabel an Intel-rooted quote");
        assert_eq!(with.verdict, plain.verdict, "{id}");
        let statuses = |a: &Appraisal| a.checks.iter().map(|c| (c.id.clone(), c.status)).collect::<Vec<_>>();
        assert_eq!(statuses(&with), statuses(&plain), "{id}");
    }
}

#[test]
fn a_crl_given_as_test_anchor_is_an_input_error() {
    let col: Value = serde_json::from_slice(&sample("collateral.json")).unwrap();
    let der = hex::decode(col["root_ca_crl"].as_str().unwrap()).unwrap();
    let req = json!({"evidence": blob("quote.bin", &sample("quote.bin")), "endorsements": [blob("collateral.json", &sample("collateral.json"))],
        "test_anchors": [blob("crl.der", &der)], "reference_time": reference_time()});
    let e = run(&serde_json::from_value::<Request>(req).unwrap()).unwrap_err();
    assert_eq!((e.file.as_str(), e.field.as_str()), ("crl.der", "test anchor"));
}
