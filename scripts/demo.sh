#!/usr/bin/env bash
# Verifies the bundled synthetic sample (fixtures/snp/valid, signed by the project's TEST PKI), then a
# tampered copy, so the demo shows one pass and one failure. Then a whole key release ceremony on a
# temporary vault, with TEST rehearsal evidence, ending with the enclave holding the imported key; and a
# composite one (SEV-SNP + 2 TEST NVIDIA GPUs) for a key whose policy requires both.
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
  --test-anchor $f/pki/ark.pem --at 2025-12-01T00:00:00Z | sed -n '1p;/^Failing:/,/^$/p'
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
    --at 2026-03-01T00:00:00Z | sed -n '1,/^$/p'
else
  echo "(../shared/vectors not found: skipping the TDX example)"
fi
echo
echo "== Key release ceremony on a temporary vault (2 of 3 custodians, TEST rehearsal evidence)"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
# The vault key pin goes to $XDG_CONFIG_HOME/custodian/known-vaults.json; keep the demo's out of yours.
export XDG_CONFIG_HOME="$d/config"
say() { echo "\$ custodian $*" | sed "s#$d/##g"; }
run() { say "$@"; ./bin/custodian "$@"; }
for who in alice bob carol; do printf 'demo passphrase of %s\n' "$who" > "$d/$who.pass"; done
head -c 32 /dev/urandom > "$d/model.key"   # the demo model key: a raw AES-256 key file
V=(--vault "$d/vault.db")
say "${V[@]}" vault init --custodian "alice:$d/alice.pass" --custodian "bob:$d/bob.pass" --custodian "carol:$d/carol.pass" --threshold 2
./bin/custodian "${V[@]}" vault init --custodian "alice:$d/alice.pass" --custodian "bob:$d/bob.pass" --custodian "carol:$d/carol.pass" --threshold 2 2> "$d/init.log"
cat "$d/init.log"
vault_key=$(grep -o 'vault key thumbprint [A-Za-z0-9_-]*' "$d/init.log" | cut -d' ' -f4)
IMPORT=(key import --name demo-model --file "$d/model.key" --allow-test-anchor --custodian alice --passphrase-file "$d/alice.pass")
say "${V[@]}" "${IMPORT[@]}"
key=$(./bin/custodian "${V[@]}" "${IMPORT[@]}" 2> "$d/import.log")
echo "$key"; cat "$d/import.log"
imported=$(grep -o 'fingerprint [0-9a-f ]*' "$d/import.log" | cut -d' ' -f2- | tr -d ' ')
say "${V[@]}" ceremony open --key "$key"
cid=$(./bin/custodian "${V[@]}" ceremony open --key "$key")
echo "$cid"
run "${V[@]}" ceremony challenge "$cid" --out "$d/challenge.json"
echo "-- at the enclave (rehearsal): a fresh TEE key, and a TEST-signed SEV-SNP report binding it to the nonce"
run rehearse snp --challenge "$d/challenge.json" --tee-key-out "$d/tee.jwk" --out "$d/evidence"
run "${V[@]}" ceremony evidence "$cid" "$d/evidence/report.bin" --chain "$d/evidence/chain.pem" --crl "$d/evidence/crl.der" --test-anchor "$d/evidence/test-anchor.pem"
echo "-- each custodian compares the request hash shown above before approving it"
request=$(./bin/custodian "${V[@]}" ceremony show "$cid" --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).data.request_sha256)')
run "${V[@]}" ceremony approve "$cid" --custodian alice --passphrase-file "$d/alice.pass" --request-hash "$request" | tail -1
run "${V[@]}" ceremony approve "$cid" --custodian carol --passphrase-file "$d/carol.pass" --request-hash "$request" | tail -1
run "${V[@]}" ceremony release "$cid" --out "$d/bundle.jwe" --receipt "$d/receipt.jws"
echo "-- at the enclave: unwrap the bundle with the TEE private key"
unwrapped=$(run unwrap --tee-key "$d/tee.jwk" "$d/bundle.jwe" --out "$d/released.key" | tee >(cat >&2) | grep -o 'fingerprint [0-9a-f ]*' | cut -d' ' -f2- | tr -d ' ')
run "${V[@]}" audit verify --receipt "$d/receipt.jws"
echo "-- anyone holding only the vault key thumbprint written down at init can check the receipt"
run receipt verify "$d/receipt.jws" --vault-key "$vault_key"
echo "imported key fingerprint: $imported"
echo "released key fingerprint: $unwrapped"
if [ -n "$imported" ] && [ "$imported" = "$unwrapped" ] && cmp -s "$d/model.key" "$d/released.key"; then
  echo "MATCH: the enclave holds the imported model key"
else
  echo "MISMATCH: the released key is not the imported one" >&2
  exit 1
fi

echo
echo "== Composite ceremony: a key for a confidential VM with 2 NVIDIA GPUs (SEV-SNP + 2 TEST Hopper GPUs)"
head -c 32 /dev/urandom > "$d/gpu-model.key"
GIMPORT=(key import --name demo-gpu-model --file "$d/gpu-model.key" --allow-test-anchor --gpus 2 --custodian alice --passphrase-file "$d/alice.pass")
say "${V[@]}" "${GIMPORT[@]}"
gkey=$(./bin/custodian "${V[@]}" "${GIMPORT[@]}" 2> "$d/gimport.log")
echo "$gkey"; cat "$d/gimport.log"
gimported=$(grep -o 'fingerprint [0-9a-f ]*' "$d/gimport.log" | cut -d' ' -f2- | tr -d ' ')
gcid=$(./bin/custodian "${V[@]}" ceremony open --key "$gkey")
run "${V[@]}" ceremony challenge "$gcid" --out "$d/gchallenge.json"
echo "-- at the enclave (rehearsal): 2 GPUs answer the device nonce; the SNP report binds their evidence (Trustee's additional evidence)"
run rehearse snp --challenge "$d/gchallenge.json" --tee-key-out "$d/gtee.jwk" --out "$d/gev" --gpus 2
g="$d/gev"
run "${V[@]}" ceremony evidence "$gcid" --attestation "$g/attestation.json" --crl "$g/crl.der" \
  --rim "$g/rim-driver.xml" --rim "$g/rim-vbios.xml" \
  --ocsp "$g/ocsp-gpu-brom.der" --ocsp "$g/ocsp-gpu-provisioner.der" --ocsp "$g/ocsp-gpu-identity.der" --ocsp "$g/ocsp-rim-signer.der" --ocsp "$g/ocsp-rim-ca.der" \
  --test-anchor "$g/test-anchor.pem" --test-anchor "$g/gpu-test-anchor.pem" --test-anchor "$g/rim-test-anchor.pem" | grep -E '^\$|^ceremony|appraisal|^  gpu|binding|request hash'
grequest=$(./bin/custodian "${V[@]}" ceremony show "$gcid" --json | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0, "utf8")).data.request_sha256)')
run "${V[@]}" ceremony approve "$gcid" --custodian bob --passphrase-file "$d/bob.pass" --request-hash "$grequest" | tail -1
run "${V[@]}" ceremony approve "$gcid" --custodian carol --passphrase-file "$d/carol.pass" --request-hash "$grequest" | tail -1
run "${V[@]}" ceremony release "$gcid" --out "$d/gbundle.jwe" --receipt "$d/greceipt.jws"
gunwrapped=$(run unwrap --tee-key "$d/gtee.jwk" "$d/gbundle.jwe" --out "$d/greleased.key" | tee >(cat >&2) | grep -o 'fingerprint [0-9a-f ]*' | cut -d' ' -f2- | tr -d ' ')
if [ -n "$gimported" ] && [ "$gimported" = "$gunwrapped" ] && cmp -s "$d/gpu-model.key" "$d/greleased.key"; then
  echo "MATCH: the confidential VM with its 2 GPUs holds the imported model key"
else
  echo "MISMATCH: the released key is not the imported one" >&2
  exit 1
fi
