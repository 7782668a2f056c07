//! Instruction profiles (callgrind) of one verification, start-up excluded: runs the request once
//! (parse check, verdict; with the cache on this also fills it, as a fleet's first report does), then
//! exactly ITERATIONS more inside `profile_loop`, which callgrind can be told to collect alone
//! (`--toggle-collect='*profile_loop*'`): the collected total divided by ITERATIONS is the cost of one
//! verification, cold (`--no-cache`) or warm (endorsements seen before).
//! Usage: profile ITERATIONS REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON | --no-cache]...
//! Prints one JSON line: {"iterations", "verdict"}. Not used by `npm run bench`; docs/development.md gives
//! the callgrind commands.

mod common;

use custodian_core::request::{run, Request};

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
    let req = common::request(&args[1..]);
    let verdict = format!("{:?}", run(&req).expect("input parses").verdict).to_lowercase();
    profile_loop(&req, n);
    println!("{{\"iterations\":{n},\"verdict\":\"{verdict}\"}}");
}
