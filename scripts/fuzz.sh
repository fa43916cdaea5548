#!/usr/bin/env bash
# Fuzzes the parsers of untrusted model files with libFuzzer + AddressSanitizer (not run in CI).
#   scripts/fuzz.sh config|safetensors|pickle|torch [SECONDS=300] [extra libFuzzer flags...]
# Builds Fuzz/VoiceEmotionFuzz with -sanitize=fuzzer,address into .build-fuzz/, seeds a corpus
# from the test fixtures (configs, weight files, the pickles inside the .bin fixtures, or the
# .bin files) and runs for SECONDS on one core. A crashing
# input is written to .build-fuzz/crash-*; replay it with
#   swift run -c release VoiceEmotionFuzz config|safetensors|pickle|torch .build-fuzz/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh config|safetensors|pickle|torch [SECONDS] [libFuzzer flags...]}
seconds=${2:-300}
shift $(( $# >= 2 ? 2 : 1 ))
case "$target" in
config) seeds=$(find Tests/Wav2Vec2Tests/Fixtures -name '*config.json') ;;
safetensors) seeds=$(find Tests -name '*.safetensors' -size -200k) ;;
torch) seeds=$(find Tests/TorchCheckpointTests/Fixtures -name '*.bin' -size -200k) ;;
pickle) seeds="" ;;  # extracted below from the .bin fixtures
*) echo "error: target is config, safetensors, pickle or torch" >&2; exit 64 ;;
esac
swift build -c release --scratch-path .build-fuzz --product VoiceEmotionFuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING
corpus=.build-fuzz/corpus-$target
mkdir -p "$corpus"
for seed in $seeds; do cp "$seed" "$corpus/seed-$(echo "$seed" | tr '/' '_')"; done
if [ "$target" = pickle ]; then
    python3 - "$corpus" Tests/TorchCheckpointTests/Fixtures/*.bin <<'EOF'
import sys, zipfile
for path in sys.argv[2:]:
    try:
        with zipfile.ZipFile(path) as z:
            name = next(n for n in z.namelist() if n.endswith("/data.pkl"))
            open(f"{sys.argv[1]}/seed-{path.replace('/', '_')}.pkl", "wb").write(z.read(name))
    except Exception:
        pass  # the broken archives have no readable pickle
EOF
fi
VOICE_EMOTION_FUZZ_TARGET=$target .build-fuzz/release/VoiceEmotionFuzz "$corpus" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -artifact_prefix=.build-fuzz/ -print_final_stats=1 "$@"
