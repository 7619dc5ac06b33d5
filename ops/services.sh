#!/usr/bin/env bash
# Starts or stops PostgreSQL, Redis and RabbitMQ on loopback, on non-default ports, with throwaway data.
#   ops/services.sh install        install the Debian packages if missing
#   ops/services.sh start DIR      start all three with data under DIR; prints the env to export (DIR/env).
#                                  A DIR that holds an earlier instance is stopped and started afresh.
#   ops/services.sh stop DIR       stop them and remove DIR (nothing to do if DIR is gone)
#   ops/services.sh down NAME DIR  stop one of them (postgres, redis, rabbitmq), keeping its data
#   ops/services.sh up NAME DIR    start it again
#   ops/services.sh vhost NAME [tls]  a fresh RabbitMQ vhost for guest; prints its AMQP (or AMQPS) URL
#   ops/services.sh alarm set|clear [memory|disk]  raise or clear a RabbitMQ resource alarm (memory by
#                                  default): the broker then blocks every publishing connection
# Ports: TO_PG_PORT (55432), TO_PG_REPLICA_PORT (55433), TO_REDIS_PORT (56379), TO_AMQP_PORT (55672),
# TO_AMQP_DIST_PORT (55673); TLS beside them: TO_AMQPS_PORT (TO_AMQP_PORT - 1: 55671),
# TO_REDIS_TLS_PORT (TO_REDIS_PORT + 1: 56380); PostgreSQL takes TLS on its own port. PostgreSQL has a
# streaming replica (TO_PG_REPLICA_URL) for the tests of DATABASE_READ_URL; nothing uses it unless told to.
# TLS: a throwaway CA made at start (ops/tls.sh, DIR/tls/ca.pem) signs a certificate for localhost and
# 127.0.0.1; TO_TLS_CA_FILE, TO_AMQPS_URL, TO_REDISS_URL and TO_PG_TLS_URL in the env use it.
set -euo pipefail
OPS_DIR=$(cd "$(dirname "$0")" && pwd)

PG_PORT=${TO_PG_PORT:-55432}
PG_REPLICA_PORT=${TO_PG_REPLICA_PORT:-55433}
REDIS_PORT=${TO_REDIS_PORT:-56379}
AMQP_PORT=${TO_AMQP_PORT:-55672}
AMQP_DIST_PORT=${TO_AMQP_DIST_PORT:-55673}
AMQPS_PORT=${TO_AMQPS_PORT:-$((AMQP_PORT - 1))}
REDIS_TLS_PORT=${TO_REDIS_TLS_PORT:-$((REDIS_PORT + 1))}
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
        -o \"-p $PG_PORT -k '$dir/pg' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 \
        -c ssl=on -c ssl_cert_file='$dir/pg/server.pem' -c ssl_key_file='$dir/pg/server.key'\" start" \
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
        --dir "$dir/redis" --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" \
        --tls-port "$REDIS_TLS_PORT" --tls-cert-file "$dir/tls/server.pem" --tls-key-file "$dir/tls/server.key" \
        --tls-ca-cert-file "$dir/tls/ca.pem" --tls-auth-clients no
    wait_for 10 redis redis-cli -p "$REDIS_PORT" ping
}

start_rabbitmq_node() {
    local dir=$1
    RABBITMQ_NODENAME=$RABBIT_NODE RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$AMQP_PORT \
        RABBITMQ_DIST_PORT=$AMQP_DIST_PORT RABBITMQ_MNESIA_BASE="$dir/rabbitmq/mnesia" \
        RABBITMQ_CONFIG_FILE="$dir/rabbitmq/rabbitmq.conf" RABBITMQ_LOG_BASE="$dir/rabbitmq/log" RABBITMQ_PID_FILE="$dir/rabbitmq/pid" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$dir/rabbitmq/enabled_plugins" rabbitmq-server -detached >/dev/null 2>&1
    wait_for_rabbitmq
}

wait_for_rabbitmq() {
    wait_for 60 rabbitmq rabbitmq-diagnostics -q -n "$RABBIT_NODE" check_running
    wait_for 30 "rabbitmq port" bash -c "echo > /dev/tcp/127.0.0.1/$AMQP_PORT"
    wait_for 30 "rabbitmq TLS port" bash -c "echo > /dev/tcp/127.0.0.1/$AMQPS_PORT"
}

# The TLS listener beside the plaintext one (which RABBITMQ_NODE_IP_ADDRESS and _PORT set).
write_rabbitmq_config() {
    local dir=$1
    cat >"$dir/rabbitmq/rabbitmq.conf" <<CONF
listeners.ssl.default = 127.0.0.1:$AMQPS_PORT
ssl_options.cacertfile = $dir/rabbitmq/tls/ca.pem
ssl_options.certfile = $dir/rabbitmq/tls/server.pem
ssl_options.keyfile = $dir/rabbitmq/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
CONF
}

running() {  # running PIDFILE: its process is alive
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Waits until the process in PIDFILE has exited; past SECONDS, ends it (TERM, then KILL). For the servers
# whose polite stop did not work (a stale port in the env, a hung node): no orphan outlives `stop`.
reap() {  # reap PIDFILE SECONDS
    local file=$1 seconds=$2 pid
    [ -s "$file" ] || return 0
    pid=$(cat "$file")
    for _ in $(seq 1 $((seconds * 5))); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    log "pid $pid ($file) still running: killing it"
    kill "$pid" 2>/dev/null || true
    sleep 1
    kill -9 "$pid" 2>/dev/null || true
}

# Servers of DIR still running after their stop, whose pid file is lost or whose directory was removed
# first: a RabbitMQ VM names DIR in its environment (a `rabbitmqctl stop` left behind by its timeout, in
# its arguments), PostgreSQL in its arguments, a Redis server runs in its directory under DIR.
sweep() {  # sweep DIR
    local dir=$1 pid
    for pid in $(pgrep -x beam.smp) $(pgrep -x redis-server) $(pgrep -x postgres); do
        if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qF "RABBITMQ_MNESIA_BASE=$dir/" \
            || { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF " $dir/" \
            || [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$dir/"* ]]; then
            log "$(cat "/proc/$pid/comm" 2>/dev/null) $pid of $dir still running: ending it"
            # PostgreSQL's immediate shutdown (its children follow); the others have nothing to keep.
            if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then kill -QUIT "$pid"; else kill -9 "$pid"; fi 2>/dev/null || true
        fi
    done
}

start() {
    local dir=$1
    if [ -d "$dir/pg" ] || [ -d "$dir/redis" ] || [ -d "$dir/rabbitmq" ]; then
        log "$dir holds an earlier instance: stopping it first"
        stop "$dir"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    chmod 755 "$dir"

    # TLS: a CA of this run and the server certificate, with a copy of the key for each server's user.
    "$OPS_DIR/tls.sh" make "$dir/tls"
    mkdir -p "$dir/pg" "$dir/rabbitmq/tls"
    cp "$dir/tls/server.pem" "$dir/tls/server.key" "$dir/pg/"
    cp "$dir/tls/ca.pem" "$dir/tls/server.pem" "$dir/tls/server.key" "$dir/rabbitmq/tls/"

    # PostgreSQL: its own cluster directory, trust auth on loopback only.
    chown postgres:postgres "$dir/pg" "$dir/pg/server.pem" "$dir/pg/server.key"
    su postgres -s /bin/sh -c "$PG_BIN/initdb -D '$dir/pg/data' -A trust -U postgres" >"$dir/pg-init.log" 2>&1
    start_postgres "$dir"
    su postgres -s /bin/sh -c "$PG_BIN/createdb -h 127.0.0.1 -p $PG_PORT -U postgres tableorder"
    log "postgresql on 127.0.0.1:$PG_PORT"
    # A hot standby streaming from it (initdb's trust rules admit replication on loopback). `-c fast`:
    # the backup's checkpoint at once; the default spreads it over minutes (a start waited 92 s for it).
    su postgres -s /bin/sh -c "$PG_BIN/pg_basebackup -h 127.0.0.1 -p $PG_PORT -U postgres -D '$dir/pg/replica' -R -X stream -c fast" \
        >"$dir/pg-replica-init.log" 2>&1 || { log "pg_basebackup failed: $dir/pg-replica-init.log"; exit 1; }
    start_replica "$dir" || { log "the replica did not start: $dir/pg/replica.log"; exit 1; }
    log "postgresql replica on 127.0.0.1:$PG_REPLICA_PORT"

    # Redis: no persistence.
    mkdir -p "$dir/redis"
    start_redis "$dir"
    log "redis on 127.0.0.1:$REDIS_PORT, TLS on $REDIS_TLS_PORT"

    # RabbitMQ: a named node with its own ports and directories, owned by the rabbitmq user.
    mkdir -p "$dir/rabbitmq/mnesia" "$dir/rabbitmq/log"
    echo '[].' >"$dir/rabbitmq/enabled_plugins"
    write_rabbitmq_config "$dir"
    chown -R rabbitmq:rabbitmq "$dir/rabbitmq"
    start_rabbitmq_node "$dir"
    log "rabbitmq on 127.0.0.1:$AMQP_PORT, amqps on $AMQPS_PORT (node $RABBIT_NODE)"

    cat >"$dir/env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/tableorder
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export RABBITMQ_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT/
export TO_RABBIT_NODE=$RABBIT_NODE
export TO_PG_PORT=$PG_PORT
export TO_PG_REPLICA_URL=postgres://postgres@127.0.0.1:$PG_REPLICA_PORT/tableorder
export TO_REDIS_PORT=$REDIS_PORT
export TO_AMQP_PORT=$AMQP_PORT
export TO_AMQP_DIST_PORT=$AMQP_DIST_PORT
export TO_PG_REPLICA_PORT=$PG_REPLICA_PORT
export TO_AMQPS_PORT=$AMQPS_PORT
export TO_REDIS_TLS_PORT=$REDIS_TLS_PORT
export TO_TLS_CA_FILE=$dir/tls/ca.pem
export TO_AMQPS_URL=amqps://guest:guest@localhost:$AMQPS_PORT/
export TO_REDISS_URL=rediss://localhost:$REDIS_TLS_PORT
export TO_PG_TLS_URL='postgres://postgres@localhost:$PG_PORT/tableorder?sslmode=verify-full&sslrootcert=$dir/tls/ca.pem'
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
    if [ ! -d "$dir" ]; then
        # Removed while its servers ran (a cleanup removed a parent directory first): end what is left.
        if [[ "$dir" == /* ]]; then sweep "${dir%/}"; fi
        return 0
    fi
    dir=$(cd "$dir" && pwd)
    # `stop PIDFILE` waits for the VM to exit, but for a node that is not running, waits for ever.
    if running "$dir/rabbitmq/pid"; then
        timeout -k 5 30 rabbitmqctl -q -n "$RABBIT_NODE" stop "$dir/rabbitmq/pid" >/dev/null 2>&1 || true
    fi
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    reap "$dir/rabbitmq/pid" 30
    reap "$dir/redis/redis.pid" 10
    if [ -d "$dir/pg/replica" ]; then
        su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$dir/pg/replica' -m fast -w stop" >/dev/null 2>&1 || true
    fi
    if [ -d "$dir/pg/data" ]; then
        su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$dir/pg/data' -m fast -w stop" >/dev/null 2>&1 || true
    fi
    sweep "$dir"
    rm -rf "$dir"
    log "stopped"
}

# A RabbitMQ vhost of its own, so one run's queues never meet another's. With `tls`, its AMQPS URL (host
# localhost, the name in the certificate).
vhost() {
    rabbitmqctl -q -n "$RABBIT_NODE" add_vhost "$1"
    rabbitmqctl -q -n "$RABBIT_NODE" set_permissions -p "$1" guest '.*' '.*' '.*'
    if [ "${2:-}" = tls ]; then
        echo "amqps://guest:guest@localhost:$AMQPS_PORT/$1"
    else
        echo "amqp://guest:guest@127.0.0.1:$AMQP_PORT/$1"
    fi
}

# A resource alarm, as when the broker runs out of memory or disk: it blocks every connection that
# publishes (connection.blocked) until the alarm clears. A memory watermark of 1e-7 of RAM (a few KB) is
# always exceeded; 0.4 is the default. A free-disk limit of 100 TB is never met.
alarm() {
    local action=$1 resource=${2:-memory}
    case "$action/$resource" in
        set/memory) rabbitmqctl -q -n "$RABBIT_NODE" set_vm_memory_high_watermark 0.0000001 >/dev/null ;;
        clear/memory) rabbitmqctl -q -n "$RABBIT_NODE" set_vm_memory_high_watermark 0.4 >/dev/null ;;
        set/disk) rabbitmqctl -q -n "$RABBIT_NODE" set_disk_free_limit 100000GB >/dev/null ;;
        clear/disk) rabbitmqctl -q -n "$RABBIT_NODE" set_disk_free_limit 50MB >/dev/null ;;
        *) echo "usage: $0 alarm set|clear [memory|disk]" >&2; return 64 ;;
    esac
    log "$resource alarm ${action}: alarms now $(rabbitmqctl -q -n "$RABBIT_NODE" eval 'rabbit_alarm:get_alarms().')"
}

case "${1:-}" in
    install) install ;;
    start) install; start "${2:?data directory}" ;;
    stop) stop "${2:?data directory}" ;;
    down) down "${2:?service}" "${3:?data directory}" ;;
    up) up "${2:?service}" "${3:?data directory}" ;;
    vhost) vhost "${2:?vhost name}" "${3:-}" ;;
    alarm) alarm "${2:?set or clear}" "${3:-memory}" ;;
    *) echo "usage: $0 install | start DIR | stop DIR | down NAME DIR | up NAME DIR | vhost NAME [tls] | alarm set|clear [memory|disk]" >&2; exit 64 ;;
esac
