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

/// The header of an HCL report (IGVM attestation request header, 32 bytes: `signature`, `version`,
/// `report_size`, `request_type`, `status`, `reserved[3]`, u32 LE each; OpenHCL
/// `openhcl_attestation_protocol` `IgvmAttestRequestHeader`), and the request data header at
/// 0x4C0 (`data_size`, `version`, `report_type`, `report_data_hash_type`, `variable_data_size`)
/// that [`runtime`] reads.
const HEADER_ROWS: [(&str, &str, usize, &str); 6] = [
    ("hcl.signature", "Signature", 4, "\"HCLA\": an Azure vTPM HCL (IGVM attestation) report."),
    ("hcl.version", "Version", 4, "Format version of the attestation request."),
    ("hcl.report_size", "Report Size", 4, "Bytes of the report that are meaningful (the rest of the NV index is padding)."),
    ("hcl.request_type", "Request Type", 4, "IGVM request type (2 = AK_CERT_REQUEST)."),
    ("hcl.status", "Status", 4, "Status of the request."),
    ("hcl.reserved", "Reserved", 12, "Reserved."),
];
const DATA_ROWS: [(&str, &str, usize, &str); 5] = [
    ("hcl.data_size", "Data Size", 4, "Bytes of request data: this 20-byte header and the variable data."),
    ("hcl.data_version", "Version", 4, "Format version of the request data."),
    ("hcl_report_type", "Report Type", 4, "Hardware report type: 2 = SEV-SNP report, 4 = TDX TDREPORT."),
    ("hcl.hash_type", "Report Data Hash Type", 4, "Hash of the variable data in the hardware report's REPORT_DATA: 1 SHA-256, 2 SHA-384, 3 SHA-512."),
    ("hcl.variable_data_size", "Variable Data Size", 4, "Length of the variable data (the runtime claims JSON)."),
];

/// TDREPORT_STRUCT (Intel TDX Module ABI "TDREPORT_STRUCT", 1024 bytes): REPORTMACSTRUCT (256),
/// TEE_TCB_INFO (239), reserved (17), TDINFO (512). Ids of the fields a TD quote body repeats are
/// the quote's claim names, so the two can be compared field by field.
const TDREPORT_ROWS: [(&str, &str, usize, &str); 28] = [
    ("tdreport.report_type", "REPORTTYPE", 4, "Type of the report: 0x81 = TDX (TYPE, SUBTYPE, VERSION, reserved)."),
    ("tdreport.reserved1", "reserved", 12, "Reserved."),
    ("tdreport.cpu_svn", "CPUSVN", 16, "Security version of the CPU."),
    ("tdreport.tee_tcb_info_hash", "TEE_TCB_INFO_HASH", 48, "SHA-384 of TEE_TCB_INFO."),
    ("tdreport.tee_info_hash", "TEE_INFO_HASH", 48, "SHA-384 of TDINFO."),
    ("report_data", "REPORTDATA", 64, "TD-chosen data: here the hash of the HCL runtime data (the vTPM AK)."),
    ("tdreport.reserved2", "reserved", 32, "Reserved."),
    ("tdreport.mac", "MAC", 32, "MAC over REPORTMACSTRUCT, checked by the quoting enclave (not verifiable outside the platform)."),
    ("tdreport.tee_tcb_info_valid", "TEE_TCB_INFO.VALID", 8, "Which TEE_TCB_INFO fields are valid."),
    ("tee_tcb_svn", "TEE_TCB_SVN", 16, "Security versions of the TDX module and its components."),
    ("mr_seam", "MRSEAM", 48, "Measurement of the TDX module."),
    ("mr_signer_seam", "MRSIGNERSEAM", 48, "Signer of the TDX module (zero for Intel's)."),
    ("seam_attributes", "ATTRIBUTES", 8, "Attributes of the TDX module; every bit reserved (zero) in TDX 1.x."),
    ("tdreport.tee_tcb_info_reserved", "reserved", 111, "Rest of TEE_TCB_INFO (TEE_TCB_SVN2 … in TDX 1.5)."),
    ("tdreport.reserved3", "reserved", 17, "Reserved."),
    ("td_attributes", "ATTRIBUTES", 8, "TD attributes: DEBUG, SEPT_VE_DISABLE, PKS, KL, PERFMON …"),
    ("xfam", "XFAM", 8, "Extended features (XSAVE state components) the TD may use."),
    ("mr_td", "MRTD", 48, "Measurement of the initial TD contents (firmware)."),
    ("mr_config_id", "MRCONFIGID", 48, "Software-defined id of the TD configuration."),
    ("mr_owner", "MROWNER", 48, "Software-defined id of the TD owner."),
    ("mr_owner_config", "MROWNERCONFIG", 48, "Software-defined owner configuration."),
    ("rtmr0", "RTMR0", 48, "Runtime measurement register 0: firmware configuration."),
    ("rtmr1", "RTMR1", 48, "Runtime measurement register 1: OS loader and kernel."),
    ("rtmr2", "RTMR2", 48, "Runtime measurement register 2: OS command line and initrd."),
    ("rtmr3", "RTMR3", 48, "Runtime measurement register 3: application-defined."),
    ("tdreport.servtd_hash", "SERVTD_HASH", 48, "Hash of the bound service TDs."),
    ("tdreport.tdinfo_reserved", "reserved", 64, "Rest of TDINFO."),
    ("tdreport.padding", "padding", HW_REPORT_LEN - 1024, "The 1184-byte hardware report area after the 1024-byte TDREPORT."),
];

/// Describes an HCL report: header → hardware report (the SEV-SNP report's fields, or the
/// TDREPORT's) → request data header → variable data (the runtime claims JSON, which REPORT_DATA
/// binds) → padding. Never fails: cut files give the fields that fit and a note.
pub fn describe(bytes: &[u8], file: &str) -> crate::fields::Description {
    use crate::fields::{cut, place, Description, Field};
    let len = bytes.len();
    let u32_or = |o: usize| u32_at(bytes, o);
    let mut note = String::new();
    let mut fields = Vec::new();
    let (header, _) = place(&HEADER_ROWS, 0, len);
    let header: Vec<Field> = header.into_iter().map(|f| with_u32_value(f, bytes)).collect();
    let header_end = HW_REPORT_OFFSET.min(len);
    if header_end > 0 {
        fields.push(Field::new("hcl.header", "HCL header", 0, header_end, "IGVM attestation request header.").children(header));
    }
    let data_off = HW_REPORT_OFFSET + HW_REPORT_LEN;
    let report_type = u32_or(data_off + 8).unwrap_or(if bytes.get(HW_REPORT_OFFSET) == Some(&0x81) { REPORT_TYPE_TDX } else { REPORT_TYPE_SNP });
    let hw = &bytes[HW_REPORT_OFFSET.min(len)..data_off.min(len)];
    if !hw.is_empty() {
        let (children, label, meaning) = if report_type == REPORT_TYPE_TDX {
            let (rows, _) = place(&TDREPORT_ROWS, HW_REPORT_OFFSET, data_off.min(len));
            let rows = rows.into_iter().map(|f| tdreport_value(f, bytes)).collect();
            (rows, "TDREPORT", "The TD's TDREPORT (MAC'd by the CPU): the TD quote beside this file is made from it.")
        } else {
            let (rows, n) = crate::snp::fields::report_fields(hw, HW_REPORT_OFFSET, file);
            if note.is_empty() {
                note = n;
            }
            (rows, "SEV-SNP report", "The guest's SEV-SNP ATTESTATION_REPORT, signed by the VCEK.")
        };
        fields.push(Field::new("hcl.hw_report", label, HW_REPORT_OFFSET, hw.len(), meaning).children(children));
    }
    if len < data_off + 20 {
        if note.is_empty() {
            note = cut(file, "IGVM request data", 20, data_off, len);
        }
        return Description { format: "azure-hcl-report".into(), length: len, fields, note };
    }
    let (mut data, _) = place(&DATA_ROWS, data_off, len);
    data = data.into_iter().map(|f| with_u32_value(f, bytes)).collect();
    let var_len = u32_or(data_off + 16).unwrap_or(0) as usize;
    let var_start = data_off + 20;
    let var_end = var_start.saturating_add(var_len).min(len);
    if var_start.saturating_add(var_len) > len {
        note = cut(file, "Variable Data", var_len, var_start, len);
    }
    if var_end > var_start {
        let text = String::from_utf8_lossy(&bytes[var_start..var_end]);
        let shown: String = text.chars().take(160).collect();
        let ellipsis = if text.chars().count() > 160 { "…" } else { "" };
        data.push(
            Field::new("hcl.variable_data", "Variable Data (runtime data)", var_start, var_end - var_start, "Runtime claims JSON (vTPM AK \"HCLAkPub\", VM configuration); its hash is the start of REPORT_DATA.")
                .value(format!("{shown}{ellipsis}")),
        );
    }
    fields.push(Field::new("hcl.request_data", "IGVM request data", data_off, var_end - data_off, "What the hardware report's REPORT_DATA binds: a header and the variable data.").children(data));
    if var_end < len {
        let rest = &bytes[var_end..];
        let zero = rest.iter().all(|b| *b == 0);
        fields.push(Field::new("hcl.padding", "padding", var_end, len - var_end, "Bytes after the request data (the NV index is read whole).").value(if zero { "zero".to_string() } else { format!("{} bytes, not all zero", rest.len()) }));
    }
    Description { format: "azure-hcl-report".into(), length: len, fields, note }
}

fn with_u32_value(f: crate::fields::Field, bytes: &[u8]) -> crate::fields::Field {
    match (f.length, u32_at(bytes, f.offset)) {
        (4, Some(v)) if f.id == "hcl.signature" => f.value(String::from_utf8_lossy(&v.to_le_bytes()).to_string()),
        (4, Some(v)) => f.value(v.to_string()),
        _ => f,
    }
}

fn tdreport_value(f: crate::fields::Field, bytes: &[u8]) -> crate::fields::Field {
    let b = &bytes[f.offset..f.offset + f.length];
    if f.id.contains("reserved") || f.id.ends_with("padding") {
        let zero = b.iter().all(|x| *x == 0);
        return f.value(if zero { "zero".to_string() } else { crate::fields::hex_value(b) });
    }
    let v = f.value(crate::fields::hex_value(b));
    let u64v = || u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
    match v.id.as_str() {
        "td_attributes" => {
            let parts = crate::tdx::fields::td_attribute_parts(u64v());
            v.parts(parts)
        }
        "xfam" => {
            let parts = crate::tdx::fields::xfam_parts(u64v());
            v.parts(parts)
        }
        _ => v,
    }
}

#[cfg(test)]
mod field_tests {
    use super::*;
    use crate::fields::tests::{assert_well_formed, find};
    use crate::snp::report::tests::blank_v3;

    fn hcl(report: &[u8], report_type: u32, json: &[u8]) -> Vec<u8> {
        let mut b = b"HCLA".to_vec();
        b.extend([2, 0, 0, 0]);
        b.resize(0x20, 0);
        let mut hw = report.to_vec();
        hw.resize(HW_REPORT_LEN, 0);
        b.extend(hw);
        b.extend((20 + json.len() as u32).to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend(report_type.to_le_bytes());
        b.extend(1u32.to_le_bytes());
        b.extend((json.len() as u32).to_le_bytes());
        b.extend(json);
        b.extend([0u8; 7]);
        b
    }

    #[test]
    fn snp_hcl_nests_the_report_and_the_runtime_data() {
        let b = hcl(&blank_v3(), REPORT_TYPE_SNP, br#"{"keys":[]}"#);
        let d = describe(&b, "hcl.bin");
        assert!(d.note.is_empty(), "{}", d.note);
        assert_well_formed(&d);
        let ids: Vec<_> = d.fields.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["hcl.header", "hcl.hw_report", "hcl.request_data", "hcl.padding"]);
        assert_eq!(find(&d, "measurement").unwrap().offset, 0x20 + 0x90);
        let var = find(&d, "hcl.variable_data").unwrap();
        assert_eq!(&b[var.offset..var.offset + var.length], br#"{"keys":[]}"#);
        assert_eq!(runtime(&b, "hcl.bin").unwrap().runtime_data, br#"{"keys":[]}"#, "the parser reads the same bytes");
        assert_eq!(find(&d, "hcl_report_type").unwrap().value.as_deref(), Some("2"));
    }

    #[test]
    fn tdx_hcl_shows_the_tdreport() {
        let mut tr = vec![0u8; 1024];
        tr[0] = 0x81;
        tr[512] = 1; // TD_ATTRIBUTES.DEBUG
        tr[528..576].copy_from_slice(&[0x7D; 48]);
        let b = hcl(&tr, REPORT_TYPE_TDX, b"{}");
        let d = describe(&b, "hcl.bin");
        assert_well_formed(&d);
        assert_eq!(find(&d, "hcl.hw_report").unwrap().label, "TDREPORT");
        let mr_td = find(&d, "mr_td").unwrap();
        assert_eq!(&b[mr_td.offset..mr_td.offset + 48], &[0x7D; 48]);
        assert_eq!(find(&d, "td_attributes").unwrap().parts[0].value, "1");
    }

    /// Threat: a cut or hostile HCL report crashing the Inspector: every prefix describes, and a
    /// variable-data length past the end is named in the note.
    #[test]
    fn cut_and_hostile_hcl_reports_give_what_fits() {
        let b = hcl(&blank_v3(), REPORT_TYPE_SNP, b"{}");
        for n in (0..b.len()).step_by(5) {
            assert_well_formed(&describe(&b[..n], "cut.bin"));
        }
        let mut h = b.clone();
        let at = HW_REPORT_OFFSET + HW_REPORT_LEN + 16;
        h[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let d = describe(&h, "h.bin");
        assert_well_formed(&d);
        assert!(d.note.contains("Variable Data"), "{}", d.note);
    }
}
