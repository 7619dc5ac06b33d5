#!/usr/bin/env bash
# Reference SSE fan-out server for ops/bench.sh: nginx + nchan, loaded with the same subscribers
# our SSE streams get, on the same machine, so its latency and memory are a yardstick for ours.
#   ops/bench/nchan.sh install          install nginx and libnginx-mod-nchan if missing
#   ops/bench/nchan.sh start DIR PORT   write DIR/nginx.conf, start nginx (one worker) on 127.0.0.1:PORT
#   ops/bench/nchan.sh stop DIR         stop that nginx and wait for it to exit
#   ops/bench/nchan.sh pid DIR          print the worker's pid (read VmRSS from /proc/PID/status)
# Endpoints: GET /sub/<channel> (EventSource; only messages published after connecting),
#            POST /pub/<channel> (the body becomes one message). In-memory storage, no Redis.
# Everything (pid, error log, temp dirs) lives in DIR, so it runs as any user, without systemd.
set -euo pipefail

NGINX=${NGINX:-/usr/sbin/nginx}
log() { echo "[nchan] $*" >&2; }
die() { log "$*"; exit 1; }

install() {
    local need=() pkg
    for pkg in nginx libnginx-mod-nchan; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 \
            || { apt-get update -qq; apt-get install -y -qq "${need[@]}" >/dev/null; }
    fi
    stop_system_nginx
}

stop_system_nginx() {  # the package's postinst may have started its own nginx on :80
    local pid
    pid=$(cat /run/nginx.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null || return 0
    log "stopping the packaged nginx (pid $pid)"
    kill -QUIT "$pid" 2>/dev/null || true
    wait_gone "$pid"
}

write_conf() {  # write_conf DIR PORT
    local dir=$1 port=$2 nofile so=/usr/lib/nginx/modules/ngx_nchan_module.so
    [ -f "$so" ] || die "nchan module missing: run $0 install"
    # 6,000 subscribers need ~6,000 fds. Not many more: nginx preallocates ~400 B per worker_connection.
    # BENCH_NCHAN_NOFILE raises the cap, for fan-outs past 9,900 subscribers.
    local cap=${BENCH_NCHAN_NOFILE:-10000}
    nofile=$(ulimit -Hn); if [ "$nofile" = unlimited ] || [ "$nofile" -gt "$cap" ]; then nofile=$cap; fi
    [ "$nofile" -ge 6200 ] || log "warning: hard fd limit $nofile is too low for 6,000 subscribers"
    mkdir -p "$dir/tmp"
    cat >"$dir/nginx.conf" <<EOF
load_module $so;
daemon on;
worker_processes 1;
worker_rlimit_nofile $nofile;
worker_shutdown_timeout 3s;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $((nofile - 100)); }
http {
    access_log off;
    client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
    # As root the worker runs as nobody and may not reach DIR: keep bodies in memory, never in tmp/.
    client_body_buffer_size 1m; client_max_body_size 1m;
    nchan_message_buffer_length 10;
    nchan_message_timeout 5m;
    server {
        listen 127.0.0.1:$port;
        location = /ping { return 204; }
        location ~ ^/sub/([^/]+)$ {
            nchan_subscriber eventsource;
            nchan_channel_id \$1;
            nchan_subscriber_first_message newest;  # default is "oldest": would replay the buffer
        }
        location ~ ^/pub/([^/]+)$ { nchan_publisher; nchan_channel_id \$1; }
    }
}
EOF
}

start() {  # start DIR PORT
    local dir port=$2
    mkdir -p "$1"; dir=$(cd "$1" && pwd)
    [ -x "$NGINX" ] || die "nginx missing: run $0 install"
    write_conf "$dir" "$port"
    "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" || die "nginx did not start (see $dir/error.log)"
    for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/ping" && return 0; sleep 0.2; done
    log "nginx did not answer on 127.0.0.1:$port in 10s"; tail -n 20 "$dir/error.log" >&2; stop "$dir"; exit 1
}

master() { cat "$1/nginx.pid" 2>/dev/null; }
workers() {  # children of the master, from /proc (no procps needed)
    awk -v m="$1" '{ f = FILENAME; sub(/.*\) /, ""); if ($2 == m) { split(f, p, "/"); print p[3] } }' \
        /proc/[0-9]*/stat 2>/dev/null || true
}

wait_gone() {
    for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
    log "pid $1 still running after 10s; killing it"; kill -KILL "$1" 2>/dev/null || true
}

stop() {  # stop DIR
    local pid kids k
    pid=$(master "$1") && kill -0 "$pid" 2>/dev/null || { log "not running"; return 0; }
    kids=$(workers "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid"
    for k in $kids; do wait_gone "$k"; done
    rm -f "$1/nginx.pid"
}

pid() { local m; m=$(master "$1") || die "no pid file in $1"; workers "$m"; }

case "${1:-}" in
    install) install ;;
    start) [ $# -eq 3 ] || die "usage: $0 start DIR PORT"; start "$2" "$3" ;;
    stop) [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
    pid) [ $# -eq 2 ] || die "usage: $0 pid DIR"; pid "$2" ;;
    *) die "usage: $0 install | start DIR PORT | stop DIR | pid DIR" ;;
esac
