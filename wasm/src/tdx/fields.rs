//! The field map of an Intel DCAP quote (v3, v4, v5; TD 1.0, TD 1.5 and SGX bodies), for the
//! Inspector: header → (v5 body descriptor) → report body → signature data → (v4+: QE certification
//! data) → QE report → QE authentication data → certification data (PCK chain). The walk follows
//! [`super::quote::Quote::parse`] step by step — the same declared lengths, the body offsets of
//! [`super::quote::td`] and [`super::quote::enclave`] — but keeps going as far as the bytes allow, so
//! a cut-off quote shows the fields that fit and a note naming the first that does not.
//!
//! TD_ATTRIBUTES, XFAM, SEAM_ATTRIBUTES and SGX ATTRIBUTES carry their named bits (Intel TDX module
//! ABI "TD_ATTRIBUTES", Intel SDM Vol. 1 §13 XSAVE state components, SDM Vol. 3D §38.7.1).

use super::appraise::td_attr;
use super::quote::{enclave, td, ENCLAVE_REPORT_LEN, HEADER_LEN, TD10_LEN, TD15_LEN, TEE_TDX};
use crate::fields::{bit, cut, hex_value, part, Description, Field, Part};

/// A tolerant reader: `take` answers the offset of the next `n` bytes, or records the first field
/// that does not fit in `note` and answers `None`.
struct Walk<'a> {
    b: &'a [u8],
    file: &'a str,
    note: String,
}

impl Walk<'_> {
    fn fits(&mut self, at: usize, n: usize, label: &str, end: usize) -> bool {
        let ok = at.checked_add(n).is_some_and(|e| e <= end.min(self.b.len()));
        if !ok && self.note.is_empty() {
            self.note = cut(self.file, label, n, at, end.min(self.b.len()));
        }
        ok
    }
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.b[at], self.b[at + 1]])
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes([self.b[at], self.b[at + 1], self.b[at + 2], self.b[at + 3]])
    }
    fn u64(&self, at: usize) -> u64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.b[at..at + 8]);
        u64::from_le_bytes(a)
    }
    /// A hex leaf at `at` when it fits before `end`.
    fn hex(&mut self, id: &str, label: &str, at: usize, n: usize, end: usize, meaning: &str) -> Option<Field> {
        self.fits(at, n, label, end).then(|| Field::new(id, label, at, n, meaning).value(hex_value(&self.b[at..at + n])))
    }
    /// A little-endian number leaf (2 or 4 bytes) shown in decimal.
    fn num(&mut self, id: &str, label: &str, at: usize, n: usize, end: usize, meaning: &str) -> Option<Field> {
        self.fits(at, n, label, end).then(|| {
            let v = if n == 2 { self.u16(at) as u32 } else { self.u32(at) };
            Field::new(id, label, at, n, meaning).value(v.to_string())
        })
    }
}

/// TD_ATTRIBUTES bits (also of a TDREPORT's TDINFO).
pub(crate) fn td_attribute_parts(v: u64) -> Vec<Part> {
    vec![
        bit("DEBUG", v, 0),
        part("reserved (TUD)", "bits 7:1", format!("0x{:x}", (v >> 1) & 0x7f)),
        bit("SEPT_VE_DISABLE", v, 28),
        bit("MIGRATABLE", v, 29),
        bit("PKS", v, 30),
        bit("KL", v, 31),
        bit("PERFMON", v, 63),
        part("other bits", "rest", format!("0x{:x}", v & !(td_attr::KNOWN | 0xfe | (1 << 29)))),
    ]
}

/// XSAVE state components (XCR0 / IA32_XSS bit numbers).
const XFAM_BITS: [(&str, u32); 19] = [
    ("X87", 0),
    ("SSE", 1),
    ("AVX", 2),
    ("MPX_BNDREGS", 3),
    ("MPX_BNDCSR", 4),
    ("AVX512_OPMASK", 5),
    ("AVX512_ZMM_HI256", 6),
    ("AVX512_HI16_ZMM", 7),
    ("PT", 8),
    ("PKRU", 9),
    ("PASID", 10),
    ("CET_U", 11),
    ("CET_S", 12),
    ("HDC", 13),
    ("UINTR", 14),
    ("LBR", 15),
    ("HWP", 16),
    ("AMX_TILECFG", 17),
    ("AMX_TILEDATA", 18),
];

/// XFAM bits (XSAVE state components).
pub(crate) fn xfam_parts(v: u64) -> Vec<Part> {
    let mut out: Vec<Part> = XFAM_BITS.iter().map(|(n, b)| bit(n, v, *b)).collect();
    out.push(part("other bits", "bits 63:19", format!("0x{:x}", v >> 19)));
    out
}

fn sgx_attribute_parts(flags: u64, xfrm: u64) -> Vec<Part> {
    vec![
        bit("INIT", flags, 0),
        bit("DEBUG", flags, 1),
        bit("MODE64BIT", flags, 2),
        bit("PROVISIONKEY", flags, 4),
        bit("EINITTOKEN_KEY", flags, 5),
        bit("KSS", flags, 7),
        part("XFRM", "bytes 15:8", format!("0x{xfrm:x}")),
    ]
}

/// The TD report body at `base` (TD 1.0, plus TEE_TCB_SVN2 and MRSERVICETD for TD 1.5).
fn td_body(w: &mut Walk, base: usize, td15: bool) -> Vec<Field> {
    let rows: Vec<(&str, &str, (usize, usize), &str)> = {
        let mut v = vec![
            ("tee_tcb_svn", "TEE_TCB_SVN", td::TEE_TCB_SVN, "Security versions of the TDX module and its components (compared with the TCB Info levels)."),
            ("mr_seam", "MRSEAM", td::MR_SEAM, "Measurement of the TDX module."),
            ("mr_signer_seam", "MRSIGNERSEAM", td::MR_SIGNER_SEAM, "Signer of the TDX module (zero for Intel's)."),
            ("seam_attributes", "SEAMATTRIBUTES", td::SEAM_ATTRIBUTES, "Attributes of the TDX module; every bit reserved (zero) in TDX 1.x."),
            ("td_attributes", "TDATTRIBUTES", td::TD_ATTRIBUTES, "TD attributes: DEBUG, SEPT_VE_DISABLE, PKS, KL, PERFMON …"),
            ("xfam", "XFAM", td::XFAM, "Extended features (XSAVE state components) the TD may use."),
            ("mr_td", "MRTD", td::MR_TD, "Measurement of the initial TD contents (firmware)."),
            ("mr_config_id", "MRCONFIGID", td::MR_CONFIG_ID, "Software-defined id of the TD configuration."),
            ("mr_owner", "MROWNER", td::MR_OWNER, "Software-defined id of the TD owner."),
            ("mr_owner_config", "MROWNERCONFIG", td::MR_OWNER_CONFIG, "Software-defined owner configuration."),
            ("rtmr0", "RTMR0", td::RTMR[0], "Runtime measurement register 0: firmware configuration."),
            ("rtmr1", "RTMR1", td::RTMR[1], "Runtime measurement register 1: OS loader and kernel."),
            ("rtmr2", "RTMR2", td::RTMR[2], "Runtime measurement register 2: OS command line and initrd."),
            ("rtmr3", "RTMR3", td::RTMR[3], "Runtime measurement register 3: application-defined."),
            ("report_data", "REPORTDATA", td::REPORT_DATA, "TD-chosen data bound into the quote, e.g. a key hash or nonce."),
        ];
        if td15 {
            v.push(("tee_tcb_svn2", "TEE_TCB_SVN2", td::TEE_TCB_SVN2, "Security versions of the TDX module after a TD-preserving update."));
            v.push(("mr_service_td", "MRSERVICETD", td::MR_SERVICE_TD, "Measurement of bound service TDs (zero when none)."));
        }
        v
    };
    let end = base + if td15 { TD15_LEN } else { TD10_LEN };
    let mut out = Vec::new();
    for (id, label, (off, len), meaning) in rows {
        let Some(f) = w.hex(id, label, base + off, len, end, meaning) else { continue };
        let at = base + off;
        out.push(match id {
            "td_attributes" => f.parts(td_attribute_parts(w.u64(at))),
            "xfam" => f.parts(xfam_parts(w.u64(at))),
            "seam_attributes" => f.parts(vec![part("reserved", "bits 63:0", format!("0x{:x}", w.u64(at)))]),
            _ => f,
        });
    }
    out
}

/// An SGX enclave report at `base` (the quote body of an SGX quote, or the QE report); ids get
/// `prefix` (`""` or `qe_report.`).
fn enclave_report(w: &mut Walk, base: usize, prefix: &str) -> Vec<Field> {
    let id = |s: &str| format!("{prefix}{s}");
    let reserved = |w: &mut Walk, off: usize, len: usize| w.fits(base + off, len, "reserved", base + ENCLAVE_REPORT_LEN).then(|| Field::new(id(&format!("reserved_{off}")), "reserved", base + off, len, "Reserved, zero."));
    let end = base + ENCLAVE_REPORT_LEN;
    let mut out = Vec::new();
    out.extend(w.hex(&id("cpu_svn"), "CPUSVN", base + enclave::CPU_SVN.0, 16, end, "Security version of the CPU."));
    out.extend(w.hex(&id("misc_select"), "MISCSELECT", base + enclave::MISC_SELECT.0, 4, end, "Extended SSA frame features."));
    out.extend(reserved(w, 20, 28));
    if let Some(f) = w.hex(&id("attributes"), "ATTRIBUTES", base + enclave::ATTRIBUTES.0, 16, end, "Enclave attributes: FLAGS (INIT, DEBUG, MODE64BIT, …) and XFRM.") {
        let at = base + enclave::ATTRIBUTES.0;
        out.push(f.parts(sgx_attribute_parts(w.u64(at), w.u64(at + 8))));
    }
    out.extend(w.hex(&id("mr_enclave"), "MRENCLAVE", base + enclave::MR_ENCLAVE.0, 32, end, "Measurement of the enclave."));
    out.extend(reserved(w, 96, 32));
    out.extend(w.hex(&id("mr_signer"), "MRSIGNER", base + enclave::MR_SIGNER.0, 32, end, "Hash of the enclave signer's key."));
    out.extend(reserved(w, 160, 96));
    out.extend(w.num(&id("isv_prod_id"), "ISVPRODID", base + enclave::ISV_PROD_ID.0, 2, end, "Product id of the enclave."));
    out.extend(w.num(&id("isv_svn"), "ISVSVN", base + enclave::ISV_SVN.0, 2, end, "Security version of the enclave."));
    out.extend(reserved(w, 260, 60));
    let rd = if prefix.is_empty() { "Enclave-chosen data bound into the quote." } else { "SHA-256(attestation key ‖ QE authentication data) ‖ 32 zero bytes: binds the attestation key to the QE." };
    out.extend(w.hex(&id("report_data"), "REPORTDATA", base + enclave::REPORT_DATA.0, 64, end, rd));
    out
}

/// A container over `children` spanning `at..end` (clipped to the bytes).
fn group(id: &str, label: &str, at: usize, end: usize, limit: usize, meaning: &str, children: Vec<Field>) -> Option<Field> {
    let end = end.min(limit);
    (end > at).then(|| Field::new(id, label, at, end - at, meaning).children(children))
}

/// Describes a DCAP quote. Reads lengths as the parser does; stops (with a note) at the first
/// structure that does not fit or that the parser would refuse (unknown v5 body type).
pub fn describe(b: &[u8], file: &str) -> Description {
    let mut w = Walk { b, file, note: String::new() };
    let len = b.len();
    let mut fields = Vec::new();
    let done = |fields: Vec<Field>, w: Walk| Description { format: "dcap-quote".into(), length: len, fields, note: w.note };

    // Header (48 bytes).
    let mut header = Vec::new();
    header.extend(w.num("quote_version", "Version", 0, 2, len, "Quote format version (3, 4 or 5)."));
    header.extend(w.num("attestation_key_type", "Attestation Key Type", 2, 2, len, "Type of the attestation key (2 = ECDSA P-256)."));
    if let Some(f) = w.hex("tee_type", "TEE Type", 4, 4, len, "Which TEE produced the report: 0x00000000 SGX, 0x00000081 TDX.") {
        let t = w.u32(4);
        header.push(f.value(format!("0x{t:x} ({})", if t == TEE_TDX { "TDX" } else if t == 0 { "SGX" } else { "unknown" })));
    }
    header.extend(w.hex("qe_svn_pce_svn", "QE_SVN / PCE_SVN", 8, 4, len, "Security versions of the QE and PCE in v3; reserved in v4 and v5."));
    header.extend(w.hex("qe_vendor_id", "QE Vendor ID", 12, 16, len, "Vendor of the quoting enclave (Intel: 939a7233…)."));
    header.extend(w.hex("user_data", "User Data", 28, 20, len, "Quoting-enclave data; the first 16 bytes are the platform id."));
    fields.extend(group("header", "Header", 0, HEADER_LEN, len, "Quote header: version, key type, TEE type, QE vendor.", header));
    if len < HEADER_LEN {
        return done(fields, w);
    }
    let version = w.u16(0);
    let tdx = w.u32(4) == TEE_TDX;

    // Body kind (v5: descriptor).
    let mut at = HEADER_LEN;
    let body_kind = match version {
        5 => {
            let mut d = Vec::new();
            d.extend(w.num("body_type", "Body Type", at, 2, len, "Report body type: 1 SGX, 2 TD 1.0, 3 TD 1.5."));
            d.extend(w.num("body_size", "Body Size", at + 2, 4, len, "Length of the report body in bytes."));
            fields.extend(group("body_descriptor", "Body Descriptor", at, at + 6, len, "Quote v5: which report body follows and its size.", d));
            if len < at + 6 {
                return done(fields, w);
            }
            let t = w.u16(at);
            at += 6;
            match t {
                1 => (false, false),
                2 => (true, false),
                3 => (true, true),
                other => {
                    w.note = format!("{file}: Body Type: body type {other} is unknown (1 SGX, 2 TD 1.0, 3 TD 1.5)");
                    return done(fields, w);
                }
            }
        }
        _ => (tdx, false),
    };
    let (is_td, td15) = body_kind;
    let body_len = if !is_td { ENCLAVE_REPORT_LEN } else if td15 { TD15_LEN } else { TD10_LEN };
    let children = if is_td { td_body(&mut w, at, td15) } else { enclave_report(&mut w, at, "") };
    let label = if !is_td { "Report Body (SGX enclave report)" } else if td15 { "Report Body (TD 1.5)" } else { "Report Body (TD 1.0)" };
    fields.extend(group("body", label, at, at + body_len, len, "What the attestation key signs, with the header: the TEE's report.", children));
    at += body_len;

    // Signature data.
    let Some(l) = w.num("signature_data_len", "Signature Data Length", at, 4, len, "Length of the signature data that follows, in bytes.") else { return done(fields, w) };
    fields.push(l);
    let sig_len = w.u32(at) as usize;
    let sig_start = at + 4;
    let sig_end = sig_start.saturating_add(sig_len);
    if sig_end > len && w.note.is_empty() {
        w.note = cut(file, "Signature Data", sig_len, sig_start, len);
    }
    let mut sig = Vec::new();
    sig.extend(w.hex("quote_signature", "ECDSA Signature", sig_start, 64, sig_end, "ECDSA P-256 signature r ‖ s over SHA-256 of header ‖ body, by the attestation key."));
    sig.extend(w.hex("attestation_key", "ECDSA Attestation Key", sig_start + 64, 64, sig_end, "The QE's attestation public key X ‖ Y (P-256)."));
    let mut pos = sig_start + 128;
    let mut qe_parent: Option<(usize, usize)> = None;
    let mut hdr = Vec::new();
    if version != 3 {
        // v4/v5: certification data type 6 wraps the QE material.
        hdr.extend(w.num("qe_certification_data_type", "Certification Data Type", pos, 2, sig_end, "6 = QE report certification data."));
        hdr.extend(w.num("qe_certification_data_size", "Certification Data Size", pos + 2, 4, sig_end, "Length of the QE report certification data."));
        if w.fits(pos, 6, "Certification Data Size", sig_end) {
            let size = w.u32(pos + 2) as usize;
            qe_parent = Some((pos, (pos + 6).saturating_add(size)));
        }
        pos += 6;
    }
    let sig_lim = sig_end.min(len);
    let qe_end = qe_parent.map_or(sig_lim, |(_, e)| e.min(sig_lim));
    let mut qe = Vec::new();
    let qe_report = enclave_report(&mut w, pos, "qe_report.");
    qe.extend(group("qe_report", "QE Report", pos, pos + ENCLAVE_REPORT_LEN, qe_end, "The quoting enclave's SGX report; its REPORTDATA binds the attestation key.", qe_report));
    pos += ENCLAVE_REPORT_LEN;
    qe.extend(w.hex("qe_report_signature", "QE Report Signature", pos, 64, qe_end, "ECDSA P-256 signature over the QE report by the PCK (leaf of the certification data)."));
    pos += 64;
    let mut cert = Vec::new();
    if let Some(f) = w.num("qe_auth_data_size", "QE Authentication Data Size", pos, 2, qe_end, "Length of the QE authentication data.") {
        qe.push(f);
        let n = w.u16(pos) as usize;
        pos += 2;
        if n > 0 {
            qe.extend(w.hex("qe_auth_data", "QE Authentication Data", pos, n, qe_end, "Data the QE hashed with the attestation key into its REPORTDATA."));
        }
        pos += n;
        cert.extend(w.num("certification_data_type", "Certification Data Type", pos, 2, qe_end, "5 = PCK certificate chain (PEM)."));
        if let Some(f) = w.num("certification_data_size", "Certification Data Size", pos + 2, 4, qe_end, "Length of the certification data.") {
            cert.push(f);
            let n = w.u32(pos + 2) as usize;
            if let Some(f) = w.hex("certification_data", "Certification Data", pos + 6, n, qe_end, "The PCK certificate chain (PEM): PCK, PCK CA, Intel SGX Root CA.") {
                let text = &b[pos + 6..pos + 6 + n];
                let certs = text.windows(27).filter(|x| x == b"-----BEGIN CERTIFICATE-----").count();
                cert.push(f.value(format!("{certs} PEM certificate(s), {n} bytes")));
            }
        }
    }
    qe.extend(cert);
    match qe_parent {
        Some((start, end)) => sig.extend(group("qe_certification_data", "QE Report Certification Data", start, end, sig_end, "Certification data type 6: the QE report, its signature, authentication data and the PCK chain.", hdr.into_iter().chain(qe).collect())
            .map(|g| Field { length: g.length.min(sig_lim - g.offset), ..g })),
        None => sig.extend(hdr.into_iter().chain(qe)),
    }
    fields.extend(group("signature_data", "Signature Data", sig_start, sig_end, len, "Quote signature, attestation key, QE report and its certification data (PCK chain).", sig));
    if sig_end < len {
        fields.push(Field::new("trailing_bytes", "trailing bytes", sig_end, len - sig_end, "Bytes after the quote; not covered by any signature.").value(format!("{} bytes", len - sig_end)));
    }
    done(fields, w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::tests::{assert_well_formed, find};
    use crate::tdx::quote::Quote;

    /// A v4 quote whose TD_ATTRIBUTES set DEBUG and SEPT_VE_DISABLE, MRTD 0x7D…, 2 bytes of QE auth data.
    fn minimal_v4() -> Vec<u8> {
        let mut body = vec![0u8; TD10_LEN];
        body[td::TD_ATTRIBUTES.0] = 1; // DEBUG
        body[td::TD_ATTRIBUTES.0 + 3] = 0x10; // bit 28 SEPT_VE_DISABLE
        body[td::MR_TD.0..td::MR_TD.0 + 48].copy_from_slice(&[0x7D; 48]);
        crate::tdx::quote::tests::quote_v4(&body, &[0xAA, 0xBB], None)
    }

    #[test]
    fn the_tree_follows_the_parser_and_tiles_the_quote() {
        let mut b = minimal_v4();
        b.extend(b"tail");
        let q = Quote::parse(&b, "q").unwrap();
        let d = describe(&b, "q");
        assert!(d.note.is_empty(), "{}", d.note);
        assert_well_formed(&d);
        assert_eq!(d.fields.iter().map(|f| f.length).sum::<usize>(), b.len());
        let ids: Vec<_> = d.fields.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["header", "body", "signature_data_len", "signature_data", "trailing_bytes"]);
        let mr_td = find(&d, "mr_td").unwrap();
        assert_eq!(&b[mr_td.offset..mr_td.offset + 48], q.td_field(td::MR_TD.0, 48).unwrap());
        let cert = find(&d, "certification_data").unwrap();
        assert_eq!(&b[cert.offset..cert.offset + cert.length], q.cert_data.as_slice());
        let auth = find(&d, "qe_auth_data").unwrap();
        assert_eq!(&b[auth.offset..auth.offset + auth.length], q.qe_auth_data.as_slice());
        let qe = find(&d, "qe_report").unwrap();
        assert_eq!(&b[qe.offset..qe.offset + qe.length], q.qe_report.as_slice());
        assert!(find(&d, "qe_certification_data").unwrap().children.iter().any(|c| c.id == "qe_report"));
        let attrs = find(&d, "td_attributes").unwrap();
        let p = |n: &str| attrs.parts.iter().find(|x| x.name == n).unwrap().value.clone();
        assert_eq!((p("DEBUG"), p("SEPT_VE_DISABLE"), p("PKS")), ("1".into(), "1".into(), "0".into()));
        assert!(find(&d, "xfam").unwrap().parts.iter().any(|x| x.name == "AVX"));
    }

    /// Threat: a hostile or cut quote crashing the Inspector; every prefix gives the fields that fit.
    #[test]
    fn every_prefix_and_hostile_lengths_describe_without_panic() {
        let b = minimal_v4();
        for n in 0..b.len() {
            let d = describe(&b[..n], "cut.bin");
            assert_well_formed(&d);
            assert!(!d.note.is_empty() || n == b.len(), "prefix {n} has no note");
        }
        let d = describe(&b[..HEADER_LEN + 140], "cut.bin");
        assert!(find(&d, "td_attributes").is_some() && find(&d, "mr_td").is_none());
        assert!(d.note.contains("MRTD"), "{}", d.note);
        let mut hostile = b.clone();
        let at = HEADER_LEN + TD10_LEN;
        hostile[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let d = describe(&hostile, "h.bin");
        assert_well_formed(&d);
        assert!(d.note.contains("Signature Data"), "{}", d.note);
    }
}
