#!/usr/bin/env bash
# Set up everything handcalc needs on a fresh Debian machine (idempotent):
#   - Debian packages: chromium (the browser tests), poppler-utils (pdftotext, pdftoppm: the PDF tests)
#   - a virtual environment in .venv with handcalc, its site and PDF extras and its test tools
# KaTeX ships inside the package (handcalc/assets/katex/, refreshed by scripts/update-katex.py).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e '.[site,pdf,test]'
echo "setup: done"
