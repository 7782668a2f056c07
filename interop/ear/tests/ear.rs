//! Custodian's EAR attestation results, decoded and validated by Veraison's own Rust implementation
//! (the `ear` crate from crates.io), never by Custodian's code.
//!
//! Threat covered: a relying party (Veraison, a KBS, a policy engine) that consumes Custodian's
//! results with Veraison's library must be able to read every EAR Custodian writes — SEV-SNP, TDX,
//! NVIDIA and composite, signed and unsigned, in both wire profiles — and must reject one whose
//! claims were altered after signing or that was signed by another key.
//!
//! Each EAR is produced by running the CLI as a user does: `node --import tsx electron/cli/main.ts
//! verify … --ear OUT` from the repository root (CARGO_MANIFEST_DIR/../..). Real vectors come from
//! ../shared/vectors beside the repository; when it is absent those tests print SKIPPED and pass.
//!
//! Crates read: ear 0.6.0 (src/ear/mod.rs `Ear::validate`, src/ear/jwt.rs `from_jwt_jwk`,
//! src/appraisal.rs; draft-ietf-rats-ear-04 names) and ear 0.5.0 (src/ear.rs, src/appraisal.rs; the
//! `tag:github.com,2023:veraison/ear` profile with `ear.*` names).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ear::{claim, Algorithm, Ear, TrustTier, EAR_PROFILE};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn vectors() -> Option<PathBuf> {
    let v = root().join("../shared/vectors");
    if v.join("snp/manifest.json").exists() {
        Some(v)
    } else {
        println!("*** ../shared/vectors not found beside the repository: real-vector EAR tests SKIPPED ***");
        None
    }
}

fn tmp(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("custodian-ear-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", N.fetch_add(1, Ordering::SeqCst)))
}

/// Runs `custodian verify ARGS`; returns (exit code, stdout, stderr).
fn custodian(args: &[&str]) -> (i32, String, String) {
    let out = Command::new("node")
        .args(["--import", "tsx", "electron/cli/main.ts", "verify"])
        .args(args)
        .current_dir(root())
        .output()
        .expect("node runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// A fresh EC key pair as JWKs (private, public), made by Node's OpenSSL.
fn keypair(curve: &str) -> (String, String) {
    let js = format!(
        "const {{generateKeyPairSync}}=require('crypto');const k=generateKeyPairSync('ec',{{namedCurve:'{curve}'}});\
         const p=k.privateKey.export({{format:'jwk'}});const {{d,...pub}}=p;console.log(JSON.stringify(p));console.log(JSON.stringify(pub))"
    );
    let out = Command::new("node").args(["-e", &js]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    (lines.next().unwrap().to_string(), lines.next().unwrap().to_string())
}

/// One verify run: its input arguments, and the EAR it wrote.
struct Run {
    code: i32,
    appraisal: serde_json::Value,
    ear_text: String,
}

/// `custodian verify ARGS --json --ear OUT [EXTRA]`.
fn run(args: &[&str], extra: &[&str]) -> Run {
    let out = tmp("ear");
    let o = out.to_str().unwrap();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--json", "--ear", o]);
    all.extend(extra);
    let (code, stdout, stderr) = custodian(&all);
    assert!(code == 0 || code == 1, "custodian verify {all:?} exited {code}: {stderr}");
    Run { code, appraisal: serde_json::from_str(&stdout).unwrap(), ear_text: std::fs::read_to_string(&out).unwrap() }
}

/// The unsigned EAR, decoded and validated by ear 0.6, with the checks every EAR must pass.
fn decode_unsigned(r: &Run) -> Ear {
    let ear: Ear = serde_json::from_str(&r.ear_text).unwrap_or_else(|e| panic!("ear 0.6 rejects {}: {e}", r.ear_text));
    ear.validate().unwrap();
    common(&ear, r);
    ear
}

fn common(ear: &Ear, r: &Run) {
    assert_eq!(ear.profile, EAR_PROFILE);
    // iat is the appraisal's reference time, in seconds.
    let t = r.appraisal["reference_time"].as_str().unwrap();
    assert_eq!(ear.iat, rfc3339_seconds(t), "iat = reference time {t}");
    assert!(ear.vid.build.starts_with("custodian "));
    assert!(!ear.submods.is_empty());
    let verdict = r.appraisal["verdict"].as_str().unwrap();
    assert_eq!(ear.status.map(|s| s.to_string()), Some(verdict.to_string()), "overall ear_status = the core's verdict");
    assert_eq!(r.code, if verdict == "contraindicated" { 1 } else { 0 });
    for (name, a) in &ear.submods {
        assert_eq!(a.policy_ids.len(), 1, "{name}");
        assert!(a.policy_ids[0].starts_with("policy:sha256:") && a.policy_ids[0].len() == 14 + 64, "{name}: {:?}", a.policy_ids);
        // The status is never more trustworthy than the worst claim of the vector.
        let worst = a.trust_vector.into_iter().map(|c| c.tier()).max().unwrap_or(TrustTier::None);
        assert!(a.status >= worst, "{name}: status {} vs vector tier {worst}", a.status);
    }
    // The raw evidence digest travels as Custodian's own claim, which the crate keeps as unknown.
    let json: serde_json::Value = serde_json::from_str(&claims_json(&r.ear_text)).unwrap();
    let digests = json["custodian_evidence"].as_array().unwrap();
    assert!(!digests.is_empty() && digests.iter().all(|d| d["sha256"].as_str().unwrap().len() == 64));
}

/// The claims-set JSON of an EAR file (the JWT payload when signed).
fn claims_json(text: &str) -> String {
    let t = text.trim();
    if t.starts_with('{') {
        t.to_string()
    } else {
        String::from_utf8(URL_SAFE_NO_PAD.decode(t.split('.').nth(1).unwrap()).unwrap()).unwrap()
    }
}

fn rfc3339_seconds(t: &str) -> i64 {
    let out = Command::new("node").args(["-e", &format!("console.log(Math.floor(Date.parse('{t}')/1000))")]).output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
}

fn fixture_args(dir: &str) -> Vec<String> {
    let f = root().join("fixtures/snp");
    let p = |rel: &str| f.join(rel).to_str().unwrap().to_string();
    vec![
        p(&format!("{dir}/report.bin")),
        "--chain".into(),
        p(&format!("{dir}/vcek.der")),
        "--chain".into(),
        p("pki/cert_chain.pem"),
        "--crl".into(),
        p("pki/crl-empty.der"),
        "--test-anchor".into(),
        p("pki/ark.pem"),
        "--at".into(),
        "2025-12-01T00:00:00Z".into(),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn snp_fixture_unsigned_is_valid_with_the_vector_the_checks_imply() {
    let args = fixture_args("valid");
    let r = run(&strs(&args), &[]);
    let ear = decode_unsigned(&r);
    assert_eq!(ear.submods.keys().collect::<Vec<_>>(), ["cpu0"]);
    let cpu = &ear.submods["cpu0"];
    assert_eq!(cpu.status, TrustTier::Affirming);
    assert_eq!(cpu.trust_vector.hardware.value(), claim::GENUINE_HARDWARE);
    assert_eq!(cpu.trust_vector.instance_identity.value(), claim::TRUSTWORTHY_INSTANCE);
    assert_eq!(cpu.trust_vector.runtime_opaque.value(), claim::ENCRYPTED_MEMORY_RUNTIME);
    // No reference value in the policy: no claim about executables is made.
    assert_eq!(cpu.trust_vector.executables.value(), claim::NO_CLAIM);
}

#[test]
fn snp_fixture_debug_is_contraindicated_and_memory_visible() {
    let args = fixture_args("debug");
    let r = run(&strs(&args), &[]);
    let ear = decode_unsigned(&r);
    let cpu = &ear.submods["cpu0"];
    assert_eq!(cpu.status, TrustTier::Contraindicated);
    assert_eq!(cpu.trust_vector.runtime_opaque.value(), claim::VISIBLE_MEMORY_RUNTIME);
    assert_eq!(ear.status, Some(TrustTier::Contraindicated));
}

#[test]
fn snp_fixture_signed_es256_and_es384_verify_and_tampering_is_rejected() {
    let args = fixture_args("valid");
    let (es256, es384): (fn() -> Algorithm, fn() -> Algorithm) = (|| Algorithm::ES256, || Algorithm::ES384);
    for (curve, alg, wrong) in [("P-256", es256, es384), ("P-384", es384, es256)] {
        let (private, public) = keypair(curve);
        let key = tmp("key.jwk");
        std::fs::write(&key, &private).unwrap();
        let r = run(&strs(&args), &["--ear-key", key.to_str().unwrap()]);
        let token = r.ear_text.trim();
        let ear = Ear::from_jwt_jwk(token, alg(), public.as_bytes()).unwrap_or_else(|e| panic!("{curve}: {e}"));
        ear.validate().unwrap();
        common(&ear, &r);
        assert_eq!(ear.submods["cpu0"].status, TrustTier::Affirming);

        // A claim flipped after signing: the signature no longer verifies.
        let parts: Vec<&str> = token.split('.').collect();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        for (from, to) in [("\"contraindicated\"", "\"affirming\""), ("\"affirming\"", "\"warning\""), ("\"hardware\":2", "\"hardware\":3")] {
            if !payload.contains(from) {
                continue;
            }
            let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.replacen(from, to, 1)), parts[2]);
            assert!(Ear::from_jwt_jwk(&forged, alg(), public.as_bytes()).is_err(), "{curve}: a tampered claim ({from} → {to}) must be rejected");
        }
        // Another key (a verifier impersonating Custodian, or the wrong trust anchor): rejected.
        let (_, other) = keypair(curve);
        assert!(Ear::from_jwt_jwk(token, alg(), other.as_bytes()).is_err(), "{curve}: another key must not verify");
        // An algorithm downgrade / confusion: the relying party pins the algorithm.
        assert!(Ear::from_jwt_jwk(token, wrong(), public.as_bytes()).is_err());
        // The signed payload is the same claims-set the unsigned form carries.
        let unsigned = run(&strs(&args), &[]);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&payload).unwrap(), serde_json::from_str::<serde_json::Value>(&unsigned.ear_text).unwrap());
    }
}

/// Only with `--features veraison-profile` (see Cargo.toml: ear 0.5 builds OpenSSL from source).
#[cfg(feature = "veraison-profile")]
#[test]
fn veraison_profile_is_valid_for_ear_0_5_signed_and_unsigned() {
    let args = fixture_args("valid");
    let r = run(&strs(&args), &["--ear-profile", "veraison"]);
    let ear: ear05::Ear = serde_json::from_str(&r.ear_text).unwrap_or_else(|e| panic!("ear 0.5 rejects {}: {e}", r.ear_text));
    ear.validate().unwrap();
    assert_eq!(ear.profile, "tag:github.com,2023:veraison/ear");
    let cpu = &ear.submods["cpu0"];
    assert_eq!(cpu.status, ear05::TrustTier::Affirming);
    assert_eq!(cpu.trust_vector.hardware.value(), ear05::claim::GENUINE_HARDWARE);
    assert!(cpu.policy_id.as_deref().unwrap().starts_with("policy:sha256:"));

    let (private, public) = keypair("P-256");
    let key = tmp("key.jwk");
    std::fs::write(&key, &private).unwrap();
    let r = run(&strs(&args), &["--ear-profile", "veraison", "--ear-key", key.to_str().unwrap()]);
    let token = r.ear_text.trim();
    let ear = ear05::Ear::from_jwt_jwk(token, ear05::Algorithm::ES256, public.as_bytes()).unwrap();
    ear.validate().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let forged = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.replacen("\"affirming\"", "\"warning\"", 1)), parts[2]);
    assert!(ear05::Ear::from_jwt_jwk(&forged, ear05::Algorithm::ES256, public.as_bytes()).is_err());
    // The newest crate does not read the old profile's names: the two are not interchangeable.
    assert!(serde_json::from_str::<Ear>(&claims_json(token)).is_err());
}

#[test]
fn real_snp_vector_signed() {
    let Some(v) = vectors() else { return };
    let d = v.join("snp/milan/routex-v3");
    let p = |x: &Path| x.to_str().unwrap().to_string();
    let args = vec![p(&d.join("report.bin")), "--chain".into(), p(&d.join("vcek.der")), "--chain".into(), p(&d.join("vcek_chain.pem")), "--crl".into(), p(&v.join("snp/crl/milan_vcek_crl.der")), "--at".into(), "2025-12-01T00:00:00Z".into()];
    let (private, public) = keypair("P-256");
    let key = tmp("key.jwk");
    std::fs::write(&key, &private).unwrap();
    let r = run(&strs(&args), &["--ear-key", key.to_str().unwrap()]);
    let ear = Ear::from_jwt_jwk(r.ear_text.trim(), Algorithm::ES256, public.as_bytes()).unwrap();
    common(&ear, &r);
    assert_eq!(ear.submods["cpu0"].trust_vector.hardware.value(), claim::GENUINE_HARDWARE);
}

#[test]
fn real_tdx_vector_unsigned() {
    let Some(v) = vectors() else { return };
    let m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(v.join("tdx/manifest.json")).unwrap()).unwrap();
    let c = m["cases"].as_array().unwrap().iter().find(|c| c["id"].as_str().unwrap().starts_with("tdx-01")).unwrap();
    let p = |rel: &serde_json::Value| v.join("tdx").join(rel.as_str().unwrap()).to_str().unwrap().to_string();
    let args = vec![p(&c["quote"]), "--collateral".into(), p(&c["collateral"]), "--at".into(), c["verify_at"].as_str().unwrap().to_string()];
    let r = run(&strs(&args), &[]);
    let ear = decode_unsigned(&r);
    let cpu = &ear.submods["cpu0"];
    assert_eq!(cpu.status.to_string(), r.appraisal["verdict"].as_str().unwrap());
    assert!(cpu.trust_vector.hardware.value() != claim::NO_CLAIM && cpu.trust_vector.instance_identity.value() == claim::TRUSTWORTHY_INSTANCE);
}

#[test]
fn real_nvidia_vector_one_submodule_per_gpu_signed() {
    let Some(v) = vectors() else { return };
    let d = v.join("nvidia/gpu-hopper/h100-545.00-nonce4cff");
    let p = |x: PathBuf| x.to_str().unwrap().to_string();
    let args = vec![
        p(d.join("report.hex")),
        "--chain".into(),
        p(d.join("cert-chain.pem")),
        "--rim".into(),
        p(d.join("rim-driver-545.00.swidtag")),
        "--rim".into(),
        p(d.join("rim-vbios-1010_0200_882_96005E0001-test.swidtag")),
        "--nonce".into(),
        "4cff7f5380ead8fad8ec2c531c110aca4302a88f603792801a8ca29ee151af2e".into(),
        "--at".into(),
        "2025-06-01T00:00:00Z".into(),
    ];
    let (private, public) = keypair("P-384");
    let key = tmp("key.jwk");
    std::fs::write(&key, &private).unwrap();
    let r = run(&strs(&args), &["--ear-key", key.to_str().unwrap()]);
    let ear = Ear::from_jwt_jwk(r.ear_text.trim(), Algorithm::ES384, public.as_bytes()).unwrap();
    common(&ear, &r);
    assert_eq!(ear.submods.keys().collect::<Vec<_>>(), ["gpu0"]);
    let g = &ear.submods["gpu0"];
    // 33/33 golden values match, but the RIM signing chains' revocation is unknown (no OCSP): the
    // reference values are not fully recognised (33), and the device chain's revocation is a warning
    // on the hardware claim.
    assert_eq!(g.trust_vector.executables.value(), claim::UNRECOGNIZED_RUNTIME);
    assert_eq!(g.trust_vector.hardware.value(), claim::UNSAFE_HARDWARE);
    assert_eq!(g.status, TrustTier::Warning);
}

#[test]
fn real_composite_snp_plus_gpu_unsigned() {
    let Some(v) = vectors() else { return };
    let d = v.join("snp/milan/routex-v3");
    let p = |x: PathBuf| x.to_str().unwrap().to_string();
    let policy = tmp("policy.json");
    std::fs::write(&policy, r#"{"nvidia":{"require_rims":false}}"#).unwrap();
    let args = vec![
        p(d.join("report.bin")),
        "--chain".into(),
        p(d.join("vcek.der")),
        "--chain".into(),
        p(d.join("vcek_chain.pem")),
        "--more-evidence".into(),
        p(v.join("nvidia/evidence-json/hopper-590.12-single-nonce-e97b.json")),
        "--nonce".into(),
        "e97b23a1718095a0e9e35edca810768c70a6a5a389b705e753b197912bc11576".into(),
        "--policy".into(),
        p(policy),
        "--at".into(),
        "2025-12-01T00:00:00Z".into(),
    ];
    let r = run(&strs(&args), &[]);
    assert_eq!(r.appraisal["platform"], "composite");
    let ear = decode_unsigned(&r);
    assert_eq!(ear.submods.keys().collect::<Vec<_>>(), ["cpu0", "gpu0"]);
    // The GPU's nonce is not in the CPU report's REPORT_DATA: a warning on the GPU submodule.
    assert_eq!(ear.submods["gpu0"].status, TrustTier::Warning);
    assert_eq!(ear.submods["cpu0"].trust_vector.hardware.value(), claim::UNSAFE_HARDWARE, "no CRL given: revocation not checked");
    let json: serde_json::Value = serde_json::from_str(&r.ear_text).unwrap();
    assert_eq!(json["custodian_evidence"].as_array().unwrap().len(), 2, "one digest per evidence file");
}
