//! What a file is for when endorsements are paired with evidence by identity rather than by folder:
//! the keys a piece of evidence *wants* and the keys an endorsement *offers*, read by the same parsers
//! the verifiers use. The host (electron/evidence/pairing.ts) matches wants to offers across every
//! candidate file under the roots it was given; nothing here decides trust.
//!
//! Keys (all lower-case hex unless said):
//! - `amd-vcek:{Product}:{hwID}:{tcb}` — a VCEK for that chip at that TCB (`tcb` as
//!   [`crate::snp::tcb::Tcb::describe`] writes it in the product's layout); the report's CHIP_ID (first
//!   8 bytes on Turin, whose hwID is 8 bytes) and REPORTED_TCB want it.
//! - `amd-vlek:{Product}:{tcb}` — a VLEK at that TCB (a VLEK is not bound to one chip).
//! - `amd-ask:{Product}`, `amd-asvk:{Product}` — AMD's intermediate CA for VCEKs / VLEKs.
//! - `amd-crl:{Product}` — AMD's KDS CRL (issuer `ARK-{Product}`).
//! - `intel-tcbinfo:{TDX|SGX}:{FMSPC upper-case}`, `intel-qeid:{TD_QE|QE}`, `intel-tcb-signing` —
//!   Intel collateral; `crl:{issuer DN}` — a CRL by its issuer (the PCK CA's, the root CA's).
//! - `azure-hcl:{hash}` — an Azure TDX HCL report whose runtime-data hash a TD quote's REPORT_DATA
//!   starts with.
//! - `ccel:{RTMR0}` — a CC event log whose replay gives that RTMR0.
//! - `nvidia-chain:{FWID}` / `nvidia-chain` — an NVIDIA device chain (by the leaf's FWID).
//! - `nvidia-rim:{driver|firmware}:{colloquialVersion, lower-case}` — a RIM, as the verifier picks it
//!   (`nvidia::pick_rim`: by colloquialVersion).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::azure_hcl;
use crate::error::InputError;
use crate::nvidia;
use crate::snp::{self, product::Product, tcb::Tcb, vek::VekExtensions};
use crate::tdx::{self, collateral::Collateral, quote::td, tcbinfo};
use crate::x509::{load_endorsements, Cert, Crl, Endorsement};

/// One key an endorsement file offers. `digest` is the SHA-256 (hex) of exactly the item that
/// offers it (a certificate's DER, a CRL's DER, a signed JSON's text and signature, a RIM file, a
/// whole device chain), so the same item in two files (DER and PEM) is one candidate, not two.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Offer {
    pub key: String,
    pub digest: String,
    /// What it is, for notes, e.g. "TCB Info (TDX, FMSPC 90C06F000000)".
    pub what: String,
    /// Unix seconds it was issued (TCB Info / QE Identity issueDate, CRL thisUpdate), when stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued: Option<i64>,
}

/// One endorsement a piece of evidence needs: any of `keys` satisfies it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Want {
    pub keys: Vec<String>,
    /// What is wanted, in words, e.g. "the VCEK for CHIP_ID 1a2b… at bl=4 tee=0 snp=24 ucode=219".
    pub what: String,
    /// The keys say nothing of this evidence (e.g. a bare NVIDIA report without FWID wants *a*
    /// device chain): only the candidates nearest the evidence may be considered.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nearest: bool,
    /// The product line each key is for, when the evidence does not say (a v2 SEV-SNP report):
    /// once one want is met for a product, the later wants keep that product's keys only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<String>,
}

/// A file's identity: what it offers and what it wants (evidence wants, endorsements offer).
#[derive(Debug, Clone, Serialize, Default, PartialEq)]
pub struct Identity {
    /// What the file is, in words.
    pub what: String,
    pub offers: Vec<Offer>,
    pub wants: Vec<Want>,
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

fn want(what: impl Into<String>, keys: Vec<String>) -> Want {
    Want { keys, what: what.into(), nearest: false, variants: Vec::new() }
}

const PRODUCTS: [Product; 3] = [Product::Milan, Product::Genoa, Product::Turin];

/// Identifies one file by content. Errors are those of the parser that recognised it (naming the
/// file and the field); a file no parser recognises is an error saying so.
pub fn identify(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    if bytes.starts_with(azure_hcl::MAGIC) {
        return hcl(bytes, name);
    }
    if tdx::ccel::looks_like_event_log(bytes) || bytes.starts_with(b"CCEL") {
        return event_log(bytes, name);
    }
    if tdx::looks_like_quote(bytes) {
        return quote(bytes, name);
    }
    if nvidia::evidence::looks_like(bytes) {
        return nvidia_evidence(bytes, name);
    }
    if crate::vtpm::looks_like_quote(bytes) {
        // Bound to its evidence by the HCL runtime data's AK, not by an identity a folder search can use.
        crate::vtpm::parse(bytes, name)?;
        return Ok(Identity { what: "Azure vTPM quote (Trustee tpm_quote)".into(), offers: Vec::new(), wants: Vec::new() });
    }
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first == Some(b'{') {
        let probe: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| InputError::new(name, "JSON", e.to_string()))?;
        if probe.get("rim").is_some() && probe.get("id").is_some() {
            return rim(bytes, name);
        }
        return collateral(bytes, name);
    }
    if first == Some(b'<') {
        return rim(bytes, name);
    }
    if first == Some(0x30) || bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        if let Ok(items) = load_endorsements(bytes, name) {
            return Ok(x509(&items));
        }
    }
    snp_evidence(bytes, name)
}

fn snp_evidence(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    let ev = snp::evidence::parse(bytes, name)?;
    let r = &ev.report;
    let products: Vec<Product> = match r.cpuid_product() {
        Some((p, _)) => vec![p],
        None => PRODUCTS.to_vec(),
    };
    let tcb = |p: Product| Tcb::decode(r.reported_tcb, p).describe();
    let variants: Vec<String> = if products.len() > 1 { products.iter().map(|p| p.name().to_string()).collect() } else { Vec::new() };
    let want = |what: String, keys: Vec<String>| Want { variants: variants.clone(), ..want(what, keys) };
    let mut wants = Vec::new();
    // An extended report carries its VEK in the certificate table.
    if ev.table.is_empty() {
        match r.signing_key() {
            snp::report::SigningKey::Vcek if r.chip_id.iter().any(|b| *b != 0) => {
                let hwid = |p: Product| hex::encode(if p == Product::Turin { &r.chip_id[..8] } else { &r.chip_id[..] });
                let keys = products.iter().map(|p| format!("amd-vcek:{}:{}:{}", p.name(), hwid(*p), tcb(*p))).collect();
                wants.push(want(format!("the VCEK for CHIP_ID {}… at REPORTED_TCB {}", hex::encode(&r.chip_id[..8]), tcb(products[0])), keys));
            }
            snp::report::SigningKey::Vlek => {
                let keys = products.iter().map(|p| format!("amd-vlek:{}:{}", p.name(), tcb(*p))).collect();
                wants.push(want(format!("a VLEK at REPORTED_TCB {}", tcb(products[0])), keys));
            }
            _ => {}
        }
    }
    // The ASK (VCEK) or ASVK (VLEK) is embedded for AMD's products; one found beside is verified instead.
    let ca = if r.signing_key() == snp::report::SigningKey::Vlek { "asvk" } else { "ask" };
    wants.push(want(format!("the {} of the VEK", ca.to_ascii_uppercase()), products.iter().map(|p| format!("amd-{ca}:{}", p.name())).collect()));
    let names: Vec<&str> = products.iter().map(|p| p.name()).collect();
    wants.push(want(format!("AMD's CRL for {}", names.join(" or ")), products.iter().map(|p| format!("amd-crl:{}", p.name())).collect()));
    Ok(Identity { what: format!("SEV-SNP {}", ev.form), offers: Vec::new(), wants })
}

fn hcl(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    let runtime = azure_hcl::runtime(bytes, name)?;
    if runtime.report_type == azure_hcl::REPORT_TYPE_SNP {
        return snp_evidence(bytes, name);
    }
    azure_hcl::require_type(&runtime, azure_hcl::REPORT_TYPE_TDX, name)?;
    let offers = azure_hcl::runtime_digest(&runtime)
        .map(|d| Offer { key: format!("azure-hcl:{}", hex::encode(d)), digest: sha256_hex(&[bytes]), what: "Azure TDX HCL report".into(), issued: None })
        .into_iter()
        .collect();
    Ok(Identity { what: "Azure TDX HCL report".into(), offers, wants: Vec::new() })
}

fn event_log(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    let log = crate::eventlog::EventLog::parse(bytes, name)?;
    if log.kind() == crate::eventlog::LogKind::Tpm {
        // Bound to its evidence by the vTPM quote's PCRs, which a folder search cannot use as a key.
        let log = crate::vtpm_log::require(log)?;
        return Ok(Identity { what: format!("TPM event log ({} events)", log.events.len()), offers: Vec::new(), wants: Vec::new() });
    }
    let log = tdx::ccel::require(log)?;
    let rtmr0 = hex::encode(tdx::ccel::replayed(&log, 0));
    let what = format!("CC event log ({} events)", log.events.len());
    Ok(Identity { offers: vec![Offer { key: format!("ccel:{rtmr0}"), digest: sha256_hex(&[bytes]), what: what.clone(), issued: None }], what, wants: Vec::new() })
}

fn quote(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    let (q, form) = tdx::parse_evidence(bytes, name)?;
    let is_td = q.body_kind != tdx::quote::BodyKind::Sgx;
    let (tee, qe) = if is_td { ("TDX", "TD_QE") } else { ("SGX", "QE") };
    let mut wants = Vec::new();
    if q.cert_data_type == 5 {
        let chain = tdx::signatures::pck_chain(&q, name)?;
        if let Some(leaf) = chain.first() {
            let ext = tdx::pck::PckExtensions::read(leaf)?;
            let fmspc = hex::encode_upper(&ext.fmspc);
            wants.push(want(format!("TCB Info for {tee} FMSPC {fmspc}"), vec![format!("intel-tcbinfo:{tee}:{fmspc}")]));
            wants.push(want(format!("the PCK CRL of {}", leaf.issuer_cn().unwrap_or_else(|| leaf.issuer())), vec![format!("crl:{}", leaf.issuer())]));
        }
        if let Some(root) = chain.last() {
            wants.push(want("the Intel SGX Root CA CRL", vec![format!("crl:{}", root.subject())]));
        }
    }
    wants.push(want(format!("the {qe} Identity"), vec![format!("intel-qeid:{qe}")]));
    wants.push(want("the Intel SGX TCB Signing certificate", vec!["intel-tcb-signing".into()]));
    if is_td {
        let rd = q.td_field(td::REPORT_DATA.0, td::REPORT_DATA.1).unwrap_or(&[]);
        // The HCL runtime data's hash, of whichever length the HCL report's hash type gives.
        let keys = [32, 48, 64].iter().filter_map(|n| rd.get(..*n)).map(|h| format!("azure-hcl:{}", hex::encode(h))).collect();
        wants.push(want("the Azure HCL report whose runtime data REPORT_DATA binds", keys));
        let rtmr0 = q.td_field(td::RTMR[0].0, td::RTMR[0].1).unwrap_or(&[]);
        wants.push(want("the CC event log that replays to RTMR0", vec![format!("ccel:{}", hex::encode(rtmr0))]));
    }
    Ok(Identity { what: format!("{tee} {form}"), offers: Vec::new(), wants })
}

fn nvidia_evidence(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    let devices = nvidia::evidence::parse(bytes, name, Vec::new())?;
    let mut wants = Vec::new();
    for dev in &devices {
        let (_, kind) = nvidia::arch_and_kind(dev);
        let o = nvidia::opaque::parse(&dev.report.opaque, dev.report.opaque_offset, kind);
        if kind == nvidia::DeviceKind::Gpu {
            if let Some(v) = o.driver_version() {
                wants.push(want(format!("the driver RIM for {} (driver {v})", dev.source), vec![format!("nvidia-rim:driver:{}", v.to_ascii_lowercase())]));
            }
        }
        if let Some(v) = o.firmware_version(kind) {
            wants.push(want(format!("the firmware RIM for {} ({v})", dev.source), vec![format!("nvidia-rim:firmware:{}", v.to_ascii_lowercase())]));
        }
        if dev.chain.is_empty() {
            let what = format!("the device certificate chain of {}", dev.source);
            wants.push(match o.fwid() {
                Some(f) => want(what, vec![format!("nvidia-chain:{}", hex::encode(f))]),
                None => Want { nearest: true, ..want(format!("{what} (the report has no FWID: the nearest chain whose leaf verifies it)"), vec!["nvidia-chain".into()]) },
            });
        }
    }
    Ok(Identity { what: format!("NVIDIA evidence ({} device{})", devices.len(), if devices.len() == 1 { "" } else { "s" }), offers: Vec::new(), wants })
}

fn rim(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    let rim = nvidia::rim::Rim::parse(bytes, name)?;
    let mut offers = Vec::new();
    if let Some(v) = &rim.colloquial_version {
        let role = if nvidia::is_firmware_version(v) { "firmware" } else { "driver" };
        let what = format!("{role} RIM {v}");
        offers.push(Offer { key: format!("nvidia-rim:{role}:{}", v.to_ascii_lowercase()), digest: sha256_hex(&[bytes]), what, issued: None });
    }
    Ok(Identity { what: format!("NVIDIA RIM {}", rim.colloquial_version.as_deref().unwrap_or("(no colloquialVersion)")), offers, wants: Vec::new() })
}

fn collateral(bytes: &[u8], name: &str) -> Result<Identity, InputError> {
    let mut c = Collateral::default();
    c.add(bytes, name)?;
    let mut offers = Vec::new();
    if let Some(doc) = &c.tcb_info {
        let info = tcbinfo::TcbInfo::parse(&doc.text, &doc.source)?;
        let fmspc = hex::encode_upper(&info.fmspc);
        let tee = if info.id.eq_ignore_ascii_case("TDX") { "TDX" } else { "SGX" };
        let what = format!("TCB Info ({tee}, FMSPC {fmspc})");
        offers.push(Offer { key: format!("intel-tcbinfo:{tee}:{fmspc}"), digest: sha256_hex(&[doc.text.as_bytes(), &doc.signature]), what, issued: Some(info.issue_date) });
    }
    if let Some(doc) = &c.qe_identity {
        let qe = tcbinfo::QeIdentity::parse(&doc.text, &doc.source)?;
        let what = format!("{} Identity", qe.id);
        offers.push(Offer { key: format!("intel-qeid:{}", qe.id), digest: sha256_hex(&[doc.text.as_bytes(), &doc.signature]), what, issued: Some(qe.issue_date) });
    }
    offers.extend(c.root_ca_crl.iter().chain(&c.pck_crls).map(crl_offer));
    offers.extend(c.certs.iter().filter_map(tcb_signing_offer));
    let what = if offers.is_empty() { "JSON with no Intel collateral" } else { "Intel collateral" };
    Ok(Identity { what: what.into(), offers, wants: Vec::new() })
}

fn crl_offer(crl: &Crl) -> Offer {
    let what = format!("CRL of {}", crl.issuer_cn().unwrap_or_else(|| crl.issuer()));
    Offer { key: format!("crl:{}", crl.issuer()), digest: sha256_hex(&[&crl.der]), what, issued: Some(crl.updates().0) }
}

fn tcb_signing_offer(cert: &Cert) -> Option<Offer> {
    (cert.subject_cn().as_deref() == Some("Intel SGX TCB Signing"))
        .then(|| Offer { key: "intel-tcb-signing".into(), digest: sha256_hex(&[&cert.der]), what: "Intel SGX TCB Signing certificate".into(), issued: None })
}

/// The AMD VCEK/VLEK key of a certificate with AMD's extensions (productName, SPLs, hwID or cspId).
fn amd_vek_offer(cert: &Cert) -> Option<Offer> {
    let x = VekExtensions::read(cert);
    let product = Product::from_product_name(x.product_name.as_deref()?)?;
    let tcb = x.tcb(product).ok()?.describe();
    let digest = sha256_hex(&[&cert.der]);
    match (&x.hw_id, &x.csp_id) {
        (Some(hw), _) => Some(Offer { key: format!("amd-vcek:{}:{}:{tcb}", product.name(), hex::encode(hw)), digest, what: format!("VCEK ({}, {tcb})", product.name()), issued: None }),
        (None, Some(csp)) => Some(Offer { key: format!("amd-vlek:{}:{tcb}", product.name()), digest, what: format!("VLEK ({}, {csp}, {tcb})", product.name()), issued: None }),
        (None, None) => None,
    }
}

/// AMD's intermediate CAs by their subject CN (`SEV-{Product}` ASK, `SEV-VLEK-{Product}` ASVK),
/// issued by `ARK-{Product}`.
fn amd_ca_offer(cert: &Cert) -> Option<Offer> {
    let cn = cert.subject_cn()?;
    let (ca, product) = match cn.strip_prefix("SEV-VLEK-") {
        Some(p) => ("asvk", p),
        None => ("ask", cn.strip_prefix("SEV-")?),
    };
    let product = Product::parse(product)?;
    (cert.issuer_cn()? == format!("ARK-{}", product.name())).then(|| Offer {
        key: format!("amd-{ca}:{}", product.name()),
        digest: sha256_hex(&[&cert.der]),
        what: format!("{} ({cn})", ca.to_ascii_uppercase()),
        issued: None,
    })
}

fn x509(items: &[Endorsement]) -> Identity {
    let certs: Vec<&Cert> = items.iter().filter_map(|e| if let Endorsement::Cert(c) = e { Some(c) } else { None }).collect();
    let mut offers: Vec<Offer> = Vec::new();
    for item in items {
        match item {
            Endorsement::Crl(crl) => {
                offers.push(crl_offer(crl));
                if let Some(p) = crl.issuer_cn().as_deref().and_then(|cn| cn.strip_prefix("ARK-")).and_then(Product::parse) {
                    offers.push(Offer { key: format!("amd-crl:{}", p.name()), ..crl_offer(crl) });
                }
            }
            Endorsement::Cert(c) => offers.extend(amd_vek_offer(c).into_iter().chain(amd_ca_offer(c)).chain(tcb_signing_offer(c))),
        }
    }
    // An NVIDIA device chain is one candidate as a whole (leaf first), keyed by its leaf's FWID.
    let nvidia_chain = certs.len() >= 2 && !certs[0].is_self_issued() && certs.iter().any(|c| c.issuer().contains("NVIDIA"));
    if let Some(leaf) = certs.first().filter(|_| nvidia_chain) {
        let ders: Vec<&[u8]> = certs.iter().map(|c| c.der.as_slice()).collect();
        let digest = sha256_hex(&ders);
        let what = format!("NVIDIA device chain ({} certificates)", certs.len());
        if let Some((fwid, _)) = nvidia::chain::leaf_fwid(leaf) {
            offers.push(Offer { key: format!("nvidia-chain:{}", hex::encode(fwid)), digest: digest.clone(), what: what.clone(), issued: None });
        }
        offers.push(Offer { key: "nvidia-chain".into(), digest, what, issued: None });
    }
    let what = match (certs.len(), items.len() - certs.len()) {
        (1, 0) => "1 certificate".to_string(),
        (n, 0) => format!("{n} certificates"),
        (0, 1) => "1 CRL".to_string(),
        (n, m) => format!("{n} certificates, {m} CRLs"),
    };
    Identity { what, offers, wants: Vec::new() }
}

/// Runs an identify request `{"name", "base64"}` and returns `{"ok":true,"identity":{…}}` or
/// `{"ok":false,"error":{"file","field","message"}}`.
pub fn identify_json(request: &[u8]) -> String {
    let result = serde_json::from_slice::<crate::request::Blob>(request)
        .map_err(|e| InputError::new("request", "request", e.to_string()))
        .and_then(|b| identify(&b.bytes()?, &b.name));
    match result {
        Ok(identity) => serde_json::json!({"ok": true, "identity": identity}),
        Err(e) => serde_json::json!({"ok": false, "error": e}),
    }
    .to_string()
}
