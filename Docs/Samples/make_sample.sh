#!/usr/bin/env bash
# Regenerates voice-memo.flac: a ~25 s "voice memo" of synthetic speech (espeak-ng) with pauses
# and light background noise, 16 kHz mono 16-bit FLAC. Needs espeak-ng and sox (Debian packages).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { espeak-ng -v "$1" -s "$2" -p "$3" -w "$work/$4.wav" "$5"; sox "$work/$4.wav" -r 16000 -c 1 "$work/$4-16k.wav"; }
say en-us 150 50 a "Okay, quick note to self. The meeting ran long again and I still have not finished the report."
say en-gb 175 70 b "Honestly I am really frustrated. Nobody told me the deadline moved to tomorrow morning!"
say en-us 130 35 c "Anyway. I will go for a walk, make some tea, and start again calmly after lunch."
sox -n -r 16000 -c 1 "$work/pause1.wav" trim 0 1.2
sox -n -r 16000 -c 1 "$work/pause2.wav" trim 0 2.0
sox -n -r 16000 -c 1 "$work/lead.wav" trim 0 0.8
sox "$work/lead.wav" "$work/a-16k.wav" "$work/pause1.wav" "$work/b-16k.wav" "$work/pause2.wav" "$work/c-16k.wav" "$work/pause1.wav" "$work/speech.wav"
duration=$(soxi -D "$work/speech.wav")
sox -R -n -r 16000 -c 1 "$work/noise.wav" synth "$duration" pinknoise vol 0.02
sox -R -m "$work/speech.wav" "$work/noise.wav" -b 16 voice-memo.flac norm -3
soxi voice-memo.flac
