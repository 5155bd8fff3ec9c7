#!/usr/bin/env bash
# Create .venv (Python 3.11) and install the package into it, editable.
#   scripts/venv.sh        -> pip install -e .
#   scripts/venv.sh dev    -> pip install -e '.[dev]'
# Skips pip when pyproject.toml has not changed since the last install of the same extras.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=${1:-}
venv=.venv

is_311() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; }

if [ -x "$venv/bin/python" ] && ! is_311 "$venv/bin/python"; then
  echo "[venv] $venv is not Python 3.11: recreating it" >&2
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  py=${PYTHON:-}
  if [ -z "$py" ]; then
    for cand in python3.11 python3; do
      if command -v "$cand" >/dev/null 2>&1 && is_311 "$cand"; then py=$cand; break; fi
    done
  fi
  if [ -z "$py" ]; then
    echo "[venv] Python 3.11 not found (set PYTHON=/path/to/python3.11)" >&2
    exit 1
  fi
  echo "[venv] creating $venv with $py" >&2
  "$py" -m venv "$venv"
fi

want=$(sha256sum pyproject.toml | cut -d' ' -f1)
stamp_for() { echo "$venv/.parcours-installed${1:+-$1}"; }
up_to_date() { [ -f "$(stamp_for "$1")" ] && [ "$(cat "$(stamp_for "$1")")" = "$want" ]; }

# A dev install covers the plain one.
if up_to_date "$extras" || { [ -z "$extras" ] && up_to_date dev; }; then
  exit 0
fi

target=.
if [ -n "$extras" ]; then target=".[$extras]"; fi
echo "[venv] pip install -e '$target'" >&2
log=$(mktemp)
if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$target" >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "[venv] pip install failed" >&2
  exit 1
fi
rm -f "$log"
printf '%s\n' "$want" >"$(stamp_for "$extras")"
