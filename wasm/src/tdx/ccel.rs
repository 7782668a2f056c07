//! The TDX CC event log (CCEL) and its replay to RTMR0..3.
//!
//! Layout (TCG PC Client Platform Firmware Profile 1.06, crypto-agile log; UEFI 2.11 §38.4 for the CC
//! measurement registers): the first event is a `TCG_PCR_EVENT` (SHA-1 log form: PCR index u32, event
//! type u32, 20-byte digest, event size u32, data) whose data is the `TCG_EfiSpecIDEvent` beginning
//! "Spec ID Event03\0" and listing the digest algorithms with their sizes; then `TCG_PCR_EVENT2`
//! events: MR index u32, event type u32, digest count u32, per digest (algorithm id u16, digest of the
//! size the Spec ID event gives), event size u32, data. All little-endian. The log ends at the end of
//! the bytes or at an 8-byte marker of all zero or all 0xFF (the firmware's 1 MiB CCEL area is zero
//! after the last event), as Trustee's `deps/eventlog` reads it.
//!
//! Replay: for TDX the CC MR index 1..4 is RTMR0..3 (index 0 is MRTD, measured by the TDX module and
//! not replayed; UEFI 2.11 §38.4.1, Trustee `deps/eventlog` `ReferenceMeasurement`), RTMR[i] =
//! SHA-384(RTMR[i] ‖ digest) from 48 zero bytes, over the SHA-384 (TPM_ALG_SHA384 = 0x000C) digest of
//! every event except EV_NO_ACTION (which the TCG profile says is never extended).
//!
//! Bounded: one iterative pass, every length checked against the remaining bytes, at most
//! [`MAX_EVENTS`] events; errors name the file, the event index and the field. Pure: no I/O.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha384};

use crate::appraisal::Checklist;
use crate::error::InputError;

/// At most this many events are read; a longer log is refused as hostile.
pub const MAX_EVENTS: usize = 65_536;
/// TPM_ALG_SHA384.
pub const ALG_SHA384: u16 = 0x000C;
const SPEC_ID_SIGNATURE: &[u8; 16] = b"Spec ID Event03\0";
/// Offset of the first event's data: PCR index, type, SHA-1 digest, size.
const FIRST_DATA: usize = 4 + 4 + 20 + 4;
const EV_NO_ACTION: u32 = 0x3;

/// One event after the Spec ID event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// 1-based position in the log (the Spec ID event is 0).
    pub index: usize,
    /// CC measurement-register index (1..4 = RTMR0..3).
    pub mr: u32,
    pub event_type: u32,
    /// The SHA-384 digest, if the event carries one.
    pub sha384: Option<[u8; 48]>,
    pub data: Vec<u8>,
}

/// A parsed CC event log.
#[derive(Debug, Clone)]
pub struct EventLog {
    pub file: String,
    /// Algorithms and digest sizes from the Spec ID event.
    pub algorithms: Vec<(u16, u16)>,
    pub events: Vec<Event>,
    /// Bytes of the log up to the end marker (or the end of the input).
    pub used_len: usize,
}

/// Whether `bytes` begin like a crypto-agile event log: a first event of type EV_NO_ACTION whose
/// data starts with "Spec ID Event03\0".
pub fn looks_like_event_log(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(&EV_NO_ACTION.to_le_bytes()[..]) && bytes.get(FIRST_DATA..FIRST_DATA + 16) == Some(&SPEC_ID_SIGNATURE[..])
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
    file: &'a str,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &dyn Fn() -> String) -> Result<&'a [u8], InputError> {
        let left = self.b.len() - self.at;
        if n > left {
            return Err(InputError::new(self.file, field(), format!("needs {n} bytes at offset {} but only {left} remain: the event log is cut off", self.at)));
        }
        let s = &self.b[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u16(&mut self, field: &dyn Fn() -> String) -> Result<u16, InputError> {
        let s = self.take(2, field)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self, field: &dyn Fn() -> String) -> Result<u32, InputError> {
        let s = self.take(4, field)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
}

impl EventLog {
    /// Parses a raw CC event log (as Trustee's `cc_eventlog` base64 decodes to, or the CCEL area read
    /// from `/sys/firmware/acpi/tables/data/CCEL`). Errors name `file`, the event and the field.
    pub fn parse(bytes: &[u8], file: &str) -> Result<EventLog, InputError> {
        if bytes.starts_with(b"CCEL") && !looks_like_event_log(bytes) {
            return Err(InputError::new(file, "event log", "this is the ACPI CCEL table, which holds only the log area's address and length; pass the event log itself (the CCEL data)"));
        }
        if !looks_like_event_log(bytes) {
            return Err(InputError::new(file, "event 0", "not a crypto-agile event log: the first event is not an EV_NO_ACTION carrying \"Spec ID Event03\""));
        }
        let mut r = Reader { b: bytes, at: 0, file };
        r.take(8 + 20, &|| "event 0".into())?;
        let size = r.u32(&|| "event 0.event_size".into())? as usize;
        let spec = r.take(size, &|| "event 0.event_data (Spec ID event)".into())?;
        let algorithms = spec_id_algorithms(spec, file)?;
        let sizes = |alg: u16| algorithms.iter().find(|(a, _)| *a == alg).map(|(_, s)| *s as usize);
        if sizes(ALG_SHA384) != Some(48) {
            return Err(InputError::new(file, "event 0.digestSizes", "the Spec ID event does not list SHA-384 (0x000C) with 48-byte digests: not a TDX CC event log"));
        }
        let mut events = Vec::new();
        loop {
            let rest = &bytes[r.at..];
            if rest.is_empty() || (rest.len() >= 8 && (rest[..8] == [0; 8] || rest[..8] == [0xFF; 8])) {
                break;
            }
            let index = events.len() + 1;
            if index > MAX_EVENTS {
                return Err(InputError::new(file, format!("event {index}"), format!("more than {MAX_EVENTS} events: refused as hostile")));
            }
            let f = |field: &str| -> String { format!("event {index}.{field}") };
            let mr = r.u32(&|| f("mr_index"))?;
            let event_type = r.u32(&|| f("event_type"))?;
            let count = r.u32(&|| f("digest_count"))?;
            if count == 0 {
                return Err(InputError::new(file, f("digest_count"), "0: every event carries at least one digest"));
            }
            if count as usize > algorithms.len() {
                return Err(InputError::new(file, f("digest_count"), format!("{count} digests, but the Spec ID event lists {} algorithm(s)", algorithms.len())));
            }
            let mut sha384 = None;
            for d in 0..count as usize {
                let alg = r.u16(&|| f(&format!("digests[{d}].algorithm_id")))?;
                let size = sizes(alg).ok_or_else(|| InputError::new(file, f(&format!("digests[{d}].algorithm_id")), format!("algorithm 0x{alg:04x} is not listed in the Spec ID event")))?;
                let digest = r.take(size, &|| f(&format!("digests[{d}].digest")))?;
                if alg == ALG_SHA384 {
                    let mut h = [0u8; 48];
                    h.copy_from_slice(digest);
                    sha384 = Some(h);
                }
            }
            let size = r.u32(&|| f("event_size"))? as usize;
            let data = r.take(size, &|| f("event_data"))?.to_vec();
            events.push(Event { index, mr, event_type, sha384, data });
        }
        Ok(EventLog { file: file.to_string(), algorithms, events, used_len: r.at })
    }

    /// The replay of RTMR `rtmr` (0..3): every non-EV_NO_ACTION event with MR index `rtmr + 1`, as
    /// (event index, value after extending it). Events without a SHA-384 digest are skipped here
    /// (reported by [`check_rtmrs`]).
    pub fn replay(&self, rtmr: usize) -> Vec<(usize, [u8; 48])> {
        let mut value = [0u8; 48];
        let mut out = Vec::new();
        for e in self.events.iter().filter(|e| e.mr as usize == rtmr + 1 && e.event_type != EV_NO_ACTION) {
            if let Some(d) = &e.sha384 {
                let mut h = Sha384::new();
                h.update(value);
                h.update(d);
                value.copy_from_slice(&h.finalize());
                out.push((e.index, value));
            }
        }
        out
    }

    /// The final replayed value of RTMR `rtmr` (0..3); 48 zero bytes when no event extends it.
    pub fn replayed(&self, rtmr: usize) -> [u8; 48] {
        self.replay(rtmr).last().map(|(_, v)| *v).unwrap_or([0; 48])
    }
}

/// The algorithm list of a `TCG_EfiSpecIDEvent`: signature[16], platformClass u32, spec version
/// minor/major/errata u8×3, uintnSize u8, numberOfAlgorithms u32, {algorithmId u16, digestSize u16}…,
/// vendorInfoSize u8, vendorInfo.
fn spec_id_algorithms(spec: &[u8], file: &str) -> Result<Vec<(u16, u16)>, InputError> {
    let mut r = Reader { b: spec, at: 0, file };
    r.take(16 + 4 + 4, &|| "event 0.Spec ID header".into())?;
    let n = r.u32(&|| "event 0.numberOfAlgorithms".into())?;
    if n == 0 || n > 64 {
        return Err(InputError::new(file, "event 0.numberOfAlgorithms", format!("{n}: expected 1..64")));
    }
    let mut algs = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        let alg = r.u16(&|| format!("event 0.digestSizes[{i}].algorithmId"))?;
        let size = r.u16(&|| format!("event 0.digestSizes[{i}].digestSize"))?;
        if size == 0 || size > 64 {
            return Err(InputError::new(file, format!("event 0.digestSizes[{i}].digestSize"), format!("{size} bytes: expected 1..64")));
        }
        algs.push((alg, size));
    }
    let vendor = r.take(1, &|| "event 0.vendorInfoSize".into())?[0] as usize;
    r.take(vendor, &|| "event 0.vendorInfo".into())?;
    Ok(algs)
}

/// The TCG name of an event type (PC Client PFP 1.06 §10.4.1), or its hex value.
pub fn type_name(t: u32) -> String {
    let name = match t {
        0x0 => "EV_PREBOOT_CERT",
        0x1 => "EV_POST_CODE",
        0x2 => "EV_UNUSED",
        0x3 => "EV_NO_ACTION",
        0x4 => "EV_SEPARATOR",
        0x5 => "EV_ACTION",
        0x6 => "EV_EVENT_TAG",
        0x7 => "EV_S_CRTM_CONTENTS",
        0x8 => "EV_S_CRTM_VERSION",
        0x9 => "EV_CPU_MICROCODE",
        0xA => "EV_PLATFORM_CONFIG_FLAGS",
        0xB => "EV_TABLE_OF_DEVICES",
        0xC => "EV_COMPACT_HASH",
        0xD => "EV_IPL",
        0xE => "EV_IPL_PARTITION_DATA",
        0xF => "EV_NONHOST_CODE",
        0x10 => "EV_NONHOST_CONFIG",
        0x11 => "EV_NONHOST_INFO",
        0x12 => "EV_OMIT_BOOT_DEVICE_EVENTS",
        0x13 => "EV_POST_CODE2",
        0x8000_0001 => "EV_EFI_VARIABLE_DRIVER_CONFIG",
        0x8000_0002 => "EV_EFI_VARIABLE_BOOT",
        0x8000_0003 => "EV_EFI_BOOT_SERVICES_APPLICATION",
        0x8000_0004 => "EV_EFI_BOOT_SERVICES_DRIVER",
        0x8000_0005 => "EV_EFI_RUNTIME_SERVICES_DRIVER",
        0x8000_0006 => "EV_EFI_GPT_EVENT",
        0x8000_0007 => "EV_EFI_ACTION",
        0x8000_0008 => "EV_EFI_PLATFORM_FIRMWARE_BLOB",
        0x8000_0009 => "EV_EFI_HANDOFF_TABLES",
        0x8000_000A => "EV_EFI_PLATFORM_FIRMWARE_BLOB2",
        0x8000_000B => "EV_EFI_HANDOFF_TABLES2",
        0x8000_000C => "EV_EFI_VARIABLE_BOOT2",
        0x8000_000D => "EV_EFI_GPT_EVENT2",
        0x8000_0010 => "EV_EFI_HCRTM_EVENT",
        0x8000_00E0 => "EV_EFI_VARIABLE_AUTHORITY",
        0x8000_00E1 => "EV_EFI_SPDM_FIRMWARE_BLOB",
        0x8000_00E2 => "EV_EFI_SPDM_FIRMWARE_CONFIG",
        _ => return format!("0x{t:x}"),
    };
    name.to_string()
}

const MAX_DESCRIPTION: usize = 160;

fn printable(b: &[u8]) -> Option<String> {
    let s: String = b.iter().take_while(|c| **c != 0).map(|c| *c as char).collect();
    (s.len() >= 2 && s.chars().all(|c| c.is_ascii_graphic() || c == ' ' || c == '\t' || c == '\n')).then(|| {
        let s = s.replace(['\n', '\t'], " ");
        if s.len() > MAX_DESCRIPTION {
            format!("{}…", &s[..MAX_DESCRIPTION])
        } else {
            s
        }
    })
}

fn le64(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8).map(|s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
}

fn guid(b: &[u8]) -> String {
    let d1 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let d2 = u16::from_le_bytes([b[4], b[5]]);
    let d3 = u16::from_le_bytes([b[6], b[7]]);
    format!("{d1:08x}-{d2:04x}-{d3:04x}-{}-{}", hex::encode(&b[8..10]), hex::encode(&b[10..16]))
}

/// A short description of the event data where the type is standard and the decoding cheap; `None`
/// otherwise. The description is not bound to the digest (see `data_sha384_matches`).
pub fn describe(e: &Event) -> Option<String> {
    let d = &e.data;
    match e.event_type {
        // UEFI_VARIABLE_DATA: VariableName GUID, UnicodeNameLength u64, VariableDataLength u64, name (UTF-16), data.
        0x8000_0001 | 0x8000_0002 | 0x8000_000C | 0x8000_00E0 => {
            let chars = le64(d, 16)? as usize;
            let len = le64(d, 24)?;
            let name = d.get(32..32usize.checked_add(chars.checked_mul(2)?)?)?;
            let units: Vec<u16> = name.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            Some(format!("UEFI variable {} ({}), {len} bytes of data", String::from_utf16_lossy(&units), guid(d.get(..16)?)))
        }
        // UEFI_IMAGE_LOAD_EVENT: location, length, link-time address, device path length, device path.
        0x8000_0003 | 0x8000_0004 | 0x8000_0005 => Some(format!("UEFI image of {} bytes", le64(d, 8)?)),
        // UEFI_PLATFORM_FIRMWARE_BLOB2: description size u8, description, base u64, length u64.
        0x8000_000A | 0x8000_000B => {
            let n = *d.first()? as usize;
            printable(d.get(1..1 + n)?)
        }
        0x4 => Some(format!("separator 0x{}", hex::encode(d))),
        // TCG_PCClientTaggedEvent: taggedEventID u32, taggedEventDataSize u32, data.
        0x6 => {
            let id = u32::from_le_bytes(d.get(..4)?.try_into().ok()?);
            Some(match d.get(8..).and_then(printable) {
                Some(s) => format!("tag 0x{id:x}: {s}"),
                None => format!("tag 0x{id:x}"),
            })
        }
        _ => printable(d),
    }
}

/// The `eventlog` claim: where the log came from, its algorithms, the replayed RTMRs and every event.
pub fn claims(log: &EventLog) -> Value {
    let events: Vec<Value> = log
        .events
        .iter()
        .map(|e| {
            let mut m = Map::new();
            m.insert("index".into(), json!(e.index));
            m.insert("mr".into(), json!(e.mr));
            m.insert("rtmr".into(), json!((1..=4).contains(&e.mr).then(|| e.mr - 1)));
            m.insert("event_type".into(), json!(type_name(e.event_type)));
            m.insert("sha384".into(), json!(e.sha384.map(hex::encode)));
            m.insert("data_size".into(), json!(e.data.len()));
            m.insert("data_sha384_matches".into(), json!(e.sha384.map(|d| Sha384::digest(&e.data)[..] == d[..])));
            m.insert("description".into(), json!(describe(e)));
            Value::Object(m)
        })
        .collect();
    let replayed: Map<String, Value> = (0..4).map(|i| (format!("rtmr{i}"), json!(hex::encode(log.replayed(i))))).collect();
    json!({
        "file": log.file,
        "algorithms": log.algorithms.iter().map(|(a, s)| json!({"algorithm_id": format!("0x{a:04x}"), "digest_size": s})).collect::<Vec<_>>(),
        "event_count": log.events.len(),
        "replayed": replayed,
        "events": events,
    })
}

/// Checks `eventlog.rtmr0` … `eventlog.rtmr3`: the replay of the log against the quote's RTMRs.
/// A failing check gives the quote's value, the replayed value, the number of events for that RTMR
/// and where the replay departs: if the quote's value is the replay of a prefix, the first event the
/// quote does not include; otherwise the first event for that RTMR (from there on the replay never
/// reaches the quote's value: an event was changed, added or removed, or the log is another TD's).
pub fn check_rtmrs(log: &EventLog, quote_rtmrs: [&[u8]; 4], list: &mut Checklist) {
    let missing: Vec<usize> = log.events.iter().filter(|e| e.sha384.is_none() && e.event_type != EV_NO_ACTION).map(|e| e.index).collect();
    let ignored = log.events.iter().filter(|e| e.mr == 0 || e.mr > 4).filter(|e| e.event_type != EV_NO_ACTION).count();
    for (i, quoted) in quote_rtmrs.iter().enumerate() {
        let steps = log.replay(i);
        let value = steps.last().map(|(_, v)| *v).unwrap_or([0; 48]);
        let id = format!("eventlog.rtmr{i}");
        let n = steps.len();
        if value[..] == quoted[..] {
            let extra = if ignored > 0 { format!("; {ignored} event(s) with MR index 0 or above 4 are not replayed") } else { String::new() };
            list.pass(&id, format!("the replay of {n} event(s) of {} with MR index {} gives the quote's RTMR{i} {}{extra}", log.file, i + 1, hex::encode(value)));
            continue;
        }
        let from_start = [0u8; 48][..] == quoted[..];
        let prefix = steps.iter().position(|(_, v)| v[..] == quoted[..]);
        let place = match (n, prefix) {
            (0, _) => "the log has no event for it".to_string(),
            (_, Some(k)) => format!("the quote's value is the replay up to event {}; from event {} on the log has events the RTMR does not", steps[k].0, steps[k + 1].0),
            _ if from_start => format!("the quote's RTMR{i} is all zero: nothing was extended, yet the log's event {} extends it", steps[0].0),
            _ => format!("the replay diverges from event {} (the first with MR index {}) on: no prefix of the log reaches the quote's value", steps[0].0, i + 1),
        };
        let no_digest = if missing.is_empty() { String::new() } else { format!("; event(s) {:?} carry no SHA-384 digest and were not replayed", missing) };
        list.fail(
            &id,
            format!("RTMR{i} in the quote is {} but the replay of {n} event(s) of {} with MR index {} gives {}: {place}{no_digest}", hex::encode(quoted), log.file, i + 1, hex::encode(value)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        assert_eq!(type_name(3), "EV_NO_ACTION");
        assert_eq!(type_name(0x8000_0001), "EV_EFI_VARIABLE_DRIVER_CONFIG");
        assert_eq!(type_name(0x1234), "0x1234");
    }

    #[test]
    fn acpi_table_is_named() {
        let mut t = b"CCEL".to_vec();
        t.resize(56, 0);
        let e = EventLog::parse(&t, "CCEL").unwrap_err();
        assert!(e.message.contains("ACPI CCEL table"), "{e}");
    }
}

/// Policy `tdx.event_digests` (see [`super::policy::EventDigest`]): one check
/// `eventlog.policy.event_digests[i]` per required digest. `log` is the event log given with the
/// quote (none: every requirement fails, saying so); `quote_rtmrs` the quote's RTMR0..3, so a digest
/// counts only when its RTMR's replay reaches the quote's value (otherwise the log does not describe
/// what this TD measured).
pub fn check_policy(log: Option<&EventLog>, required: &[super::policy::EventDigest], quote_rtmrs: [&[u8]; 4], list: &mut Checklist) {
    for (i, req) in required.iter().enumerate() {
        let id = format!("eventlog.policy.event_digests[{i}]");
        let what = [
            req.rtmr.map(|r| format!("RTMR{r}")),
            req.event_type.clone(),
            req.description.as_ref().map(|d| format!("description containing \"{d}\"")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
        let want = req.sha384.to_ascii_lowercase();
        let Some(log) = log else {
            list.fail(&id, format!("policy requires an event ({what}) with SHA-384 {want}, but no CC event log was supplied with the quote"));
            continue;
        };
        let selected: Vec<&Event> = log
            .events
            .iter()
            .filter(|e| e.event_type != EV_NO_ACTION && (1..=4).contains(&e.mr))
            .filter(|e| req.rtmr.is_none_or(|r| e.mr == u32::from(r) + 1))
            .filter(|e| req.event_type.as_deref().is_none_or(|t| type_name(e.event_type).eq_ignore_ascii_case(t)))
            .filter(|e| req.description.as_deref().is_none_or(|d| describe(e).is_some_and(|s| s.contains(d))))
            .collect();
        if selected.is_empty() {
            list.fail(&id, format!("no event of {} matches ({what}); the policy requires one with SHA-384 {want}", log.file));
            continue;
        }
        let Some(hit) = selected.iter().find(|e| e.sha384.map(hex::encode).as_deref() == Some(want.as_str())) else {
            let seen: Vec<String> = selected.iter().take(4).map(|e| format!("event {} {}", e.index, e.sha384.map(hex::encode).unwrap_or_else(|| "(no SHA-384)".into()))).collect();
            list.fail(&id, format!("no event ({what}) carries SHA-384 {want}: {} of {} match{}: {}", selected.len(), log.file, if selected.len() == 1 { "es" } else { "" }, seen.join(", ")));
            continue;
        };
        let rtmr = hit.mr as usize - 1;
        if log.replayed(rtmr)[..] != quote_rtmrs[rtmr][..] {
            list.fail(&id, format!("event {} ({what}) carries SHA-384 {want}, but the log's replay of RTMR{rtmr} is not the quote's: the log does not describe what this TD measured", hit.index));
            continue;
        }
        list.pass(&id, format!("event {} ({}, RTMR{rtmr}) carries SHA-384 {want}, and RTMR{rtmr}'s replay equals the quote's", hit.index, type_name(hit.event_type)));
    }
}
