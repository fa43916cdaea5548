#!/usr/bin/env bash
# Quick start, command 2: installs missing system packages (and python3, which the download tests'
# local stand-in for the hub runs on), builds, runs the whole test suite,
# builds and runs the consumer package (Tests/ConsumerPackage), which uses VoiceEmotion as an app
# does, and builds the DocC documentation (warnings are errors).
# Tests run optimised (-c release): the parity tests push real audio through the models, which
# unoptimised SIMD code makes ~30x slower. They use no @testable imports, so nothing is lost.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh --for-tests
swift build -c release --build-tests
swift run --package-path Tests/ConsumerPackage -c release Consumer
swift test -c release 2>&1 | grep -vE '^(◇|􀟈) Test .* started\.$'
swift package generate-documentation --target VoiceEmotion --warnings-as-errors >/dev/null
echo "documentation: .build/plugins/Swift-DocC/outputs/VoiceEmotion.doccarchive"
