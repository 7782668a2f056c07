//! NVIDIA reference integrity manifests (RIMs): TCG RIM "SWID tag" XML (ISO/IEC 19770-2:2015
//! `SoftwareIdentity`) carrying golden measurements, signed with an enveloped XMLDSig (W3C XMLDSig
//! 1.1; NVIDIA profile: C14N 1.1, SHA-384 digest, ecdsa-sha384 with a 96-byte raw r‖s
//! SignatureValue (RFC 6931 §2.3.6 / RFC 4050), `Reference URI=""`, certificates in
//! `KeyInfo/X509Data`, leaf first).
//!
//! What is read (nvtrust `verifier/rim/__init__.py`, attestation-sdk `RimDocument`):
//! - `Meta@colloquialVersion` (driver or VBIOS/BIOS version), `Meta@ns1:FirmwareManufacturerId` (oemid);
//! - `Payload/Resource` with `index` (0-based; compared with SPDM block `index + 1`), `active`
//!   ("True"/"False"), `alternatives` n, `size` (bytes), and `Hash0..Hash{n-1}` in the namespace
//!   `http://www.w3.org/2001/04/xmlenc#sha384` (hex).
//!
//! Accepted forms: the XML itself, or the RIM service's JSON envelope
//! `{"id": "NV_GPU_…", "rim": base64(XML), "sha256": …, "request_id": …}` as `GET /v1/rim/{id}`
//! returns it (its `id` is then matched like a file name; its `sha256` is not checked, the XMLDSig is
//! what authenticates the RIM).
//!
//! Reading never panics: bad XML (or no `SoftwareIdentity`/`Payload`) is an [`InputError`] naming the
//! file. A malformed Resource (e.g. `alternatives` bumped without its `HashN`, as a tamper would leave
//! it) is kept in [`Rim::problems`] for the appraisal to report next to the signature failure, and a
//! signature that does not verify is a result ([`Xmldsig`]), not an error. Hostile shapes (nesting
//! deeper than 64, more than 64 attributes on an element, more than 256 namespace declarations) are
//! refused by [`super::xml_limits`] before the tree is built, so time and stack stay bounded.

use base64::Engine;
use roxmltree::{Document, Node, ParsingOptions};
use sha2::{Digest, Sha384};

use super::c14n::{canonicalize, Subset};
use crate::error::InputError;
use crate::x509::{p384_key, Cert};

const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const NS_SWID: &str = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
const NS_HASH: &str = "http://www.w3.org/2001/04/xmlenc#sha384";
const NS_RIM: &str = "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/";
const ALG_C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
const ALG_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const ALG_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
const ALG_ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";

/// One golden measurement (`Payload/Resource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// 0-based RIM index (SPDM block `index + 1`).
    pub index: u32,
    pub active: bool,
    /// Size in bytes of each value (48 for SHA-384).
    pub size: usize,
    /// `Hash0..Hash{alternatives-1}`; a match with any one is a match.
    pub values: Vec<Vec<u8>>,
}

/// Outcome of the enveloped XMLDSig: the digest of the canonical document and the signature over the
/// canonical SignedInfo, each `Ok(sentence)` or `Err(sentence)`.
#[derive(Debug, Clone)]
pub struct Xmldsig {
    pub digest: Result<String, String>,
    pub signature: Result<String, String>,
}

impl Xmldsig {
    /// Both the reference digest and the signature verify.
    pub fn ok(&self) -> bool {
        self.digest.is_ok() && self.signature.is_ok()
    }
}

/// A parsed RIM.
#[derive(Debug, Clone)]
pub struct Rim {
    pub source: String,
    /// The RIM id of a RIM-service JSON envelope.
    pub service_id: Option<String>,
    pub tag_id: Option<String>,
    pub product: Option<String>,
    pub colloquial_version: Option<String>,
    pub firmware_manufacturer_id: Option<String>,
    pub resources: Vec<Resource>,
    /// Resources that could not be read, one sentence each (they are not used).
    pub problems: Vec<String>,
    /// `KeyInfo/X509Data/X509Certificate`, in document order (signer first).
    pub certs: Vec<Cert>,
    pub xmldsig: Xmldsig,
}

impl Rim {
    /// Active resources only.
    pub fn active(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(|r| r.active)
    }

    /// Parses a RIM and verifies its XMLDSig. XML syntax errors, DTDs (refused: no entity tricks),
    /// a missing `SoftwareIdentity` or `Payload`, and malformed Resources are errors naming `source`.
    pub fn parse(bytes: &[u8], source: &str) -> Result<Rim, InputError> {
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        if bytes.get(start) == Some(&b'{') {
            return Rim::parse_service_json(bytes, source);
        }
        Rim::parse_xml(bytes, source, None)
    }

    fn parse_service_json(bytes: &[u8], source: &str) -> Result<Rim, InputError> {
        #[derive(serde::Deserialize)]
        struct Envelope {
            id: String,
            rim: String,
        }
        let e: Envelope = serde_json::from_slice(bytes).map_err(|e| InputError::new(source, "RIM service JSON", e.to_string()))?;
        let xml = b64(&e.rim).map_err(|m| InputError::new(source, "rim", m))?;
        Rim::parse_xml(&xml, source, Some(e.id))
    }

    fn parse_xml(bytes: &[u8], source: &str, service_id: Option<String>) -> Result<Rim, InputError> {
        let err = |field: &str, m: String| InputError::new(source, field, m);
        let text = std::str::from_utf8(bytes).map_err(|e| err("XML", format!("not UTF-8: {e}")))?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let doc = parse_document(text).map_err(|m| err("XML", m))?;
        let root = doc.root_element();
        if root.tag_name().name() != "SoftwareIdentity" || root.tag_name().namespace() != Some(NS_SWID) {
            return Err(err("SoftwareIdentity", format!("the root element is {:?}, not an ISO 19770-2 SoftwareIdentity", root.tag_name().name())));
        }
        let child = |name: &str| root.children().find(|n| n.is_element() && n.tag_name().name() == name && n.tag_name().namespace() == Some(NS_SWID));
        let meta = child("Meta");
        let payload = child("Payload").ok_or_else(|| err("Payload", "no Payload element: the RIM carries no measurements".into()))?;
        let (mut resources, mut problems) = (Vec::new(), Vec::new());
        for (i, r) in payload.children().filter(|n| n.is_element() && n.tag_name().name() == "Resource").enumerate() {
            match resource(r) {
                Ok(r) => resources.push(r),
                Err(m) => problems.push(format!("Payload/Resource[{i}]: {m}")),
            }
        }
        let (certs, xmldsig) = signature(&doc, source)?;
        Ok(Rim {
            source: source.to_string(),
            service_id,
            tag_id: root.attribute("tagId").map(str::to_string),
            product: meta.and_then(|m| m.attribute("product")).map(str::to_string),
            colloquial_version: meta.and_then(|m| m.attribute("colloquialVersion")).map(str::to_string),
            firmware_manufacturer_id: meta.and_then(|m| m.attribute((NS_RIM, "FirmwareManufacturerId"))).map(str::to_string),
            resources,
            problems,
            certs,
            xmldsig,
        })
    }
}

/// Parses RIM XML text into a tree the way every RIM is read: shape limits first (depth,
/// attributes per element and namespace declarations are bounded before roxmltree builds anything,
/// since its bookkeeping is super-linear in them; see `xml_limits`), then roxmltree with DTDs refused
/// (no entity tricks) and at most 1,000,000 nodes. `Err` is a sentence.
pub fn parse_document(text: &str) -> Result<Document<'_>, String> {
    super::xml_limits::check(text).map_err(|m| format!("RIM: {m}"))?;
    if let Some(encoding) = declared_encoding(text).filter(|e| !e.eq_ignore_ascii_case("UTF-8")) {
        return Err(format!("the XML declaration names encoding {encoding:?}; RIMs are read as UTF-8 only"));
    }
    let doc = Document::parse_with_options(text, ParsingOptions { allow_dtd: false, nodes_limit: 1_000_000, ..ParsingOptions::default() }).map_err(|e| e.to_string())?;
    super::c14n::check_namespace_declarations(&doc)?;
    Ok(doc)
}

/// The `encoding` of the XML declaration (`<?xml version="1.0" encoding="…"?>`), if there is one.
fn declared_encoding(text: &str) -> Option<&str> {
    let decl = text.strip_prefix("<?xml")?;
    if !decl.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let decl = &decl[..decl.find("?>")?];
    let rest = decl[decl.find("encoding")? + "encoding".len()..].trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = &rest[1..];
    Some(&value[..value.find(quote)?])
}

fn resource(r: Node) -> Result<Resource, String> {
    let attr = |name: &str| r.attribute(name).ok_or(format!("missing attribute {name}"));
    let num = |name: &str| attr(name)?.trim().parse::<u32>().map_err(|_| format!("attribute {name} is not a number"));
    let index = num("index")?;
    let active = match attr("active")? {
        "True" | "true" => true,
        "False" | "false" => false,
        other => return Err(format!("attribute active is {other:?}, expected True or False")),
    };
    let alternatives = num("alternatives")?;
    let size = num("size")? as usize;
    if alternatives == 0 || alternatives > 64 {
        return Err(format!("alternatives {alternatives} is outside 1..=64"));
    }
    let mut values = Vec::new();
    for k in 0..alternatives {
        let name = format!("Hash{k}");
        let v = r.attribute((NS_HASH, name.as_str())).ok_or(format!("index {index}: missing {name} (namespace {NS_HASH})"))?;
        values.push(hex::decode(v.trim()).map_err(|e| format!("index {index}: {name} is not hex: {e}"))?);
    }
    Ok(Resource { index, active, size, values })
}

fn dsig<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(NS_DSIG))
}

fn algorithm<'a>(n: Option<Node<'a, '_>>) -> Option<&'a str> {
    n.and_then(|n| n.attribute("Algorithm"))
}

fn b64(text: &str) -> Result<Vec<u8>, String> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(clean).map_err(|e| format!("bad base64: {e}"))
}

/// Finds the one enveloped Signature, checks its profile, recomputes the reference digest and
/// verifies SignatureValue with the first X509Certificate's key.
fn signature(doc: &Document, source: &str) -> Result<(Vec<Cert>, Xmldsig), InputError> {
    let sigs: Vec<Node> = doc.descendants().filter(|n| n.is_element() && n.tag_name().name() == "Signature" && n.tag_name().namespace() == Some(NS_DSIG)).collect();
    let fail = |m: String| Xmldsig { digest: Err(m.clone()), signature: Err(m) };
    let sig = match sigs.as_slice() {
        [one] if one.parent_element() == Some(doc.root_element()) => *one,
        [_] => return Ok((vec![], fail("the ds:Signature is not a child of SoftwareIdentity, so it is not an enveloped signature of the whole RIM".into()))),
        [] => return Ok((vec![], fail("the RIM has no ds:Signature: it is unsigned".into()))),
        _ => return Ok((vec![], fail(format!("the RIM has {} ds:Signature elements; exactly one is allowed", sigs.len())))),
    };
    let mut certs = Vec::new();
    if let Some(data) = dsig(sig, "KeyInfo").and_then(|k| dsig(k, "X509Data")) {
        for (i, c) in data.children().filter(|c| c.is_element() && c.tag_name().name() == "X509Certificate").enumerate() {
            let name = format!("{source}#X509Certificate[{i}]");
            let der = b64(c.text().unwrap_or("")).map_err(|m| InputError::new(source, &name, m))?;
            certs.push(Cert::from_der(der, &name)?);
        }
    }
    let Some(signed_info) = dsig(sig, "SignedInfo") else {
        return Ok((certs, fail("ds:Signature has no ds:SignedInfo".into())));
    };
    // Both outcomes are functions of the XML text alone (the signer is its first X509Certificate):
    // remembered in the verified-link cache under exactly that text.
    let xmldsig = crate::cache::memo("rim-xmldsig", &[doc.input_text().as_bytes()], || Xmldsig {
        digest: check_reference(doc, sig, signed_info),
        signature: check_signature_value(doc, sig, signed_info, certs.first()),
    });
    Ok((certs, xmldsig))
}

/// What [`signing_c14n`] canonicalizes: the document without its enveloped signature (what the
/// Reference digests) or the SignedInfo subtree (what SignatureValue signs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningSubset {
    DocumentWithoutSignature,
    SignedInfo,
}

/// The C14N 1.1 bytes an enveloped XMLDSig of the NVIDIA profile covers, computed by the very
/// canonicaliser the verification uses, so a signer (the TEST RIM generator, `custodian rehearse`)
/// never needs a second one. `xml` must be a RIM with exactly one `ds:Signature` child of the root
/// (its DigestValue/SignatureValue may be placeholders). `Err` is a sentence.
pub fn signing_c14n(xml: &str, subset: SigningSubset) -> Result<Vec<u8>, String> {
    let doc = parse_document(xml)?;
    let root = doc.root_element();
    let sigs: Vec<Node> = root.children().filter(|n| n.is_element() && n.tag_name().name() == "Signature" && n.tag_name().namespace() == Some(NS_DSIG)).collect();
    let [sig] = sigs.as_slice() else {
        return Err(format!("the root element has {} ds:Signature children; exactly one is needed", sigs.len()));
    };
    match subset {
        SigningSubset::DocumentWithoutSignature => canonicalize(&doc, Subset::DocumentWithout(*sig)),
        SigningSubset::SignedInfo => {
            let si = dsig(*sig, "SignedInfo").ok_or("ds:Signature has no ds:SignedInfo")?;
            canonicalize(&doc, Subset::Subtree(si))
        }
    }
}

/// [`signing_c14n`] over JSON: `{"xml": "<text>", "subset": "document_without_signature" | "signed_info"}`
/// → `{"ok": true, "base64": "…"}` or `{"ok": false, "error": {"file", "field", "message"}}`.
pub fn signing_c14n_json(request: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Req {
        xml: String,
        subset: SigningSubset,
    }
    let result = serde_json::from_slice::<Req>(request)
        .map_err(|e| InputError::new("c14n request", "request", e.to_string()))
        .and_then(|r| signing_c14n(&r.xml, r.subset).map_err(|m| InputError::new("c14n request", "xml", m)));
    match result {
        Ok(bytes) => serde_json::json!({"ok": true, "base64": base64::engine::general_purpose::STANDARD.encode(bytes)}).to_string(),
        Err(e) => serde_json::json!({"ok": false, "error": e}).to_string(),
    }
}

fn check_reference(doc: &Document, sig: Node, signed_info: Node) -> Result<String, String> {
    let refs: Vec<Node> = signed_info.children().filter(|c| c.is_element() && c.tag_name().name() == "Reference").collect();
    let [reference] = refs.as_slice() else {
        return Err(format!("SignedInfo has {} References; the NVIDIA profile has exactly one", refs.len()));
    };
    if reference.attribute("URI") != Some("") {
        return Err(format!("Reference URI is {:?}; only \"\" (the whole document) is accepted", reference.attribute("URI")));
    }
    let transforms: Vec<&str> = dsig(*reference, "Transforms")
        .map(|t| t.children().filter(|c| c.is_element()).filter_map(|c| c.attribute("Algorithm")).collect())
        .unwrap_or_default();
    if transforms != [ALG_ENVELOPED, ALG_C14N11] {
        return Err(format!("Reference transforms are {transforms:?}; expected enveloped-signature then C14N 1.1"));
    }
    if algorithm(dsig(*reference, "DigestMethod")) != Some(ALG_SHA384) {
        return Err(format!("DigestMethod is {:?}; expected {ALG_SHA384}", algorithm(dsig(*reference, "DigestMethod"))));
    }
    let expected = b64(dsig(*reference, "DigestValue").and_then(|d| d.text()).unwrap_or(""))?;
    let canonical = canonicalize(doc, Subset::DocumentWithout(sig))?;
    let actual = Sha384::digest(&canonical);
    if actual[..] == expected[..] {
        Ok(format!("SHA-384 of the C14N 1.1 document without its signature ({} bytes) equals DigestValue", canonical.len()))
    } else {
        Err(format!(
            "SHA-384 of the C14N 1.1 document without its signature is {} but DigestValue is {}: the RIM was changed after signing",
            hex::encode(actual),
            hex::encode(&expected)
        ))
    }
}

fn check_signature_value(doc: &Document, sig: Node, signed_info: Node, signer: Option<&Cert>) -> Result<String, String> {
    use p384::ecdsa::signature::Verifier;
    let c14n = algorithm(dsig(signed_info, "CanonicalizationMethod"));
    if c14n != Some(ALG_C14N11) {
        return Err(format!("CanonicalizationMethod is {c14n:?}; expected {ALG_C14N11}"));
    }
    let method = algorithm(dsig(signed_info, "SignatureMethod"));
    if method != Some(ALG_ECDSA_SHA384) {
        return Err(format!("SignatureMethod is {method:?}; expected {ALG_ECDSA_SHA384}"));
    }
    let signer = signer.ok_or("KeyInfo carries no X509Certificate to verify with")?;
    let value = b64(dsig(sig, "SignatureValue").and_then(|v| v.text()).unwrap_or(""))?;
    if value.len() != 96 {
        return Err(format!("SignatureValue is {} bytes; ecdsa-sha384 needs 96 (r‖s)", value.len()));
    }
    let signature = p384::ecdsa::Signature::from_slice(&value).map_err(|_| "SignatureValue r or s is zero or not below the P-384 order".to_string())?;
    let key = p384_key(signer.spki()).map_err(|e| format!("signer \"{}\": {e}", signer.subject_cn().unwrap_or_default()))?;
    let canonical = canonicalize(doc, Subset::Subtree(signed_info))?;
    key.verify(&canonical, &signature)
        .map(|_| format!("ECDSA P-384/SHA-384 SignatureValue over the C14N 1.1 SignedInfo verifies with \"{}\"", signer.subject_cn().unwrap_or_default()))
        .map_err(|_| format!("ECDSA P-384/SHA-384 SignatureValue over the C14N 1.1 SignedInfo does NOT verify with \"{}\"", signer.subject_cn().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rim_service_json_envelope() {
        let xml = format!(r#"<SoftwareIdentity xmlns="{NS_SWID}"><Meta colloquialVersion="2.0"/><Payload/></SoftwareIdentity>"#);
        let json = format!(r#"{{"id": "NV_X_2", "rim": "{}", "sha256": "00", "request_id": "r"}}"#, base64::engine::general_purpose::STANDARD.encode(&xml));
        let rim = Rim::parse(json.as_bytes(), "x.json").unwrap();
        assert_eq!((rim.service_id.as_deref(), rim.colloquial_version.as_deref()), (Some("NV_X_2"), Some("2.0")));
        assert_eq!(Rim::parse(br#"{"id": "x"}"#, "x.json").unwrap_err().field, "RIM service JSON");
        assert_eq!(Rim::parse(br#"{"id": "x", "rim": "!"}"#, "x.json").unwrap_err().field, "rim");
    }

    #[test]
    fn not_xml_and_wrong_roots_are_input_errors() {
        assert_eq!(Rim::parse(b"<a", "x.xml").unwrap_err().field, "XML");
        assert_eq!(Rim::parse(b"<a/>", "x.xml").unwrap_err().field, "SoftwareIdentity");
        let dtd = b"<!DOCTYPE a [<!ENTITY e 'x'>]><a>&e;</a>";
        assert_eq!(Rim::parse(dtd, "x.xml").unwrap_err().field, "XML");
    }

    #[test]
    fn an_unsigned_rim_parses_but_its_signature_fails() {
        let xml = format!(
            r#"<SoftwareIdentity xmlns="{NS_SWID}" xmlns:h="{NS_HASH}"><Meta colloquialVersion="1.0"/><Payload><Resource index="0" active="True" alternatives="1" size="48" h:Hash0="{}"/></Payload></SoftwareIdentity>"#,
            "ab".repeat(48)
        );
        let rim = Rim::parse(xml.as_bytes(), "u.xml").unwrap();
        assert_eq!(rim.active().count(), 1);
        assert_eq!(rim.colloquial_version.as_deref(), Some("1.0"));
        assert!(!rim.xmldsig.ok());
        assert!(rim.xmldsig.digest.unwrap_err().contains("unsigned"));
    }

    #[test]
    fn a_resource_missing_a_hash_is_a_named_problem() {
        let xml = format!(r#"<SoftwareIdentity xmlns="{NS_SWID}"><Payload><Resource index="3" active="True" alternatives="2" size="48"/></Payload></SoftwareIdentity>"#);
        let rim = Rim::parse(xml.as_bytes(), "m.xml").unwrap();
        assert!(rim.resources.is_empty());
        assert!(rim.problems[0].starts_with("Payload/Resource[0]: index 3: missing Hash0"), "{:?}", rim.problems);
    }

    /// A signature of the NVIDIA profile (digest and value wrong), so that parsing canonicalizes.
    const SIG: &str = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"/><ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384\"/><ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/><ds:Transform Algorithm=\"http://www.w3.org/2006/12/xml-c14n11\"/></ds:Transforms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#sha384\"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>";

    /// Threat: a RIM nested 100,000 deep overflowed the stack (native SIGSEGV, wasm trap) in the
    /// recursive C14N. It is now refused by the pre-scan with an error naming the file.
    #[test]
    fn a_rim_nested_100000_deep_is_a_clear_input_error() {
        let depth = 100_000;
        let xml = format!("<SoftwareIdentity xmlns=\"{NS_SWID}\"><Payload/>{}{}{SIG}</SoftwareIdentity>", "<a>".repeat(depth), "</a>".repeat(depth));
        let e = Rim::parse(xml.as_bytes(), "deep.xml").unwrap_err();
        assert_eq!((e.file.as_str(), e.field.as_str()), ("deep.xml", "XML"));
        assert!(e.message.starts_with("RIM: XML nesting deeper than 64 elements"), "{e}");
    }

    /// Threat: namespace-heavy nesting made parsing and C14N cubic (1,000 levels took 38 s). Within
    /// the limits such a RIM is canonicalized (its signature checked); 3,000 levels are refused.
    #[test]
    fn namespace_heavy_nesting_is_refused_or_canonicalized() {
        let doc = |depth: usize| {
            let open: String = (0..depth).map(|k| format!("<p{k}:e xmlns:p{k}=\"urn:{k}\" xmlns=\"urn:d{k}\">")).collect();
            let close: String = (0..depth).rev().map(|k| format!("</p{k}:e>")).collect();
            format!("<SoftwareIdentity xmlns=\"{NS_SWID}\"><Payload/>{open}{close}{SIG}</SoftwareIdentity>")
        };
        let e = Rim::parse(doc(3_000).as_bytes(), "ns.xml").unwrap_err();
        assert!(e.message.contains("XML nesting deeper than"), "{e}");
        let rim = Rim::parse(doc(60).as_bytes(), "ns.xml").unwrap();
        assert!(rim.xmldsig.digest.unwrap_err().contains("the RIM was changed after signing"));
    }

    #[test]
    fn signing_c14n_covers_what_verification_covers() {
        let xml = format!("<SoftwareIdentity xmlns=\"{NS_SWID}\"><Payload></Payload>{SIG}</SoftwareIdentity>");
        let doc = signing_c14n(&xml, SigningSubset::DocumentWithoutSignature).unwrap();
        assert_eq!(String::from_utf8(doc).unwrap(), format!("<SoftwareIdentity xmlns=\"{NS_SWID}\"><Payload></Payload></SoftwareIdentity>"));
        let si = String::from_utf8(signing_c14n(&xml, SigningSubset::SignedInfo).unwrap()).unwrap();
        assert!(si.starts_with("<ds:SignedInfo xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" xmlns:ds="), "{si}");
        let none = format!("<SoftwareIdentity xmlns=\"{NS_SWID}\"><Payload/></SoftwareIdentity>");
        assert!(signing_c14n(&none, SigningSubset::SignedInfo).unwrap_err().contains("exactly one"));
        assert!(signing_c14n_json(br#"{"xml": "<a", "subset": "signed_info"}"#).contains("\"ok\":false"));
    }

    #[test]
    fn too_many_attributes_or_namespace_declarations_are_refused() {
        let attrs: String = (0..65).map(|k| format!(" a{k}=\"1\"")).collect();
        let xml = format!("<SoftwareIdentity xmlns=\"{NS_SWID}\"{attrs}><Payload/></SoftwareIdentity>");
        assert!(Rim::parse(xml.as_bytes(), "a.xml").unwrap_err().message.contains("attributes"));
        let decls: String = (0..257).map(|k| format!("<x xmlns:q{k}=\"urn:{k}\"/>")).collect();
        let xml = format!("<SoftwareIdentity xmlns=\"{NS_SWID}\"><Payload/>{decls}</SoftwareIdentity>");
        assert!(Rim::parse(xml.as_bytes(), "n.xml").unwrap_err().message.contains("namespace declarations"));
    }
}
