//! Intel TDX and SGX DCAP quotes, verified offline to Intel's reference semantics
//! (`../shared/reference/tdx.md`, Intel QVL order): quote ← attestation key ← QE report ← PCK leaf ←
//! pinned Intel SGX Root CA; CRLs; TCB Info and QE Identity signed by the TCB Signing key over
//! their exact JSON text; FMSPC/PCE-ID; QE identity; TDX module identity; the TCB level, module and
//! QE statuses converged as Intel does, TD 1.5 relaunch advice; collateral window; then the
//! caller's policy. An explicit TEST anchor (a root with the key the quote's PCK chain ends in) stands
//! in for the pinned root, and the appraisal says so; it never relabels an Intel-rooted quote.

pub mod appraise;
pub mod ccel;
pub mod collateral;
pub mod crl;
pub mod fields;
pub mod pck;
pub mod policy;
pub mod quote;
pub mod signatures;
pub mod signed_docs;
pub mod tcb;
pub mod tcbinfo;

use serde_json::{json, Map, Value};

use crate::appraisal::{rfc3339, verdict_of, Appraisal, Checklist, TrustAnchor};
use crate::azure_hcl;
use crate::error::InputError;
use crate::x509::Cert;
use collateral::Collateral;
use pck::PckExtensions;
use policy::TdxPolicy;
use quote::{enclave, td, BodyKind, Quote, INTEL_QE_VENDOR_ID};
use signatures::INTEL_SGX_ROOT_SPKI_SHA256;
use tcbinfo::{Grade, QeIdentity, TcbInfo, TcbStatus};

/// Everything one TDX/SGX verification needs.
#[derive(Debug, Clone)]
pub struct TdxInput {
    pub quote: Quote,
    /// File name of the quote, for messages.
    pub file: String,
    /// "binary quote" or "hex quote".
    pub form: &'static str,
    pub collateral: Collateral,
    pub policy: TdxPolicy,
    /// The policy for an Azure vTPM quote among the collateral ([`crate::vtpm`]).
    pub vtpm_policy: crate::vtpm::VtpmPolicy,
    /// Unix seconds.
    pub reference_time: i64,
    /// Explicit TEST roots. One replaces the pinned Intel SGX Root CA only for a quote whose PCK chain
    /// ends in a root with the same key; a quote chained to Intel's root stays `pinned`. The
    /// appraisal's trust anchor then says `test`. Never for production.
    pub test_anchors: Vec<crate::x509::Cert>,
}

/// Whether `bytes` start like a DCAP quote: version 3–5, attestation key type 2 or 3, tee_type SGX
/// or TDX (header, `../shared/reference/tdx.md` (a)). Used to tell quotes from SEV-SNP reports.
pub fn looks_like_quote(bytes: &[u8]) -> bool {
    let b = decode_hex(bytes).unwrap_or_else(|| bytes.to_vec());
    let u16_at = |o: usize| b.get(o..o + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |o: usize| b.get(o..o + 4).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
    matches!(u16_at(0), Some(3..=5)) && matches!(u16_at(2), Some(2 | 3)) && matches!(u32_at(4), Some(quote::TEE_SGX | quote::TEE_TDX))
}

fn decode_hex(bytes: &[u8]) -> Option<Vec<u8>> {
    let digits: Vec<u8> = bytes.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    let digits = digits.strip_prefix(b"0x").unwrap_or(&digits);
    (digits.len() >= 2 * quote::HEADER_LEN && digits.iter().all(u8::is_ascii_hexdigit)).then(|| hex::decode(digits).ok()).flatten()
}

/// Parses a quote given as binary or hex text. Errors name `file` and the field.
pub fn parse_evidence(bytes: &[u8], file: &str) -> Result<(Quote, &'static str), InputError> {
    match decode_hex(bytes) {
        Some(b) => Ok((Quote::parse(&b, file)?, "hex quote")),
        None => Ok((Quote::parse(bytes, file)?, "binary quote")),
    }
}

fn body(q: &Quote, (off, len): (usize, usize)) -> &[u8] {
    q.body.get(off..off + len).unwrap_or(&[])
}

/// The PCK chain: certification data type 5 in the quote, or (types 1–4) from the collateral:
/// the PCK certificate, its issuer and the root, by subject/issuer names.
fn pck_chain(input: &TdxInput, list: &mut Checklist) -> Result<Vec<Cert>, InputError> {
    let q = &input.quote;
    if q.cert_data_type == 5 {
        list.pass("chain.pck.source", "the PCK chain is carried in the quote (certification data type 5)");
        return signatures::pck_chain(q, &input.file);
    }
    let col = &input.collateral;
    let leaf = col.certs_named("Intel SGX PCK Certificate").next();
    let by_subject = |name: String| col.certs.iter().find(|c| c.subject() == name);
    let inter = leaf.and_then(|l| by_subject(l.issuer()));
    let root = inter.and_then(|i| by_subject(i.issuer()));
    let chain: Vec<Cert> = [leaf, inter, root].into_iter().flatten().cloned().collect();
    list.expect(
        "chain.pck.source",
        chain.len() == 3,
        format!("certification data type {}: the PCK chain comes from the collateral ({})", q.cert_data_type, leaf.map(|l| l.source.as_str()).unwrap_or("")),
        format!("certification data type {} carries no PCK chain and the collateral has no complete one (PCK certificate, its CA, the root)", q.cert_data_type),
    );
    Ok(chain)
}

fn pinned(c: &Cert) -> bool {
    hex::encode(c.spki_sha256()) == INTEL_SGX_ROOT_SPKI_SHA256
}

/// QE identity match (Intel QVL step 9): MRSIGNER, ISVPRODID, masked MISCSELECT and ATTRIBUTES.
fn check_qe_identity(q: &Quote, id: &QeIdentity, list: &mut Checklist) {
    let r = &q.qe_report;
    let field = |(off, len): (usize, usize)| &r[off..off + len];
    let mut problems = Vec::new();
    if field(enclave::MR_SIGNER) != id.mrsigner.as_slice() {
        problems.push(format!("MRSIGNER {} ≠ {}", hex::encode(field(enclave::MR_SIGNER)), hex::encode(&id.mrsigner)));
    }
    let prod = u16::from_le_bytes([r[enclave::ISV_PROD_ID.0], r[enclave::ISV_PROD_ID.0 + 1]]) as u32;
    if prod != id.isvprodid {
        problems.push(format!("ISVPRODID {prod} ≠ {}", id.isvprodid));
    }
    // MISCSELECT is a little-endian u32 in the report and a big-endian hex number in the identity.
    let misc = u32::from_le_bytes(field(enclave::MISC_SELECT).try_into().unwrap_or([0; 4]));
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap_or([0; 4]));
    if misc & be(&id.miscselect_mask) != be(&id.miscselect) {
        problems.push(format!("MISCSELECT 0x{misc:08x} & mask {} ≠ {}", hex::encode(&id.miscselect_mask), hex::encode(&id.miscselect)));
    }
    let attrs = field(enclave::ATTRIBUTES);
    let masked: Vec<u8> = attrs.iter().zip(&id.attributes_mask).map(|(a, m)| a & m).collect();
    if masked != id.attributes {
        problems.push(format!("ATTRIBUTES {} & mask {} ≠ {}", hex::encode(attrs), hex::encode(&id.attributes_mask), hex::encode(&id.attributes)));
    }
    list.expect(
        "qe.identity",
        problems.is_empty(),
        format!("the QE is the one the QE Identity {} names (MRSIGNER {}…, ISVPRODID {prod}; MISCSELECT and ATTRIBUTES match under their masks)", id.id, &hex::encode(&id.mrsigner)[..16]),
        format!("the quoting enclave is not the one the QE Identity {} names: {}", id.id, problems.join("; ")),
    );
}

/// TDX module identity (Intel QVL step 6): MR_SIGNER_SEAM and masked SEAM_ATTRIBUTES against
/// `tdxModuleIdentities["TDX_%02X"]` (TEE_TCB_SVN[1] > 0) or `tdxModule`.
fn check_module_identity(q: &Quote, info: &TcbInfo, list: &mut Checklist) {
    let svn = body(q, td::TEE_TCB_SVN);
    let (name, expected) = match tcb::module_id(svn) {
        Some(id) => match tcb::module_identity(info, svn) {
            Some(m) => (id, m),
            None => {
                let listed: Vec<&str> = info.tdx_module_identities.iter().map(|m| m.id.as_str()).collect();
                list.fail("tdx_module.identity", format!("TEE_TCB_SVN[1] = {} names module {id}, which the TCB Info does not list ({}) — TDX_MODULE_MISMATCH", svn[1], if listed.is_empty() { "none".to_string() } else { listed.join(", ") }));
                return;
            }
        },
        None => match &info.tdx_module {
            Some(m) => ("tdxModule".to_string(), m),
            None => {
                list.skip("tdx_module.identity", "TEE_TCB_SVN[1] = 0 and the TCB Info has no tdxModule entry");
                return;
            }
        },
    };
    let signer = body(q, td::MR_SIGNER_SEAM);
    let attrs = body(q, td::SEAM_ATTRIBUTES);
    let masked = |a: &[u8]| -> Vec<u8> { a.iter().zip(&expected.attributes_mask).map(|(x, m)| x & m).collect() };
    let mut problems = Vec::new();
    if signer != expected.mrsigner.as_slice() {
        problems.push(format!("MR_SIGNER_SEAM {} ≠ {}", hex::encode(signer), hex::encode(&expected.mrsigner)));
    }
    if masked(attrs) != masked(&expected.attributes) {
        problems.push(format!("SEAM_ATTRIBUTES {} ≠ {} under mask {}", hex::encode(attrs), hex::encode(&expected.attributes), hex::encode(&expected.attributes_mask)));
    }
    list.expect(
        "tdx_module.identity",
        problems.is_empty(),
        format!("the TDX module matches {name}: MR_SIGNER_SEAM {} (Intel), SEAM_ATTRIBUTES {}", if signer.iter().all(|b| *b == 0) { "all zero" } else { "as listed" }, hex::encode(attrs)),
        format!("the TDX module does not match {name} — TDX_MODULE_MISMATCH: {}", problems.join("; ")),
    );
}

fn svns(v: &[u32]) -> String {
    format!("{v:?}")
}

/// The TCB checks and the status claims. `qe` is the QE grade if one was found.
fn check_tcb(q: &Quote, info: &TcbInfo, ext: &PckExtensions, qe: Option<&Grade>, p: &TdxPolicy, list: &mut Checklist, claims: &mut Map<String, Value>) {
    let is_td = q.body_kind != BodyKind::Sgx;
    let svn = is_td.then(|| body(q, td::TEE_TCB_SVN));
    let rule = match svn {
        None => String::new(),
        Some(s) if s[1] > 0 => format!("; TEE_TCB_SVN {} compared from byte 2 (bytes 0–1 are module SVN and version, judged by {})", hex::encode(s), tcb::module_id(s).unwrap_or_default()),
        Some(s) => format!("; TEE_TCB_SVN {} compared in all 16 bytes (TDX 1.0 module)", hex::encode(s)),
    };
    match tcb::platform_level(info, ext, svn) {
        Some(l) => list.pass(
            "tcb.level",
            format!("platform TCB level {} ({}): PCK SVNs {} PCESVN {} meet it{rule}", l.grade.tcb_date, l.grade.status.name(), svns(&ext.comp_svn), ext.pcesvn),
        ),
        None => list.fail(
            "tcb.level",
            format!("no TCB level matches (TCB_NOT_SUPPORTED): PCK SVNs {} PCESVN {}{rule} are below every one of the {} levels in the TCB Info", svns(&ext.comp_svn), ext.pcesvn, info.levels.len()),
        ),
    }
    if let Some(s) = svn {
        match (tcb::module_id(s), tcb::module_identity(info, s)) {
            (None, _) => list.skip("tdx_module.tcb_level", "TEE_TCB_SVN[1] = 0: a TDX 1.0 module, judged within the platform level"),
            (Some(id), None) => list.fail("tdx_module.tcb_level", format!("module {id} is not in the TCB Info")),
            (Some(id), Some(m)) => match tcb::isv_level(&m.levels, s[0] as u32) {
                Some(l) => list.pass("tdx_module.tcb_level", format!("module {id} SVN {} is at level {} ({})", s[0], l.grade.tcb_date, l.grade.status.name())),
                None => list.fail("tdx_module.tcb_level", format!("module {id} SVN {} is below every module TCB level (TCB_NOT_SUPPORTED)", s[0])),
            },
        }
    }
    let launch = tcb::evaluate(info, ext, svn, qe);
    let mut status = launch.as_ref().ok().map(|e| e.converged.clone());
    if let Ok(e) = &launch {
        claims.insert("platform_tcb_status".into(), json!(e.platform.status.name()));
        if let Some((id, g)) = &e.module {
            claims.insert("tdx_module_id".into(), json!(id));
            claims.insert("tdx_module_tcb_status".into(), json!(g.status.name()));
        }
    }
    if q.body_kind == BodyKind::Td15 {
        let svn2 = body(q, td::TEE_TCB_SVN2);
        let current = tcb::evaluate(info, ext, Some(svn2), qe).ok().map(|e| e.converged.status);
        let name = |s: Option<TcbStatus>| s.map(|s| s.name()).unwrap_or("TCB_NOT_SUPPORTED");
        claims.insert("tcb_status_launch".into(), json!(name(status.as_ref().map(|g| g.status))));
        claims.insert("tcb_status_current".into(), json!(name(current)));
        let advice = status.as_ref().zip(current).and_then(|(l, c)| tcb::relaunch(l.status, c));
        match (advice, status.as_mut()) {
            (Some(a), Some(g)) => {
                list.warn("tcb.relaunch", format!("{}: the TD launched on TCB {} (TEE_TCB_SVN) but the platform now runs {} (TEE_TCB_SVN2 {}); relaunch the TD to run on the current TCB", a.name(), g.status.name(), name(current), hex::encode(svn2)));
                g.status = a;
            }
            _ => list.pass("tcb.relaunch", format!("no relaunch advised: launch TCB {}, current TCB {} (TEE_TCB_SVN2 {})", name(status.as_ref().map(|g| g.status)), name(current), hex::encode(svn2))),
        }
    }
    let accepted = p.accepted();
    let accepted_names: Vec<&str> = accepted.iter().map(|s| s.name()).collect();
    match status {
        None => {
            let why = match launch {
                Err(tcb::NoStatus::NoPlatformLevel) => "no platform TCB level matches".to_string(),
                Err(tcb::NoStatus::ModuleNotListed(id)) => format!("module {id} is not in the TCB Info"),
                Err(tcb::NoStatus::NoModuleLevel(id)) => format!("module {id} is below every module level"),
                Ok(_) => String::new(),
            };
            claims.insert("tcb_status".into(), json!("TCB_NOT_SUPPORTED"));
            list.fail("tcb.status", format!("no TCB status: {why} (Intel STATUS_TCB_NOT_SUPPORTED); verification fails"));
        }
        Some(g) => {
            let detail = format!(
                "TCB status {} (tcbDate {}, advisories {})",
                g.status.name(),
                g.tcb_date,
                if g.advisory_ids.is_empty() { "none".to_string() } else { g.advisory_ids.join(", ") }
            );
            if !accepted.contains(&g.status) {
                list.fail("tcb.status", format!("{detail} is not accepted by the policy (accepted_tcb_statuses: {})", accepted_names.join(", ")));
            } else if g.status == TcbStatus::UpToDate {
                list.pass("tcb.status", detail);
            } else {
                list.warn("tcb.status", format!("{detail}: accepted by the policy (accepted_tcb_statuses), not up to date"));
            }
            claims.insert("tcb_status".into(), json!(g.status.name()));
            claims.insert("advisory_ids".into(), json!(g.advisory_ids));
            claims.insert("tcb_date".into(), json!(g.tcb_date));
        }
    }
}

fn quote_claims(q: &Quote) -> Map<String, Value> {
    let mut c = Map::new();
    let h = |b: &[u8]| json!(hex::encode(b));
    c.insert("quote_version".into(), json!(q.version));
    c.insert("tee_type".into(), json!(if q.body_kind == BodyKind::Sgx { "SGX" } else { "TDX" }));
    c.insert("body_type".into(), json!(match q.body_kind { BodyKind::Sgx => "SGX enclave report", BodyKind::Td10 => "TD 1.0", BodyKind::Td15 => "TD 1.5" }));
    c.insert("qe_vendor_id".into(), h(&q.qe_vendor_id));
    c.insert("user_data".into(), h(&q.user_data));
    c.insert("attestation_key".into(), h(&q.attestation_key));
    c.insert("trailing_bytes".into(), json!(q.trailing_bytes));
    let fields: Vec<(&str, (usize, usize))> = match q.body_kind {
        BodyKind::Sgx => vec![
            ("cpu_svn", enclave::CPU_SVN),
            ("misc_select", enclave::MISC_SELECT),
            ("attributes", enclave::ATTRIBUTES),
            ("mr_enclave", enclave::MR_ENCLAVE),
            ("mr_signer", enclave::MR_SIGNER),
            ("report_data", enclave::REPORT_DATA),
        ],
        kind => {
            let mut v = vec![
                ("tee_tcb_svn", td::TEE_TCB_SVN),
                ("mr_seam", td::MR_SEAM),
                ("mr_signer_seam", td::MR_SIGNER_SEAM),
                ("seam_attributes", td::SEAM_ATTRIBUTES),
                ("td_attributes", td::TD_ATTRIBUTES),
                ("xfam", td::XFAM),
                ("mr_td", td::MR_TD),
                ("mr_config_id", td::MR_CONFIG_ID),
                ("mr_owner", td::MR_OWNER),
                ("mr_owner_config", td::MR_OWNER_CONFIG),
                ("rtmr0", td::RTMR[0]),
                ("rtmr1", td::RTMR[1]),
                ("rtmr2", td::RTMR[2]),
                ("rtmr3", td::RTMR[3]),
                ("report_data", td::REPORT_DATA),
            ];
            if kind == BodyKind::Td15 {
                v.push(("tee_tcb_svn2", td::TEE_TCB_SVN2));
                v.push(("mr_service_td", td::MR_SERVICE_TD));
            }
            v
        }
    };
    for (name, range) in fields {
        c.insert(name.into(), h(body(q, range)));
    }
    if q.body_kind == BodyKind::Sgx {
        let le16 = |(off, _): (usize, usize)| u16::from_le_bytes([q.body[off], q.body[off + 1]]);
        c.insert("isv_prod_id".into(), json!(le16(enclave::ISV_PROD_ID)));
        c.insert("isv_svn".into(), json!(le16(enclave::ISV_SVN)));
    }
    let r = &q.qe_report;
    c.insert(
        "qe".into(),
        json!({
            "mr_enclave": hex::encode(&r[enclave::MR_ENCLAVE.0..][..32]),
            "mr_signer": hex::encode(&r[enclave::MR_SIGNER.0..][..32]),
            "isv_prod_id": u16::from_le_bytes([r[enclave::ISV_PROD_ID.0], r[enclave::ISV_PROD_ID.0 + 1]]),
            "isv_svn": u16::from_le_bytes([r[enclave::ISV_SVN.0], r[enclave::ISV_SVN.0 + 1]]),
        }),
    );
    c
}

/// Verifies and appraises a TDX or SGX quote. `Err` only for unreadable input (a PEM chain in the
/// quote that cannot be decoded); every verification outcome is a check.
pub fn verify(input: &TdxInput) -> Result<Appraisal, InputError> {
    let q = &input.quote;
    let t = input.reference_time;
    let col = &input.collateral;
    let p = &input.policy;
    let mut list = Checklist::default();
    let mut claims = quote_claims(q);
    let is_td = q.body_kind != BodyKind::Sgx;
    let kind = match q.body_kind {
        BodyKind::Sgx => "SGX enclave",
        BodyKind::Td10 => "TD 1.0",
        BodyKind::Td15 => "TD 1.5",
    };
    list.pass("evidence.parse", format!("parsed a version {} DCAP quote with a {kind} body ({}); signed region bytes 0..{}", q.version, input.form, q.signed.len()));
    if q.trailing_bytes == 0 {
        list.pass("evidence.trailing_bytes", "no bytes after the declared signature data");
    } else {
        list.warn("evidence.trailing_bytes", format!("{} bytes after the declared signature data are ignored; they are not signed and carry nothing", q.trailing_bytes));
    }
    list.expect(
        "quote.att_key_type",
        q.att_key_type == 2,
        "attestation key type 2 (ECDSA P-256)",
        format!("attestation key type {} is not ECDSA P-256 (2); no verifier accepts it", q.att_key_type),
    );
    list.expect(
        "quote.qe_vendor_id",
        q.qe_vendor_id == INTEL_QE_VENDOR_ID,
        "QE vendor id is Intel's (939a7233f79c4ca9940a0db3957f0607)",
        format!("QE vendor id {} is not Intel's: the quote was not produced by Intel's quoting enclave", hex::encode(q.qe_vendor_id)),
    );

    let chain = pck_chain(input, &mut list)?;
    let leaf = signatures::verify_pck_chain(&chain, &input.test_anchors, t, &mut list);
    let inter = chain.get(1);
    let trusted = chain.get(2).and_then(|r| signatures::trusted_root(r, &input.test_anchors));
    let test_root = matches!(trusted, Some((_, true)));
    let root = trusted.map(|(r, _)| r).or_else(|| col.certs.iter().find(|c| pinned(c) && c.is_self_issued()));
    let anchor = match trusted {
        Some((r, true)) => TrustAnchor { kind: "test".into(), name: format!("TEST anchor {}", r.subject_cn().unwrap_or_default()), spki_sha256: hex::encode(r.spki_sha256()) },
        Some((r, false)) => TrustAnchor { kind: "pinned".into(), name: "Intel SGX Root CA".into(), spki_sha256: hex::encode(r.spki_sha256()) },
        None => TrustAnchor { kind: "none".into(), name: "none".into(), spki_sha256: String::new() },
    };
    let root_name = if test_root { format!("the {}", anchor.name) } else { "the pinned Intel SGX Root CA".to_string() };
    let ext = match leaf.map(PckExtensions::read) {
        None => None,
        Some(Ok(e)) => {
            list.pass(
                "pck.extensions",
                format!("PCK SGX extension: FMSPC {}, PCE-ID {}, PCESVN {}, CPUSVN {}, SGX type {}", hex::encode(&e.fmspc), hex::encode(&e.pceid), e.pcesvn, hex::encode(&e.cpusvn), e.sgx_type),
            );
            claims.insert("fmspc".into(), json!(hex::encode(&e.fmspc)));
            claims.insert("pceid".into(), json!(hex::encode(&e.pceid)));
            claims.insert("pck".into(), json!({"ppid": hex::encode(&e.ppid), "cpusvn": hex::encode(&e.cpusvn), "pcesvn": e.pcesvn, "sgx_type": e.sgx_type, "tcb_comp_svn": e.comp_svn}));
            Some(e)
        }
        Some(Err(e)) => {
            list.fail("pck.extensions", e.to_string());
            None
        }
    };
    if let Some(l) = leaf {
        let (nb, na) = l.validity();
        claims.insert("pck_certificate".into(), json!({"subject": l.subject(), "issuer": l.issuer(), "serial": format!("0x{}", l.serial_hex()), "not_before": rfc3339(nb), "not_after": rfc3339(na)}));
    }

    let signer = signed_docs::tcb_signer(col, root, &root_name, t, &mut list);
    match (leaf, inter, root) {
        (Some(l), Some(i), Some(r)) => crl::check(col, r, test_root, i, l, signer, p.strict_crl, &mut list),
        _ => list.fail("crl", "revocation not checked: the PCK chain is incomplete or not anchored in the pinned root (or a supplied TEST anchor)"),
    }

    let tcb_info = signed_docs::load(col.tcb_info.as_ref(), signer, "tcb_info", "TCB Info", "the platform's TCB status is unknown", TcbInfo::parse, &mut list);
    let qe_identity = signed_docs::load(col.qe_identity.as_ref(), signer, "qe_identity", "QE Identity", "the quoting enclave cannot be identified", QeIdentity::parse, &mut list);
    if let Some(info) = &tcb_info {
        let (want_id, ok_version) = if is_td { ("TDX", info.version == 3) } else { ("SGX", matches!(info.version, 2 | 3)) };
        list.expect(
            "tcb_info.id",
            info.id == want_id && ok_version,
            format!("TCB Info id {} version {} fits a {kind} quote (tcbEvaluationDataNumber {})", info.id, info.version, info.tcb_evaluation_data_number.map(|n| n.to_string()).unwrap_or("-".into())),
            format!("TCB Info id {} version {} does not fit a {kind} quote (needs {want_id}{})", info.id, info.version, if is_td { " version 3" } else { " version 2 or 3" }),
        );
        claims.insert("tcb_evaluation_data_number".into(), json!(info.tcb_evaluation_data_number));
        if let Some(e) = &ext {
            list.expect(
                "tcb_info.fmspc",
                info.fmspc == e.fmspc,
                format!("TCB Info FMSPC {} is the PCK certificate's", hex::encode_upper(&info.fmspc)),
                format!("TCB Info is for FMSPC {} but the PCK certificate says {}: collateral for another platform", hex::encode_upper(&info.fmspc), hex::encode_upper(&e.fmspc)),
            );
            list.expect(
                "tcb_info.pceid",
                info.pceid == e.pceid,
                format!("TCB Info PCE-ID {} is the PCK certificate's", hex::encode(&info.pceid)),
                format!("TCB Info PCE-ID {} ≠ the PCK certificate's {}", hex::encode(&info.pceid), hex::encode(&e.pceid)),
            );
        }
    }
    if let Some(id) = &qe_identity {
        let want = if is_td { "TD_QE" } else { "QE" };
        list.expect(
            "qe_identity.id",
            id.id == want && id.version >= 2,
            format!("QE Identity id {} version {} fits a {kind} quote", id.id, id.version),
            format!("QE Identity id {} version {} does not fit a {kind} quote (needs {want}, version 2)", id.id, id.version),
        );
    }

    let mut dated: Vec<signed_docs::Dated> = Vec::new();
    let mut issued: Vec<(String, i64)> = Vec::new();
    if let Some(i) = &tcb_info {
        dated.push(("TCB Info".into(), i.issue_date, Some(i.next_update)));
        issued.push(("TCB Info".into(), i.issue_date));
    }
    if let Some(i) = &qe_identity {
        dated.push(("QE Identity".into(), i.issue_date, Some(i.next_update)));
        issued.push(("QE Identity".into(), i.issue_date));
    }
    if let Some(c) = root.and_then(|r| crl::root_crl(col, r, test_root)) {
        dated.push(signed_docs::crl_dates("Root CA CRL", c));
    }
    if let Some(c) = leaf.and_then(|l| crl::pck_crl(col, l)) {
        dated.push(signed_docs::crl_dates("PCK CRL", c));
    }
    if let Some(e) = signed_docs::check_window(&dated, t, p.allow_expired_collateral, &mut list) {
        claims.insert("collateral_expiry".into(), json!(rfc3339(e)));
    }
    signed_docs::check_age(&issued, t, p.max_collateral_age, &mut list);

    match leaf {
        Some(l) => signatures::verify_qe_report(q, l, &mut list),
        None => list.fail("qe.report_signature", "not checked: no PCK certificate"),
    }
    signatures::verify_qe_binding(q, &mut list);
    let qe_grade = match &qe_identity {
        None => None,
        Some(id) => {
            check_qe_identity(q, id, &mut list);
            let svn = u16::from_le_bytes([q.qe_report[enclave::ISV_SVN.0], q.qe_report[enclave::ISV_SVN.0 + 1]]) as u32;
            match tcb::isv_level(&id.levels, svn) {
                Some(l) => {
                    list.pass("qe.tcb_level", format!("QE ISVSVN {svn} is at level {} ({})", l.grade.tcb_date, l.grade.status.name()));
                    claims.insert("qe_tcb_status".into(), json!(l.grade.status.name()));
                    Some(l.grade.clone())
                }
                None => {
                    list.fail("qe.tcb_level", format!("QE ISVSVN {svn} is below every QE Identity level (TCB_NOT_SUPPORTED)"));
                    None
                }
            }
        }
    };
    match (&tcb_info, &ext) {
        (Some(info), Some(e)) if qe_identity.is_none() || qe_grade.is_some() => {
            if is_td {
                check_module_identity(q, info, &mut list);
            }
            check_tcb(q, info, e, qe_grade.as_ref(), p, &mut list, &mut claims);
        }
        _ => list.fail("tcb.status", "no TCB status: the TCB Info, the PCK certificate's SGX extension or the QE level is missing"),
    }
    signatures::verify_quote_signature(q, &mut list);

    if let Some((_, hcl)) = &col.hcl {
        let rd = if is_td { td::REPORT_DATA } else { enclave::REPORT_DATA };
        azure_hcl::check_binding(body(q, rd), hcl, &mut list);
        azure_hcl::insert_claims(hcl, &mut claims);
    }
    crate::vtpm::check(col.vtpm.as_ref(), col.hcl.as_ref().map(|(_, h)| h), col.tpm_log.as_ref(), &input.vtpm_policy, &mut list, &mut claims);
    if let Some(required) = p.event_digests.as_deref().filter(|r| !r.is_empty()) {
        if is_td {
            ccel::check_policy(col.event_log.as_ref(), required, [0, 1, 2, 3].map(|i| body(q, td::RTMR[i])), &mut list);
        } else {
            list.fail("eventlog.policy.event_digests", "policy tdx.event_digests applies to TD quotes; this is an SGX quote".to_string());
        }
    }
    if let Some(log) = &col.event_log {
        if is_td {
            ccel::check_rtmrs(log, [0, 1, 2, 3].map(|i| body(q, td::RTMR[i])), &mut list);
        } else {
            list.fail("eventlog.rtmr", format!("{} is a TDX CC event log, but the quote is an SGX quote: it has no RTMRs to replay against", log.file));
        }
        claims.insert("eventlog".into(), ccel::claims(log));
    }
    appraise::appraise(q, p, &mut list);
    claims.insert("evidence_form".into(), json!(input.form));

    let checks = list.into_checks();
    Ok(Appraisal {
        platform: if is_td { "tdx" } else { "sgx" }.into(),
        verdict: verdict_of(&checks),
        reference_time: rfc3339(t),
        trust_anchor: anchor,
        checks,
        claims,
    })
}
