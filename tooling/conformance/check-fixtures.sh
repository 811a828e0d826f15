#!/usr/bin/env bash
# Sanity check: every fixture folder has all files, a non-empty pcap with packets,
# and a meta.json with the required keys.   tooling/conformance/check-fixtures.sh [ROOT]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${1:-$HERE/fixtures}"
FILES=(capture.pcap events.txt expect-events.txt list.txt list-expect.txt stats.txt nft.txt meta.json)
bad=0 n=0
for d in "$ROOT"/*/; do
  d=${d%/}; n=$((n + 1))
  for f in "${FILES[@]}"; do
    [[ -e $d/$f ]] || { echo "$d: missing $f"; bad=1; }
  done
  [[ -s $d/capture.pcap ]] || { echo "$d: empty capture.pcap"; bad=1; continue; }
  [[ -s $d/stats.txt && -s $d/nft.txt ]] || { echo "$d: empty stats.txt or nft.txt"; bad=1; }
  python3 - "$d" <<'PY' || bad=1
import json, struct, sys, os
d = sys.argv[1]
m = json.load(open(os.path.join(d, "meta.json")))
for k in ("name", "description", "kernel", "recorded", "observer", "local", "interface", "sysctls", "helpers", "expect"):
    if k not in m:
        sys.exit("%s: meta.json lacks %s" % (d, k))
if m["name"] != os.path.basename(d):
    sys.exit("%s: meta name %s differs from folder" % (d, m["name"]))
b = open(os.path.join(d, "capture.pcap"), "rb").read()
magic = struct.unpack("<I", b[:4])[0]
if magic != 0xA1B2C3D4:
    sys.exit("%s: capture.pcap is not a little-endian microsecond pcap (magic %08x)" % (d, magic))
off, pk = 24, 0
while off + 16 <= len(b):
    incl = struct.unpack("<I", b[off + 8:off + 12])[0]
    off += 16 + incl
    pk += 1
if pk == 0 or off != len(b):
    sys.exit("%s: capture.pcap has %d packets / truncated" % (d, pk))
PY
done
[[ $n -gt 0 ]] || { echo "no fixtures under $ROOT"; exit 1; }
[[ $bad -eq 0 ]] && echo "check-fixtures: $n fixtures OK" || { echo "check-fixtures: problems found"; exit 1; }
