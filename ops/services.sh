#!/usr/bin/env bash
# Starts or stops PostgreSQL, Redis and RabbitMQ on loopback, on non-default ports, with throwaway data.
#   ops/services.sh install        install the Debian packages if missing
#   ops/services.sh start DIR      start all three with data under DIR; prints the env to export
#   ops/services.sh stop DIR       stop them and remove DIR
#   ops/services.sh down NAME DIR  stop one of them (postgres, redis, rabbitmq), keeping its data
#   ops/services.sh up NAME DIR    start it again
#   ops/services.sh vhost NAME      a fresh RabbitMQ vhost for guest; prints its AMQP URL
# Ports: TO_PG_PORT (55432), TO_PG_REPLICA_PORT (55433), TO_REDIS_PORT (56379), TO_AMQP_PORT (55672),
# TO_AMQP_DIST_PORT (55673). PostgreSQL has a streaming replica (TO_PG_REPLICA_URL) for the tests of
# DATABASE_READ_URL; nothing uses it unless told to.
set -euo pipefail

PG_PORT=${TO_PG_PORT:-55432}
PG_REPLICA_PORT=${TO_PG_REPLICA_PORT:-55433}
REDIS_PORT=${TO_REDIS_PORT:-56379}
AMQP_PORT=${TO_AMQP_PORT:-55672}
AMQP_DIST_PORT=${TO_AMQP_DIST_PORT:-55673}
RABBIT_NODE=${TO_RABBIT_NODE:-tableorder-$AMQP_PORT@localhost}
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

log() { echo "[services] $*" >&2; }

install() {
    local need=()
    for pkg in postgresql redis-server rabbitmq-server librabbitmq-dev libhiredis-dev wrk; do
        dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
    done
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    for _ in $(seq 1 $((seconds * 5))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    log "$what did not become ready in ${seconds}s"
    return 1
}

start_postgres() {
    local dir=$1
    su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$dir/pg/data' -l '$dir/pg/server.log' -w -t 30 \
        -o \"-p $PG_PORT -k '$dir/pg' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" \
        >/dev/null 2>&1   # the server must not inherit our output (a caller reading it to the end would wait forever)
}

start_replica() {
    local dir=$1
    su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$dir/pg/replica' -l '$dir/pg/replica.log' -w -t 30 \
        -o \"-p $PG_REPLICA_PORT -k '$dir/pg' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" \
        >/dev/null 2>&1
}

start_redis() {
    local dir=$1
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
    wait_for 10 redis redis-cli -p "$REDIS_PORT" ping
}

start_rabbitmq_node() {
    local dir=$1
    RABBITMQ_NODENAME=$RABBIT_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$AMQP_PORT \
        RABBITMQ_DIST_PORT=$AMQP_DIST_PORT RABBITMQ_MNESIA_BASE="$dir/rabbitmq/mnesia" \
        RABBITMQ_LOG_BASE="$dir/rabbitmq/log" RABBITMQ_PID_FILE="$dir/rabbitmq/pid" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rabbitmq/enabled_plugins" rabbitmq-server -detached >/dev/null 2>&1
    wait_for_rabbitmq
}

wait_for_rabbitmq() {
    wait_for 60 rabbitmq rabbitmq-diagnostics -q -n "$RABBIT_NODE" check_running
    wait_for 30 "rabbitmq port" bash -c "echo > /dev/tcp/127.0.0.1/$AMQP_PORT"
}

start() {
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    chmod 755 "$dir"

    # PostgreSQL: its own cluster directory, trust auth on loopback only.
    mkdir -p "$dir/pg"
    chown postgres:postgres "$dir/pg"
    su postgres -s /bin/sh -c "$PG_BIN/initdb -D '$dir/pg/data' -A trust -U postgres" >"$dir/pg-init.log" 2>&1
    start_postgres "$dir"
    su postgres -s /bin/sh -c "$PG_BIN/createdb -h 127.0.0.1 -p $PG_PORT -U postgres tableorder"
    log "postgresql on 127.0.0.1:$PG_PORT"
    # A hot standby streaming from it (initdb's trust rules admit replication on loopback).
    su postgres -s /bin/sh -c "$PG_BIN/pg_basebackup -h 127.0.0.1 -p $PG_PORT -U postgres -D '$dir/pg/replica' -R -X stream" \
        >"$dir/pg-replica-init.log" 2>&1 || { log "pg_basebackup failed: $dir/pg-replica-init.log"; exit 1; }
    start_replica "$dir" || { log "the replica did not start: $dir/pg/replica.log"; exit 1; }
    log "postgresql replica on 127.0.0.1:$PG_REPLICA_PORT"

    # Redis: no persistence.
    mkdir -p "$dir/redis"
    start_redis "$dir"
    log "redis on 127.0.0.1:$REDIS_PORT"

    # RabbitMQ: a named node with its own ports and directories, owned by the rabbitmq user.
    mkdir -p "$dir/rabbitmq/mnesia" "$dir/rabbitmq/log"
    echo '[].' >"$dir/rabbitmq/enabled_plugins"
    chown -R rabbitmq:rabbitmq "$dir/rabbitmq"
    start_rabbitmq_node "$dir"
    log "rabbitmq on 127.0.0.1:$AMQP_PORT (node $RABBIT_NODE)"

    cat >"$dir/env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/tableorder
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export RABBITMQ_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT/
export TO_RABBIT_NODE=$RABBIT_NODE
export TO_PG_PORT=$PG_PORT
export TO_PG_REPLICA_URL=postgres://postgres@127.0.0.1:$PG_REPLICA_PORT/tableorder
export TO_REDIS_PORT=$REDIS_PORT
export TO_AMQP_PORT=$AMQP_PORT
export TO_SERVICES_DIR=$dir
ENV
    cat "$dir/env"
}

# A broker, database or cache outage, and its end, for the fault tests.
down() {
    local name=$1 dir=$2
    case "$name" in
        postgres) su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$dir/pg/data' -m fast -w stop" >/dev/null ;;
        redis) redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true ;;
        rabbitmq) rabbitmqctl -q -n "$RABBIT_NODE" stop_app >/dev/null ;;
        *) echo "unknown service $name" >&2; return 64 ;;
    esac
    log "$name down"
}

up() {
    local name=$1 dir=$2
    case "$name" in
        postgres) start_postgres "$dir" ;;
        redis) start_redis "$dir" ;;
        rabbitmq) rabbitmqctl -q -n "$RABBIT_NODE" start_app >/dev/null && wait_for_rabbitmq ;;
        *) echo "unknown service $name" >&2; return 64 ;;
    esac
    log "$name up"
}

stop() {
    local dir=$1
    [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd)
    rabbitmqctl -q -n "$RABBIT_NODE" stop >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    if [ -d "$dir/pg/replica" ]; then
        su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$dir/pg/replica' -m fast -w stop" >/dev/null 2>&1 || true
    fi
    if [ -d "$dir/pg/data" ]; then
        su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$dir/pg/data' -m fast -w stop" >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    log "stopped"
}

# A RabbitMQ vhost of its own, so one run's queues never meet another's.
vhost() {
    rabbitmqctl -q -n "$RABBIT_NODE" add_vhost "$1"
    rabbitmqctl -q -n "$RABBIT_NODE" set_permissions -p "$1" guest '.*' '.*' '.*'
    echo "amqp://guest:guest@127.0.0.1:$AMQP_PORT/$1"
}

case "${1:-}" in
    install) install ;;
    start) install; start "${2:?data directory}" ;;
    stop) stop "${2:?data directory}" ;;
    down) down "${2:?service}" "${3:?data directory}" ;;
    up) up "${2:?service}" "${3:?data directory}" ;;
    vhost) vhost "${2:?vhost name}" ;;
    *) echo "usage: $0 install | start DIR | stop DIR | down NAME DIR | up NAME DIR | vhost NAME" >&2; exit 64 ;;
esac
