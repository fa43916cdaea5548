#!/usr/bin/env bash
# Quick start, command 1: installs missing system packages, builds the CLI (release) and analyses
# the bundled sample recording: speech segments, emotions and the stress index when an emotion
# model is installed (see Weights/README.md), speech segments and how to get a model otherwise.
# Extra arguments go to `voice-emotion analyze` (e.g. --model DIR, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
swift build -c release --product voice-emotion
.build/release/voice-emotion analyze Docs/Samples/voice-memo.flac "$@"
