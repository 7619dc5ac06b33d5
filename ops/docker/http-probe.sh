#!/usr/bin/env bash
# Health probe for containers without curl: exits 0 when GET http://127.0.0.1:PORT/PATH answers 200.
#   http-probe PORT PATH        e.g. http-probe 8080 /readyz, http-probe 9091 /readyz
# Used by the compose healthchecks; the runtime image carries no HTTP client, so this uses bash's
# /dev/tcp. Kubernetes probes need none of this (they are httpGet).
set -euo pipefail
port=${1:?usage: http-probe PORT PATH}
path=${2:-/healthz}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS=' ' read -r -t 5 _ status _ <&3
[ "$status" = "200" ]
