#!/usr/bin/env bash
# Rebuilds common.ttf and rare-*.ttf from WenQuanYi Micro Hei (Debian package
# fonts-wqy-microhei, Apache-2.0) with fontTools (python3-fonttools).
#
# fpdf parses an embedded TrueType font anew for every document, and both
# its parse and its subsetting cost time in proportion to the font's
# character map. So the face is cut: common.ttf holds what nearly every
# document needs (ASCII, Latin-1, punctuation, the 6,763 hanzi of
# GB 2312), and rare-1.ttf … rare-4.ttf the rest of the CJK ideographs and
# symbols in runs of code points, a quarter each: a document loads one
# only when its text uses one of its characters (a rare one in a name). The glyphs are the original's; hinting and OpenType layout
# tables, which a PDF viewer does not use for CJK text, are dropped.
set -euo pipefail
cd "$(dirname "$0")"
src=${1:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$py - "$src" "$tmp" <<'PY'
import sys
from fontTools.ttLib import TTCollection
src, tmp = sys.argv[1], sys.argv[2]
face = TTCollection(src).fonts[0]  # WenQuanYi Micro Hei (not Mono)
face.save(tmp + "/face0.ttf")
cmap = face.getBestCmap()
common = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) \
    | set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
for b1 in range(0xA1, 0xF8):
    for b2 in range(0xA1, 0xFF):
        try:
            common.add(ord(bytes([b1, b2]).decode("gb2312")))
        except UnicodeDecodeError:
            pass
common &= set(cmap)
wide = set()
for lo, hi in [(0x100, 0x250), (0x370, 0x460), (0x2070, 0x2800), (0x2E80, 0x3000), (0x3040, 0xA000),
               (0xF900, 0xFB00), (0xFE10, 0xFE70), (0xFFF0, 0x10000)]:
    wide |= set(range(lo, hi))
rare = sorted((wide & set(cmap)) - common)
parts = [("common", sorted(common))]
shards = 4
for i in range(shards):
    parts.append(("rare-%d" % (i + 1), rare[i * len(rare) // shards:(i + 1) * len(rare) // shards]))
for name, cps in parts:
    with open(tmp + "/" + name + ".txt", "w") as f:
        f.write(",".join("U+%04X" % c for c in sorted(cps)))
    print(name, len(cps), "characters")
PY
for name in common rare-1 rare-2 rare-3 rare-4; do
  $py -m fontTools.subset "$tmp/face0.ttf" --output-file="$name.ttf" --unicodes="$(cat "$tmp/$name.txt")" \
    --layout-features='' --no-hinting --notdef-outline --name-IDs='*' --name-languages='*' 2>&1 | grep -v FFTM || true
done
ls -l common.ttf rare-*.ttf
