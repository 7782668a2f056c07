//! The canonicaliser on its own, for every element as a subtree apex and for the whole document
//! minus each element (the enveloped-signature shape), on any text the RIM parser accepts. Also
//! checks that canonicalisation is deterministic and that its output is well-formed XML that
//! canonicalises to itself (C14N is idempotent on the document without excluded parts).
#![no_main]
use custodian_core::nvidia::c14n::{canonicalize, Subset};
use custodian_core::nvidia::rim::parse_document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
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
});
