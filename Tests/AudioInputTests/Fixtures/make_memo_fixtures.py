#!/usr/bin/env python3
"""Voice-memo fixtures (what phones and browsers record) and their Python reference decodes.

Run from the repository root with the offline tools venv (see Docs/Models.md) and Debian's
ffmpeg on PATH:
    .venv-tools/bin/python Tests/AudioInputTests/Fixtures/make_memo_fixtures.py

Writes Tests/AudioInputTests/Fixtures/memos/:
- short speech clips in the containers memo apps write (each under 100 KB): m4a with AAC at
  48 kHz mono (as the iPhone's Voice Memos), m4a with ALAC (stereo, lossless, from a FLAC fixture),
  3gp with AAC (Debian's ffmpeg has no AMR encoder), WebM with Opus (as Chrome's MediaRecorder),
  mp4 with a video track and AAC (as Safari's), mov with AAC;
- date-tag variants: MP4 creation_time (UTC), com.apple.quicktime.creationdate (with offset),
  Matroska/Opus DATE, Ogg Opus DATE comment, ID3v2.4 TDRC, WAV BWF bext origination date/time;
- bad inputs: an mp4 with only a video track, a truncated m4a, a Matroska file whose audio codec
  ffmpeg does not know;
- memo_speech.m4a: the whole clipped_16k.flac fixture as AAC, for analyze-equivalence tests;
- memos_reference.safetensors: for each decodable clip, what a Python user gets:
  `ffmpeg -i X -map 0:a:0 -f f32le -acodec pcm_f32le -` -> numpy mean over channels ->
  soxr.resample(x, rate, 16000, quality="HQ"), float32, with the versions in its metadata.
"""
import json
import os
import platform
import subprocess

import numpy as np
import soundfile as sf
import soxr
from safetensors.numpy import save_file

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "memos")
root = os.path.abspath(os.path.join(here, "..", "..", ".."))
os.makedirs(out, exist_ok=True)
speech = os.path.join(root, "Tests/SileroVADTests/Fixtures/speech_16k.flac")
clipped = os.path.join(root, "Tests/SileroVADTests/Fixtures/clipped_16k.flac")
chirp = os.path.join(here, "chirp_48k_stereo.flac")

# Deterministic output: no encoder version strings or timestamps unless a test asks for a tag.
BITEXACT = ["-fflags", "+bitexact", "-flags:a", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-nostdin", *args], check=True)


def clip(name, *encode, source=speech, start="1.0", seconds="1.0", extra_inputs=()):
    path = os.path.join(out, name)
    ffmpeg(*extra_inputs, "-ss", start, "-t", seconds, "-i", source, *BITEXACT, *encode, path)
    return path


# --- containers memo apps write (speech from 1.0 s to 2.0 s of the VAD fixture) ---
clip("memo_aac_48k.m4a", "-ar", "48000", "-c:a", "aac", "-b:a", "48k", "-metadata", "creation_time=2024-03-04T07:15:00Z")
clip("memo_alac.m4a", "-c:a", "alac", source=chirp, start="0", seconds="0.5")
clip("memo_aac.3gp", "-ar", "16000", "-c:a", "aac", "-b:a", "24k")
clip("memo_opus.webm", "-c:a", "libopus", "-b:a", "24k", "-metadata", "DATE=2024-03-04T08:15:00")
ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=2:duration=1", "-ss", "1.0", "-t", "1.0", "-i", speech,
       "-map", "0:v", "-map", "1:a", *BITEXACT, "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
       "-c:a", "aac", "-b:a", "32k", "-shortest", os.path.join(out, "memo_video.mp4"))
clip("memo_quicktime.mov", "-ar", "44100", "-c:a", "aac", "-b:a", "48k",
     "-metadata", "com.apple.quicktime.creationdate=2024-03-04T08:15:00+0100", "-movflags", "use_metadata_tags")

# --- date tags read without ffmpeg too (libsndfile formats) ---
clip("memo_date.opus", "-c:a", "libopus", "-b:a", "16k", "-metadata", "DATE=2024-03-04", seconds="0.3")
clip("memo_tdrc.mp3", "-c:a", "libmp3lame", "-b:a", "32k", "-id3v2_version", "4", "-metadata", "date=2024-03-04T08:15", seconds="0.3")
clip("memo_bext.wav", "-c:a", "pcm_s16le", "-write_bext", "1", "-metadata", "origination_date=2024-03-04",
     "-metadata", "origination_time=08:15:00", seconds="0.3")

# --- bad input ---
ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=2:duration=1", *BITEXACT, "-c:v", "libx264", "-preset", "veryfast",
       "-pix_fmt", "yuv420p", os.path.join(out, "memo_video_only.mp4"))
with open(os.path.join(out, "memo_aac_48k.m4a"), "rb") as f:
    whole = f.read()
with open(os.path.join(out, "memo_truncated.m4a"), "wb") as f:
    f.write(whole[: len(whole) // 3])
unknown = clip("memo_unknown_codec.mka", "-c:a", "pcm_s16le", seconds="0.2")
with open(unknown, "rb") as f:
    data = f.read()
assert data.count(b"A_PCM/INT/LIT") == 1
with open(unknown, "wb") as f:  # a codec ID ffmpeg does not know, same length
    f.write(data.replace(b"A_PCM/INT/LIT", b"A_XYZ/NOT/LIT"))

# --- analyze equivalence: a whole speech fixture as AAC at 48 kHz ---
clip("memo_speech.m4a", "-ar", "48000", "-c:a", "aac", "-b:a", "64k", source=clipped, start="0", seconds="8")

# --- Python reference: ffmpeg f32le -> channel mean -> soxr HQ at 16 kHz ---
def probe(path):
    text = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-select_streams", "a:0", path],
                          check=True, capture_output=True).stdout
    stream = json.loads(text)["streams"][0]
    return int(stream["sample_rate"]), int(stream["channels"])


reference = {}
for name in ["memo_aac_48k.m4a", "memo_alac.m4a", "memo_aac.3gp", "memo_opus.webm", "memo_video.mp4", "memo_quicktime.mov"]:
    path = os.path.join(out, name)
    rate, channels = probe(path)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-map", "0:a:0", "-ac", str(channels),
                          "-f", "f32le", "-acodec", "pcm_f32le", "-"], check=True, capture_output=True).stdout
    native = np.frombuffer(raw, dtype="<f4").reshape(-1, channels)
    mono = native.mean(axis=1, dtype=np.float32) if channels > 1 else native[:, 0]
    reference[name + ".16k"] = soxr.resample(mono, rate, 16000, quality="HQ").astype(np.float32)
for name, values in reference.items():
    print(f"{name}: {values.shape}")

ffmpeg_version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
save_file(reference, os.path.join(out, "memos_reference.safetensors"), metadata={
    "generator": "Tests/AudioInputTests/Fixtures/make_memo_fixtures.py",
    "ffmpeg": ffmpeg_version, "soxr": soxr.__version__, "numpy": np.__version__, "soundfile": sf.__version__,
    "python": platform.python_version(),
})
for name in sorted(os.listdir(out)):
    print(f"{name}: {os.path.getsize(os.path.join(out, name))} bytes")
