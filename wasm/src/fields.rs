//! The field map: what the core's parsers read, where. Each binary evidence form (SEV-SNP report,
//! DCAP quote, Azure HCL report, NVIDIA SPDM report) is described as a tree of [`Field`]s — the
//! vendor's name, a stable id (the core's claim name where one exists), offset and length in bytes
//! into the described bytes, the decoded value, a one-line meaning, the named bits or components of
//! bit fields and TCB versions, and nested structures as children. The builders sit beside the
//! parsers and use their offset constants (`snp::report`, `tdx::quote::{td, enclave}`,
//! `azure_hcl`, `nvidia::spdm`, `nvidia::opaque`), so the Inspector shows the one reading the
//! verifiers use; the TypeScript side only renders it.
//!
//! Describing never fails and never panics: a truncated or hostile input gives the fields that fit
//! and a `note` naming the first field that does not ([`Description::note`]).
//!
//! [`judged`] names the fields each check judged (by check id), so a failing check can be marked on
//! its bytes.

use serde::{Deserialize, Serialize};

use crate::error::InputError;

/// One named bit, bit range or component of a field, e.g. `DEBUG` at `bit 19` = `0`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The vendor's name (`DEBUG`, `BOOT_LOADER`, `SIGNING_KEY`).
    pub name: String,
    /// Where in the field: `bit 19`, `bits 4:2`, `byte 6`.
    pub at: String,
    /// The decoded value (`1`, `0`, `VCEK`, `24`).
    pub value: String,
}

/// One field of a described structure. Offsets are absolute: into the described bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Stable id, unique in its tree: the core's claim name where the field decodes to one
    /// (`measurement`, `mr_td`, `request_nonce`), else a layout name (`reserved_0x4c`, `hcl.header`).
    pub id: String,
    /// The vendor's spelling (`MEASUREMENT`, `MRTD`, `response Nonce`).
    pub label: String,
    /// Offset in bytes from the start of the described bytes.
    pub offset: usize,
    /// Length in bytes (> 0).
    pub length: usize,
    /// The decoded value for display; absent for containers and opaque byte runs (show the bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// One line saying what the field means.
    pub meaning: String,
    /// Named bits or components (bit fields, TCB versions), in bit/byte order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    /// Nested fields, ordered by offset, inside `offset..offset+length` and not overlapping.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Field>,
}

impl Field {
    /// A leaf without a decoded value.
    pub fn new(id: impl Into<String>, label: impl Into<String>, offset: usize, length: usize, meaning: impl Into<String>) -> Field {
        Field { id: id.into(), label: label.into(), offset, length, value: None, meaning: meaning.into(), parts: Vec::new(), children: Vec::new() }
    }
    /// With a decoded value.
    pub fn value(mut self, v: impl Into<String>) -> Field {
        self.value = Some(v.into());
        self
    }
    /// With named parts.
    pub fn parts(mut self, parts: Vec<Part>) -> Field {
        self.parts = parts;
        self
    }
    /// With children.
    pub fn children(mut self, children: Vec<Field>) -> Field {
        self.children = children;
        self
    }
    /// Every field of the tree, depth first, parents before children.
    pub fn walk<'a>(&'a self, out: &mut Vec<&'a Field>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }
}

/// A part with a decimal/text value.
pub fn part(name: &str, at: impl Into<String>, value: impl ToString) -> Part {
    Part { name: name.into(), at: at.into(), value: value.to_string() }
}

/// A single-bit part of `v`: `1` or `0`.
pub fn bit(name: &str, v: u64, n: u32) -> Part {
    part(name, format!("bit {n}"), (v >> n) & 1)
}

/// The description of one piece of binary evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Description {
    /// What was described: `sev-snp-report`, `dcap-quote`, `azure-hcl-report`, `spdm-report`.
    pub format: String,
    /// Length of the described bytes.
    pub length: usize,
    /// Top-level fields, ordered by offset.
    pub fields: Vec<Field>,
    /// Why the map stops early (`file: field: message`), or empty when every structure was read.
    pub note: String,
}

/// Lays out fixed-size rows `(id, label, length, meaning)` from `start`, keeping those that fit in
/// `limit` bytes; returns the fields and the offset after the last row (fitting or not).
pub fn place(rows: &[(&str, &str, usize, &str)], start: usize, limit: usize) -> (Vec<Field>, usize) {
    let mut at = start;
    let mut out = Vec::new();
    for (id, label, len, meaning) in rows {
        if at + len <= limit && *len > 0 {
            out.push(Field::new(*id, *label, at, *len, *meaning));
        }
        at += len;
    }
    (out, at)
}

/// Hex of `b`, cut to 64 bytes with `…` (the hex view shows every byte).
pub fn hex_value(b: &[u8]) -> String {
    if b.len() > 64 {
        format!("{}… ({} bytes)", hex::encode(&b[..64]), b.len())
    } else {
        hex::encode(b)
    }
}

/// A note for a field that does not fit.
pub fn cut(file: &str, field: &str, need: usize, at: usize, have: usize) -> String {
    format!("{file}: {field}: needs {need} bytes at offset {at} but the file has {have}: cut off")
}

/// Describes `bytes` (binary, as the hex view shows them). `device` (`gpu`, `switch`) says the bytes
/// are an NVIDIA SPDM report and picks the opaque-data enum. Otherwise the form is recognised as the
/// appraisal does: `HCLA` magic → Azure HCL report; `11 E0` → SPDM report (GPU); a DCAP header →
/// quote; else SEV-SNP.
pub fn describe(bytes: &[u8], file: &str, device: Option<&str>) -> Description {
    if bytes.starts_with(crate::azure_hcl::MAGIC) {
        return crate::azure_hcl::describe(bytes, file);
    }
    if bytes.starts_with(&[0x11, 0xE0]) || device.is_some() {
        let kind = if device == Some("switch") { crate::nvidia::DeviceKind::Switch } else { crate::nvidia::DeviceKind::Gpu };
        return crate::nvidia::fields::describe(bytes, file, kind);
    }
    if crate::tdx::looks_like_quote(bytes) {
        return crate::tdx::fields::describe(bytes, file);
    }
    crate::snp::fields::describe(bytes, file)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescribeRequest {
    name: String,
    base64: String,
    #[serde(default)]
    device: Option<String>,
}

/// The ABI form of [`describe`]: request `{"name","base64","device"?}`; response
/// `{"ok":true,"description":{…}}` or `{"ok":false,"error":{file,field,message}}` for a bad request.
pub fn describe_json(request: &[u8]) -> String {
    let result = serde_json::from_slice::<DescribeRequest>(request)
        .map_err(|e| InputError::new("request", "request", e.to_string()))
        .and_then(|r| {
            let blob = crate::request::Blob { name: r.name, base64: r.base64 };
            Ok(describe(&blob.bytes()?, &blob.name, r.device.as_deref()))
        });
    match result {
        Ok(d) => serde_json::json!({"ok": true, "description": d}),
        Err(e) => serde_json::json!({"ok": false, "error": e}),
    }
    .to_string()
}

/// The field ids a check judged, by its id (a device prefix such as `gpu0.`, `switch1.` or `cpu0.`
/// is ignored). `policy.X` judges field `X` unless named below. Empty for checks about endorsements
/// alone (certificate chains, collateral, CRLs): they judge no evidence bytes.
pub fn judged(check_id: &str) -> Vec<String> {
    let id = strip_device(check_id);
    let v = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let rtmr = id.strip_prefix("eventlog.rtmr").or_else(|| id.strip_prefix("policy.rtmr"));
    if let Some(n) = rtmr.filter(|n| n.len() == 1) {
        return vec![format!("rtmr{n}")];
    }
    match id {
        // SEV-SNP
        "evidence.signing_key" => v(&["key_info"]),
        "product" => v(&["cpuid_fam_id", "cpuid_mod_id", "cpuid_step"]),
        "report.signature" => v(&["signature_r", "signature_s", "signature"]),
        "binding.reported_tcb" => v(&["reported_tcb"]),
        "binding.chip_id" => v(&["chip_id"]),
        "binding.hcl_runtime_data" => v(&["report_data", "hcl.variable_data"]),
        "policy.debug" => v(&["policy", "td_attributes", "attributes"]),
        "policy.migrate_ma" | "policy.smt" | "policy.single_socket" => v(&["policy"]),
        "policy.firmware" => v(&["current_tcb", "committed_tcb", "current_version", "committed_version"]),
        "policy.minimum_tcb" => v(&["reported_tcb"]),
        "policy.minimum_launch_tcb" => v(&["launch_tcb"]),
        "policy.minimum_build" => v(&["current_version"]),
        "policy.author_key" => v(&["author_key_digest", "key_info"]),
        "policy.id_key" => v(&["id_key_digest"]),
        "evidence.cert_table" => v(&["certificate_table"]),
        // DCAP
        "quote.att_key_type" => v(&["attestation_key_type"]),
        "quote.qe_vendor_id" => v(&["qe_vendor_id"]),
        "quote.signature" => v(&["quote_signature", "attestation_key"]),
        "qe.report_signature" => v(&["qe_report_signature", "qe_report"]),
        "qe.attestation_key_binding" => v(&["qe_report.report_data", "attestation_key", "qe_auth_data"]),
        "qe.tcb_level" => v(&["qe_report.isv_svn"]),
        "chain.pck.source" | "pck.extensions" => v(&["certification_data"]),
        "tcb.status" => v(&["tee_tcb_svn", "cpu_svn", "pce_svn"]),
        "policy.sept_ve_disable" | "policy.td_options" => v(&["td_attributes"]),
        "policy.sgx_options" => v(&["attributes"]),
        "policy.service_td" => v(&["mr_service_td"]),
        "policy.minimum_tee_tcb_svn" => v(&["tee_tcb_svn"]),
        "policy.minimum_isv_svn" => v(&["isv_svn"]),
        "policy.minimum_guest_svn" => v(&["guest_svn"]),
        // NVIDIA
        "nonce" => v(&["request_nonce"]),
        "evidence.request" => v(&["request"]),
        "evidence.blocks" | "measurements" | "measurements.incomplete" => v(&["measurement_record"]),
        "evidence.opaque" => v(&["opaque_data"]),
        "fwid" => v(&["opaque_fwid"]),
        "rim.driver.available" => v(&["opaque_driver_version"]),
        "rim.vbios.available" | "rim.bios.available" => v(&["opaque_vbios_version"]),
        // shared
        "evidence.trailing_bytes" => v(&["trailing_bytes"]),
        _ => match id.strip_prefix("policy.") {
            Some(field) => vec![field.to_string()],
            None => Vec::new(),
        },
    }
}

/// `gpu0.nonce` → `nonce`; `cpu0.policy.debug` → `policy.debug`; `policy.debug` unchanged.
fn strip_device(id: &str) -> &str {
    if let Some((head, rest)) = id.split_once('.') {
        let digits = head.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let name = &head[..head.len() - digits.len()];
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && matches!(name, "gpu" | "switch" | "cpu") {
            return rest;
        }
    }
    id
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Every leaf inside the bytes, children inside their parent and not overlapping; ids unique.
    pub fn assert_well_formed(d: &Description) {
        fn check(parent: (usize, usize), fields: &[Field], ids: &mut std::collections::HashSet<String>) {
            let mut end = parent.0;
            for f in fields {
                assert!(f.length > 0, "{} is empty", f.id);
                assert!(f.offset >= end, "{} at {} overlaps the field before (ends at {end})", f.id, f.offset);
                assert!(f.offset + f.length <= parent.1, "{} ({}+{}) runs past its parent (ends at {})", f.id, f.offset, f.length, parent.1);
                assert!(ids.insert(f.id.clone()), "id {} is not unique", f.id);
                end = f.offset + f.length;
                check((f.offset, f.offset + f.length), &f.children, ids);
            }
        }
        check((0, d.length), &d.fields, &mut Default::default());
    }

    /// The field with `id`, anywhere in the tree.
    pub fn find<'a>(d: &'a Description, id: &str) -> Option<&'a Field> {
        let mut all = Vec::new();
        for f in &d.fields {
            f.walk(&mut all);
        }
        all.into_iter().find(|f| f.id == id)
    }

    #[test]
    fn checks_name_their_fields_across_device_prefixes() {
        assert_eq!(judged("policy.debug"), vec!["policy", "td_attributes", "attributes"]);
        assert_eq!(judged("cpu0.policy.measurement"), vec!["measurement"]);
        assert_eq!(judged("gpu0.nonce"), vec!["request_nonce"]);
        assert_eq!(judged("switch12.report.signature"), vec!["signature_r", "signature_s", "signature"]);
        assert_eq!(judged("policy.rtmr2"), vec!["rtmr2"]);
        assert_eq!(judged("eventlog.rtmr0"), vec!["rtmr0"]);
        assert!(judged("chain.vek.present").is_empty());
        assert!(judged("gpuX.nonce").is_empty(), "only a device prefix with a number is stripped");
    }

    #[test]
    fn describe_json_answers_bad_requests_with_an_error() {
        assert!(describe_json(b"{").contains("\"ok\":false"));
        let r = describe_json(br#"{"name":"x.bin","base64":"AAAA"}"#);
        assert!(r.contains("\"ok\":true"), "{r}");
    }
}
