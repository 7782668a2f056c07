//! The two Intel-signed JSON collateral documents, decoded after their signature has been checked:
//! TCB Info (SGX v2/v3, TDX v3) and QE Identity / TD_QE Identity (v2). Field names follow Intel's
//! "PCS API v4" specification (tcbInfo, enclaveIdentity); byte strings arrive as hex text and are
//! decoded to raw bytes here; times are RFC 3339 and become Unix seconds.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::appraisal::parse_rfc3339;
use crate::error::InputError;

/// Intel TCB status strings (PCS API v4, `tcbStatus`), plus the TD relaunch advice of QVL 2026.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcbStatus {
    UpToDate,
    SWHardeningNeeded,
    ConfigurationNeeded,
    ConfigurationAndSWHardeningNeeded,
    OutOfDate,
    OutOfDateConfigurationNeeded,
    Revoked,
    TDRelaunchAdvised,
    TDRelaunchAdvisedConfigurationNeeded,
}

impl TcbStatus {
    pub const ALL: [TcbStatus; 9] = [
        TcbStatus::UpToDate,
        TcbStatus::SWHardeningNeeded,
        TcbStatus::ConfigurationNeeded,
        TcbStatus::ConfigurationAndSWHardeningNeeded,
        TcbStatus::OutOfDate,
        TcbStatus::OutOfDateConfigurationNeeded,
        TcbStatus::Revoked,
        TcbStatus::TDRelaunchAdvised,
        TcbStatus::TDRelaunchAdvisedConfigurationNeeded,
    ];
    /// Intel's spelling.
    pub fn name(self) -> &'static str {
        match self {
            TcbStatus::UpToDate => "UpToDate",
            TcbStatus::SWHardeningNeeded => "SWHardeningNeeded",
            TcbStatus::ConfigurationNeeded => "ConfigurationNeeded",
            TcbStatus::ConfigurationAndSWHardeningNeeded => "ConfigurationAndSWHardeningNeeded",
            TcbStatus::OutOfDate => "OutOfDate",
            TcbStatus::OutOfDateConfigurationNeeded => "OutOfDateConfigurationNeeded",
            TcbStatus::Revoked => "Revoked",
            TcbStatus::TDRelaunchAdvised => "TDRelaunchAdvised",
            TcbStatus::TDRelaunchAdvisedConfigurationNeeded => "TDRelaunchAdvisedConfigurationNeeded",
        }
    }
    pub fn parse(s: &str) -> Option<TcbStatus> {
        Self::ALL.into_iter().find(|v| v.name() == s)
    }
}

/// What a TCB level says about a platform, QE or module at that level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    /// `tcbDate`, RFC 3339 as Intel wrote it.
    pub tcb_date: String,
    pub status: TcbStatus,
    /// `advisoryIDs` ("INTEL-SA-NNNNN"), possibly empty.
    pub advisory_ids: Vec<String>,
}

/// One level of a TCB Info `tcbLevels` list.
#[derive(Debug, Clone)]
pub struct TcbLevel {
    /// SGX TCB component SVNs 01..16.
    pub sgx: [u32; 16],
    pub pcesvn: u32,
    /// TDX TCB component SVNs (TEE_TCB_SVN bytes 0..15); TDX TCB Info only.
    pub tdx: Option<[u32; 16]>,
    pub grade: Grade,
}

/// A level keyed by one ISV SVN (QE Identity and TDX module identity levels).
#[derive(Debug, Clone)]
pub struct IsvLevel {
    pub isvsvn: u32,
    pub grade: Grade,
}

/// TCB Info `tdxModule` or one `tdxModuleIdentities` entry.
#[derive(Debug, Clone)]
pub struct ModuleIdentity {
    /// `TDX_01`, … (empty for the `tdxModule` default).
    pub id: String,
    /// Expected MR_SIGNER_SEAM, 48 bytes.
    pub mrsigner: Vec<u8>,
    /// Expected SEAM_ATTRIBUTES and its mask, 8 bytes each.
    pub attributes: Vec<u8>,
    pub attributes_mask: Vec<u8>,
    pub levels: Vec<IsvLevel>,
}

/// Decoded TCB Info.
#[derive(Debug, Clone)]
pub struct TcbInfo {
    /// "SGX" or "TDX" (v1/v2 SGX documents have no id and are "SGX").
    pub id: String,
    pub version: u32,
    pub issue_date: i64,
    pub next_update: i64,
    /// FMSPC, 6 bytes.
    pub fmspc: Vec<u8>,
    /// PCE-ID, 2 bytes.
    pub pceid: Vec<u8>,
    pub tcb_evaluation_data_number: Option<u32>,
    pub tdx_module: Option<ModuleIdentity>,
    pub tdx_module_identities: Vec<ModuleIdentity>,
    pub levels: Vec<TcbLevel>,
}

/// Decoded QE Identity (`id` "QE" for SGX, "TD_QE" for TDX).
#[derive(Debug, Clone)]
pub struct QeIdentity {
    pub id: String,
    pub version: u32,
    pub issue_date: i64,
    pub next_update: i64,
    pub tcb_evaluation_data_number: Option<u32>,
    /// MISCSELECT and its mask, 4 bytes each (as in the report, little-endian).
    pub miscselect: Vec<u8>,
    pub miscselect_mask: Vec<u8>,
    /// ATTRIBUTES and its mask, 16 bytes each.
    pub attributes: Vec<u8>,
    pub attributes_mask: Vec<u8>,
    /// MRSIGNER, 32 bytes.
    pub mrsigner: Vec<u8>,
    pub isvprodid: u32,
    pub levels: Vec<IsvLevel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTcbInfo {
    id: Option<String>,
    version: u32,
    issue_date: String,
    next_update: String,
    fmspc: String,
    pce_id: String,
    tcb_evaluation_data_number: Option<u32>,
    tdx_module: Option<RawModule>,
    tdx_module_identities: Option<Vec<RawModule>>,
    tcb_levels: Vec<RawTcbLevel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawModule {
    id: Option<String>,
    mrsigner: String,
    attributes: String,
    attributes_mask: String,
    tcb_levels: Option<Vec<RawIsvLevel>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTcbLevel {
    tcb: RawTcb,
    tcb_date: String,
    tcb_status: String,
    #[serde(rename = "advisoryIDs")]
    advisory_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawComponent {
    svn: u32,
}

/// v3 lists components; v2 (SGX) names them `sgxtcbcomp01svn` … `sgxtcbcomp16svn`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawTcb {
    V3 { sgxtcbcomponents: Vec<RawComponent>, pcesvn: u32, tdxtcbcomponents: Option<Vec<RawComponent>> },
    V2(BTreeMap<String, u32>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIsvLevel {
    tcb: RawIsvTcb,
    tcb_date: String,
    tcb_status: String,
    #[serde(rename = "advisoryIDs")]
    advisory_ids: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawIsvTcb {
    isvsvn: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawQeIdentity {
    id: String,
    version: u32,
    issue_date: String,
    next_update: String,
    tcb_evaluation_data_number: Option<u32>,
    miscselect: String,
    miscselect_mask: String,
    attributes: String,
    attributes_mask: String,
    mrsigner: String,
    isvprodid: u32,
    tcb_levels: Vec<RawIsvLevel>,
}

/// Decodes fields of one document, naming the document's source in every error.
struct Fields<'a> {
    source: &'a str,
    doc: &'a str,
}

impl Fields<'_> {
    fn err(&self, field: &str, m: impl Into<String>) -> InputError {
        InputError::new(self.source, format!("{}.{field}", self.doc), m)
    }
    fn hex(&self, field: &str, text: &str, len: usize) -> Result<Vec<u8>, InputError> {
        let b = hex::decode(text).map_err(|e| self.err(field, format!("not hex: {e}")))?;
        if b.len() != len {
            return Err(self.err(field, format!("{} bytes, expected {len}", b.len())));
        }
        Ok(b)
    }
    fn time(&self, field: &str, text: &str) -> Result<i64, InputError> {
        parse_rfc3339(text).ok_or_else(|| self.err(field, format!("\"{text}\" is not an RFC 3339 UTC time")))
    }
    fn status(&self, field: &str, text: &str) -> Result<TcbStatus, InputError> {
        TcbStatus::parse(text).ok_or_else(|| self.err(field, format!("unknown TCB status \"{text}\"")))
    }
    fn components(&self, field: &str, comps: &[RawComponent]) -> Result<[u32; 16], InputError> {
        let v: Vec<u32> = comps.iter().map(|c| c.svn).collect();
        v.try_into().map_err(|v: Vec<u32>| self.err(field, format!("{} components, expected 16", v.len())))
    }
    fn grade(&self, field: &str, tcb_date: String, status: &str, advisory_ids: Option<Vec<String>>) -> Result<Grade, InputError> {
        Ok(Grade { status: self.status(&format!("{field}.tcbStatus"), status)?, tcb_date, advisory_ids: advisory_ids.unwrap_or_default() })
    }
    fn isv_levels(&self, field: &str, raw: Vec<RawIsvLevel>) -> Result<Vec<IsvLevel>, InputError> {
        raw.into_iter()
            .enumerate()
            .map(|(i, l)| Ok(IsvLevel { isvsvn: l.tcb.isvsvn, grade: self.grade(&format!("{field}[{i}]"), l.tcb_date, &l.tcb_status, l.advisory_ids)? }))
            .collect()
    }
    fn module(&self, field: &str, m: RawModule) -> Result<ModuleIdentity, InputError> {
        Ok(ModuleIdentity {
            id: m.id.unwrap_or_default(),
            mrsigner: self.hex(&format!("{field}.mrsigner"), &m.mrsigner, 48)?,
            attributes: self.hex(&format!("{field}.attributes"), &m.attributes, 8)?,
            attributes_mask: self.hex(&format!("{field}.attributesMask"), &m.attributes_mask, 8)?,
            levels: self.isv_levels(&format!("{field}.tcbLevels"), m.tcb_levels.unwrap_or_default())?,
        })
    }
}

impl TcbInfo {
    /// Decodes the (already signature-checked) `tcbInfo` JSON text. Errors name `source` and the
    /// field, e.g. `tcbInfo.tcbLevels[3].tcbStatus`.
    pub fn parse(text: &str, source: &str) -> Result<TcbInfo, InputError> {
        let f = Fields { source, doc: "tcbInfo" };
        let raw: RawTcbInfo = serde_json::from_str(text).map_err(|e| f.err("json", e.to_string()))?;
        let mut levels = Vec::with_capacity(raw.tcb_levels.len());
        for (i, l) in raw.tcb_levels.into_iter().enumerate() {
            let field = |s: &str| format!("tcbLevels[{i}].{s}");
            let (sgx, pcesvn, tdx) = match l.tcb {
                RawTcb::V3 { sgxtcbcomponents, pcesvn, tdxtcbcomponents } => (
                    f.components(&field("tcb.sgxtcbcomponents"), &sgxtcbcomponents)?,
                    pcesvn,
                    tdxtcbcomponents.map(|c| f.components(&field("tcb.tdxtcbcomponents"), &c)).transpose()?,
                ),
                RawTcb::V2(map) => {
                    let mut sgx = [0u32; 16];
                    for (n, slot) in sgx.iter_mut().enumerate() {
                        let key = format!("sgxtcbcomp{:02}svn", n + 1);
                        *slot = *map.get(&key).ok_or_else(|| f.err(&field(&format!("tcb.{key}")), "missing"))?;
                    }
                    (sgx, *map.get("pcesvn").ok_or_else(|| f.err(&field("tcb.pcesvn"), "missing"))?, None)
                }
            };
            levels.push(TcbLevel { sgx, pcesvn, tdx, grade: f.grade(&format!("tcbLevels[{i}]"), l.tcb_date, &l.tcb_status, l.advisory_ids)? });
        }
        let identities = raw.tdx_module_identities.unwrap_or_default();
        Ok(TcbInfo {
            id: raw.id.unwrap_or_else(|| "SGX".into()),
            version: raw.version,
            issue_date: f.time("issueDate", &raw.issue_date)?,
            next_update: f.time("nextUpdate", &raw.next_update)?,
            fmspc: f.hex("fmspc", &raw.fmspc, 6)?,
            pceid: f.hex("pceId", &raw.pce_id, 2)?,
            tcb_evaluation_data_number: raw.tcb_evaluation_data_number,
            tdx_module: raw.tdx_module.map(|m| f.module("tdxModule", m)).transpose()?,
            tdx_module_identities: identities
                .into_iter()
                .enumerate()
                .map(|(i, m)| f.module(&format!("tdxModuleIdentities[{i}]"), m))
                .collect::<Result<_, _>>()?,
            levels,
        })
    }
}

impl QeIdentity {
    /// Decodes the (already signature-checked) `enclaveIdentity` JSON text. Errors name `source`
    /// and the field.
    pub fn parse(text: &str, source: &str) -> Result<QeIdentity, InputError> {
        let f = Fields { source, doc: "enclaveIdentity" };
        let raw: RawQeIdentity = serde_json::from_str(text).map_err(|e| f.err("json", e.to_string()))?;
        Ok(QeIdentity {
            issue_date: f.time("issueDate", &raw.issue_date)?,
            next_update: f.time("nextUpdate", &raw.next_update)?,
            miscselect: f.hex("miscselect", &raw.miscselect, 4)?,
            miscselect_mask: f.hex("miscselectMask", &raw.miscselect_mask, 4)?,
            attributes: f.hex("attributes", &raw.attributes, 16)?,
            attributes_mask: f.hex("attributesMask", &raw.attributes_mask, 16)?,
            mrsigner: f.hex("mrsigner", &raw.mrsigner, 32)?,
            levels: f.isv_levels("tcbLevels", raw.tcb_levels)?,
            id: raw.id,
            version: raw.version,
            tcb_evaluation_data_number: raw.tcb_evaluation_data_number,
            isvprodid: raw.isvprodid,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgx_v2_levels_decode() {
        let mut tcb: BTreeMap<String, u32> = (1..=16).map(|n| (format!("sgxtcbcomp{n:02}svn"), n)).collect();
        tcb.insert("pcesvn".into(), 11);
        let doc = serde_json::json!({"version": 2, "issueDate": "2025-01-01T00:00:00Z", "nextUpdate": "2025-02-01T00:00:00Z",
            "fmspc": "00606A000000", "pceId": "0000", "tcbType": 0,
            "tcbLevels": [{"tcb": tcb, "tcbDate": "2024-01-01T00:00:00Z", "tcbStatus": "SWHardeningNeeded", "advisoryIDs": ["INTEL-SA-00615"]}]});
        let info = TcbInfo::parse(&doc.to_string(), "t").unwrap();
        assert_eq!(info.id, "SGX");
        assert_eq!(info.levels[0].sgx[15], 16);
        assert_eq!(info.levels[0].pcesvn, 11);
        assert_eq!(info.levels[0].grade.status, TcbStatus::SWHardeningNeeded);
    }

    #[test]
    fn unknown_status_and_bad_hex_name_the_field() {
        let doc = |status: &str, fmspc: &str| {
            serde_json::json!({"id": "TDX", "version": 3, "issueDate": "2025-01-01T00:00:00Z", "nextUpdate": "2025-02-01T00:00:00Z",
                "fmspc": fmspc, "pceId": "0000",
                "tcbLevels": [{"tcb": {"sgxtcbcomponents": (0..16).map(|_| serde_json::json!({"svn": 0})).collect::<Vec<_>>(), "pcesvn": 0},
                    "tcbDate": "2024-01-01T00:00:00Z", "tcbStatus": status}]})
            .to_string()
        };
        assert!(TcbInfo::parse(&doc("UpToDate", "00806F050000"), "t").is_ok());
        let e = TcbInfo::parse(&doc("Fine", "00806F050000"), "t").unwrap_err();
        assert_eq!(e.field, "tcbInfo.tcbLevels[0].tcbStatus");
        let e = TcbInfo::parse(&doc("UpToDate", "00806F"), "t").unwrap_err();
        assert_eq!(e.field, "tcbInfo.fmspc");
    }
}
