//! The TCB status of a quote from Intel's collateral, with Intel's reference semantics
//! (`../shared/reference/tdx.md` steps 9, 11–14; Intel QVL `TcbLevelCheck`/`TdxTcbLevelCheck`):
//! - platform level: the first `tcbLevels` entry where every PCK SGX component SVN and the PCESVN
//!   are ≥ the level's, and (TDX) every TEE_TCB_SVN byte is ≥ `tdxtcbcomponents` — **from index 2
//!   when TEE_TCB_SVN[1] > 0** (bytes 0–1 are the module's SVN and version, judged through
//!   `tdxModuleIdentities` instead), else from index 0;
//! - module level: in `tdxModuleIdentities["TDX_%02X" % TEE_TCB_SVN[1]]`, the first level with
//!   isvsvn ≤ TEE_TCB_SVN[0];
//! - QE level: the first QE Identity level with isvsvn ≤ the QE report's ISVSVN;
//! - convergence: any Revoked → Revoked; a QE or module OutOfDate turns a platform UpToDate /
//!   SWHardeningNeeded into OutOfDate and ConfigurationNeeded / ConfigurationAndSWHardeningNeeded
//!   into OutOfDateConfigurationNeeded; otherwise the platform status stands. Advisories are
//!   platform ‖ QE ‖ module (set semantics, first occurrence kept); tcbDate is the earliest;
//! - TD 1.5 relaunch: launch (TEE_TCB_SVN) OutOfDate[ConfigurationNeeded] while current
//!   (TEE_TCB_SVN2) is UpToDate / SWHardeningNeeded / ConfigurationNeeded / ConfigurationAndSW… →
//!   TDRelaunchAdvised[ConfigurationNeeded].

use super::pck::PckExtensions;
use super::tcbinfo::{Grade, IsvLevel, ModuleIdentity, TcbInfo, TcbLevel, TcbStatus};
use crate::appraisal::parse_rfc3339;

/// First TCB Info level the platform meets. `tee_tcb_svn` is `None` for SGX quotes.
pub fn platform_level<'a>(info: &'a TcbInfo, pck: &PckExtensions, tee_tcb_svn: Option<&[u8]>) -> Option<&'a TcbLevel> {
    info.levels.iter().find(|level| {
        let sgx_ok = pck.comp_svn.iter().zip(level.sgx.iter()).all(|(have, need)| have >= need) && pck.pcesvn >= level.pcesvn;
        let tdx_ok = match (tee_tcb_svn, &level.tdx) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(svn), Some(need)) => {
                let from = if svn.get(1).copied().unwrap_or(0) > 0 { 2 } else { 0 };
                (from..16).all(|i| svn.get(i).copied().unwrap_or(0) as u32 >= need[i])
            }
        };
        sgx_ok && tdx_ok
    })
}

/// First level with isvsvn ≤ `isvsvn` (levels are listed newest first).
pub fn isv_level(levels: &[IsvLevel], isvsvn: u32) -> Option<&IsvLevel> {
    levels.iter().find(|l| l.isvsvn <= isvsvn)
}

/// `TDX_%02X` of TEE_TCB_SVN[1], the module identity id (None when TEE_TCB_SVN[1] = 0: TDX 1.0
/// modules have no identity and are judged by the platform level alone).
pub fn module_id(tee_tcb_svn: &[u8]) -> Option<String> {
    tee_tcb_svn.get(1).filter(|v| **v > 0).map(|v| format!("TDX_{v:02X}"))
}

/// The module identity for `tee_tcb_svn`, if it has one and the TCB Info lists it.
pub fn module_identity<'a>(info: &'a TcbInfo, tee_tcb_svn: &[u8]) -> Option<&'a ModuleIdentity> {
    let id = module_id(tee_tcb_svn)?;
    info.tdx_module_identities.iter().find(|m| m.id.eq_ignore_ascii_case(&id))
}

/// Why no status could be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoStatus {
    /// No platform level matched (Intel STATUS_TCB_NOT_SUPPORTED).
    NoPlatformLevel,
    /// TEE_TCB_SVN[1] names a module the TCB Info does not list (STATUS_TDX_MODULE_MISMATCH).
    ModuleNotListed(String),
    /// The module identity has no level at or below TEE_TCB_SVN[0] (STATUS_TCB_NOT_SUPPORTED).
    NoModuleLevel(String),
}

/// The parts and the converged result of one evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub platform: Grade,
    pub module: Option<(String, Grade)>,
    pub converged: Grade,
}

/// Converges platform, QE and module grades (see the module docs).
pub fn converge(platform: &Grade, qe: Option<&Grade>, module: Option<&Grade>) -> Grade {
    use TcbStatus::*;
    let others: Vec<&Grade> = qe.into_iter().chain(module).collect();
    let status = if platform.status == Revoked || others.iter().any(|g| g.status == Revoked) {
        Revoked
    } else if others.iter().any(|g| g.status == OutOfDate) {
        match platform.status {
            UpToDate | SWHardeningNeeded => OutOfDate,
            ConfigurationNeeded | ConfigurationAndSWHardeningNeeded => OutOfDateConfigurationNeeded,
            other => other,
        }
    } else {
        platform.status
    };
    let mut advisory_ids: Vec<String> = Vec::new();
    for id in std::iter::once(platform).chain(others.iter().copied()).flat_map(|g| g.advisory_ids.iter()) {
        if !advisory_ids.contains(id) {
            advisory_ids.push(id.clone());
        }
    }
    let tcb_date = std::iter::once(platform)
        .chain(others.iter().copied())
        .map(|g| &g.tcb_date)
        .min_by_key(|d| parse_rfc3339(d).unwrap_or(i64::MAX))
        .cloned()
        .unwrap_or_default();
    Grade { tcb_date, status, advisory_ids }
}

/// Evaluates a TD (tee_tcb_svn `Some`) or an SGX enclave (`None`) against the TCB Info, with the QE
/// grade already determined.
pub fn evaluate(info: &TcbInfo, pck: &PckExtensions, tee_tcb_svn: Option<&[u8]>, qe: Option<&Grade>) -> Result<Evaluation, NoStatus> {
    let platform = platform_level(info, pck, tee_tcb_svn).ok_or(NoStatus::NoPlatformLevel)?.grade.clone();
    let module = match tee_tcb_svn.and_then(|svn| module_id(svn).map(|id| (svn, id))) {
        None => None,
        Some((svn, id)) => {
            let identity = module_identity(info, svn).ok_or_else(|| NoStatus::ModuleNotListed(id.clone()))?;
            let level = isv_level(&identity.levels, svn[0] as u32).ok_or_else(|| NoStatus::NoModuleLevel(id.clone()))?;
            Some((id, level.grade.clone()))
        }
    };
    let converged = converge(&platform, qe, module.as_ref().map(|(_, g)| g));
    Ok(Evaluation { platform, module, converged })
}

/// TD 1.5 relaunch advice from the launch-time and current statuses, or `None` when none applies.
pub fn relaunch(launch: TcbStatus, current: TcbStatus) -> Option<TcbStatus> {
    use TcbStatus::*;
    if !matches!(launch, OutOfDate | OutOfDateConfigurationNeeded) {
        return None;
    }
    match current {
        UpToDate | SWHardeningNeeded => Some(TDRelaunchAdvised),
        ConfigurationNeeded | ConfigurationAndSWHardeningNeeded => Some(TDRelaunchAdvisedConfigurationNeeded),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TcbStatus::*;

    fn g(status: TcbStatus, date: &str, ids: &[&str]) -> Grade {
        Grade { status, tcb_date: date.into(), advisory_ids: ids.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn convergence_follows_intel() {
        let up = g(UpToDate, "2024-11-13T00:00:00Z", &[]);
        let ood = g(OutOfDate, "2024-03-13T00:00:00Z", &["INTEL-SA-01036", "INTEL-SA-01099"]);
        assert_eq!(converge(&up, Some(&up), None).status, UpToDate);
        assert_eq!(converge(&up, None, Some(&ood)).status, OutOfDate);
        assert_eq!(converge(&g(SWHardeningNeeded, "2024-11-13T00:00:00Z", &[]), Some(&ood), None).status, OutOfDate);
        // Intel: (ConfigurationNeeded, module OutOfDate) → OutOfDateConfigurationNeeded (dcap-qvl says OutOfDate).
        assert_eq!(converge(&g(ConfigurationNeeded, "2024-11-13T00:00:00Z", &[]), None, Some(&ood)).status, OutOfDateConfigurationNeeded);
        assert_eq!(converge(&g(ConfigurationAndSWHardeningNeeded, "2024-11-13T00:00:00Z", &[]), Some(&ood), None).status, OutOfDateConfigurationNeeded);
        assert_eq!(converge(&up, Some(&g(Revoked, "2020-01-01T00:00:00Z", &[])), Some(&ood)).status, Revoked);
        assert_eq!(converge(&g(ConfigurationNeeded, "2024-11-13T00:00:00Z", &[]), Some(&up), Some(&up)).status, ConfigurationNeeded);
    }

    #[test]
    fn advisories_are_a_set_and_the_date_is_the_earliest() {
        let p = g(OutOfDate, "2024-03-13T00:00:00Z", &["INTEL-SA-01036", "INTEL-SA-01079"]);
        let m = g(OutOfDate, "2023-08-09T00:00:00Z", &["INTEL-SA-01036", "INTEL-SA-01099"]);
        let c = converge(&p, None, Some(&m));
        assert_eq!(c.advisory_ids, vec!["INTEL-SA-01036", "INTEL-SA-01079", "INTEL-SA-01099"]);
        assert_eq!(c.tcb_date, "2023-08-09T00:00:00Z");
    }

    #[test]
    fn relaunch_advice() {
        assert_eq!(relaunch(OutOfDate, UpToDate), Some(TDRelaunchAdvised));
        assert_eq!(relaunch(OutOfDateConfigurationNeeded, ConfigurationNeeded), Some(TDRelaunchAdvisedConfigurationNeeded));
        assert_eq!(relaunch(UpToDate, UpToDate), None);
        assert_eq!(relaunch(OutOfDate, OutOfDate), None);
        assert_eq!(relaunch(OutOfDate, Revoked), None);
    }

    #[test]
    fn module_id_is_tdx_hex_of_byte_1() {
        assert_eq!(module_id(&[6, 1, 3]), Some("TDX_01".into()));
        assert_eq!(module_id(&[2, 0x1a]), Some("TDX_1A".into()));
        assert_eq!(module_id(&[2, 0]), None);
    }
}
