#!/usr/bin/env python3
"""Full-size parity check (not run by CI): random-initialised checkpoints with the real shapes
through PyTorch transformers and through `voice-emotion classify`, max abs logit difference.

    swift build -c release --product voice-emotion
    .venv-tools/bin/python Tests/Wav2Vec2Tests/full_size_parity.py [--seconds 10]

Configs: "large" = 24-layer XLSR shape (hidden 1024, pre-LN, layer-norm convs, conv bias) with the
legacy dense-tanh-output head of ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition;
"base" = 12-layer wav2vec2-base shape (768, post-LN, group norm) with the weighted-layer-sum
projector head of superb/wav2vec2-base-superb-er. Target: max abs difference <= 2e-3.
Norms and biases are perturbed as in the small fixtures so every tensor matters.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
import torch
from safetensors.torch import save_file
from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2ForSequenceClassification, Wav2Vec2Model

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
parser = argparse.ArgumentParser()
parser.add_argument("--seconds", type=float, default=10.0)
parser.add_argument("--cli", default=os.path.join(root, ".build", "release", "voice-emotion"))
args = parser.parse_args()
torch.manual_seed(11)
torch.set_num_threads(2)

speech, rate = sf.read(os.path.join(root, "Tests", "SileroVADTests", "Fixtures", "speech_16k.flac"), dtype="float32")
clip = speech[16000: 16000 + int(16000 * args.seconds)]
EMOTIONS8 = ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]


def perturb(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.05)
            elif "layer_norm.weight" in name:
                p.copy_(1 + torch.randn_like(p) * 0.1)
            elif name.endswith("layer_weights"):
                p.copy_(torch.randn_like(p))
    return model.eval()


def run_cli(folder, wav):
    out = subprocess.run([args.cli, "classify", wav, "--model", folder, "--json"], check=True, capture_output=True, text=True)
    return np.array(json.loads(out.stdout)["logits"], dtype=np.float64)


results = {}
with tempfile.TemporaryDirectory() as tmp:
    wav = os.path.join(tmp, "clip.wav")
    sf.write(wav, clip, 16000, subtype="FLOAT")
    audio, _ = sf.read(wav, dtype="float32")

    # large: XLSR shape, legacy head
    folder = os.path.join(tmp, "large")
    os.makedirs(folder)
    config = Wav2Vec2Config(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                            feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
                            id2label={str(i): n for i, n in enumerate(EMOTIONS8)}, label2id={n: i for i, n in enumerate(EMOTIONS8)})
    base = perturb(Wav2Vec2Model(config))
    dense, output = torch.nn.Linear(1024, 1024), torch.nn.Linear(1024, 8)
    state = {"wav2vec2." + k: v for k, v in base.state_dict().items()}
    state.update({"classifier.dense.weight": dense.weight, "classifier.dense.bias": dense.bias,
                  "classifier.output.weight": output.weight, "classifier.output.bias": output.bias})
    save_file({k: v.detach().contiguous().clone() for k, v in state.items()}, os.path.join(folder, "model.safetensors"))
    config_dict = config.to_dict()
    config_dict.update({"architectures": ["Wav2Vec2ForSpeechClassification"], "pooling_mode": "mean"})
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(config_dict, f)
    Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=True).save_pretrained(folder)
    x = Wav2Vec2FeatureExtractor.from_pretrained(folder)(audio, sampling_rate=16000, return_tensors="pt").input_values
    with torch.no_grad():
        reference = output(torch.tanh(dense(base(x).last_hidden_state.mean(dim=1))))[0].double().numpy()
    del base, state
    results["large (24 layers, legacy head)"] = (reference, run_cli(folder, wav))

    # base: wav2vec2-base shape, weighted layer sum (post-LN: transformers' own forward is the reference)
    folder = os.path.join(tmp, "base")
    config = Wav2Vec2Config(use_weighted_layer_sum=True, id2label={"0": "neu", "1": "hap", "2": "ang", "3": "sad"},
                            label2id={"neu": 0, "hap": 1, "ang": 2, "sad": 3})
    model = perturb(Wav2Vec2ForSequenceClassification(config))
    model.save_pretrained(folder)
    Wav2Vec2FeatureExtractor(do_normalize=False).save_pretrained(folder)
    x = Wav2Vec2FeatureExtractor.from_pretrained(folder)(audio, sampling_rate=16000, return_tensors="pt").input_values
    with torch.no_grad():
        reference = model(x).logits[0].double().numpy()
    results["base (12 layers, weighted sum)"] = (reference, run_cli(folder, wav))

print(f"full-size parity, {args.seconds:.0f} s clip, torch {torch.__version__}")
worst_all = 0.0
for name, (reference, ours) in results.items():
    worst = float(np.abs(reference - ours).max())
    worst_all = max(worst_all, worst)
    print(f"  {name:34s} max abs logit diff {worst:.2e}   (logits range {reference.min():+.3f}..{reference.max():+.3f})")
sys.exit(0 if worst_all <= 2e-3 else 1)
