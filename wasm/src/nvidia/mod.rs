//! NVIDIA GPU (Hopper, Blackwell) and NVSwitch (LS10) attestation, fully offline.
//!
//! Steps per device follow NVIDIA's order (`../shared/reference/nvidia-gpu.md` (a); attestation-sdk
//! `GpuVerifier`/`SwitchVerifier`, nvtrust `verifier/cc_admin.py`): arch, parse (strict like the C++
//! SDK), nonce, device chain to the pinned Device Identity CA, FWID, report signature, RIMs (chain to
//! the pinned CoRIM root, XMLDSig, version), golden measurements; then, across devices: duplicates,
//! GPU mode mix, PPCIe topology. Check ids are prefixed with the device (`gpu0.`, `switch0.`); claims
//! keep NVIDIA's v3 names under `devices.{GPU-0|SWITCH-0}`, with each device's own EAR status.

pub mod appraise;
pub mod c14n;
pub mod chain;
pub mod evidence;
pub mod fields;
pub mod opaque;
pub mod policy;
pub mod revocation;
pub mod rim;
pub mod roots;
pub mod spdm;
pub mod xml_limits;

use serde_json::{json, Map, Value};

use crate::appraisal::{rfc3339, verdict_of, Appraisal, Checklist, Status, TrustAnchor, Verdict};
use crate::x509::{p384_key, Cert};
use chain::CertStatus;
use evidence::{Arch, DeviceEvidence};
use policy::NvidiaPolicy;
use revocation::RevocationData;
use rim::Rim;
use roots::Pki;

/// GPU or NVSwitch: the opaque-data types and the claim prefixes differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    Gpu,
    Switch,
}

/// Everything one NVIDIA appraisal needs.
#[derive(Debug, Clone)]
pub struct NvidiaInput {
    pub devices: Vec<DeviceEvidence>,
    /// Operator-imported RIMs (any number; each device picks its own by version).
    pub rims: Vec<Rim>,
    pub revocation: RevocationData,
    /// Explicit TEST roots: one whose CN names a RIM/Reference Value CA replaces the CoRIM root,
    /// any other the Device Identity CA. Never for production; the appraisal says so.
    pub test_anchors: Vec<Cert>,
    pub policy: NvidiaPolicy,
    pub reference_time: i64,
}

fn is_rim_anchor(c: &Cert) -> bool {
    let cn = c.subject_cn().unwrap_or_default().to_ascii_uppercase();
    cn.contains("RIM") || cn.contains("REFERENCE VALUE")
}

impl NvidiaInput {
    /// The explicit TEST root for `pki`: among the anchors of that kind (a RIM/Reference Value CA for
    /// RIMs, any other for devices), the one whose subject is the issuer of the top certificate of a
    /// supplied chain, else the first with a P-384 key. The subject match lets one request carry other platforms'
    /// TEST roots too (composite evidence: the CPU's TEST root beside the GPUs').
    fn test_root(&self, pki: Pki) -> Option<&Cert> {
        let of_kind = || self.test_anchors.iter().filter(move |c| is_rim_anchor(c) == (pki == Pki::Rim));
        let chains: Vec<&[Cert]> = match pki {
            Pki::Device => self.devices.iter().map(|d| d.chain.as_slice()).collect(),
            Pki::Rim => self.rims.iter().map(|r| r.certs.as_slice()).collect(),
        };
        let issuers: Vec<String> = chains.iter().filter_map(|c| c.iter().rev().find(|x| !x.is_self_issued())).map(Cert::issuer).collect();
        // Without a subject match, only a P-384 root can stand for an NVIDIA root (both NVIDIA PKIs are
        // P-384): another platform's TEST root (an RSA ARK) is never taken for the devices' root.
        of_kind().find(|a| issuers.contains(&a.subject())).or_else(|| of_kind().find(|a| crate::x509::p384_key(a.spki()).is_ok()))
    }
}

/// RIM ids as NVIDIA derives them (attestation-sdk `GpuEvidence::get_*_rim_id`, nvtrust
/// `get_rim_id`): Hopper driver `NV_GPU_DRIVER_GH100_{drv}`, Blackwell driver
/// `NV_GPU_CC_DRIVER_{CHIP_INFO or GB100}_{drv}`, VBIOS `NV_GPU_VBIOS_{PROJECT}_{PROJECT_SKU}_{CHIP_SKU}_{vbios}`,
/// LS10 BIOS `NV_SWITCH_BIOS_5612_0002_890_{bios}` (versions without dots, upper-case).
pub fn rim_ids(arch: Arch, o: &opaque::Opaque) -> (Option<String>, Option<String>) {
    let kind = arch.kind();
    let fw = o.firmware_version(kind).map(|v| v.replace('.', "").to_ascii_uppercase());
    match arch {
        Arch::Ls10 => (None, fw.map(|v| format!("NV_SWITCH_BIOS_5612_0002_890_{v}"))),
        _ => {
            let drv = o.driver_version();
            let driver = drv.map(|d| match arch {
                Arch::Blackwell => format!("NV_GPU_CC_DRIVER_{}_{d}", o.text(35).filter(|c| !c.is_empty()).unwrap_or_else(|| "GB100".into())),
                _ => format!("NV_GPU_DRIVER_GH100_{d}"),
            });
            let vbios = match (o.text(17), o.text(18), o.text(15), fw) {
                (Some(p), Some(ps), Some(cs), Some(v)) => Some(format!("NV_GPU_VBIOS_{}_{}_{}_{v}", p.to_ascii_uppercase(), ps.to_ascii_uppercase(), cs.to_ascii_uppercase())),
                _ => None,
            };
            (driver, vbios)
        }
    }
}

/// The RIM version format: VBIOS/BIOS versions are five dot-separated hex pairs (`96.00.5E.00.01`).
pub(crate) fn is_firmware_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 5 && parts.iter().all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// One RIM role of a device: driver, vbios (GPU) or bios (switch).
struct Role<'a> {
    name: &'static str,
    claim: String,
    id: Option<String>,
    version: Option<String>,
    rim: Option<&'a Rim>,
    /// Imported RIMs of this role that were not picked (their colloquialVersion and file), for the
    /// "not available" sentence.
    others: Vec<String>,
}

/// Summary of one device for the cross-device checks.
struct DeviceSummary {
    key: String,
    claims: Map<String, Value>,
    ueid: Option<String>,
    gpu_mode: Option<u32>,
    topology: appraise::TopologyDevice,
}

fn verify_signature(report: &spdm::Report, leaf: Option<&Cert>, list: &mut Checklist) -> bool {
    use p384::ecdsa::signature::Verifier;
    let Some(leaf) = leaf else {
        list.fail("report.signature", "no attestation-key leaf certificate: the report signature cannot be checked");
        return false;
    };
    let key = match p384_key(leaf.spki()) {
        Ok(k) => k,
        Err(e) => {
            list.fail("report.signature", format!("leaf \"{}\": {e}", leaf.subject_cn().unwrap_or_default()));
            return false;
        }
    };
    let check = |(msg, sig): (&[u8], &[u8])| p384::ecdsa::Signature::from_slice(sig).is_ok_and(|s| key.verify(msg, &s).is_ok());
    let who = leaf.subject_cn().unwrap_or_default();
    let (msg, _) = report.tail96();
    let ok = check(report.tail96());
    list.expect(
        "report.signature",
        ok,
        format!("ECDSA P-384/SHA-384 signature (last 96 bytes, r‖s) over report bytes 0..{} verifies with \"{who}\"", msg.len()),
        format!("ECDSA P-384/SHA-384 signature (last 96 bytes, r‖s) over report bytes 0..{} does NOT verify with \"{who}\": the report was altered, or belongs to another device", msg.len()),
    );
    if report.trailing > 0 {
        // The structural reading, as a diagnostic: it explains a genuine report captured with extra bytes.
        let (smsg, _) = report.structural();
        let sok = check(report.structural());
        list.push(
            "report.signature_structural",
            if sok { Status::Warn } else { Status::Fail },
            if sok {
                format!("diagnostic: read structurally (signature right after OpaqueData, bytes {}..{}), the signature over bytes 0..{} VERIFIES — the device signed this report, but the capture appended {} byte(s); NVIDIA's verifiers reject it, re-capture the evidence", smsg.len(), smsg.len() + 96, smsg.len(), report.trailing)
            } else {
                format!("diagnostic: the structural reading (signature at bytes {}..{}) does not verify either", smsg.len(), smsg.len() + 96)
            },
        );
    }
    ok
}

fn check_nonce(dev: &DeviceEvidence, expected: Option<[u8; 32]>, list: &mut Checklist) -> bool {
    let got = dev.report.request.nonce;
    let json = dev.json_nonce.as_deref().map(|n| hex::decode(n.trim()).unwrap_or_default());
    if let Some(j) = &json {
        if j[..] != got[..] {
            list.fail("nonce", format!("the evidence file's nonce field {} differs from the report's request nonce {}", hex::encode(j), hex::encode(got)));
            return false;
        }
    }
    match expected {
        Some(e) => list.expect(
            "nonce",
            e == got,
            format!("request nonce (report bytes 4..36) equals the expected nonce {}", hex::encode(e)),
            format!("request nonce {} differs from the expected nonce {}: the report is not an answer to this challenge (replay?)", hex::encode(got), hex::encode(e)),
        ),
        None => list.warn(
            "nonce",
            format!(
                "no expected nonce was given (policy nvidia.nonce / --nonce): the request nonce {} is not checked against a challenge, so freshness is not established{}",
                hex::encode(got),
                if json.is_some() { " (it equals the evidence file's own nonce field)" } else { "" }
            ),
        ),
    }
    expected == Some(got)
}

fn cert_chain_claim(outcome: &chain::ChainOutcome, rev: &revocation::ChainRevocation) -> Value {
    let status = if outcome.status == CertStatus::Valid && rev.revoked { CertStatus::Revoked } else { outcome.status };
    json!({
        "x-nvidia-cert-status": status.name(),
        "x-nvidia-cert-expiration-date": outcome.expiration,
        "x-nvidia-cert-ocsp-status": rev.status,
        "x-nvidia-cert-revocation-reason": rev.reason,
    })
}

/// Picks the RIM for a role (driver RIMs carry driver versions, VBIOS/BIOS RIMs five-pair firmware
/// versions): one whose colloquialVersion equals the report's version (case-insensitive), else one
/// whose RIM-service id or file name carries the derived RIM id. Also returns the role's other RIMs,
/// described.
fn pick_rim<'a>(rims: &'a [Rim], firmware: bool, version: Option<&str>, id: Option<&str>) -> (Option<&'a Rim>, Vec<String>) {
    let of_role: Vec<&Rim> = rims.iter().filter(|r| r.colloquial_version.as_deref().is_some_and(|v| is_firmware_version(v) == firmware)).collect();
    let by_version = version.and_then(|v| of_role.iter().copied().find(|r| r.colloquial_version.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(v))));
    let by_id = id.map(str::to_ascii_uppercase).and_then(|id| {
        rims.iter().find(|r| r.service_id.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&id)) || r.source.to_ascii_uppercase().contains(&id))
    });
    let picked = by_version.or(by_id);
    let others = of_role
        .iter()
        .filter(|r| !picked.is_some_and(|p| std::ptr::eq(**r, p)))
        .map(|r| format!("{} ({})", r.colloquial_version.as_deref().unwrap_or("?"), r.source))
        .collect();
    (picked, others)
}

fn verify_rim(role: &Role, input: &NvidiaInput, links: &chain::Links, list: &mut Checklist, claims: &mut Map<String, Value>) -> Option<bool> {
    let p = format!("rim.{}", role.name);
    let c = &role.claim;
    let t = input.reference_time;
    let rim = role.rim?;
    claims.insert(format!("{c}-fetched"), json!(true));
    claims.insert(
        format!("{}_rim", role.name),
        json!({ "source": rim.source, "rim_service_id": rim.service_id, "tag_id": rim.tag_id, "product": rim.product, "colloquial_version": rim.colloquial_version }),
    );
    list.pass(&format!("{p}.available"), format!("{} RIM {} (RIM id {})", role.name, rim.source, role.id.as_deref().unwrap_or("unknown")));
    let version_ok = match (&rim.colloquial_version, &role.version) {
        (Some(r), Some(v)) => r.eq_ignore_ascii_case(v),
        _ => false,
    };
    claims.insert(format!("{c}-version-match"), json!(version_ok));
    list.expect(
        &format!("{p}.version"),
        version_ok,
        format!("RIM colloquialVersion {} equals the report's {} version", rim.colloquial_version.as_deref().unwrap_or("-"), role.name),
        format!("RIM colloquialVersion {:?} differs from the report's {} version {:?}", rim.colloquial_version, role.name, role.version),
    );
    let (id, what) = (format!("{p}.chain"), format!("{} RIM signing chain", role.name));
    let spec = chain::ChainSpec { pki: Pki::Rim, expected_len: None, test_root: input.test_root(Pki::Rim), id: &id, what: &what };
    let outcome = chain::verify(&rim.certs, &spec, t, links, list);
    let n = outcome.path.len();
    let rev = revocation::check(&outcome.path, 0..n.saturating_sub(1), &input.revocation, &input.policy, t, &format!("{p}.chain"), list);
    claims.insert(format!("{c}-cert-chain"), cert_chain_claim(&outcome, &rev));
    let sig_ok = rim.xmldsig.ok();
    let detail = |r: &Result<String, String>| match r {
        Ok(s) | Err(s) => s.clone(),
    };
    list.expect(
        &format!("{p}.signature"),
        sig_ok,
        format!("enveloped XMLDSig verifies: {}; {}", detail(&rim.xmldsig.digest), detail(&rim.xmldsig.signature)),
        format!("enveloped XMLDSig does NOT verify: {}", [&rim.xmldsig.digest, &rim.xmldsig.signature].iter().filter_map(|r| r.as_ref().err().cloned()).collect::<Vec<_>>().join("; ")),
    );
    claims.insert(format!("{c}-signature-verified"), json!(sig_ok));
    list.skip(&format!("{p}.schema"), "XSD (swidSchema2015) validation is not performed; the elements the appraisal reads were checked while parsing");
    let active = rim.active().count();
    let readable = active > 0 && rim.problems.is_empty();
    claims.insert(format!("{c}-measurements-available"), json!(readable));
    list.expect(
        &format!("{p}.measurements_available"),
        readable,
        format!("{} Resources, {active} active", rim.resources.len()),
        if rim.problems.is_empty() { format!("{} Resources but none active", rim.resources.len()) } else { format!("unreadable Resources: {}", rim.problems.join("; ")) },
    );
    // Golden values are used when the RIM is authentic; an expired signer is reported above.
    Some(sig_ok && outcome.status != CertStatus::Invalid && !rev.revoked && readable)
}

/// The architecture (as stated by the evidence, else from the device chain) and the device kind
/// (from the architecture, else a 31-block report is a switch).
pub(crate) fn arch_and_kind(dev: &DeviceEvidence) -> (Option<Arch>, DeviceKind) {
    let arch = match dev.arch_text.as_deref() {
        Some(text) => Arch::parse(text),
        None => chain::hwmodel(&dev.chain).as_deref().and_then(Arch::from_hwmodel),
    };
    let kind = arch.map(Arch::kind).unwrap_or(if dev.report.number_of_blocks == 31 { DeviceKind::Switch } else { DeviceKind::Gpu });
    (arch, kind)
}

/// One device being appraised: its evidence, decoded opaque data and the request it is part of.
struct Device<'a> {
    input: &'a NvidiaInput,
    links: &'a chain::Links,
    dev: &'a DeviceEvidence,
    o: opaque::Opaque,
    arch: Option<Arch>,
    kind: DeviceKind,
    /// Claim prefix: `x-nvidia-gpu` or `x-nvidia-switch`.
    pre: &'static str,
}

impl Device<'_> {
    fn is_gpu(&self) -> bool {
        self.kind == DeviceKind::Gpu
    }

    /// `arch`: stated, known and consistent with the device chain (`x-nvidia-*-arch-check`).
    fn check_arch(&self, hwmodel: Option<&str>, list: &mut Checklist) -> bool {
        let from_chain = hwmodel.and_then(Arch::from_hwmodel);
        let stated = self.dev.arch_text.as_deref();
        match (stated, self.arch, from_chain) {
            (Some(text), None, _) => {
                list.fail("arch", format!("arch \"{text}\" is not HOPPER, BLACKWELL or LS10"));
                false
            }
            (_, Some(a), Some(c)) if a != c => {
                list.fail("arch", format!("the evidence says {} but the device chain (\"{}\") is {}", a.name(), hwmodel.unwrap_or(""), c.name()));
                false
            }
            (_, Some(a), _) => {
                list.pass("arch", format!("{} ({})", a.name(), if stated.is_some() { "stated by the evidence, consistent with the device chain" } else { "from the device chain" }));
                true
            }
            (None, None, _) => {
                let chain = match hwmodel {
                    Some(m) => format!("the device chain's model \"{m}\" is not a known NVIDIA device"),
                    None => "the device chain names no model (it holds no NVIDIA device certificate)".to_string(),
                };
                list.fail("arch", format!("architecture unknown: the evidence does not state it and {chain}"));
                false
            }
        }
    }

    /// The structure checks, strict like NVIDIA's C++ SDK; true when all pass
    /// (`x-nvidia-*-attestation-report-parsed`).
    fn check_structure(&self, list: &mut Checklist) -> bool {
        let (r, o) = (&self.dev.report, &self.o);
        list.pass(
            "evidence.parse",
            format!("SPDM 1.1 GET_MEASUREMENTS request (37 bytes) and MEASUREMENTS response: {} blocks, record {} bytes, opaque data {} bytes, {} bytes in all ({})", r.number_of_blocks, r.record_length, r.opaque.len(), r.bytes.len(), self.dev.source),
        );
        let in_order = r.blocks.iter().enumerate().all(|(i, b)| b.index as usize == i + 1);
        list.expect(
            "evidence.blocks",
            in_order,
            format!("measurement blocks are indexed 1..{} in order", r.blocks.len()),
            format!("measurement block indices are not 1..{} in order: {:?}", r.blocks.len(), r.blocks.iter().map(|b| b.index).collect::<Vec<_>>()),
        );
        list.expect(
            "evidence.request",
            r.request.param1 & 1 == 1 && r.request.param2 == 0xFF,
            "the request asks for a signature (Param1 bit 0) over all measurement blocks (Param2 0xFF)",
            format!("request Param1 0x{:02x} / Param2 0x{:02x}: NVIDIA evidence requests a signature over all blocks (0x01 / 0xff)", r.request.param1, r.request.param2),
        );
        let mut problems = Vec::new();
        if !o.unknown.is_empty() {
            problems.push(format!("unknown TLV types {:?} for a {}", o.unknown, if self.is_gpu() { "GPU" } else { "switch" }));
        }
        if !o.duplicated.is_empty() {
            problems.push(format!("TLV types {:?} appear more than once", o.duplicated));
        }
        if o.leftover > 0 {
            problems.push(format!("{} bytes after the last whole TLV", o.leftover));
        }
        list.expect(
            "evidence.opaque",
            problems.is_empty(),
            format!("{} opaque-data TLVs, all of known types: {:?}", o.tlvs.len(), o.tlvs.iter().map(|t| t.kind).collect::<Vec<_>>()),
            format!("opaque data is not what NVIDIA's C++ SDK accepts: {}", problems.join("; ")),
        );
        list.expect(
            "evidence.trailing_bytes",
            r.trailing == 0,
            "no bytes after the signature",
            format!(
                "{} byte(s) ({}) follow the structural end of the report at offset {}: NVIDIA's verifiers take the last 96 bytes as the signature, so this report fails there and the C++ SDK rejects it as trailing data",
                r.trailing,
                hex::encode(&r.bytes[r.bytes.len() - r.trailing..]),
                r.bytes.len() - r.trailing
            ),
        );
        problems.is_empty() && r.trailing == 0 && in_order
    }

    /// `fwid`: the report's FWID against the leaf certificate's; skipped (true) without one.
    fn check_fwid(&self, leaf: Option<&Cert>, list: &mut Checklist) -> bool {
        let Some(f) = self.o.fwid() else {
            list.skip("fwid", "the report carries no FWID (opaque type 20); NVIDIA then treats the FWID match as true");
            return true;
        };
        let (ok, pass, fail) = match leaf.and_then(chain::leaf_fwid) {
            Some((cert_fwid, from)) => (
                f == cert_fwid.as_slice(),
                format!("report FWID {} equals the leaf's {from}", hex::encode(f)),
                format!("report FWID {} differs from the leaf's {from} {}: the certificate is not this device's firmware identity", hex::encode(f), hex::encode(&cert_fwid)),
            ),
            None => (false, String::new(), format!("report FWID {} but the leaf certificate has no FWID extension (2.23.133.5.4.1 / DICE TcbInfo)", hex::encode(f))),
        };
        list.expect("fwid", ok, pass, fail);
        ok
    }

    /// The RIM roles of this device: driver and VBIOS (GPU) or BIOS (switch), each with its RIM.
    fn roles(&self) -> Vec<Role<'_>> {
        let (o, pre) = (&self.o, self.pre);
        let (driver_id, fw_id) = self.arch.map(|a| rim_ids(a, o)).unwrap_or((None, None));
        let mut roles = Vec::new();
        if self.is_gpu() {
            let version = o.driver_version();
            let (rim, others) = pick_rim(&self.input.rims, false, version.as_deref(), driver_id.as_deref());
            roles.push(Role { name: "driver", claim: format!("{pre}-driver-rim"), id: driver_id, version, rim, others });
        }
        let name = if self.is_gpu() { "vbios" } else { "bios" };
        let version = o.firmware_version(self.kind);
        let (rim, others) = pick_rim(&self.input.rims, true, version.as_deref(), fw_id.as_deref());
        roles.push(Role { name, claim: format!("{pre}-{name}-rim"), id: fw_id, version, rim, others });
        roles
    }

    /// RIMs and golden measurements; returns `measres` (`success`, `fail`, `incomplete`, `not-run`).
    fn appraise_rims(&self, list: &mut Checklist, claims: &mut Map<String, Value>) -> &'static str {
        let policy = &self.input.policy;
        let roles = self.roles();
        claims.insert("rim_ids".into(), Value::Object(roles.iter().map(|r| (r.name.to_string(), json!(r.id))).collect()));
        let mut authentic = Vec::new();
        let (mut missing, mut untrusted) = (Vec::new(), Vec::new());
        for role in &roles {
            match verify_rim(role, self.input, self.links, list, claims) {
                Some(true) => authentic.extend(role.rim.map(|r| (role.name, r))),
                Some(false) => untrusted.push(role.name),
                None => {
                    claims.insert(format!("{}-fetched", role.claim), json!(false));
                    missing.push(role.name);
                    let imported = if role.others.is_empty() { String::new() } else { format!("; the imported {} RIMs are for {}", role.name, role.others.join(", ")) };
                    let version = role.version.as_deref().map_or("(none stated)".to_string(), |v| v.to_string());
                    let what = match role.id.as_deref() {
                        Some(id) => format!("RIM not available: no imported RIM has colloquialVersion {version} or names RIM id {id} (import it with --rim; NVIDIA serves it at /v1/rim/{id}){imported}"),
                        // The id derives from the device model and the version; without them no RIM can be named.
                        None => format!("RIM not available: no imported RIM has colloquialVersion {version}, and the RIM id cannot be derived (the device model or version is unknown); import the RIM with --rim{imported}"),
                    };
                    if policy.require_rims {
                        list.fail(&format!("rim.{}.available", role.name), format!("{what}; policy nvidia.require_rims is true"));
                    } else {
                        list.warn(&format!("rim.{}.available", role.name), format!("{what}; tolerated by policy nvidia.require_rims false"));
                    }
                }
            }
        }
        if let Some(oem) = roles.iter().filter_map(|r| r.rim).find_map(|r| r.firmware_manufacturer_id.clone()) {
            claims.insert("oemid".into(), json!(oem));
        }
        // Compare against every authentic RIM; say which roles were left out and why (a RIM that is
        // not available is not a mismatch, and an unauthentic RIM's values are never used).
        let mut left_out = Vec::new();
        if !missing.is_empty() {
            left_out.push(format!("RIM not available: {} (this is not a mismatch)", missing.join(", ")));
        }
        if !untrusted.is_empty() {
            left_out.push(format!("RIM not authentic (signature, chain, revocation or content failed above): {}", untrusted.join(", ")));
        }
        if authentic.is_empty() {
            list.skip("measurements", format!("not compared — {}", left_out.join("; ")));
            return "not-run";
        }
        let m = appraise::compare(&self.dev.report, &authentic, self.o.nvdec0_status(), policy, "measurements", list);
        if !left_out.is_empty() {
            list.warn("measurements.incomplete", format!("only the {} RIM's golden values were compared — {}", authentic.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(" and "), left_out.join("; ")));
        }
        claims.insert(format!("{}-vbios-index-no-conflict", self.pre), json!(m.no_conflict));
        if !m.mismatches.is_empty() {
            claims.insert("x-nvidia-mismatch-measurement-records".into(), Value::Array(m.mismatches));
        }
        claims.insert("measurement-comparison".into(), Value::Array(m.comparison));
        match (m.success, left_out.is_empty()) {
            (false, _) => "fail",
            (true, true) => "success",
            (true, false) => "incomplete",
        }
    }

    /// The `policy.*` checks; returns the GPU's FEATURE_FLAG (opaque data v1+) for the mode mix check.
    fn check_policy(&self, list: &mut Checklist, claims: &mut Map<String, Value>) -> Option<u32> {
        let (o, policy) = (&self.o, &self.input.policy);
        let allowed = |list: &mut Checklist, id: &str, what: &str, v: Option<String>, allow: &Option<Vec<String>>| {
            if let Some(allow) = allow {
                let ok = v.as_ref().is_some_and(|v| allow.iter().any(|a| a.eq_ignore_ascii_case(v)));
                list.expect(id, ok, format!("{what} {} is allowed by policy", v.as_deref().unwrap_or("-")), format!("{what} {v:?} is not among the allowed {allow:?}"));
            }
        };
        if self.is_gpu() {
            allowed(list, "policy.driver_version", "driver version", o.driver_version(), &policy.allowed_driver_versions);
        }
        allowed(list, "policy.vbios_version", if self.is_gpu() { "VBIOS version" } else { "BIOS version" }, o.firmware_version(self.kind), &policy.allowed_vbios_versions);
        if !self.is_gpu() {
            return None;
        }
        let ppcie_on = o.get(21).and_then(|v| v.first().copied()) == Some(0xAA);
        let feature = o.opaque_data_version().filter(|v| *v >= 1).and(o.feature_flag());
        let mode = match feature {
            Some(0) => "spt",
            Some(1) => "mpt",
            Some(2) => "ppcie",
            Some(_) => "unknown",
            None if ppcie_on => "ppcie",
            None => "spt",
        };
        claims.insert("x-nvidia-gpu-mode".into(), json!(mode));
        if policy.require_ppcie {
            list.expect(
                "policy.ppcie",
                ppcie_on && matches!(feature, None | Some(2)),
                "PROTECTED_PCIE_STATUS is 0xAA (protected PCIe on)",
                format!("protected PCIe is not on: PROTECTED_PCIE_STATUS {:?}, FEATURE_FLAG {feature:?} (policy nvidia.require_ppcie)", o.get(21).map(hex::encode)),
            );
        }
        feature
    }
}

fn verify_device(dev: &DeviceEvidence, index_of_kind: usize, input: &NvidiaInput, links: &chain::Links, list: &mut Checklist) -> DeviceSummary {
    let t = input.reference_time;
    let (arch, kind) = arch_and_kind(dev);
    let r = &dev.report;
    let d = Device { input, links, dev, o: opaque::parse(&r.opaque, r.opaque_offset, kind), arch, kind, pre: if kind == DeviceKind::Gpu { "x-nvidia-gpu" } else { "x-nvidia-switch" } };
    let pre = d.pre;
    let key = format!("{}-{index_of_kind}", if d.is_gpu() { "GPU" } else { "SWITCH" });
    let mut claims = Map::new();
    let hwmodel = chain::hwmodel(&dev.chain);

    claims.insert(format!("{pre}-arch-check"), json!(d.check_arch(hwmodel.as_deref(), list)));
    claims.insert(format!("{pre}-attestation-report-parsed"), json!(d.check_structure(list)));
    claims.insert(format!("{pre}-attestation-report-nonce-match"), json!(check_nonce(dev, input.policy.nonce_bytes().ok().flatten(), list)));
    claims.insert("eat_nonce".into(), json!(hex::encode(r.request.nonce)));

    // Device chain: the AK leaf, device, provisioner and identity certificates to the pinned root.
    let spec = chain::ChainSpec { pki: Pki::Device, expected_len: Some(5), test_root: input.test_root(Pki::Device), id: "chain", what: "device chain" };
    let outcome = chain::verify(&dev.chain, &spec, t, links, list);
    let n = outcome.path.len();
    let rev = revocation::check(&outcome.path, 1..n.saturating_sub(1), &input.revocation, &input.policy, t, "chain", list);
    claims.insert(format!("{pre}-attestation-report-cert-chain"), cert_chain_claim(&outcome, &rev));
    let leaf = dev.chain.first().filter(|c| !c.is_self_issued());
    claims.insert("hwmodel".into(), json!(hwmodel));
    let ueid = leaf.map(chain::ueid);
    claims.insert("ueid".into(), json!(ueid));
    claims.insert(format!("{pre}-attestation-report-cert-chain-fwid-match"), json!(d.check_fwid(leaf, list)));
    claims.insert(format!("{pre}-attestation-report-signature-verified"), json!(verify_signature(r, leaf, list)));

    let o = &d.o;
    if d.is_gpu() {
        claims.insert(format!("{pre}-driver-version"), json!(o.driver_version()));
        claims.insert(format!("{pre}-vbios-version"), json!(o.firmware_version(kind)));
    } else {
        claims.insert(format!("{pre}-bios-version"), json!(o.firmware_version(kind)));
    }
    let measres = d.appraise_rims(list, &mut claims);
    claims.insert("measres".into(), json!(measres));
    if measres == "success" {
        claims.insert("secboot".into(), json!(true));
        claims.insert("dbgstat".into(), json!("disabled"));
    }
    let feature = d.check_policy(list, &mut claims);

    claims.insert("x-nvidia-device-type".into(), json!(if d.is_gpu() { "gpu" } else { "nvswitch" }));
    if d.is_gpu() {
        claims.insert("x-nvidia-gpu-switch-pdis".into(), json!(o.gpu_switch_pdis().iter().map(hex::encode).collect::<Vec<_>>()));
    }
    claims.insert("arch".into(), json!(arch.map(Arch::name)));
    claims.insert("opaque".into(), Value::Object(o.claims(kind)));
    claims.insert("measurements".into(), Value::Object(r.blocks.iter().map(|b| (b.index.to_string(), json!(hex::encode(&b.value)))).collect()));
    claims.insert("request_nonce".into(), json!(hex::encode(r.request.nonce)));
    claims.insert("responder_nonce".into(), json!(hex::encode(r.responder_nonce)));
    claims.insert("source".into(), json!(dev.source));
    let topology = appraise::TopologyDevice {
        key: key.clone(),
        is_switch: !d.is_gpu(),
        peer_pdis: if d.is_gpu() { o.gpu_switch_pdis() } else { o.switch_gpu_pdis() },
        own_pdi: if d.is_gpu() { None } else { o.device_pdi() },
    };
    DeviceSummary { key, claims, ueid, gpu_mode: feature, topology }
}

/// Verifies and appraises NVIDIA evidence (one or many devices). Pure.
pub fn verify(input: &NvidiaInput) -> Appraisal {
    let t = input.reference_time;
    let mut list = Checklist::default();
    let mut devices = Map::new();
    let mut summaries = Vec::new();
    let links = chain::Links::default();
    let (mut gpus, mut switches) = (0, 0);
    for dev in &input.devices {
        let mut own = Checklist::default();
        let n = if arch_and_kind(dev).1 == DeviceKind::Switch { &mut switches } else { &mut gpus };
        let s = verify_device(dev, *n, input, &links, &mut own);
        *n += 1;
        let checks = own.into_checks();
        let prefix = s.key.to_ascii_lowercase().replace('-', "");
        let mut claims = s.claims.clone();
        claims.insert("ear.status".into(), json!(verdict_of(&checks)));
        devices.insert(s.key.clone(), Value::Object(claims));
        for c in checks {
            list.push(&format!("{prefix}.{}", c.id), c.status, c.detail);
        }
        summaries.push(s);
    }

    if summaries.len() > 1 {
        let mut dups = Vec::new();
        for (i, a) in summaries.iter().enumerate() {
            if let Some(u) = &a.ueid {
                let same: Vec<&str> = summaries[i + 1..].iter().filter(|b| b.ueid.as_ref() == Some(u)).map(|b| b.key.as_str()).collect();
                if !same.is_empty() && !dups.iter().any(|d: &String| d.contains(u.as_str())) {
                    dups.push(format!("{} and {} are the same device (ueid {u})", a.key, same.join(", ")));
                }
            }
        }
        list.expect(
            "devices.duplicates",
            dups.is_empty(),
            format!("{} devices, all with distinct ueids", summaries.len()),
            format!("duplicate device evidence: {} — one device counted more than once", dups.join("; ")),
        );
        let modes: std::collections::BTreeSet<u32> = summaries.iter().filter_map(|s| s.gpu_mode).collect();
        if modes.contains(&0) && modes.contains(&1) {
            list.fail("devices.mode", "GPUs mix single-GPU (SPT) and multi-GPU (MPT) passthrough modes, which NVIDIA's verifier refuses");
        }
        let topo: Vec<appraise::TopologyDevice> = summaries.iter().map(|s| s.topology.clone()).collect();
        if input.policy.require_ppcie || topo.iter().any(|d| !d.peer_pdis.is_empty()) {
            appraise::topology(&topo, input.policy.require_ppcie, &mut list);
        }
    } else if input.policy.require_ppcie {
        let topo: Vec<appraise::TopologyDevice> = summaries.iter().map(|s| s.topology.clone()).collect();
        appraise::topology(&topo, true, &mut list);
    }

    let checks = list.into_checks();
    let verdict = verdict_of(&checks);
    let anchor = match input.test_root(Pki::Device) {
        Some(r) => TrustAnchor { kind: "test".into(), name: format!("TEST anchor {}", r.subject_cn().unwrap_or_default()), spki_sha256: hex::encode(r.spki_sha256()) },
        None => TrustAnchor { kind: "pinned".into(), name: Pki::Device.root_name().into(), spki_sha256: roots::DEVICE_ROOT_PIN.into() },
    };
    let mut claims = Map::new();
    claims.insert("x-nvidia-overall-att-result".into(), json!(verdict != Verdict::Contraindicated));
    claims.insert("devices".into(), Value::Object(devices));
    claims.insert("rim_trust_anchor".into(), json!(match input.test_root(Pki::Rim) {
        Some(r) => format!("TEST anchor {} (SPKI SHA-256 {})", r.subject_cn().unwrap_or_default(), hex::encode(r.spki_sha256())),
        None => format!("pinned {} (SPKI SHA-256 {})", Pki::Rim.root_name(), roots::RIM_ROOT_PIN),
    }));
    Appraisal { platform: "nvidia".into(), verdict, reference_time: rfc3339(t), trust_anchor: anchor, checks, claims }
}

#[cfg(test)]
mod tests {
    use super::opaque::tests::tlv;
    use super::*;

    #[test]
    fn rim_ids_follow_nvidia() {
        let mut d = tlv(3, b"575.32\0");
        d.extend(tlv(6, &[0x00, 0x88, 0x00, 0x97, 0x0f, 0, 0, 0]));
        d.extend(tlv(15, b"886\0"));
        d.extend(tlv(17, b"G525\0"));
        d.extend(tlv(18, b"0220\0"));
        let o = opaque::parse(&d, 0, DeviceKind::Gpu);
        assert_eq!(rim_ids(Arch::Blackwell, &o), (Some("NV_GPU_CC_DRIVER_GB100_575.32".into()), Some("NV_GPU_VBIOS_G525_0220_886_970088000F".into())));
        d.extend(tlv(35, b"GB202\0"));
        let o = opaque::parse(&d, 0, DeviceKind::Gpu);
        assert_eq!(rim_ids(Arch::Blackwell, &o).0.as_deref(), Some("NV_GPU_CC_DRIVER_GB202_575.32"));
        assert_eq!(rim_ids(Arch::Hopper, &o).0.as_deref(), Some("NV_GPU_DRIVER_GH100_575.32"));
        let s = opaque::parse(&tlv(6, b"96.10.55.00.01\0"), 0, DeviceKind::Switch);
        assert_eq!(rim_ids(Arch::Ls10, &s), (None, Some("NV_SWITCH_BIOS_5612_0002_890_9610550001".into())));
    }

    #[test]
    fn firmware_versions_are_told_from_driver_versions() {
        assert!(is_firmware_version("96.00.5E.00.01"));
        assert!(!is_firmware_version("550.90.07"));
        assert!(!is_firmware_version("545.00"));
    }
}
