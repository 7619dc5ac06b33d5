#!/usr/bin/env bash
# What the pages' tests need: the headless browser that AdminBoardTests and TabletPageTests drive through
# WebDriver (Debian's chromium and chromedriver, with fonts-noto-cjk so Korean renders), and Node for the
# pages' unit tests (Tests/PageTests, `node --test`).
#   ops/browser.sh install    install what is missing (needs root, apt)
#   ops/browser.sh check      exit 0 when all are installed, else say what is missing
set -euo pipefail

PACKAGES=(chromium chromium-driver fonts-noto-cjk nodejs)

log() { echo "[browser] $*" >&2; }

missing() {
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || echo "$pkg"
    done
}

install() {
    local need
    mapfile -t need < <(missing)
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
    check
}

check() {
    local need
    mapfile -t need < <(missing)
    if [ ${#need[@]} -gt 0 ]; then
        log "missing: ${need[*]} (run ops/browser.sh install)"
        return 1
    fi
    command -v chromedriver >/dev/null || { log "chromedriver is not on PATH"; return 1; }
}

case "${1:-}" in
    install) install ;;
    check) check ;;
    *) echo "usage: $0 install|check" >&2; exit 2 ;;
esac
