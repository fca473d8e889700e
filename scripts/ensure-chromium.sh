#!/usr/bin/env bash
# Make sure the browser the page tests drive is on this machine: Debian's chromium, run by
# Playwright for Python (no Playwright browser download, which these machines cannot reach).
# Elsewhere, point CIVICOPS_CHROMIUM at a Chromium or Chrome binary.
set -euo pipefail
browser=${CIVICOPS_CHROMIUM:-/usr/bin/chromium}
[ -x "$browser" ] && exit 0
if command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian's chromium for the browser tests…" >&2
  $sudo apt-get install -y -q --no-install-recommends chromium >/dev/null \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends chromium >/dev/null; }
fi
[ -x "$browser" ] || { echo "no Chromium at $browser: install it or set CIVICOPS_CHROMIUM" >&2; exit 1; }
