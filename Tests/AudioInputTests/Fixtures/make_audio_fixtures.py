#!/usr/bin/env python3
"""Audio fixtures and python-soxr reference outputs for the AudioInput tests.

Run from the repository root with the offline tools venv (see Docs/Models.md):
    .venv-tools/bin/python Tests/AudioInputTests/Fixtures/make_audio_fixtures.py

Writes small audio files (generated tones, chirps and noise; lossy ones through `sox`) and
resample.safetensors holding, for each lossless file, what the Python pipeline gives:
soundfile.read(dtype="float32") -> mean over channels -> soxr.resample(x, sr, 16000, quality="HQ").
"""
import os
import platform
import subprocess

import numpy as np
import soundfile as sf
import soxr
from safetensors.numpy import save_file

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(7)


def chirp(sr, seconds, f0, f1):
    t = np.arange(int(sr * seconds)) / sr
    return np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds)))


def path(name):
    return os.path.join(here, name)


# Lossless sources: (file, rate, channels, subtype, signal builder)
tone = 0.6 * np.sin(2 * np.pi * 440 * np.arange(22050) / 44100) + 0.2 * chirp(44100, 0.5, 50, 12000)
sf.write(path("tone_44k.wav"), tone.astype(np.float32), 44100, subtype="PCM_16")

left = 0.5 * chirp(48000, 0.6, 100, 7000)
right = 0.3 * rng.uniform(-1, 1, len(left))
sf.write(path("chirp_48k_stereo.flac"), np.stack([left, right], axis=1).astype(np.float32), 48000, subtype="PCM_16")

noise = (0.4 * rng.standard_normal(13230)).clip(-1, 1)
sf.write(path("noise_44k_float.wav"), noise.astype(np.float32), 44100, subtype="FLOAT")

speechlike = 0.5 * chirp(16000, 0.4, 200, 3000) * np.hanning(6400)
sf.write(path("native_16k.wav"), speechlike.astype(np.float32), 16000, subtype="PCM_16")

expected = {}
for name in ["tone_44k.wav", "chirp_48k_stereo.flac", "noise_44k_float.wav", "native_16k.wav"]:
    x, sr = sf.read(path(name), dtype="float32", always_2d=True)
    mono = x.mean(axis=1, dtype=np.float32)
    key = name.rsplit(".", 1)[0]
    expected[f"{key}.mono"] = mono  # decoded + downmixed at the file's rate
    expected[f"{key}.16k"] = soxr.resample(mono, sr, 16000, quality="HQ").astype(np.float32)

# Lossy formats (decode checks only: codecs differ between libsndfile builds).
subprocess.run(["sox", path("tone_44k.wav"), "-C", "3", path("tone_44k.ogg")], check=True)
subprocess.run(["sox", path("tone_44k.wav"), "-C", "64", path("tone_44k.mp3")], check=True)
sf.write(path("tone_48k.opus"), chirp(48000, 0.5, 300, 3000).astype(np.float32) * 0.5, 48000, format="OGG", subtype="OPUS")

save_file(expected, path("resample.safetensors"), metadata={
    "generator": "Tests/AudioInputTests/Fixtures/make_audio_fixtures.py",
    "soxr": soxr.__version__, "libsoxr": soxr.__libsoxr_version__ if hasattr(soxr, "__libsoxr_version__") else "bundled",
    "soundfile": sf.__version__, "libsndfile": sf.__libsndfile_version__,
    "numpy": np.__version__, "python": platform.python_version(),
})
print("wrote", sorted(os.listdir(here)))
