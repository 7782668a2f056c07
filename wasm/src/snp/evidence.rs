//! Recognises the forms SEV-SNP evidence arrives in and splits them into a report plus extras:
//! - a binary report (1184 bytes);
//! - the same as hex text (whitespace ignored);
//! - a report followed by a GHCB extended-report certificate table (`snpguest`/go-sev-guest
//!   `-inform bin` style: report ‖ table);
//! - an Azure vTPM HCL report (magic "HCLA"): 32-byte header, the SNP report at 0x20, then the HCL
//!   runtime data whose hash the report's REPORT_DATA carries (Azure confidential VM attestation
//!   documentation, "HCL report" / IGVM runtime claims).

use super::certtable::{self, Entry};
use crate::azure_hcl::{self, HclRuntime};
use super::report::{Report, REPORT_LEN};
use crate::error::InputError;

/// Parsed evidence: the report, any certificate-table entries, the HCL runtime data if it was an
/// HCL report, and what the form was (for the appraisal).
#[derive(Debug, Clone)]
pub struct SnpEvidence {
    pub report: Report,
    pub table: Vec<Entry>,
    pub hcl: Option<HclRuntime>,
    pub form: &'static str,
}


fn hex_text(bytes: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() < 2 * REPORT_LEN || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    hex::decode(&digits).ok()
}

fn parse_hcl(bytes: &[u8], file: &str) -> Result<SnpEvidence, InputError> {
    let hcl = azure_hcl::runtime(bytes, file)?;
    azure_hcl::require_type(&hcl, azure_hcl::REPORT_TYPE_SNP, file)?;
    let report_bytes = bytes.get(azure_hcl::HW_REPORT_OFFSET..).unwrap_or(&[]);
    let report = Report::parse(report_bytes, file)
        .map_err(|e| InputError::new(file, "HCL report: SNP report at offset 0x20", e.message))?;
    Ok(SnpEvidence { report, table: Vec::new(), hcl: Some(hcl), form: "Azure HCL report" })
}

/// Recognises and parses SEV-SNP evidence. `file` names the file in errors.
pub fn parse(bytes: &[u8], file: &str) -> Result<SnpEvidence, InputError> {
    if bytes.starts_with(azure_hcl::MAGIC) {
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
        assert_eq!(err.field, "HCL runtime data", "{err}");
    }

    /// An HCL report of the given runtime report type with empty runtime data.
    fn hcl_of_type(report_type: u32) -> Vec<u8> {
        let mut b = b"HCLA".to_vec();
        b.resize(0x20, 0);
        b.extend(blank_v3());
        b.extend([0u8; 8]);
        b.extend(report_type.to_le_bytes());
        b.extend(1u32.to_le_bytes()); // hash type SHA-256
        b.extend(0u32.to_le_bytes()); // no variable data
        b
    }

    #[test]
    fn a_tdx_hcl_report_is_not_read_as_an_snp_report() {
        // Issue 16: an Azure TDX HCL report was parsed as SNP ("SIGNING_KEY 4 is reserved").
        let err = parse(&hcl_of_type(azure_hcl::REPORT_TYPE_TDX), "hcl.bin").unwrap_err();
        assert_eq!(err.field, "HCL report type");
        assert!(err.message.contains("TDX HCL report") && err.message.contains("TD quote"), "{err}");
        let err = parse(&hcl_of_type(7), "hcl.bin").unwrap_err();
        assert!(err.message.contains("report type 7"), "{err}");
        assert!(parse(&hcl_of_type(azure_hcl::REPORT_TYPE_SNP), "hcl.bin").is_ok());
    }
}
