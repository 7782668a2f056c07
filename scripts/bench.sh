#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import ./node_modules/tsx/dist/loader.mjs scripts/bench.ts
