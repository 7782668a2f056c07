//! The TDX CC event log (CCEL) and its replay to RTMR0..3: the CCEL side of [`crate::eventlog`]
//! (which reads the bytes and replays).
//!
//! For TDX the CC MR index 1..4 is RTMR0..3 (index 0 is MRTD, measured by the TDX module and not
//! replayed; UEFI 2.11 §38.4.1, Trustee `deps/eventlog` `ReferenceMeasurement`), RTMR[i] =
//! SHA-384(RTMR[i] ‖ digest) from 48 zero bytes, over the SHA-384 (TPM_ALG_SHA384 = 0x000C) digest of
//! every event except EV_NO_ACTION.

use crate::appraisal::Checklist;
use crate::error::InputError;
pub use crate::eventlog::{describe, looks_like_event_log, type_name, Event, EventLog, ALG_SHA384, EV_NO_ACTION, MAX_EVENTS};
use crate::eventlog::{LogKind, Registers, Required};
use serde_json::Value;

/// RTMR0..3: MR index i + 1, SHA-384.
pub const RTMRS: Registers = Registers { key: "rtmr", index_name: "MR index", alg: ALG_SHA384, count: 4, first_index: 1, log_name: "CC event log", machine: "TD" };

/// Parses a CC event log ([`EventLog::parse`], then [`require`]). Errors name `file` and the field.
pub fn parse(bytes: &[u8], file: &str) -> Result<EventLog, InputError> {
    require(EventLog::parse(bytes, file)?)
}

/// Requires a parsed log to be a CC event log: SHA-384 (0x000C) listed with 48-byte digests and only
/// CC MR indices 0..4. Errors name the log's file and the field.
pub fn require(log: EventLog) -> Result<EventLog, InputError> {
    let file = log.file.as_str();
    if log.digest_size(ALG_SHA384) != Some(48) {
        return Err(InputError::new(file, "event 0.digestSizes", "the Spec ID event does not list SHA-384 (0x000C) with 48-byte digests: not a TDX CC event log"));
    }
    if log.kind() != LogKind::Ccel {
        let e = log.events.iter().find(|e| e.mr > 4).map(|e| (e.index, e.mr)).unwrap_or_default();
        return Err(InputError::new(file, format!("event {}.mr_index", e.0), format!("{}: a CC event log has MR indices 0..4 only; this is a TPM event log (PCR indices), which goes with an Azure vTPM quote", e.1)));
    }
    Ok(log)
}

/// The final replayed value of RTMR `rtmr` (0..3); 48 zero bytes when no event extends it.
pub fn replayed(log: &EventLog, rtmr: u32) -> Vec<u8> {
    log.replayed(rtmr + 1, ALG_SHA384)
}

/// The `eventlog` claim of a CCEL ([`crate::eventlog::claims`] with [`RTMRS`]).
pub fn claims(log: &EventLog) -> Value {
    crate::eventlog::claims(log, &RTMRS)
}

/// Checks `eventlog.rtmr0` … `eventlog.rtmr3`: the replay of the log against the quote's RTMRs
/// ([`crate::eventlog::check_replay`]).
pub fn check_rtmrs(log: &EventLog, quote_rtmrs: [&[u8]; 4], list: &mut Checklist) {
    for (i, quoted) in quote_rtmrs.iter().enumerate() {
        crate::eventlog::check_replay(log, &RTMRS, i as u32, quoted, list);
    }
}

/// Policy `tdx.event_digests` (see [`super::policy::EventDigest`]): one check
/// `eventlog.policy.event_digests[i]` per required digest ([`crate::eventlog::check_required`]).
/// `log` is the event log given with the quote; `quote_rtmrs` the quote's RTMR0..3.
pub fn check_policy(log: Option<&EventLog>, required: &[super::policy::EventDigest], quote_rtmrs: [&[u8]; 4], list: &mut Checklist) {
    let reqs: Vec<Required> = required.iter().map(|r| Required { register: r.rtmr.map(u32::from), event_type: r.event_type.as_deref(), description: r.description.as_deref(), digest: &r.sha384 }).collect();
    let quoted = |i: u32| quote_rtmrs.get(i as usize).map(|v| v.to_vec());
    crate::eventlog::check_required(log, &RTMRS, &reqs, &quoted, "eventlog.policy.event_digests", list);
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
        let e = parse(&t, "CCEL").unwrap_err();
        assert!(e.message.contains("ACPI CCEL table"), "{e}");
    }
}

