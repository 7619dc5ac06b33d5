#!/usr/bin/env bash
# Property-based fuzzing of the API from its own /openapi.json (schemathesis, from PyPI), bounded in time,
# with a valid admin token and then a valid table token, against a production-mode API and worker.
# Fails on any 5xx, any response that does not match the document (the error shape included), or any
# undocumented status code. Then ops/fuzz/hostile.py sends what the document does not describe (hostile
# headers, query parameters, JSON fields, framing; see its header) to the same API, and briefly to a
# development-mode API; it fails on a 5xx but 503, a 503/429 without Retry-After, an error body not in
# the contract's shape, a body over 1 MiB, or a process that stops answering /healthz.
# Called by ops/test.sh with the services' environment; standalone:
#   source DIR/env && ops/fuzz.sh      (after ops/services.sh start DIR)
# FUZZ_PORT, FUZZ_WORKER_PORT, FUZZ_DEV_PORT: the ports of the production API, its worker and the
# development API; FUZZ_SEED; FUZZ_HOSTILE_SECONDS, FUZZ_HOSTILE_DEV_SECONDS: the hostile passes' bounds.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?run ops/services.sh start DIR and source DIR/env first}"

VENV=${TABLEORDER_FUZZ_VENV:-$HOME/.cache/tableorder-schemathesis}
if [ ! -x "$VENV/bin/st" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==4.32.5"
fi

WORK=$(mktemp -d /tmp/tableorder-fuzz.XXXXXX)
BIN=${TABLEORDER_BIN_DIR:-$(swift build --show-bin-path)}
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
    for pid in "${API_PID:-}" "${DEV_PID:-}" "${WORKER_PID:-}"; do
        if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

openssl genrsa -out "$WORK/jwt.pem" 2048 2>/dev/null
openssl rsa -in "$WORK/jwt.pem" -pubout -out "$WORK/jwt.pub" 2>/dev/null
export ENV=production JWT_PRIVATE_KEY_FILE="$WORK/jwt.pem" JWT_PUBLIC_KEY_FILE="$WORK/jwt.pub"
export HTTP_PORT=${FUZZ_PORT:-18777} WORKER_METRICS_PORT=${FUZZ_WORKER_PORT:-18778}
export RATE_LIMIT=1000000 LOGIN_RATE_LIMIT=1000000
# X-Forwarded-For is read only from a trusted proxy: trust loopback, so the hostile pass reaches its parser.
export TRUSTED_PROXIES=127.0.0.0/8
# A crash's backtrace names the crashed thread's frames only: seconds, not tens of them, in a debug build.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=yes,interactive=no,threads=crashed,registers=none,images=none}
URL="http://127.0.0.1:$HTTP_PORT"

"$BIN/tableorder-worker" migrate >/dev/null
"$BIN/tableorder-worker" seed --store-id fuzz --store-name Fuzz --admin-username admin --admin-password adminpw \
    --tables 3 --table-password tablepw --demo-menu >/dev/null
"$BIN/tableorder-worker" >"$WORK/worker.log" 2>&1 &
WORKER_PID=$!
"$BIN/tableorder-api" >"$WORK/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 150); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.2; done

token() { curl -s -X POST "$URL/api/auth/$1/login" -H 'Content-Type: application/json' -d "$2" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])'; }
ADMIN=$(token admin '{"store_id":"fuzz","username":"admin","password":"adminpw"}')

# One worker (-w 1): with two threads, hypothesis's `ast.parse` of its own lambdas can crash CPython 3.11
# ("AST constructor recursion depth mismatch"), failing the run without any finding about the API.
status=0
# Logout and a password change would end the token the run is using (every later answer a 401 the document
# cannot list for each route): the hostile pass below takes them, with tokens of their own. The admin phase
# resets tables' passwords (which ends their tokens), so the table logs in after it, with the seeded password.
for who in admin table; do
    if [ "$who" = admin ]; then
        TOKEN=$ADMIN
    else
        "$BIN/tableorder-worker" seed --store-id fuzz --store-name Fuzz --admin-username admin --admin-password adminpw \
            --tables 3 --table-password tablepw --demo-menu >/dev/null
        TOKEN=$(token table '{"store_id":"fuzz","table_number":1,"password":"tablepw"}')
    fi
    echo "fuzz: as $who"
    "$VENV/bin/st" run "$URL/openapi.json" -H "Authorization: Bearer $TOKEN" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --exclude-path /api/admin/orders/stream --exclude-path /api/auth/logout --exclude-path /api/admin/password \
        --max-examples "${FUZZ_EXAMPLES:-25}" --max-time "${FUZZ_SECONDS:-90}" \
        --seed "${FUZZ_SEED:-20261130}" -w 1 --request-timeout 10 >"$WORK/st-$who.out" 2>&1 || status=1
    grep -E "generated|passed|failed|errors?" "$WORK/st-$who.out" | tail -n 3
    [ $status -eq 0 ] || { tail -n 80 "$WORK/st-$who.out"; break; }
done
curl -sf "$URL/healthz" >/dev/null || { echo "fuzz: the API stopped answering"; status=1; }

# What the document does not describe, against the same API; an API it kills is started again (same
# environment) so one pass reports every finding. Its own store: schemathesis has reset the passwords of
# fuzz's tables and filled its menu.
SEED=${FUZZ_SEED:-20261130}
echo "fuzz: hostile headers, parameters and fields"
"$BIN/tableorder-worker" seed --store-id hostile --store-name Hostile --admin-username admin --admin-password adminpw \
    --tables 3 --table-password tablepw --demo-menu >/dev/null
python3 ops/fuzz/hostile.py --url "$URL" --label production --seed "$SEED" --store-id hostile \
    --admin-password adminpw --table-password tablepw --restart "$BIN/tableorder-api" --api-log "$WORK/api.log" \
    --max-seconds "${FUZZ_HOSTILE_SECONDS:-80}" || status=1

# Briefly against development mode (one process, SQLite, in-process bus and limiter), as a newcomer runs it.
DEV_PORT=${FUZZ_DEV_PORT:-$((HTTP_PORT + 2))}
DEV=(env -u ENV -u DATABASE_URL -u REDIS_URL -u RABBITMQ_URL -u JWT_PRIVATE_KEY_FILE -u JWT_PUBLIC_KEY_FILE
    TABLEORDER_SQLITE_PATH="$WORK/dev.sqlite" HTTP_PORT="$DEV_PORT")
"${DEV[@]}" "$BIN/tableorder-api" >"$WORK/dev-api.log" 2>&1 &
DEV_PID=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$DEV_PORT/readyz" >/dev/null && break; sleep 0.2; done
# Its middleware is production's: only what reaches SQLite and the in-process event log (--scope storage).
"${DEV[@]}" python3 ops/fuzz/hostile.py --url "http://127.0.0.1:$DEV_PORT" --label development --seed "$SEED" \
    --store-id demo --credentials "$WORK/dev.sqlite.credentials.json" --scope storage --sample 2 \
    --other-identity 0.05 --restart "$BIN/tableorder-api" --api-log "$WORK/dev-api.log" \
    --max-seconds "${FUZZ_HOSTILE_DEV_SECONDS:-40}" || status=1

[ $status -eq 0 ] && echo "fuzz: passed" || echo "fuzz: failed"
exit $status
