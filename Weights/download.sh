#!/usr/bin/env bash
# Fetches a supported emotion checkpoint from the Hugging Face hub and converts it into the
# layout VoiceEmotion loads (config.json, preprocessor_config.json, model.safetensors).
#
#   Weights/download.sh NAME [DEST_DIR]
#
# NAME is one of the checkpoints below (or its short name). DEST_DIR defaults to
# ${VOICE_EMOTION_MODELS:-$HOME/.cache/voice-emotion/models}/<short name>, the folder
# `voice-emotion analyze` looks in by default. Needs a network and the offline tools venv
# (.venv-tools with torch, safetensors, huggingface_hub; see Weights/README.md). Nothing here
# runs when the library runs: models are only ever read from disk.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    cat >&2 <<USAGE
usage: Weights/download.sh NAME [DEST_DIR]
  ehcalabres    ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition   (8 emotions, legacy head)
  superb-base   superb/wav2vec2-base-superb-er                              (neu/hap/ang/sad)
  superb-hubert superb/hubert-large-superb-er                               (neu/hap/ang/sad)
  audeering     audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim       (arousal/dominance/valence)
USAGE
    exit 2
}

[ $# -ge 1 ] || usage
case "$1" in
    ehcalabres|ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition)
        repo=ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition; short=ehcalabres ;;
    superb-base|superb/wav2vec2-base-superb-er)
        repo=superb/wav2vec2-base-superb-er; short=superb-base ;;
    superb-hubert|superb/hubert-large-superb-er)
        repo=superb/hubert-large-superb-er; short=superb-hubert ;;
    audeering|audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim)
        repo=audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim; short=audeering ;;
    *) echo "unknown checkpoint: $1" >&2; usage ;;
esac
dest=${2:-${VOICE_EMOTION_MODELS:-$HOME/.cache/voice-emotion/models}/$short}

python=.venv-tools/bin/python
if [ ! -x "$python" ]; then
    echo "Creating the offline tools venv (.venv-tools) ..." >&2
    python3 -m venv .venv-tools
fi
"$python" -c "import torch, safetensors, huggingface_hub" 2>/dev/null || \
    .venv-tools/bin/pip install --quiet torch safetensors huggingface_hub

raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT
echo "Downloading $repo ..." >&2
"$python" - "$repo" "$raw" <<'PY'
import sys
from huggingface_hub import snapshot_download
repo, target = sys.argv[1], sys.argv[2]
snapshot_download(repo, local_dir=target,
                  allow_patterns=["config.json", "preprocessor_config.json", "model.safetensors", "pytorch_model.bin"])
PY
"$python" Weights/convert_wav2vec2.py "$raw" "$dest"
echo "Model ready in $dest" >&2
