#!/usr/bin/env bash
# Run schemathesis (PyPI, pinned) against the real weft binary on a fresh SQLite file: the examples,
# coverage and fuzzing phases of every operation of the live /openapi.json, with a fixed seed and a
# bounded time, checking that no answer is a 5xx, that every status is documented and that every body
# matches its documented schema. Any finding fails the step. Called by .ci/run after the Rust tests
# (which build target/debug/weft); WEFT_SCHEMATHESIS_TIME overrides the time budget (seconds).
set -euo pipefail
source "$(dirname "$0")/serve.sh"  # $root, $work, weft_serve, weft_alive
venv="${WEFT_ST_VENV:-$root/target/st-venv}"

# schemathesis has its own venv: its pins need not agree with the client generator's.
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"

key="weft_st0123456789_schemathesis-fuzzing-secret"
# No dispatcher: the deliveries made below stay pending for the run to read (nothing is sent).
weft_serve "$key" "" --no-dispatcher

# One of each object, so that the ids the run tries (1, ...) reach the handlers, not only 404.
"$venv/bin/python" - "http://$address" "$key" <<'PY'
import json, sys, urllib.request
base, key = sys.argv[1:]
def post(path, body):
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("x-api-key", key)
    request.add_header("content-type", "application/json")
    urllib.request.urlopen(request).read()
post("/api/v1/outbound-rules", {"name": "Seed", "model": "res.partner", "trigger_domain": "[]",
     "endpoint_source": "static", "endpoint_url": "http://127.0.0.1:9/rule"})
post("/api/v1/subscriptions", {"name": "Seed", "model": "res.partner", "kind": "on_create",
     "address": "http://127.0.0.1:9/subscription"})
post("/api/v1/inbound-hooks", {"name": "Seed", "model": "res.partner", "target": {"by": "none"},
     "actions": [{"type": "create", "values": {"name": {"$payload": "name"}}}]})
post("/api/create_data", {"params": {"model": "res.partner", "vals": {"payload": {"name": "Seed", "ref": "SEED"}}}})
PY

status=0
cd "$work"  # its run directory (.schemathesis/) stays out of the tree
# DELETE /api/v1/api-keys/{id} is left out: revoking the one key the run authenticates with would
# leave every later request at 401 (the Rust tests and client_reads.py cover it).
"$venv/bin/schemathesis" --no-color run "http://$address/openapi.json" --url "http://$address" \
  --header "x-api-key: $key" \
  --exclude-name "DELETE /api/v1/api-keys/{id}" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-time "${WEFT_SCHEMATHESIS_TIME:-120}" --seed 14 --workers 1 \
  --suppress-health-check all || status=$?
weft_alive
exit $status
