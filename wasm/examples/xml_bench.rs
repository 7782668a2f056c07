//! Native benchmark of the RIM XML path: the shape pre-scan (`xml_limits::check`), roxmltree parsing
//! and Canonical XML 1.1 of the whole document, on generated documents of about `MB` megabytes each:
//! - `flat`: a RIM-like Payload of many sibling Resource elements with hash attributes;
//! - `deep`: subtrees nested to the 64-level limit, repeated;
//! - `namespace-heavy`: 256 namespace declarations (the limit: a default on every level, the rest
//!   prefixed) on a 62-deep spine, then elements using those prefixes and prefixed attributes;
//! and the time to refuse what is over the limits (100,000-deep nesting; 3,000 nested elements each
//! declaring namespaces, the shape that took 38 s at 1,000 levels before).
//! Usage: xml_bench [MB] — prints one JSON line per document: bytes, ms per run, ms per MB, outcome.

use custodian_core::nvidia::c14n::{canonicalize, Subset};
use custodian_core::nvidia::xml_limits;
use std::time::Instant;

fn run(text: &str) -> Result<usize, String> {
    xml_limits::check(text)?;
    let doc = roxmltree::Document::parse_with_options(text, roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 1_000_000, ..Default::default() })
        .map_err(|e| e.to_string())?;
    canonicalize(&doc, Subset::DocumentWithout(doc.root())).map(|c| c.len())
}

fn measure(name: &str, text: &str) {
    let outcome = match run(text) {
        Ok(n) => format!("canonical {n} bytes"),
        Err(e) => format!("refused: {}", e.chars().take(60).collect::<String>()),
    };
    let start = Instant::now();
    let mut n = 0u32;
    while n < 3 || start.elapsed().as_secs_f64() < 1.0 {
        std::hint::black_box(run(std::hint::black_box(text)).ok());
        n += 1;
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0 / n as f64;
    let mb = text.len() as f64 / 1e6;
    println!("{{\"doc\":\"{name}\",\"bytes\":{},\"ms\":{ms:.3},\"ms_per_mb\":{:.2},\"outcome\":\"{}\"}}", text.len(), ms / mb, outcome.replace('"', "'"));
}

fn main() {
    let target = (std::env::args().nth(1).and_then(|a| a.parse::<f64>().ok()).unwrap_or(2.0) * 1e6) as usize;
    let swid = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";

    let mut flat = format!("<SoftwareIdentity xmlns=\"{swid}\" xmlns:SHA384=\"http://www.w3.org/2001/04/xmlenc#sha384\"><Payload>\n");
    let mut k = 0;
    while flat.len() < target {
        flat += &format!("  <Resource type=\"Measurement\" index=\"{k}\" active=\"True\" alternatives=\"1\" size=\"48\" SHA384:Hash0=\"{}\"/>\n", "ab".repeat(48));
        k += 1;
    }
    flat += "</Payload></SoftwareIdentity>";
    measure("flat", &flat);

    let spine = format!("{}x{}", "<a b=\"1\">".repeat(xml_limits::MAX_DEPTH - 1), "</a>".repeat(xml_limits::MAX_DEPTH - 1));
    let mut deep = String::from("<r>");
    while deep.len() < target {
        deep += &spine;
    }
    deep += "</r>";
    measure("deep", &deep);

    // <r>, a spine of `levels` elements, and the body elements one level below: the depth limit.
    let levels = xml_limits::MAX_DEPTH - 2;
    let per = xml_limits::MAX_NAMESPACE_DECLARATIONS / levels + 1;
    let mut heavy = String::from("<r>");
    let mut declared = 0;
    for level in 0..levels {
        heavy += "<n";
        for _ in 0..per {
            // The budget is shared with one default declaration per level.
            if declared < xml_limits::MAX_NAMESPACE_DECLARATIONS - levels {
                heavy += &format!(" xmlns:p{declared}=\"urn:ns:{declared}\"");
                declared += 1;
            }
        }
        heavy += &format!(" xmlns=\"urn:default:{level}\">");
    }
    let body_start = heavy.len();
    let mut i = 0;
    while heavy.len() - body_start < target {
        let p = i % declared;
        heavy += &format!("<p{p}:e p{}:a=\"1\" p{}:b=\"2\" c=\"3\">t</p{p}:e>", (i + 1) % declared, (i + 2) % declared);
        i += 1;
    }
    heavy += &"</n>".repeat(levels);
    heavy += "</r>";
    measure("namespace-heavy", &heavy);

    measure("deep-100000 (refused)", &format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000)));
    let open: String = (0..3000).map(|k| format!("<p{k}:e xmlns:p{k}=\"urn:{k}\" xmlns=\"urn:d{k}\">")).collect();
    let close: String = (0..3000).rev().map(|k| format!("</p{k}:e>")).collect();
    measure("namespace-nested-3000 (refused)", &format!("{open}{close}"));
}
