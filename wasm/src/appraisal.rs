//! The appraisal: every check on its own line, the decoded claims, and the verdict.
//!
//! Vocabulary from IETF RATS: the verdict uses EAR `ear.status` values
//! (draft-ietf-rats-ear §3): `affirming`, `warning`, `contraindicated`.

use serde::Serialize;
use serde_json::{Map, Value};

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Warn,
    /// Not performed; the check's sentence says why. Skips never change the verdict.
    Skip,
}

/// One reported check: a stable `id` (dotted, e.g. `chain.vek.signature`), its status and a sentence
/// saying what was compared with what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub detail: String,
    /// Ids of the evidence fields this check judged ([`crate::fields::judged`]), so a failing check
    /// can be marked on its bytes; omitted when it judged none (endorsement-only checks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// EAR `ear.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Affirming,
    Warning,
    Contraindicated,
}

/// The trust anchor an appraisal rests on. `kind` is `pinned` (a vendor root embedded in the core,
/// matched by SPKI SHA-256), `test` (a root the caller passed explicitly — never for production), or
/// `none` (no anchor could be established).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustAnchor {
    pub kind: String,
    pub name: String,
    /// Lowercase hex SHA-256 of the root's SubjectPublicKeyInfo DER.
    pub spki_sha256: String,
}

/// Result of appraising one piece of evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Appraisal {
    /// `sev-snp` (later: `tdx`, `sgx`, `nvidia`).
    pub platform: String,
    pub verdict: Verdict,
    /// The reference time every validity check used, RFC 3339 UTC.
    pub reference_time: String,
    pub trust_anchor: TrustAnchor,
    pub checks: Vec<Check>,
    /// Decoded claims under the vendor's field names in snake_case; byte strings as lowercase hex.
    pub claims: Map<String, Value>,
}

/// Collects checks in order while a verifier runs.
#[derive(Debug, Default)]
pub struct Checklist {
    checks: Vec<Check>,
}

impl Checklist {
    pub fn push(&mut self, id: &str, status: Status, detail: impl Into<String>) {
        self.checks.push(Check { id: id.to_string(), status, detail: detail.into(), fields: crate::fields::judged(id) });
    }
    pub fn pass(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, Status::Pass, detail)
    }
    pub fn fail(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, Status::Fail, detail)
    }
    pub fn warn(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, Status::Warn, detail)
    }
    pub fn skip(&mut self, id: &str, detail: impl Into<String>) {
        self.push(id, Status::Skip, detail)
    }
    /// Pass when `ok`, otherwise fail, with one sentence for each case.
    pub fn expect(&mut self, id: &str, ok: bool, pass: impl Into<String>, fail: impl Into<String>) {
        if ok {
            self.pass(id, pass)
        } else {
            self.fail(id, fail)
        }
    }
    pub fn into_checks(self) -> Vec<Check> {
        self.checks
    }
}

/// The verdict implied by a list of checks: any fail → contraindicated, else any warn → warning,
/// else affirming. Skips are neutral (each carries its reason).
pub fn verdict_of(checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.status == Status::Fail) {
        Verdict::Contraindicated
    } else if checks.iter().any(|c| c.status == Status::Warn) {
        Verdict::Warning
    } else {
        Verdict::Affirming
    }
}

/// Formats Unix seconds as RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn rfc3339(unix_seconds: i64) -> String {
    match der::DateTime::from_unix_duration(std::time::Duration::from_secs(unix_seconds.max(0) as u64)) {
        Ok(dt) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minutes(),
            dt.seconds()
        ),
        Err(_) => format!("@{unix_seconds}"),
    }
}

/// Parses an RFC 3339 UTC time `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (the form Intel PCS collateral
/// uses) to Unix seconds, dropping any fraction. `None` for any other form.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let fixed = b.get(..19)?;
    let shape_ok = fixed.iter().enumerate().all(|(i, c)| match i {
        4 | 7 => *c == b'-',
        10 => *c == b'T' || *c == b't',
        13 | 16 => *c == b':',
        _ => c.is_ascii_digit(),
    });
    let tail = &b[19..];
    let tail_ok = match tail {
        [b'Z' | b'z'] => true,
        [b'.', rest @ .., b'Z' | b'z'] => !rest.is_empty() && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !shape_ok || !tail_ok {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<u16>().ok();
    let dt = der::DateTime::new(n(0..4)?, n(5..7)? as u8, n(8..10)? as u8, n(11..13)? as u8, n(14..16)? as u8, n(17..19)? as u8).ok()?;
    Some(dt.unix_duration().as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_and_rejects_other_forms() {
        assert_eq!(parse_rfc3339("2025-07-19T10:00:35Z"), Some(1752919235));
        assert_eq!(rfc3339(1752919235), "2025-07-19T10:00:35Z");
        assert_eq!(parse_rfc3339("2025-07-19T10:00:35.123Z"), Some(1752919235));
        for bad in ["2025-07-19 10:00:35Z", "2025-07-19T10:00:35", "2025-07-19T10:00:35+01:00", "2025-13-19T10:00:35Z", "2025-07-19T10:00:35.Z", ""] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
