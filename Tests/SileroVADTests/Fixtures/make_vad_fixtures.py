#!/usr/bin/env python3
"""Audio fixtures and official Silero VAD reference outputs for the SileroVAD tests.

Run from the repository root with the offline tools venv (see Docs/Models.md); needs espeak-ng
and sox on PATH:
    .venv-tools/bin/python Tests/SileroVADTests/Fixtures/make_vad_fixtures.py

Makes small 16-bit FLAC files (synthetic speech from espeak-ng with pauses and noise, silence,
white noise, clipped full-scale speech) and vad_reference.json with, for each file, what the
official silero-vad 6.2.3 package (TorchScript model) gives: per-chunk probabilities, speech
timestamps for several parameter sets (samples and seconds), VADIterator events for whole chunks,
and the collect_chunks length.
"""
import json
import os
import platform
import subprocess
import tempfile

import numpy as np
import soundfile as sf
import torch
from silero_vad import VADIterator, collect_chunks, get_speech_timestamps, load_silero_vad
from importlib import metadata

here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2026)
torch.set_num_threads(1)

SENTENCES = [
    ("en-us", 160, 50, "The quarterly numbers came in this morning and they look better than expected."),
    ("en-gb", 140, 40, "I could not believe it when the train stopped in the middle of nowhere for an hour."),
    ("en-us", 185, 70, "Please remember to buy milk, eggs, bread and a few apples on the way home."),
    ("en-gb", 120, 30, "Honestly, I think we should slow down and talk about what went wrong."),
    ("en-us", 170, 60, "Wow, that is fantastic news, congratulations to the whole team!"),
    ("en-us", 150, 45, "The weather tomorrow will be cloudy with a chance of light rain in the afternoon."),
    ("en-gb", 165, 55, "Can you call me back when you get this message? It is about the contract."),
    ("en-us", 135, 35, "I am tired, I have been working since six and I still have three reports to write."),
    ("en-us", 175, 65, "Let us meet at the coffee place near the station at half past ten."),
    ("en-gb", 155, 50, "Nobody told me that the deadline had moved, and now everything is late."),
    ("en-us", 145, 40, "In the end it all worked out, and we celebrated with a long dinner."),
    ("en-us", 160, 55, "Thank you for listening, that is all I wanted to say for today."),
]


def speak(voice, speed, pitch, text, rate):
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = os.path.join(tmp, "raw.wav"), os.path.join(tmp, "out.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", raw, text], check=True)
        subprocess.run(["sox", raw, "-r", str(rate), "-c", "1", "-b", "32", "-e", "floating-point", out], check=True)
        x, _ = sf.read(out, dtype="float32")
    return x


def speech_track(rate, seconds, noise_level):
    parts = [np.zeros(int(rate * 0.7), np.float32)]
    total = len(parts[0])
    i = 0
    while total < rate * seconds:
        voice, speed, pitch, text = SENTENCES[i % len(SENTENCES)]
        gain = [0.9, 0.5, 0.25, 0.7][i % 4]
        s = speak(voice, speed, pitch, text, rate) * gain
        pause = np.zeros(int(rate * [0.25, 1.6, 0.6, 2.4, 0.12, 1.0][i % 6]), np.float32)
        parts += [s, pause]
        total += len(s) + len(pause)
        i += 1
    x = np.concatenate(parts)[: int(rate * seconds)]
    x = x + noise_level * rng.standard_normal(len(x)).astype(np.float32)
    return np.clip(x, -1, 1).astype(np.float32)


def write(name, x, rate):
    sf.write(os.path.join(here, name), x, rate, subtype="PCM_16", format="FLAC")


speech16 = speech_track(16000, 62, 0.004)
write("speech_16k.flac", speech16, 16000)
write("speech_8k.flac", speech_track(8000, 22, 0.006), 8000)
write("silence_16k.flac", np.zeros(16000 * 3, np.float32), 16000)
write("noise_16k.flac", (0.3 * rng.uniform(-1, 1, 16000 * 3)).astype(np.float32), 16000)
write("clipped_16k.flac", np.clip(speech16[: 16000 * 8] * 12, -1, 1), 16000)

PARAMETER_SETS = {
    "default": {},
    "tuned": {"threshold": 0.6, "neg_threshold": 0.3, "min_speech_duration_ms": 100,
              "min_silence_duration_ms": 300, "speech_pad_ms": 50},
    "split": {"max_speech_duration_s": 2.0, "min_silence_duration_ms": 600, "speech_pad_ms": 20},
    "split_legacy": {"max_speech_duration_s": 2.5, "min_silence_duration_ms": 600,
                     "use_max_poss_sil_at_max_speech": False, "min_silence_at_max_speech": 50},
}

model = load_silero_vad()  # the official TorchScript model (silero_vad.jit)
reference = {
    "versions": {"silero-vad": metadata.version("silero-vad"), "torch": torch.__version__,
                 "soundfile": sf.__version__, "numpy": np.__version__, "python": platform.python_version()},
    "generator": "Tests/SileroVADTests/Fixtures/make_vad_fixtures.py",
    "parameter_sets": PARAMETER_SETS,
    "files": {},
}
for name in ["speech_16k.flac", "speech_8k.flac", "silence_16k.flac", "noise_16k.flac", "clipped_16k.flac"]:
    audio, rate = sf.read(os.path.join(here, name), dtype="float32")
    wav = torch.from_numpy(audio)
    window = 512 if rate == 16000 else 256

    # Probabilities exactly as get_speech_timestamps computes them.
    model.reset_states()
    probabilities = []
    for start in range(0, len(wav), window):
        chunk = wav[start:start + window]
        if len(chunk) < window:
            chunk = torch.nn.functional.pad(chunk, (0, window - len(chunk)))
        probabilities.append(model(chunk, rate).item())

    entry = {"sample_rate": rate, "length": len(wav), "probabilities": probabilities,
             "segments": {}, "segments_seconds": {}}
    for set_name, params in PARAMETER_SETS.items():
        ts = get_speech_timestamps(wav, model, sampling_rate=rate, **params)
        entry["segments"][set_name] = [[t["start"], t["end"]] for t in ts]
        ts_s = get_speech_timestamps(wav, model, sampling_rate=rate, return_seconds=True, **params)
        entry["segments_seconds"][set_name] = [[t["start"], t["end"]] for t in ts_s]

    default_ts = get_speech_timestamps(wav, model, sampling_rate=rate)
    entry["collect_chunks_length"] = len(collect_chunks(default_ts, wav)) if default_ts else 0

    iterator = VADIterator(model, sampling_rate=rate)
    events = []
    for start in range(0, len(wav) - window + 1, window):
        event = iterator(wav[start:start + window])
        if event:
            events += [[kind, value] for kind, value in event.items()]
    entry["iterator_events"] = events
    reference["files"][name] = entry
    print(name, rate, len(wav), "chunks", len(probabilities), "segments", len(entry["segments"]["default"]),
          {k: len(v) for k, v in entry["segments"].items()}, "events", len(events))

with open(os.path.join(here, "vad_reference.json"), "w") as f:
    json.dump(reference, f, indent=1)
