#!/usr/bin/env bash
# Runs cargo for the native build of wasm/: rustup's cargo when present, else Debian's.
set -euo pipefail
cd "$(dirname "$0")/../wasm"
if command -v cargo >/dev/null 2>&1; then exec cargo "$@"; fi
exec env RUSTC=/usr/bin/rustc /usr/bin/cargo "$@"
