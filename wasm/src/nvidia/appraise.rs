//! Golden-measurement appraisal and the multi-device checks.
//!
//! Measurements (attestation-sdk `MeasurementComparator`, nvtrust `verifier/verifier.py`
//! `verify_measurements`): the golden set is the active Resources of the driver RIM ∪ the VBIOS RIM
//! (switch: the BIOS RIM); RIM index `i` is compared with SPDM block `i + 1`; a value matches when any
//! of the Resource's alternatives equals it (and the sizes agree). The same index active in both
//! RIMs is a conflict (`x-nvidia-gpu-vbios-index-no-conflict = false`). NVDEC0 rule (C++ only): with
//! NVDEC0_STATUS 0x55 (disabled) a mismatch at RIM index 35 is not a failure. Every failing index
//! yields a record `{index, source, rim, golden_values, golden_size, runtime_value, runtime_size}`
//! (C++ `x-nvidia-mismatch-measurement-records`). Every compared index, whatever its outcome, yields
//! a row of `measurement-comparison` (ours): the same fields plus `result` (`match`, `mismatch` or
//! `tolerated`) and, for a match, `alternative` (which `Hash<k>` matched).

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::policy::NvidiaPolicy;
use super::rim::Rim;
use super::spdm::Report;
use crate::appraisal::Checklist;

/// RIM index NVIDIA skips when NVDEC0 is disabled.
pub const NVDEC0_INDEX: u32 = 35;
const NVDEC0_DISABLED: u8 = 0x55;

/// Outcome of the measurement comparison.
#[derive(Debug, Clone)]
pub struct MeasurementResult {
    pub matched: usize,
    pub compared: usize,
    pub no_conflict: bool,
    pub success: bool,
    pub mismatches: Vec<Value>,
    /// One row per active golden value, in RIM order: the mismatch record's fields + `result`.
    pub comparison: Vec<Value>,
}

/// Compares `report` with the golden values of `rims` (role, RIM), pushing
/// `{id}.index_conflict`, `{id}` and, when applicable, `{id}.ignored`.
pub fn compare(report: &Report, rims: &[(&str, &Rim)], nvdec0: Option<u8>, policy: &NvidiaPolicy, id: &str, list: &mut Checklist) -> MeasurementResult {
    // Conflicts: the same index active in two RIMs.
    let mut seen: Vec<(u32, &str)> = Vec::new();
    let mut conflicts = Vec::new();
    for (role, rim) in rims {
        for r in rim.active() {
            if let Some((_, other)) = seen.iter().find(|(i, _)| *i == r.index) {
                conflicts.push(format!("index {} is active in both the {other} and the {role} RIM", r.index));
            }
            seen.push((r.index, role));
        }
    }
    let no_conflict = conflicts.is_empty();
    list.expect(&format!("{id}.index_conflict"), no_conflict, "no RIM index is active in more than one RIM", conflicts.join("; "));

    let mut matched = 0;
    let mut via_alternative = Vec::new();
    let mut mismatches = Vec::new();
    let mut tolerated = Vec::new();
    let mut comparison = Vec::new();
    let mut compared = 0;
    for (role, rim) in rims {
        for r in rim.active() {
            compared += 1;
            let block = u8::try_from(r.index + 1).ok().and_then(|i| report.block(i));
            let hit = block.and_then(|b| r.values.iter().position(|v| v.len() == r.size && b.value.len() == r.size && *v == b.value));
            let mut record = json!({
                "index": r.index, "source": role, "rim": rim.source,
                "golden_size": r.size, "golden_values": r.values.iter().map(hex::encode).collect::<Vec<_>>(),
                "runtime_size": block.map(|b| b.value.len()), "runtime_value": block.map(|b| hex::encode(&b.value)),
            });
            let result = match hit {
                Some(k) => {
                    matched += 1;
                    if k > 0 {
                        via_alternative.push(format!("{}#{k}", r.index));
                    }
                    record["alternative"] = json!(k);
                    "match"
                }
                None if r.index == NVDEC0_INDEX && nvdec0 == Some(NVDEC0_DISABLED) => {
                    tolerated.push("RIM index 35 differs but NVDEC0 is disabled (0x55), which NVIDIA's rule exempts".to_string());
                    "tolerated"
                }
                None if policy.ignore_measurement_indices.contains(&r.index) => {
                    tolerated.push(format!("RIM index {} ({role}) differs; ignored by policy nvidia.ignore_measurement_indices", r.index));
                    "tolerated"
                }
                None => {
                    mismatches.push(record.clone());
                    "mismatch"
                }
            };
            record["result"] = json!(result);
            comparison.push(record);
        }
    }
    let alt = if via_alternative.is_empty() { String::new() } else { format!("; alternatives used at RIM index#alternative {}", via_alternative.join(", ")) };
    let success = mismatches.is_empty() && no_conflict && compared > 0;
    if compared == 0 {
        list.fail(id, "the RIMs hold no active golden measurement: nothing was compared");
    } else if mismatches.is_empty() {
        list.pass(id, format!("{matched} of {compared} golden values match the SPDM measurements (RIM index i = SPDM block i+1){alt}"));
    } else {
        let which: Vec<String> = mismatches.iter().map(|m| format!("{} ({})", m["index"], m["source"].as_str().unwrap_or(""))).collect();
        list.fail(id, format!("{} of {compared} golden values do NOT match, at RIM indices {} (per-index records in x-nvidia-mismatch-measurement-records){alt}", mismatches.len(), which.join(", ")));
    }
    if !tolerated.is_empty() {
        list.warn(&format!("{id}.tolerated"), tolerated.join("; "));
    }
    MeasurementResult { matched, compared, no_conflict, success, mismatches, comparison }
}

/// What the topology check needs from one device.
#[derive(Debug, Clone)]
pub struct TopologyDevice {
    pub key: String,
    pub is_switch: bool,
    /// GPU: SWITCH_PDI entries; switch: its GPU PDIs.
    pub peer_pdis: Vec<[u8; 8]>,
    /// Switch: DEVICE_PDI.
    pub own_pdi: Option<[u8; 8]>,
}

/// The PPCIe topology (nvtrust `ppcie-verifier`): every GPU's SWITCH_PDIs cover the same set of
/// switches; each GPU entry, byte-reversed (LE u64), is a switch's DEVICE_PDI when the switches'
/// evidence is present; every switch lists the same GPU PDIs. Returns whether it holds; pushes
/// `topology.*` checks (failures become warnings unless `required`).
pub fn topology(devices: &[TopologyDevice], required: bool, list: &mut Checklist) -> bool {
    let gpus: Vec<&TopologyDevice> = devices.iter().filter(|d| !d.is_switch).collect();
    let switches: Vec<&TopologyDevice> = devices.iter().filter(|d| d.is_switch).collect();
    let report = |list: &mut Checklist, id: &str, ok: bool, pass: String, fail: String| {
        if ok {
            list.pass(id, pass)
        } else if required {
            list.fail(id, fail)
        } else {
            list.warn(id, format!("{fail} (informational: policy nvidia.require_ppcie is false)"))
        }
        ok
    };
    let mut ok = true;
    let gpu_sets: Vec<BTreeSet<[u8; 8]>> = gpus.iter().map(|g| g.peer_pdis.iter().copied().collect()).collect();
    if let Some(first) = gpu_sets.first() {
        let same = gpu_sets.iter().all(|s| s == first) && !first.is_empty();
        ok &= report(
            list,
            "topology.gpu_switch_pdis",
            same,
            format!("all {} GPUs list the same {} switches in their SWITCH_PDIs", gpus.len(), first.len()),
            format!("the GPUs' SWITCH_PDI sets differ or are empty: {}", gpus.iter().zip(&gpu_sets).map(|(g, s)| format!("{} {} switches", g.key, s.len())).collect::<Vec<_>>().join(", ")),
        );
        if !switches.is_empty() {
            let from_gpus: BTreeSet<[u8; 8]> = first.iter().map(|p| { let mut r = *p; r.reverse(); r }).collect();
            let present: BTreeSet<[u8; 8]> = switches.iter().filter_map(|s| s.own_pdi).collect();
            ok &= report(
                list,
                "topology.switches_present",
                from_gpus == present,
                format!("the {} switches the GPUs list (byte-reversed SWITCH_PDI) are exactly the {} switches in the evidence", from_gpus.len(), present.len()),
                format!(
                    "the GPUs list switches {} but the evidence holds switches {}",
                    from_gpus.iter().map(hex::encode).collect::<Vec<_>>().join(","),
                    present.iter().map(hex::encode).collect::<Vec<_>>().join(",")
                ),
            );
        }
    }
    let sw_sets: Vec<BTreeSet<[u8; 8]>> = switches.iter().map(|s| s.peer_pdis.iter().copied().collect()).collect();
    if let Some(first) = sw_sets.first() {
        let same = sw_sets.iter().all(|s| s == first) && !first.is_empty();
        let count_ok = gpus.is_empty() || first.len() == gpus.len();
        ok &= report(
            list,
            "topology.switch_gpu_pdis",
            same && count_ok,
            format!("all {} switches list the same {} GPU PDIs{}", switches.len(), first.len(), if gpus.is_empty() { String::new() } else { format!(", one per GPU in the evidence ({})", gpus.len()) }),
            format!(
                "the switches' GPU PDI sets differ or do not match the {} GPUs: {}",
                gpus.len(),
                switches.iter().zip(&sw_sets).map(|(s, set)| format!("{} {} GPUs", s.key, set.len())).collect::<Vec<_>>().join(", ")
            ),
        );
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appraisal::Status;
    use crate::nvidia::rim::{Resource, Xmldsig};

    /// A report whose SPDM block i (1..=40) holds 48 bytes of value i.
    fn report() -> Report {
        let n = 40u8;
        let mut r = vec![0x11, 0xE0, 0x01, 0xFF];
        r.extend([0u8; 33]);
        let len = 55 * n as usize;
        r.extend([0x11, 0x60, 0, 0, n, len as u8, (len >> 8) as u8, 0]);
        for i in 1..=n {
            r.extend([i, 1, 51, 0, 1, 48, 0]);
            r.extend([i; 48]);
        }
        r.extend([0u8; 32]);
        r.extend([0, 0]);
        r.extend([0u8; 96]);
        Report::parse(&r, "t").unwrap()
    }

    fn rim(source: &str, resources: &[(u32, &[u8])]) -> Rim {
        Rim {
            source: source.into(),
            service_id: None,
            tag_id: None,
            product: None,
            colloquial_version: None,
            firmware_manufacturer_id: None,
            resources: resources.iter().map(|(i, vals)| Resource { index: *i, active: true, size: 48, values: vals.iter().map(|v| vec![*v; 48]).collect() }).collect(),
            problems: vec![],
            certs: vec![],
            xmldsig: Xmldsig { digest: Ok(String::new()), signature: Ok(String::new()) },
        }
    }

    fn run(rims: &[(&str, &Rim)], nvdec0: Option<u8>, policy: &NvidiaPolicy) -> (MeasurementResult, Vec<(String, Status)>) {
        let mut list = Checklist::default();
        let m = compare(&report(), rims, nvdec0, policy, "m", &mut list);
        (m, list.into_checks().into_iter().map(|c| (c.id, c.status)).collect())
    }

    #[test]
    fn alternatives_match_and_index_i_is_block_i_plus_1() {
        let d = rim("d", &[(0, &[1]), (7, &[9, 8])]); // block 8 holds 8: the second alternative
        let (m, checks) = run(&[("driver", &d)], None, &NvidiaPolicy::default());
        assert!(m.success && m.matched == 2, "{checks:?}");
    }

    #[test]
    fn mismatch_records_conflicts_and_missing_blocks() {
        let d = rim("d.xml", &[(3, &[4]), (5, &[0])]);
        let v = rim("v.xml", &[(3, &[4]), (50, &[1])]); // index 3 in both; block 51 does not exist
        let (m, checks) = run(&[("driver", &d), ("vbios", &v)], None, &NvidiaPolicy::default());
        assert!(!m.success && !m.no_conflict);
        assert_eq!(checks, [("m.index_conflict".to_string(), Status::Fail), ("m".to_string(), Status::Fail)]);
        assert_eq!(m.mismatches.len(), 2);
        assert_eq!((m.mismatches[0]["index"].as_u64(), m.mismatches[0]["source"].as_str(), m.mismatches[0]["rim"].as_str()), (Some(5), Some("driver"), Some("d.xml")));
        assert_eq!(m.mismatches[0]["runtime_value"], hex::encode([6u8; 48]));
        assert!(m.mismatches[1]["runtime_value"].is_null());
    }

    #[test]
    fn nvdec0_rule_and_ignored_indices() {
        let d = rim("d", &[(35, &[0]), (7, &[0])]);
        let (m, _) = run(&[("driver", &d)], Some(0xAA), &NvidiaPolicy::default());
        assert_eq!(m.mismatches.len(), 2, "NVDEC0 enabled: index 35 counts");
        let (m, _) = run(&[("driver", &d)], Some(0x55), &NvidiaPolicy::default());
        assert_eq!(m.mismatches.len(), 1, "NVDEC0 disabled: index 35 exempt");
        let p = NvidiaPolicy { ignore_measurement_indices: vec![7], ..NvidiaPolicy::default() };
        let (m, checks) = run(&[("driver", &d)], Some(0x55), &p);
        assert!(m.success);
        assert_eq!(checks.last().unwrap(), &("m.tolerated".to_string(), Status::Warn));
    }

    fn dev(key: &str, is_switch: bool, peers: &[u8], own: Option<u8>) -> TopologyDevice {
        TopologyDevice { key: key.into(), is_switch, peer_pdis: peers.iter().map(|b| [*b; 8]).collect(), own_pdi: own.map(|b| [b; 8]) }
    }

    #[test]
    fn topology_agreement_and_disagreement() {
        let good = [dev("g0", false, &[1, 2, 1], None), dev("g1", false, &[2, 1], None), dev("s0", true, &[9, 8], Some(1)), dev("s1", true, &[8, 9], Some(2))];
        let mut list = Checklist::default();
        assert!(topology(&good, true, &mut list));
        let bad = [dev("g0", false, &[1, 2], None), dev("g1", false, &[1, 3], None)];
        let mut list = Checklist::default();
        assert!(!topology(&bad, false, &mut list));
        assert_eq!(list.into_checks()[0].status, crate::appraisal::Status::Warn);
    }
}
