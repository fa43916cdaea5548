#!/usr/bin/env python3
"""Side-by-side speed of the reference implementations and voice-emotion-bench, in one run.

    swift build -c release --product voice-emotion-bench
    .venv-tools/bin/pip install onnx onnxscript            # once, for the ONNX export
    .venv-tools/bin/python Benchmarks/reference/bench_reference.py [--runs 3] [--threads 2]
        [--only vad,wav2vec2] [--configs base,large] [--lengths 10]

The machine is shared and noisy, so only figures measured together mean anything; this script
measures everything in one run and prints ratios:
  - Silero VAD, official silero-vad 6.2.3: the ONNX model through onnxruntime (1 thread, as the
    package's OnnxWrapper sets it) and the TorchScript model (1 thread), one 512-sample chunk per
    call, on the bundled sample recording tiled to 10 minutes;
  - Wav2Vec2 "base" (wav2vec2-base shape, weighted layer sum) and "large" (24-layer XLSR shape),
    random weights, the same audio lengths: PyTorch transformers (torch.set_num_threads(THREADS))
    and ONNX Runtime (the same model exported with torch.onnx, intra-op THREADS threads);
  - voice-emotion-bench --json with the same threads, configs and lengths.
Each timing: one warm-up, then --runs runs; median and min-max.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import warnings

import numpy as np
import soundfile as sf
import torch

warnings.filterwarnings("ignore")
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
parser = argparse.ArgumentParser()
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--threads", type=int, default=os.cpu_count())
parser.add_argument("--only", default="vad,wav2vec2")
parser.add_argument("--configs", default="base,large")
parser.add_argument("--lengths", default="10")
parser.add_argument("--chunks", type=int, default=3000, help="chunks per timing run of the Python VAD models")
parser.add_argument("--bench", default=os.path.join(root, ".build", "release", "voice-emotion-bench"))
args = parser.parse_args()
parts = set(args.only.split(","))
configs = args.configs.split(",")
lengths = [float(x) for x in args.lengths.split(",")]

memo, rate = sf.read(os.path.join(root, "Docs", "Samples", "voice-memo.flac"), dtype="float32")
audio = np.tile(memo, 600 * 16000 // len(memo) + 1)[: 600 * 16000]


def timed(fn, runs):
    fn()
    values = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        values.append(time.perf_counter() - start)
    return values


def summary(values):
    return statistics.median(values), min(values), max(values)


python_results = {}

if "vad" in parts:
    from silero_vad import load_silero_vad
    torch.set_num_threads(1)
    chunks = [torch.from_numpy(audio[i * 512:(i + 1) * 512].copy()) for i in range(args.chunks)]

    def vad_run(model):
        def run():
            model.reset_states()
            for chunk in chunks:
                model(chunk, 16000)
        return [t / len(chunks) * 1e6 for t in timed(run, args.runs)]

    python_results["vad"] = {"official ONNX (onnxruntime)": vad_run(load_silero_vad(onnx=True)),
                             "official TorchScript": vad_run(load_silero_vad())}

if "wav2vec2" in parts:
    import onnxruntime
    from transformers import Wav2Vec2Config, Wav2Vec2ForSequenceClassification
    torch.set_num_threads(args.threads)
    python_results["wav2vec2"] = {}
    for name in configs:
        if name == "large":
            config = Wav2Vec2Config(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                                    feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True, num_labels=4)
        else:
            config = Wav2Vec2Config(use_weighted_layer_sum=True, num_labels=4)
        model = Wav2Vec2ForSequenceClassification(config).eval()
        with tempfile.TemporaryDirectory() as tmp:
            onnx_path = os.path.join(tmp, "model.onnx")
            example = torch.from_numpy(audio[: 16000 * 3].copy())[None]
            torch.onnx.export(model, (example,), onnx_path, input_names=["input_values"], output_names=["logits"],
                              dynamic_axes={"input_values": {1: "samples"}}, dynamo=False, opset_version=17)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.inter_op_num_threads = 1
            session = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
            for seconds in lengths:
                x = torch.from_numpy(audio[: int(16000 * seconds)].copy())[None]
                with torch.no_grad():
                    torch_times = timed(lambda: model(x).logits, args.runs)
                ort_times = timed(lambda: session.run(None, {"input_values": x.numpy()}), args.runs)
                python_results["wav2vec2"][(name, seconds)] = {
                    "PyTorch": [t / seconds for t in torch_times], "ONNX Runtime": [t / seconds for t in ort_times]}
        del model

swift = json.loads(subprocess.run(
    [args.bench, "--json", "--runs", str(args.runs), "--threads", str(args.threads),
     "--only", ",".join(p for p in ["vad", "wav2vec2"] if p in parts), "--configs", args.configs, "--lengths", args.lengths],
    check=True, capture_output=True, text=True).stdout)

print(f"Side by side, one run: {args.threads} threads (VAD: 1), {args.runs} runs after a warm-up; median (min-max)")
print(f"sgemm 1024^3 in the same run: {swift['sgemm_gflops']} GFLOP/s")
if "vad" in parts:
    ours = swift["vad"]
    print("\nSilero VAD, microseconds per 16 kHz chunk")
    print(f"  {'VoiceEmotion (recording, blocked)':40s} {ours['us_per_chunk']:8.2f}  ({ours['us_per_chunk_min']:.2f}-{ours['us_per_chunk_max']:.2f})")
    print(f"  {'VoiceEmotion (one chunk per call)':40s} {ours['us_per_chunk_streaming']:8.2f}")
    for name, values in python_results["vad"].items():
        median, low, high = summary(values)
        print(f"  {name:40s} {median:8.2f}  ({low:.2f}-{high:.2f})   VoiceEmotion x{median / ours['us_per_chunk']:.1f} faster "
              f"(x{median / ours['us_per_chunk_streaming']:.1f} one chunk per call)")
if "wav2vec2" in parts:
    print("\nWav2Vec2, seconds of compute per second of audio (RTF)")
    for entry in swift["wav2vec2"]:
        key = (entry["config"], float(entry["audio_s"]))
        reference = python_results["wav2vec2"].get(key)
        print(f"  {entry['config']} {entry['audio_s']:.0f} s: VoiceEmotion {entry['rtf']:.3f} ({entry['rtf_min']:.3f}-{entry['rtf_max']:.3f}), "
              f"sgemm floor {entry['sgemm_floor_rtf']:.3f} (x{entry['ratio_to_floor']:.2f})")
        if reference:
            for name, values in reference.items():
                median, low, high = summary(values)
                print(f"      {name:14s} {median:.3f} ({low:.3f}-{high:.3f})   VoiceEmotion x{median / entry['rtf']:.2f} faster")
