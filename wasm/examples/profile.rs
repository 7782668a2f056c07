//! Instruction profiles (callgrind) of one verification, start-up excluded: runs the request once
//! (parse check, verdict; with the cache on this also fills it, as a fleet's first report does), then
//! exactly ITERATIONS more inside `profile_loop`, which callgrind can be told to collect alone
//! (`--toggle-collect='*profile_loop*'`): the collected total divided by ITERATIONS is the cost of one
//! verification, cold (`--no-cache`) or warm (endorsements seen before).
//! Usage: profile ITERATIONS REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON | --no-cache]...
//! Prints one JSON line: {"iterations", "verdict"}. Not used by `npm run bench`; see
//! /work/notes/profiles.md for the commands.

use base64::Engine;
use custodian_core::request::{run, Blob, Request};

fn blob(path: &str) -> Blob {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Blob { name: path.to_string(), base64: base64::engine::general_purpose::STANDARD.encode(bytes) }
}

/// The measured part: `n` verifications of `req`, nothing else.
#[inline(never)]
fn profile_loop(req: &Request, n: u64) {
    for _ in 0..n {
        std::hint::black_box(run(std::hint::black_box(req)).expect("input parses"));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert!(args.len() >= 3, "usage: profile ITERATIONS REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON | --no-cache]...");
    let n: u64 = args[0].parse().expect("ITERATIONS");
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
    profile_loop(&req, n);
    println!("{{\"iterations\":{n},\"verdict\":\"{verdict}\"}}");
}
