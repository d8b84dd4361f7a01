#!/usr/bin/env bash
# The stock Odoo clients against the real weft binary, unchanged: odoorpc, odooly (Web API and
# /jsonrpc modes) and odoo-client-lib (xmlrpc, jsonrpc, json2), pinned in
# tests/python/odoo_clients/requirements.txt (their own venv, target/odoo-venv), plus
# tests/python/odoo_xmlrpc.py (the stdlib xmlrpc.client on /xmlrpc/2) when it is there. Each
# script logs in as a user with a password made through the admin API (json2 with the admin's API
# key), prints a line per step and stops at its first failure with the request and the reply;
# then the Python snippets of README.md's "Odoo clients" section run as written.
# Every script runs, on a fresh SQLite file, then again on a database made on
# WEFT_TEST_POSTGRES_URL's server when that is set (dropped after); the step fails if any script
# failed. Builds nothing: .ci/run's cargo test has built target/debug/weft (WEFT_BIN names another).
set -euo pipefail
source "$(dirname "$0")/serve.sh"  # $root, $work, weft_serve, weft_stop, weft_alive
venv="${WEFT_ODOO_VENV:-$root/target/odoo-venv}"
suite="$root/tests/python/odoo_clients"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$suite/requirements.txt"

key="weft_oc0123456789_odoo-clients-admin-secret"
login="odoo-client"
password="oc-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
db="${WEFT_DATABASE_NAME:-weft}"
failed=()

# A user with a password, through the admin API (an integration user, as an ERP's connector is).
make_user() {
  "$venv/bin/python" - "http://$address" "$key" "$login" "$password" <<'PY'
import json, sys, urllib.request
base, key, login, password = sys.argv[1:]
request = urllib.request.Request(base + "/api/v1/users", method="POST", data=json.dumps(
    {"login": login, "name": "Odoo client", "password": password, "role": "integration"}).encode())
request.add_header("x-api-key", key)
request.add_header("content-type", "application/json")
print("user", login, "id", json.load(urllib.request.urlopen(request))["id"])
PY
}

run_script() {
  local name="$1"; shift
  echo "-- $name"
  if ! (cd "$suite" && "$venv/bin/python" "$@"); then
    failed+=("$backend: $name")
  fi
  weft_alive
}

run_all() {
  local url="http://$address"
  make_user
  run_script "odoorpc" odoorpc_client.py "$url" "$db" "$login" "$password"
  run_script "odooly web" odooly_client.py web "$url" "$db" "$login" "$password"
  run_script "odooly jsonrpc" odooly_client.py jsonrpc "$url" "$db" "$login" "$password"
  for protocol in xmlrpc jsonrpc; do
    run_script "odoo-client-lib $protocol" odoolib_client.py "$protocol" "$url" "$db" "$login" "$password"
  done
  run_script "odoo-client-lib json2" odoolib_client.py json2 "$url" "$db" admin "$key"
  run_script "README snippets" readme_snippets.py "$root/README.md" "$url" "$login" "$password"
  if [ -f "$root/tests/python/odoo_xmlrpc.py" ]; then
    run_script "xmlrpc.client" "$root/tests/python/odoo_xmlrpc.py" "$url" "$db" "$login" "$password"
  fi
}

weft_each_backend "$key" odoo_clients run_all

if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}"
  exit 1
fi
echo "every Odoo client passed"
