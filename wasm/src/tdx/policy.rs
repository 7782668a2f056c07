//! TDX / SGX appraisal policy: the `"tdx"` object of a Custodian policy file (snake_case JSON).
//! Defaults are safe: only UpToDate accepted, no debug TDs or enclaves, SEPT_VE_DISABLE required,
//! no service TD, expired collateral fails. Unknown keys are rejected. Option names follow Intel's
//! field names and go-tdx-guest `validate.Options` where it has the same option.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::tcbinfo::TcbStatus;
use crate::policy_util::{check_hex, check_hex_list, hex_option};

/// All options. Byte-string options are hex of the exact field length.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TdxPolicy {
    /// Intel TCB statuses accepted (Intel spelling). Default `["UpToDate"]`; any other accepted
    /// status gives the verdict `warning`.
    pub accepted_tcb_statuses: Option<Vec<String>>,
    /// Accept TD_ATTRIBUTES.DEBUG (TDX) or ATTRIBUTES.DEBUG (SGX). Default false.
    #[serde(default)]
    pub allow_debug: bool,
    /// Require TD_ATTRIBUTES.SEPT_VE_DISABLE (bit 28). Default true.
    pub require_sept_ve_disable: Option<bool>,
    /// Accept a non-zero MR_SERVICE_TD (TD 1.5). Default false.
    #[serde(default)]
    pub allow_service_td: bool,
    /// MR_TD allow-list (48-byte hex each).
    pub mr_td: Option<Vec<String>>,
    /// Expected RTMRs by index `"0"`–`"3"` (48-byte hex each).
    pub rtmr: Option<BTreeMap<String, String>>,
    /// Exact MR_CONFIG_ID, MR_OWNER, MR_OWNER_CONFIG (48-byte hex).
    pub mr_config_id: Option<String>,
    pub mr_owner: Option<String>,
    pub mr_owner_config: Option<String>,
    /// Exact REPORT_DATA (64-byte hex), for TD and enclave quotes.
    pub report_data: Option<String>,
    /// Component-wise minimum of TEE_TCB_SVN (16-byte hex).
    pub minimum_tee_tcb_svn: Option<String>,
    /// MR_SEAM allow-list (48-byte hex each).
    pub mr_seam: Option<Vec<String>>,
    /// Exact XFAM and TD_ATTRIBUTES (8-byte hex, as in the quote: little-endian).
    pub xfam: Option<String>,
    pub td_attributes: Option<String>,
    /// Maximum age in seconds of the TCB Info and QE Identity at the reference time (reference time
    /// minus the older issueDate): refuses old but still unexpired collateral.
    pub max_collateral_age: Option<i64>,
    /// Collateral past its nextUpdate warns instead of failing. Default false.
    #[serde(default)]
    pub allow_expired_collateral: bool,
    /// A missing root CA or PCK CRL fails instead of warning. Default false.
    #[serde(default)]
    pub strict_crl: bool,
    /// SGX: MRENCLAVE and MRSIGNER allow-lists (32-byte hex each).
    pub mr_enclave: Option<Vec<String>>,
    pub mr_signer: Option<Vec<String>>,
    /// SGX: exact ISVPRODID and minimum ISVSVN.
    pub isv_prod_id: Option<u16>,
    pub minimum_isv_svn: Option<u16>,
    /// Digests required of named CC event log events (e.g. the kernel command line): each names the
    /// events it is about and the SHA-384 one of them must carry. Needs the event log with the quote.
    pub event_digests: Option<Vec<EventDigest>>,
}

/// One required event digest of `tdx.event_digests`. Events are selected by every selector given
/// (at least one): the RTMR they extend, their TCG type name (e.g. `EV_IPL`,
/// `EV_EFI_BOOT_SERVICES_APPLICATION`), and a substring of their decoded description (e.g. the
/// command-line text); one selected event must carry `sha384` (48-byte hex), and its RTMR's replay
/// must equal the quote's (so the digest is what the TD measured).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventDigest {
    pub rtmr: Option<u8>,
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    pub description: Option<String>,
    pub sha384: String,
}

impl TdxPolicy {
    /// The accepted statuses (default UpToDate only).
    pub fn accepted(&self) -> Vec<TcbStatus> {
        match &self.accepted_tcb_statuses {
            None => vec![TcbStatus::UpToDate],
            Some(v) => v.iter().filter_map(|s| TcbStatus::parse(s)).collect(),
        }
    }

    /// RTMR expectations as (index, hex) pairs.
    pub fn rtmrs(&self) -> Vec<(usize, &String)> {
        self.rtmr.iter().flatten().filter_map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, v))).collect()
    }

    /// Checks every option's syntax up front, so a bad policy is an input error and never a
    /// silent non-match. Returns one sentence naming the option.
    pub fn validate(&self) -> Result<(), String> {
        for s in self.accepted_tcb_statuses.iter().flatten() {
            if TcbStatus::parse(s).is_none() {
                let names: Vec<&str> = TcbStatus::ALL.iter().map(|s| s.name()).collect();
                return Err(format!("policy tdx.accepted_tcb_statuses: unknown status \"{s}\" (one of {})", names.join(", ")));
            }
        }
        for (k, v) in self.rtmr.iter().flatten() {
            if !matches!(k.as_str(), "0" | "1" | "2" | "3") {
                return Err(format!("policy tdx.rtmr: index \"{k}\" is not 0–3"));
            }
            hex_option("tdx", &format!("rtmr.{k}"), v, 48)?;
        }
        check_hex_list("tdx", "mr_td", &self.mr_td, 48)?;
        check_hex_list("tdx", "mr_seam", &self.mr_seam, 48)?;
        check_hex_list("tdx", "mr_enclave", &self.mr_enclave, 32)?;
        check_hex_list("tdx", "mr_signer", &self.mr_signer, 32)?;
        for (name, v) in [("mr_config_id", &self.mr_config_id), ("mr_owner", &self.mr_owner), ("mr_owner_config", &self.mr_owner_config)] {
            check_hex("tdx", name, v, 48)?;
        }
        check_hex("tdx", "report_data", &self.report_data, 64)?;
        check_hex("tdx", "minimum_tee_tcb_svn", &self.minimum_tee_tcb_svn, 16)?;
        check_hex("tdx", "xfam", &self.xfam, 8)?;
        check_hex("tdx", "td_attributes", &self.td_attributes, 8)?;
        for (i, d) in self.event_digests.iter().flatten().enumerate() {
            hex_option("tdx", &format!("event_digests[{i}].sha384"), &d.sha384, 48)?;
            if d.rtmr.is_none() && d.event_type.is_none() && d.description.is_none() {
                return Err(format!("policy tdx.event_digests[{i}]: name the events with at least one of rtmr, type, description"));
            }
            if matches!(d.rtmr, Some(r) if r > 3) {
                return Err(format!("policy tdx.event_digests[{i}].rtmr: {} is not 0–3", d.rtmr.unwrap_or(0)));
            }
        }
        if matches!(self.max_collateral_age, Some(a) if a < 0) {
            return Err("policy tdx.max_collateral_age: must be a non-negative number of seconds".into());
        }
        Ok(())
    }
}
