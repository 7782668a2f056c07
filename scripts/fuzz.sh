#!/usr/bin/env bash
# `npm run fuzz -- TARGET SECONDS`: one cargo-fuzz campaign on a target in wasm/fuzz (today: rim_xml,
# c14n), seeded at run time from ../shared/vectors. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`); says so and exits 0 when they are absent (never part of npm test).
set -euo pipefail
cd "$(dirname "$0")/../wasm/fuzz"
target=${1:?usage: npm run fuzz -- TARGET SECONDS (targets: rim_xml c14n)}
seconds=${2:-60}
if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: SKIPPED: needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)" >&2
  exit 0
fi
bash seeds.sh
# -s none: safe Rust, no sanitizer needed to catch panics, stack overflows, hangs and OOMs.
exec cargo +nightly fuzz run "$target" -s none -O "corpus/$target" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144
