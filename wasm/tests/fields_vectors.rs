//! The field map (src/fields.rs) on the real binary evidence in ../shared/vectors: SEV-SNP reports
//! (binary), Azure HCL reports, TDX/SGX quotes and NVIDIA SPDM reports (binary or hex text).
//!
//! Threat covered: the Inspector crashing on, or misreading, a real or cut capture. For every file:
//! the tree is well formed (children inside their parent, siblings in order without overlap, ids
//! unique) and complete (no note); for every prefix (step 13) it is well formed, any note names the file,
//! and nothing panics. The claim-by-claim comparison is test/unit/evidence-fields.test.ts.

mod common;

use custodian_core::fields::{describe, Description, Field};
use std::collections::HashSet;
use std::path::Path;

fn well_formed(d: &Description, what: &str) {
    fn walk(parent: (usize, usize), fs: &[Field], ids: &mut HashSet<String>, what: &str) {
        let mut end = parent.0;
        for f in fs {
            assert!(f.length > 0 && f.offset >= end && f.offset + f.length <= parent.1, "{what}: {} ({}+{}) out of place in {parent:?} after {end}", f.id, f.offset, f.length);
            assert!(ids.insert(f.id.clone()), "{what}: id {} twice", f.id);
            end = f.offset + f.length;
            walk((f.offset, end), &f.children, ids, what);
        }
    }
    walk((0, d.length), &d.fields, &mut HashSet::new(), what);
}

/// Binary evidence files under `dir` with the device kind for SPDM reports.
fn evidence(dir: &Path, out: &mut Vec<(String, Vec<u8>, Option<&'static str>)>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            evidence(&p, out);
            continue;
        }
        let Ok(bytes) = std::fs::read(&p) else { continue };
        let name = p.display().to_string();
        let device = if name.contains("switch") { Some("switch") } else { Some("gpu") };
        if let Some(r) = custodian_core::nvidia::spdm::decode_report_bytes(&bytes) {
            out.push((name, r, device));
        } else if bytes.starts_with(b"HCLA") || custodian_core::tdx::looks_like_quote(&bytes) && !name.ends_with(".json") {
            out.push((name, bytes, None));
        } else if name.ends_with(".bin") && bytes.len() >= 0x4A0 && (2..=5).contains(&bytes[0]) && bytes[1..4] == [0, 0, 0] {
            out.push((name, bytes, None));
        }
    }
}

#[test]
fn every_real_binary_evidence_file_and_its_prefixes() {
    let Some(root) = common::shared_vectors("snp", "field-map real-vector tests").map(|p| p.join("..")) else { return };
    let mut files = Vec::new();
    evidence(&root, &mut files);
    let count = |f: &str| files.iter().filter(|(_, b, _)| describe(b, "x", None).format == f).count();
    assert!(files.len() >= 25, "only {} evidence files found", files.len());
    assert!(count("azure-hcl-report") >= 3 && count("dcap-quote") >= 8 && count("sev-snp-report") >= 5, "{} files", files.len());
    for (name, bytes, device) in &files {
        let device = device.filter(|_| bytes.starts_with(&[0x11, 0xE0]));
        let d = describe(bytes, name, device);
        well_formed(&d, name);
        assert!(d.note.is_empty(), "{name}: {}", d.note);
        assert!(!d.fields.is_empty(), "{name}: no fields");
        for n in (0..bytes.len()).step_by(13) {
            let cut = describe(&bytes[..n], "cut.bin", device);
            well_formed(&cut, &format!("{name} cut at {n}"));
            // A cut inside trailing padding may leave every structure whole (no note); else the note names the file.
            assert!(cut.note.is_empty() || cut.note.starts_with("cut.bin: "), "{name} cut at {n}: note {:?}", cut.note);
        }
    }
}
