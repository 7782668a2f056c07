//! TDX CC event log (CCEL) replay to RTMR0..3 (wasm/src/tdx/ccel.rs). Threats covered: a log that
//! belongs to another TD passed off with a quote (each RTMR mismatch reported, never a pass); a
//! modified or added event (the failing RTMR names the event); hostile logs (truncation, huge
//! declared sizes, zero digests, too many events) → InputError naming the file and the event, no panic.

use base64::Engine;
use custodian_core::appraisal::{parse_rfc3339, Status};
use custodian_core::request::{run, Request};
use custodian_core::tdx::ccel::{EventLog, MAX_EVENTS};
use serde_json::{json, Value};
use sha2::{Digest, Sha384};
use std::path::PathBuf;

mod common;

const ZERO: [u8; 48] = [0; 48];

fn formats() -> Option<PathBuf> {
    common::shared_vectors("formats", "CCEL real-vector tests")
}

fn fmt06(dir: &PathBuf) -> Value {
    let m: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["cases"].as_array().unwrap().iter().find(|c| c["id"] == "fmt-06-trustee-ccel-event-log").unwrap()["expected"].clone()
}

fn blob(name: &str, bytes: &[u8]) -> Value {
    json!({"name": name, "base64": base64::engine::general_purpose::STANDARD.encode(bytes)})
}

/// The first event: TCG_PCR_EVENT carrying the Spec ID event (SHA-384 only).
fn spec_id() -> Vec<u8> {
    let mut data = b"Spec ID Event03\0".to_vec();
    data.extend(0u32.to_le_bytes()); // platformClass
    data.extend([0, 2, 0, 2]); // minor, major, errata, uintnSize
    data.extend(1u32.to_le_bytes());
    data.extend(0x000Cu16.to_le_bytes());
    data.extend(48u16.to_le_bytes());
    data.push(0); // vendorInfoSize
    let mut e = Vec::new();
    e.extend(0u32.to_le_bytes());
    e.extend(3u32.to_le_bytes());
    e.extend([0u8; 20]);
    e.extend((data.len() as u32).to_le_bytes());
    e.extend(data);
    e
}

/// A TCG_PCR_EVENT2 with one SHA-384 digest.
fn event(mr: u32, ty: u32, digest: &[u8; 48], data: &[u8]) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend(mr.to_le_bytes());
    e.extend(ty.to_le_bytes());
    e.extend(1u32.to_le_bytes());
    e.extend(0x000Cu16.to_le_bytes());
    e.extend(digest);
    e.extend((data.len() as u32).to_le_bytes());
    e.extend(data);
    e
}

fn sha384(b: &[u8]) -> [u8; 48] {
    Sha384::digest(b).into()
}

/// RTMR = SHA-384(RTMR ‖ d) over `ds`, computed here independently of the core.
fn chain(ds: &[[u8; 48]]) -> [u8; 48] {
    ds.iter().fold(ZERO, |v, d| sha384(&[&v[..], &d[..]].concat()))
}

#[test]
fn the_real_trustee_ccel_parses_and_replays_to_the_manifest_values() {
    let Some(dir) = formats() else { return };
    let bytes = std::fs::read(dir.join("trustee/tdx-ccel/CCEL_data")).unwrap();
    let log = EventLog::parse(&bytes, "CCEL_data").unwrap();
    let want = fmt06(&dir);
    let events = want["events"].as_array().unwrap();
    assert_eq!(log.events.len(), events.len());
    assert_eq!(log.used_len, 9822);
    for (e, w) in log.events.iter().zip(events) {
        assert_eq!(e.mr as u64, w["mr_index"].as_u64().unwrap());
        assert_eq!(format!("0x{:x}", e.event_type), w["type"].as_str().unwrap());
        assert_eq!(e.data.len() as u64, w["size"].as_u64().unwrap());
        assert_eq!(hex::encode(e.digest(custodian_core::eventlog::ALG_SHA384).unwrap()), w["sha384"].as_str().unwrap());
    }
    for i in 0..4 {
        assert_eq!(hex::encode(custodian_core::tdx::ccel::replayed(&log, i as u32)), want["replayed"][format!("rtmr{i}")].as_str().unwrap(), "rtmr{i}");
    }
}

#[test]
fn the_real_ccel_with_a_quote_it_does_not_belong_to_fails_per_rtmr() {
    let Some(dir) = formats() else { return };
    let ccel = std::fs::read(dir.join("trustee/tdx-ccel/CCEL_data")).unwrap();
    let quote = std::fs::read(dir.join("../tdx/quotes/tdx_v4_50806f_trustee_debug.bin")).unwrap();
    let req: Request = serde_json::from_value(json!({
        "evidence": blob("quote.bin", &quote),
        "endorsements": [blob("CCEL_data", &ccel)],
        "reference_time": parse_rfc3339("2025-06-01T00:00:00Z").unwrap(),
    }))
    .unwrap();
    let a = run(&req).unwrap();
    let check = |id: &str| a.checks.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id}")).clone();
    let rtmr = |i: usize| a.claims[&format!("rtmr{i}")].as_str().unwrap().to_string();
    for i in 0..4 {
        let c = check(&format!("eventlog.rtmr{i}"));
        let zero_in_quote = rtmr(i) == hex::encode(ZERO);
        // RTMR2/3 replay to zero; they pass only where the quote's are zero too.
        if i >= 2 && zero_in_quote {
            assert_eq!(c.status, Status::Pass, "{c:?}");
        } else {
            assert_eq!(c.status, Status::Fail, "{c:?}");
            assert!(c.detail.contains(&rtmr(i)), "{}", c.detail);
        }
    }
    let d0 = check("eventlog.rtmr0").detail;
    assert!(d0.contains("2dc712306a963eadb894ad47dbaa17df44814151555aee11cbb843becca88950ffd079664902e6f22c66f7c8213543f4"), "{d0}");
    assert!(d0.contains("2 event(s)") && d0.contains("event 1"), "{d0}");
    assert_eq!(a.claims["eventlog"]["event_count"], 5);
    assert_eq!(a.claims["eventlog"]["events"][3]["event_type"], "EV_EFI_PLATFORM_FIRMWARE_BLOB2");
    assert_eq!(a.claims["eventlog"]["events"][3]["description"], "td_payload");
    assert_eq!(a.claims["eventlog"]["events"][1]["event_type"], "EV_SEPARATOR");
}

fn synthetic() -> (Vec<u8>, Vec<[u8; 48]>) {
    let sep = [0u8; 4];
    let var = {
        let mut v = vec![0x61u8; 16]; // GUID
        v.extend(10u64.to_le_bytes());
        v.extend(1u64.to_le_bytes());
        v.extend("SecureBoot".encode_utf16().flat_map(|u| u.to_le_bytes()));
        v.push(1);
        v
    };
    let cmdline = b"kernel_cmdline: /vmlinuz console=ttyS0".to_vec();
    let ds = [sha384(&var), sha384(&sep), sha384(b"kernel"), sha384(&cmdline), sha384(b"app")];
    let mut log = spec_id();
    log.extend(event(1, 0x8000_0001, &ds[0], &var));
    log.extend(event(1, 0x4, &ds[1], &sep));
    log.extend(event(2, 0x8000_0003, &ds[2], &[0u8; 32]));
    log.extend(event(0, 0x3, &[0x55; 48], b"no action")); // EV_NO_ACTION: never extended
    log.extend(event(2, 0xD, &ds[3], &cmdline));
    log.extend(event(4, 0x6, &ds[4], &[1, 0, 0, 0, 3, 0, 0, 0, b'a', b'p', b'p']));
    log.extend([0u8; 64]); // the rest of the CCEL area
    (log, ds.to_vec())
}

#[test]
fn a_synthetic_log_replays_to_independently_computed_chains_and_decodes_events() {
    let (bytes, ds) = synthetic();
    let log = EventLog::parse(&bytes, "ccel.bin").unwrap();
    assert_eq!(log.events.len(), 6);
    assert_eq!(custodian_core::tdx::ccel::replayed(&log, 0), chain(&ds[0..2]));
    assert_eq!(custodian_core::tdx::ccel::replayed(&log, 1), chain(&ds[2..4]));
    assert_eq!(custodian_core::tdx::ccel::replayed(&log, 2), ZERO);
    assert_eq!(custodian_core::tdx::ccel::replayed(&log, 3), chain(&ds[4..5]));
    let c = custodian_core::tdx::ccel::claims(&log);
    assert_eq!(c["events"][0]["event_type"], "EV_EFI_VARIABLE_DRIVER_CONFIG");
    assert!(c["events"][0]["description"].as_str().unwrap().contains("SecureBoot"), "{}", c["events"][0]);
    assert_eq!(c["events"][0]["data_sha384_matches"], true);
    assert_eq!(c["events"][2]["data_sha384_matches"], false);
    assert_eq!(c["events"][3]["event_type"], "EV_NO_ACTION");
    assert_eq!(c["events"][4]["description"], "kernel_cmdline: /vmlinuz console=ttyS0");
    assert_eq!(c["events"][5]["description"], "tag 0x1: app");
    assert_eq!(c["events"][5]["rtmr"], 3);
}

fn checks_against(log: &EventLog, rtmrs: [[u8; 48]; 4]) -> Vec<custodian_core::appraisal::Check> {
    let mut list = custodian_core::appraisal::Checklist::default();
    custodian_core::tdx::ccel::check_rtmrs(log, [&rtmrs[0], &rtmrs[1], &rtmrs[2], &rtmrs[3]], &mut list);
    list.into_checks()
}

#[test]
fn a_modified_or_added_event_names_the_rtmr_and_the_event() {
    let (bytes, ds) = synthetic();
    let good = [chain(&ds[0..2]), chain(&ds[2..4]), ZERO, chain(&ds[4..5])];
    let log = EventLog::parse(&bytes, "ccel.bin").unwrap();
    assert!(checks_against(&log, good).iter().all(|c| c.status == Status::Pass));

    // Event 5 (the cmdline, RTMR1) replaced by another digest: RTMR1 fails, the others pass.
    let mut tampered = bytes.clone();
    let at = tampered.windows(48).position(|w| w == ds[3]).unwrap();
    tampered[at] ^= 1;
    let log = EventLog::parse(&tampered, "ccel.bin").unwrap();
    let checks = checks_against(&log, good);
    let failed: Vec<_> = checks.iter().filter(|c| c.status == Status::Fail).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, "eventlog.rtmr1");
    assert!(failed[0].detail.contains("2 event(s)") && failed[0].detail.contains("event 3"), "{}", failed[0].detail);
    assert!(failed[0].detail.contains(&hex::encode(good[1])), "{}", failed[0].detail);

    // An event appended to RTMR0 that the quote does not include: the first extra event is named.
    let mut added = bytes[..bytes.len() - 64].to_vec();
    added.extend(event(1, 0xD, &sha384(b"late"), b"late"));
    let log = EventLog::parse(&added, "ccel.bin").unwrap();
    let checks = checks_against(&log, good);
    let c = checks.iter().find(|c| c.id == "eventlog.rtmr0").unwrap();
    assert_eq!(c.status, Status::Fail);
    assert!(c.detail.contains("up to event 2") && c.detail.contains("from event 7"), "{}", c.detail);
}

fn err(bytes: &[u8]) -> custodian_core::error::InputError {
    EventLog::parse(bytes, "hostile.bin").expect_err("must be refused")
}

#[test]
fn hostile_logs_are_input_errors_naming_file_and_event() {
    let (good, _) = synthetic();
    let body = &good[..good.len() - 64];
    // Truncated anywhere: an error (or, cut exactly between events, a shorter log), never a panic.
    for cut in 0..body.len() {
        match EventLog::parse(&body[..cut], "hostile.bin") {
            Ok(l) => assert!(l.events.len() < 6),
            Err(e) => assert_eq!(e.file, "hostile.bin"),
        }
    }
    let spec_len = spec_id().len();
    // Truncated inside event 2's data.
    let e = err(&body[..spec_len + 500]);
    assert!(e.field.starts_with("event "), "{e}");
    // A huge declared event size.
    let mut huge = spec_id();
    let mut ev = event(1, 0xD, &ZERO, b"x");
    let n = ev.len();
    ev[n - 5..n - 1].copy_from_slice(&u32::MAX.to_le_bytes());
    huge.extend(ev);
    let e = err(&huge);
    assert_eq!(e.field, "event 1.event_data", "{e}");
    assert!(e.message.contains("cut off"), "{e}");
    // Zero digests.
    let mut zero = spec_id();
    let mut ev = event(1, 0xD, &ZERO, b"x");
    ev[8..12].copy_from_slice(&0u32.to_le_bytes());
    zero.extend(ev);
    assert_eq!(err(&zero).field, "event 1.digest_count");
    // A huge digest count.
    let mut many = spec_id();
    let mut ev = event(1, 0xD, &ZERO, b"x");
    ev[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    many.extend(ev);
    assert_eq!(err(&many).field, "event 1.digest_count");
    // An algorithm the Spec ID event does not list.
    let mut alg = spec_id();
    let mut ev = event(1, 0xD, &ZERO, b"x");
    ev[12..14].copy_from_slice(&0x000Bu16.to_le_bytes());
    alg.extend(ev);
    assert_eq!(err(&alg).field, "event 1.digests[0].algorithm_id");
    // A Spec ID event with a huge algorithm count.
    let mut spec = spec_id();
    spec[32 + 24..32 + 28].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(err(&spec).field, "event 0.numberOfAlgorithms");
    // Too many events.
    let mut flood = spec_id();
    let one = event(3, 0x4, &ZERO, &[]);
    for _ in 0..=MAX_EVENTS {
        flood.extend(&one);
    }
    let e = err(&flood);
    assert_eq!(e.field, format!("event {}", MAX_EVENTS + 1));
    assert!(e.message.contains("65536"), "{e}");
    // Not an event log at all.
    assert_eq!(err(b"hello").field, "event 0");
}

#[test]
fn mutated_logs_never_panic() {
    // Deterministic mutation fuzz: flip, overwrite with extreme values, cut; parse, describe and check.
    let (good, _) = synthetic();
    let mut rng = common::Rng(0x5eed_cce1);
    for _ in 0..20_000 {
        let mut b = good.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(b.len());
            match rng.below(3) {
                0 => b[at] ^= 1 << rng.below(8),
                1 => b[at] = if rng.chance(50) { 0xFF } else { 0 },
                _ => {
                    let end = (at + 4).min(b.len());
                    b[at..end].fill(0xFF);
                }
            }
        }
        if rng.chance(20) {
            b.truncate(rng.below(b.len()));
        }
        if let Ok(log) = EventLog::parse(&b, "fuzz.bin") {
            let _ = custodian_core::tdx::ccel::claims(&log);
            let _ = checks_against(&log, [ZERO; 4]);
        }
    }
}
