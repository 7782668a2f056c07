//! Native benchmark: verifications per second of one piece of evidence with its endorsements, through
//! the same `request::run` the wasm ABI calls.
//! Usage: bench SECONDS REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON | --no-cache]...
//! `--no-cache` turns the verified-link cache off (every verification cold).
//! Prints one JSON line: {"iterations", "seconds", "per_second", "verdict"}.

use base64::Engine;
use custodian_core::request::{run, Blob, Request};
use std::time::Instant;

fn blob(path: &str) -> Blob {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Blob { name: path.to_string(), base64: base64::engine::general_purpose::STANDARD.encode(bytes) }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert!(args.len() >= 3, "usage: bench SECONDS REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON]...");
    let seconds: f64 = args[0].parse().expect("SECONDS");
    let rest = &args[3..];
    let req = Request {
        evidence: blob(&args[2]),
        endorsements: rest.iter().filter(|a| !a.starts_with("--")).map(|p| blob(p)).collect(),
        rims: rest.iter().filter_map(|a| a.strip_prefix("--rim=")).map(blob).collect(),
        policy: rest.iter().find_map(|a| a.strip_prefix("--policy=")).map(|j| serde_json::from_str(j).expect("--policy is JSON")),
        reference_time: args[1].parse().expect("REFERENCE_UNIX"),
        ..Default::default()
    };
    custodian_core::cache::set_enabled(!rest.iter().any(|a| a == "--no-cache"));
    let verdict = format!("{:?}", run(&req).expect("input parses").verdict).to_lowercase();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        std::hint::black_box(run(std::hint::black_box(&req)).expect("input parses"));
        n += 1;
    }
    let s = start.elapsed().as_secs_f64();
    println!("{{\"iterations\":{n},\"seconds\":{s:.3},\"per_second\":{:.1},\"verdict\":\"{verdict}\"}}", n as f64 / s);
}
