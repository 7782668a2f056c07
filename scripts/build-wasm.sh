#!/usr/bin/env bash
# Builds wasm/ for wasm32-unknown-unknown into out/wasm/custodian_core.wasm with whatever toolchain
# is present: rustup with the wasm32 target, or Debian's rustc-web + rust-web-src (build-std).
set -euo pipefail
cd "$(dirname "$0")/.."
out=out/wasm/custodian_core.wasm
mkdir -p out/wasm
target=wasm32-unknown-unknown
built=wasm/target/$target/release/custodian_core.wasm

if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  echo "build-wasm: rustup toolchain with $target"
  (cd wasm && cargo build --release --lib --target "$target")
elif [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ] && command -v rust-lld >/dev/null 2>&1; then
  echo "build-wasm: Debian rustc-web with build-std"
  (cd wasm && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build --release --lib \
     --target "$target" -Zbuild-std=std,panic_abort)
else
  cat >&2 <<'MSG'
build-wasm: no Rust toolchain that can target wasm32-unknown-unknown was found.
Install one of:
  - rustup:  rustup target add wasm32-unknown-unknown
  - Debian 12 (as root):  apt-get install -y rustc-web cargo-web rust-web-src rust-web-llvm lld-22
MSG
  exit 1
fi
cp "$built" "$out"
echo "build-wasm: wrote $out ($(stat -c %s "$out") bytes)"
