#!/usr/bin/env bash
# Property-based fuzzing of the API from its own /openapi.json (schemathesis, from PyPI), bounded in time,
# with a valid admin token and then a valid table token, against a production-mode API and worker.
# Fails on any 5xx, any response that does not match the document (the error shape included), or any
# undocumented status code. Called by ops/test.sh with the services' environment; standalone:
#   source DIR/env && ops/fuzz.sh      (after ops/services.sh start DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?run ops/services.sh start DIR and source DIR/env first}"

VENV=${TABLEORDER_FUZZ_VENV:-$HOME/.cache/tableorder-schemathesis}
if [ ! -x "$VENV/bin/st" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==4.32.5"
fi

WORK=$(mktemp -d /tmp/tableorder-fuzz.XXXXXX)
BIN=$(swift build --show-bin-path)
cleanup() {
    [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null || true
    [ -n "${WORKER_PID:-}" ] && kill "$WORKER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

openssl genrsa -out "$WORK/jwt.pem" 2048 2>/dev/null
openssl rsa -in "$WORK/jwt.pem" -pubout -out "$WORK/jwt.pub" 2>/dev/null
export ENV=production JWT_PRIVATE_KEY_FILE="$WORK/jwt.pem" JWT_PUBLIC_KEY_FILE="$WORK/jwt.pub"
export HTTP_PORT=${FUZZ_PORT:-18777} WORKER_METRICS_PORT=${FUZZ_WORKER_PORT:-18778}
export RATE_LIMIT=1000000 LOGIN_RATE_LIMIT=1000000
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
TABLE=$(token table '{"store_id":"fuzz","table_number":1,"password":"tablepw"}')

# One worker (-w 1): with two threads, hypothesis's `ast.parse` of its own lambdas can crash CPython 3.11
# ("AST constructor recursion depth mismatch"), failing the run without any finding about the API.
status=0
for who in admin table; do
    if [ "$who" = admin ]; then TOKEN=$ADMIN; else TOKEN=$TABLE; fi
    echo "fuzz: as $who"
    "$VENV/bin/st" run "$URL/openapi.json" -H "Authorization: Bearer $TOKEN" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --exclude-path /api/admin/orders/stream --max-examples "${FUZZ_EXAMPLES:-25}" --max-time "${FUZZ_SECONDS:-90}" \
        --seed "${FUZZ_SEED:-20261130}" -w 1 --request-timeout 10 >"$WORK/st-$who.out" 2>&1 || status=1
    grep -E "generated|passed|failed|errors?" "$WORK/st-$who.out" | tail -n 3
    [ $status -eq 0 ] || { tail -n 80 "$WORK/st-$who.out"; break; }
done
curl -sf "$URL/healthz" >/dev/null || { echo "fuzz: the API stopped answering"; status=1; }
[ $status -eq 0 ] && echo "fuzz: passed" || echo "fuzz: failed"
exit $status
