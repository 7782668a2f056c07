//! What each fuzz target does with one input, in one place: the cargo-fuzz binaries in
//! `fuzz_targets/` call [`run`] (nightly, libFuzzer) and `wasm/tests/fuzz_regressions.rs` replays the
//! committed regression corpus `fuzz/regressions/<target>/*` through the same function on stable, so
//! a crash found once stays caught by `npm test`.
//!
//! Contract for every target: any bytes → `Ok`/`InputError` (or an appraisal), never a panic, an
//! overflow, unbounded recursion, or super-linear time (libFuzzer's `-timeout` catches the latter).
//! Included with `#[path]` by both users (it is not a module of the core crate).
#![allow(dead_code)]

use custodian_core::nvidia::{self, opaque, spdm, DeviceKind};
use custodian_core::snp;
use custodian_core::tdx::{self, collateral::Collateral, quote::Quote};
use custodian_core::x509::{load_endorsements, Endorsement};

/// Every target name, as `cargo fuzz run NAME`, `npm run fuzz -- NAME SECONDS` and the regression
/// directory name use it.
pub const TARGETS: &[&str] = &[
    "rim_xml", "c14n", "snp_evidence", "dcap_quote", "tdx_collateral", "spdm", "nvidia_evidence", "x509", "ocsp", "request", "event_log",
    "azure_hcl", "vtpm_quote", "sevsnp_proto",
];

/// Runs target `name` on `data`. Panics (the finding) only if a parser under test panics or an
/// invariant asserted here fails. Unknown `name` panics (a caller bug).
pub fn run(name: &str, data: &[u8]) {
    match name {
        "rim_xml" => rim_xml(data),
        "c14n" => c14n(data),
        "snp_evidence" => snp_evidence(data),
        "dcap_quote" => dcap_quote(data),
        "tdx_collateral" => tdx_collateral(data),
        "spdm" => spdm_report(data),
        "nvidia_evidence" => nvidia_evidence(data),
        "x509" => x509(data),
        "ocsp" => ocsp(data),
        "request" => request(data),
        "event_log" => event_log(data),
        "azure_hcl" => azure_hcl(data),
        "vtpm_quote" => vtpm_quote(data),
        "sevsnp_proto" => sevsnp_proto(data),
        other => panic!("unknown fuzz target {other}"),
    }
}

/// The whole RIM reader on arbitrary bytes: XML or RIM-service JSON, shape pre-scan, roxmltree,
/// XMLDSig reference and SignedInfo canonicalisation, certificate decoding.
pub fn rim_xml(data: &[u8]) {
    let _ = nvidia::rim::Rim::parse(data, "fuzz.xml");
}

/// The canonicaliser on its own, for every element as a subtree apex and for the whole document
/// minus each element (the enveloped-signature shape), on any text the RIM parser accepts. Also
/// checks that canonicalisation is deterministic and idempotent.
pub fn c14n(data: &[u8]) {
    use nvidia::c14n::{canonicalize, Subset};
    use nvidia::rim::parse_document;
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = parse_document(text) else { return };
    let whole = canonicalize(&doc, Subset::DocumentWithout(doc.root()));
    if let Ok(first) = &whole {
        assert_eq!(&canonicalize(&doc, Subset::DocumentWithout(doc.root())).unwrap(), first, "deterministic");
        let again_text = std::str::from_utf8(first).expect("canonical form is UTF-8");
        if let Ok(again) = parse_document(again_text) {
            assert_eq!(&canonicalize(&again, Subset::DocumentWithout(again.root())).unwrap(), first, "idempotent");
        }
    }
    for n in doc.descendants().filter(|n| n.is_element()).take(64) {
        let _ = canonicalize(&doc, Subset::Subtree(n));
        let _ = canonicalize(&doc, Subset::DocumentWithout(n));
    }
}

/// SEV-SNP evidence recognition: binary/hex report, report ‖ GHCB certificate table, Azure HCL
/// report (`snp::evidence::parse`); plus the certificate table and the HCL runtime data on their
/// own (the whole input as a table), and the claims of any report parsed.
pub fn snp_evidence(data: &[u8]) {
    if let Ok(ev) = snp::evidence::parse(data, "fuzz.bin") {
        let _ = ev.report.claims(ev.report.cpuid_product().map(|(p, _)| p));
        for e in &ev.table {
            let _ = e.kind.name();
        }
    }
    let _ = snp::certtable::parse(data, "fuzz.bin");
    let _ = custodian_core::azure_hcl::runtime(data, "fuzz.bin");
}

/// DCAP quote (v3/v4/v5, TDX and SGX) as `Quote::parse` and as evidence recognition, then the
/// collateral-free part of the verify path on any quote that parses: the PCK chain from the
/// certification data, the PCK's SGX extensions, the quote and QE report signatures, the QE
/// binding, and the appraisal under the default policy.
pub fn dcap_quote(data: &[u8]) {
    use custodian_core::appraisal::Checklist;
    use tdx::{appraise, pck::PckExtensions, policy::TdxPolicy, signatures};
    if let Ok(q) = Quote::parse(data, "fuzz.quote") {
        let _ = q.td_field(0, 48);
        let _ = q.td_field(usize::MAX - 1, 2);
        let mut list = Checklist::default();
        signatures::verify_quote_signature(&q, &mut list);
        signatures::verify_qe_binding(&q, &mut list);
        if let Ok(chain) = signatures::pck_chain(&q, "fuzz.quote") {
            if let Some(pck) = chain.first() {
                let _ = PckExtensions::read(pck);
                signatures::verify_qe_report(&q, pck, &mut list);
            }
        }
        appraise::appraise(&q, &TdxPolicy::default(), &mut list);
    }
    let _ = tdx::looks_like_quote(data);
    let _ = tdx::parse_evidence(data, "fuzz.quote");
}

/// TDX/SGX collateral: the input as one collateral file (JSON bundle, PCS bodies, PEM/DER chains,
/// CRLs, HCL report), and split at `\n--\n` into several files added in turn (the cross-file rules:
/// duplicates, second HCL report).
pub fn tdx_collateral(data: &[u8]) {
    let mut one = Collateral::default();
    let _ = one.add(data, "fuzz.json");
    let mut many = Collateral::default();
    for (i, part) in split(data, b"\n--\n").into_iter().enumerate().take(8) {
        let _ = many.add(part, &format!("fuzz{i}"));
    }
    let _ = many.certs_named("Intel SGX PCK Platform CA").count();
}

/// NVIDIA SPDM attestation report (raw or hex) and its OpaqueData TLVs, for both device kinds.
pub fn spdm_report(data: &[u8]) {
    let raw = spdm::decode_report_bytes(data).unwrap_or_else(|| data.to_vec());
    if let Ok(r) = spdm::Report::parse(&raw, "fuzz.bin") {
        let _ = r.tail96();
        let _ = r.structural();
        for i in 0..=255u8 {
            let _ = r.block(i);
        }
    }
    for kind in [DeviceKind::Gpu, DeviceKind::Switch] {
        let o = opaque::parse(data, 0, kind);
        let _ = o.claims(kind);
        let _ = (o.driver_version(), o.firmware_version(kind), o.fwid(), o.device_pdi(), o.gpu_switch_pdis(), o.switch_gpu_pdis());
    }
}

/// NVIDIA serialized-evidence JSON (or a bare report) as the request reader takes it.
pub fn nvidia_evidence(data: &[u8]) {
    let _ = nvidia::evidence::looks_like(data);
    let _ = nvidia::evidence::parse(data, "fuzz.json", Vec::new());
}

/// Endorsement loading (PEM, DER, concatenated DER; certificates and CRLs) and the accessors the
/// verifiers call on what loads.
pub fn x509(data: &[u8]) {
    let Ok(list) = load_endorsements(data, "fuzz.pem") else { return };
    for e in &list {
        match e {
            Endorsement::Cert(c) => {
                let _ = (c.subject(), c.issuer(), c.subject_cn(), c.issuer_cn(), c.serial_hex(), c.validity(), c.is_self_issued());
                let _ = c.verify_signed_by(c);
            }
            Endorsement::Crl(c) => {
                let _ = (c.issuer(), c.issuer_cn(), c.updates(), c.revoked_serials());
            }
        }
    }
}

/// An imported OCSP response.
pub fn ocsp(data: &[u8]) {
    let _ = nvidia::revocation::Ocsp::parse(data, "fuzz.ocsp");
}

/// The top-level JSON request through the full verify path (`request::run_json`, what the wasm ABI
/// calls). The response must always be JSON with a boolean `ok`.
pub fn request(data: &[u8]) {
    let out = custodian_core::request::run_json(data);
    let v: serde_json::Value = serde_json::from_str(&out).expect("run_json returns JSON");
    assert!(v.get("ok").and_then(serde_json::Value::as_bool).is_some(), "response has ok");
}

/// TCG event logs (CCEL and TPM): parse, replay every register of both banks, describe each event,
/// both kinds' readers and claims, and the replay checks against an all-zero quote (a mismatch or a
/// pass, never a panic), including the TPM side's "not attested" paths.
pub fn event_log(data: &[u8]) {
    use custodian_core::appraisal::Checklist;
    use custodian_core::eventlog::{self, EventLog, ALG_SHA256, ALG_SHA384};
    use custodian_core::tdx::ccel;
    let _ = eventlog::looks_like_event_log(data);
    let Ok(log) = EventLog::parse(data, "fuzz.log") else { return };
    let _ = (ccel::parse(data, "fuzz.ccel"), custodian_core::vtpm_log::parse(data, "fuzz.tpm"));
    for mr in 0..25 {
        let _ = (log.replay(mr, ALG_SHA256), log.replayed(mr, ALG_SHA384));
    }
    for e in log.events.iter().take(256) {
        let _ = (eventlog::describe(e), eventlog::type_name(e.event_type));
    }
    let _ = ccel::claims(&log);
    let zero = [0u8; 48];
    let mut list = Checklist::default();
    ccel::check_rtmrs(&log, [&zero, &zero, &zero, &zero], &mut list);
    let pcrs: Vec<(usize, Vec<u8>)> = (0..24).map(|i| (i, vec![0u8; 32])).collect();
    let mut claims = serde_json::Map::new();
    custodian_core::vtpm_log::check(&log, Ok(&pcrs[..12]), &mut list, &mut claims);
    custodian_core::vtpm_log::check(&log, Err("fuzz"), &mut list, &mut claims);
    let required = custodian_core::vtpm::PcrEventDigest { pcr: None, event_type: Some("EV_IPL".into()), description: Some("cmdline".into()), sha256: "00".repeat(32) };
    custodian_core::vtpm_log::check_policy(Some(&log), &[required], Some(&pcrs), &mut list);
}

/// Azure HCL report: the runtime data reader, its report-type check for both platforms and the
/// REPORT_DATA binding against the input's own first 64 bytes.
pub fn azure_hcl(data: &[u8]) {
    use custodian_core::appraisal::Checklist;
    use custodian_core::azure_hcl;
    let Ok(hcl) = azure_hcl::runtime(data, "fuzz.hcl") else { return };
    for want in [2, 4] {
        let _ = azure_hcl::require_type(&hcl, want, "fuzz.hcl");
    }
    let mut list = Checklist::default();
    azure_hcl::check_binding(&data[..data.len().min(64)], &hcl, &mut list);
    let mut claims = serde_json::Map::new();
    azure_hcl::insert_claims(&hcl, &mut claims);
}

/// The vTPM quote reader (Trustee `tpm_quote` JSON, then the TPMS_ATTEST), and the bytes as a bare
/// TPMS_ATTEST; a quote that reads is checked against runtime data whose AK is a fixed 2048-bit
/// key and against a policy nonce, so the signature, PCR-digest and nonce checks see hostile values.
pub fn vtpm_quote(data: &[u8]) {
    use custodian_core::appraisal::Checklist;
    use custodian_core::azure_hcl::HclRuntime;
    use custodian_core::vtpm;
    let _ = vtpm::parse_attest(data, "fuzz.attest");
    let _ = vtpm::looks_like_quote(data);
    let Ok(q) = vtpm::parse(data, "fuzz.json") else { return };
    let n = "x".repeat(342);
    let hcl = HclRuntime { hash_type: 1, report_type: 2, runtime_data: format!(r#"{{"keys":[{{"kid":"HCLAkPub","kty":"RSA","e":"AQAB","n":"{n}"}}]}}"#).into_bytes() };
    let required = vtpm::PcrEventDigest { pcr: Some(8), event_type: Some("EV_IPL".into()), description: None, sha256: "00".repeat(32) };
    let policy = vtpm::VtpmPolicy { nonce: Some("6368616c6c656e6765".into()), event_digests: Some(vec![required]) };
    let mut claims = serde_json::Map::new();
    vtpm::check(Some(&q), Some(&hcl), None, &policy, &mut Checklist::default(), &mut claims);
    vtpm::check(Some(&q), None, None, &vtpm::VtpmPolicy::default(), &mut Checklist::default(), &mut claims);
}

fn split<'a>(data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= data.len() {
        if &data[i..i + sep.len()] == sep {
            out.push(&data[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&data[start..]);
    out
}

/// go-sev-guest's Attestation/Report protobuf (`snp::sevsnp_proto::decode`), every form × message:
/// binary (prost) and text format (flat prescan, then prost-reflect) on the same bytes, then the JSON
/// handed to the host.
pub fn sevsnp_proto(data: &[u8]) {
    use custodian_core::snp::sevsnp_proto::{decode, to_json, Form, Kind};
    for form in [Form::Binary, Form::Text] {
        for kind in [Kind::Attestation, Kind::Report] {
            if let Ok(d) = decode(data, "fuzz.pb", form, kind) {
                let _ = to_json(&d);
            }
        }
    }
}
