//! cargo-fuzz target `vtpm_quote`: see `targets::vtpm_quote` in ../targets.rs (shared with the
//! native regression replay in wasm/tests/fuzz_regressions.rs).
#![no_main]
#[path = "../targets.rs"]
mod targets;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| targets::run("vtpm_quote", data));
