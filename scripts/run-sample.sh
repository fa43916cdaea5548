#!/usr/bin/env bash
# Quick start, command 1: installs missing system packages, builds the CLI (release), makes sure
# the default emotion model is installed, and analyses the bundled sample recording.
#
# The default model (ehcalabres' checkpoint, about 1.3 GB) is pulled from the Hugging Face hub
# with `voice-emotion models pull` when no model is installed and the hub answers within 10 s;
# later runs reuse it (~/.cache/voice-emotion/models, or $VOICE_EMOTION_MODELS). Offline, or with
# VOICE_EMOTION_NO_PULL=1, the report shows the speech segments only and says why.
# Extra arguments go to `voice-emotion analyze` (e.g. --model DIR, --json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
swift build -c release --product voice-emotion
cli=.build/release/voice-emotion

# A model given on the command line, or in $VOICE_EMOTION_MODEL, or already installed: use it.
wants_model=1
for argument in "$@"; do
    case "$argument" in --model|--model=*) wants_model=0 ;; esac
done
[ -n "${VOICE_EMOTION_MODEL:-}" ] && wants_model=0
if [ "$wants_model" = 1 ] && "$cli" models list --json | grep -q '"installed":\[\]'; then
    if [ "${VOICE_EMOTION_NO_PULL:-0}" = 1 ]; then
        echo "VOICE_EMOTION_NO_PULL=1: not downloading a model; showing speech segments only." >&2
    elif ! "$cli" models pull ehcalabres --connect-timeout 10; then
        echo "The model could not be downloaded (the reason is above), so only speech segments are shown." >&2
        echo "Run this script again when the hub is reachable; an interrupted download resumes." >&2
    fi
fi
"$cli" analyze Docs/Samples/voice-memo.flac "$@"
