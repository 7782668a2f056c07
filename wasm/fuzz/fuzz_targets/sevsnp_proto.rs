//! cargo-fuzz target `sevsnp_proto`: see `targets::sevsnp_proto` in ../targets.rs (shared with the
//! native regression replay in wasm/tests/fuzz_regressions.rs).
#![no_main]
#[path = "../targets.rs"]
mod targets;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| targets::run("sevsnp_proto", data));
