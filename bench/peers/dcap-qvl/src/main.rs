//! `npm run bench` peer: Phala's dcap-qvl (crates.io) on the bench's TDX case.
//!
//! Usage: dcap-qvl-bench SECONDS NOW_UNIX_SECS QUOTE COLLATERAL_JSON
//!
//! Reads the quote and dcap-qvl's own `QuoteCollateralV3` JSON once, then loops
//! `dcap_qvl::verify::verify(&quote, &collateral, now)` for SECONDS after 10 warm-up calls, and
//! prints one JSON line: {"per_second", "iterations", "ok", "status", "error"?}. `ok` is dcap-qvl's
//! own verdict on the case (verify returned Ok); `status` its TCB status.
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: {} SECONDS NOW_UNIX_SECS QUOTE COLLATERAL_JSON", args[0]);
        std::process::exit(2);
    }
    let seconds: f64 = args[1].parse().expect("SECONDS");
    let now: u64 = args[2].parse().expect("NOW_UNIX_SECS");
    let fail = |e: String| -> ! {
        println!("{}", serde_json::json!({ "per_second": 0.0, "iterations": 0, "ok": false, "error": e }));
        std::process::exit(1);
    };
    let quote = std::fs::read(&args[3]).unwrap_or_else(|e| fail(format!("{}: {e}", args[3])));
    let json = std::fs::read(&args[4]).unwrap_or_else(|e| fail(format!("{}: {e}", args[4])));
    let collateral: dcap_qvl::QuoteCollateralV3 =
        serde_json::from_slice(&json).unwrap_or_else(|e| fail(format!("{}: not a QuoteCollateralV3: {e}", args[4])));

    // The verdict first: a peer that fails the case is no comparison.
    let (ok, status, error) = match dcap_qvl::verify::verify(&quote, &collateral, now) {
        Ok(r) => (true, r.status, None),
        Err(e) => (false, String::new(), Some(format!("{e:#}"))),
    };
    for _ in 0..10 {
        let _ = std::hint::black_box(dcap_qvl::verify::verify(&quote, &collateral, now));
    }
    let limit = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < limit {
        let _ = std::hint::black_box(dcap_qvl::verify::verify(&quote, &collateral, now));
        n += 1;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut out = serde_json::json!({ "per_second": n as f64 / elapsed, "iterations": n, "ok": ok, "status": status });
    if let Some(e) = error {
        out["error"] = serde_json::Value::String(e);
    }
    println!("{out}");
}
