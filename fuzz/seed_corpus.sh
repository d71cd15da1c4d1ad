#!/usr/bin/env bash
# Seeds the fuzz corpus from the golden fixtures (binary form of every proto-fixtures/*/*.hex).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/decode
for f in ../proto-fixtures/*/*.hex; do
  name=$(echo "$f" | sed 's|../proto-fixtures/||; s|/|_|; s|\.hex$||')
  xxd -r -p "$f" > "corpus/decode/$name"
done
echo "seeded $(ls corpus/decode | wc -l) inputs"
