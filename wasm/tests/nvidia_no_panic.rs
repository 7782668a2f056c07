//! Parsers never panic on NVIDIA input: deterministic mutations (truncation at every length, byte
//! flips, hostile length fields) of a real report, serialized evidence and a real RIM. Every outcome
//! must be an appraisal or an InputError. Reads ../shared/vectors/nvidia at run time (skipped visibly).

use custodian_core::nvidia::evidence;
use custodian_core::nvidia::opaque;
use custodian_core::nvidia::rim::Rim;
use custodian_core::nvidia::spdm::Report;
use custodian_core::nvidia::DeviceKind;
use std::path::PathBuf;

fn read(rel: &str) -> Option<Vec<u8>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/vectors/nvidia").join(rel);
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("*** {} not found: NVIDIA no-panic test SKIPPED ***", p.display());
            None
        }
    }
}

fn parse_all(b: &[u8]) {
    if let Ok(r) = Report::parse(b, "m") {
        for kind in [DeviceKind::Gpu, DeviceKind::Switch] {
            let o = opaque::parse(&r.opaque, r.opaque_offset, kind);
            let _ = (o.claims(kind), o.firmware_version(kind), o.feature_flag(), o.switch_gpu_pdis(), o.device_pdi());
        }
        let _ = (r.tail96(), r.structural());
    }
}

#[test]
fn reports_truncated_flipped_and_with_hostile_lengths() {
    let Some(hex_text) = read("gpu-hopper/h100-580.159.03/report.hex") else { return };
    let report = hex::decode(String::from_utf8(hex_text).unwrap().trim()).unwrap();
    for n in 0..=report.len() + 2 {
        let mut b = report.clone();
        b.resize(n, 0);
        parse_all(&b);
    }
    for i in 0..report.len() {
        for x in [0x01u8, 0x80, 0xff] {
            let mut b = report.clone();
            b[i] ^= x;
            parse_all(&b);
        }
    }
    // Hostile lengths: record length, opaque length and every TLV length set to the maximum.
    let r = Report::parse(&report, "r").unwrap();
    let mut b = report.clone();
    b[42..45].copy_from_slice(&[0xff, 0xff, 0xff]);
    assert!(Report::parse(&b, "r").is_err());
    let mut b = report.clone();
    b[r.opaque_offset - 2..r.opaque_offset].copy_from_slice(&[0xff, 0xff]);
    assert!(Report::parse(&b, "r").is_err());
    for t in opaque::parse(&r.opaque, r.opaque_offset, DeviceKind::Gpu).tlvs {
        let mut b = report.clone();
        b[t.offset + 2..t.offset + 4].copy_from_slice(&[0xff, 0xff]);
        let m = Report::parse(&b, "r").unwrap();
        assert!(opaque::parse(&m.opaque, m.opaque_offset, DeviceKind::Gpu).leftover > 0);
    }
}

#[test]
fn serialized_evidence_mutations() {
    let Some(json) = read("evidence-json/ls10-single-nonce-931d.json") else { return };
    for i in (0..json.len()).step_by(7) {
        let mut b = json.clone();
        b[i] = b[i].wrapping_add(1);
        let _ = evidence::parse(&b, "e.json", vec![]);
        let _ = evidence::parse(&json[..i], "e.json", vec![]);
    }
}

#[test]
fn rim_mutations() {
    let Some(rim) = read("switch-ls10/ls10-96.10.55.00.01/rim-NV_SWITCH_BIOS_5612_0002_890_9610550001.xml") else { return };
    let step = rim.len() / 97;
    for i in (0..rim.len()).step_by(step) {
        for x in [b'<', b'"', b'&', 0xC3, b'Z'] {
            let mut b = rim.clone();
            b[i] = x;
            if let Ok(r) = Rim::parse(&b, "r.xml") {
                let _ = r.xmldsig.ok();
            }
        }
        let _ = Rim::parse(&rim[..i], "r.xml");
    }
}
