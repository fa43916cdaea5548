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
  - voice-emotion-bench --json --model on the same weights (converted by Weights/convert_wav2vec2.py).
Wav2Vec2: one warm-up each, then --runs rounds, each timing PyTorch, ONNX Runtime and ours once
(interleaved), so a slow spell of the shared machine affects all three; speed ratios are taken
within a round and their median reported. VAD: one warm-up, then --runs runs; median and min-max.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
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

def swift_bench(*arguments):
    return json.loads(subprocess.run([args.bench, "--json", "--threads", str(args.threads), *arguments],
                                     check=True, capture_output=True, text=True).stdout)


if "wav2vec2" in parts:
    import onnxruntime
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForSequenceClassification
    torch.set_num_threads(args.threads)
    python_results["wav2vec2"] = {}
    for name in configs:
        torch.manual_seed(0)
        if name == "large":
            config = Wav2Vec2Config(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                                    feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True, num_labels=4)
        else:
            config = Wav2Vec2Config(use_weighted_layer_sum=True, num_labels=4)
        model = Wav2Vec2ForSequenceClassification(config).eval()
        with tempfile.TemporaryDirectory() as tmp:
            # The same random weights for all three: saved as a hub folder, converted to ours.
            hub, ours = os.path.join(tmp, "hub"), os.path.join(tmp, "ours")
            model.save_pretrained(hub)
            Wav2Vec2FeatureExtractor(return_attention_mask=name == "large").save_pretrained(hub)
            subprocess.run([sys.executable, os.path.join(root, "Weights", "convert_wav2vec2.py"), hub, ours],
                           check=True, capture_output=True)
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
                    model(x)
                session.run(None, {"input_values": x.numpy()})
                # Rounds of one run each, interleaved, so a slow spell of the shared machine hits
                # all three alike; ratios are taken within a round.
                rounds = []
                for _ in range(args.runs):
                    with torch.no_grad():
                        torch_time = timed(lambda: model(x).logits, 1)[0] / seconds
                    ort_time = timed(lambda: session.run(None, {"input_values": x.numpy()}), 1)[0] / seconds
                    entry = swift_bench("--only", "wav2vec2", "--model", ours, "--runs", "1",
                                        "--lengths", f"{seconds:g}")["wav2vec2"][0]
                    rounds.append({"PyTorch": torch_time, "ONNX Runtime": ort_time, "VoiceEmotion": entry["rtf"],
                                   "floor": entry["sgemm_floor_rtf"]})
                python_results["wav2vec2"][(name, seconds)] = rounds
        del model

swift = swift_bench("--runs", str(args.runs), "--only", "sgemm,vad" if "vad" in parts else "sgemm")

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
    print("\nWav2Vec2, seconds of compute per second of audio (RTF), same random weights in all three;")
    print(f"{args.runs} interleaved rounds; ratios within a round, then the median")
    for (name, seconds), rounds in python_results["wav2vec2"].items():
        def column(key):
            return summary([r[key] for r in rounds])
        ours = column("VoiceEmotion")
        floor = column("floor")
        to_floor = summary([r["VoiceEmotion"] / r["floor"] for r in rounds])
        print(f"  {name} {seconds:.0f} s: VoiceEmotion {ours[0]:.3f} ({ours[1]:.3f}-{ours[2]:.3f}), "
              f"sgemm floor {floor[0]:.3f}, VoiceEmotion x{to_floor[0]:.2f} floor ({to_floor[1]:.2f}-{to_floor[2]:.2f})")
        for key in ["PyTorch", "ONNX Runtime"]:
            median, low, high = column(key)
            speedup = summary([r[key] / r["VoiceEmotion"] for r in rounds])
            print(f"      {key:14s} {median:.3f} ({low:.3f}-{high:.3f})   VoiceEmotion x{speedup[0]:.2f} faster "
                  f"({speedup[1]:.2f}-{speedup[2]:.2f})")
