#!/usr/bin/env bash
# The benchmark behind the README's "Performance" table: one API process and one worker (then two) on the
# real services, and the references (a minimal publisher, PostgreSQL alone, redis-benchmark, nginx + nchan)
# measured in the same run by the same clients. Prints the table; writes every figure to a JSON file.
#   ./ops/bench.sh                 full sizes, the image's release build (about 5 minutes after the build)
#   ./ops/bench.sh --tiny          about a minute at tiny sizes: proves the benchmark works, figures meaningless
# Options: --out FILE            the JSON (default .run/bench/bench-<time>.json)
#          --bin-dir DIR         use binaries already built there (tableorder-api, -worker, -bench)
# With TO_SERVICES_DIR set (services from `ops/services.sh start DIR`, env sourced) it uses those services;
# otherwise it starts its own and stops them afterwards. Ports: BENCH_API_PORT (18801), BENCH_WORKER_PORTS
# ("18802 18803", the workers' metrics), BENCH_NCHAN_PORT (18804). BENCH_LOG_LEVEL (warning) is the
# API's and workers' log level; their logs are kept only while the run lasts.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE=full
OUT=".run/bench/bench-$(date -u +%Y%m%dT%H%M%SZ).json"
BIN=
while [ $# -gt 0 ]; do
    case $1 in
        --tiny) SIZE=tiny ;;
        --out) OUT=$2; shift ;;
        --bin-dir) BIN=$2; shift ;;
        *) echo "usage: $0 [--tiny] [--out FILE] [--bin-dir DIR]" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$(dirname "$OUT")"

ops/services.sh install
ops/bench/nchan.sh install
if [ -z "$BIN" ]; then
    # What the image ships (ops/docker/build.sh: release, the Swift runtime linked in, stripped), and the
    # benchmark tool built with the same flags, so the dependencies are not built a second time.
    BIN=.run/bench/bin
    ops/docker/build.sh "$BIN"
    STATIC=(swift build -c release --static-swift-stdlib)
    TABLEORDER_SERVICES=1 "${STATIC[@]}" --product tableorder-bench >&2
    cp "$(TABLEORDER_SERVICES=1 "${STATIC[@]}" --show-bin-path)/tableorder-bench" "$BIN/"
fi

WORK=$(mktemp -d /tmp/tableorder-bench.XXXXXX)
OWN_SERVICES=
cleanup() {
    ops/bench/nchan.sh stop "$WORK/nchan" >/dev/null 2>&1 || true
    if [ -n "${VHOST:-}" ]; then rabbitmqctl -q -n "$TO_RABBIT_NODE" delete_vhost "$VHOST" >/dev/null 2>&1 || true; fi
    if [ -n "$OWN_SERVICES" ]; then ops/services.sh stop "$OWN_SERVICES"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "${TO_SERVICES_DIR:-}" ]; then
    OWN_SERVICES=$(mktemp -d /tmp/tableorder-bench-services.XXXXXX)
    ops/services.sh start "$OWN_SERVICES" >/dev/null
    # shellcheck disable=SC1091
    source "$OWN_SERVICES/env"
fi

# A vhost of its own, so queue depths and purges touch nothing else.
VHOST="bench-$$"
RABBITMQ_URL=$(ops/services.sh vhost "$VHOST")
export RABBITMQ_URL

ulimit -n "$(ulimit -Hn)"   # 5,000 streams need more descriptors than the usual soft limit
read -r WORKER_PORT SECOND_WORKER_PORT <<<"${BENCH_WORKER_PORTS:-18802 18803}"
"$BIN/tableorder-bench" --bin-dir "$BIN" --repo-root "$(pwd)" --work-dir "$WORK" --size "$SIZE" --out "$OUT" \
    --api-port "${BENCH_API_PORT:-18801}" --worker-port "$WORKER_PORT" --second-worker-port "$SECOND_WORKER_PORT" \
    --nchan-port "${BENCH_NCHAN_PORT:-18804}"
