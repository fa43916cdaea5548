#!/usr/bin/env bash
# Quick start, command 2: installs missing system packages, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
swift build --build-tests
swift test 2>&1 | grep -vE '^(◇|􀟈) Test .* started\.$'
