//! SEV-SNP appraisal policy: the `"snp"` object of a Custodian policy file (snake_case JSON).
//! Defaults are safe: debug and migration agents forbidden, provisional firmware not permitted.
//! Unknown keys are rejected, so a misspelt option can never silently weaken a policy.
//! Semantics follow go-sev-guest `validate.Options` where it has the same option.

use serde::Deserialize;

use super::tcb::Tcb;
use crate::policy_util::{check_hex, check_hex_list};

/// All options. Byte-string options are lowercase or uppercase hex of the exact field length.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnpPolicy {
    /// Accept POLICY.DEBUG = 1. Default false.
    #[serde(default)]
    pub allow_debug: bool,
    /// Accept POLICY.MIGRATE_MA = 1. Default false.
    #[serde(default)]
    pub allow_migrate_ma: bool,
    /// false (default): COMMITTED_TCB must equal CURRENT_TCB and the committed firmware version the
    /// current one. true: COMMITTED_TCB <= CURRENT_TCB component-wise.
    #[serde(default)]
    pub permit_provisional_firmware: bool,
    /// Component-wise minimum of REPORTED_TCB.
    pub minimum_tcb: Option<Tcb>,
    /// Component-wise minimum of LAUNCH_TCB.
    pub minimum_launch_tcb: Option<Tcb>,
    pub minimum_guest_svn: Option<u32>,
    /// Allow-list of MEASUREMENT values (48-byte hex each).
    pub measurements: Option<Vec<String>>,
    /// Exact REPORT_DATA (64-byte hex).
    pub report_data: Option<String>,
    /// Exact HOST_DATA (32-byte hex).
    pub host_data: Option<String>,
    /// Exact CHIP_ID (64-byte hex).
    pub chip_id: Option<String>,
    /// Exact FAMILY_ID (16-byte hex).
    pub family_id: Option<String>,
    /// Exact IMAGE_ID (16-byte hex).
    pub image_id: Option<String>,
    /// Exact VMPL (0–3).
    pub vmpl: Option<u32>,
    /// ID_KEY_DIGEST must be one of these (48-byte hex, SHA-384 of the AMD-format public key), or be
    /// vouched for by a trusted author key.
    pub trusted_id_key_hashes: Option<Vec<String>>,
    /// AUTHOR_KEY_DIGEST values (48-byte hex) whose ID keys are trusted.
    pub trusted_author_key_hashes: Option<Vec<String>>,
    /// Require AUTHOR_KEY_EN = 1.
    #[serde(default)]
    pub require_author_key: bool,
    /// Minimum CURRENT_BUILD.
    pub minimum_build: Option<u8>,
    /// A CRL past its nextUpdate fails instead of warning.
    #[serde(default)]
    pub strict_crl: bool,
    /// Product line to assume for version 2 reports, which carry no CPUID ("Milan", "Genoa", "Turin").
    pub product: Option<String>,
}

impl SnpPolicy {
    /// Checks every hex option's syntax and length up front, so a bad policy is an input error and
    /// never a silent non-match. Returns one sentence naming the option.
    pub fn validate(&self) -> Result<(), String> {
        let one = |name: &str, v: &Option<String>, len: usize| check_hex("snp", name, v, len);
        let many = |name: &str, v: &Option<Vec<String>>, len: usize| check_hex_list("snp", name, v, len);
        one("report_data", &self.report_data, 64)?;
        one("host_data", &self.host_data, 32)?;
        one("chip_id", &self.chip_id, 64)?;
        one("family_id", &self.family_id, 16)?;
        one("image_id", &self.image_id, 16)?;
        many("measurements", &self.measurements, 48)?;
        many("trusted_id_key_hashes", &self.trusted_id_key_hashes, 48)?;
        many("trusted_author_key_hashes", &self.trusted_author_key_hashes, 48)?;
        if let Some(p) = &self.product {
            super::product::Product::parse(p).ok_or(format!("policy snp.product: unknown product line \"{p}\""))?;
        }
        if matches!(self.vmpl, Some(v) if v > 3) {
            return Err("policy snp.vmpl: must be 0–3".into());
        }
        Ok(())
    }
}
