#!/usr/bin/env bash
# Migrate a throw-away database, start `finplat serve` on it, wait for /readyz, run the browser
# smoke test (e2e/smoke.mjs) and stop the server. Run from anywhere; needs the Python venv at
# <repo>/.venv, web/node_modules (npm ci) and Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
set -euo pipefail

WEB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$WEB_DIR/.." && pwd)"
PORT="${FINPLAT_E2E_PORT:-8765}"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/finplat-web-e2e.XXXXXX")"
LOG="$WORK_DIR/server.log"
FINPLAT="$REPO_DIR/.venv/bin/finplat"

export FINPLAT_DATABASE_URL="sqlite+aiosqlite:///$WORK_DIR/web-e2e.db"
export FINPLAT_E2E_URL="http://127.0.0.1:$PORT"
# Every role's journey signs in from this one address, many times a minute, and the journeys
# run back to back: wider limits than production's 20 sign-ins and 120 API requests a minute per
# address (the limits themselves are tested in the Python suite).
export FINPLAT_RATE_LIMIT_AUTH_PER_IP="200/minute"
export FINPLAT_RATE_LIMIT_PER_IP="1200/minute"

server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$WORK_DIR"
}
trap cleanup EXIT

"$FINPLAT" migrate
# A staff account for the operator console (its TOTP secret lets the smoke test log in).
staff_json="$("$FINPLAT" admin create-user --login e2e-admin --password 'Smoke-admin-2026' --role admin --json)"
export FINPLAT_E2E_STAFF_LOGIN=e2e-admin FINPLAT_E2E_STAFF_PASSWORD='Smoke-admin-2026'
FINPLAT_E2E_STAFF_TOTP_SECRET="$(printf '%s' "$staff_json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["totp_secret"])')"
export FINPLAT_E2E_STAFF_TOTP_SECRET
# The console journeys' people: a support agent, an operations/finance user and a verified
# customer with a bank card (e2e/console/*.mjs).
json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }
for role in support finance; do
  upper="$(printf '%s' "$role" | tr '[:lower:]' '[:upper:]')"
  created="$("$FINPLAT" admin create-user --login "e2e-$role" --password 'Console-pass-2026' --role "$role" --json)"
  export "FINPLAT_E2E_${upper}_LOGIN=e2e-$role" "FINPLAT_E2E_${upper}_PASSWORD=Console-pass-2026"
  export "FINPLAT_E2E_${upper}_TOTP_SECRET=$(printf '%s' "$created" | json_field totp_secret)"
done
customer_json="$("$FINPLAT" admin create-user --login 13987650001 --password 'Customer-pass-2026' --role investor --json)"
export FINPLAT_E2E_CUSTOMER_LOGIN=13987650001 FINPLAT_E2E_CUSTOMER_PASSWORD='Customer-pass-2026'
FINPLAT_E2E_CUSTOMER_ID="$(printf '%s' "$customer_json" | json_field user_id)"
export FINPLAT_E2E_CUSTOMER_ID
# A reviewer and a marketing account for the console journeys (e2e/roles.mjs).
for role in reviewer marketing; do
  json="$("$FINPLAT" admin create-user --login "e2e-$role" --password 'Journey-staff-2026' --role "$role" --json)"
  prefix="FINPLAT_E2E_$(printf '%s' "$role" | tr '[:lower:]' '[:upper:]')"
  export "${prefix}_LOGIN=e2e-$role" "${prefix}_PASSWORD=Journey-staff-2026"
  export "${prefix}_TOTP_SECRET=$(printf '%s' "$json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["totp_secret"])')"
done
"$FINPLAT" serve --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
server_pid=$!

for _ in $(seq 1 240); do
  if curl -fsS "$FINPLAT_E2E_URL/readyz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited:" >&2; cat "$LOG" >&2; exit 1
  fi
  sleep 0.5
done
if ! curl -fsS "$FINPLAT_E2E_URL/readyz" >/dev/null 2>&1; then
  echo "the server did not become ready:" >&2; cat "$LOG" >&2; exit 1
fi

cd "$WEB_DIR"
status=0
# FINPLAT_E2E_SCRIPTS runs a subset (e.g. one journey while working on it: FINPLAT_E2E_SCRIPTS=roles.mjs,
# relative to e2e/ or to web/).
for script in ${FINPLAT_E2E_SCRIPTS:-e2e/smoke.mjs e2e/console/support.mjs e2e/console/finance.mjs e2e/console/system.mjs e2e/roles.mjs e2e/risk.mjs e2e/lending.mjs}; do
  [[ -f "$script" ]] || script="e2e/$script"
  if ! node "$script"; then
    echo "--- $script failed; server log ---" >&2; tail -n 50 "$LOG" >&2; status=1
  fi
done
exit "$status"
