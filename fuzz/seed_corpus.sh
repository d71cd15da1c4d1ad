#!/usr/bin/env bash
# Seeds the fuzz corpora:
# - decode: the golden fixtures (binary form of every proto-fixtures/*/*.hex);
# - receipt_text: the delivery-receipt texts proto-fixtures/dlr/*.txt;
# - short_message: hand-written messages, `data_coding esm_class short_message…` (see
#   fuzz_targets/short_message.rs), one per coding and UDH shape.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/decode corpus/receipt_text corpus/short_message
for f in ../proto-fixtures/*/*.hex; do
  name=$(echo "$f" | sed 's|../proto-fixtures/||; s|/|_|; s|\.hex$||')
  xxd -r -p "$f" > "corpus/decode/$name"
done
for f in ../proto-fixtures/dlr/*.txt; do
  cp "$f" "corpus/receipt_text/$(basename "$f" .txt)"
done
sm() { printf "$2" > "corpus/short_message/$1"; }
sm gsm7_plain           '\x00\x00Hello @ \x1b\x65 \x1b\x28x\x1b\x29 \x1b'
sm gsm7_udh8_part       '\x00\x40\x05\x00\x03\x2a\x03\x02part two'
sm ia5_plain            '\x01\x00plain ASCII text'
sm latin1_plain         '\x03\x00caf\xe9 \xa3 \xff'
sm ucs2_chinese         '\x08\x00\x9a\x8c\x8b\xc1\x78\x01'
sm ucs2_surrogate_pair  '\x08\x00\xd8\x3d\xde\x00\x00\x41'
sm ucs2_udh16_part      '\x08\x40\x06\x08\x04\x12\x34\x02\x01\x4e\x2d\x65\x87'
sm ucs2_flash           '\x18\x00\x00\x48\x00\x69'
sm gbk_chinese          '\x0f\x00\xd1\xe9\xd6\xa4\xc2\xeb'
sm udh_port_then_concat '\x00\x40\x0b\x05\x04\x0b\x84\x23\xf0\x00\x03\x07\x02\x01hi'
sm binary_8bit          '\x04\x00\x01\x02\x03'
sm mwi_store_ucs2       '\xe0\x00\x00\x41'
echo "seeded $(ls corpus/decode | wc -l) decode, $(ls corpus/receipt_text | wc -l) receipt_text," \
  "$(ls corpus/short_message | wc -l) short_message inputs"
