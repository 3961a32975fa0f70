#!/bin/sh
# Regenerates docs/digest.png: the HTML part of the sample digest (digest.Sample) as a phone-width
# screenshot in headless Chromium (Debian package "chromium"). Usage: docs/render-digest.sh [en|fr]
# (HEIGHT=pixels overrides the 1800 px page height; the width stays 420 px, a phone).
set -eu
cd "$(dirname "$0")/.."
lang="${1:-en}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go run ./digest/internal/sample -lang "$lang" -html "$tmp/digest.html"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$tmp/profile" --window-size=420,"${HEIGHT:-1800}" \
  --screenshot="$PWD/docs/digest.png" "file://$tmp/digest.html"
