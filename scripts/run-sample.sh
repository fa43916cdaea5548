#!/usr/bin/env bash
# Quick start, command 1: installs missing system packages, builds the CLI (release) and runs it
# on the bundled sample recording. Extra arguments go to the CLI after the sample path.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
swift build -c release --product voice-emotion
.build/release/voice-emotion info Docs/Samples/voice-memo.flac
.build/release/voice-emotion vad Docs/Samples/voice-memo.flac "$@"
