//! Composite evidence: a CPU TEE report (SEV-SNP report, TDX or SGX quote) and NVIDIA GPU/NVSwitch evidence appraised together,
//! one EAR submodule per attester (draft-ietf-rats-ear §3.3 `submods`: `cpu0`, `gpu0`, `switch0`, …),
//! so that a key release can require both in one verdict.
//!
//! Binding: GPU evidence proves freshness against its own request nonce, not against the CPU TEE. Two
//! conventions are checked (`binding.gpu_nonce`):
//! - **Trustee's composite attester** (guest-components `kbs_protocol` `rcar_client.rs`
//!   `get_composite_evidence`, attester `nvidia/nvat.rs`): every device's nonce is the first 32 bytes
//!   of H(JCS({nonce, tee-pubkey})), and the CPU's REPORT_DATA hashes the additional evidence that
//!   carries the devices. The relying party derives that device nonce and passes it as policy
//!   `nvidia.nonce` with `nvidia.cpu_binding: "trustee"`; then every device must carry it (a device answering another challenge fails),
//!   and the relying party checks REPORT_DATA against the additional-evidence string, which the core
//!   does not see.
//! - `nvidia.cpu_binding: "report_data"` (the default): the CPU TEE chose each GPU's nonce and reported it in its REPORT_DATA
//!   (bytes 0..32 or 32..64). Unbound GPU evidence is a warning, or a failure under policy
//!   `nvidia.require_cpu_binding`.

use serde_json::{json, Map, Value};

use crate::appraisal::{verdict_of, Appraisal, Checklist};

/// Merges the CPU appraisal (`report_data` = its 64-byte REPORT_DATA) and the NVIDIA appraisal.
/// CPU check ids get the prefix `cpu0.`; NVIDIA ids are already per device.
/// `expected_nonce`: the device nonce of Trustee's convention (policy `nvidia.nonce` with
/// `nvidia.cpu_binding: "trustee"`), else `None` for the REPORT_DATA convention.
pub fn compose(cpu: Appraisal, report_data: &[u8; 64], gpu: Appraisal, require_binding: bool, expected_nonce: Option<[u8; 32]>) -> Appraisal {
    let mut list = Checklist::default();
    for c in &cpu.checks {
        list.push(&format!("cpu0.{}", c.id), c.status, c.detail.clone());
    }
    for c in &gpu.checks {
        list.push(&c.id, c.status, c.detail.clone());
    }
    let devices = gpu.claims.get("devices").and_then(Value::as_object).cloned().unwrap_or_default();
    let (mut bound, mut unbound) = (Vec::new(), Vec::new());
    for (key, d) in &devices {
        let nonce = d.get("request_nonce").and_then(Value::as_str).and_then(|h| hex::decode(h).ok()).unwrap_or_default();
        let ok = match expected_nonce {
            Some(e) => nonce[..] == e[..],
            None => nonce.len() == 32 && (report_data[..32] == nonce[..] || report_data[32..] == nonce[..]),
        };
        if ok {
            bound.push(key.clone());
        } else {
            unbound.push(format!("{key} (nonce {})", hex::encode(&nonce)));
        }
    }
    let id = "binding.gpu_nonce";
    if let Some(e) = expected_nonce {
        let e = hex::encode(e);
        if unbound.is_empty() {
            list.pass(id, format!("Trustee composite convention: the request nonce of {} is the expected device nonce {e} (policy nvidia.nonce, derived from the challenge and the TEE key; nvidia.cpu_binding trustee); REPORT_DATA's binding of the additional evidence is the relying party's check", bound.join(", ")));
        } else {
            list.fail(id, format!("Trustee composite convention: the request nonce of {} is not the expected device nonce {e} (policy nvidia.nonce): that evidence answers another challenge", unbound.join(", ")));
        }
    } else if unbound.is_empty() {
        list.pass(id, format!("the CPU report's REPORT_DATA carries the request nonce of {}: the devices answered this CPU TEE's challenge", bound.join(", ")));
    } else {
        let why = format!("the CPU report's REPORT_DATA ({}) does not carry the request nonce of {}: nothing ties that evidence to this CPU TEE", hex::encode(report_data), unbound.join(", "));
        if require_binding {
            list.fail(id, format!("{why} (policy nvidia.require_cpu_binding)"));
        } else {
            list.warn(id, why);
        }
    }
    let checks = list.into_checks();
    let mut submods = Map::new();
    submods.insert(
        "cpu0".into(),
        json!({ "platform": cpu.platform, "ear.status": cpu.verdict, "trust_anchor": cpu.trust_anchor, "claims": cpu.claims }),
    );
    for (key, d) in devices {
        submods.insert(key.to_ascii_lowercase().replace('-', ""), d);
    }
    let mut claims = Map::new();
    claims.insert("submods".into(), Value::Object(submods));
    claims.insert(
        "nvidia".into(),
        json!({
            "ear.status": gpu.verdict, "trust_anchor": gpu.trust_anchor,
            "rim_trust_anchor": gpu.claims.get("rim_trust_anchor"),
            "x-nvidia-overall-att-result": gpu.claims.get("x-nvidia-overall-att-result"),
        }),
    );
    Appraisal { platform: "composite".into(), verdict: verdict_of(&checks), reference_time: cpu.reference_time, trust_anchor: cpu.trust_anchor, checks, claims }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appraisal::{Status, TrustAnchor, Verdict};

    fn appraisal(platform: &str, claims: Value) -> Appraisal {
        let anchor = TrustAnchor { kind: "pinned".into(), name: platform.into(), spki_sha256: String::new() };
        let mut list = Checklist::default();
        list.pass("x", "ok");
        Appraisal { platform: platform.into(), verdict: Verdict::Affirming, reference_time: "t".into(), trust_anchor: anchor, checks: list.into_checks(), claims: claims.as_object().cloned().unwrap() }
    }

    #[test]
    fn binding_by_report_data_and_submodules() {
        let n = [7u8; 32];
        let gpu = appraisal("nvidia", json!({ "devices": { "GPU-0": { "request_nonce": hex::encode(n), "ear.status": "affirming" } } }));
        let cpu = appraisal("sev-snp", json!({}));
        let mut rd = [0u8; 64];
        rd[32..].copy_from_slice(&n);
        let a = compose(cpu.clone(), &rd, gpu.clone(), true, None);
        assert_eq!(a.verdict, Verdict::Affirming);
        assert_eq!(a.checks.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["cpu0.x", "x", "binding.gpu_nonce"]);
        assert!(a.claims["submods"]["gpu0"].is_object() && a.claims["submods"]["cpu0"]["platform"] == "sev-snp");
        let a = compose(cpu.clone(), &[0; 64], gpu.clone(), false, None);
        assert_eq!((a.verdict, a.checks[2].status), (Verdict::Warning, Status::Warn));
        let a = compose(cpu.clone(), &[0; 64], gpu.clone(), true, None);
        assert_eq!(a.verdict, Verdict::Contraindicated);
        // Trustee's convention: the expected device nonce decides, whatever REPORT_DATA holds.
        let a = compose(cpu.clone(), &[0; 64], gpu.clone(), false, Some(n));
        assert_eq!((a.verdict, a.checks[2].status), (Verdict::Affirming, Status::Pass));
        let a = compose(cpu, &rd, gpu, false, Some([8; 32]));
        assert_eq!((a.verdict, a.checks[2].status), (Verdict::Contraindicated, Status::Fail));
        assert!(a.checks[2].detail.contains("GPU-0"));
    }
}
