//! Intel DCAP collateral as it arrives on an offline machine, classified by content:
//! - dcap-qvl `QuoteCollateralV3` JSON (`tcb_info` / `qe_identity` hold the exact signed JSON text,
//!   `*_signature` r‖s hex, CRLs hex DER, issuer chains PEM, optional `pck_certificate_chain`);
//! - raw Intel PCS response bodies `{"tcbInfo":{…},"signature":"…"}` and
//!   `{"enclaveIdentity":{…},"signature":"…"}` — the signed bytes are the inner object exactly as it
//!   appears in the body (Intel PCS API v4), so it is cut out of the text, never re-serialised;
//! - CRLs (DER, PEM or hex DER as PCCS serves the root CA CRL) and certificate chains (PEM, also
//!   URL-encoded as in the PCS `*-Issuer-Chain` headers);
//! - an Azure HCL report captured beside a TDX quote;
//! - a CC event log (CCEL, recognised by its "Spec ID Event03" first event; `ccel.rs`);
//! - an Azure vTPM quote (Trustee's `tpm_quote` JSON; [`crate::vtpm`]).
//!
//! Any number of files, or one bundle holding everything.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::azure_hcl::{self, HclRuntime};
use crate::error::InputError;
use crate::x509::{load_endorsements, Cert, Crl, Endorsement};

/// A JSON document together with the exact bytes its signature covers.
#[derive(Debug, Clone)]
pub struct SignedJson {
    /// File (and field) it came from, for messages.
    pub source: String,
    /// The signed text, byte for byte.
    pub text: String,
    /// ECDSA P-256 signature r ‖ s (32 + 32 bytes, big-endian).
    pub signature: [u8; 64],
}

/// Everything collected from the collateral files.
#[derive(Debug, Clone, Default)]
pub struct Collateral {
    pub tcb_info: Option<SignedJson>,
    pub qe_identity: Option<SignedJson>,
    /// CRL issued by the Intel SGX Root CA.
    pub root_ca_crl: Option<Crl>,
    /// CRLs issued by a PCK Platform or Processor CA.
    pub pck_crls: Vec<Crl>,
    /// Every certificate supplied (issuer chains, PCK chains); selected by role when used.
    pub certs: Vec<Cert>,
    /// An Azure HCL report, with the file it came from.
    pub hcl: Option<(String, HclRuntime)>,
    /// A CC event log to replay against the quote's RTMRs.
    pub event_log: Option<super::ccel::EventLog>,
    /// A TPM event log to replay against the vTPM quote's PCRs ([`crate::vtpm_log`]).
    pub tpm_log: Option<crate::eventlog::EventLog>,
    /// An Azure vTPM quote (Trustee's `tpm_quote`), verified with the HCL report's AK.
    pub vtpm: Option<crate::vtpm::VtpmQuote>,
}

#[derive(Deserialize)]
struct QuoteCollateralV3 {
    pck_crl_issuer_chain: Option<String>,
    root_ca_crl: Option<String>,
    pck_crl: Option<String>,
    tcb_info_issuer_chain: Option<String>,
    tcb_info: Option<String>,
    tcb_info_signature: Option<String>,
    qe_identity_issuer_chain: Option<String>,
    qe_identity: Option<String>,
    qe_identity_signature: Option<String>,
    pck_certificate_chain: Option<String>,
}

#[derive(Deserialize)]
struct PcsBody<'a> {
    #[serde(borrow, rename = "tcbInfo")]
    tcb_info: Option<&'a RawValue>,
    #[serde(borrow, rename = "enclaveIdentity", alias = "qeIdentity")]
    enclave_identity: Option<&'a RawValue>,
    signature: Option<String>,
}

fn signature(hex_text: &str, file: &str, field: &str) -> Result<[u8; 64], InputError> {
    let bytes = hex::decode(hex_text.trim()).map_err(|e| InputError::new(file, field, format!("not hex: {e}")))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| InputError::new(file, field, format!("{} bytes, an ECDSA P-256 r ‖ s signature is 64", b.len())))
}

fn hex_der(text: &str) -> Option<Vec<u8>> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() >= 2 && digits.chars().all(|c| c.is_ascii_hexdigit())).then(|| hex::decode(&digits).ok()).flatten()
}

/// Decodes the `%XX` escapes of a URL-encoded PEM chain (PCS `*-Issuer-Chain` headers).
fn url_decoded(text: &str) -> Option<String> {
    if !text.contains("-----BEGIN%20") {
        return None;
    }
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

impl Collateral {
    /// Adds one file. `name` is used in messages. Errors name the file and the field.
    pub fn add(&mut self, bytes: &[u8], name: &str) -> Result<(), InputError> {
        if bytes.starts_with(azure_hcl::MAGIC) {
            if let Some((other, _)) = &self.hcl {
                return Err(InputError::new(name, "HCL report", format!("a second HCL report (the first was {other})")));
            }
            let hcl = azure_hcl::runtime(bytes, name)?;
            azure_hcl::require_type(&hcl, azure_hcl::REPORT_TYPE_TDX, name)?;
            self.hcl = Some((name.to_string(), hcl));
            return Ok(());
        }
        if super::ccel::looks_like_event_log(bytes) || bytes.starts_with(b"CCEL") {
            let log = super::ccel::EventLog::parse(bytes, name)?;
            let (slot, what, log) = match log.kind() {
                crate::eventlog::LogKind::Ccel => (&mut self.event_log, "CC event log", super::ccel::require(log)?),
                crate::eventlog::LogKind::Tpm => (&mut self.tpm_log, "TPM event log", crate::vtpm_log::require(log)?),
            };
            if let Some(first) = slot {
                return Err(InputError::new(name, "event log", format!("a second {what} (the first was {}); pass one per quote", first.file)));
            }
            *slot = Some(log);
            return Ok(());
        }
        if crate::vtpm::looks_like_quote(bytes) {
            if let Some(first) = &self.vtpm {
                return Err(InputError::new(name, "vTPM quote", format!("a second vTPM quote (the first was {}); pass one per HCL report", first.file)));
            }
            self.vtpm = Some(crate::vtpm::parse(bytes, name)?);
            return Ok(());
        }
        let text = std::str::from_utf8(bytes).ok();
        if let Some(t) = text.filter(|t| t.trim_start().starts_with('{')) {
            return self.add_json(t, name);
        }
        if let Some(decoded) = text.and_then(url_decoded) {
            return self.add_x509(decoded.as_bytes(), name);
        }
        if let Some(der) = text.and_then(hex_der) {
            return self.add_x509(&der, name);
        }
        self.add_x509(bytes, name)
    }

    fn add_x509(&mut self, bytes: &[u8], name: &str) -> Result<(), InputError> {
        for e in load_endorsements(bytes, name)? {
            match e {
                // Bundles repeat the root and the TCB Signing certificate in every issuer chain.
                Endorsement::Cert(c) if self.certs.iter().any(|k| k.der == c.der) => {}
                Endorsement::Cert(c) => self.certs.push(c),
                Endorsement::Crl(c) => self.add_crl(c),
            }
        }
        Ok(())
    }

    fn add_crl(&mut self, crl: Crl) {
        if crl.issuer_cn().as_deref() == Some("Intel SGX Root CA") {
            self.root_ca_crl = Some(crl);
        } else {
            self.pck_crls.push(crl);
        }
    }

    fn set(slot: &mut Option<SignedJson>, doc: SignedJson, what: &str) -> Result<(), InputError> {
        if let Some(first) = slot {
            return Err(InputError::new(&doc.source, what, format!("a second {what} (the first came from {}); pass one per quote", first.source)));
        }
        *slot = Some(doc);
        Ok(())
    }

    fn add_json(&mut self, text: &str, name: &str) -> Result<(), InputError> {
        let probe: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| InputError::new(name, "JSON", e.to_string()))?;
        if probe.contains_key("tcbInfo") || probe.contains_key("enclaveIdentity") || probe.contains_key("qeIdentity") {
            let body: PcsBody = serde_json::from_str(text).map_err(|e| InputError::new(name, "PCS body", e.to_string()))?;
            let sig_text = body.signature.ok_or_else(|| InputError::new(name, "signature", "missing"))?;
            let sig = signature(&sig_text, name, "signature")?;
            let doc = |raw: &RawValue| SignedJson { source: name.to_string(), text: raw.get().to_string(), signature: sig };
            return match (body.tcb_info, body.enclave_identity) {
                (Some(t), None) => Self::set(&mut self.tcb_info, doc(t), "TCB Info"),
                (None, Some(q)) => Self::set(&mut self.qe_identity, doc(q), "QE Identity"),
                _ => Err(InputError::new(name, "PCS body", "holds both tcbInfo and enclaveIdentity; expected one signed object")),
            };
        }
        if !probe.contains_key("tcb_info") && !probe.contains_key("qe_identity") && !probe.contains_key("pck_crl") {
            return Err(InputError::new(
                name,
                "JSON",
                "neither a QuoteCollateralV3 bundle (tcb_info, qe_identity, pck_crl, …) nor an Intel PCS body (tcbInfo / enclaveIdentity)",
            ));
        }
        let v3: QuoteCollateralV3 = serde_json::from_str(text).map_err(|e| InputError::new(name, "QuoteCollateralV3", e.to_string()))?;
        let signed = |text: Option<String>, sig: Option<String>, field: &str| -> Result<Option<SignedJson>, InputError> {
            match (text, sig) {
                (None, _) => Ok(None),
                (Some(_), None) => Err(InputError::new(name, format!("{field}_signature"), "missing")),
                (Some(t), Some(s)) => Ok(Some(SignedJson {
                    source: format!("{name} ({field})"),
                    signature: signature(&s, name, &format!("{field}_signature"))?,
                    text: t,
                })),
            }
        };
        if let Some(d) = signed(v3.tcb_info, v3.tcb_info_signature, "tcb_info")? {
            Self::set(&mut self.tcb_info, d, "TCB Info")?;
        }
        if let Some(d) = signed(v3.qe_identity, v3.qe_identity_signature, "qe_identity")? {
            Self::set(&mut self.qe_identity, d, "QE Identity")?;
        }
        for (field, value) in [("root_ca_crl", v3.root_ca_crl), ("pck_crl", v3.pck_crl)] {
            if let Some(hex_text) = value {
                let der = hex_der(&hex_text).ok_or_else(|| InputError::new(name, field, "not hex-encoded DER"))?;
                self.add_crl(Crl::from_der(der, &format!("{name} ({field})"))?);
            }
        }
        for (field, value) in [
            ("pck_crl_issuer_chain", v3.pck_crl_issuer_chain),
            ("tcb_info_issuer_chain", v3.tcb_info_issuer_chain),
            ("qe_identity_issuer_chain", v3.qe_identity_issuer_chain),
            ("pck_certificate_chain", v3.pck_certificate_chain),
        ] {
            if let Some(pem) = value {
                self.add_x509(pem.as_bytes(), &format!("{name} ({field})"))?;
            }
        }
        Ok(())
    }

    /// The certificates whose subject CN is `cn`, in the order supplied.
    pub fn certs_named<'a>(&'a self, cn: &'a str) -> impl Iterator<Item = &'a Cert> + 'a {
        self.certs.iter().filter(move |c| c.subject_cn().as_deref() == Some(cn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_pcs_body_keeps_the_exact_signed_bytes() {
        let body = br#"{"tcbInfo":{"id":"TDX", "version" :3},"signature":"00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"}"#;
        let mut c = Collateral::default();
        c.add(body, "tcb.json").unwrap();
        assert_eq!(c.tcb_info.unwrap().text, r#"{"id":"TDX", "version" :3}"#);
    }

    #[test]
    fn an_snp_hcl_report_beside_a_td_quote_is_refused() {
        let mut b = azure_hcl::MAGIC.to_vec();
        b.resize(azure_hcl::HW_REPORT_OFFSET + azure_hcl::HW_REPORT_LEN + 8, 0);
        for v in [azure_hcl::REPORT_TYPE_SNP, 1, 0] {
            b.extend(v.to_le_bytes());
        }
        let e = Collateral::default().add(&b, "hcl.bin").unwrap_err();
        assert_eq!((e.file.as_str(), e.field.as_str()), ("hcl.bin", "HCL report type"));
        assert!(e.message.contains("SEV-SNP HCL report"), "{e}");
        let at = b.len() - 12;
        b[at..at + 4].copy_from_slice(&azure_hcl::REPORT_TYPE_TDX.to_le_bytes());
        assert!(Collateral::default().add(&b, "hcl.bin").is_ok());
    }

    #[test]
    fn event_logs_are_routed_by_kind_one_of_each() {
        use crate::eventlog::{tests::log_bytes, ALG_SHA256, ALG_SHA384};
        let mut c = Collateral::default();
        c.add(&log_bytes(ALG_SHA384, 48, &[(1, b"fw"), (3, b"kernel")]), "ccel.bin").unwrap();
        c.add(&log_bytes(ALG_SHA256, 32, &[(0, b"fw"), (8, b"cmdline")]), "tpm.log").unwrap();
        assert_eq!((c.event_log.as_ref().unwrap().file.as_str(), c.tpm_log.as_ref().unwrap().file.as_str()), ("ccel.bin", "tpm.log"));
        let e = c.add(&log_bytes(ALG_SHA256, 32, &[(4, b"x")]), "again.log").unwrap_err();
        assert_eq!((e.file.as_str(), e.message.as_str()), ("again.log", "a second TPM event log (the first was tpm.log); pass one per quote"));
    }

    #[test]
    fn bad_collateral_names_file_and_field() {
        let mut c = Collateral::default();
        let e = c.add(br#"{"tcbInfo":{},"signature":"abcd"}"#, "t.json").unwrap_err();
        assert_eq!((e.file.as_str(), e.field.as_str()), ("t.json", "signature"));
        let e = c.add(br#"{"hello":1}"#, "h.json").unwrap_err();
        assert_eq!(e.field, "JSON");
        let e = c.add(br#"{"tcb_info":"{}"}"#, "b.json").unwrap_err();
        assert_eq!(e.field, "tcb_info_signature");
        let e = c.add(b"{not json", "x.json").unwrap_err();
        assert_eq!(e.field, "JSON");
    }

    #[test]
    fn url_encoded_pem_is_decoded() {
        assert_eq!(url_decoded("-----BEGIN%20CERTIFICATE-----%0AAB%2BC").as_deref(), Some("-----BEGIN CERTIFICATE-----\nAB+C"));
        assert_eq!(url_decoded("plain"), None);
    }
}
