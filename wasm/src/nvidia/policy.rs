//! NVIDIA appraisal policy: the `"nvidia"` object of a Custodian policy file (snake_case JSON).
//! Defaults follow NVIDIA's own built-in policy where it has one (RIMs required, certificate hold not
//! tolerated) and Custodian's offline stance where it does not (revocation data missing → warning,
//! never silent). Unknown keys are rejected.

use serde::Deserialize;

/// What to do when no OCSP response or CRL covers a certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationPolicy {
    /// Every checked certificate must be shown good by an imported OCSP response or CRL (NVIDIA's
    /// default online behaviour).
    RequireGood,
    /// Missing revocation data is a warning (the default: offline rooms often have none).
    #[default]
    AllowUnknown,
}

fn yes() -> bool {
    true
}

/** How composite evidence ties the devices to the CPU TEE (`binding.gpu_nonce`, crate::composite). */
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CpuBinding {
    /// The CPU TEE chose each device's nonce and reported it in REPORT_DATA (bytes 0..32 or 32..64).
    #[default]
    ReportData,
    /// Trustee's composite attester: every device answers `nonce` (the relying party's device nonce,
    /// H(JCS({nonce, tee-pubkey}))[0..32]); REPORT_DATA hashes the additional evidence that carries the
    /// devices, which the relying party checks (the core does not see that string).
    Trustee,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NvidiaPolicy {
    /// The relying party's 32-byte nonce (hex) every report's request must carry. Without it
    /// freshness is not established (a warning). The CLI's `--nonce` sets it.
    pub nonce: Option<String>,
    /// Golden measurements are required: a device without its driver/VBIOS (switch: BIOS) RIM fails.
    /// false: "RIM not available" is a warning. Default true.
    #[serde(default = "yes")]
    pub require_rims: bool,
    /// Tolerate a certificate on hold (CRL/OCSP reason certificateHold) as a warning, like nvtrust's
    /// `--allow_hold_cert`. Default false.
    #[serde(default)]
    pub allow_cert_hold: bool,
    /// `require_good` or `allow_unknown` (default).
    #[serde(default)]
    pub revocation: RevocationPolicy,
    /// Accept only these driver versions (GPUs), compared case-insensitively.
    pub allowed_driver_versions: Option<Vec<String>>,
    /// Accept only these VBIOS (GPU) / BIOS (switch) versions, compared case-insensitively.
    pub allowed_vbios_versions: Option<Vec<String>>,
    /// RIM indices (0-based, as in mismatch records) whose mismatch is tolerated (reported as a
    /// warning), e.g. NVIDIA's published "allow MSR 7 mismatch" policy.
    #[serde(default)]
    pub ignore_measurement_indices: Vec<u32>,
    /// Require protected PCIe: every GPU reports PROTECTED_PCIE_STATUS 0xAA (and FEATURE_FLAG PPCIE
    /// when opaque data v1+), and the GPU/switch topology check must pass.
    #[serde(default)]
    pub require_ppcie: bool,
    /// Composite evidence (a CPU report with GPU evidence): every GPU/switch request nonce must appear
    /// in the CPU report's REPORT_DATA; otherwise the missing binding is a warning. Default false.
    #[serde(default)]
    pub require_cpu_binding: bool,
    /// Composite evidence: `report_data` (default) or `trustee` (needs `nonce`), see [`CpuBinding`].
    #[serde(default)]
    pub cpu_binding: CpuBinding,
}

impl Default for NvidiaPolicy {
    fn default() -> Self {
        NvidiaPolicy {
            nonce: None,
            require_rims: true,
            allow_cert_hold: false,
            revocation: RevocationPolicy::default(),
            allowed_driver_versions: None,
            allowed_vbios_versions: None,
            ignore_measurement_indices: Vec::new(),
            require_ppcie: false,
            require_cpu_binding: false,
            cpu_binding: CpuBinding::ReportData,
        }
    }
}

impl NvidiaPolicy {
    /// The nonce as 32 bytes; the error names the option.
    pub fn nonce_bytes(&self) -> Result<Option<[u8; 32]>, String> {
        let Some(n) = &self.nonce else { return Ok(None) };
        let v = hex::decode(n.trim()).map_err(|e| format!("policy nvidia.nonce: not hex ({e})"))?;
        v.as_slice().try_into().map(Some).map_err(|_| format!("policy nvidia.nonce: {} bytes, expected 32", v.len()))
    }
    /// Checks option syntax up front (a bad policy is an input error, never a silent non-match).
    pub fn validate(&self) -> Result<(), String> {
        let nonce = self.nonce_bytes()?;
        if self.cpu_binding == CpuBinding::Trustee && nonce.is_none() {
            return Err("policy nvidia.cpu_binding \"trustee\" needs nvidia.nonce (the device nonce every device must answer)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_strictness() {
        let p: NvidiaPolicy = serde_json::from_str("{}").unwrap();
        assert!(p.require_rims && !p.allow_cert_hold && p.revocation == RevocationPolicy::AllowUnknown);
        assert!(serde_json::from_str::<NvidiaPolicy>(r#"{"require_rim": true}"#).is_err());
        let p: NvidiaPolicy = serde_json::from_str(r#"{"revocation": "require_good", "nonce": "00"}"#).unwrap();
        assert_eq!(p.revocation, RevocationPolicy::RequireGood);
        assert!(p.validate().unwrap_err().contains("expected 32"));
        let p: NvidiaPolicy = serde_json::from_str(r#"{"cpu_binding": "trustee"}"#).unwrap();
        assert!(p.validate().unwrap_err().contains("needs nvidia.nonce"));
        assert!(serde_json::from_str::<NvidiaPolicy>(r#"{"cpu_binding": "guess"}"#).is_err());
    }
}
