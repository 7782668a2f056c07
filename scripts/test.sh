#!/usr/bin/env bash
# Every test: Rust unit tests (native), a fuzz smoke run when nightly is installed, type check, electron-vite build, Vitest (through the wasm core).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== Rust core (native)"
bash scripts/cargo.sh test --all-targets --quiet
echo "== Fuzz smoke (nightly only; the regression corpus is replayed above on stable)"
bash scripts/fuzz-smoke.sh
echo "== Interop suites (peers' own libraries)"
bash scripts/interop.sh
echo "== TypeScript type check"
npx tsc --noEmit -p tsconfig.json
echo "== electron-vite build"
npx electron-vite build >/dev/null
echo "== Vitest"
mkdir -p test-artifacts
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json
node -e '
const r = require("./test-artifacts/vitest.json");
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);'
if [ -f test-artifacts/batch-timing.json ]; then
  node -e '
const b = require("./test-artifacts/batch-timing.json");
console.log(`console batch: ${b.files} files in ${(b.hostMs / 1000).toFixed(1)} s (${b.filesPerSecond} files/s, ${b.threads} worker threads); p99 frame gap ${b.p99FrameGapMs} ms`);'
fi
