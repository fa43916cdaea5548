#!/usr/bin/env python3
"""Side-by-side speed of the official implementations and voice-emotion-bench, in one run.

    swift build -c release --product voice-emotion-bench
    .venv-tools/bin/python Benchmarks/reference/bench_reference.py [--runs 5] [--chunks 3000]

Times, on the same machine and in the same run (the machine is shared and noisy, so only
ratios measured together mean anything):
  - Silero VAD, official silero-vad 6.2.3: the ONNX model through onnxruntime (1 thread, as the
    package's OnnxWrapper sets it) and the TorchScript model (torch.set_num_threads(1)), one
    512-sample chunk per call on the bundled sample recording tiled to 10 minutes;
  - voice-emotion-bench --json (this project, 1 thread for the VAD).
Prints medians, min-max, and the ratios.
"""
import argparse
import json
import os
import statistics
import subprocess
import time
import warnings

import numpy as np
import soundfile as sf
import torch
from silero_vad import load_silero_vad

warnings.filterwarnings("ignore")
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--chunks", type=int, default=3000, help="chunks per timing run of the Python models")
parser.add_argument("--bench", default=os.path.join(root, ".build", "release", "voice-emotion-bench"))
args = parser.parse_args()

memo, rate = sf.read(os.path.join(root, "Docs", "Samples", "voice-memo.flac"), dtype="float32")
assert rate == 16000
audio = np.tile(memo, 600 * 16000 // len(memo) + 1)[: 600 * 16000]
chunks = [torch.from_numpy(audio[i * 512:(i + 1) * 512].copy()) for i in range(args.chunks)]


def time_model(model):
    model(chunks[0], 16000)  # warm-up
    per_chunk = []
    for _ in range(args.runs):
        model.reset_states()
        start = time.perf_counter()
        for chunk in chunks:
            model(chunk, 16000)
        per_chunk.append((time.perf_counter() - start) / len(chunks) * 1e6)
    return per_chunk


torch.set_num_threads(1)
results = {
    "official ONNX (onnxruntime)": time_model(load_silero_vad(onnx=True)),
    "official TorchScript": time_model(load_silero_vad()),
}
swift = json.loads(subprocess.run([args.bench, "--json", "--runs", str(args.runs)], check=True,
                                  capture_output=True, text=True).stdout)
ours = swift["vad"]


def summary(values):
    return statistics.median(values), min(values), max(values)


print(f"Silero VAD, 16 kHz, microseconds per 512-sample chunk, 1 thread, {args.runs} runs (median, min-max)")
print(f"  {'VoiceEmotion (whole recording, blocked)':44s} {ours['us_per_chunk']:8.2f}  ({ours['us_per_chunk_min']:.2f}-{ours['us_per_chunk_max']:.2f})")
print(f"  {'VoiceEmotion (one chunk per call)':44s} {ours['us_per_chunk_streaming']:8.2f}")
for name, values in results.items():
    median, low, high = summary(values)
    print(f"  {name:44s} {median:8.2f}  ({low:.2f}-{high:.2f})   "
          f"x{median / ours['us_per_chunk']:.1f} vs blocked, x{median / ours['us_per_chunk_streaming']:.1f} vs one-chunk")
print(f"  sgemm reference in the same run: {swift['sgemm_gflops']} GFLOP/s ({swift['threads']} threads)")
print(f"  VoiceEmotion VAD analyze, 10 min recording: RTF {ours['rtf']:.5f}")
