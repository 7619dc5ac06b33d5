#!/usr/bin/env bash
# The test command: installs and starts PostgreSQL, Redis and RabbitMQ on loopback (throwaway data,
# non-default ports), builds, runs every test against them, and stops them.
#   ./ops/test.sh           unit and integration tests, then the fault scenarios (which stop and start
#                           the services, so they run on their own, one at a time)
#   ./ops/test.sh faults    only the fault scenarios (then those of the clustered services: a 3-node
#                           RabbitMQ cluster and Redis behind three sentinels, started for them)
#   ./ops/test.sh quick     unit and integration tests, no fault scenarios
#   ./ops/test.sh tls       the order and stream suites again, every service reached over TLS
#   ./ops/test.sh fuzz      only the OpenAPI fuzzing (ops/fuzz.sh)
#   ./ops/test.sh deploy    only the deployment checks: alert rules (ops/monitoring/check.sh), then the
#                           manifests, compose file and Dockerfile, with the image's release build
#                           (ops/validate-deploy.sh --build)
# FAULT_FILTER=NAME ./ops/test.sh faults runs only the tests matching NAME in that phase.
set -euo pipefail
cd "$(dirname "$0")/.."
PHASES=${1:-all}

DATA_DIR=$(mktemp -d /tmp/tableorder-test.XXXXXX)
cleanup() {
    pkill -f "$(pwd)/.build/.*/tableorder-(api|worker)" >/dev/null 2>&1 || true
    ops/rabbitmq-cluster.sh stop "$DATA_DIR/cluster" >/dev/null 2>&1 || true
    ops/redis-sentinel.sh stop "$DATA_DIR/sentinel" >/dev/null 2>&1 || true
    ops/services.sh stop "$DATA_DIR"
}
trap cleanup EXIT

ops/bench/nchan.sh install   # the benchmark's reference server; BenchScriptTests runs the benchmark
ops/browser.sh install       # Chromium and chromedriver for the page suites, Node for the pages' unit tests
ops/services.sh start "$DATA_DIR" >/dev/null
# shellcheck disable=SC1091
source "$DATA_DIR/env"

# A fresh RabbitMQ vhost per run, so queues from an earlier run never interfere.
RABBITMQ_URL=$(ops/services.sh vhost "test-$$")
export RABBITMQ_URL

# The project's own code builds without warnings (dependencies' warnings are theirs). A fresh clone compiles
# every file; an incremental build repeats only the warnings of the files it recompiles.
swift build --build-tests 2>&1 | tee "$DATA_DIR/build.log"
own_warnings() {  # lines of the build log that are warnings in Sources/ or Tests/ (not in dependencies)
    awk -v a="$(pwd)/" -v b="$(pwd -P)/" '/: warning: / {
        for (i = 0; i < 2; i++) { root = i ? b : a
            if (index($0, root "Sources/") == 1 || index($0, root "Tests/") == 1) { print; break } } }' "$1" | sort -u
}
if [ -n "$(own_warnings "$DATA_DIR/build.log")" ]; then
    own_warnings "$DATA_DIR/build.log"
    echo "the project's own code has compiler warnings (above)" >&2
    exit 1
fi
TABLEORDER_BIN_DIR=$(swift build --show-bin-path)
TABLEORDER_REPO_ROOT=$(pwd)
export TABLEORDER_BIN_DIR TABLEORDER_REPO_ROOT TABLEORDER_INTEGRATION=1

if [ "$PHASES" = all ] || [ "$PHASES" = fuzz ]; then
    ops/fuzz.sh
fi
if [ "$PHASES" = all ] || [ "$PHASES" = quick ]; then
    # The unit tests alone first: in one process with the integration suites' dozens of servers on two
    # cores, their few timing bounds (a deadline that catches an endless retry) would be the machine's.
    # RedisTests and RabbitMQTests also hold the clients' smoke tests against these services (a killed
    # connection, a memory alarm, TLS): here they run alone, so the kills and the alarm touch nobody else.
    TABLEORDER_REDIS_TLS=1 swift test --skip-build --filter 'UnitTests|RedisTests|RabbitMQTests'
    # The pages' logic without a browser: option rules, the tablet's outbox, the board's and the tablet's
    # state from their streams (the browser suites drive the pages themselves).
    node --test Tests/PageTests/
    # The hardening suites (large replays, hundreds of streams, several API processes per test) after the
    # others, one at a time: with everything at once, two cores were too few and clients' 15 s deadlines
    # were missed. (Runs that stalled with all four together were most likely PostgresFailureClassTests'
    # transaction left waiting on a connection the server had ended, fixed in PostgresEngine.transaction.)
    heavy=(HardeningTests DescriptorLimitTests TokenRevocationTests PostgresFailureClassTests)
    swift test --skip-build --skip FaultTests --skip 'UnitTests|RedisTests|RabbitMQTests' --skip "$(IFS='|'; echo "${heavy[*]}")"
    for suite in "${heavy[@]}"; do swift test --skip-build --filter "$suite"; done
fi
if [ "$PHASES" = all ] || [ "$PHASES" = tls ]; then
    # The suites that carry an order through every service, with each one reached over TLS and verified
    # against the CA that `ops/services.sh start` made (TransportSecurityTests, in the quick phase, checks
    # that an unverifiable server is refused).
    (
        export DATABASE_URL=$TO_PG_TLS_URL REDIS_URL=$TO_REDISS_URL TLS_CA_FILE=$TO_TLS_CA_FILE
        RABBITMQ_URL=$(ops/services.sh vhost "tls-$$" tls)
        export RABBITMQ_URL
        swift test --skip-build --filter 'OrderFlowTests|EventStreamTests'
    )
fi
if [ "$PHASES" = all ] || [ "$PHASES" = faults ]; then
    TABLEORDER_FAULTS=1 swift test --skip-build --filter "${FAULT_FILTER:-FaultTests}" --skip ClusterFaultTests
    if [[ "ClusterFaultTests" =~ ${FAULT_FILTER:-Cluster} ]]; then
        # The clustered services, only for this phase (three Erlang VMs and six Redis processes).
        ops/rabbitmq-cluster.sh start "$DATA_DIR/cluster" >/dev/null &
        cluster=$!
        ops/redis-sentinel.sh start "$DATA_DIR/sentinel" >/dev/null
        wait "$cluster"
        # shellcheck disable=SC1091
        source "$DATA_DIR/cluster/env"
        # shellcheck disable=SC1091
        source "$DATA_DIR/sentinel/env"
        TABLEORDER_FAULTS=1 swift test --skip-build --filter ClusterFaultTests
        # The Redis client alone against the same sentinels: a forced failover under a write load.
        TABLEORDER_REDIS_SENTINEL=1 swift test --skip-build --filter RedisSentinelSmokeTests
    fi
fi
if [ "$PHASES" = all ] || [ "$PHASES" = deploy ]; then
    ops/monitoring/check.sh
    ops/validate-deploy.sh --build
fi
