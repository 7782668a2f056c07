#!/usr/bin/env bash
# Verifies the bundled synthetic sample (fixtures/snp/valid, signed by the project's TEST PKI), then a
# tampered copy, so the demo shows one pass and one failure.
set -euo pipefail
cd "$(dirname "$0")/.."
f=fixtures/snp
echo "\$ ./bin/custodian verify $f/valid/report.bin --chain $f/valid/vcek.der --chain $f/pki/cert_chain.pem --crl $f/pki/crl-empty.der --test-anchor $f/pki/ark.pem --at 2025-12-01T00:00:00Z"
./bin/custodian verify $f/valid/report.bin --chain $f/valid/vcek.der --chain $f/pki/cert_chain.pem --crl $f/pki/crl-empty.der \
  --test-anchor $f/pki/ark.pem --at 2025-12-01T00:00:00Z
echo
echo "\$ ./bin/custodian verify $f/debug/report.bin ...   (a debug-enabled guest: must be contraindicated)"
set +e
./bin/custodian verify $f/debug/report.bin --chain $f/debug/vcek.der --chain $f/pki/cert_chain.pem --crl $f/pki/crl-empty.der \
  --test-anchor $f/pki/ark.pem --at 2025-12-01T00:00:00Z | grep -E '^Verdict|FAIL'
code=${PIPESTATUS[0]}
set -e
echo "exit code $code (1 = contraindicated)"
[ "$code" = 1 ]

# A real Intel TDX quote with its Intel-signed collateral, when ../shared/vectors is beside the checkout.
tdx=../shared/vectors/tdx
if [ -f "$tdx/manifest.json" ]; then
  echo
  echo "\$ ./bin/custodian verify $tdx/quotes/tdx_v5_td15_90c06f_gotdx.bin --collateral $tdx/collateral/dcapqvl_2026-02_90C06F.json --at 2026-03-01T00:00:00Z"
  ./bin/custodian verify $tdx/quotes/tdx_v5_td15_90c06f_gotdx.bin --collateral $tdx/collateral/dcapqvl_2026-02_90C06F.json \
    --at 2026-03-01T00:00:00Z | grep -E '^(Intel|Verdict|TCB status|Platform)|tcb\.|tdx_module'
else
  echo "(../shared/vectors not found: skipping the TDX example)"
fi
