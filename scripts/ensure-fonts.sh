#!/usr/bin/env bash
# Make sure the Noto fonts notices are drawn with are on this machine. Devanagari, Tamil,
# Telugu and Latin also come from PyPI (fontpkg-noto-sans-*), but Kannada, Bengali and
# Gujarati are not on PyPI, so on Debian/Ubuntu this installs fonts-noto-core. Elsewhere it
# names the missing files; put them in a folder and point CIVICOPS_FONT_DIRS at it.
set -euo pipefail
python=${1:-.venv/bin/python}
"$python" -m notices.fonts --check 2>/dev/null && exit 0
if command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian's fonts-noto-core for Indic notices…" >&2
  $sudo apt-get install -y -q --no-install-recommends fonts-noto-core >/dev/null \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends fonts-noto-core >/dev/null; }
fi
"$python" -m notices.fonts --check
