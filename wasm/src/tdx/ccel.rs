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
use crate::eventlog::{LogKind, Registers};
use serde_json::Value;

/// RTMR0..3: MR index i + 1, SHA-384.
pub const RTMRS: Registers = Registers { key: "rtmr", index_name: "MR index", alg: ALG_SHA384, count: 4, first_index: 1 };

/// Parses a CC event log ([`EventLog::parse`]) and requires it to be one: SHA-384 (0x000C) listed with
/// 48-byte digests and only CC MR indices 0..4. Errors name `file` and the field.
pub fn parse(bytes: &[u8], file: &str) -> Result<EventLog, InputError> {
    let log = EventLog::parse(bytes, file)?;
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
        let Some(hit) = selected.iter().find(|e| e.digest(ALG_SHA384).map(hex::encode).as_deref() == Some(want.as_str())) else {
            let seen: Vec<String> = selected.iter().take(4).map(|e| format!("event {} {}", e.index, e.digest(ALG_SHA384).map(hex::encode).unwrap_or_else(|| "(no SHA-384)".into()))).collect();
            list.fail(&id, format!("no event ({what}) carries SHA-384 {want}: {} of {} match{}: {}", selected.len(), log.file, if selected.len() == 1 { "es" } else { "" }, seen.join(", ")));
            continue;
        };
        let rtmr = hit.mr as usize - 1;
        if replayed(log, rtmr as u32)[..] != quote_rtmrs[rtmr][..] {
            list.fail(&id, format!("event {} ({what}) carries SHA-384 {want}, but the log's replay of RTMR{rtmr} is not the quote's: the log does not describe what this TD measured", hit.index));
            continue;
        }
        list.pass(&id, format!("event {} ({}, RTMR{rtmr}) carries SHA-384 {want}, and RTMR{rtmr}'s replay equals the quote's", hit.index, type_name(hit.event_type)));
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
        let e = parse(&t, "CCEL").unwrap_err();
        assert!(e.message.contains("ACPI CCEL table"), "{e}");
    }
}

