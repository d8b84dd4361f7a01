#!/usr/bin/env bash
# Generate a Python client from openapi/weft.json with openapi-python-client (in a virtual environment
# made here), start the real weft binary on a fresh SQLite file, and let the client create and search
# a record and read every list and object of /api/v1 (each reply checked against the document); then
# check the signature of every delivery with the PyPI `standardwebhooks` package. Called by .ci/run
# after the Rust tests (which build target/debug/weft).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
venv="${WEFT_PY_VENV:-$root/target/py-venv}"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "openapi-python-client==0.29.*" httpx attrs python-dateutil "standardwebhooks==1.*"
"$venv/bin/openapi-python-client" generate --path "$root/openapi/weft.json" --output-path "$work/client" --overwrite >/dev/null 2>&1 \
  || "$venv/bin/openapi-python-client" generate --path "$root/openapi/weft.json" --output-path "$work/client" --overwrite

key="weft_py0123456789_python-client-roundtrip-secret"
WEFT_DATABASE_URL="sqlite://$work/weft.db" WEFT_LISTEN=127.0.0.1:0 WEFT_ALLOWED_TARGETS=127.0.0.0/8 WEFT_ADMIN_API_KEY="$key" WEFT_LOG=warn \
  "$root/target/debug/weft" serve >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  address=$(sed -n 's/^weft listening on //p' "$work/serve.log")
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "${address:-}" ] || { cat "$work/serve.log"; echo "weft serve did not start"; exit 1; }
PYTHONPATH="$work/client" "$venv/bin/python" "$root/tests/python/client_roundtrip.py" "http://$address" "$key"
PYTHONPATH="$work/client" "$venv/bin/python" "$root/tests/python/client_reads.py" "http://$address" "$key" "$root/openapi/weft.json"
"$venv/bin/python" "$root/tests/python/signatures.py" "http://$address" "$key"
