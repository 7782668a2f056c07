//! Replays the committed fuzz regression corpus natively (stable toolchain, no libFuzzer): every
//! file in `wasm/fuzz/regressions/<target>/` goes through the same target logic the cargo-fuzz
//! binaries run (`wasm/fuzz/targets.rs`). Threat: a hostile evidence, collateral, certificate, RIM
//! or request file that once crashed a parser (panic, overflow, stack exhaustion) crashes it again
//! after a change. Also runs each target over the project's own fixtures so a target that no longer
//! compiles against the core, or panics on good input, fails here rather than only under nightly.

#[path = "../fuzz/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_file()).collect();
    v.sort();
    v
}

/// One list of targets: `targets::TARGETS` (what the replay and the fixture run cover) must be the
/// `[[bin]]` names of wasm/fuzz/Cargo.toml (what cargo-fuzz, scripts/fuzz.sh and seeds.sh run, via
/// fuzz/targets.sh), each with its `fuzz_targets/NAME.rs` calling `targets::run("NAME", …)`.
#[test]
fn targets_match_the_cargo_fuzz_binaries() {
    let toml = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    let mut bins = Vec::new();
    let mut in_bin = false;
    for line in toml.lines() {
        if line.trim() == "[[bin]]" {
            in_bin = true;
        } else if let (true, Some(v)) = (in_bin, line.strip_prefix("name = ")) {
            bins.push(v.trim_matches('"').to_string());
            in_bin = false;
        }
    }
    assert_eq!(bins, targets::TARGETS, "fuzz/Cargo.toml [[bin]] names vs targets.rs TARGETS");
    for t in targets::TARGETS {
        let src = std::fs::read_to_string(root().join(format!("fuzz/fuzz_targets/{t}.rs"))).unwrap_or_else(|e| panic!("fuzz_targets/{t}.rs: {e}"));
        assert!(src.contains(&format!("targets::run(\"{t}\", data)")), "fuzz_targets/{t}.rs does not run target {t}");
    }
}

#[test]
fn every_regression_input_replays_without_a_crash() {
    let base = root().join("fuzz/regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&base).expect("wasm/fuzz/regressions exists") {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        assert!(targets::TARGETS.contains(&name.as_str()), "regressions/{name}: not a fuzz target ({:?})", targets::TARGETS);
        for f in files_in(&dir) {
            let data = std::fs::read(&f).unwrap();
            // A panic here names the file through the test's output.
            eprintln!("replaying {}", f.display());
            targets::run(&name, &data);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "the regression corpus is empty");
}

#[test]
fn every_target_accepts_the_project_fixtures() {
    let fx = root().join("../fixtures");
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for p in ["snp/valid/report.bin", "snp/valid/vcek.der", "snp/pki/cert_chain.pem", "snp/pki/crl-empty.der", "tdx/sample/quote.bin", "tdx/sample/collateral.json"] {
        inputs.push(std::fs::read(fx.join(p)).unwrap());
    }
    inputs.push(Vec::new());
    for t in targets::TARGETS {
        for data in &inputs {
            targets::run(t, data);
        }
    }
}
