#!/usr/bin/env bash
# Prints the fuzz target names, one a line: the [[bin]] names of wasm/fuzz/Cargo.toml, the one list
# (wasm/tests/fuzz_regressions.rs checks that targets.rs TARGETS is the same list). Sourced-free:
# `bash wasm/fuzz/targets.sh` from anywhere.
set -euo pipefail
awk '/^\[\[bin\]\]/ { bin = 1; next } bin && /^name = / { gsub(/"/, "", $3); print $3; bin = 0 }' "$(dirname "$0")/Cargo.toml"
