//! TCG crypto-agile event logs: the one reader of their bytes, the replay of a measurement register,
//! the check of a replay against the values a quote attests, and the `eventlog` claim. Two kinds use
//! it: the TDX CC event log (CCEL, replayed to RTMR0..3 with SHA-384: [`crate::tdx::ccel`]) and a
//! TPM event log (PC Client firmware log, e.g. Azure's vTPM `binary_bios_measurements`, replayed to
//! PCR0..23 with SHA-256: [`crate::vtpm_log`]).
//!
//! Layout (TCG PC Client Platform Firmware Profile 1.06 §10.2–10.4): the first event is a
//! `TCG_PCR_EVENT` (SHA-1 log form: PCR index u32, event type u32, 20-byte digest, event size u32,
//! data) whose data is the `TCG_EfiSpecIDEvent` beginning "Spec ID Event03\0" and listing the digest
//! algorithms with their sizes; then `TCG_PCR_EVENT2` events: register index u32 (PCR index, or the
//! CC MR index in a CCEL), event type u32, digest count u32, per digest (algorithm id u16, digest of
//! the size the Spec ID event gives), event size u32, data. All little-endian. The log ends at the end
//! of the bytes or at an 8-byte marker of all zero or all 0xFF (the firmware's CCEL area is zero
//! after the last event), as Trustee's `deps/eventlog` reads it.
//!
//! Replay: register = H(register ‖ digest) from its reset value, over the digest of the bank's
//! algorithm of every event for that register except EV_NO_ACTION (which the profile says is never
//! extended). The reset value is all zero, except PCR0 when the log carries a StartupLocality
//! EV_NO_ACTION event (PFP §10.4.5.3: the locality in the last byte).
//!
//! Bounded: one iterative pass, every length checked against the remaining bytes, at most
//! [`MAX_EVENTS`] events; errors name the file, the event index and the field. Pure: no I/O.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256, Sha384};

use crate::appraisal::Checklist;
use crate::error::InputError;

/// At most this many events are read; a longer log is refused as hostile.
pub const MAX_EVENTS: usize = 65_536;
/// TPM_ALG_SHA256 and TPM_ALG_SHA384 (TCG Algorithm Registry).
pub const ALG_SHA256: u16 = 0x000B;
pub const ALG_SHA384: u16 = 0x000C;
const SPEC_ID_SIGNATURE: &[u8; 16] = b"Spec ID Event03\0";
const STARTUP_LOCALITY: &[u8; 16] = b"StartupLocality\0";
/// Offset of the first event's data: PCR index, type, SHA-1 digest, size.
const FIRST_DATA: usize = 4 + 4 + 20 + 4;
pub const EV_NO_ACTION: u32 = 0x3;

/// One event after the Spec ID event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// 1-based position in the log (the Spec ID event is 0).
    pub index: usize,
    /// The register the event extends as logged: the PCR index (TPM log) or the CC MR index (CCEL:
    /// 1..4 = RTMR0..3).
    pub mr: u32,
    pub event_type: u32,
    /// Every digest the event carries: (TPM_ALG_ID, digest bytes).
    pub digests: Vec<(u16, Vec<u8>)>,
    pub data: Vec<u8>,
}

impl Event {
    /// The digest of algorithm `alg` (raw bytes), if the event carries one.
    pub fn digest(&self, alg: u16) -> Option<&[u8]> {
        self.digests.iter().find(|(a, _)| *a == alg).map(|(_, d)| d.as_slice())
    }
}

/// A parsed crypto-agile event log.
#[derive(Debug, Clone)]
pub struct EventLog {
    pub file: String,
    /// (TPM_ALG_ID, digest size in bytes) from the Spec ID event.
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

/// What a log is for, from its content: a TDX CC event log (its Spec ID event lists SHA-384 and every
/// event's register index is a CC MR index 0..4) or a TPM event log (anything else: PCR indices up to
/// 23, a SHA-256 bank). Both TDVF's CCEL and a PC Client TPM log qualify by this rule as written by
/// their firmware; the rule lives here only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Ccel,
    Tpm,
}

impl EventLog {
    /// The kind of log this is ([`LogKind`]).
    pub fn kind(&self) -> LogKind {
        let sha384 = self.algorithms.iter().any(|(a, _)| *a == ALG_SHA384);
        if sha384 && self.events.iter().all(|e| e.mr <= 4) {
            LogKind::Ccel
        } else {
            LogKind::Tpm
        }
    }

    /// The digest size (bytes) the Spec ID event gives algorithm `alg`.
    pub fn digest_size(&self, alg: u16) -> Option<usize> {
        self.algorithms.iter().find(|(a, _)| *a == alg).map(|(_, s)| *s as usize)
    }

    /// Parses a raw crypto-agile event log (a CCEL as Trustee's `cc_eventlog` base64 decodes to or
    /// `/sys/firmware/acpi/tables/data/CCEL` holds; a TPM log as
    /// `/sys/kernel/security/tpm0/binary_bios_measurements` holds). Errors name `file`, the event and
    /// the field.
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
            let mut digests = Vec::with_capacity(count as usize);
            for d in 0..count as usize {
                let alg = r.u16(&|| f(&format!("digests[{d}].algorithm_id")))?;
                let size = sizes(alg).ok_or_else(|| InputError::new(file, f(&format!("digests[{d}].algorithm_id")), format!("algorithm 0x{alg:04x} is not listed in the Spec ID event")))?;
                digests.push((alg, r.take(size, &|| f(&format!("digests[{d}].digest")))?.to_vec()));
            }
            let size = r.u32(&|| f("event_size"))? as usize;
            let data = r.take(size, &|| f("event_data"))?.to_vec();
            events.push(Event { index, mr, event_type, digests, data });
        }
        Ok(EventLog { file: file.to_string(), algorithms, events, used_len: r.at })
    }

    /// The reset value of register `mr` in the bank of `alg` (`size` bytes): zero, except PCR0 of a
    /// TPM log that records its StartupLocality (PFP §10.4.5.3: locality in the last byte).
    fn reset_value(&self, mr: u32, size: usize) -> Vec<u8> {
        let mut v = vec![0u8; size];
        if mr == 0 && self.kind() == LogKind::Tpm {
            let locality = self.events.iter().find(|e| e.mr == 0 && e.event_type == EV_NO_ACTION && e.data.len() == 17 && e.data.starts_with(STARTUP_LOCALITY));
            if let (Some(e), Some(last)) = (locality, v.last_mut()) {
                *last = e.data[16];
            }
        }
        v
    }

    /// The replay of register `mr` (the log's index) in the bank of `alg` (SHA-256 or SHA-384; any
    /// other algorithm gives no steps): every non-EV_NO_ACTION event for it, as (event index, value
    /// after extending it). Events without a digest of `alg` are skipped here (reported by
    /// [`check_replay`]).
    pub fn replay(&self, mr: u32, alg: u16) -> Vec<(usize, Vec<u8>)> {
        let extend: fn(&[u8], &[u8]) -> Vec<u8> = match alg {
            ALG_SHA256 => |v, d| Sha256::new().chain_update(v).chain_update(d).finalize().to_vec(),
            ALG_SHA384 => |v, d| Sha384::new().chain_update(v).chain_update(d).finalize().to_vec(),
            _ => return Vec::new(),
        };
        let mut value = self.reset_value(mr, if alg == ALG_SHA256 { 32 } else { 48 });
        let mut out = Vec::new();
        for e in self.events.iter().filter(|e| e.mr == mr && e.event_type != EV_NO_ACTION) {
            if let Some(d) = e.digest(alg) {
                value = extend(&value, d);
                out.push((e.index, value.clone()));
            }
        }
        out
    }

    /// The final replayed value of register `mr` in the bank of `alg`; its reset value when no event
    /// extends it.
    pub fn replayed(&self, mr: u32, alg: u16) -> Vec<u8> {
        match self.replay(mr, alg).pop() {
            Some((_, v)) => v,
            None => self.reset_value(mr, if alg == ALG_SHA256 { 32 } else { 48 }),
        }
    }
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


/// How a log's registers are named and replayed for one kind of quote: CCEL → RTMR0..3 (MR index
/// i + 1, SHA-384); TPM log → PCR0..23 (PCR index i, SHA-256).
#[derive(Debug, Clone, Copy)]
pub struct Registers {
    /// The claim/check name of a register: "rtmr" or "pcr".
    pub key: &'static str,
    /// How messages name the log's index: "MR index" or "PCR index".
    pub index_name: &'static str,
    /// The bank replayed (TPM_ALG_ID).
    pub alg: u16,
    /// How many registers the quote has.
    pub count: u32,
    /// The log's register index of register i.
    pub first_index: u32,
    /// What the log is called in messages ("CC event log") and what it measures ("TD", "VM").
    pub log_name: &'static str,
    pub machine: &'static str,
}

impl Registers {
    fn label(&self, i: u32) -> String {
        format!("{}{i}", self.key.to_ascii_uppercase())
    }
    /// The claim key of register i: "rtmr0", or two digits where there are more than ten ("pcr07", as
    /// Trustee's `tpm.pcr07`). Its check id is `eventlog.<name>`.
    fn name(&self, i: u32) -> String {
        if self.count > 10 {
            format!("{}{i:02}", self.key)
        } else {
            format!("{}{i}", self.key)
        }
    }
    fn alg_name(&self) -> &'static str {
        if self.alg == ALG_SHA256 {
            "sha256"
        } else {
            "sha384"
        }
    }
    /// "SHA-256" / "SHA-384".
    fn alg_label(&self) -> String {
        self.alg_name().to_ascii_uppercase().replace("SHA", "SHA-")
    }
    /// Register i of the log's register index `mr`, if it is one of these registers.
    pub fn of_index(&self, mr: u32) -> Option<u32> {
        mr.checked_sub(self.first_index).filter(|i| *i < self.count)
    }
}

/// The `eventlog` claim: where the log came from, its algorithms, the replayed registers and every
/// event (index, log register index, register, type, digest of the bank, whether the data hashes to
/// it, description).
pub fn claims(log: &EventLog, regs: &Registers) -> Value {
    let bank = regs.alg_name();
    let events: Vec<Value> = log
        .events
        .iter()
        .map(|e| {
            let digest = e.digest(regs.alg);
            let data_hash = match regs.alg {
                ALG_SHA256 => Sha256::digest(&e.data).to_vec(),
                _ => Sha384::digest(&e.data).to_vec(),
            };
            let mut m = Map::new();
            m.insert("index".into(), json!(e.index));
            m.insert("mr".into(), json!(e.mr));
            m.insert(regs.key.into(), json!(regs.of_index(e.mr)));
            m.insert("event_type".into(), json!(type_name(e.event_type)));
            m.insert(bank.into(), json!(digest.map(hex::encode)));
            m.insert("data_size".into(), json!(e.data.len()));
            m.insert(format!("data_{bank}_matches"), json!(digest.map(|d| data_hash[..] == d[..])));
            m.insert("description".into(), json!(describe(e)));
            Value::Object(m)
        })
        .collect();
    let replayed: Map<String, Value> = (0..regs.count)
        .filter(|i| regs.count <= 10 || log.events.iter().any(|e| e.mr == regs.first_index + i && e.event_type != EV_NO_ACTION))
        .map(|i| (regs.name(i), json!(hex::encode(log.replayed(regs.first_index + i, regs.alg)))))
        .collect();
    json!({
        "file": log.file,
        "kind": match log.kind() { LogKind::Ccel => "CC event log", LogKind::Tpm => "TPM event log" },
        "algorithms": log.algorithms.iter().map(|(a, s)| json!({"algorithm_id": format!("0x{a:04x}"), "digest_size": s})).collect::<Vec<_>>(),
        "event_count": log.events.len(),
        "replayed": replayed,
        "events": events,
    })
}

/// Checks register `i` of `regs`: the replay of the log against `quoted` (the quote's value, raw
/// bytes). Check id `eventlog.rtmr<i>` / `eventlog.pcr<ii>`. A failing check gives the quote's value,
/// the replayed value, the number of events for that register and where the replay departs: if the
/// quote's value is the replay of a prefix, the first event the quote does not include; otherwise the
/// first event for that register (from there on the replay never reaches the quote's value: an event
/// was changed, added or removed, or the log is another machine's).
pub fn check_replay(log: &EventLog, regs: &Registers, i: u32, quoted: &[u8], list: &mut Checklist) {
    let mr = regs.first_index + i;
    let label = regs.label(i);
    let steps = log.replay(mr, regs.alg);
    let reset = log.reset_value(mr, quoted.len());
    let value = steps.last().map(|(_, v)| v.clone()).unwrap_or_else(|| reset.clone());
    let id = format!("eventlog.{}", regs.name(i));
    let n = steps.len();
    let of = format!("{n} event(s) of {} with {} {mr}", log.file, regs.index_name);
    if value[..] == quoted[..] {
        let ignored = log.events.iter().filter(|e| regs.of_index(e.mr).is_none() && e.event_type != EV_NO_ACTION).count();
        let extra = if ignored > 0 { format!("; {ignored} event(s) with a {} outside the quote's registers are not replayed", regs.index_name) } else { String::new() };
        list.pass(&id, format!("the replay of {of} gives the quote's {label} {}{extra}", hex::encode(&value)));
        return;
    }
    let prefix = steps.iter().position(|(_, v)| v[..] == quoted[..]);
    let place = match (n, prefix) {
        (0, _) => "the log has no event for it".to_string(),
        (_, Some(k)) => format!("the quote's value is the replay up to event {}; from event {} on the log has events the {} does not", steps[k].0, steps[k + 1].0, regs.key.to_ascii_uppercase()),
        _ if reset[..] == quoted[..] => format!("the quote's {label} is its reset value: nothing was extended, yet the log's event {} extends it", steps[0].0),
        _ => format!("the replay diverges from event {} (the first with {} {mr}) on: no prefix of the log reaches the quote's value", steps[0].0, regs.index_name),
    };
    let missing: Vec<usize> = log.events.iter().filter(|e| e.mr == mr && e.digest(regs.alg).is_none() && e.event_type != EV_NO_ACTION).map(|e| e.index).collect();
    let no_digest = if missing.is_empty() { String::new() } else { format!("; event(s) {missing:?} carry no {} digest and were not replayed", regs.alg_label()) };
    list.fail(&id, format!("{label} in the quote is {} but the replay of {of} gives {}: {place}{no_digest}", hex::encode(quoted), hex::encode(&value)));
}

/// One required event digest of a policy (`tdx.event_digests`, `vtpm.event_digests`), selectors
/// already validated: the register (RTMR or PCR number), the TCG type name, a substring of the
/// decoded description (at least one given), and the hex digest of the bank one selected event must
/// carry.
#[derive(Debug, Clone, Copy)]
pub struct Required<'a> {
    pub register: Option<u32>,
    pub event_type: Option<&'a str>,
    pub description: Option<&'a str>,
    pub digest: &'a str,
}

/// One check `<id_prefix>[i]` per requirement: some event the selectors pick carries the digest, and
/// its register's replay equals the quote's value (`quoted(i)`, raw bytes; `None` when the quote does
/// not attest register i) — otherwise the log does not describe what this machine measured. Without
/// a log every requirement fails, saying so.
pub fn check_required(log: Option<&EventLog>, regs: &Registers, reqs: &[Required], quoted: &dyn Fn(u32) -> Option<Vec<u8>>, id_prefix: &str, list: &mut Checklist) {
    let (label, alg) = (regs.key.to_ascii_uppercase(), regs.alg_label());
    for (i, req) in reqs.iter().enumerate() {
        let id = format!("{id_prefix}[{i}]");
        let what = [req.register.map(|r| format!("{label}{r}")), req.event_type.map(str::to_string), req.description.map(|d| format!("description containing \"{d}\""))]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        let want = req.digest.to_ascii_lowercase();
        let Some(log) = log else {
            list.fail(&id, format!("policy requires an event ({what}) with {alg} {want}, but no {} was supplied with the quote", regs.log_name));
            continue;
        };
        let selected: Vec<&Event> = log
            .events
            .iter()
            .filter(|e| e.event_type != EV_NO_ACTION && regs.of_index(e.mr).is_some())
            .filter(|e| req.register.is_none_or(|r| regs.of_index(e.mr) == Some(r)))
            .filter(|e| req.event_type.is_none_or(|t| type_name(e.event_type).eq_ignore_ascii_case(t)))
            .filter(|e| req.description.is_none_or(|d| describe(e).is_some_and(|s| s.contains(d))))
            .collect();
        if selected.is_empty() {
            list.fail(&id, format!("no event of {} matches ({what}); the policy requires one with {alg} {want}", log.file));
            continue;
        }
        let Some(hit) = selected.iter().find(|e| e.digest(regs.alg).map(hex::encode).as_deref() == Some(want.as_str())) else {
            let seen: Vec<String> = selected.iter().take(4).map(|e| format!("event {} {}", e.index, e.digest(regs.alg).map(hex::encode).unwrap_or_else(|| format!("(no {alg})")))).collect();
            list.fail(&id, format!("no event ({what}) carries {alg} {want}: {} of {} match{}: {}", selected.len(), log.file, if selected.len() == 1 { "es" } else { "" }, seen.join(", ")));
            continue;
        };
        let r = regs.of_index(hit.mr).unwrap_or_default();
        if quoted(r).is_none_or(|q| log.replayed(hit.mr, regs.alg) != q) {
            list.fail(&id, format!("event {} ({what}) carries {alg} {want}, but the log's replay of {label}{r} is not the quote's: the log does not describe what this {} measured", hit.index, regs.machine));
            continue;
        }
        list.pass(&id, format!("event {} ({}, {label}{r}) carries {alg} {want}, and {label}{r}'s replay equals the quote's", hit.index, type_name(hit.event_type)));
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Log bytes with one bank (`alg`, `size`-byte digests) and one EV_IPL event per (PCR, data).
    pub fn log_bytes(alg: u16, size: usize, events: &[(u32, &[u8])]) -> Vec<u8> {
        let spec: Vec<u8> = [&b"Spec ID Event03\0"[..], &0u32.to_le_bytes(), &[0, 2, 0, 2], &1u32.to_le_bytes(), &alg.to_le_bytes(), &(size as u16).to_le_bytes(), &[0]].concat();
        let mut b = [&0u32.to_le_bytes()[..], &3u32.to_le_bytes(), &[0; 20], &(spec.len() as u32).to_le_bytes(), &spec].concat();
        for (pcr, data) in events {
            let full = if size == 48 { Sha384::digest(data).to_vec() } else { Sha256::digest(data).to_vec() };
            let digest = &full[..size.min(full.len())];
            b.extend([&pcr.to_le_bytes()[..], &0xDu32.to_le_bytes(), &1u32.to_le_bytes(), &alg.to_le_bytes(), digest, &(data.len() as u32).to_le_bytes(), data].concat());
        }
        b
    }
}
