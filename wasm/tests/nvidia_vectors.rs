//! Real NVIDIA vectors from ../shared/vectors/nvidia (read at run time; skipped visibly when absent).
//! Expected outcomes: PROVENANCE.md and manifest.json there.

use base64::Engine;
use custodian_core::appraisal::{Appraisal, Status, Verdict};
use custodian_core::request::{run, Blob, Request};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

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

fn blob(d: &Path, rel: &str) -> Blob {
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

fn appraise(d: &Path, c: &Case) -> Appraisal {
    let req = Request {
        evidence: blob(d, c.evidence),
        endorsements: c.chain.iter().map(|p| blob(d, p)).collect(),
        policy: Some(json!({ "nvidia": c.policy })),
        reference_time: c.at,
        rims: c.rims.iter().map(|p| blob(d, p)).collect(),
        ..Default::default()
    };
    run(&req).unwrap_or_else(|e| panic!("{}: {e}", c.evidence))
}

fn status(a: &Appraisal, id: &str) -> Status {
    a.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no check {id}; have {:?}", a.checks.iter().map(|c| &c.id).collect::<Vec<_>>())).status
}

fn failing(a: &Appraisal) -> Vec<String> {
    a.checks.iter().filter(|c| c.status == Status::Fail).map(|c| c.id.clone()).collect()
}


fn manifest(d: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap()
}

/// The manifest entry for (vector, report, chain).
fn entry<'a>(m: &'a Value, vector: &str, chain: &str) -> &'a Value {
    m["vectors"].as_array().unwrap().iter().find(|v| v["vector"] == vector && (v["chain"] == chain || v.get("chain").is_none())).unwrap()
}

fn device<'a>(a: &'a Appraisal, key: &str) -> &'a Value {
    &a.claims["devices"][key]
}

fn detail<'a>(a: &'a Appraisal, id: &str) -> &'a str {
    &a.checks.iter().find(|c| c.id == id).unwrap().detail
}

const REF: &str = "gpu-hopper/h100-545.00-nonce4cff";

fn reference_case() -> Case<'static> {
    Case {
        evidence: "gpu-hopper/h100-545.00-nonce4cff/report.hex",
        chain: Some("gpu-hopper/h100-545.00-nonce4cff/cert-chain.pem"),
        rims: vec!["gpu-hopper/h100-545.00-nonce4cff/rim-driver-545.00.swidtag", "gpu-hopper/h100-545.00-nonce4cff/rim-vbios-1010_0200_882_96005E0001-test.swidtag"],
        policy: json!({ "nonce": NONCE_4CFF }),
        at: T_GPU,
    }
}

#[test]
fn reference_set_passes_every_check_at_t_gpu() {
    let Some(d) = dir() else { return };
    let a = appraise(&d, &reference_case());
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    // The only warnings: revocation not established offline (no OCSP/CRL imported).
    let warns: Vec<&str> = a.checks.iter().filter(|c| c.status == Status::Warn).map(|c| c.id.as_str()).collect();
    assert_eq!(warns, ["gpu0.chain.revocation", "gpu0.rim.driver.chain.revocation", "gpu0.rim.vbios.chain.revocation"]);
    assert_eq!(a.verdict, Verdict::Warning);
    assert!(detail(&a, "gpu0.measurements").starts_with("33 of 33 golden values match"), "{}", detail(&a, "gpu0.measurements"));
    assert!(detail(&a, "gpu0.measurements").contains("23#1, 24#1, 35#1"));
    assert_eq!(status(&a, "gpu0.fwid"), Status::Skip);
    let m = manifest(&d);
    let e = entry(&m, REF, "cert-chain.pem");
    let g = device(&a, "GPU-0");
    assert_eq!(g["ueid"], e["chain_checks"]["ueid"]);
    assert_eq!(g["hwmodel"], e["chain_checks"]["hwmodel"]);
    assert_eq!(g["x-nvidia-gpu-driver-version"], e["parse"]["driver_version"]);
    assert_eq!(g["x-nvidia-gpu-vbios-version"], e["parse"]["vbios_version"]);
    assert_eq!(g["rim_ids"]["vbios"], e["parse"]["vbios_rim_id"]);
    assert_eq!(g["rim_ids"]["driver"], e["parse"]["driver_rim_id_hopper"]);
    assert_eq!(g["measres"], "success");
    assert_eq!(g["oemid"], "5703");
    assert_eq!(g["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-status"], "valid");
    assert_eq!(g["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-expiration-date"], "9999-12-31T23:59:59Z");
    assert_eq!(g["x-nvidia-gpu-driver-rim-cert-chain"]["x-nvidia-cert-ocsp-status"], "unknown");
    assert_eq!(g["opaque"]["nvdec0_status"], "55");
    assert_eq!(a.trust_anchor.spki_sha256, "a90c4eb5acfd3e3d03a25db6a26b84f720ad0503196c627c21ddd48dd85b06a4");
    // With imported-revocation not required, the same set is affirming only if revocation is good:
    let mut strict = reference_case();
    strict.policy = json!({ "nonce": NONCE_4CFF, "revocation": "require_good" });
    assert_eq!(appraise(&d, &strict).verdict, Verdict::Contraindicated);
}

#[test]
fn reference_set_rim_chains_are_expired_today() {
    let Some(d) = dir() else { return };
    let mut c = reference_case();
    c.at = T_NOW;
    let a = appraise(&d, &c);
    assert_eq!(failing(&a), ["gpu0.rim.driver.chain.validity", "gpu0.rim.vbios.chain.validity"]);
    let g = device(&a, "GPU-0");
    assert_eq!(g["x-nvidia-gpu-driver-rim-cert-chain"]["x-nvidia-cert-status"], "expired");
    assert_eq!(g["x-nvidia-gpu-vbios-rim-cert-chain"]["x-nvidia-cert-status"], "expired");
    assert_eq!(g["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-status"], "valid");
    assert!(detail(&a, "gpu0.rim.vbios.chain.validity").contains("HCC RIM L4 Signer"));
}

#[test]
fn prod_vbios_rim_mismatches_at_1_2_3_9_with_records() {
    let Some(d) = dir() else { return };
    let mut c = reference_case();
    c.rims[1] = "rims/vbios/1010_0200_882_96005E0001_PROD.swidtag";
    let a = appraise(&d, &c);
    assert_eq!(failing(&a), ["gpu0.measurements"]);
    let records = device(&a, "GPU-0")["x-nvidia-mismatch-measurement-records"].as_array().unwrap();
    let idx: Vec<u64> = records.iter().map(|r| r["index"].as_u64().unwrap()).collect();
    assert_eq!(idx, [1, 2, 3, 9]);
    for r in records {
        assert_eq!(r["source"], "vbios");
        assert_eq!(r["rim"], "rims/vbios/1010_0200_882_96005E0001_PROD.swidtag");
        assert_eq!(r["golden_size"], 48);
        assert_eq!(r["runtime_value"].as_str().unwrap().len(), 96);
        assert_ne!(Value::Array(vec![r["runtime_value"].clone()]), r["golden_values"]);
    }
    assert_eq!(device(&a, "GPU-0")["measres"], "fail");
    assert_eq!(comparison_results(&a), (33, vec![1, 2, 3, 9], vec![]));
}

/// The `measurement-comparison` rows of GPU-0: count, and the RIM indices that mismatch / are tolerated.
fn comparison_results(a: &Appraisal) -> (usize, Vec<u64>, Vec<u64>) {
    let rows = device(a, "GPU-0")["measurement-comparison"].as_array().unwrap();
    let with = |result: &str| rows.iter().filter(|r| r["result"] == result).map(|r| r["index"].as_u64().unwrap()).collect::<Vec<_>>();
    for r in rows.iter().filter(|r| r["result"] == "match") {
        let k = r["alternative"].as_u64().unwrap() as usize;
        assert_eq!(r["golden_values"][k], r["runtime_value"], "a match names the alternative that equals the measurement");
    }
    (rows.len(), with("mismatch"), with("tolerated"))
}

#[test]
fn chain_without_brom_fails() {
    let Some(d) = dir() else { return };
    let mut c = reference_case();
    c.chain = Some("gpu-hopper/h100-545.00-nonce4cff/negative-cert-chain-missing-brom.pem");
    let a = appraise(&d, &c);
    assert_eq!(status(&a, "gpu0.chain.count"), Status::Fail);
    assert_eq!(status(&a, "gpu0.chain.path"), Status::Fail);
    assert_eq!(device(&a, "GPU-0")["x-nvidia-gpu-attestation-report-cert-chain"]["x-nvidia-cert-status"], "invalid");
}

#[test]
fn negative_chains_are_rejected() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-550.90.07-nvtrust-sample/report.hex");
    c.policy = json!({ "nonce": NONCE_931D, "require_rims": false });
    for (chain, must_fail) in [
        ("gpu-hopper/negative-chains/root-only.pem", &["gpu0.chain.count", "gpu0.chain.path", "gpu0.report.signature"][..]),
        ("gpu-hopper/negative-chains/missing-provisioner-ica.pem", &["gpu0.chain.count", "gpu0.chain.path"][..]),
        ("gpu-hopper/negative-chains/missing-leaf-ak.pem", &["gpu0.chain.count", "gpu0.chain.ca", "gpu0.report.signature", "gpu0.fwid"][..]),
    ] {
        c.chain = Some(chain);
        let a = appraise(&d, &c);
        let f = failing(&a);
        for id in must_fail {
            assert!(f.contains(&id.to_string()), "{chain}: {id} should fail; failing {f:?}");
        }
        assert_eq!(a.verdict, Verdict::Contraindicated, "{chain}");
    }
}

#[test]
fn nvtrust_sample_passes_device_checks_but_has_no_public_rims() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-550.90.07-nvtrust-sample/report.hex");
    c.chain = Some("gpu-hopper/h100-550.90.07-nvtrust-sample/cert-chain.pem");
    c.policy = json!({ "nonce": NONCE_931D });
    let a = appraise(&d, &c);
    assert_eq!(failing(&a), ["gpu0.rim.driver.available", "gpu0.rim.vbios.available"]);
    assert!(detail(&a, "gpu0.rim.driver.available").contains("NV_GPU_DRIVER_GH100_550.90.07"));
    assert!(detail(&a, "gpu0.rim.vbios.available").contains("NV_GPU_VBIOS_1010_0200_882_96009F0001"));
    assert_eq!(status(&a, "gpu0.fwid"), Status::Pass);
    assert_eq!(status(&a, "gpu0.measurements"), Status::Skip);
    assert!(detail(&a, "gpu0.measurements").contains("not a mismatch"));
    // NRAS's verdict for this very report: the claims we can establish offline agree.
    let nras: Value = serde_json::from_slice(&std::fs::read(d.join("gpu-hopper/h100-550.90.07-nvtrust-sample/nras-claims-decoded.json")).unwrap()).unwrap();
    let (n, g) = (&nras["GPU-0"], device(&a, "GPU-0"));
    for k in ["ueid", "hwmodel", "eat_nonce", "x-nvidia-gpu-driver-version", "x-nvidia-gpu-vbios-version", "x-nvidia-gpu-attestation-report-signature-verified", "x-nvidia-gpu-attestation-report-nonce-match", "x-nvidia-gpu-attestation-report-cert-chain-fwid-match", "x-nvidia-gpu-arch-check", "x-nvidia-gpu-attestation-report-parsed"] {
        assert_eq!(g[k], n[k], "{k}");
    }
    // RIMs optional by policy: the same evidence is a warning, not a failure.
    c.policy = json!({ "nonce": NONCE_931D, "require_rims": false });
    let a = appraise(&d, &c);
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert_eq!(status(&a, "gpu0.rim.vbios.available"), Status::Warn);
    // A RIM for another version is not used, and the sentence says which version was imported.
    c.rims = vec!["gpu-hopper/h100-545.00-nonce4cff/rim-driver-545.00.swidtag"];
    let a = appraise(&d, &c);
    assert!(detail(&a, "gpu0.rim.driver.available").contains("the imported driver RIMs are for 545.00"), "{}", detail(&a, "gpu0.rim.driver.available"));
}

#[test]
fn sdk_fixture_535_vbios_matches_wrong_nonce_fails_and_tampered_driver_rim_is_not_used() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-535.86.09/report.hex");
    c.chain = Some("gpu-hopper/h100-535.86.09/cert-chain.pem");
    c.rims = vec!["rims/vbios/1010_0200_882_96005E0001_PROD.swidtag"];
    c.policy = json!({ "nonce": "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66", "require_rims": false });
    let a = appraise(&d, &c);
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert!(detail(&a, "gpu0.measurements").starts_with("12 of 12"));
    assert_eq!(status(&a, "gpu0.measurements.incomplete"), Status::Warn);
    assert_eq!(device(&a, "GPU-0")["measres"], "incomplete");
    assert_eq!(device(&a, "GPU-0")["ueid"], "395803620356496203949105887342232667833655422354");

    c.policy = json!({ "nonce": "00".repeat(32), "require_rims": false });
    assert_eq!(failing(&appraise(&d, &c)), ["gpu0.nonce"]);

    c.policy = json!({ "nonce": "27a328247bf7935c993341cf587be6f05986ccce4fe7ba2c54100bd616a58f66" });
    c.rims = vec!["gpu-hopper/h100-535.86.09/rim-driver-535.86.09-TAMPERED-mismatch.xml", "gpu-hopper/h100-535.86.09/rim-vbios-1010_0200_882_96005E0001-mismatch.xml"];
    let a = appraise(&d, &c);
    let f = failing(&a);
    assert!(f.contains(&"gpu0.rim.driver.signature".to_string()), "{f:?}");
    assert!(detail(&a, "gpu0.rim.driver.signature").contains("changed after signing"));
    assert_eq!(status(&a, "gpu0.rim.vbios.signature"), Status::Pass);
    // The genuine newer VBIOS RIM still mismatches at index 9; the tampered driver RIM's values are not used.
    let idx: Vec<u64> = device(&a, "GPU-0")["x-nvidia-mismatch-measurement-records"].as_array().unwrap().iter().map(|r| r["index"].as_u64().unwrap()).collect();
    assert_eq!(idx, [9]);
    assert!(detail(&a, "gpu0.measurements.incomplete").contains("not authentic"));
}

#[test]
fn opaque_v1_report_580_159_03() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-580.159.03/report.hex");
    c.chain = Some("gpu-hopper/h100-580.159.03/cert-chain.pem");
    c.rims = vec!["rims/vbios/1010_0205_862_9600740020_PROD.swidtag"];
    c.policy = json!({ "nonce": "5bb22e377702d4e1e8215a903ba094826b9ac7f731dee1fe8102958bf2840aca", "require_rims": false });
    let a = appraise(&d, &c);
    assert_eq!(failing(&a), ["gpu0.measurements"]);
    assert_eq!(status(&a, "gpu0.fwid"), Status::Pass);
    let g = device(&a, "GPU-0");
    assert_eq!(g["ueid"], "509096176156678437554566035365892618958504054724");
    assert_eq!(g["oemid"], "5703");
    assert_eq!(g["x-nvidia-gpu-mode"], "spt");
    assert_eq!(g["opaque"]["opaque_data_version"], 1);
    let idx: Vec<u64> = g["x-nvidia-mismatch-measurement-records"].as_array().unwrap().iter().map(|r| r["index"].as_u64().unwrap()).collect();
    assert_eq!(idx, [9]);
    assert!(detail(&a, "gpu0.measurements").starts_with("1 of 12"));
}

#[test]
fn expired_and_tampered_driver_rim_570() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-570.124.03/report.hex");
    c.chain = Some("gpu-hopper/h100-570.124.03/cert-chain.pem");
    c.rims = vec!["gpu-hopper/h100-570.124.03/rim-driver-570.124.03-EXPIRED-TAMPERED.xml", "rims/vbios/1010_0205_862_96005E0004_PROD.swidtag"];
    c.policy = json!({ "nonce": NONCE_931D });
    let a = appraise(&d, &c);
    // The VBIOS RIM (genuine, valid at T_gpu) still mismatches at index 9, as the manifest records.
    assert_eq!(failing(&a), ["gpu0.rim.driver.chain.validity", "gpu0.rim.driver.signature", "gpu0.measurements"]);
    assert!(detail(&a, "gpu0.measurements").contains("at RIM indices 9 (vbios)"), "{}", detail(&a, "gpu0.measurements"));
    assert_eq!(status(&a, "gpu0.rim.driver.chain.path"), Status::Pass);
    assert_eq!(device(&a, "GPU-0")["x-nvidia-gpu-driver-rim-cert-chain"]["x-nvidia-cert-status"], "expired");
    assert_eq!(status(&a, "gpu0.fwid"), Status::Pass);
    assert_eq!(device(&a, "GPU-0")["ueid"], "513040271002320286744800603328389647958014137565");
}

#[test]
fn invalid_signature_report_fails_signature_and_fwid() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-invalid-signature/report.hex");
    c.chain = Some("gpu-hopper/h100-570.124.03/cert-chain.pem");
    c.policy = json!({ "nonce": NONCE_931D, "require_rims": false });
    let a = appraise(&d, &c);
    assert_eq!(failing(&a), ["gpu0.fwid", "gpu0.report.signature"]);
}

#[test]
fn trailing_byte_capture_is_flagged_with_the_structural_diagnostic() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-580.95.05-trailing-byte/report.hex");
    c.chain = Some("gpu-hopper/h100-580.95.05-trailing-byte/cert-chain.pem");
    c.rims = vec!["rims/vbios/1010_0200_882_960074001A_PROD.swidtag"];
    c.policy = json!({ "nonce": "87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec", "require_rims": false });
    let a = appraise(&d, &c);
    assert_eq!(failing(&a), ["gpu0.evidence.trailing_bytes", "gpu0.report.signature", "gpu0.measurements"]);
    assert_eq!(status(&a, "gpu0.report.signature_structural"), Status::Warn);
    assert!(detail(&a, "gpu0.report.signature_structural").contains("VERIFIES"));
    assert!(detail(&a, "gpu0.evidence.trailing_bytes").contains("1 byte(s) (00)"));
    assert_eq!(status(&a, "gpu0.fwid"), Status::Pass);
    let idx: Vec<u64> = device(&a, "GPU-0")["x-nvidia-mismatch-measurement-records"].as_array().unwrap().iter().map(|r| r["index"].as_u64().unwrap()).collect();
    assert_eq!(idx, [9]);
    assert_eq!(device(&a, "GPU-0")["x-nvidia-gpu-attestation-report-parsed"], false);
}

#[test]
fn blackwell_fwid_from_dice_tcbinfo() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-blackwell/gb100-575.32/report.hex");
    c.chain = Some("gpu-blackwell/gb100-575.32/cert-chain.pem");
    c.policy = json!({ "nonce": NONCE_931D, "require_rims": false });
    let a = appraise(&d, &c);
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert!(detail(&a, "gpu0.fwid").contains("DICE TcbInfo 2.23.133.5.4.1.1 fwids[0]"));
    let g = device(&a, "GPU-0");
    assert_eq!(g["arch"], "BLACKWELL");
    assert_eq!(g["hwmodel"], "GB100 A01 GSP BROM");
    assert_eq!(g["ueid"], "474146966256510137525212816567191319424869109849");
    assert_eq!(g["rim_ids"]["driver"], "NV_GPU_CC_DRIVER_GB100_575.32");
    assert_eq!(g["rim_ids"]["vbios"], "NV_GPU_VBIOS_G525_0220_886_970088000F");
}

const LS10: &str = "switch-ls10/ls10-96.10.55.00.01";

fn ls10_case() -> Case<'static> {
    Case {
        evidence: "switch-ls10/ls10-96.10.55.00.01/report.hex",
        chain: Some("switch-ls10/ls10-96.10.55.00.01/cert-chain.pem"),
        rims: vec!["switch-ls10/ls10-96.10.55.00.01/rim-NV_SWITCH_BIOS_5612_0002_890_9610550001.xml"],
        policy: json!({ "nonce": NONCE_931D }),
        at: T_NOW,
    }
}

#[test]
fn ls10_switch_passes_all_31_today() {
    let Some(d) = dir() else { return };
    let a = appraise(&d, &ls10_case());
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert!(detail(&a, "switch0.measurements").starts_with("31 of 31"));
    let s = device(&a, "SWITCH-0");
    assert_eq!(s["hwmodel"], "LS_10 A01 FSP BROM");
    assert_eq!(s["ueid"], "694931143880983876767046803400974855445978836716");
    assert_eq!(s["x-nvidia-switch-bios-version"], "96.10.55.00.01");
    assert_eq!(s["rim_ids"]["bios"], "NV_SWITCH_BIOS_5612_0002_890_9610550001");
    assert_eq!(s["measres"], "success");
    assert_eq!(s["opaque"]["device_pdi"], "203eb31ad9ed0008");
    // The same RIM as the RIM service's JSON envelope, under a file name that says nothing.
    let xml = std::fs::read(d.join(ls10_case().rims[0])).unwrap();
    let envelope = json!({ "id": "NV_SWITCH_BIOS_5612_0002_890_9610550001", "rim": base64::engine::general_purpose::STANDARD.encode(xml), "sha256": "", "request_id": "x" });
    let c = ls10_case();
    let req = Request {
        evidence: blob(&d, c.evidence),
        endorsements: vec![blob(&d, c.chain.unwrap())],
        policy: Some(json!({ "nvidia": c.policy })),
        reference_time: c.at,
        rims: vec![blob_bytes("download.json", envelope.to_string().as_bytes())],
        ..Default::default()
    };
    let a = run(&req).unwrap();
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert_eq!(device(&a, "SWITCH-0")["bios_rim"]["rim_service_id"], "NV_SWITCH_BIOS_5612_0002_890_9610550001");
}

#[test]
fn ls10_negatives() {
    let Some(d) = dir() else { return };
    let mut c = ls10_case();
    c.evidence = "switch-ls10/ls10-96.10.55.00.01/report-invalid-signature.hex";
    c.policy = json!({ "nonce": "ea038ed507a451e005bae91186bc9403150a3cb8971fdebd05ffed65eeb6a997" });
    assert!(failing(&appraise(&d, &c)).contains(&"switch0.report.signature".to_string()));
    for rim in ["rim-NV_SWITCH_BIOS_5612_0002_890_9610550001-TAMPERED-sig.xml", "rim-NV_SWITCH_BIOS_5612_0002_890_9610550001-TAMPERED-mismatch.xml"] {
        let mut c = ls10_case();
        let path = format!("{LS10}/{rim}");
        c.rims = vec![&path];
        let a = appraise(&d, &c);
        assert!(failing(&a).contains(&"switch0.rim.bios.signature".to_string()), "{rim}: {:?}", failing(&a));
        assert!(detail(&a, "switch0.rim.bios.signature").contains("changed after signing"), "{rim}");
        assert_eq!(status(&a, "switch0.measurements"), Status::Skip);
    }
}

#[test]
fn wrong_rim_roots_fail_the_rim_chain() {
    let Some(d) = dir() else { return };
    // The NVIDIA SDK's negative: a debug L4 signer passed as the RIM root.
    let mut c = ls10_case();
    let req = Request {
        evidence: blob(&d, c.evidence),
        endorsements: vec![blob(&d, c.chain.unwrap())],
        test_anchors: vec![blob(&d, "roots/negative/wrong-rim-root-debug-l4-signer.pem")],
        policy: Some(json!({ "nvidia": c.policy })),
        reference_time: c.at,
        rims: c.rims.iter().map(|p| blob(&d, p)).collect(),
        ..Default::default()
    };
    let a = run(&req).unwrap();
    let f = failing(&a);
    assert!(f.contains(&"switch0.rim.bios.chain.path".to_string()), "{f:?}");
    assert_eq!(status(&a, "switch0.chain.path"), Status::Pass, "the device chain keeps the pinned device root");
    assert!(a.claims["rim_trust_anchor"].as_str().unwrap().starts_with("TEST anchor HCC RIM L4 Signer"));
    // A RIM signed under the debug hierarchy fails against the pinned CoRIM root.
    c.rims = vec!["rims/driver/negative/debug-root-chain-vbios-97.00.83.00.09.xml"];
    let rim = custodian_core::nvidia::rim::Rim::parse(&std::fs::read(d.join(c.rims[0])).unwrap(), c.rims[0]).unwrap();
    assert!(rim.xmldsig.ok(), "its XMLDSig itself is intact");
    let mut list = custodian_core::appraisal::Checklist::default();
    let out = custodian_core::nvidia::chain::verify(&rim.certs, &rim_spec(), T_GPU, &Default::default(), &mut list);
    assert_eq!(out.status, custodian_core::nvidia::chain::CertStatus::Invalid);
    let checks = list.into_checks();
    assert!(checks.iter().any(|k| k.id == "c.path" && k.status == Status::Fail));
}

fn rim_spec() -> custodian_core::nvidia::chain::ChainSpec<'static> {
    custodian_core::nvidia::chain::ChainSpec { pki: custodian_core::nvidia::roots::Pki::Rim, expected_len: None, test_root: None, id: "c", what: "RIM chain" }
}

#[test]
fn every_rim_xmldsig_and_chain_as_the_manifest_states() {
    let Some(d) = dir() else { return };
    let m = manifest(&d);
    for (path, v) in m["rims"].as_object().unwrap() {
        let rim = custodian_core::nvidia::rim::Rim::parse(&std::fs::read(d.join(path)).unwrap(), path).unwrap();
        for (key, t) in [("xmldsig_ok_at_2025_06_01", T_GPU), ("xmldsig_ok_at_2026_11_22", T_NOW)] {
            let Some(expected) = v[key].as_bool() else { continue };
            let mut list = custodian_core::appraisal::Checklist::default();
            let out = custodian_core::nvidia::chain::verify(&rim.certs, &rim_spec(), t, &Default::default(), &mut list);
            // The manifest's flag is xmlsec's verdict: signature, chain and validity at that time.
            let ok = rim.xmldsig.ok() && out.status == custodian_core::nvidia::chain::CertStatus::Valid;
            assert_eq!(ok, expected, "{path} {key}: xmldsig {:?} chain {:?}", rim.xmldsig, out.status);
        }
        if let Some(active) = v["active"].as_u64() {
            assert_eq!(rim.active().count() as u64, active, "{path}");
        }
        if let Some(cv) = v["colloquialVersion"].as_str() {
            assert_eq!(rim.colloquial_version.as_deref(), Some(cv), "{path}");
        }
    }
}

#[test]
fn serialized_evidence_files() {
    let Some(d) = dir() else { return };
    let m = manifest(&d);
    for v in m["vectors"].as_array().unwrap().iter().filter(|v| v.get("entries").is_some()) {
        let path = v["vector"].as_str().unwrap();
        let nonce = v["entries"][0]["json_nonce"].as_str().unwrap();
        let mut c = case(path);
        c.at = T_NOW;
        c.policy = json!({ "require_rims": false, "nonce": nonce });
        let a = appraise(&d, &c);
        let entries = v["entries"].as_array().unwrap();
        let devices = a.claims["devices"].as_object().unwrap();
        assert_eq!(devices.len(), entries.len(), "{path}");
        for (i, e) in entries.iter().enumerate() {
            let key = if e["arch"] == "LS10" { format!("SWITCH-{i}") } else { format!("GPU-{i}") };
            let p = key.to_ascii_lowercase().replace('-', "");
            let dev = device(&a, &key);
            assert_eq!(dev["ueid"], e["ueid"], "{path} {key}");
            for id in ["nonce", "report.signature", "chain.path", "chain.count", "chain.validity", "evidence.opaque", "evidence.trailing_bytes"] {
                assert_eq!(status(&a, &format!("{p}.{id}")), Status::Pass, "{path} {key} {id}: {}", detail(&a, &format!("{p}.{id}")));
            }
            if e["fwid_match"] == true {
                assert_eq!(status(&a, &format!("{p}.fwid")), Status::Pass, "{path} {key}");
            }
        }
        let f = failing(&a);
        if path.contains("duplicated") {
            assert_eq!(f, ["devices.duplicates"], "{path}");
            assert!(detail(&a, "devices.duplicates").contains("SWITCH-0 and SWITCH-1, SWITCH-2, SWITCH-3"));
        } else {
            assert!(f.is_empty(), "{path}: {f:?}");
        }
    }
}

#[test]
fn ppcie_node_topology_gpus_and_switches() {
    let Some(d) = dir() else { return };
    let nonce = "4760e30534a0621357d458b1a7936551b5dc4cd1e69718adf7ed9fb0252a537e";
    let req = |more: bool, require: bool| Request {
        evidence: blob(&d, "evidence-json/hopper-590.12-ppcie-8gpu-nonce-4760.json"),
        policy: Some(json!({ "nvidia": { "nonce": nonce, "require_rims": false, "require_ppcie": require } })),
        reference_time: T_NOW,
        more_evidence: if more { vec![blob(&d, "evidence-json/ls10-ppcie-4switch-nonce-4760.json")] } else { vec![] },
        ..Default::default()
    };
    let a = run(&req(true, true)).unwrap();
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert!(detail(&a, "topology.gpu_switch_pdis").contains("all 8 GPUs list the same 4 switches"));
    assert!(detail(&a, "topology.switches_present").contains("exactly the 4 switches"));
    assert!(detail(&a, "topology.switch_gpu_pdis").contains("same 8 GPU PDIs, one per GPU in the evidence (8)"));
    assert_eq!(a.claims["devices"]["GPU-7"]["x-nvidia-gpu-mode"], "ppcie");
    assert_eq!(status(&a, "gpu0.policy.ppcie"), Status::Pass);
    // Four of the eight GPUs against the four switches: the switches list GPUs that are not here.
    let mut r = req(true, true);
    r.evidence = blob(&d, "evidence-json/hopper-590.12-multi4-nonce-e97b.json");
    r.policy = Some(json!({ "nvidia": { "require_rims": false, "require_ppcie": true } }));
    let a = run(&r).unwrap();
    assert_eq!(status(&a, "topology.switch_gpu_pdis"), Status::Fail);
    assert_eq!(status(&a, "topology.gpu_switch_pdis"), Status::Pass);
    // Not required: the same finding is a warning.
    r.policy = Some(json!({ "nvidia": { "require_rims": false } }));
    assert_eq!(status(&run(&r).unwrap(), "topology.switch_gpu_pdis"), Status::Warn);
}

/// The reference set with the report and/or RIM bytes replaced (tamper recipes of PROVENANCE.md).
fn reference_with(d: &Path, report: Option<Vec<u8>>, vbios_rim: Option<Vec<u8>>) -> Appraisal {
    let c = reference_case();
    let mut rims = vec![blob(d, c.rims[0])];
    rims.push(match vbios_rim {
        Some(b) => blob_bytes("tampered-vbios.swidtag", &b),
        None => blob(d, c.rims[1]),
    });
    let req = Request {
        evidence: match report {
            Some(b) => blob_bytes("tampered.bin", &b),
            None => blob(d, c.evidence),
        },
        endorsements: vec![blob(d, c.chain.unwrap())],
        policy: Some(json!({ "nvidia": c.policy })),
        reference_time: c.at,
        rims,
        ..Default::default()
    };
    run(&req).unwrap()
}

fn reference_report(d: &Path) -> Vec<u8> {
    let text = std::fs::read_to_string(d.join("gpu-hopper/h100-545.00-nonce4cff/report.hex")).unwrap();
    hex::decode(text.trim()).unwrap()
}

#[test]
fn tamper_report_bytes() {
    let Some(d) = dir() else { return };
    let report = reference_report(&d);
    let n = report.len();
    // The untampered binary form passes like the hex form.
    assert!(failing(&reference_with(&d, Some(report.clone()), None)).is_empty());
    for (offset, expect) in [
        (10, &["gpu0.nonce", "gpu0.report.signature"][..]),   // inside the request nonce
        (60, &["gpu0.report.signature", "gpu0.measurements"][..]),  // a measurement value (block 1)
        (100, &["gpu0.report.signature", "gpu0.evidence.blocks"][..]), // block 2's index byte
        (n - 200, &["gpu0.report.signature"][..]),             // opaque data
        (n - 96, &["gpu0.report.signature"][..]),              // r
        (n - 1, &["gpu0.report.signature"][..]),               // s
    ] {
        let mut b = report.clone();
        b[offset] ^= 0x01;
        let a = reference_with(&d, Some(b), None);
        let f = failing(&a);
        for id in expect {
            assert!(f.contains(&id.to_string()), "flip at {offset}: {id} should fail; failing {f:?}");
        }
    }
    // An unknown opaque TLV type (the first TLV's type set to 99) is reported, as the C++ SDK rejects it.
    let parsed = custodian_core::nvidia::spdm::Report::parse(&report, "r").unwrap();
    let mut b = report.clone();
    b[parsed.opaque_offset] = 99;
    let a = reference_with(&d, Some(b), None);
    assert_eq!(failing(&a)[..2], ["gpu0.evidence.opaque", "gpu0.report.signature"]);
    assert!(detail(&a, "gpu0.evidence.opaque").contains("unknown TLV types [99]"));
    assert_eq!(device(&a, "GPU-0")["x-nvidia-gpu-attestation-report-parsed"], false);
    // A request that did not ask for a signature (Param1 bit 0 clear).
    let mut b = report.clone();
    b[2] = 0;
    assert!(failing(&reference_with(&d, Some(b), None)).contains(&"gpu0.evidence.request".to_string()));
    let mut longer = report.clone();
    longer.push(0);
    let f = failing(&reference_with(&d, Some(longer), None));
    assert_eq!(f, ["gpu0.evidence.trailing_bytes", "gpu0.report.signature"]);
}

#[test]
fn tamper_rim_text() {
    let Some(d) = dir() else { return };
    let rim = std::fs::read_to_string(d.join("gpu-hopper/h100-545.00-nonce4cff/rim-vbios-1010_0200_882_96005E0001-test.swidtag")).unwrap();
    let at = rim.find("ns2:Hash0=\"").unwrap() + 11;
    let mut changed_hash = rim.clone().into_bytes();
    changed_hash[at] = if changed_hash[at] == b'a' { b'b' } else { b'a' };
    let deactivated = rim.replacen("active=\"True\"", "active=\"False\"", 1);
    let bumped = rim.replacen("alternatives=\"1\"", "alternatives=\"2\"", 1);
    for (what, bytes) in [("hash char", changed_hash), ("active", deactivated.into_bytes()), ("alternatives", bumped.into_bytes())] {
        let a = reference_with(&d, None, Some(bytes));
        assert_eq!(status(&a, "gpu0.rim.vbios.signature"), Status::Fail, "{what}");
        assert!(detail(&a, "gpu0.rim.vbios.signature").contains("changed after signing"), "{what}");
        assert_eq!(status(&a, "gpu0.measurements.incomplete"), Status::Warn, "{what}: the tampered RIM's values are not used");
    }
}

#[test]
fn swapped_chain_fails_signature_and_fwid() {
    let Some(d) = dir() else { return };
    let mut c = case("gpu-hopper/h100-550.90.07-nvtrust-sample/report.hex");
    c.chain = Some("gpu-hopper/h100-570.124.03/cert-chain.pem");
    c.policy = json!({ "nonce": NONCE_931D, "require_rims": false });
    assert_eq!(failing(&appraise(&d, &c)), ["gpu0.fwid", "gpu0.report.signature"]);
}

#[test]
fn json_nonce_must_match_the_callers() {
    let Some(d) = dir() else { return };
    let mut c = case("evidence-json/hopper-590.12-single-nonce-e97b.json");
    c.policy = json!({ "nonce": NONCE_931D, "require_rims": false });
    assert_eq!(failing(&appraise(&d, &c)), ["gpu0.nonce"]);
    c.policy = json!({ "require_rims": false });
    let a = appraise(&d, &c);
    assert_eq!(status(&a, "gpu0.nonce"), Status::Warn);
    assert!(detail(&a, "gpu0.nonce").contains("freshness is not established"));
}

#[test]
fn policy_versions_and_ignored_indices() {
    let Some(d) = dir() else { return };
    let mut c = reference_case();
    c.policy = json!({ "nonce": NONCE_4CFF, "allowed_driver_versions": ["550.144.03"], "allowed_vbios_versions": ["96.00.5e.00.01"] });
    let a = appraise(&d, &c);
    assert_eq!(failing(&a), ["gpu0.policy.driver_version"]);
    assert_eq!(status(&a, "gpu0.policy.vbios_version"), Status::Pass, "case-insensitive");
    // NVIDIA-style tolerance: the PROD VBIOS RIM's mismatches become warnings when ignored by index.
    c.rims[1] = "rims/vbios/1010_0200_882_96005E0001_PROD.swidtag";
    c.policy = json!({ "nonce": NONCE_4CFF, "ignore_measurement_indices": [1, 2, 3, 9] });
    let a = appraise(&d, &c);
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert_eq!(status(&a, "gpu0.measurements.tolerated"), Status::Warn);
    assert!(detail(&a, "gpu0.measurements").starts_with("29 of 33"));
    assert_eq!(comparison_results(&a), (33, vec![], vec![1, 2, 3, 9]));
    // A policy that does not parse is an input error naming the option.
    c.policy = json!({ "nonce": "abc" });
    let req = Request { evidence: blob(&d, c.evidence), policy: Some(json!({ "nvidia": c.policy })), reference_time: T_GPU, ..Default::default() };
    let e = run(&req).unwrap_err();
    assert_eq!((e.file.as_str(), e.field.as_str()), ("policy", "nvidia"));
}

#[test]
fn composite_snp_report_with_gpu_evidence() {
    let Some(d) = dir() else { return };
    let snp = d.join("../snp/milan/routex-v3");
    if !snp.exists() {
        eprintln!("*** ../shared/vectors/snp absent: composite test SKIPPED ***");
        return;
    }
    let nonce = "e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576";
    let mut req = Request {
        evidence: blob(&snp, "report.bin"),
        endorsements: vec![blob(&snp, "vcek_chain.pem"), blob(&snp, "vcek.der")],
        policy: Some(json!({ "nvidia": { "nonce": nonce, "require_rims": false } })),
        reference_time: 1_764_547_200, // 2025-12-01, the SNP vectors' T0
        more_evidence: vec![blob(&d, "evidence-json/hopper-590.12-single-nonce-e97b.json")],
        ..Default::default()
    };
    let a = run(&req).unwrap();
    assert_eq!(a.platform, "composite");
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert_eq!(status(&a, "cpu0.report.signature"), Status::Pass);
    assert_eq!(status(&a, "gpu0.report.signature"), Status::Pass);
    // This real GPU evidence was not produced for this CPU report: the binding is missing.
    assert_eq!(status(&a, "binding.gpu_nonce"), Status::Warn);
    assert_eq!(a.claims["submods"]["cpu0"]["platform"], "sev-snp");
    assert_eq!(a.claims["submods"]["gpu0"]["x-nvidia-gpu-attestation-report-signature-verified"], true);
    req.policy = Some(json!({ "nvidia": { "nonce": nonce, "require_rims": false, "require_cpu_binding": true } }));
    let a = run(&req).unwrap();
    assert_eq!(failing(&a), ["binding.gpu_nonce"]);
}

#[test]
fn composite_tdx_quote_with_gpu_evidence() {
    let Some(d) = dir() else { return };
    let tdx = d.join("../tdx");
    if !tdx.exists() {
        eprintln!("*** ../shared/vectors/tdx absent: composite TDX test SKIPPED ***");
        return;
    }
    let nonce = "e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576";
    let req = Request {
        evidence: blob(&tdx, "quotes/tdx_v5_td15_90c06f_gotdx.bin"),
        endorsements: vec![blob(&tdx, "collateral/dcapqvl_2026-02_90C06F.json")],
        policy: Some(json!({ "nvidia": { "nonce": nonce, "require_rims": false } })),
        reference_time: 1_772_323_200, // 2026-03-01, tdx-03's verify time
        more_evidence: vec![blob(&d, "evidence-json/hopper-590.12-single-nonce-e97b.json")],
        ..Default::default()
    };
    let a = run(&req).unwrap();
    assert_eq!(a.platform, "composite");
    assert!(failing(&a).is_empty(), "{:?}", failing(&a));
    assert_eq!(status(&a, "cpu0.quote.signature"), Status::Pass);
    assert_eq!(status(&a, "cpu0.tcb.status"), Status::Pass);
    assert_eq!(status(&a, "gpu0.report.signature"), Status::Pass);
    assert_eq!(status(&a, "binding.gpu_nonce"), Status::Warn, "real evidence from unrelated machines is not bound");
    assert_eq!(a.claims["submods"]["cpu0"]["platform"], "tdx");
    assert_eq!(a.claims["submods"]["cpu0"]["claims"]["tcb_status"], "UpToDate");
    // RIMs or OCSP responses without GPU evidence are still refused for a quote.
    let lone = Request { more_evidence: vec![], rims: vec![blob(&d, "evidence-json/hopper-590.12-single-nonce-e97b.json")], ..req };
    assert_eq!(run(&lone).unwrap_err().field, "request");
}
