//! Azure vTPM HCL reports (magic "HCLA"), used by Azure confidential VMs for both SEV-SNP and TDX:
//! a 32-byte header, the hardware report area at 0x20 (1184 bytes: the SNP report, or the TDREPORT
//! padded), then the IGVM request data whose variable part — the HCL runtime data (a JSON document
//! carrying the vTPM AK, "HCLAkPub") — is hashed into the hardware report's REPORT_DATA.
//! Source: Azure confidential VM guest attestation ("HCL report", IGVM_REQUEST_DATA), the layout
//! confirmed on the real capture in ../shared/vectors/tdx (runtime data length at 1232, data at 1236).

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

use crate::appraisal::Checklist;
use crate::error::InputError;

/// "HCLA", the first four bytes of an HCL report.
pub const MAGIC: &[u8; 4] = b"HCLA";
/// Offset of the hardware report inside an HCL report.
pub const HW_REPORT_OFFSET: usize = 0x20;
/// Size of the hardware report area (bytes).
pub const HW_REPORT_LEN: usize = 1184;

/// IGVM report type of an SEV-SNP HCL report (the SNP report at 0x20).
pub const REPORT_TYPE_SNP: u32 = 2;
/// IGVM report type of a TDX HCL report (a TDREPORT at 0x20; the TD quote is a separate file).
pub const REPORT_TYPE_TDX: u32 = 4;

/// The HCL runtime data that the hardware report's REPORT_DATA binds.
#[derive(Debug, Clone)]
pub struct HclRuntime {
    /// 1 = SHA-256, 2 = SHA-384, 3 = SHA-512.
    pub hash_type: u32,
    /// IGVM report type (2 = SEV-SNP, 4 = TDX).
    pub report_type: u32,
    /// The variable data (runtime claims JSON) exactly as hashed.
    pub runtime_data: Vec<u8>,
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    b.get(off..off + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Reads the runtime data of an HCL report. Errors name `file` and the field (`HCL runtime data`)
/// for a short file or a declared length past its end.
pub fn runtime(bytes: &[u8], file: &str) -> Result<HclRuntime, InputError> {
    let data_off = HW_REPORT_OFFSET + HW_REPORT_LEN;
    let err = |m: String| InputError::new(file, "HCL runtime data", m);
    let header = |i: usize| u32_at(bytes, data_off + 4 * i).ok_or_else(|| err(format!("cut off at byte {}", data_off + 4 * i)));
    let (report_type, hash_type, var_len) = (header(2)?, header(3)?, header(4)? as usize);
    let start = data_off + 20;
    let runtime_data = start
        .checked_add(var_len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| err(format!("variable data length {var_len} exceeds the file ({} bytes)", bytes.len())))?
        .to_vec();
    Ok(HclRuntime { hash_type, report_type, runtime_data })
}

/// Refuses an HCL report whose runtime report type is not `want` ([`REPORT_TYPE_SNP`] or
/// [`REPORT_TYPE_TDX`]), saying what the file is and where it goes instead.
pub fn require_type(hcl: &HclRuntime, want: u32, file: &str) -> Result<(), InputError> {
    if hcl.report_type == want {
        return Ok(());
    }
    let why = match hcl.report_type {
        REPORT_TYPE_TDX => "this is a TDX HCL report (runtime report type 4): give the TD quote as the evidence and this HCL report beside it as collateral".to_string(),
        REPORT_TYPE_SNP => "this is an SEV-SNP HCL report (runtime report type 2): give it as the evidence itself (the SNP report is inside it), not beside a TD quote".to_string(),
        other => format!("runtime report type {other} is neither SEV-SNP (2) nor TDX (4)"),
    };
    Err(InputError::new(file, "HCL report type", why))
}

/// The hash of the runtime data by the report's `hash_type` (1 SHA-256, 2 SHA-384, 3 SHA-512): the
/// value REPORT_DATA must start with. `None` for an unknown hash type.
pub fn runtime_digest(hcl: &HclRuntime) -> Option<Vec<u8>> {
    match hcl.hash_type {
        1 => Some(Sha256::digest(&hcl.runtime_data).to_vec()),
        2 => Some(Sha384::digest(&hcl.runtime_data).to_vec()),
        3 => Some(Sha512::digest(&hcl.runtime_data).to_vec()),
        _ => None,
    }
}

/// Check `binding.hcl_runtime_data`: REPORT_DATA starts with the hash (by `hash_type`) of the runtime data.
pub fn check_binding(report_data: &[u8], hcl: &HclRuntime, list: &mut Checklist) {
    let Some(digest) = runtime_digest(hcl) else {
        list.fail("binding.hcl_runtime_data", format!("HCL hash type {} is unknown (1 SHA-256, 2 SHA-384, 3 SHA-512)", hcl.hash_type));
        return;
    };
    let n = digest.len();
    let actual = report_data.get(..n).unwrap_or(report_data);
    list.expect(
        "binding.hcl_runtime_data",
        actual == digest.as_slice(),
        format!("REPORT_DATA[0:{n}] equals the hash of the HCL runtime data ({} bytes)", hcl.runtime_data.len()),
        format!("REPORT_DATA[0:{n}] {} is not the hash of the HCL runtime data ({})", hex::encode(actual), hex::encode(&digest)),
    );
}

/// Claims `hcl_runtime_data` (the JSON, or hex when it is not JSON) and `hcl_report_type`.
pub fn insert_claims(hcl: &HclRuntime, claims: &mut Map<String, Value>) {
    let data = serde_json::from_slice::<Value>(&hcl.runtime_data).unwrap_or_else(|_| json!(hex::encode(&hcl.runtime_data)));
    claims.insert("hcl_runtime_data".into(), data);
    claims.insert("hcl_report_type".into(), json!(hcl.report_type));
}
