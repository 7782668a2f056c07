//! Input errors: evidence or endorsements that cannot be read or parsed.
//!
//! An [`InputError`] is not a verdict: it means the appraisal could not even start (CLI exit code 2).
//! It always names the file and the field, so the user knows what to fix.

use serde::Serialize;

/// Why an input could not be parsed. `file` is the caller-supplied file name (or a role such as
/// `policy` when no file name was given), `field` the structure or field that was bad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub file: String,
    pub field: String,
    pub message: String,
}

impl InputError {
    pub fn new(file: impl Into<String>, field: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { file: file.into(), field: field.into(), message: message.into() }
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.field, self.message)
    }
}

impl std::error::Error for InputError {}
