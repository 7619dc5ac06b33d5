#!/usr/bin/env bash
# A 3-node RabbitMQ cluster on loopback with throwaway data, for the tests of several hosts and of a node
# lost under load. Nodes are numbered 1 to 3.
#   ops/rabbitmq-cluster.sh start DIR          start the three nodes at once (2 and 3 join 1 as they
#                                              boot); writes DIR/env and prints it. A DIR that holds an
#                                              earlier cluster is stopped and started afresh.
#                                              DIR's parent must be open to the rabbitmq user.
#   ops/rabbitmq-cluster.sh stop DIR           stop every node (no beam.smp left) and remove DIR
#   ops/rabbitmq-cluster.sh vhost NAME DIR     a fresh vhost for guest; prints the URL naming all three nodes
#   ops/rabbitmq-cluster.sh down N DIR         stop node N's RabbitMQ application (the Erlang VM stays; its
#                                              clients are disconnected and its ports close)
#   ops/rabbitmq-cluster.sh up N DIR           start it again
#   ops/rabbitmq-cluster.sh stop-node N DIR    stop node N entirely (the VM exits), as a crash or a reboot
#   ops/rabbitmq-cluster.sh start-node N DIR   start it again: it rejoins the cluster from its data
#   ops/rabbitmq-cluster.sh leader QUEUE VHOST DIR   prints "N NODE" of the quorum queue's leader
#   ops/rabbitmq-cluster.sh alarm set|clear [memory|disk] DIR   a resource alarm on node 1: every node
#                                              of the cluster then blocks its publishers
#   ops/rabbitmq-cluster.sh status DIR         each node's state, the cluster's members and its alarms
# Ports: TO_CLUSTER_AMQP_PORT (61681) for node 1, +1 and +2 for nodes 2 and 3; Erlang distribution on
# TO_CLUSTER_DIST_PORT (61691), +1, +2: above Linux's ephemeral range (32768-60999), where no client's
# outgoing connection can be holding them. Node names: tableorder-cN-PORT@localhost. The commands after
# `start` read the ports and names from DIR/cluster.conf, not from the environment.
set -euo pipefail

log() { echo "[rabbitmq-cluster] $*" >&2; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local seconds=$1 what=$2; shift 2
    for _ in $(seq 1 $((seconds * 5))); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    log "$what did not become ready in ${seconds}s"
    return 1
}

# The cluster's layout: from DIR/cluster.conf once started, else from the environment.
load() {
    local dir=$1
    if [ -f "$dir/cluster.conf" ]; then
        # shellcheck disable=SC1091
        source "$dir/cluster.conf"
    else
        local amqp=${TO_CLUSTER_AMQP_PORT:-61681} dist=${TO_CLUSTER_DIST_PORT:-61691}
        AMQP_PORTS=("$amqp" $((amqp + 1)) $((amqp + 2)))
        DIST_PORTS=("$dist" $((dist + 1)) $((dist + 2)))
        NODES=()
        for n in 1 2 3; do NODES+=("tableorder-c$n-${AMQP_PORTS[n - 1]}@localhost"); done
    fi
}

save() {
    local dir=$1
    {
        echo "AMQP_PORTS=(${AMQP_PORTS[*]})"
        echo "DIST_PORTS=(${DIST_PORTS[*]})"
        echo "NODES=(${NODES[*]})"
    } >"$dir/cluster.conf"
}

node_index() {  # node_index N: checks N and prints N - 1
    case "$1" in 1 | 2 | 3) echo $(($1 - 1)) ;; *) log "node $1: expected 1, 2 or 3"; exit 64 ;; esac
}

start_node() {  # start_node DIR I (I = 0, 1, 2)
    local dir=$1 i=$2 base="$1/node$(($2 + 1))"
    # Distribution on loopback only; schedulers that sleep instead of spinning when idle, as RabbitMQ
    # advises for hosts shared with other busy processes (here: four nodes and the tests on two cores).
    RABBITMQ_NODENAME=${NODES[i]} RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=${AMQP_PORTS[i]} \
        RABBITMQ_DIST_PORT=${DIST_PORTS[i]} RABBITMQ_MNESIA_BASE="$base/mnesia" RABBITMQ_LOG_BASE="$base/log" \
        RABBITMQ_PID_FILE="$base/pid" RABBITMQ_ENABLED_PLUGINS_FILE="$base/enabled_plugins" \
        RABBITMQ_CONFIG_FILE="$base/rabbitmq.conf" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1} +sbwt none +sbwtdcpu none +sbwtdio none" \
        rabbitmq-server -detached >/dev/null 2>&1
}

wait_for_node() {  # wait_for_node I
    local i=$1
    wait_for 90 "${NODES[i]}" rabbitmqctl -q -n "${NODES[i]}" await_startup --timeout 5
    wait_for 30 "${NODES[i]} port ${AMQP_PORTS[i]}" bash -c "echo > /dev/tcp/127.0.0.1/${AMQP_PORTS[i]}"
}

free_port() {  # fails if something listens on the port
    if (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
        log "port $1 is in use (another cluster? set TO_CLUSTER_AMQP_PORT / TO_CLUSTER_DIST_PORT)"
        return 1
    fi
}

start() {
    local dir=$1
    if [ -f "$dir/cluster.conf" ]; then
        log "$dir holds an earlier cluster: stopping it first"
        stop "$dir"
    fi
    load "$dir"
    for port in "${AMQP_PORTS[@]}" "${DIST_PORTS[@]}"; do free_port "$port"; done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    chmod 755 "$dir"
    save "$dir"
    for i in 0 1 2; do
        mkdir -p "$dir/node$((i + 1))/mnesia" "$dir/node$((i + 1))/log"
        echo '[].' >"$dir/node$((i + 1))/enabled_plugins"
        write_config "$dir" "$i"
    done
    chown -R rabbitmq:rabbitmq "$dir"
    if ! su rabbitmq -s /bin/sh -c "test -w '$dir/node1'"; then
        log "the rabbitmq user cannot reach $dir (a parent directory closed to others, as mktemp -d makes it?)"
        exit 1
    fi
    # All three at once: 10-14 s on two cores, against 14-16 s for booting them and then running
    # join_cluster on two of them.
    local began=$SECONDS
    for i in 0 1 2; do start_node "$dir" "$i" & done
    wait
    for i in 0 1 2; do wait_for_node "$i" & done
    for job in $(jobs -p); do wait "$job" || { log "a node did not start: see $dir/node*/log"; exit 1; }; done
    # Should a node have booted alone after all, it joins the usual way.
    for i in 1 2; do
        if ! rabbitmqctl -q -n "${NODES[0]}" eval 'rabbit_nodes:all_running().' | grep -q "${NODES[i]}"; then
            log "${NODES[i]} did not join at boot: joining it"
            join "$i"
            wait_for_node "$i"
        fi
    done
    local members
    members=$(rabbitmqctl -q -n "${NODES[0]}" eval 'length(rabbit_nodes:all_running()).')
    [ "$members" = 3 ] || { log "the cluster has $members running nodes, not 3"; exit 1; }
    log "cluster of ${NODES[*]} formed in $((SECONDS - began))s"
    write_env "$dir"
    cat "$dir/env"
}

# Nodes 2 and 3 join node 1 as they boot (peer discovery from a fixed list), waiting up to 60 s for it;
# node 1 lists no one and forms the cluster. Only a node without data looks for peers: a node started
# again later rejoins from what it remembers.
write_config() {  # write_config DIR I
    local dir=$1 i=$2 conf="$1/node$(($2 + 1))/rabbitmq.conf"
    if [ "$i" = 0 ]; then : >"$conf"; return 0; fi
    cat >"$conf" <<CONF
cluster_formation.peer_discovery_backend = classic_config
cluster_formation.classic_config.nodes.1 = ${NODES[0]}
cluster_formation.classic_config.nodes.2 = ${NODES[i]}
cluster_formation.randomized_startup_delay_range.min = 0
cluster_formation.randomized_startup_delay_range.max = 0
cluster_formation.discovery_retry_limit = 120
cluster_formation.discovery_retry_interval = 500
CONF
}

join() {  # join I: node I joins node 1's cluster
    local i=$1
    rabbitmqctl -q -n "${NODES[i]}" stop_app >/dev/null
    rabbitmqctl -q -n "${NODES[i]}" join_cluster "${NODES[0]}" >/dev/null
    rabbitmqctl -q -n "${NODES[i]}" start_app >/dev/null
}

write_env() {
    local dir=$1 hosts
    hosts="127.0.0.1:${AMQP_PORTS[0]},127.0.0.1:${AMQP_PORTS[1]},127.0.0.1:${AMQP_PORTS[2]}"
    cat >"$dir/env" <<ENV
export TO_CLUSTER_AMQP_URL=amqp://guest:guest@$hosts/
export TO_CLUSTER_AMQP_PORTS=$(IFS=,; echo "${AMQP_PORTS[*]}")
export TO_CLUSTER_NODES=$(IFS=,; echo "${NODES[*]}")
export TO_CLUSTER_DIR=$dir
ENV
}

stop() {
    local dir=$1
    if [ ! -d "$dir" ]; then
        # Removed while its nodes ran (a cleanup removed a parent directory first): end what is left.
        if [[ "$dir" == /* ]]; then sweep "${dir%/}"; fi
        return 0
    fi
    dir=$(cd "$dir" && pwd)
    load "$dir"
    for i in 0 1 2; do stop_node "$dir" "$i" & done
    wait
    sweep "$dir"
    rm -rf "$dir"
    log "stopped"
}

# Stops node I and waits until its VM has exited; ends it by signal if the polite stop did not work.
stop_node() {  # stop_node DIR I
    local dir=$1 i=$2 pidfile pid
    pidfile="$dir/node$(($2 + 1))/pid"
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    kill -0 "$pid" 2>/dev/null || return 0
    # `stop PIDFILE` waits for the VM to exit (for a node that is not running, it would wait for ever).
    timeout -k 5 30 rabbitmqctl -q -n "${NODES[i]}" stop "$pidfile" >/dev/null 2>&1 || true
    for _ in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.2
    done
    log "${NODES[i]} (pid $pid) still running: killing it"
    kill -9 "$pid" 2>/dev/null || true
}

# A VM of DIR still running after its stop, whose pid file is lost (it names DIR in its environment), or a
# `rabbitmqctl stop` left behind by its timeout (it names the pid file).
sweep() {  # sweep DIR
    local dir=$1 pid
    for pid in $(pgrep -x beam.smp); do
        if { tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null | grep -qF "RABBITMQ_MNESIA_BASE=$dir/" \
            || { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF " $dir/"; then
            log "beam.smp $pid of $dir still running: killing it"
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
}

vhost() {
    local name=$1
    rabbitmqctl -q -n "${NODES[0]}" add_vhost "$name"
    rabbitmqctl -q -n "${NODES[0]}" set_permissions -p "$name" guest '.*' '.*' '.*'
    echo "amqp://guest:guest@127.0.0.1:${AMQP_PORTS[0]},127.0.0.1:${AMQP_PORTS[1]},127.0.0.1:${AMQP_PORTS[2]}/$name"
}

# A node that answers, to ask about the cluster while another one is down.
running_node() {
    for node in "${NODES[@]}"; do
        if rabbitmq-diagnostics -q -n "$node" check_running >/dev/null 2>&1; then echo "$node"; return 0; fi
    done
    log "no node is running"
    return 1
}

leader() {
    local queue=$1 vhost=$2 node leader
    node=$(running_node)
    leader=$(rabbitmqctl -q -n "$node" list_queues -p "$vhost" name leader --no-table-headers \
        | awk -v q="$queue" -F'\t' '$1 == q { print $2 }')
    [ -n "$leader" ] || { log "no quorum queue $queue in vhost $vhost (or it has no leader)"; return 1; }
    for i in 0 1 2; do
        if [ "${NODES[i]}" = "$leader" ]; then echo "$((i + 1)) $leader"; return 0; fi
    done
    log "leader $leader is not one of ${NODES[*]}"
    return 1
}

alarm() {
    local action=$1 resource=$2 node=${NODES[0]}
    case "$action/$resource" in
        set/memory) rabbitmqctl -q -n "$node" set_vm_memory_high_watermark 0.0000001 >/dev/null ;;
        clear/memory) rabbitmqctl -q -n "$node" set_vm_memory_high_watermark 0.4 >/dev/null ;;
        set/disk) rabbitmqctl -q -n "$node" set_disk_free_limit 100000GB >/dev/null ;;
        clear/disk) rabbitmqctl -q -n "$node" set_disk_free_limit 50MB >/dev/null ;;
        *) echo "usage: $0 alarm set|clear [memory|disk] DIR" >&2; return 64 ;;
    esac
    log "$resource alarm ${action} on $node"
}

status() {
    for node in "${NODES[@]}"; do
        if rabbitmq-diagnostics -q -n "$node" check_running >/dev/null 2>&1; then echo "$node running"
        elif rabbitmq-diagnostics -q -n "$node" ping >/dev/null 2>&1; then echo "$node app stopped"
        else echo "$node down"; fi
    done
    local node
    node=$(running_node) || return 0
    echo "running members: $(rabbitmqctl -q -n "$node" eval 'rabbit_nodes:all_running().')"
    echo "alarms: $(rabbitmqctl -q -n "$node" eval 'rabbit_alarm:get_alarms().')"
}

command=${1:-}
case "$command" in
    start) start "${2:?data directory}" ;;
    stop) stop "${2:?data directory}" ;;
    vhost) load "${3:?data directory}"; vhost "${2:?vhost name}" ;;
    down | up | stop-node | start-node)
        dir=$(cd "${3:?data directory}" && pwd); load "$dir"; i=$(node_index "${2:?node number}")
        case "$command" in
            down) rabbitmqctl -q -n "${NODES[i]}" stop_app >/dev/null ;;
            up) rabbitmqctl -q -n "${NODES[i]}" start_app >/dev/null && wait_for_node "$i" ;;
            stop-node) stop_node "$dir" "$i" ;;
            start-node) start_node "$dir" "$i" && wait_for_node "$i" ;;
        esac
        log "$command $2 (${NODES[i]})" ;;
    leader) load "${4:?data directory}"; leader "${2:?queue}" "${3:?vhost}" ;;
    alarm)
        if [ $# -ge 4 ]; then load "$4"; alarm "${2:?set or clear}" "$3"; else load "${3:?data directory}"; alarm "${2:?set or clear}" memory; fi ;;
    status) load "${2:?data directory}"; status ;;
    *) echo "usage: $0 start DIR | stop DIR | vhost NAME DIR | down|up|stop-node|start-node N DIR |" \
        "leader QUEUE VHOST DIR | alarm set|clear [memory|disk] DIR | status DIR" >&2; exit 64 ;;
esac
