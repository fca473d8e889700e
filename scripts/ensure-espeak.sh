#!/usr/bin/env bash
# Make sure espeak-ng is on this machine: the voice tests speak their sentences with it
# (Debian's espeak-ng, which brings its voices; nothing is downloaded but the package).
# Elsewhere, install espeak-ng with the system's package manager.
set -euo pipefail
command -v espeak-ng >/dev/null && exit 0
if command -v apt-get >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing Debian's espeak-ng for the voice tests…" >&2
  $sudo apt-get install -y -q --no-install-recommends espeak-ng >/dev/null \
    || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q --no-install-recommends espeak-ng >/dev/null; }
fi
command -v espeak-ng >/dev/null || { echo "no espeak-ng: install it (Debian: apt-get install espeak-ng)" >&2; exit 1; }
