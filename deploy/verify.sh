#!/usr/bin/env bash
# deploy/verify.sh — checks deploy/boundaryd.service with systemd-analyze
# verify. CI calls it; it fails on any warning or error in the output.
#
# verify insists that ExecStart's binary exists, so the unit is checked as a
# temporary copy whose ExecStart points at a freshly built binary.
# BOUNDARYD_BIN=/path/to/boundaryd uses that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."

unit=deploy/boundaryd.service
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "verify.sh: SKIP: systemd-analyze not found (Debian/Ubuntu: apt-get install systemd); $unit NOT checked"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bin=${BOUNDARYD_BIN:-}
if [[ -z $bin ]]; then
  bin=$tmp/bin/boundaryd
  go build -o "$bin" ./cmd/boundaryd
fi
[[ -x $bin ]] || { echo "verify.sh: $bin is not an executable"; exit 1; }

# Same file name as installed: verify derives the unit name from it.
copy=$tmp/boundaryd.service
sed "s|^ExecStart=/usr/local/bin/boundaryd |ExecStart=$bin |" "$unit" >"$copy"
if ! grep -q "^ExecStart=$bin run " "$copy"; then
  echo "verify.sh: could not point ExecStart at $bin; does $unit still start /usr/local/bin/boundaryd run?"
  exit 1
fi

echo "verify.sh: $(systemd-analyze --version | head -1)"
status=0
out=$(systemd-analyze verify --man=no "$copy" 2>&1) || status=$?
if [[ $status -ne 0 || -n $out ]]; then
  printf '%s\n' "$out"
  echo "verify.sh: FAIL: systemd-analyze verify $unit (exit $status, output above)"
  exit 1
fi
echo "verify.sh: OK: systemd-analyze verify $unit: no warnings, no errors"
