#!/usr/bin/env bash
# Interop suites: Rust test crates under interop/ that check Custodian's output with the peers' own
# libraries from crates.io (Trustee's kbs-types, Veraison's ear). Not part of the wasm core. Each crate
# is standalone; they share one target directory so common dependencies build once.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
crates=(interop/*/Cargo.toml)
if [ ${#crates[@]} -eq 0 ]; then echo "interop: no suites"; exit 0; fi
cargo_() { if command -v cargo >/dev/null 2>&1; then cargo "$@"; else env RUSTC=/usr/bin/rustc /usr/bin/cargo "$@"; fi; }
for m in "${crates[@]}"; do
  echo "== interop: $(dirname "$m")"
  cargo_ test --quiet --manifest-path "$m" --target-dir interop/target
done
