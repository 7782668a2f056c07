//! Real NVIDIA vectors from ../shared/vectors/nvidia (read at run time; skipped visibly when absent).
//! Expected outcomes: PROVENANCE.md and manifest.json there.

use base64::Engine;
use custodian_core::appraisal::{Appraisal, Status, Verdict};
use custodian_core::request::{run, Blob, Request};
use serde_json::{json, Value};
use std::path::PathBuf;

const T_GPU: i64 = 1_748_736_000; // 2025-06-01T00:00:00Z
const T_NOW: i64 = 1_795_305_600; // 2026-11-22T00:00:00Z
const NONCE_4CFF: &str = "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e";
const NONCE_931D: &str = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";

fn dir() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/nvidia");
    if p.join("manifest.json").exists() {
        Some(p)
    } else {
        eprintln!("*** ../shared/vectors/nvidia not found: NVIDIA vector tests SKIPPED ***");
        None
    }
}

fn blob_bytes(name: &str, bytes: &[u8]) -> Blob {
    Blob { name: name.into(), base64: base64::engine::general_purpose::STANDARD.encode(bytes) }
}

fn blob(d: &PathBuf, rel: &str) -> Blob {
    blob_bytes(rel, &std::fs::read(d.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

struct Case<'a> {
    evidence: &'a str,
    chain: Option<&'a str>,
    rims: Vec<&'a str>,
    policy: Value,
    at: i64,
}

fn case(evidence: &str) -> Case<'_> {
    Case { evidence, chain: None, rims: vec![], policy: json!({}), at: T_GPU }
}

fn appraise(d: &PathBuf, c: &Case) -> Appraisal {
    let req = Request {
        evidence: blob(d, c.evidence),
        endorsements: c.chain.iter().map(|p| blob(d, p)).collect(),
        test_anchors: vec![],
        policy: Some(json!({ "nvidia": c.policy })),
        reference_time: c.at,
        rims: c.rims.iter().map(|p| blob(d, p)).collect(),
        ocsp: vec![],
        more_evidence: vec![],
    };
    run(&req).unwrap_or_else(|e| panic!("{}: {e}", c.evidence))
}

fn status(a: &Appraisal, id: &str) -> Status {
    a.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}; have {:?}", a.checks.iter().map(|c| &c.id).collect::<Vec<_>>())).status
}

fn failing(a: &Appraisal) -> Vec<String> {
    a.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.clone()).collect()
}

fn dump(a: &Appraisal) {
    for c in &a.checks {
        eprintln!("{:?} {} — {}", c.status, c.id, c.detail);
    }
}

#[test]
fn smoke() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-545.00-nonce4cff/report.hex");
    c.chain = Some("gpu-hopper/h100-545.00-nonce4cff/cert-chain.pem");
    c.rims = vec!["gpu-hopper/h100-545.00-nonce4cff/rim-driver-545.00.swidtag", "gpu-hopper/h100-545.00-nonce4cff/rim-vbios-1010_0200_882_96005E0001-test.swidtag"];
    c.policy = json!({"nonce": NONCE_4CFF});
    let a = appraise(&d, &c);
    dump(&a);
    eprintln!("{}", serde_json::to_string_pretty(&a.claims).unwrap().chars().take(3000).collect::<String>());
    let _ = (T_NOW, NONCE_931D, Verdict::Affirming, failing(&a));
}
