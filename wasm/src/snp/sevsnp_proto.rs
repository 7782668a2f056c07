//! go-sev-guest's `sevsnp.Attestation` protobuf (and its bare `sevsnp.Report`), as go-sev-guest's
//! `attest` tool writes it: `-outform proto` (binary, `proto.Marshal`) or `-outform textproto`
//! (`prototext.Marshal`); `-extended` gives an `Attestation` {report, certificate_chain, product},
//! without it the `Report` alone. Schema: `proto/sevsnp.proto`, vendored verbatim from go-sev-guest.
//!
//! This module only decodes the message with maintained libraries — binary with prost (whose errors
//! carry the message.field path), text format with prost-reflect over the schema compiled by protox —
//! and hands its fields back as JSON ([`decode_json`]). It does **not** lay out the 1184-byte report:
//! the host rebuilds it from these fields with its one table of the report's layout (the same one the
//! Trustee SEV-SNP JSON uses, `electron/vault/trustee-snp.ts`), and the core then appraises those
//! bytes, so a field the protobuf lost or changed fails the report signature.
//!
//! Bounds (hostile input): at most [`MAX_INPUT`] bytes; text is checked first by a flat, non-recursive
//! scan ([`text_prescan`]) that refuses nesting deeper than [`MAX_TEXT_DEPTH`] and the `[…]` field names
//! of extensions and `Any` (prost-reflect parses an `Any` body before checking the type, recursively,
//! and this schema has neither); binary nesting is bounded by the schema (prost's recursion limit
//! guards unknown groups).

use std::collections::HashMap;

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::InputError;

/// The largest protobuf input read, in bytes. A real `Attestation` is a few KiB in binary and
/// about 20 KiB in text (four certificates as escaped strings).
pub const MAX_INPUT: usize = 1 << 20;
/// The deepest `{`/`<` nesting accepted in text format. The schema's deepest path is 3
/// (`product { machine_stepping { value } }`).
pub const MAX_TEXT_DEPTH: usize = 8;

/// `sevsnp.Report` (field numbers and types of proto/sevsnp.proto).
#[derive(Clone, PartialEq, Message)]
pub struct Report {
    #[prost(uint32, tag = "1")]
    pub version: u32,
    #[prost(uint32, tag = "2")]
    pub guest_svn: u32,
    #[prost(uint64, tag = "3")]
    pub policy: u64,
    #[prost(bytes = "vec", tag = "4")]
    pub family_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "5")]
    pub image_id: Vec<u8>,
    #[prost(uint32, tag = "6")]
    pub vmpl: u32,
    #[prost(uint32, tag = "7")]
    pub signature_algo: u32,
    #[prost(uint64, tag = "8")]
    pub current_tcb: u64,
    #[prost(uint64, tag = "9")]
    pub platform_info: u64,
    #[prost(uint32, tag = "10")]
    pub signer_info: u32,
    #[prost(bytes = "vec", tag = "11")]
    pub report_data: Vec<u8>,
    #[prost(bytes = "vec", tag = "12")]
    pub measurement: Vec<u8>,
    #[prost(bytes = "vec", tag = "13")]
    pub host_data: Vec<u8>,
    #[prost(bytes = "vec", tag = "14")]
    pub id_key_digest: Vec<u8>,
    #[prost(bytes = "vec", tag = "15")]
    pub author_key_digest: Vec<u8>,
    #[prost(bytes = "vec", tag = "16")]
    pub report_id: Vec<u8>,
    #[prost(bytes = "vec", tag = "17")]
    pub report_id_ma: Vec<u8>,
    #[prost(uint64, tag = "18")]
    pub reported_tcb: u64,
    #[prost(bytes = "vec", tag = "19")]
    pub chip_id: Vec<u8>,
    #[prost(uint64, tag = "20")]
    pub committed_tcb: u64,
    #[prost(uint32, tag = "21")]
    pub current_build: u32,
    #[prost(uint32, tag = "22")]
    pub current_minor: u32,
    #[prost(uint32, tag = "23")]
    pub current_major: u32,
    #[prost(uint32, tag = "24")]
    pub committed_build: u32,
    #[prost(uint32, tag = "25")]
    pub committed_minor: u32,
    #[prost(uint32, tag = "26")]
    pub committed_major: u32,
    #[prost(uint64, tag = "27")]
    pub launch_tcb: u64,
    #[prost(bytes = "vec", tag = "28")]
    pub signature: Vec<u8>,
    #[prost(uint32, tag = "29")]
    pub cpuid1eax_fms: u32,
    #[prost(uint64, tag = "30")]
    pub launch_mit_vector: u64,
    #[prost(uint64, tag = "31")]
    pub current_mit_vector: u64,
}

/// `sevsnp.CertificateChain`.
#[derive(Clone, PartialEq, Message)]
pub struct CertificateChain {
    #[prost(bytes = "vec", tag = "1")]
    pub vcek_cert: Vec<u8>,
    #[prost(bytes = "vec", tag = "6")]
    pub vlek_cert: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub ask_cert: Vec<u8>,
    #[prost(bytes = "vec", tag = "3")]
    pub ark_cert: Vec<u8>,
    #[prost(bytes = "vec", tag = "4")]
    pub firmware_cert: Vec<u8>,
    #[prost(map = "string, bytes", tag = "7")]
    pub extras: HashMap<String, Vec<u8>>,
}

/// `sevsnp.SevProduct` (`machine_stepping` is a `google.protobuf.UInt32Value`).
#[derive(Clone, PartialEq, Message)]
pub struct SevProduct {
    #[prost(int32, tag = "1")]
    pub name: i32,
    #[prost(uint32, tag = "2")]
    pub stepping: u32,
    #[prost(message, optional, tag = "3")]
    pub machine_stepping: Option<u32>,
}

/// `sevsnp.Attestation`.
#[derive(Clone, PartialEq, Message)]
pub struct Attestation {
    #[prost(message, optional, tag = "1")]
    pub report: Option<Report>,
    #[prost(message, optional, tag = "2")]
    pub certificate_chain: Option<CertificateChain>,
    #[prost(message, optional, tag = "3")]
    pub product: Option<SevProduct>,
}

/// How the input is encoded: go-sev-guest's `-outform proto` or `-outform textproto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    Binary,
    Text,
}

/// Which message the input is: `attest -extended` writes an `Attestation`, plain `attest` a `Report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Kind {
    Attestation,
    Report,
}

/// The schema (go-sev-guest's sevsnp.proto with google/protobuf/wrappers.proto), compiled by build.rs.
fn pool() -> Result<DescriptorPool, InputError> {
    DescriptorPool::decode(&include_bytes!(concat!(env!("OUT_DIR"), "/sevsnp.fds.bin"))[..])
        .map_err(|e| InputError::new("sevsnp.proto", "schema", format!("the built-in schema does not load: {e}")))
}

/// The 1-based line and column of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    (line, col)
}

/// A flat scan of protobuf text format (comments `#…`, strings '…' "…" with `\` escapes) that bounds
/// what the recursive parser will see: nesting of `{`/`<` deeper than [`MAX_TEXT_DEPTH`], and a `[`
/// that opens an extension or `Any` field name, are refused with their line and column. Linear time,
/// constant memory, never recursive.
pub fn text_prescan(text: &str, file: &str) -> Result<(), InputError> {
    let b = text.as_bytes();
    let at = |i: usize, what: String| {
        let (l, c) = line_col(text, i);
        InputError::new(file, format!("text format, line {l} column {c}"), what)
    };
    let (mut i, mut depth) = (0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let start = i;
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() || b[i] != q {
                    return Err(at(start, "a string is not closed on its line".into()));
                }
            }
            b'{' | b'<' => {
                depth += 1;
                if depth > MAX_TEXT_DEPTH {
                    return Err(at(i, format!("messages nested deeper than {MAX_TEXT_DEPTH} levels: not a sevsnp message (its deepest field is 3 levels down)")));
                }
            }
            b'}' | b'>' => depth = depth.saturating_sub(1),
            b'[' => {
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < b.len() && (b[j].is_ascii_alphabetic() || b[j] == b'_') {
                    return Err(at(i, "an extension or Any field name ([…]): sevsnp messages have neither".into()));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// `Attestation.report: Report.signature: buffer underflow` → (`report.signature`, `buffer underflow`):
/// prost's decode error, its message.field stack turned into a field path from `kind`'s root.
fn decode_error(e: &prost::DecodeError, kind: Kind) -> (String, String) {
    let text = e.to_string();
    let rest = text.strip_prefix("failed to decode Protobuf message: ").unwrap_or(&text);
    let mut path: Vec<String> = Vec::new();
    let mut detail = rest;
    while let Some((head, tail)) = detail.split_once(": ") {
        match head.split_once('.') {
            Some((msg, field)) if !msg.is_empty() && msg.bytes().all(|c| c.is_ascii_alphanumeric()) && field.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') => {
                path.push(field.to_string());
                detail = tail;
            }
            _ => break,
        }
    }
    let root = match kind {
        Kind::Attestation => "Attestation",
        Kind::Report => "Report",
    };
    let field = if path.is_empty() { format!("{root} (binary)") } else { format!("{root}.{}", path.join(".")) };
    (field, detail.to_string())
}

/// At most this many unknown fields are named (the byte count covers them all).
const MAX_UNKNOWN_NAMED: usize = 16;

/// The fields of a binary message that go-sev-guest v0.15's schema does not know, as
/// "Attestation.report field 99 (length-delimited)", found with prost-reflect's dynamic decoding of
/// the same bytes (the schema has no recursive message, so the walk is at most three deep).
fn unknown_field_names(bytes: &[u8], kind: Kind) -> Vec<String> {
    let name = match kind {
        Kind::Attestation => "sevsnp.Attestation",
        Kind::Report => "sevsnp.Report",
    };
    let Some(desc) = pool().ok().and_then(|p| p.get_message_by_name(name)) else { return Vec::new() };
    let Ok(msg) = DynamicMessage::decode(desc, bytes) else { return Vec::new() };
    let mut out = Vec::new();
    let mut todo = vec![(name.trim_start_matches("sevsnp.").to_string(), msg)];
    while let Some((path, m)) = todo.pop() {
        for f in m.unknown_fields() {
            let wire = match f.wire_type() {
                prost::encoding::WireType::Varint => "varint",
                prost::encoding::WireType::SixtyFourBit => "64-bit",
                prost::encoding::WireType::LengthDelimited => "length-delimited",
                prost::encoding::WireType::ThirtyTwoBit => "32-bit",
                _ => "group",
            };
            out.push(format!("{path} field {} ({wire})", f.number()));
        }
        for (fd, v) in m.fields() {
            if let prost_reflect::Value::Message(inner) = v {
                todo.push((format!("{path}.{}", fd.name()), inner.clone()));
            }
        }
    }
    out.sort();
    out.truncate(MAX_UNKNOWN_NAMED);
    out
}

/// A decoded message and what it left unread.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The message (a bare `Report` comes back as an `Attestation` holding only it).
    pub attestation: Attestation,
    /// Input bytes the decoded message does not account for (unknown fields; 0 for text, whose
    /// parser refuses unknown names).
    pub unknown_bytes: usize,
    /// The unknown fields by path and number (at most [`MAX_UNKNOWN_NAMED`]).
    pub unknown_fields: Vec<String>,
}

/// Decodes `bytes` as `kind` in `form`; `file` names the input in errors.
/// @throws InputError naming `file` and the message.field path (binary) or line and column (text).
pub fn decode(bytes: &[u8], file: &str, form: Form, kind: Kind) -> Result<Decoded, InputError> {
    if bytes.len() > MAX_INPUT {
        return Err(InputError::new(file, "protobuf", format!("{} bytes: larger than {MAX_INPUT}, refused", bytes.len())));
    }
    match form {
        Form::Binary => {
            let wrap = |e: prost::DecodeError| {
                let (field, detail) = decode_error(&e, kind);
                InputError::new(file, field, format!("not a valid go-sev-guest protobuf: {detail}"))
            };
            let att = match kind {
                Kind::Attestation => Attestation::decode(bytes).map_err(wrap)?,
                Kind::Report => Attestation { report: Some(Report::decode(bytes).map_err(wrap)?), certificate_chain: None, product: None },
            };
            let known = match kind {
                Kind::Attestation => att.encoded_len(),
                Kind::Report => att.report.as_ref().map_or(0, |r| r.encoded_len()),
            };
            let unknown_bytes = bytes.len().saturating_sub(known);
            let unknown_fields = if unknown_bytes > 0 { unknown_field_names(bytes, kind) } else { Vec::new() };
            Ok(Decoded { attestation: att, unknown_bytes, unknown_fields })
        }
        Form::Text => {
            let text = std::str::from_utf8(bytes).map_err(|e| InputError::new(file, "text format", format!("not UTF-8 text (byte {}): {e}", e.valid_up_to())))?;
            text_prescan(text, file)?;
            let pool = pool()?;
            let name = match kind {
                Kind::Attestation => "sevsnp.Attestation",
                Kind::Report => "sevsnp.Report",
            };
            let desc = pool.get_message_by_name(name).ok_or_else(|| InputError::new("sevsnp.proto", name, "missing from the built-in schema"))?;
            let msg = DynamicMessage::parse_text_format(desc, text).map_err(|e| {
                use miette::Diagnostic;
                let offset = e.labels().and_then(|mut l| l.next()).map(|l| l.offset());
                match offset {
                    Some(o) => {
                        let (l, c) = line_col(text, o);
                        let near: String = text[o.min(text.len())..].chars().take(24).take_while(|c| *c != '\n').collect();
                        InputError::new(file, format!("text format, line {l} column {c}"), format!("{e} (at `{near}`)"))
                    }
                    None => InputError::new(file, "text format", e.to_string()),
                }
            })?;
            let bad = |e: prost::DecodeError| InputError::new(file, "text format", format!("does not convert to {name}: {e}"));
            let att = match kind {
                Kind::Attestation => msg.transcode_to::<Attestation>().map_err(bad)?,
                Kind::Report => Attestation { report: Some(msg.transcode_to::<Report>().map_err(bad)?), certificate_chain: None, product: None },
            };
            Ok(Decoded { attestation: att, unknown_bytes: 0, unknown_fields: Vec::new() })
        }
    }
}

/// The decoded message as JSON for the host: integers as numbers (`uint64` as decimal strings, which
/// JSON numbers cannot hold exactly), bytes as lower-case hex; an absent message is `null`.
pub fn to_json(d: &Decoded) -> Value {
    let att = &d.attestation;
    let hex = |b: &[u8]| Value::String(hex::encode(b));
    let u64s = |v: u64| Value::String(v.to_string());
    let report = att.report.as_ref().map(|r| {
        json!({
            "version": r.version, "guest_svn": r.guest_svn, "policy": u64s(r.policy),
            "family_id": hex(&r.family_id), "image_id": hex(&r.image_id), "vmpl": r.vmpl,
            "signature_algo": r.signature_algo, "current_tcb": u64s(r.current_tcb),
            "platform_info": u64s(r.platform_info), "signer_info": r.signer_info,
            "report_data": hex(&r.report_data), "measurement": hex(&r.measurement), "host_data": hex(&r.host_data),
            "id_key_digest": hex(&r.id_key_digest), "author_key_digest": hex(&r.author_key_digest),
            "report_id": hex(&r.report_id), "report_id_ma": hex(&r.report_id_ma), "reported_tcb": u64s(r.reported_tcb),
            "chip_id": hex(&r.chip_id), "committed_tcb": u64s(r.committed_tcb),
            "current_build": r.current_build, "current_minor": r.current_minor, "current_major": r.current_major,
            "committed_build": r.committed_build, "committed_minor": r.committed_minor, "committed_major": r.committed_major,
            "launch_tcb": u64s(r.launch_tcb), "signature": hex(&r.signature), "cpuid1eax_fms": r.cpuid1eax_fms,
            "launch_mit_vector": u64s(r.launch_mit_vector), "current_mit_vector": u64s(r.current_mit_vector),
        })
    });
    let chain = att.certificate_chain.as_ref().map(|c| {
        let mut extras: Vec<(&String, &Vec<u8>)> = c.extras.iter().collect();
        extras.sort();
        json!({
            "vcek_cert": hex(&c.vcek_cert), "vlek_cert": hex(&c.vlek_cert), "ask_cert": hex(&c.ask_cert),
            "ark_cert": hex(&c.ark_cert), "firmware_cert": hex(&c.firmware_cert),
            "extras": extras.into_iter().map(|(k, v)| json!({"guid": k, "data": hex(v)})).collect::<Vec<_>>(),
        })
    });
    let product = att.product.as_ref().map(|p| {
        let name = match p.name {
            0 => "SEV_PRODUCT_UNKNOWN".to_string(),
            1 => "SEV_PRODUCT_MILAN".to_string(),
            2 => "SEV_PRODUCT_GENOA".to_string(),
            3 => "SEV_PRODUCT_TURIN".to_string(),
            n => format!("{n}"),
        };
        json!({"name": name, "stepping": p.stepping, "machine_stepping": p.machine_stepping})
    });
    json!({"report": report, "certificate_chain": chain, "product": product, "unknown_bytes": d.unknown_bytes, "unknown_fields": d.unknown_fields})
}

#[derive(Deserialize)]
struct DecodeRequest {
    name: String,
    base64: String,
    form: Form,
    message: Kind,
}

/// The wasm entry: request `{"name", "base64", "form": "binary"|"text", "message": "Attestation"|"Report"}`;
/// response `{"ok": true, "attestation": {report, certificate_chain, product, unknown_bytes, unknown_fields}}` (see
/// [`to_json`]) or `{"ok": false, "error": {file, field, message}}`.
pub fn decode_json(request: &[u8]) -> String {
    use base64::Engine;
    let result = serde_json::from_slice::<DecodeRequest>(request)
        .map_err(|e| InputError::new("request", "request", e.to_string()))
        .and_then(|r| {
            let bytes = base64::engine::general_purpose::STANDARD.decode(r.base64.as_bytes()).map_err(|e| InputError::new(&r.name, "base64", e.to_string()))?;
            decode(&bytes, &r.name, r.form, r.message)
        });
    match result {
        Ok(d) => json!({"ok": true, "attestation": to_json(&d)}),
        Err(e) => json!({"ok": false, "error": e}),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../fixtures/snp/go-sev-guest/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture (fixtures/go-sev-guest-proto writes it)")
    }

    /// Interop: go-sev-guest's proto.Marshal and prototext.Marshal of the same Attestation decode to
    /// the same message here (the binary reader's field numbers agree with the schema's names).
    #[test]
    fn binary_and_text_of_go_sev_guest_agree() {
        let d = decode(&fixture("valid.pb"), "valid.pb", Form::Binary, Kind::Attestation).unwrap();
        let (bin, text) = (d.attestation, decode(&fixture("valid.textproto"), "valid.textproto", Form::Text, Kind::Attestation).unwrap().attestation);
        assert_eq!(bin, text);
        assert_eq!((d.unknown_bytes, d.unknown_fields.len()), (0, 0));
        let r = bin.report.as_ref().unwrap();
        assert_eq!((r.version, r.signature.len(), r.measurement.len()), (3, 512, 48));
        assert!(!bin.certificate_chain.as_ref().unwrap().vcek_cert.is_empty());
        assert_eq!(bin.product.as_ref().unwrap().name, 1);
        let rb = decode(&fixture("valid-report.pb"), "r.pb", Form::Binary, Kind::Report).unwrap().attestation;
        let rt = decode(&fixture("valid-report.textproto"), "r.textproto", Form::Text, Kind::Report).unwrap().attestation;
        assert_eq!(rb.report, bin.report);
        assert_eq!(rt.report, bin.report);
    }

    /// A file from a newer go-sev-guest: fields this schema lacks are counted and named, never dropped silently.
    #[test]
    fn unknown_binary_fields_are_named() {
        let mut b = fixture("valid.pb");
        b.extend([0x88, 0x01, 0x05]); // field 17, varint 5
        b.extend([0xa2, 0x01, 0x03, b'a', b'b', b'c']); // field 20, 3 bytes
        let d = decode(&b, "newer.pb", Form::Binary, Kind::Attestation).unwrap();
        assert_eq!(d.unknown_bytes, 9);
        assert_eq!(d.unknown_fields, ["Attestation field 17 (varint)", "Attestation field 20 (length-delimited)"]);
        let mut r = fixture("valid-report.pb");
        r.extend([0x98, 0x06, 0x01]); // field 99, varint 1
        assert_eq!(decode(&r, "r.pb", Form::Binary, Kind::Report).unwrap().unknown_fields, ["Report field 99 (varint)"]);
    }

    /// Threat: a truncated or garbled file is reported with the file and the field where it broke, not a panic.
    #[test]
    fn truncated_binary_names_the_field() {
        let b = fixture("valid.pb");
        for cut in [3usize, 100, 800, 1100, b.len() - 1] {
            let e = decode(&b[..cut], "cut.pb", Form::Binary, Kind::Attestation).unwrap_err();
            assert_eq!(e.file, "cut.pb");
            assert!(e.field.starts_with("Attestation"), "{e}");
        }
        let e = decode(&b[..800], "cut.pb", Form::Binary, Kind::Attestation).unwrap_err();
        assert!(e.field.starts_with("Attestation.report"), "{e}");
    }

    /// Threat: a hostile text file nests messages (or Any bodies) until the recursive parser overflows the stack.
    #[test]
    fn deep_or_any_text_is_refused_flat() {
        let deep = format!("report {}{}", "{ ".repeat(100_000), "}".repeat(100_000));
        let e = decode(deep.as_bytes(), "deep.textproto", Form::Text, Kind::Attestation).unwrap_err();
        assert!(e.message.contains("nested deeper"), "{e}");
        let any = "report { [type.googleapis.com/sevsnp.Attestation] { report { } } }".repeat(1);
        let e = decode(any.as_bytes(), "any.textproto", Form::Text, Kind::Attestation).unwrap_err();
        assert!(e.message.contains("Any"), "{e}");
        let huge = vec![b' '; MAX_INPUT + 1];
        assert!(decode(&huge, "huge.textproto", Form::Text, Kind::Attestation).unwrap_err().message.contains("refused"));
        // Braces inside strings and comments do not count.
        let ok = "# {{{{{{{{{{{{\nreport { family_id: \"{{{{{{{{{{{{<<<<\" }";
        assert!(decode(ok.as_bytes(), "ok.textproto", Form::Text, Kind::Attestation).is_ok());
    }

    #[test]
    fn text_errors_name_line_and_column() {
        let e = decode(b"report {\n  measurment: \"x\"\n}", "typo.textproto", Form::Text, Kind::Attestation).unwrap_err();
        assert_eq!(e.field, "text format, line 2 column 3");
        assert!(e.message.contains("measurment"), "{e}");
        let t = fixture("valid.textproto");
        let e = decode(&t[..t.len() / 2], "half.textproto", Form::Text, Kind::Attestation).unwrap_err();
        assert_eq!(e.file, "half.textproto");
    }

    /// Seeded mutations of both fixtures (truncate, flip, splice): Ok or InputError, never a panic.
    #[test]
    fn mutations_never_panic() {
        let mut state: u64 = 0x5eed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (name, form) in [("valid.pb", Form::Binary), ("valid.textproto", Form::Text)] {
            let seed = fixture(name);
            for _ in 0..2000 {
                let mut m = seed.clone();
                match next() % 3 {
                    0 => m.truncate((next() as usize) % m.len()),
                    1 => {
                        for _ in 0..1 + next() % 4 {
                            let i = (next() as usize) % m.len();
                            m[i] ^= 1 << (next() % 8);
                        }
                    }
                    _ => {
                        let i = (next() as usize) % m.len();
                        let j = (next() as usize) % m.len();
                        let chunk = m[i.min(j)..i.max(j)].to_vec();
                        m.splice(i..i, chunk);
                    }
                }
                for kind in [Kind::Attestation, Kind::Report] {
                    let _ = decode(&m, "m", form, kind);
                }
            }
        }
    }
}
