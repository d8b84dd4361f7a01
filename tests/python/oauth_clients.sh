#!/usr/bin/env bash
# The stock OAuth clients against the real weft binary, unchanged: requests-oauthlib (OAuth 2.0
# code flow with and without PKCE, refresh rotation, client credentials, OAuth 1.0a three legs)
# and authlib (RFC 7662 introspection, RFC 7009 revocation, RFC 8414 metadata, OAuth 1.0a),
# pinned in tests/python/oauth_clients/requirements.txt (their own venv, target/oauth-venv).
# setup.py makes, through the admin API with the bootstrap key, an admin-role user and an
# integration user with passwords and OAuth apps of each kind for them; the authorize steps sign
# in with POST /web/session/authenticate. Each script prints a line per step and stops at its
# first failure with the request and the reply.
# Every script runs on a fresh SQLite file, then again on a database made on
# WEFT_TEST_POSTGRES_URL's server when that is set (dropped after); the step fails if any script
# failed. Builds nothing: .ci/run's cargo test has built target/debug/weft (WEFT_BIN names another).
set -euo pipefail
source "$(dirname "$0")/serve.sh"  # $root, $work, weft_serve, weft_stop, weft_alive
venv="${WEFT_OAUTH_VENV:-$root/target/oauth-venv}"
suite="$root/tests/python/oauth_clients"

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r "$suite/requirements.txt"

key="weft_oa0123456789_oauth-clients-admin-secret"
password="oa-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
db="${WEFT_DATABASE_NAME:-weft}"
failed=()

run_script() {
  local name="$1"; shift
  echo "-- $name"
  if ! (cd "$suite" && "$venv/bin/python" "$@"); then
    failed+=("$backend: $name")
  fi
  weft_alive
}

run_all() {
  local setup="$work/oauth-setup-$backend.json"
  (cd "$suite" && "$venv/bin/python" setup.py "http://$address" "$key" "$db" "$password" "$setup")
  run_script "requests-oauthlib OAuth 2.0 code flow" oauth2_code.py "$setup"
  run_script "requests-oauthlib client credentials" client_credentials.py "$setup"
  run_script "requests-oauthlib OAuth 1.0a" oauth1.py "$setup"
  run_script "authlib RFC 7662/7009/8414 and OAuth 1.0a" authlib_rfc.py "$setup"
}

weft_each_backend "$key" oauth_clients run_all

if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}"
  exit 1
fi
echo "every OAuth client passed"
