#!/usr/bin/env bash
# Seeds the fuzz corpora (corpus/<target>/, git-ignored) at run time from the project's own fixtures
# (fixtures/snp, fixtures/tdx/sample) and, when present beside the checkout, the real vectors in
# ../shared/vectors (copied into corpus/ only: vectors are never committed). Also adds the committed
# regression inputs (regressions/<target>/) so every campaign starts from past findings.
# Usage: bash seeds.sh [TARGET…]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")"
fx=../../fixtures
vectors=../../../shared/vectors
mapfile -t all < <(bash targets.sh)
targets=("${@:-${all[@]}}")
[ "$#" -gt 0 ] || targets=("${all[@]}")
have_vectors=0
if [ -d "$vectors" ]; then have_vectors=1; else echo "seeds: $vectors not found; seeding from the project's fixtures only" >&2; fi

# copy TARGET FILE… : each file into corpus/TARGET under a name unique by its path.
copy() {
  local t=$1; shift
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "corpus/$t/$(printf '%s' "$f" | tr '/.' '__' | sed 's/^_*//')"
  done
}
# vec TARGET FIND-ARGS… : files under ../shared/vectors matching FIND-ARGS.
vec() {
  local t=$1; shift
  [ "$have_vectors" = 1 ] || return 0
  find "$vectors" -type f \( "$@" \) -print0 | while IFS= read -r -d '' f; do copy "$t" "$f"; done
}
b64() { base64 -w0 < "$1"; }
# request JSON: EVIDENCE [TYPE] [ANCHOR] [ENDORSEMENT…] (reference time 2026-01-15).
req() {
  local ev=$1 type=$2 anchor=$3; shift 3
  local ends="" sep="" e
  for e in "$@"; do ends+="$sep{\"name\":\"$(basename "$e")\",\"base64\":\"$(b64 "$e")\"}"; sep=","; done
  printf '{"evidence":{"name":"%s","base64":"%s"},"endorsements":[%s]' "$(basename "$ev")" "$(b64 "$ev")" "$ends"
  [ -n "$anchor" ] && printf ',"test_anchors":[{"name":"anchor.pem","base64":"%s"}]' "$(b64 "$anchor")"
  [ -n "$type" ] && printf ',"type":"%s"' "$type"
  printf ',"policy":{"snp":{"allow_debug":false}},"reference_time":1768435200}'
}

for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  [ -d "regressions/$t" ] && cp regressions/"$t"/* "corpus/$t/" 2>/dev/null || true
  case $t in
    rim_xml|c14n)
      printf '<a xmlns="urn:a" xmlns:p="urn:p"><p:b p:x="1" y="&amp;">t<![CDATA[<c>]]><?pi d?></p:b></a>' > "corpus/$t/shapes.xml"
      vec "$t" -name '*.xml' -o -name '*.swidtag' ;;
    snp_evidence)
      copy "$t" "$fx"/snp/*/report.bin
      # hex text form of one fixture report
      xxd -p "$fx/snp/valid/report.bin" > "corpus/$t/valid_report.hex"
      vec "$t" -path '*snp*' -name '*.bin' -o -path '*snp*' -name '*.hex' -o -name 'azure_hcl*' ;;
    dcap_quote)
      copy "$t" "$fx/tdx/sample/quote.bin"
      vec "$t" -path '*quotes*' -name '*.bin' ;;
    tdx_collateral)
      copy "$t" "$fx"/tdx/sample/*collateral.json "$fx"/tdx/sample/*.pem
      vec "$t" -path '*tdx*collateral*' -o -path '*tdx*roots*' -o -name 'azure_hcl*' ;;
    spdm)
      vec "$t" -name 'report*.hex' ;;
    nvidia_evidence)
      vec "$t" -path '*evidence-json*' -name '*.json' -o -name 'report.hex' ;;
    x509)
      copy "$t" "$fx"/snp/pki/*.pem "$fx"/snp/pki/*.der "$fx"/snp/*/vcek.der "$fx"/snp/*/crl.der "$fx"/tdx/sample/*.pem
      vec "$t" -name '*.pem' -o -name '*.der' ;;
    ocsp)
      # A real-shaped OCSP response signed by the fixture ARK key for the fixture ASK (openssl, when present).
      if command -v openssl >/dev/null 2>&1; then
        tmp=$(mktemp -d)
        printf 'V\t300101000000Z\t\t%s\tunknown\t/CN=x\n' "$(openssl x509 -in "$fx/snp/pki/ask.pem" -noout -serial | cut -d= -f2)" > "$tmp/index.txt"
        if openssl ocsp -issuer "$fx/snp/pki/ark.pem" -cert "$fx/snp/pki/ask.pem" -reqout "$tmp/req.der" -no_nonce >/dev/null 2>&1 &&
           openssl ocsp -index "$tmp/index.txt" -rsigner "$fx/snp/pki/ark.pem" -rkey "$fx/snp/keys/ark.pkcs8.pem" -CA "$fx/snp/pki/ark.pem" \
             -reqin "$tmp/req.der" -respout "corpus/$t/fixture_ocsp.der" >/dev/null 2>&1; then :; else
          echo "seeds: openssl could not make an OCSP response; ocsp starts from certificates only" >&2
        fi
        rm -rf "$tmp"
      fi
      copy "$t" "$fx/snp/valid/vcek.der"
      vec "$t" -iname '*ocsp*' ;;
    event_log)
      # A synthetic log with EFI, IPL and no-action events from the project's generator.
      node --input-type=module -e "
        import { makeCcel } from '../../fixtures/lib/ccel.mjs';
        const t = (s) => new TextEncoder().encode(s);
        const { log } = makeCcel([
          { mr: 1, type: 0x80000001, data: t('efi variable') }, { mr: 2, type: 0x0d, data: t('grub_cmd linux /vmlinuz console=ttyS0') },
          { mr: 3, type: 0x80000003, data: t('boot services application') }, { mr: 4, type: 3, data: t('no action') },
          { mr: 1, type: 0x00000007, data: t('separator') }]);
        process.stdout.write(log);" > "corpus/$t/synthetic.ccel" || echo "seeds: node could not make a CCEL seed" >&2
      vec "$t" -name 'CCEL*' ;;
    azure_hcl)
      vec "$t" -iname '*hcl*' ;;
    vtpm_quote)
      node --input-type=module -e "
        import { generateKeyPairSync } from 'node:crypto';
        import { tpmQuote } from '../../fixtures/lib/azure-vtpm.mjs';
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        process.stdout.write(JSON.stringify(tpmQuote(privateKey, new TextEncoder().encode('challenge'))));" > "corpus/$t/synthetic.json" || echo "seeds: node could not make a vTPM quote seed" >&2 ;;
    sevsnp_proto)
      copy "$t" "$fx"/snp/go-sev-guest/* ;;
    request)
      req "$fx/snp/valid/report.bin" "" "$fx/snp/pki/ark.pem" "$fx/snp/valid/vcek.der" "$fx/snp/pki/cert_chain.pem" > "corpus/$t/snp_valid.json"
      req "$fx/snp/revoked-ask/report.bin" sev-snp "$fx/snp/pki/ark.pem" "$fx/snp/revoked-ask/vcek.der" "$fx/snp/pki/cert_chain.pem" "$fx/snp/revoked-ask/crl.der" > "corpus/$t/snp_revoked.json"
      req "$fx/tdx/sample/quote.bin" tdx "$fx/tdx/sample/test-anchor.pem" "$fx/tdx/sample/collateral.json" > "corpus/$t/tdx_sample.json"
      if [ "$have_vectors" = 1 ]; then
        for e in "$vectors"/nvidia/evidence-json/hopper-590.12-single-nonce-e97b.json "$vectors"/nvidia/evidence-json/ls10-single-nonce-931d.json; do
          [ -f "$e" ] && req "$e" nvidia "" > "corpus/$t/nvidia_$(basename "$e")"
        done
      fi ;;
    *) echo "seeds: unknown target $t" >&2; exit 2 ;;
  esac
  echo "seeds: $t: $(ls "corpus/$t" | wc -l) files"
done
