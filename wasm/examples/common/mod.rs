//! The request the bench and profile examples build from their command line:
//! `REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON | --no-cache]...` (files read
//! whole; the reference time in Unix seconds). `--no-cache` turns the verified-link cache off.
use base64::Engine;
use custodian_core::request::{Blob, Request};

fn blob(path: &str) -> Blob {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Blob { name: path.to_string(), base64: base64::engine::general_purpose::STANDARD.encode(bytes) }
}

/// The request of `args` (the arguments after the example's own first one), with the cache set as asked.
pub fn request(args: &[String]) -> Request {
    let rest = &args[2..];
    custodian_core::cache::set_enabled(!rest.iter().any(|a| a == "--no-cache"));
    Request {
        evidence: blob(&args[1]),
        endorsements: rest.iter().filter(|a| !a.starts_with("--")).map(|p| blob(p)).collect(),
        rims: rest.iter().filter_map(|a| a.strip_prefix("--rim=")).map(blob).collect(),
        policy: rest.iter().find_map(|a| a.strip_prefix("--policy=")).map(|j| serde_json::from_str(j).expect("--policy is JSON")),
        reference_time: args[0].parse().expect("REFERENCE_UNIX"),
        ..Default::default()
    }
}
