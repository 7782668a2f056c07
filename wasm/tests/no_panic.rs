//! Parsers never panic: thousands of deterministic mutations (bit flips, hostile u32 lengths,
//! truncations, insertions) of real evidence and collateral go through the parsers, and a few
//! hundred through the whole request. Debug builds keep overflow checks on, so an unchecked length
//! computation panics here. Inputs: the project's own SEV-SNP fixtures (always present) and, when
//! ../shared/vectors is beside the checkout, a TDX quote, an SGX quote and their collateral.

mod common;
use common::Rng;

use base64::Engine;
use custodian_core::request::{run, Request};
use custodian_core::tdx::collateral::Collateral;
use custodian_core::tdx::quote::Quote;
use serde_json::json;
use std::path::PathBuf;

fn mutate(input: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(b.len());
        match rng.below(5) {
            0 => b[at] ^= 1 << rng.below(8),
            1 if at + 4 <= b.len() => {
                let v = [u32::MAX, 0x8000_0000, 0xFFFF, b.len() as u32, b.len() as u32 + 1][rng.below(5)];
                b[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
            2 => b.truncate(at),
            3 => {
                let n = rng.below(64);
                b.splice(at..at, (0..n).map(|i| i as u8));
            }
            _ => b[at] = [0x00, 0xFF, b'{', b'"', b'-'][rng.below(5)],
        }
        if b.is_empty() {
            break;
        }
    }
    b
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/snp")
}

fn request(evidence: &[u8], endorsements: &[Vec<u8>], t: i64) -> Request {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    serde_json::from_value(json!({
        "evidence": {"name": "e", "base64": b64(evidence)},
        "endorsements": endorsements.iter().enumerate().map(|(i, e)| json!({"name": format!("c{i}"), "base64": b64(e)})).collect::<Vec<_>>(),
        "reference_time": t,
    }))
    .unwrap()
}

#[test]
fn mutated_snp_evidence_and_chains_never_panic() {
    let dir = fixtures();
    let report = std::fs::read(dir.join("extended-report/report.bin")).unwrap();
    let vcek = std::fs::read(dir.join("valid/vcek.der")).unwrap();
    let chain = std::fs::read(dir.join("pki/cert_chain.pem")).unwrap();
    let crl = std::fs::read(dir.join("pki/crl-empty.der")).unwrap();
    let mut rng = Rng(0x5eed_0001);
    let (mut ok, mut err) = (0, 0);
    for i in 0..400 {
        let (mut ev, mut end) = (report.clone(), vec![vcek.clone(), chain.clone(), crl.clone()]);
        match i % 3 {
            0 => ev = mutate(&report, &mut rng),
            1 => {
                let k = rng.below(end.len());
                end[k] = mutate(&end[k], &mut rng);
            }
            _ => {
                ev = mutate(&report, &mut rng);
                end[0] = mutate(&vcek, &mut rng);
            }
        }
        match run(&request(&ev, &end, 1_764_547_200)) {
            Ok(_) => ok += 1,
            Err(_) => err += 1,
        }
    }
    assert!(ok > 0 && err > 0, "both outcomes occur: {ok} appraisals, {err} input errors");
}

#[test]
fn mutated_quotes_and_collateral_never_panic() {
    let Some(dir) = common::tdx_vectors() else { return };
    let inputs = [
        ("quotes/tdx_v5_td15_90c06f_gotdx.bin", "collateral/dcapqvl_2026-02_90C06F.json", 1_772_323_200),
        ("sgx/quotes/sgx_v3_00a067110000_dcapqvl.bin", "sgx/collateral/dcapqvl_2025-06_SGX_00A067110000.json", 1_751_328_000),
    ];
    let raw = ["collateral/raw/gotdx_2023-06_tcbinfo_tdx_50806F000000.json", "collateral/raw/gotdx_2023-06_pck_crl_platform.der", "collateral/chains/tcb_signing_chain_2018.pem"];
    let mut rng = Rng(0x5eed_0002);
    for (quote_path, collateral_path, t) in inputs {
        let quote = std::fs::read(dir.join(quote_path)).unwrap();
        let collateral = std::fs::read(dir.join(collateral_path)).unwrap();
        for _ in 0..5000 {
            let _ = Quote::parse(&mutate(&quote, &mut rng), "q");
            let _ = Collateral::default().add(&mutate(&collateral, &mut rng), "c");
        }
        for _ in 0..150 {
            let _ = run(&request(&mutate(&quote, &mut rng), std::slice::from_ref(&collateral), t));
            let _ = run(&request(&quote, &[mutate(&collateral, &mut rng)], t));
        }
    }
    for path in raw {
        let bytes = std::fs::read(dir.join(path)).unwrap();
        for _ in 0..2000 {
            let _ = Collateral::default().add(&mutate(&bytes, &mut rng), "raw");
        }
    }
}
