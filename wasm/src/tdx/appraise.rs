//! Appraisal of a verified TD or enclave report against a [`TdxPolicy`]. Intel's TCB verdict does not
//! look at these fields (`../shared/reference/tdx.md` step 17); the caller's policy must. Every
//! option yields a line; unset options a `skip` that says so.

use super::policy::TdxPolicy;
use super::quote::{enclave, td, BodyKind, Quote};
use crate::appraisal::Checklist;
use crate::policy_util::{allowed, exact};

/// TD_ATTRIBUTES bits (Intel TDX module ABI, TDREPORT.TD_ATTRIBUTES).
pub mod td_attr {
    pub const DEBUG: u64 = 1 << 0;
    pub const SEPT_VE_DISABLE: u64 = 1 << 28;
    pub const PKS: u64 = 1 << 30;
    pub const KL: u64 = 1 << 31;
    pub const PERFMON: u64 = 1 << 63;
    /// Every bit with a defined meaning; the rest are reserved.
    pub const KNOWN: u64 = DEBUG | SEPT_VE_DISABLE | PKS | KL | PERFMON;
}

/// SGX ATTRIBUTES.FLAGS bit 1 (Intel SDM Vol. 3D §38.7.1).
const SGX_DEBUG: u8 = 1 << 1;

fn field(q: &Quote, (off, len): (usize, usize)) -> &[u8] {
    q.body.get(off..off + len).unwrap_or(&[])
}

fn u64_le(b: &[u8]) -> u64 {
    b.iter().rev().fold(0u64, |acc, x| (acc << 8) | *x as u64)
}

/// Appends one check per policy option for a TD quote.
pub fn appraise_td(q: &Quote, p: &TdxPolicy, list: &mut Checklist) {
    let attrs = u64_le(field(q, td::TD_ATTRIBUTES));
    let debug = attrs & td_attr::DEBUG != 0;
    list.expect(
        "policy.debug",
        !debug || p.allow_debug,
        if debug { "TD_ATTRIBUTES.DEBUG is set and the policy allows debug TDs" } else { "TD_ATTRIBUTES.DEBUG is 0: the TD is not debuggable by the host" },
        "TD_ATTRIBUTES.DEBUG is 1: the host VMM can read and write TD memory and registers; the policy forbids debug TDs (allow_debug)",
    );
    let sept = attrs & td_attr::SEPT_VE_DISABLE != 0;
    let need_sept = p.require_sept_ve_disable.unwrap_or(true);
    list.expect(
        "policy.sept_ve_disable",
        sept || !need_sept,
        if sept { "TD_ATTRIBUTES.SEPT_VE_DISABLE is set: EPT violations cannot be turned into #VE by the host".to_string() } else { "TD_ATTRIBUTES.SEPT_VE_DISABLE is 0 and the policy does not require it (require_sept_ve_disable: false)".to_string() },
        "TD_ATTRIBUTES.SEPT_VE_DISABLE is 0: the host can inject #VE on pending pages (a known attack surface); the policy requires it (require_sept_ve_disable)",
    );
    let reserved = attrs & !td_attr::KNOWN;
    if reserved == 0 {
        list.pass("evidence.reserved", format!("TD_ATTRIBUTES 0x{attrs:016x} sets no reserved bit"));
    } else {
        list.warn("evidence.reserved", format!("TD_ATTRIBUTES 0x{attrs:016x} sets bits without a defined meaning here: 0x{reserved:016x}"));
    }
    match q.td_field(td::MR_SERVICE_TD.0, td::MR_SERVICE_TD.1) {
        None => list.skip("policy.service_td", "TD 1.0 body: no MR_SERVICE_TD"),
        Some(m) => {
            let bound = m.iter().any(|b| *b != 0);
            list.expect(
                "policy.service_td",
                !bound || p.allow_service_td,
                if bound { "MR_SERVICE_TD is set and the policy allows a bound service TD" } else { "MR_SERVICE_TD is zero: no service TD is bound" },
                format!("MR_SERVICE_TD {} is non-zero: a service TD (e.g. a migration TD) is bound to this TD; the policy forbids it (allow_service_td)", hex::encode(m)),
            );
        }
    }
    allowed(list, "policy.mr_td", "MR_TD", field(q, td::MR_TD), &p.mr_td);
    let rtmrs = p.rtmrs();
    for (i, range) in td::RTMR.iter().enumerate() {
        let wanted = rtmrs.iter().find(|(j, _)| *j == i).map(|(_, v)| (*v).clone());
        exact(list, &format!("policy.rtmr{i}"), &format!("RTMR{i}"), field(q, *range), &wanted);
    }
    exact(list, "policy.mr_config_id", "MR_CONFIG_ID", field(q, td::MR_CONFIG_ID), &p.mr_config_id);
    exact(list, "policy.mr_owner", "MR_OWNER", field(q, td::MR_OWNER), &p.mr_owner);
    exact(list, "policy.mr_owner_config", "MR_OWNER_CONFIG", field(q, td::MR_OWNER_CONFIG), &p.mr_owner_config);
    exact(list, "policy.report_data", "REPORT_DATA", field(q, td::REPORT_DATA), &p.report_data);
    allowed(list, "policy.mr_seam", "MR_SEAM", field(q, td::MR_SEAM), &p.mr_seam);
    exact(list, "policy.xfam", "XFAM", field(q, td::XFAM), &p.xfam);
    exact(list, "policy.td_attributes", "TD_ATTRIBUTES", field(q, td::TD_ATTRIBUTES), &p.td_attributes);
    let svn = field(q, td::TEE_TCB_SVN);
    match &p.minimum_tee_tcb_svn {
        None => list.skip("policy.minimum_tee_tcb_svn", "policy sets no minimum TEE_TCB_SVN"),
        Some(m) => {
            let min = hex::decode(m.trim()).unwrap_or_default();
            let low: Vec<usize> = (0..16).filter(|i| svn.get(*i) < min.get(*i)).collect();
            list.expect(
                "policy.minimum_tee_tcb_svn",
                low.is_empty(),
                format!("TEE_TCB_SVN {} meets the minimum {m} in every byte", hex::encode(svn)),
                format!("TEE_TCB_SVN {} is below the minimum {m} at byte(s) {low:?}", hex::encode(svn)),
            );
        }
    }
    if p.mr_enclave.is_some() || p.mr_signer.is_some() || p.isv_prod_id.is_some() || p.minimum_isv_svn.is_some() {
        list.fail("policy.sgx_options", "SGX options (mr_enclave, mr_signer, isv_prod_id, minimum_isv_svn) are set, but the quote is a TD quote");
    }
}

/// Appends one check per policy option for an SGX enclave quote.
pub fn appraise_enclave(q: &Quote, p: &TdxPolicy, list: &mut Checklist) {
    let flags = field(q, enclave::ATTRIBUTES).first().copied().unwrap_or(0);
    let debug = flags & SGX_DEBUG != 0;
    list.expect(
        "policy.debug",
        !debug || p.allow_debug,
        if debug { "ATTRIBUTES.DEBUG is set and the policy allows debug enclaves" } else { "ATTRIBUTES.DEBUG is 0: a production enclave" },
        "ATTRIBUTES.DEBUG is 1: a debug enclave whose memory the host can read with EDBGRD; the policy forbids debug enclaves (allow_debug)",
    );
    allowed(list, "policy.mr_enclave", "MRENCLAVE", field(q, enclave::MR_ENCLAVE), &p.mr_enclave);
    allowed(list, "policy.mr_signer", "MRSIGNER", field(q, enclave::MR_SIGNER), &p.mr_signer);
    let le16 = |b: &[u8]| u16::from_le_bytes([b.first().copied().unwrap_or(0), b.get(1).copied().unwrap_or(0)]);
    let prod = le16(field(q, enclave::ISV_PROD_ID));
    let svn = le16(field(q, enclave::ISV_SVN));
    match p.isv_prod_id {
        None => list.skip("policy.isv_prod_id", format!("policy sets no ISVPRODID (the enclave's is {prod})")),
        Some(want) => list.expect("policy.isv_prod_id", prod == want, format!("ISVPRODID is {want}"), format!("ISVPRODID {prod} differs from the required {want}")),
    }
    match p.minimum_isv_svn {
        None => list.skip("policy.minimum_isv_svn", format!("policy sets no minimum ISVSVN (the enclave's is {svn})")),
        Some(min) => list.expect("policy.minimum_isv_svn", svn >= min, format!("ISVSVN {svn} ≥ {min}"), format!("ISVSVN {svn} is below the minimum {min}")),
    }
    exact(list, "policy.report_data", "REPORT_DATA", field(q, enclave::REPORT_DATA), &p.report_data);
    let td_only = p.mr_td.is_some()
        || p.rtmr.is_some()
        || p.mr_config_id.is_some()
        || p.mr_owner.is_some()
        || p.mr_owner_config.is_some()
        || p.minimum_tee_tcb_svn.is_some()
        || p.mr_seam.is_some()
        || p.xfam.is_some()
        || p.td_attributes.is_some();
    if td_only {
        list.fail("policy.td_options", "TD options (mr_td, rtmr, mr_seam, …) are set, but the quote is an SGX enclave quote");
    }
}

/// Dispatches on the body kind.
pub fn appraise(q: &Quote, p: &TdxPolicy, list: &mut Checklist) {
    match q.body_kind {
        BodyKind::Sgx => appraise_enclave(q, p, list),
        BodyKind::Td10 | BodyKind::Td15 => appraise_td(q, p, list),
    }
}
