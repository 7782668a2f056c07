#!/usr/bin/env bash
# Installs whatever is missing, idempotently: the Rust toolchain for wasm32 (Debian packages when no
# rustup wasm32 target exists), npm packages, the wasm build and the CLI bundle. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "setup: $*"; }

have_wasm_toolchain() {
  { command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; } ||
  { [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] && command -v rust-lld >/dev/null 2>&1; }
}

if ! have_wasm_toolchain; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's rustc-web toolchain for wasm32 (build-std)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq rustc-web cargo-web rust-web-src rust-web-llvm lld-22 >/dev/null
  else
    say "no wasm32 Rust toolchain; run as root on Debian, or: rustup target add wasm32-unknown-unknown" >&2
    exit 1
  fi
fi

# The console's end-to-end tests drive Debian's Chromium through playwright-core (Playwright's own
# browser download does not work offline); without it they skip with a visible message.
if [ ! -x /usr/bin/chromium ] && [ -z "${CUSTODIAN_CHROMIUM:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's chromium for the end-to-end tests"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  else
    say "chromium missing: the end-to-end tests will be skipped (apt-get install -y chromium)" >&2
  fi
fi

# The C14N differential test compares our Canonical XML 1.1 with libxml2's (`xmllint --c14n11`,
# Debian libxml2-utils); without it that test skips with a visible message.
if ! command -v xmllint >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's libxml2-utils (xmllint) for the C14N differential test"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libxml2-utils >/dev/null
  else
    say "xmllint missing: the C14N differential test will be skipped (apt-get install -y libxml2-utils)" >&2
  fi
fi

# The EAR interop suite (interop/ear) builds Veraison's ear crate, whose cmw dependency compiles
# reqwest with native-tls as a build dependency: that links the system OpenSSL (Debian libssl-dev,
# found through pkg-config). Nothing is downloaded at build time.
if ! { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openssl; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing Debian's libssl-dev and pkg-config for the EAR interop suite"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq libssl-dev pkg-config >/dev/null
  else
    say "libssl-dev/pkg-config missing: the EAR interop suite will not build (apt-get install -y libssl-dev pkg-config)" >&2
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  # The Electron binary cannot be downloaded on air-gapped build machines; its types are enough here.
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

wasm=out/wasm/custodian_core.wasm
if [ ! -f "$wasm" ] || [ -n "$(find wasm/src wasm/proto wasm/build.rs wasm/Cargo.toml wasm/Cargo.lock -newer "$wasm" -print -quit)" ]; then
  say "building the wasm core"
  bash scripts/build-wasm.sh
fi
# The CLI bundle bin/custodian runs (plain ESM, no TypeScript loader at run time); rebuilt when a
# source under electron/ is newer.
node scripts/build-cli.mjs --if-stale
say "ready"
