//! The forms NVIDIA evidence arrives in, split into one [`DeviceEvidence`] per device:
//! - NVIDIA "serialized evidence" JSON (attestation-sdk `--gpu-evidence-file` / `--switch-evidence-file`,
//!   the NRAS `evidence_list` pair): `[{"arch": "HOPPER"|"BLACKWELL"|"LS10", "nonce": hex,
//!   "evidence": base64(report), "certificate": base64(PEM chain)}, …]`, optional extra keys
//!   `driver_version`, `vbios_version`, `version` (one object instead of an array is accepted too);
//! - one attestation report (hex text or binary) whose PEM chain comes from the endorsements.

use base64::Engine;
use serde::Deserialize;

use super::spdm::{decode_report_bytes, Report};
use crate::error::InputError;
use crate::x509::{load_endorsements, Cert, Endorsement};

/// The architecture NVIDIA names (serialized evidence `arch`; NVML: Hopper 9, Blackwell 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Hopper,
    Blackwell,
    Ls10,
}

impl Arch {
    /// From the serialized evidence's `arch` (case-insensitive); `None` if unknown.
    pub fn parse(s: &str) -> Option<Arch> {
        match s.to_ascii_uppercase().as_str() {
            "HOPPER" => Some(Arch::Hopper),
            "BLACKWELL" => Some(Arch::Blackwell),
            "LS10" => Some(Arch::Ls10),
            _ => None,
        }
    }
    /// NVIDIA's spelling, as in serialized evidence.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Hopper => "HOPPER",
            Arch::Blackwell => "BLACKWELL",
            Arch::Ls10 => "LS10",
        }
    }
    /// GPU for Hopper and Blackwell, switch for LS10.
    pub fn kind(self) -> super::DeviceKind {
        match self {
            Arch::Ls10 => super::DeviceKind::Switch,
            _ => super::DeviceKind::Gpu,
        }
    }
    /// From the device chain when the evidence does not say: the CN of certificate 1
    /// ("GH100 A01 GSP BROM", "GB100 …", "GB20x …", "LS_10 A01 FSP BROM").
    pub fn from_hwmodel(hwmodel: &str) -> Option<Arch> {
        let m = hwmodel.to_ascii_uppercase();
        if m.starts_with("LS_10") || m.starts_with("LS10") {
            Some(Arch::Ls10)
        } else if m.starts_with("GH") {
            Some(Arch::Hopper)
        } else if m.starts_with("GB") {
            Some(Arch::Blackwell)
        } else {
            None
        }
    }
}

/// One device's evidence.
#[derive(Debug, Clone)]
pub struct DeviceEvidence {
    /// Where it came from, e.g. `evidence.json[2]` or `report.hex`.
    pub source: String,
    /// `arch` as the evidence states it (`None` for a bare report); an unknown string is kept for the
    /// arch check to report.
    pub arch_text: Option<String>,
    /// The serialized evidence's own `nonce` field (hex as given).
    pub json_nonce: Option<String>,
    pub report: Report,
    /// The device chain, leaf first.
    pub chain: Vec<Cert>,
}

/// One serialized-evidence entry. Other keys NVIDIA's collectors add (`driver_version`,
/// `vbios_version`, `version`) are informational and ignored: the report's own opaque data is what
/// the appraisal uses.
#[derive(Deserialize)]
struct Entry {
    arch: String,
    nonce: Option<String>,
    evidence: String,
    certificate: String,
}

/// True when `bytes` looks like NVIDIA evidence (a report, or serialized-evidence JSON).
pub fn looks_like(bytes: &[u8]) -> bool {
    if decode_report_bytes(bytes).is_some() {
        return true;
    }
    let head: Vec<u8> = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).take(16).collect();
    (head.starts_with(b"[{") || head.starts_with(b"{")) && bytes.windows(9).any(|w| w == b"\"evidence") && bytes.windows(6).any(|w| w == b"\"arch\"")
}

fn certs_of(bytes: &[u8], source: &str) -> Result<Vec<Cert>, InputError> {
    load_endorsements(bytes, source)?
        .into_iter()
        .map(|e| match e {
            Endorsement::Cert(c) => Ok(c),
            Endorsement::Crl(_) => Err(InputError::new(source, "certificate", "a CRL where the device certificate chain was expected")),
        })
        .collect()
}

/// Parses the evidence file. `chain` is the device chain for a bare report (from `--chain`).
pub fn parse(bytes: &[u8], file: &str, chain: Vec<Cert>) -> Result<Vec<DeviceEvidence>, InputError> {
    if let Some(raw) = decode_report_bytes(bytes) {
        let report = Report::parse(&raw, file)?;
        return Ok(vec![DeviceEvidence { source: file.to_string(), arch_text: None, json_nonce: None, report, chain }]);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| InputError::new(file, "JSON", e.to_string()))?;
    let items = match value {
        serde_json::Value::Array(a) => a,
        v @ serde_json::Value::Object(_) => vec![v],
        _ => return Err(InputError::new(file, "JSON", "expected an array of {arch, nonce, evidence, certificate} objects")),
    };
    if items.is_empty() {
        return Err(InputError::new(file, "JSON", "the evidence array is empty"));
    }
    // Base64 with any line breaks removed (some collectors wrap it).
    let b64 = |text: &str| {
        let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        base64::engine::general_purpose::STANDARD.decode(clean)
    };
    let mut out = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let source = format!("{file}[{i}]");
        let e: Entry = serde_json::from_value(item).map_err(|e| InputError::new(&source, "entry", e.to_string()))?;
        let raw = b64(&e.evidence).map_err(|err| InputError::new(&source, "evidence", format!("not base64: {err}")))?;
        let report = Report::parse(&raw, &format!("{source}.evidence"))?;
        let pem = b64(&e.certificate).map_err(|err| InputError::new(&source, "certificate", format!("not base64: {err}")))?;
        let chain = certs_of(&pem, &format!("{source}.certificate"))?;
        out.push(DeviceEvidence { source, arch_text: Some(e.arch), json_nonce: e.nonce, report, chain });
    }
    Ok(out)
}

/// The device chain from endorsement certificates (a bare report's `--chain`): the certificates in
/// the order supplied.
pub fn chain_from(endorsements: &[Endorsement]) -> Vec<Cert> {
    endorsements
        .iter()
        .filter_map(|e| match e {
            Endorsement::Cert(c) => Some(c.clone()),
            Endorsement::Crl(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_serialized_evidence_and_rejects_garbage_by_name() {
        assert!(looks_like(br#"[{"arch":"HOPPER","nonce":"00","evidence":"","certificate":""}]"#));
        assert!(!looks_like(b"\x02\x00\x00\x00"));
        let e = parse(br#"[{"arch":"HOPPER","nonce":"00","evidence":"!!","certificate":""}]"#, "e.json", vec![]).unwrap_err();
        assert_eq!((e.file.as_str(), e.field.as_str()), ("e.json[0]", "evidence"));
        let e = parse(br#"[{"arch":"HOPPER"}]"#, "e.json", vec![]).unwrap_err();
        assert_eq!(e.field, "entry");
        assert_eq!(parse(b"[]", "e.json", vec![]).unwrap_err().field, "JSON");
    }

    #[test]
    fn arch_from_hwmodel() {
        assert_eq!(Arch::from_hwmodel("GH100 A01 GSP BROM"), Some(Arch::Hopper));
        assert_eq!(Arch::from_hwmodel("GB100 A01 GSP BROM"), Some(Arch::Blackwell));
        assert_eq!(Arch::from_hwmodel("LS_10 A01 FSP BROM"), Some(Arch::Ls10));
        assert_eq!(Arch::from_hwmodel("X"), None);
    }
}
