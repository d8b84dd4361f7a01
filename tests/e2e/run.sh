#!/usr/bin/env bash
# The console's browser suite: Debian's chromium (installed here when missing, never a browser
# download), playwright-core from npm (pinned in package-lock.json), and the already built weft
# binary (tests/python/serve.sh) on a fresh SQLite file. Screenshots of each page land in
# target/console-screenshots/ (README's pictures come from there).
set -euo pipefail
source "$(dirname "$0")/../python/serve.sh"  # $root, $work, weft_serve, weft_stop
suite="$root/tests/e2e"

if ! command -v chromium >/dev/null; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
(cd "$suite" && npm ci --no-audit --no-fund --loglevel=error)

key="weft_e2e0123456789_console-browser-suite-admin"
# Deliveries die fast, so the suite has a dead one to retry.
WEFT_RETRY_SCHEDULE=100ms,100ms weft_serve "$key"
WEFT_URL="http://$address" WEFT_KEY="$key" WEFT_SCREENSHOTS="$root/target/console-screenshots" \
  node "$suite/console.mjs"
