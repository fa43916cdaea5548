#!/usr/bin/env bash
# Fuzzes the parsers of untrusted model files with libFuzzer + AddressSanitizer (not run in CI).
#   scripts/fuzz.sh config|safetensors|pickle|torch|convert|date [SECONDS=300] [extra libFuzzer flags...]
# Builds Fuzz/VoiceEmotionFuzz with -sanitize=fuzzer,address into .build-fuzz/, seeds a corpus
# from the test fixtures (configs, weight files, the pickles inside the .bin fixtures, or the
# .bin files) and runs for SECONDS on one core. A crashing
# input is written to .build-fuzz/crash-*; replay it with
#   swift run -c release VoiceEmotionFuzz config|safetensors|pickle|torch|convert|date .build-fuzz/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh config|safetensors|pickle|torch|convert|date [SECONDS] [libFuzzer flags...]}
seconds=${2:-300}
shift $(( $# >= 2 ? 2 : 1 ))
case "$target" in
config) seeds=$(find Tests/Wav2Vec2Tests/Fixtures -name '*config.json') ;;
safetensors) seeds=$(find Tests -name '*.safetensors' -size -200k) ;;
torch | convert) seeds=$(find Tests/TorchCheckpointTests/Fixtures -name '*.bin' -size -200k) ;;
date)  # the tag texts and offsets the tests use, one per file
    seeds=""
    mkdir -p .build-fuzz/date-seeds
    i=0
    for text in 2024-03-04T08:15:00+01:00 2024-06-15T10:00:00-23:59 "2024/03/04 08:15" 2024-03-04T08:15:00.250-0530 2026-02-30T10:00:00Z \
                2024-02-29T23:30:00+14:00 2024-06-15 2024-06-15T10:00Z 1904-01-01T00:00:00Z; do
        printf '%s' "$text" > .build-fuzz/date-seeds/$i && seeds="$seeds .build-fuzz/date-seeds/$i"
        i=$((i + 1))
    done ;;
pickle) seeds="" ;;  # extracted below from the .bin fixtures
*) echo "error: target is config, safetensors, pickle, torch, convert or date" >&2; exit 64 ;;
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
