//! Canonical XML 1.1 (W3C REC `xml-c14n11`, 2008-05-02, algorithm
//! `http://www.w3.org/2006/12/xml-c14n11`, *without comments*), for the two document subsets an
//! enveloped XMLDSig needs: the whole document minus one element subtree (the `Reference URI=""`
//! with the enveloped-signature transform, XMLDSig 1.1 §6.6.4), and one element subtree
//! (`SignedInfo`, §4.4.3).
//!
//! No maintained C14N 1.1 crate compiles to wasm32, so this follows the spec over a `roxmltree`
//! tree (which has already done what the spec assigns to the XML processor: line-ending
//! normalization, attribute-value normalization, character and entity references resolved, CDATA
//! sections merged into text; DTDs are refused outright). What §2 asks of the serializer:
//! - no XML declaration or DTD; comments removed; PIs kept, with `#xA` separators outside the
//!   document element (§2.3 "Processing Instruction Nodes");
//! - empty elements as start/end-tag pairs; original element and attribute prefixes (recovered from
//!   the source text, because two prefixes may bind one URI, as in NVIDIA RIMs: `xmlns` and
//!   `xmlns:ns0`);
//! - namespace declarations rendered only where they differ from the nearest output ancestor's
//!   in-scope namespaces (all in-scope ones on an apex element), `xmlns=""` when the default is
//!   undeclared again, sorted by prefix, before the attributes; attributes sorted by (namespace
//!   URI, local name), unqualified first;
//! - text escaping `&amp; &lt; &gt; &#xD;`, attribute escaping `&amp; &lt; &quot; &#x9; &#xA; &#xD;`;
//! - C14N 1.1 §2.4: the inheritable `xml:lang` and `xml:space` of omitted ancestors are added to an
//!   apex element that does not set them; `xml:id` is not inherited. `xml:base` fix-up is not
//!   implemented: an `xml:base` on an omitted ancestor is refused with an error.

use roxmltree::{Node, NodeType};

const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// Which nodes the canonical form covers.
#[derive(Debug, Clone, Copy)]
pub enum Subset<'a, 'i> {
    /// The whole document except `excluded`'s subtree (enveloped signature).
    DocumentWithout(Node<'a, 'i>),
    /// `apex` and its descendants.
    Subtree(Node<'a, 'i>),
}

/// Canonicalizes `subset` of `doc`. Errors are sentences (an `xml:base` that would need fix-up).
pub fn canonicalize(doc: &roxmltree::Document, subset: Subset) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(doc.input_text().len());
    match subset {
        Subset::DocumentWithout(excluded) => {
            let root = doc.root();
            let mut after_element = false;
            for child in root.children() {
                match child.node_type() {
                    NodeType::Element => {
                        element(child, Some(excluded), true, &mut out)?;
                        after_element = true;
                    }
                    NodeType::PI => {
                        if after_element {
                            out.push(b'\n');
                        }
                        pi(child, &mut out);
                        if !after_element {
                            out.push(b'\n');
                        }
                    }
                    _ => {} // comments are removed; whitespace outside the document element is not a node
                }
            }
        }
        Subset::Subtree(apex) => {
            if !apex.is_element() {
                return Err("the canonicalization apex is not an element".into());
            }
            if apex.ancestors().skip(1).any(|a| a.is_element() && a.attributes().any(|x| x.namespace() == Some(NS_XML) && x.name() == "base")) {
                return Err("an omitted ancestor carries xml:base, whose C14N 1.1 fix-up is not implemented".into());
            }
            element(apex, None, true, &mut out)?;
        }
    }
    Ok(out)
}

/// The qualified name as written in the source (prefix preserved).
fn element_qname<'i>(n: Node<'_, 'i>) -> &'i str {
    let text = n.document().input_text();
    let start = n.range().start + 1; // after '<'
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace() || c == '/' || c == '>').unwrap_or(rest.len());
    &rest[..end]
}

fn element(n: Node, excluded: Option<Node>, apex: bool, out: &mut Vec<u8>) -> Result<(), String> {
    if excluded.is_some_and(|x| x == n) {
        return Ok(());
    }
    let qname = element_qname(n);
    out.push(b'<');
    out.extend_from_slice(qname.as_bytes());

    // Namespace declarations to render.
    let parent_ns: Vec<(Option<&str>, &str)> = match n.parent_element() {
        Some(p) if !apex => p.namespaces().map(|ns| (ns.name(), ns.uri())).collect(),
        _ => Vec::new(),
    };
    let mut decls: Vec<(&str, &str)> = Vec::new();
    for ns in n.namespaces() {
        if ns.name() == Some("xml") {
            continue;
        }
        if !parent_ns.iter().any(|(p, u)| *p == ns.name() && *u == ns.uri()) {
            decls.push((ns.name().unwrap_or(""), ns.uri()));
        }
    }
    let has_default = n.namespaces().any(|ns| ns.name().is_none() && !ns.uri().is_empty());
    let parent_default = parent_ns.iter().any(|(p, u)| p.is_none() && !u.is_empty());
    if !has_default && parent_default {
        decls.push(("", ""));
    }
    decls.retain(|(p, u)| !(p.is_empty() && u.is_empty() && !parent_default));
    decls.sort();
    decls.dedup();
    for (prefix, uri) in decls {
        if prefix.is_empty() {
            out.extend_from_slice(b" xmlns=\"");
        } else {
            out.extend_from_slice(format!(" xmlns:{prefix}=\"").as_bytes());
        }
        escape_attr(uri, out);
        out.push(b'"');
    }

    // Attributes, sorted by (namespace URI, local name); inherited xml:lang/xml:space on an apex.
    let text = n.document().input_text();
    let mut attrs: Vec<(&str, &str, String, &str)> = n
        .attributes()
        .map(|a| (a.namespace().unwrap_or(""), a.name(), text[a.range_qname()].to_string(), a.value()))
        .collect();
    if apex {
        for name in ["lang", "space"] {
            if attrs.iter().any(|(ns, local, _, _)| *ns == NS_XML && *local == name) {
                continue;
            }
            let inherited = n.ancestors().skip(1).filter(|a| a.is_element()).find_map(|a| a.attribute((NS_XML, name)));
            if let Some(v) = inherited {
                attrs.push((NS_XML, name, format!("xml:{name}"), v));
            }
        }
    }
    attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (_, _, qname, value) in attrs {
        out.push(b' ');
        out.extend_from_slice(qname.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attr(value, out);
        out.push(b'"');
    }
    out.push(b'>');

    for child in n.children() {
        match child.node_type() {
            NodeType::Element => element(child, excluded, false, out)?,
            NodeType::Text => escape_text(child.text().unwrap_or(""), out),
            NodeType::PI => pi(child, out),
            _ => {}
        }
    }
    out.extend_from_slice(b"</");
    out.extend_from_slice(qname.as_bytes());
    out.push(b'>');
    Ok(())
}

fn pi(n: Node, out: &mut Vec<u8>) {
    if let Some(p) = n.pi() {
        out.extend_from_slice(b"<?");
        out.extend_from_slice(p.target.as_bytes());
        if let Some(v) = p.value.filter(|v| !v.is_empty()) {
            out.push(b' ');
            out.extend_from_slice(v.as_bytes());
        }
        out.extend_from_slice(b"?>");
    }
}

fn escape_text(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\r' => out.extend_from_slice(b"&#xD;"),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

fn escape_attr(s: &str, out: &mut Vec<u8>) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\t' => out.extend_from_slice(b"&#x9;"),
            '\n' => out.extend_from_slice(b"&#xA;"),
            '\r' => out.extend_from_slice(b"&#xD;"),
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n_doc(xml: &str) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        // The document node is never an element, so nothing is excluded.
        String::from_utf8(canonicalize(&doc, Subset::DocumentWithout(doc.root())).unwrap()).unwrap()
    }

    /// W3C C14N 1.1 §3.1 example (PIs, comments, outside the document element).
    #[test]
    fn spec_example_3_1_pis_and_comments() {
        let xml = "<?xml version=\"1.0\"?>\n\n<?xml-stylesheet   href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\n<doc>Hello, world!<!-- Comment 1 --></doc>\n\n<?pi-without-data     ?>\n\n<!-- Comment 2 -->\n\n<!-- Comment 3 -->";
        assert_eq!(
            c14n_doc(xml),
            "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n<doc>Hello, world!</doc>\n<?pi-without-data?>"
        );
    }

    /// W3C C14N 1.1 §3.3 (start and end tags), without the DTD-defaulted attributes.
    #[test]
    fn spec_example_3_3_tags_namespaces_and_attribute_order() {
        let xml = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
        let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
        assert_eq!(c14n_doc(xml), expected);
    }

    /// W3C C14N 1.1 §3.4 (character modifications and references), without the DTD parts.
    #[test]
    fn spec_example_3_4_escaping() {
        let xml = "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n</doc>";
        let expected = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n</doc>";
        assert_eq!(c14n_doc(xml), expected);
    }

    #[test]
    fn subtree_apex_renders_inherited_namespaces_and_xml_lang() {
        let xml = r#"<a xmlns="urn:d" xmlns:p="urn:p" xml:lang="en"><p:b><c x="1"/></p:b></a>"#;
        let doc = roxmltree::Document::parse(xml).unwrap();
        let b = doc.root_element().first_element_child().unwrap();
        let out = String::from_utf8(canonicalize(&doc, Subset::Subtree(b)).unwrap()).unwrap();
        assert_eq!(out, r#"<p:b xmlns="urn:d" xmlns:p="urn:p" xml:lang="en"><c x="1"></c></p:b>"#);
    }

    #[test]
    fn excluded_subtree_is_omitted_but_surrounding_text_kept() {
        let xml = "<r>\n  <keep/>\n<ds:Signature xmlns:ds=\"urn:ds\"><x/></ds:Signature>\n</r>";
        let doc = roxmltree::Document::parse(xml).unwrap();
        let sig = doc.descendants().find(|n| n.tag_name().name() == "Signature").unwrap();
        let out = String::from_utf8(canonicalize(&doc, Subset::DocumentWithout(sig)).unwrap()).unwrap();
        assert_eq!(out, "<r>\n  <keep></keep>\n\n</r>");
    }
}
