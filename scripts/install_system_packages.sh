#!/usr/bin/env bash
# Debian packages the test suite and benchmarks use: wrk (HTTP load generator) and
# chromium (headless rendering test of the docs). Installs only what is missing; `make docs`,
# `make bench` and `make test` call it through `make system-packages`.
set -euo pipefail
need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    # Install only when we may without asking: root, or sudo that needs no password.
    if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
        echo "missing Debian packages: ${need[*]}. Install them with:" >&2
        echo "    sudo bash scripts/install_system_packages.sh" >&2
        exit 2
    fi
    SUDO="sudo"
fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
