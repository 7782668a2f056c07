//! A TPM event log beside an Azure vTPM quote: the firmware's PC Client log (on the guest,
//! `/sys/kernel/security/tpm0/binary_bios_measurements`), read by [`crate::eventlog`] and replayed to
//! the SHA-256 PCRs the quote attests ([`crate::vtpm`]), so a policy or a responder can see what was
//! booted, event by event, instead of 24 opaque hashes.
//!
//! Checks (each reported): `eventlog.pcrNN` for every PCR the log extends — pass when the replay
//! equals the attested value; fail naming the first event where it departs, or when the quote does
//! not attest that PCR — and `eventlog.pcrs_not_in_log` (skip) listing attested PCRs that hold a
//! value the log does not describe (extended after the firmware log: the OS, IMA, the HCL). Without
//! an attested PCR list (no quote, or its PCR digest failed) nothing is replayed and one skipped
//! check `eventlog.pcrs` says why. The claim `eventlog` lists the events (as for a CCEL, with `pcr`
//! and `sha256` keys).

use crate::appraisal::Checklist;
use crate::error::InputError;
use crate::eventlog::{EventLog, LogKind, Registers, Required, ALG_SHA256, EV_NO_ACTION};
use serde_json::{Map, Value};

/// PCR0..23 of the SHA-256 bank (PCR index i).
pub const PCRS: Registers = Registers { key: "pcr", index_name: "PCR index", alg: ALG_SHA256, count: 24, first_index: 0, log_name: "TPM event log", machine: "VM" };

/// Parses a TPM event log ([`EventLog::parse`], then [`require`]). Errors name `file` and the field.
pub fn parse(bytes: &[u8], file: &str) -> Result<EventLog, InputError> {
    require(EventLog::parse(bytes, file)?)
}

/// Requires a parsed log to be a TPM event log: SHA-256 (0x000B) listed with 32-byte digests, PCR
/// indices 0..23, not a CC event log. Errors name the log's file and the field.
pub fn require(log: EventLog) -> Result<EventLog, InputError> {
    let file = log.file.as_str();
    if log.kind() == LogKind::Ccel {
        return Err(InputError::new(file, "event log", "this is a TDX CC event log (SHA-384, MR indices 1..4 = RTMR0..3): it goes with a TD quote, not with an SEV-SNP report"));
    }
    if log.digest_size(ALG_SHA256) != Some(32) {
        return Err(InputError::new(file, "event 0.digestSizes", "the Spec ID event does not list SHA-256 (0x000B) with 32-byte digests: a vTPM quote attests the SHA-256 bank, so this log cannot be replayed against it"));
    }
    if let Some(e) = log.events.iter().find(|e| PCRS.of_index(e.mr).is_none()) {
        return Err(InputError::new(file, format!("event {}.pcr_index", e.index), format!("{}: a TPM has PCRs 0..23", e.mr)));
    }
    Ok(log)
}

/// Replays `log` against `attested` ((PCR index, SHA-256 value) the quote attests; `None` with the
/// reason when there is none) and inserts the claim `eventlog`. See the module doc for the checks.
pub fn check(log: &EventLog, attested: Result<&[(usize, Vec<u8>)], &str>, list: &mut Checklist, claims: &mut Map<String, Value>) {
    claims.insert("eventlog".into(), crate::eventlog::claims(log, &PCRS));
    let attested = match attested {
        Ok(a) => a,
        Err(why) => return list.skip("eventlog.pcrs", format!("{} is not replayed: {why}", log.file)),
    };
    let extended = |pcr: u32| log.events.iter().any(|e| e.mr == pcr && e.event_type != EV_NO_ACTION);
    for pcr in (0..PCRS.count).filter(|p| extended(*p)) {
        match attested.iter().find(|(i, _)| *i == pcr as usize) {
            Some((_, value)) => crate::eventlog::check_replay(log, &PCRS, pcr, value, list),
            None => list.fail(&format!("eventlog.pcr{pcr:02}"), format!("{} extends PCR{pcr}, but the vTPM quote does not attest PCR{pcr}: its events are not backed by the quote", log.file)),
        }
    }
    let undescribed: Vec<String> = attested
        .iter()
        .filter(|(i, v)| !extended(*i as u32) && v.iter().any(|b| *b != 0) && v.iter().any(|b| *b != 0xFF))
        .map(|(i, _)| i.to_string())
        .collect();
    if !undescribed.is_empty() {
        list.skip(
            "eventlog.pcrs_not_in_log",
            format!("PCR {} hold(s) a value {} has no event for (extended after the firmware log, e.g. by the OS or the HCL): not judged by the replay", undescribed.join(", "), log.file),
        );
    }
}

/// Policy `vtpm.event_digests` ([`crate::vtpm::PcrEventDigest`]): one check
/// `eventlog.policy.vtpm.event_digests[i]` per required digest ([`crate::eventlog::check_required`]),
/// against the PCRs the quote attests (`attested`; `None`: no quote or its PCR digest failed, so no
/// requirement can pass).
pub fn check_policy(log: Option<&EventLog>, required: &[crate::vtpm::PcrEventDigest], attested: Option<&[(usize, Vec<u8>)]>, list: &mut Checklist) {
    let reqs: Vec<Required> = required.iter().map(|r| Required { register: r.pcr.map(u32::from), event_type: r.event_type.as_deref(), description: r.description.as_deref(), digest: &r.sha256 }).collect();
    let quoted = |i: u32| attested.and_then(|a| a.iter().find(|(p, _)| *p == i as usize)).map(|(_, v)| v.clone());
    crate::eventlog::check_required(log, &PCRS, &reqs, &quoted, "eventlog.policy.vtpm.event_digests", list);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::appraisal::Status;
    use crate::eventlog::tests::log_bytes as bytes;

    #[test]
    fn a_pcr_the_log_extends_but_the_quote_does_not_attest_fails() {
        // Threat: events for a PCR outside the quote's selection look attested but are not.
        let l = parse(&bytes(ALG_SHA256, 32, &[(4, b"boot"), (9, b"kernel")]), "log.bin").unwrap();
        let pcrs: Vec<(usize, Vec<u8>)> = vec![(4, l.replayed(4, ALG_SHA256)), (10, vec![7; 32])];
        let mut list = Checklist::default();
        check(&l, Ok(&pcrs), &mut list, &mut Map::new());
        let got: Vec<(String, Status)> = list.into_checks().into_iter().map(|c| (c.id, c.status)).collect();
        assert_eq!(got, [("eventlog.pcr04".into(), Status::Pass), ("eventlog.pcr09".into(), Status::Fail), ("eventlog.pcrs_not_in_log".into(), Status::Skip)]);
    }

    #[test]
    fn pcr_indices_above_23_and_logs_without_sha256_are_input_errors_naming_the_field() {
        let e = parse(&bytes(ALG_SHA256, 32, &[(4, b"a"), (30, b"b")]), "log.bin").unwrap_err();
        assert_eq!((e.field.as_str(), e.message.as_str()), ("event 2.pcr_index", "30: a TPM has PCRs 0..23"));
        let e = parse(&bytes(0x0004, 20, &[(4, b"a")]), "sha1.bin").unwrap_err();
        assert_eq!(e.field, "event 0.digestSizes");
        assert!(e.message.contains("does not list SHA-256"), "{e}");
    }
}
