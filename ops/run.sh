#!/usr/bin/env bash
# Runs the whole system on this machine: PostgreSQL, Redis and RabbitMQ on loopback (data under .run/),
# one worker and one API on http://127.0.0.1:8080, with a seeded demo store. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUN_DIR="$ROOT/.run"
DATA_DIR="$RUN_DIR/services"
mkdir -p "$RUN_DIR"

ops/services.sh stop "$DATA_DIR" >/dev/null 2>&1 || true
cleanup() {
    trap - EXIT INT TERM
    [ -n "${WORKER_PID:-}" ] && kill "$WORKER_PID" 2>/dev/null || true
    [ -n "${API_PID:-}" ] && kill "$API_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    ops/services.sh stop "$DATA_DIR"
}
trap cleanup EXIT INT TERM

ops/services.sh start "$DATA_DIR" >/dev/null
# shellcheck disable=SC1091
source "$DATA_DIR/env"

if [ ! -f "$RUN_DIR/jwt-private.pem" ]; then
    openssl genrsa -out "$RUN_DIR/jwt-private.pem" 2048 2>/dev/null
    openssl rsa -in "$RUN_DIR/jwt-private.pem" -pubout -out "$RUN_DIR/jwt-public.pem" 2>/dev/null
fi
export ENV=production JWT_PRIVATE_KEY_FILE="$RUN_DIR/jwt-private.pem" JWT_PUBLIC_KEY_FILE="$RUN_DIR/jwt-public.pem"
export HTTP_PORT=${HTTP_PORT:-8080}

swift build
BIN=$(swift build --show-bin-path)
ADMIN_PASSWORD=$(openssl rand -hex 6)
TABLE_PASSWORD=$(openssl rand -hex 6)
"$BIN/tableorder-worker" migrate
"$BIN/tableorder-worker" seed --store-id demo --store-name "Demo Store" --admin-username admin \
    --admin-password "$ADMIN_PASSWORD" --tables 5 --table-password "$TABLE_PASSWORD" --demo-menu

"$BIN/tableorder-worker" >"$RUN_DIR/worker.log" 2>&1 &
WORKER_PID=$!
"$BIN/tableorder-api" >"$RUN_DIR/api.log" 2>&1 &
API_PID=$!
URL="http://127.0.0.1:$HTTP_PORT"
for _ in $(seq 1 100); do curl -sf "$URL/readyz" >/dev/null && break; sleep 0.2; done

token() { curl -s -X POST "$URL/api/auth/$1/login" -H 'Content-Type: application/json' -d "$2" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])'; }
ADMIN_TOKEN=$(token admin "{\"store_id\":\"demo\",\"username\":\"admin\",\"password\":\"$ADMIN_PASSWORD\"}")
TABLE_TOKEN=$(token table "{\"store_id\":\"demo\",\"table_number\":1,\"password\":\"$TABLE_PASSWORD\"}")
MENU_ID=$(curl -s "$URL/api/stores/demo/menus" | python3 -c 'import sys, json; print(json.load(sys.stdin)["menus"][0]["id"])')

cat <<INFO

Table Order is running at $URL  (logs: .run/api.log, .run/worker.log; Ctrl-C stops everything)
  store demo · admin: admin / $ADMIN_PASSWORD · tables 1..5: $TABLE_PASSWORD

The admin's live board, in a browser:
  $URL/admin

A table's tablet, in another window (store demo, table 1, password $TABLE_PASSWORD):
  $URL/table

Open the admin's live stream (in another terminal):
  curl -N $URL/api/admin/orders/stream -H 'Authorization: Bearer $ADMIN_TOKEN'

Post an order as table 1:
  curl -X POST $URL/api/orders -H 'Authorization: Bearer $TABLE_TOKEN' -H 'Content-Type: application/json' -d '{"items":[{"menu_id":"$MENU_ID","quantity":2}]}'
INFO
wait "$API_PID"
