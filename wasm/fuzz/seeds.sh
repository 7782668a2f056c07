#!/usr/bin/env bash
# Seeds the fuzz corpora at run time: real RIMs from ../shared/vectors (never committed) plus the
# project's own small XML shapes. corpus/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")"
vectors=../../../shared/vectors/nvidia
for t in rim_xml c14n; do
  mkdir -p "corpus/$t"
  if [ -d "$vectors" ]; then
    find "$vectors" \( -name '*.xml' -o -name '*.swidtag' \) -exec cp -t "corpus/$t" {} +
  else
    echo "seeds: $vectors not found; seeding with the built-in shapes only" >&2
  fi
  printf '<a xmlns="urn:a" xmlns:p="urn:p"><p:b p:x="1" y="&amp;">t<![CDATA[<c>]]><?pi d?></p:b></a>' > "corpus/$t/shapes.xml"
done
echo "seeds: $(ls corpus/rim_xml | wc -l) files per target"
