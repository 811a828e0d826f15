#!/usr/bin/env bash
# Re-record every scenario (or the ones named) into fixtures/<name>/.
#   sudo tooling/conformance/record-all.sh [NAME...]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -gt 0 ]]; then names=("$@"); else mapfile -t names < <(/usr/bin/python3 "$HERE/scenarios.py" list); fi
failed=()
for n in "${names[@]}"; do
  "$HERE/record.sh" "$n" "${CTRK_OUT_ROOT:-$HERE/fixtures}/$n" || failed+=("$n")
done
"$HERE/check-fixtures.sh" "${CTRK_OUT_ROOT:-$HERE/fixtures}" || true
if [[ ${#failed[@]} -gt 0 ]]; then echo "record-all.sh: FAILED: ${failed[*]}" >&2; exit 1; fi
echo "record-all.sh: recorded ${#names[@]} scenarios"
