#!/usr/bin/env bash
# `npm run fuzz -- TARGET SECONDS [LIBFUZZER-OPTION…]`: one cargo-fuzz campaign on a target in wasm/fuzz (what each does:
# wasm/fuzz/targets.rs), seeded at run time by wasm/fuzz/seeds.sh from fixtures/, the committed
# regressions and ../shared/vectors. A crash is written to wasm/fuzz/artifacts/TARGET/: minimise it
# (`cargo +nightly fuzz tmin TARGET FILE`), fix the core, and commit it under
# wasm/fuzz/regressions/TARGET/ (npm test replays that directory natively). Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`); says so and exits 0 when they are absent. `npm test` runs a short smoke
# of every target through scripts/fuzz-smoke.sh.
set -euo pipefail
cd "$(dirname "$0")/../wasm/fuzz"
targets=$(bash targets.sh | tr '\n' ' ')
target=${1:?usage: npm run fuzz -- TARGET SECONDS (targets: $targets)}
case " $targets " in *" $target "*) ;; *) echo "fuzz: unknown target $target (targets: $targets)" >&2; exit 2 ;; esac
seconds=${2:-60}
shift $(($# < 2 ? $# : 2))  # what follows TARGET SECONDS goes to libFuzzer (e.g. -print_final_stats=1)
if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: SKIPPED: needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)" >&2
  exit 0
fi
bash seeds.sh "$target"
# -s none: safe Rust, no sanitizer needed to catch panics, stack overflows, hangs and OOMs.
exec cargo +nightly fuzz run "$target" -s none -O "corpus/$target" -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 "$@"
