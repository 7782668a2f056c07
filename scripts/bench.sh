#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
node --import ./node_modules/tsx/dist/loader.mjs scripts/bench-vault.ts
exec node --import ./node_modules/tsx/dist/loader.mjs scripts/bench.ts
