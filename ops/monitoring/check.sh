#!/usr/bin/env bash
# Checks the Prometheus alert rules with Debian's promtool: syntax (`check rules`) and behaviour
# (`test rules` runs ops/monitoring/alerts_test.yml: each alert fires on the series it is written for
# and stays quiet on healthy ones). The Grafana dashboard must be valid JSON with a query per panel.
# promtool comes from Debian's prometheus package, unpacked under .build-tools/ (not installed: the
# package's server would otherwise be set up and started).
#   ops/monitoring/check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=$(pwd)/.build-tools
PROMTOOL=$TOOLS/prometheus/usr/bin/promtool

if [ ! -x "$PROMTOOL" ]; then
    mkdir -p "$TOOLS/prometheus"
    (cd "$TOOLS" && { apt-get download prometheus >/dev/null 2>&1 || { apt-get update -qq && apt-get download prometheus >/dev/null; }; })
    dpkg-deb -x "$TOOLS"/prometheus_*.deb "$TOOLS/prometheus"
    rm -f "$TOOLS"/prometheus_*.deb
fi

passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...
    local what=$1; shift
    if output=$("$@" 2>&1); then
        echo "ok      $what"; passed=$((passed + 1))
    else
        echo "FAILED  $what"; echo "$output" | sed 's/^/        /'; failed=$((failed + 1))
    fi
}
check "promtool check rules alerts.yml" "$PROMTOOL" check rules ops/monitoring/alerts.yml
check "promtool check config prometheus.yml (the compose stack's)" "$PROMTOOL" check config ops/monitoring/prometheus.yml
check "promtool test rules alerts_test.yml" "$PROMTOOL" test rules ops/monitoring/alerts_test.yml
check "grafana-dashboard.json: every panel has a query" python3 -c '
import json, sys
d = json.load(open("ops/monitoring/grafana-dashboard.json"))
bad = [p["title"] for p in d["panels"] if not any(t.get("expr") for t in p.get("targets", []))]
ids = [p["id"] for p in d["panels"]]
sys.exit(f"panels without a query: {bad}" if bad else "duplicate panel ids" if len(ids) != len(set(ids)) else 0)'
echo "monitoring: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
