//! Differential test of our Canonical XML 1.1 against libxml2 (`xmllint --c14n11`, Debian
//! `libxml2-utils`, installed by scripts/setup.sh). Threat: a signature check over a canonical form
//! that differs from the reference implementation's, or over a document the reference refuses, is a
//! place where two verifiers disagree about what was signed.
//!
//! Corpus: every real RIM in ../shared/vectors (read at run time, never copied), the W3C C14N 1.1
//! examples our unit tests use, and a deterministic generated corpus of namespace, attribute,
//! whitespace, character-reference, CDATA and PI variants. For each document both sides must give the
//! same bytes, or both refuse (libxml2 "refuses" when it exits non-zero or reports an error).
//!
//! Intended differences, kept out of the comparison or expected explicitly:
//! - comments: `xmllint --c14n11` is the *with comments* variant; ours is without comments (the
//!   XMLDSig `xml-c14n11` algorithm), so the corpus has no comments;
//! - DTDs: we refuse any DTD (no entity expansion from a signed document); libxml2 canonicalises
//!   after expanding entities. Checked below as "we refuse, libxml2 accepts";
//! - encodings: we read UTF-8 only and refuse an XML declaration naming another encoding (or bytes
//!   that are not UTF-8); libxml2 transcodes ISO-8859-1 and others. Listed in [`INTENDED`];
//! - `&` in a namespace URI: libxml2 writes it unescaped (a libxml2 bug: C14N renders namespace
//!   nodes like attributes, `&amp;`); we refuse such documents. Listed in [`INTENDED`].
//!
//! Skipped visibly when xmllint is absent.

mod common;
use common::Rng;
use custodian_core::nvidia::c14n::{canonicalize, Subset};
use custodian_core::nvidia::rim::parse_document;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Our canonical form of the whole document, or why we refuse it (the RIM reader's decoding and parser).
fn ours(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8: {e}"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc = parse_document(text)?;
    canonicalize(&doc, Subset::DocumentWithout(doc.root()))
}

/// libxml2's canonical form, or its error output when it exits non-zero or reports an error.
fn libxml2(dir: &Path, text: &[u8]) -> Result<Vec<u8>, String> {
    let path = dir.join("doc.xml");
    std::fs::write(&path, text).unwrap();
    let out = Command::new("xmllint").args(["--nonet", "--c14n11"]).arg(&path).output().expect("xmllint runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    if !out.status.success() || stderr.contains("error") {
        return Err(stderr);
    }
    Ok(out.stdout)
}

fn have_xmllint() -> bool {
    Command::new("xmllint").arg("--version").output().is_ok_and(|o| o.status.success())
}

const URIS: &[&str] = &["urn:a", "urn:b", "http://example.org/ns", "urn:a#x"];
const VALUES: &[&str] = &["v", " two  spaces ", "&amp;&lt;&gt;&quot;&apos;", "&#9;&#10;&#13;", "tab\there", "line\nbreak", "é€𝄞", "'single'", "a>b", ""];
const TEXTS: &[&str] = &["", "text", "  \n  ", "&amp;&lt;&gt;", "]]&gt;", "&#13;&#10;", "<![CDATA[<x>&\r]]>", "é€", "a\r\nb", "\"quoted\"", "&#x20AC;"];

fn element(r: &mut Rng, depth: usize, scope: &mut Vec<String>, out: &mut String) {
    let mut declared: Vec<String> = Vec::new();
    let mut decls = String::new();
    for prefix in ["", "p", "q"] {
        if r.chance(25) {
            let uri = if prefix.is_empty() && r.chance(30) { "" } else { r.pick(URIS) };
            if !prefix.is_empty() && uri.is_empty() {
                continue;
            }
            let sp = r.pick(&[" ", "  ", "\n "]);
            if prefix.is_empty() {
                decls += &format!("{sp}xmlns=\"{uri}\"");
            } else {
                decls += &format!("{sp}xmlns:{prefix}=\"{uri}\"");
                declared.push(prefix.to_string());
            }
        }
    }
    let visible: Vec<String> = scope.iter().chain(declared.iter()).cloned().collect();
    let local = r.pick(&["a", "b", "doc", "e1"]);
    let name = match (visible.is_empty(), r.chance(40)) {
        (false, true) => format!("{}:{local}", visible[r.below(visible.len())]),
        _ => local.to_string(),
    };
    let mut attrs = String::new();
    let mut used: Vec<String> = Vec::new();
    for _ in 0..r.below(4) {
        let aname = match r.below(6) {
            0 if !visible.is_empty() => format!("{}:attr", visible[r.below(visible.len())]),
            1 => "xml:lang".to_string(),
            2 => "xml:space".to_string(),
            3 => "id".to_string(),
            4 => "attr".to_string(),
            _ => "b".to_string(),
        };
        if used.contains(&aname) {
            continue;
        }
        used.push(aname.clone());
        let value = if aname == "xml:space" { r.pick(&["preserve", "default"]) } else { r.pick(VALUES) };
        let (q, value) = if value.contains('\'') { ('"', value.to_string()) } else if r.chance(50) { ('\'', value.replace('"', "&quot;")) } else { ('"', value.to_string()) };
        let value = if q == '"' { value.replace('"', "&quot;") } else { value };
        attrs += &format!("{}{aname}{}={}{q}{value}{q}", r.pick(&[" ", "\n\t"]), r.pick(&["", " "]), r.pick(&["", " "]));
    }
    let space = r.pick(&["", " ", "\n"]);
    let n_children = if depth >= 4 { 0 } else { r.below(4) };
    if n_children == 0 && r.chance(50) {
        *out += &format!("<{name}{decls}{attrs}{space}/>");
        return;
    }
    *out += &format!("<{name}{decls}{attrs}{space}>");
    scope.extend(declared.iter().cloned());
    for _ in 0..n_children {
        *out += r.pick(TEXTS);
        if r.chance(15) {
            *out += r.pick(&["<?pi data ?>", "<?pi?>", "<?target  spaced   data?>"]);
        } else {
            element(r, depth + 1, scope, out);
        }
    }
    *out += r.pick(TEXTS);
    scope.truncate(scope.len() - declared.len());
    *out += &format!("</{name}>");
}

fn generated(count: usize) -> Vec<(String, Vec<u8>)> {
    let mut r = Rng(0x5eed_c14e_0001);
    (0..count)
        .map(|i| {
            let mut doc = String::new();
            if r.chance(30) {
                doc += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
            }
            if r.chance(20) {
                doc += "<?before x?>\n";
            }
            element(&mut r, 0, &mut Vec::new(), &mut doc);
            if r.chance(20) {
                doc += "\n<?after?>\n";
            }
            (format!("generated #{i}"), doc.into_bytes())
        })
        .collect()
}

fn w3c_examples() -> Vec<(String, Vec<u8>)> {
    [
        "<?xml version=\"1.0\"?>\n\n<?xml-stylesheet   href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\n<doc>Hello, world!</doc>\n\n<?pi-without-data     ?>\n",
        "<doc>\n   <e1   />\n   <e2   ></e2>\n   <e3   name = \"elem3\"   id=\"elem3\"   />\n   <e4   name=\"elem4\"   id=\"elem4\"   ></e4>\n   <e5 a:attr=\"out\" b:attr=\"sorted\" attr2=\"all\" attr=\"I'm\"\n      xmlns:b=\"http://www.ietf.org\"\n      xmlns:a=\"http://www.w3.org\"\n      xmlns=\"http://example.org\"/>\n   <e6 xmlns=\"\" xmlns:a=\"http://www.w3.org\">\n      <e7 xmlns=\"http://www.ietf.org\">\n         <e8 xmlns=\"\" xmlns:a=\"http://www.w3.org\">\n            <e9 xmlns=\"\" xmlns:a=\"http://www.ietf.org\"/>\n         </e8>\n      </e7>\n   </e6>\n</doc>",
        "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>",
        "<doc>&#169;</doc>",
    ]
    .iter()
    .enumerate()
    .map(|(i, d)| (format!("W3C example {i}"), d.as_bytes().to_vec()))
    .collect()
}

/// Hand-picked edges of XML 1.0 + Namespaces: namespace errors, encodings, BOM, character references,
/// attribute-value normalisation, line ends, xml: attributes, relative namespace URIs.
fn edge_cases() -> Vec<(String, Vec<u8>)> {
    let docs: &[&[u8]] = &[
        b"<a xmlns:p=\"urn:p\" xmlns:q=\"urn:p\" p:x=\"1\" q:x=\"2\"/>",
        b"<a xmlns:p=\"\"/>",
        b"<p:a/>",
        b"<a xmlns:xml=\"http://www.w3.org/XML/1998/namespace\" xml:lang=\"en\"/>",
        b"<a xmlns=\"rel/uri\"><b xmlns:p=\"also-relative\"/></a>",
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xc3\xa9</a>",
        b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>",
        b"\xef\xbb\xbf<a>bom</a>",
        b"<a>&#0;</a>",
        b"<a>&#x1;</a>",
        b"<a b=\"&#x9;x&#xA;\"/>",
        b"<a b=\"x\ty\nz\"/>",
        "<\u{e9} xmlns:\u{fc}=\"urn:u\" \u{fc}:\u{f6}=\"1\"/>".as_bytes(),
        b"<a xml:space=\"weird\"/>",
        b"<a xmlns=\"urn:x\"><b xmlns=\"urn:x\"/></a>",
        b"<?xml version=\"1.1\"?><a>&#x1;</a>",
        b"<a>\r\n\r</a>",
        b"<a xmlns:a=\"urn:a\" a:b=\"1\" b=\"2\" xmlns=\"urn:a\"/>",
        b"<?xml version=\"1.0\" standalone=\"yes\"?><a/>",
        b"<a xml:base=\"http://x/\"><b/></a>",
        b"<a xmlns:xmlns=\"urn:x\"/>",
        b"<a xmlns:p=\"http://www.w3.org/XML/1998/namespace\"/>",
        b"<a>]]></a>",
        b"<?xml-stylesheet href=\"x\"?><a/>",
        b"<a/><b/>",
        b"<a></b>",
        b"<a b='1' b='2'/>",
        b"<a>&unknown;</a>",
        b"<a>&#xD800;</a>",
        b"<a>\xef\xbf\xbe</a>",
        b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><a/>",
        b"<a b=\"<\"/>",
        b"<a b=\"&#60;\"/>",
        b"<a>\xc2\x85 \xe2\x80\xa8</a>",
        b"<a xmlns:p=\"urn:a b\"/>",
        "<a xmlns=\"urn:\u{e9}\"/>".as_bytes(),
        b"<a xmlns:p=\"urn:a#b#c\"/>",
        b"<a xmlns:p=\"urn:a[b]\"/>",
        b"<a xmlns:p=\"http://[::1]/x\"/>",
        b"<a xmlns:p=\"urn:%zz\"/>",
        b"<a xmlns:p=\"urn:a%20b\"/>",
        b"<a xmlns:p=\"urn:a&amp;b'c\"/>",
        b"<a xmlns:p=\"urn:a{b}|c^d`e\\\"/>",
        // The default namespace declared twice in one tag (found by the c14n fuzz target): both refuse.
        b"<a xmlns=\"urn:x\" xmlns=\"urn:y\"/>",
        b"<a xmlns=\"urn:a\"><b xmlns=\"urn:x\" xmlns=\"urn:x\"/></a>",
    ];
    docs.iter().enumerate().map(|(i, d)| (format!("edge case {i}"), d.to_vec())).collect()
}

/// Real RIMs with one hostile snippet inserted at a pseudo-random place (a cheap stand-in for the
/// fuzzed RIMs of issue 13): each must still be identical or refused by both.
fn mutated(rims: &[(String, Vec<u8>)], per_rim: usize) -> Vec<(String, Vec<u8>)> {
    const SNIPPETS: &[&str] = &[
        "&#xD800;", "&#x1;", "&", "<", ">", "]]>", "\u{FFFE}", "\u{1}", "\r", "\r\n", "\t", "&#13;", "&#x85;", "\u{85}", "\u{2028}",
        " xmlns:p=\"\"", " xmlns=\"\"", " xmlns:ns9=\"rel\"", " xmlns:ns9=\"urn:x\" ns9:a=\"1\"", " a=\"1\" a=\"2\"", " xml:space=\"preserve\"",
        " xml:lang=\"\"", " xmlns:xml=\"http://www.w3.org/XML/1998/namespace\"", "<?pi x?>", "<![CDATA[&<>]]>", "&lt;&amp;&gt;&quot;&apos;",
        "<x/>", "</x>", "<p:x/>", "\"", "'", "=", " ", "&#x10FFFF;", "&#1114112;", "\u{feff}",
    ];
    let mut r = Rng(0x5eed_c14e_0002);
    let mut out = Vec::new();
    for (name, bytes) in rims.iter().take(6) {
        let text = String::from_utf8_lossy(bytes).to_string();
        let cuts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for k in 0..per_rim {
            let at = cuts[r.below(cuts.len())];
            let doc = format!("{}{}{}", &text[..at], r.pick(SNIPPETS), &text[at..]);
            out.push((format!("{name} mutation {k}"), doc.into_bytes()));
        }
    }
    out
}

fn real_rims() -> Vec<(String, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/nvidia");
    let mut out = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                pending.push(p);
            } else if p.extension().is_some_and(|x| x == "xml" || x == "swidtag") {
                let text = std::fs::read(&p).unwrap();
                out.push((p.strip_prefix(&root).unwrap().display().to_string(), text));
            }
        }
    }
    if out.is_empty() {
        eprintln!("*** {} not found: real RIMs are not in the C14N differential corpus ***", root.display());
    }
    out.sort();
    out
}

/// Corpus entries where we refuse and libxml2 canonicalises, on purpose, with the reason.
const INTENDED: &[(&str, &str)] = &[
    ("edge case 5", "declares ISO-8859-1: we read UTF-8 only (libxml2 transcodes; the same bytes would mean different text)"),
    ("edge case 6", "declares ISO-8859-1 and is not UTF-8: we read UTF-8 only"),
    ("edge case 41", "a namespace URI with '&': libxml2 writes it unescaped (not well-formed; C14N 1.1 escapes it as &amp;); we refuse"),
];

/// One disagreement for the failure message: the document, both outcomes, and where the two
/// canonical forms first differ. With `C14N_DIFF_DUMP=DIR`, also writes them to DIR for a diff.
fn dump(name: &str, text: &[u8], a: &Result<Vec<u8>, String>, b: &Result<Vec<u8>, String>) -> String {
    let show = |r: &Result<Vec<u8>, String>| r.as_ref().map_or_else(|e| format!("refused: {e}"), |v| String::from_utf8_lossy(v).to_string());
    let first = match (a, b) {
        (Ok(x), Ok(y)) => {
            let at = x.iter().zip(y.iter()).position(|(p, q)| p != q).unwrap_or(x.len().min(y.len()));
            let around = |v: &[u8]| String::from_utf8_lossy(&v[at.saturating_sub(40)..(at + 40).min(v.len())]).to_string();
            format!("\n--- first difference at byte {at}: ours {:?} / libxml2 {:?}", around(x), around(y))
        }
        _ => String::new(),
    };
    if let Ok(dir) = std::env::var("C14N_DIFF_DUMP") {
        let stem = name.replace(['/', ' '], "_");
        let _ = std::fs::write(Path::new(&dir).join(format!("{stem}.xml")), text);
        let _ = std::fs::write(Path::new(&dir).join(format!("{stem}.ours")), show(a));
        let _ = std::fs::write(Path::new(&dir).join(format!("{stem}.libxml2")), show(b));
    }
    let doc = String::from_utf8_lossy(text);
    let doc = if doc.len() > 2000 { format!("{}…", &doc[..doc.char_indices().nth(2000).map_or(doc.len(), |(i, _)| i)]) } else { doc.to_string() };
    format!("{name}:{first}\n--- document\n{doc}\n--- ours\n{}\n--- libxml2\n{}", show(a), show(b))
}

#[test]
fn c14n_agrees_with_libxml2() {
    if !have_xmllint() {
        eprintln!("*** xmllint not found (apt-get install -y libxml2-utils): C14N differential test SKIPPED ***");
        return;
    }
    let dir = tempdir();
    let rims = real_rims();
    let corpus: Vec<(String, Vec<u8>)> = rims.iter().cloned().chain(mutated(&rims, 100)).chain(w3c_examples()).chain(edge_cases()).chain(generated(400)).collect();
    let (mut same, mut both_refuse, mut intended, mut disagreements) = (0, 0, 0, Vec::new());
    for (name, text) in &corpus {
        match (ours(text), libxml2(&dir, text)) {
            (Ok(a), Ok(b)) if a == b => same += 1,
            (Err(_), Err(_)) => both_refuse += 1,
            (Err(_), Ok(_)) if INTENDED.iter().any(|(n, _)| n == name) => intended += 1,
            (a, b) => disagreements.push(dump(name, text, &a, &b)),
        }
    }
    eprintln!("C14N differential: {} documents, {same} identical, {both_refuse} refused by both, {intended} intended differences, {} different", corpus.len(), disagreements.len());
    assert_eq!(intended, INTENDED.len(), "every listed intended difference must still occur");
    let _ = std::fs::remove_dir_all(&dir);
    let names: Vec<&str> = disagreements.iter().map(|d| d.split(":\n").next().unwrap_or("")).collect();
    assert!(disagreements.is_empty(), "{} of {} documents differ from libxml2 ({names:?}):\n\n{}", disagreements.len(), corpus.len(), disagreements.iter().take(5).cloned().collect::<Vec<_>>().join("\n\n"));
    for (name, text) in &rims {
        assert!(ours(text).is_ok(), "{name}: every real RIM canonicalises");
    }
    assert!(same >= rims.len() + 400, "the generated corpus must mostly canonicalise ({same} of {})", corpus.len());
}

/// The one intended difference that is not about comments: a DTD. We refuse it (no entity expansion
/// in a signed document); libxml2 expands the entity and canonicalises.
#[test]
fn a_dtd_is_refused_by_us_and_expanded_by_libxml2() {
    if !have_xmllint() {
        eprintln!("*** xmllint not found: C14N DTD difference test SKIPPED ***");
        return;
    }
    let dir = tempdir();
    let doc = "<!DOCTYPE a [<!ENTITY e 'expanded'>]><a>&e;</a>";
    assert!(ours(doc.as_bytes()).is_err());
    assert_eq!(libxml2(&dir, doc.as_bytes()).unwrap(), b"<a>expanded</a>");
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("custodian-c14n-diff-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
