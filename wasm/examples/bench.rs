//! Native benchmark: verifications per second of one piece of evidence with its endorsements, through
//! the same `request::run` the wasm ABI calls.
//! Usage: bench SECONDS REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON | --no-cache]...
//! `--no-cache` turns the verified-link cache off (every verification cold).
//! Prints one JSON line: {"iterations", "seconds", "per_second", "verdict"}.

mod common;

use custodian_core::request::run;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert!(args.len() >= 3, "usage: bench SECONDS REFERENCE_UNIX EVIDENCE [ENDORSEMENT | --rim=FILE | --policy=JSON]...");
    let seconds: f64 = args[0].parse().expect("SECONDS");
    let req = common::request(&args[1..]);
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
