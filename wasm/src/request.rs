//! The JSON request the core accepts (from the TypeScript wrapper through the wasm ABI, or from
//! native callers) and its dispatch to a platform verifier.
//!
//! ```json
//! { "evidence": {"name": "report.bin", "base64": "…"},
//!   "endorsements": [{"name": "vcek.der", "base64": "…"}],
//!   "test_anchors": [{"name": "test-ark.pem", "base64": "…"}],
//!   "policy": {"snp": {"allow_debug": false}, "tdx": {"accepted_tcb_statuses": ["UpToDate"]}},
//!   "reference_time": 1764547200,
//!   "type": "tdx" }
//! ```
//! `reference_time` is Unix seconds (UTC). `name` is used only in messages. `type` (`sev-snp`,
//! `tdx`, `sgx`, `nvidia`) is optional: without it NVIDIA evidence and DCAP quotes are recognised by
//! their bytes and anything else is read as SEV-SNP evidence. For TDX/SGX, `endorsements` are the
//! collateral files (see [`crate::tdx::collateral`]). `test_anchors` are explicit TEST roots (never for
//! production; the appraisal's trust anchor then says `test`): for SEV-SNP they replace the pinned ARK, for
//! TDX/SGX the pinned Intel SGX Root CA for a quote whose PCK chain ends in one of them.
//!
//! NVIDIA evidence (an SPDM attestation report, or NVIDIA serialized-evidence JSON) may bring
//! `"rims"` (RIM XML files), `"ocsp"` (DER OCSP responses) and `"more_evidence"` (further
//! serialized-evidence files, e.g. the switches of a PPCIe node); the device chain of a bare report
//! and CRLs go in `"endorsements"`. A SEV-SNP report with NVIDIA
//! serialized evidence in `"more_evidence"` is appraised as composite evidence ([`crate::composite`]).

use base64::Engine;
use serde::Deserialize;

use crate::appraisal::Appraisal;
use crate::error::InputError;
use crate::nvidia;
use crate::snp;
use crate::tdx;
use crate::x509::{load_endorsements, Endorsement};

/// A named byte blob (base64 in JSON).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Blob {
    pub name: String,
    pub base64: String,
}

impl Blob {
    /// The decoded bytes; an error names the blob.
    pub fn bytes(&self) -> Result<Vec<u8>, InputError> {
        base64::engine::general_purpose::STANDARD
            .decode(self.base64.as_bytes())
            .map_err(|e| InputError::new(&self.name, "base64", e.to_string()))
    }
}

/// A Custodian appraisal policy: one object per platform. Unknown keys are errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default)]
    pub snp: snp::policy::SnpPolicy,
    #[serde(default)]
    pub nvidia: nvidia::policy::NvidiaPolicy,
    #[serde(default)]
    pub tdx: tdx::policy::TdxPolicy,
    /// Azure vTPM quotes (with an HCL report, SEV-SNP or TDX).
    #[serde(default)]
    pub vtpm: crate::vtpm::VtpmPolicy,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub evidence: Blob,
    #[serde(default)]
    pub endorsements: Vec<Blob>,
    #[serde(default)]
    pub test_anchors: Vec<Blob>,
    #[serde(default)]
    pub policy: Option<serde_json::Value>,
    pub reference_time: i64,
    /// Forces the evidence type: `sev-snp`, `tdx`, `sgx` or `nvidia`.
    #[serde(default, rename = "type")]
    pub evidence_type: Option<String>,
    /// NVIDIA: RIMs, OCSP responses, further evidence files.
    #[serde(default)]
    pub rims: Vec<Blob>,
    #[serde(default)]
    pub ocsp: Vec<Blob>,
    #[serde(default)]
    pub more_evidence: Vec<Blob>,
}

/// Parses a policy document (the JSON of a policy file). Errors name the option.
pub fn parse_policy(value: Option<&serde_json::Value>) -> Result<Policy, InputError> {
    let policy: Policy = match value {
        None => Policy::default(),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| InputError::new("policy", "policy", e.to_string()))?,
    };
    policy.snp.validate().map_err(|m| InputError::new("policy", "snp", m))?;
    policy.nvidia.validate().map_err(|m| InputError::new("policy", "nvidia", m))?;
    policy.tdx.validate().map_err(|m| InputError::new("policy", "tdx", m))?;
    policy.vtpm.validate().map_err(|m| InputError::new("policy", "vtpm", m))?;
    Ok(policy)
}

/// What a JSON evidence file can be; the other forms are binary or hex (recognised by their bytes).
/// The envelopes are opened before the core sees them (electron/evidence/envelopes.ts), so JSON that
/// reaches this point matched none of them.
pub const UNRECOGNISED_JSON: &str = "unrecognised JSON evidence: expected one of NVIDIA serialized evidence ([{\"arch\", \"nonce\", \"evidence\", \"certificate\"}, ...]), Trustee SNP evidence ({\"attestation_report\", \"cert_chain\"}), Trustee TDX evidence ({\"quote\", \"cc_eventlog\"}), Trustee az-snp-vtpm / az-tdx-vtpm evidence ({\"version\", \"tpm_quote\", \"hcl_report\", ...}) or a Trustee Attestation ({\"runtime-data\", \"tee-evidence\"}); or a binary or hex SEV-SNP report, Azure HCL report, DCAP quote or SPDM report";

/// True when `bytes` is JSON text by its first non-whitespace byte (`{` or `[`). No binary evidence
/// starts so: an SNP report would have VERSION 0x7b/0x5b, a DCAP quote version 123/91, an HCL report "HCLA".
fn looks_like_json(bytes: &[u8]) -> bool {
    matches!(bytes.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// Runs one request. `Err` means the input could not be read or parsed (CLI exit 2); every
/// verification or policy outcome, good or bad, is an `Ok` appraisal.
pub fn run(req: &Request) -> Result<Appraisal, InputError> {
    let policy = parse_policy(req.policy.as_ref())?;
    let bytes = req.evidence.bytes()?;
    let forced = req.evidence_type.as_deref();
    if forced == Some("nvidia") || (forced.is_none() && nvidia::evidence::looks_like(&bytes)) {
        return run_nvidia(req, Some(&bytes), &req.endorsements, policy.nvidia);
    }
    if forced.is_none() && looks_like_json(&bytes) {
        return Err(InputError::new(&req.evidence.name, "evidence", UNRECOGNISED_JSON));
    }
    let quote = match forced {
        None => tdx::looks_like_quote(&bytes),
        Some("sev-snp") => false,
        Some("tdx" | "sgx") => true,
        Some(other) => return Err(InputError::new("request", "type", format!("unknown evidence type \"{other}\" (sev-snp, tdx, sgx, nvidia)"))),
    };
    if req.more_evidence.is_empty() {
        if let Some(b) = req.rims.iter().chain(&req.ocsp).next() {
            return Err(InputError::new(&b.name, "request", "RIMs and OCSP responses apply to NVIDIA evidence only"));
        }
    }
    let cpu = if quote { run_tdx(req, &bytes, policy.tdx, policy.vtpm)? } else { run_snp(req, &bytes, policy.snp, policy.vtpm)? };
    if req.more_evidence.is_empty() {
        return Ok(cpu);
    }
    // Composite: this CPU report plus the NVIDIA evidence in `more_evidence`, bound through the CPU
    // report's REPORT_DATA claim (the same 64 bytes for SEV-SNP, a TD and an enclave).
    let report_data: [u8; 64] = cpu
        .claims
        .get("report_data")
        .and_then(serde_json::Value::as_str)
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; 64]);
    let binding = policy.nvidia.require_cpu_binding;
    let expected_nonce = match policy.nvidia.cpu_binding {
        nvidia::policy::CpuBinding::Trustee => policy.nvidia.nonce_bytes().ok().flatten(),
        nvidia::policy::CpuBinding::ReportData => None,
    };
    // A quote's endorsements are Intel collateral; an SNP report's may carry the GPU CRLs too.
    let gpu_endorsements: &[Blob] = if quote { &[] } else { &req.endorsements };
    let gpu = run_nvidia(req, None, gpu_endorsements, policy.nvidia)?;
    Ok(crate::composite::compose(cpu, &report_data, gpu, binding, expected_nonce))
}

/// SEV-SNP: the endorsements are certificates and CRLs, and (beside an Azure HCL report) at most
/// one vTPM quote and one TPM event log, recognised by content ([`crate::vtpm::looks_like_quote`],
/// [`crate::eventlog::looks_like_event_log`]).
fn run_snp(req: &Request, bytes: &[u8], policy: snp::policy::SnpPolicy, vtpm_policy: crate::vtpm::VtpmPolicy) -> Result<Appraisal, InputError> {
    let evidence = snp::evidence::parse(bytes, &req.evidence.name)?;
    let mut endorsements = Vec::new();
    let mut vtpm: Option<crate::vtpm::VtpmQuote> = None;
    let mut tpm_log: Option<crate::eventlog::EventLog> = None;
    for b in &req.endorsements {
        let bytes = b.bytes()?;
        if crate::eventlog::looks_like_event_log(&bytes) {
            if let Some(first) = &tpm_log {
                return Err(InputError::new(&b.name, "event log", format!("a second TPM event log (the first was {}); pass one per vTPM quote", first.file)));
            }
            tpm_log = Some(crate::vtpm_log::parse(&bytes, &b.name)?);
            continue;
        }
        if crate::vtpm::looks_like_quote(&bytes) {
            if let Some(first) = &vtpm {
                return Err(InputError::new(&b.name, "vTPM quote", format!("a second vTPM quote (the first was {}); pass one per HCL report", first.file)));
            }
            vtpm = Some(crate::vtpm::parse(&bytes, &b.name)?);
            continue;
        }
        endorsements.extend(load_endorsements(&bytes, &b.name)?);
    }
    let test_anchors = test_anchor_certs(req)?;
    Ok(snp::verify(&snp::SnpInput { evidence, endorsements, test_anchors, policy, reference_time: req.reference_time, vtpm, vtpm_policy, tpm_log }))
}

/// The request's explicit TEST roots (certificates; a CRL there is an input error naming the file).
fn test_anchor_certs(req: &Request) -> Result<Vec<crate::x509::Cert>, InputError> {
    let mut test_anchors = Vec::new();
    for b in &req.test_anchors {
        for e in load_endorsements(&b.bytes()?, &b.name)? {
            match e {
                Endorsement::Cert(c) => test_anchors.push(c),
                Endorsement::Crl(_) => return Err(InputError::new(&b.name, "test anchor", "is a CRL, expected a root certificate")),
            }
        }
    }
    Ok(test_anchors)
}

fn blobs_of<T>(blobs: &[Blob], parse: impl Fn(&[u8], &str) -> Result<T, InputError>) -> Result<Vec<T>, InputError> {
    blobs.iter().map(|b| parse(&b.bytes()?, &b.name)).collect()
}

/// NVIDIA: split the evidence into devices, read RIMs, OCSP responses, CRLs and the chain. `primary`
/// is the request's own evidence when it is NVIDIA's (its device chain, if a bare report, comes from
/// the request); `None` for the GPU side of a composite request, whose certificates belong to the CPU
/// report. Test anchors are the request's in both cases. `endorsement_blobs` are the certificates
/// and CRLs to read (none when the CPU side is a DCAP quote, whose endorsements are Intel collateral).
fn run_nvidia(req: &Request, primary: Option<&[u8]>, endorsement_blobs: &[Blob], policy: nvidia::policy::NvidiaPolicy) -> Result<Appraisal, InputError> {
    let mut endorsements = Vec::new();
    for b in endorsement_blobs {
        endorsements.extend(load_endorsements(&b.bytes()?, &b.name)?);
    }
    let mut devices = match primary {
        Some(bytes) => nvidia::evidence::parse(bytes, &req.evidence.name, nvidia::evidence::chain_from(&endorsements))?,
        None => Vec::new(),
    };
    for b in &req.more_evidence {
        devices.extend(nvidia::evidence::parse(&b.bytes()?, &b.name, Vec::new())?);
    }
    let crls = endorsements.into_iter().filter_map(|e| match e {
        Endorsement::Crl(c) => Some(c),
        Endorsement::Cert(_) => None,
    });
    // Composite requests carry the CPU's and the devices' TEST roots together; the NVIDIA side picks
    // its own by subject (NvidiaInput::test_root), as the SEV-SNP side does.
    let test_anchors = blobs_of(&req.test_anchors, load_endorsements)?
        .into_iter()
        .flatten()
        .filter_map(|e| match e {
            Endorsement::Cert(c) => Some(c),
            Endorsement::Crl(_) => None,
        })
        .collect();
    Ok(nvidia::verify(&nvidia::NvidiaInput {
        devices,
        rims: blobs_of(&req.rims, nvidia::rim::Rim::parse)?,
        revocation: nvidia::revocation::RevocationData { ocsp: blobs_of(&req.ocsp, nvidia::revocation::Ocsp::parse)?, crls: crls.collect() },
        test_anchors,
        policy,
        reference_time: req.reference_time,
    }))
}

fn run_tdx(req: &Request, bytes: &[u8], policy: tdx::policy::TdxPolicy, vtpm_policy: crate::vtpm::VtpmPolicy) -> Result<Appraisal, InputError> {
    let name = &req.evidence.name;
    let (quote, form) = tdx::parse_evidence(bytes, name)?;
    let is_sgx = quote.body_kind == tdx::quote::BodyKind::Sgx;
    match req.evidence_type.as_deref() {
        Some("tdx") if is_sgx => return Err(InputError::new(name, "header.tee_type", "--type tdx, but this is an SGX quote")),
        Some("sgx") if !is_sgx => return Err(InputError::new(name, "header.tee_type", "--type sgx, but this is a TDX quote")),
        _ => {}
    }
    let test_anchors = test_anchor_certs(req)?;
    let mut collateral = tdx::collateral::Collateral::default();
    for b in &req.endorsements {
        collateral.add(&b.bytes()?, &b.name)?;
    }
    tdx::verify(&tdx::TdxInput { quote, file: name.clone(), form, collateral, policy, vtpm_policy, reference_time: req.reference_time, test_anchors })
}

/// Runs a request given as JSON text and returns the response JSON:
/// `{"ok": true, "appraisal": {…}}` or `{"ok": false, "error": {"file", "field", "message"}}`.
pub fn run_json(request: &[u8]) -> String {
    let result = serde_json::from_slice::<Request>(request)
        .map_err(|e| InputError::new("request", "request", e.to_string()))
        .and_then(|r| run(&r));
    let response = match result {
        Ok(a) => serde_json::json!({"ok": true, "appraisal": a}),
        Err(e) => serde_json::json!({"ok": false, "error": e}),
    };
    response.to_string()
}
