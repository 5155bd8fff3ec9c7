#!/usr/bin/env bash
# The whole test run: venv + dev deps, PostgreSQL 15, Meilisearch, Chromium, ruff, pytest.
#   scripts/test.sh [PYTEST ARGS...]      e.g. scripts/test.sh -k match -x
# With CI=true a test that needs a service fails instead of skipping (tests/services.py), a run
# that collects no test fails, and pytest is stopped after TEST_TIMEOUT seconds (default 1500).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/services.sh
source scripts/services.sh

is_ci() { case "${CI:-}" in 1 | true | TRUE | True | yes) return 0 ;; *) return 1 ;; esac; }
say() { printf '[test] %s\n' "$*" >&2; }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_services
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t_start=$(date +%s)

scripts/venv.sh dev

missing=()
start_postgres || missing+=("PostgreSQL")
start_meili || missing+=("Meilisearch")
ensure_chromium || missing+=("Chromium")
if [ "${#missing[@]}" -gt 0 ]; then
  if is_ci; then
    say "could not provide: ${missing[*]} (CI=true: the tests that need them must run)"
    exit 1
  fi
  say "not available: ${missing[*]} — the tests that need them will be skipped"
fi

say "ruff check ."
ruff_rc=0
.venv/bin/ruff check . || ruff_rc=$?

pytest_cmd=(.venv/bin/python -m pytest "$@")
if is_ci; then
  pytest_cmd=(timeout --kill-after=30 "${TEST_TIMEOUT:-1500}" "${pytest_cmd[@]}")
elif [ -n "${TEST_TIMEOUT:-}" ]; then
  pytest_cmd=(timeout --foreground --kill-after=30 "$TEST_TIMEOUT" "${pytest_cmd[@]}")
fi
say "$(printf '%q ' "${pytest_cmd[@]}")"
pytest_rc=0
"${pytest_cmd[@]}" || pytest_rc=$?

case "$pytest_rc" in
  0) pytest_word="ok" ;;
  1) pytest_word="tests failed" ;;
  5) pytest_word="NO TEST COLLECTED" ;;
  124) pytest_word="stopped after ${TEST_TIMEOUT:-1500}s (timeout)" ;;
  *) pytest_word="error (exit $pytest_rc)" ;;
esac
ruff_word=$([ "$ruff_rc" -eq 0 ] && echo ok || echo "problems found (exit $ruff_rc)")

say "---- summary ----"
say "services: PostgreSQL ${PG_START_MS:-–} ms, Meilisearch ${MEILI_START_MS:-–} ms, Chromium ${TEST_CHROMIUM:-missing}"
say "ruff: $ruff_word"
say "pytest: $pytest_word"
say "time: $(($(date +%s) - t_start)) s"

if [ "$pytest_rc" -eq 5 ]; then
  say "pytest collected no test: this run proves nothing, so it fails."
  exit 5
fi
if [ "$pytest_rc" -ne 0 ]; then exit "$pytest_rc"; fi
if [ "$ruff_rc" -ne 0 ]; then exit "$ruff_rc"; fi
exit 0
