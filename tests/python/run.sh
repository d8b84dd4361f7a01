#!/usr/bin/env bash
# Generate a Python client from openapi/weft.json with openapi-python-client (in a virtual environment
# made here), start the real weft binary on a fresh SQLite file, and let the client create and search
# a record and read every list and object of /api/v1 (each reply checked against the document); then
# check the signature of every delivery with the PyPI `standardwebhooks` package. Called by .ci/run
# after the Rust tests (which build target/debug/weft).
set -euo pipefail
source "$(dirname "$0")/serve.sh"  # $root, $work, weft_serve
venv="${WEFT_PY_VENV:-$root/target/py-venv}"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "openapi-python-client==0.29.*" httpx attrs python-dateutil "standardwebhooks==1.*"
"$venv/bin/openapi-python-client" generate --path "$root/openapi/weft.json" --output-path "$work/client" --overwrite >/dev/null 2>&1 \
  || "$venv/bin/openapi-python-client" generate --path "$root/openapi/weft.json" --output-path "$work/client" --overwrite

key="weft_py0123456789_python-client-roundtrip-secret"
weft_serve "$key"
PYTHONPATH="$work/client" "$venv/bin/python" "$root/tests/python/client_roundtrip.py" "http://$address" "$key"
PYTHONPATH="$work/client" "$venv/bin/python" "$root/tests/python/client_reads.py" "http://$address" "$key" "$root/openapi/weft.json"
"$venv/bin/python" "$root/tests/python/signatures.py" "http://$address" "$key"
