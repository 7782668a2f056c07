//! Recognises the forms SEV-SNP evidence arrives in and splits them into a report plus extras:
//! - a binary report (1184 bytes);
//! - the same as hex text (whitespace ignored);
//! - a report followed by a GHCB extended-report certificate table (`snpguest`/go-sev-guest
//!   `-inform bin` style: report ‖ table);
//! - an Azure vTPM HCL report (magic "HCLA"): 32-byte header, the SNP report at 0x20, then the HCL
//!   runtime data whose hash the report's REPORT_DATA carries (Azure confidential VM attestation
//!   documentation, "HCL report" / IGVM runtime claims).

use super::certtable::{self, Entry};
use super::report::{Report, REPORT_LEN};
use crate::error::InputError;

/// The Azure HCL runtime data that REPORT_DATA binds.
#[derive(Debug, Clone)]
pub struct HclRuntime {
    /// 1 = SHA-256, 2 = SHA-384, 3 = SHA-512.
    pub hash_type: u32,
    pub report_type: u32,
    /// The variable data (runtime claims JSON) exactly as hashed.
    pub runtime_data: Vec<u8>,
}

/// Parsed evidence: the report, any certificate-table entries, the HCL runtime data if it was an
/// HCL report, and what the form was (for the appraisal).
#[derive(Debug, Clone)]
pub struct SnpEvidence {
    pub report: Report,
    pub table: Vec<Entry>,
    pub hcl: Option<HclRuntime>,
    pub form: &'static str,
}

const HCL_MAGIC: &[u8; 4] = b"HCLA";
const HCL_REPORT_OFFSET: usize = 0x20;

fn hex_text(bytes: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() < 2 * REPORT_LEN || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    hex::decode(&digits).ok()
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    b.get(off..off + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn parse_hcl(bytes: &[u8], file: &str) -> Result<SnpEvidence, InputError> {
    let report_bytes = bytes.get(HCL_REPORT_OFFSET..).unwrap_or(&[]);
    let report = Report::parse(report_bytes, file)
        .map_err(|e| InputError::new(file, "HCL report: SNP report at offset 0x20", e.message))?;
    let data_off = HCL_REPORT_OFFSET + REPORT_LEN;
    let err = |m: String| InputError::new(file, "HCL runtime data", m);
    let header = |i: usize| u32_at(bytes, data_off + 4 * i).ok_or_else(|| err(format!("cut off at byte {}", data_off + 4 * i)));
    let (_size, _version, report_type, hash_type, var_len) = (header(0)?, header(1)?, header(2)?, header(3)?, header(4)? as usize);
    let start = data_off + 20;
    let runtime_data = start
        .checked_add(var_len)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| err(format!("variable data length {var_len} exceeds the file ({} bytes)", bytes.len())))?
        .to_vec();
    Ok(SnpEvidence { report, table: Vec::new(), hcl: Some(HclRuntime { hash_type, report_type, runtime_data }), form: "Azure HCL report" })
}

/// Recognises and parses SEV-SNP evidence. `file` names the file in errors.
pub fn parse(bytes: &[u8], file: &str) -> Result<SnpEvidence, InputError> {
    if bytes.starts_with(HCL_MAGIC) {
        return parse_hcl(bytes, file);
    }
    let (bytes, hex_form) = match hex_text(bytes) {
        Some(decoded) => (decoded, true),
        None => (bytes.to_vec(), false),
    };
    let report = Report::parse(&bytes, file)?;
    let rest = &bytes[REPORT_LEN..];
    let (table, form) = if rest.is_empty() {
        (Vec::new(), if hex_form { "hex report" } else { "binary report" })
    } else if rest.iter().all(|b| *b == 0) {
        (Vec::new(), "binary report (zero padding after it)")
    } else {
        (certtable::parse(rest, file)?, "report with extended-report certificate table")
    };
    Ok(SnpEvidence { report, table, hcl: None, form })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snp::report::tests::blank_v3;

    #[test]
    fn hex_text_is_decoded() {
        let text = hex::encode_upper(blank_v3());
        let wrapped: String = text.as_bytes().chunks(64).map(|c| format!("{}\n", std::str::from_utf8(c).unwrap())).collect();
        let e = parse(wrapped.as_bytes(), "r.hex").unwrap();
        assert_eq!(e.form, "hex report");
        assert_eq!(e.report.version, 3);
    }

    #[test]
    fn trailing_garbage_is_a_table_error() {
        let mut b = blank_v3();
        b.extend([0xAB; 10]);
        let err = parse(&b, "r.bin").unwrap_err();
        assert_eq!(err.field, "certificate table");
    }

    #[test]
    fn hcl_with_hostile_length_is_an_error() {
        let mut b = b"HCLA".to_vec();
        b.resize(0x20, 0);
        b.extend(blank_v3());
        b.extend([0u8; 16]);
        b.extend(u32::MAX.to_le_bytes());
        let err = parse(&b, "hcl.bin").unwrap_err();
        assert_eq!(err.field, "HCL runtime data");
        let err = parse(&b[..100], "hcl.bin").unwrap_err();
        assert!(err.field.contains("offset 0x20"), "{err}");
    }
}
