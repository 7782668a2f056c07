//! Shape limits for RIM XML, checked by one linear scan of the text *before* `roxmltree` builds a
//! tree, so that no hostile document can make the parser or the canonicalizer do super-linear work
//! or nest without bound.
//!
//! Why a pre-scan: `roxmltree` 0.21 parses iteratively, but its per-element bookkeeping is quadratic
//! in what one element carries and cubic in stacked namespace declarations — every element that
//! declares a namespace copies all in-scope namespaces, checking each against the new list
//! (`parse.rs` `resolve_namespaces`), and duplicate attributes are found by a linear search per
//! attribute (`resolve_attributes`). A RIM of 1,000 nested elements each declaring a namespace took
//! 38 s before these limits; with them the work per element is bounded by constants below.
//!
//! Limits, chosen from the 35 real RIMs in `../shared/vectors` (driver, VBIOS, switch BIOS; measured
//! with expat: max nesting 6, at most 6 namespace declarations per document, at most 13 attributes
//! on one element, at most 85 elements), with about ten times headroom:
//! - [`MAX_DEPTH`] = 64 nested elements;
//! - [`MAX_ATTRIBUTES`] = 64 attributes on one element (namespace declarations included);
//! - [`MAX_NAMESPACE_DECLARATIONS`] = 256 `xmlns`/`xmlns:p` declarations in the whole document.
//!
//! The scan relies on one fact of well-formed XML: outside comments, CDATA sections and processing
//! instructions, every `<` starts markup (attribute values and text cannot contain a raw `<`). So a
//! start tag ends before the next `<`, and a malformed tag only loses the scan's attention until that
//! `<`; `roxmltree` then refuses the document at the same place, having done bounded work up to it.

/// Deepest element nesting accepted (the document element is depth 1). Real RIMs: 6.
pub const MAX_DEPTH: usize = 64;
/// Most attributes (namespace declarations included) on one element. Real RIMs: 13.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most namespace declarations in one document. Real RIMs: 6.
pub const MAX_NAMESPACE_DECLARATIONS: usize = 256;

/// Checks `text` against the limits above in one pass (O(n) time, O(1) memory). `Err` is a sentence
/// such as "XML nesting deeper than 64 elements …" for the caller to attach to the file name.
///
/// The same pass refuses character references to non-characters (`&#xD800;`, `&#x110000;`), which
/// roxmltree turns into U+FFFD where XML 1.0 §4.1 (and libxml2) refuse the document: a signature
/// must never cover a replacement character the signer did not write.
pub fn check(text: &str) -> Result<(), String> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    let mut declarations = 0usize;
    // Start of the stretch not inside a comment, CDATA section or PI (where `&#` is not a reference).
    let mut plain = 0usize;
    while let Some(off) = b[i..].iter().position(|&c| c == b'<') {
        i += off;
        let rest = &b[i..];
        let literal = [(&b"<!--"[..], &b"-->"[..]), (b"<![CDATA[", b"]]>"), (b"<?", b"?>")].into_iter().find(|(open, _)| rest.starts_with(open));
        if let Some((open, close)) = literal {
            char_refs(b, plain, i)?;
            i = skip_past(b, i + open.len(), close);
            plain = i;
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            i += 2;
        } else if rest.starts_with(b"<!") {
            i += 2; // a DTD: roxmltree refuses it (allow_dtd is off)
        } else {
            let tag = start_tag(b, i + 1);
            let element_depth = depth + 1;
            if element_depth > MAX_DEPTH {
                return Err(format!(
                    "XML nesting deeper than {MAX_DEPTH} elements (at byte {i}); real RIMs nest 6 deep, so the document is refused before parsing"
                ));
            }
            if tag.attributes > MAX_ATTRIBUTES {
                return Err(format!(
                    "an element at byte {i} has {} attributes; at most {MAX_ATTRIBUTES} are accepted (real RIMs have at most 13)",
                    tag.attributes
                ));
            }
            declarations += tag.declarations;
            if declarations > MAX_NAMESPACE_DECLARATIONS {
                return Err(format!(
                    "more than {MAX_NAMESPACE_DECLARATIONS} namespace declarations (at byte {i}); real RIMs declare 6"
                ));
            }
            if !tag.self_closing {
                depth = element_depth;
            }
            i = tag.end;
        }
    }
    char_refs(b, plain, b.len())
}

/// Refuses a character reference in `b[from..to]` whose value is not an XML 1.0 `Char`
/// (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]).
fn char_refs(b: &[u8], from: usize, to: usize) -> Result<(), String> {
    let mut k = from;
    while let Some(off) = b[k..to].windows(2).position(|w| w == b"&#") {
        let at = k + off;
        let (hex, start) = if b.get(at + 2) == Some(&b'x') { (true, at + 3) } else { (false, at + 2) };
        let len = b[start..to].iter().take_while(|c| if hex { c.is_ascii_hexdigit() } else { c.is_ascii_digit() }).count();
        let digits = std::str::from_utf8(&b[start..start + len]).unwrap_or("");
        // Too long to be a character, or a value outside Char; a malformed reference is roxmltree's to refuse.
        let value = u32::from_str_radix(digits, if hex { 16 } else { 10 }).ok();
        let is_char = |v: u32| matches!(v, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x1_0000..=0x10_FFFF);
        if len > 0 && !value.is_some_and(is_char) {
            return Err(format!("the character reference at byte {at} ({}) is not an XML character", String::from_utf8_lossy(&b[at..(start + len + 1).min(b.len())])));
        }
        k = start + len;
    }
    Ok(())
}

/// Index just past the first `needle` at or after `from` (or the end of `b`).
fn skip_past(b: &[u8], from: usize, needle: &[u8]) -> usize {
    b.get(from..)
        .and_then(|r| r.windows(needle.len()).position(|w| w == needle))
        .map_or(b.len(), |p| from + p + needle.len())
}

struct StartTag {
    attributes: usize,
    declarations: usize,
    self_closing: bool,
    /// Where scanning resumes (past `>`, or at the next `<` of a malformed tag).
    end: usize,
}

/// Reads the start tag whose name begins at `from`: counts `name=` pairs outside quotes, and which of
/// them are `xmlns` or `xmlns:…`. Stops at the closing `>` or, for a malformed tag, at the next `<`.
fn start_tag(b: &[u8], from: usize) -> StartTag {
    let mut t = StartTag { attributes: 0, declarations: 0, self_closing: false, end: b.len() };
    let mut j = from;
    let mut name_start = from;
    let mut quote: Option<u8> = None;
    while j < b.len() {
        let c = b[j];
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                    name_start = j + 1;
                } else if c == b'<' {
                    t.end = j;
                    return t;
                }
            }
            None => match c {
                b'"' | b'\'' => quote = Some(c),
                b'=' => {
                    t.attributes += 1;
                    let name = trim(&b[name_start..j]);
                    let name = name.rsplit(|c| c.is_ascii_whitespace()).next().unwrap_or(name);
                    if name == b"xmlns" || name.starts_with(b"xmlns:") {
                        t.declarations += 1;
                    }
                }
                b'>' => {
                    t.self_closing = j > from && b[j - 1] == b'/';
                    t.end = j + 1;
                    return t;
                }
                b'<' => {
                    t.end = j;
                    return t;
                }
                _ => {}
            },
        }
        j += 1;
    }
    t
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize, open: &str, close: &str) -> String {
        format!("{}{}", open.repeat(depth), close.repeat(depth))
    }

    #[test]
    fn depth_is_counted_through_comments_cdata_pis_and_self_closing_tags() {
        assert!(check(&nested(MAX_DEPTH, "<a>", "</a>")).is_ok());
        let err = check(&nested(MAX_DEPTH + 1, "<a>", "</a>")).unwrap_err();
        assert!(err.starts_with("XML nesting deeper than 64 elements"), "{err}");
        // A self-closing element one level too deep counts; siblings do not add depth.
        let leaf = format!("{}<b/>{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(check(&leaf).is_err());
        let wide = format!("<r>{}</r>", "<a><b/></a>".repeat(10_000));
        assert!(check(&wide).is_ok());
        // '<' and '>' inside comments, CDATA, PIs and attribute values do not fool the scan.
        let hidden = format!("<r><!-- <a><a> --><![CDATA[<a><a>]]><?p <a>?><e v='>' w=\"/>\"></e>{}</r>", nested(MAX_DEPTH - 1, "<x>", "</x>"));
        assert!(check(&hidden).is_ok());
        let over = format!("<r><e v='/>'>{}</e></r>", nested(MAX_DEPTH - 1, "<x>", "</x>"));
        assert!(check(&over).is_err(), "an attribute value ending in /> must not make the tag self-closing");
    }

    #[test]
    fn attributes_and_namespace_declarations_are_bounded() {
        let attrs = |n: usize| format!("<a {}/>", (0..n).map(|k| format!("a{k} = \"v\"")).collect::<Vec<_>>().join(" "));
        assert!(check(&attrs(MAX_ATTRIBUTES)).is_ok());
        assert!(check(&attrs(MAX_ATTRIBUTES + 1)).unwrap_err().contains("attributes"));
        let decls = |n: usize| format!("<r>{}</r>", (0..n).map(|k| format!("<e xmlns:p{k}='urn:{k}'/>")).collect::<String>());
        assert!(check(&decls(MAX_NAMESPACE_DECLARATIONS)).is_ok());
        assert!(check(&decls(MAX_NAMESPACE_DECLARATIONS + 1)).unwrap_err().contains("namespace declarations"));
        // An attribute whose name merely starts with xmlns but is not a declaration is not counted.
        assert!(check(&format!("<r>{}</r>", "<e xmlnsx='1'/>".repeat(MAX_NAMESPACE_DECLARATIONS + 1))).is_ok());
    }

    #[test]
    fn character_references_to_non_characters_are_refused_outside_literal_sections() {
        for bad in ["<a>&#xD800;</a>", "<a b='&#55296;'/>", "<a>&#x110000;</a>", "<a>&#99999999999999999999;</a>", "<a>&#0;</a>"] {
            assert!(check(bad).unwrap_err().contains("not an XML character"), "{bad}");
        }
        for ok in ["<a>&#x9;&#10;&#xD;&#x20AC;&#x10FFFF;</a>", "<a><!-- &#xD800; --><![CDATA[&#xD800;]]><?p &#xD800;?></a>", "<a>&#;&#x;</a>"] {
            assert!(check(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn malformed_input_ends_without_panicking() {
        for s in ["<", "<a", "<a b='", "<!--", "<![CDATA[", "<?", "</", "<a b='<c>'>", "<a =>", "<!DOCTYPE a>"] {
            let _ = check(s);
        }
    }
}
