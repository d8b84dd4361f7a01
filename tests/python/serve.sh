# Sourced by the Python suites (run.sh, schemathesis.sh, odoo_clients.sh): a scratch directory, and
# the already built weft binary started on a free port, stopped when the script exits. It builds
# nothing: .ci/run's cargo test has built target/debug/weft (WEFT_BIN names another binary).
#
#   weft_serve KEY [DATABASE_URL] [serve args...]   start `weft serve` with KEY as the bootstrap
#       admin key, on DATABASE_URL (default: a fresh SQLite file in $work), extra settings from the
#       caller's environment; sets $address (host:port) and $server_pid, or prints the log and exits.
#   weft_stop                                         stop it (SIGTERM, then wait).
#   weft_alive                                        fail with the log when it stopped by itself.
#   weft_each_backend KEY NAME FUNC                   run FUNC against a server on a fresh SQLite file,
#       then on a database NAME_<pid> made on WEFT_TEST_POSTGRES_URL's server when that is set
#       (dropped after); sets $backend to sqlite or postgres for FUNC.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
weft_bin="${WEFT_BIN:-$root/target/debug/weft}"
server_pid=""
address=""

weft_stop() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
weft_cleanup() { weft_stop; rm -rf "$work"; }
trap weft_cleanup EXIT

weft_serve() {
  local key="$1" database="${2:-sqlite://$work/weft.db}"
  shift $(( $# < 2 ? $# : 2 ))
  [ -x "$weft_bin" ] || { echo "no weft binary at $weft_bin (cargo build -p weft-server first)"; exit 1; }
  : >"$work/serve.log"
  WEFT_DATABASE_URL="$database" WEFT_LISTEN=127.0.0.1:0 WEFT_ADMIN_API_KEY="$key" \
    WEFT_ALLOWED_TARGETS="${WEFT_ALLOWED_TARGETS:-127.0.0.0/8}" WEFT_LOG="${WEFT_LOG:-warn}" \
    "$weft_bin" serve "$@" >"$work/serve.log" 2>&1 &
  server_pid=$!
  address=""
  for _ in $(seq 1 100); do
    address=$(sed -n 's/^weft listening on //p' "$work/serve.log")
    [ -n "$address" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$address" ] || { cat "$work/serve.log"; echo "weft serve did not start"; exit 1; }
}

weft_alive() {
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "weft serve stopped during the run:"; cat "$work/serve.log"; exit 1
  fi
}

weft_each_backend() {
  local key="$1" name="$2" run="$3"
  backend=sqlite
  echo "== on SQLite"
  weft_serve "$key"
  "$run"
  weft_stop
  [ -n "${WEFT_TEST_POSTGRES_URL:-}" ] || return 0
  backend=postgres
  pg_db="weft_${name}_$$"
  pg_admin="${WEFT_TEST_POSTGRES_URL%/*}/postgres"  # the server's maintenance database
  psql -q "$pg_admin" -c "CREATE DATABASE \"$pg_db\""
  drop_pg() { weft_stop; psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" || true; weft_cleanup; }
  trap drop_pg EXIT
  echo "== on PostgreSQL ($pg_db)"
  weft_serve "$key" "${WEFT_TEST_POSTGRES_URL%/*}/$pg_db"
  "$run"
  weft_stop
}
