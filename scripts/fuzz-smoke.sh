#!/usr/bin/env bash
# A short libFuzzer run of every fuzz target (wasm/fuzz, list: wasm/fuzz/targets.sh), part of
# `npm test` when the nightly toolchain and cargo-fuzz are installed; otherwise it says SKIPPED and
# exits 0 (the committed regression corpus is replayed on stable by wasm/tests/fuzz_regressions.rs
# either way). Each target runs through scripts/fuzz.sh (its seeds, its limits) for FUZZ_SMOKE_SECONDS
# (default 10) seconds; a crash, timeout (10 s per input) or OOM (2 GiB) fails the step and leaves
# the input in wasm/fuzz/artifacts/TARGET/. Long campaigns: `npm run fuzz -- TARGET SECONDS`.
set -euo pipefail
cd "$(dirname "$0")/../wasm/fuzz"
seconds=${FUZZ_SMOKE_SECONDS:-10}
if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz smoke: SKIPPED: needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz); the regression corpus was replayed on stable"
  exit 0
fi
cargo +nightly fuzz build -s none -O >/dev/null 2>&1 || cargo +nightly fuzz build -s none -O
mapfile -t targets < <(bash targets.sh)
for t in "${targets[@]}"; do
  log=$(mktemp)
  # The campaign script itself (seeds, libFuzzer limits), for a short time.
  if ! bash ../../scripts/fuzz.sh "$t" "$seconds" -print_final_stats=1 >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz smoke: $t FAILED (input saved under wasm/fuzz/artifacts/$t/)" >&2
    rm -f "$log"
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  echo "fuzz smoke: $t: ${runs:-?} runs in ${seconds} s (${rate:-?}/s), coverage ${cov:-?} edges, no crash"
  rm -f "$log"
done
