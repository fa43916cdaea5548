#!/usr/bin/env bash
# Quick start, command 2: installs missing system packages, builds, and runs the whole test suite.
# Tests run optimised (-c release): the parity tests push real audio through the models, which
# unoptimised SIMD code makes ~30x slower. They use no @testable imports, so nothing is lost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
swift build -c release --build-tests
swift test -c release 2>&1 | grep -vE '^(◇|􀟈) Test .* started\.$'
