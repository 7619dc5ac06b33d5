#!/usr/bin/env bash
# Builds the production executables into OUT_DIR: tableorder-api, tableorder-worker and any SwiftPM
# resource bundles (*.resources) beside them, ready to copy into the runtime image.
#   ops/docker/build.sh OUT_DIR [--scratch-path DIR]
# The image's build stage runs exactly this (ops/docker/Dockerfile), and so can CI or a developer, so what
# ships is what was built and checked here. --scratch-path is passed to `swift build` (default .build).
# Needs root only when the build-time Debian packages are missing (it installs them with apt-get).
set -euo pipefail

usage() { echo "usage: $0 OUT_DIR [--scratch-path DIR]" >&2; exit 2; }

OUT_DIR=""
SCRATCH=()
while [ $# -gt 0 ]; do
    case "$1" in
        --scratch-path) [ $# -ge 2 ] || usage; SCRATCH=(--scratch-path "$2"); shift 2 ;;
        --scratch-path=*) SCRATCH=(--scratch-path "${1#*=}"); shift ;;
        -h | --help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$OUT_DIR" ] || usage; OUT_DIR=$1; shift ;;
    esac
done
[ -n "$OUT_DIR" ] || usage
# Resolve OUT_DIR against the caller's directory before moving to the repository root.
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
cd "$(dirname "$0")/../.."

log() { echo "[build] $*" >&2; }

# The RabbitMQ and Redis adapters link librabbitmq and hiredis (their -dev packages: headers, pkg-config).
need=()
# binutils for strip, below (the Swift images have it already).
for pkg in librabbitmq-dev libhiredis-dev pkg-config binutils; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# TABLEORDER_SERVICES=1: without the adapters the binaries would refuse ENV=production, so a missing
# header must fail the build here rather than ship a development-only image.
export TABLEORDER_SERVICES=1
# The Swift runtime and Foundation are linked in, so the runtime image needs no Swift toolchain; only the
# C libraries stay dynamic (ops/validate-deploy.sh --built checks the image installs each of them).
BUILD=(swift build -c release --static-swift-stdlib "${SCRATCH[@]}")
start=$(date +%s)
for product in tableorder-api tableorder-worker; do
    log "${BUILD[*]} --product $product"
    "${BUILD[@]}" --product "$product"
done
BIN=$("${BUILD[@]}" --show-bin-path)

cp "$BIN/tableorder-api" "$BIN/tableorder-worker" "$OUT_DIR/"
# Without the DWARF sections each executable is about 110 MB instead of 180 MB (most of what is left is
# Foundation's ICU data), which new nodes pull when the autoscalers add pods. The symbol table stays,
# so a crash's backtrace still names its functions; only file:line is lost.
strip --strip-debug "$OUT_DIR/tableorder-api" "$OUT_DIR/tableorder-worker"
# Resource bundles are looked up beside the executable (Bundle.module), so they travel with it.
shopt -s nullglob
for bundle in "$BIN"/*.resources; do
    rm -rf "${OUT_DIR:?}/$(basename "$bundle")"
    cp -R "$bundle" "$OUT_DIR/"
done
log "built in $(($(date +%s) - start)) s into $OUT_DIR:"
ls -l "$OUT_DIR" >&2
