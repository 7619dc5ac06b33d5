#!/usr/bin/env bash
# Redis behind Sentinel on loopback, with throwaway data, for the tests of a lost primary: a primary, two
# replicas and three sentinels that fail over after 1 s without an answer.
#   ops/redis-sentinel.sh start DIR            start them; writes DIR/env and prints it. A DIR that holds
#                                              an earlier set is stopped and started afresh.
#   ops/redis-sentinel.sh stop DIR             stop them all (no redis-server left) and remove DIR
#   ops/redis-sentinel.sh primary DIR          prints the current primary's host:port, as the sentinels see it
#   ops/redis-sentinel.sh stop-primary DIR     stops the current primary (as a crash: no save, no failover
#                                              asked for); prints its port
#   ops/redis-sentinel.sh start-server PORT DIR   starts the server of PORT again, as a replica of the
#                                              current primary
#   ops/redis-sentinel.sh await-failover PORT DIR  waits (30 s at most) until the sentinels name a primary
#                                              other than PORT and it answers as one; prints its host:port
#   ops/redis-sentinel.sh status DIR           each server's role and the sentinels' view
# Ports: TO_SENTINEL_REDIS_PORT (61381) for the first primary, +1 and +2 for the replicas; sentinels on
# TO_SENTINEL_PORT (61391), +1, +2: above Linux's ephemeral range (32768-60999), where no client's
# outgoing connection can be holding them. TO_SENTINEL_MASTER (tableorder) names the monitored set. The
# commands after `start` read them from DIR/sentinel.conf, not from the environment.
set -euo pipefail

log() { echo "[redis-sentinel] $*" >&2; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    for _ in $(seq 1 $((seconds * 5))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    log "$what did not become ready in ${seconds}s"
    return 1
}

load() {
    local dir=$1
    if [ -f "$dir/sentinel.conf" ]; then
        # shellcheck disable=SC1091
        source "$dir/sentinel.conf"
    else
        local redis=${TO_SENTINEL_REDIS_PORT:-61381} sentinel=${TO_SENTINEL_PORT:-61391}
        REDIS_PORTS=("$redis" $((redis + 1)) $((redis + 2)))
        SENTINEL_PORTS=("$sentinel" $((sentinel + 1)) $((sentinel + 2)))
        MASTER=${TO_SENTINEL_MASTER:-tableorder}
    fi
}

save() {
    local dir=$1
    {
        echo "REDIS_PORTS=(${REDIS_PORTS[*]})"
        echo "SENTINEL_PORTS=(${SENTINEL_PORTS[*]})"
        echo "MASTER=$MASTER"
    } >"$dir/sentinel.conf"
}

free_port() {
    if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
        log "port $1 is in use (another set? set TO_SENTINEL_REDIS_PORT / TO_SENTINEL_PORT)"
        return 1
    fi
}

# A Redis server with its own config file, which Sentinel rewrites when it reconfigures the server. A
# replica's first sync starts at once (diskless sync otherwise waits 5 s for more replicas to come).
start_server() {  # start_server DIR PORT [PRIMARY_PORT]
    local dir=$1 port=$2 primary=${3:-} base="$1/redis-$2"
    mkdir -p "$base"
    cat >"$base/redis.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
dir $base
pidfile $base/redis.pid
logfile $base/redis.log
save ""
appendonly no
repl-diskless-sync-delay 0
CONF
    if [ -n "$primary" ]; then echo "replicaof 127.0.0.1 $primary" >>"$base/redis.conf"; fi
    redis-server "$base/redis.conf"
    wait_for 10 "redis on $port" redis-cli -p "$port" ping
}

start_sentinel() {  # start_sentinel DIR I PRIMARY_PORT
    local dir=$1 i=$2 primary=$3 port=${SENTINEL_PORTS[$2]} base="$1/sentinel-${SENTINEL_PORTS[$2]}"
    mkdir -p "$base"
    # down-after 1 s: a primary silent that long is down; failover-timeout 5 s: how long a failover may
    # take before another is tried (the defaults, 30 s and 3 min, are for networks, not a test).
    cat >"$base/sentinel.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
dir $base
pidfile $base/sentinel.pid
logfile $base/sentinel.log
sentinel monitor $MASTER 127.0.0.1 $primary 2
sentinel down-after-milliseconds $MASTER 1000
sentinel failover-timeout $MASTER 5000
sentinel parallel-syncs $MASTER 2
sentinel myid ${SENTINEL_IDS[i]}
CONF
    # The other sentinels and the replicas known from the start, instead of found within 2 s (hellos) or
    # 10 s (the primary's INFO): a failover right after start has its quorum.
    for j in 0 1 2; do
        if [ "$j" != "$i" ]; then
            echo "sentinel known-sentinel $MASTER 127.0.0.1 ${SENTINEL_PORTS[j]} ${SENTINEL_IDS[j]}" >>"$base/sentinel.conf"
        fi
    done
    for replica in "${REDIS_PORTS[@]:1}"; do
        echo "sentinel known-replica $MASTER 127.0.0.1 $replica" >>"$base/sentinel.conf"
    done
    redis-server "$base/sentinel.conf" --sentinel
}

start() {
    local dir=$1
    if [ -f "$dir/sentinel.conf" ]; then
        log "$dir holds an earlier set: stopping it first"
        stop "$dir"
    fi
    load "$dir"
    for port in "${REDIS_PORTS[@]}" "${SENTINEL_PORTS[@]}"; do free_port "$port"; done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    save "$dir"
    local began=$SECONDS primary=${REDIS_PORTS[0]}
    start_server "$dir" "$primary"
    for port in "${REDIS_PORTS[@]:1}"; do start_server "$dir" "$port" "$primary"; done
    wait_for 20 "replicas in sync" replicas_online "$primary" 2
    SENTINEL_IDS=()
    for _ in 0 1 2; do SENTINEL_IDS+=("$(openssl rand -hex 20)"); done
    for i in 0 1 2; do start_sentinel "$dir" "$i" "$primary"; done
    # Ready when every sentinel knows both replicas and the two other sentinels, and sees them up once the
    # first down-after period has passed (until their links are made, sentinels may count each other
    # down for a moment): before that, a failover could miss its quorum.
    sleep 1.5
    for port in "${SENTINEL_PORTS[@]}"; do
        wait_for 20 "sentinel $port" sentinel_ready "$port"
    done
    log "primary 127.0.0.1:$primary, replicas ${REDIS_PORTS[*]:1}, sentinels ${SENTINEL_PORTS[*]} ready in $((SECONDS - began))s"
    write_env "$dir"
    cat "$dir/env"
}

replicas_online() {  # replicas_online PRIMARY_PORT COUNT
    [ "$(redis-cli -p "$1" info replication | grep -c 'state=online')" -ge "$2" ]
}

sentinel_ready() {  # sentinel_ready PORT
    local master
    master=$(redis-cli -p "$1" sentinel master "$MASTER")
    [ "$(echo "$master" | grep -A1 -x 'flags' | tail -n 1)" = master ] &&
        [ "$(echo "$master" | grep -A1 -x 'num-slaves' | tail -n 1)" = 2 ] &&
        [ "$(echo "$master" | grep -A1 -x 'num-other-sentinels' | tail -n 1)" = 2 ] &&
        [ "$(redis-cli -p "$1" sentinel sentinels "$MASTER" | grep -A1 -x 'flags' | grep -cx sentinel)" = 2 ]
}

write_env() {
    local dir=$1 sentinels=""
    for port in "${SENTINEL_PORTS[@]}"; do sentinels+="${sentinels:+,}127.0.0.1:$port"; done
    cat >"$dir/env" <<ENV
export TO_SENTINELS=$sentinels
export TO_SENTINEL_MASTER=$MASTER
export TO_SENTINEL_REDIS_URL=redis://127.0.0.1:${REDIS_PORTS[0]}
export TO_SENTINEL_REDIS_PORTS=$(IFS=,; echo "${REDIS_PORTS[*]}")
export TO_SENTINEL_DIR=$dir
ENV
}

stop() {
    local dir=$1
    if [ ! -d "$dir" ]; then
        # Removed while its servers ran (a cleanup removed a parent directory first): end what is left.
        if [[ "$dir" == /* ]]; then sweep "${dir%/}"; fi
        return 0
    fi
    dir=$(cd "$dir" && pwd)
    load "$dir"
    # Sentinels first, so that they start no failover while the servers go.
    for port in "${SENTINEL_PORTS[@]}"; do redis-cli -p "$port" shutdown >/dev/null 2>&1 || true; done
    for port in "${REDIS_PORTS[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
    for pidfile in "$dir"/*/*.pid; do reap "$pidfile"; done
    sweep "$dir"
    rm -rf "$dir"
    log "stopped"
}

reap() {  # reap PIDFILE: waits up to 10 s for its process to exit, then kills it
    local pid
    [ -s "$1" ] || return 0
    pid=$(cat "$1")
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    log "pid $pid ($1) still running: killing it"
    kill -9 "$pid" 2>/dev/null || true
}

# A server of DIR still running after its stop, whose pid file is lost: it runs in its directory under DIR.
sweep() {  # sweep DIR
    local dir=$1 pid
    for pid in $(pgrep -x redis-server); do
        if [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$dir/"* ]]; then
            log "redis-server $pid of $dir still running: killing it"
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
}

# The primary the sentinels name (the first that answers).
primary() {
    local answer
    for port in "${SENTINEL_PORTS[@]}"; do
        if answer=$(redis-cli -p "$port" sentinel get-master-addr-by-name "$MASTER" 2>/dev/null) && [ -n "$answer" ]; then
            echo "$answer" | paste -sd: -
            return 0
        fi
    done
    log "no sentinel answers"
    return 1
}

stop_primary() {
    local current port
    current=$(primary)
    port=${current##*:}
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
    wait_for 10 "the primary's exit" bash -c "! (echo > /dev/tcp/127.0.0.1/$port)"
    log "primary 127.0.0.1:$port stopped"
    echo "$port"
}

start_again() {  # start_again DIR PORT
    local dir=$1 port=$2 current
    [ -d "$dir/redis-$port" ] || { log "no server of port $port in $dir"; return 64; }
    current=$(primary)
    if [ "${current##*:}" = "$port" ]; then
        log "the sentinels still name $port the primary (no failover yet): starting it as the primary"
        start_server "$dir" "$port"
    else
        start_server "$dir" "$port" "${current##*:}"
    fi
    log "127.0.0.1:$port started again, replica of $current"
}

await_failover() {  # await_failover OLD_PORT
    local old=$1 current began=$SECONDS
    for _ in $(seq 1 150); do
        current=$(primary 2>/dev/null || true)
        if [ -n "$current" ] && [ "${current##*:}" != "$old" ] \
            && redis-cli -p "${current##*:}" role 2>/dev/null | head -n 1 | grep -qx master; then
            log "failover from $old to $current seen after $((SECONDS - began))s"
            echo "$current"
            return 0
        fi
        sleep 0.2
    done
    log "no failover from $old within 30 s"
    return 1
}

status() {
    for port in "${REDIS_PORTS[@]}"; do
        echo "127.0.0.1:$port $(redis-cli -p "$port" role 2>/dev/null | head -n 1 || true)"
    done
    for port in "${SENTINEL_PORTS[@]}"; do
        echo "sentinel 127.0.0.1:$port: primary $(redis-cli -p "$port" sentinel get-master-addr-by-name "$MASTER" 2>/dev/null | paste -sd: - || echo '?')"
    done
}

case "${1:-}" in
    start) start "${2:?data directory}" ;;
    stop) stop "${2:?data directory}" ;;
    primary) load "${2:?data directory}"; primary ;;
    stop-primary) load "${2:?data directory}"; stop_primary ;;
    start-server) load "${3:?data directory}"; start_again "$(cd "$3" && pwd)" "${2:?port}" ;;
    await-failover) load "${3:?data directory}"; await_failover "${2:?old primary port}" ;;
    status) load "${2:?data directory}"; status ;;
    *) echo "usage: $0 start DIR | stop DIR | primary DIR | stop-primary DIR | start-server PORT DIR |" \
        "await-failover PORT DIR | status DIR" >&2; exit 64 ;;
esac
