#!/usr/bin/env python3
"""Small random Wav2Vec2 / HuBERT classification checkpoints and their PyTorch logits.

Run from the repository root with the offline tools venv (see Docs/Models.md):
    .venv-tools/bin/python Tests/Wav2Vec2Tests/Fixtures/make_wav2vec2_fixtures.py

Each variant is a folder in the hub layout (config.json, preprocessor_config.json,
model.safetensors) holding a tiny randomly initialised model whose norms, biases and layer
weights are perturbed so that every tensor changes the output:

  base_weighted      Wav2Vec2ForSequenceClassification, post-LN, group-norm convs, weighted layer
                     sum, projector + classifier, do_normalize false (superb/wav2vec2-base-superb-er)
  large_stable_f16   pre-LN ("stable"), layer-norm convs, conv_bias, no weighted sum, 8 labels,
                     stored as F16 by Weights/convert_wav2vec2.py --dtype f16
  legacy_xlsr        pre-LN XLSR-like base + the legacy head (classifier.dense -> tanh ->
                     classifier.output), saved as pytorch_model.bin with weight_g/weight_v names and
                     converted by Weights/convert_wav2vec2.py (ehcalabres/...-speech-emotion-recognition)
  legacy_regression  legacy head with classifier.out_proj, labels arousal/dominance/valence, raw
                     outputs (audeering/wav2vec2-large-robust-12-ft-emotion-msp-dim)
  hubert_weighted    HubertForSequenceClassification, pre-LN, weighted layer sum, odd positional
                     kernel (superb/hubert-large-superb-er)

reference.safetensors holds, for each variant and clip, the logits PyTorch computes on
clips.safetensors (16 kHz speech cut from the VAD fixture), after the feature extractor's
preprocessing. Weighted layer sums of pre-LN models take the last hidden state AFTER the final
encoder LayerNorm, as transformers 4.x and the s3prl training code did (transformers 5 takes it
before); those logits are computed here from the model's own modules, and the script checks that
the same manual path reproduces transformers' own logits wherever the conventions agree.
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import soundfile as sf
import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import (HubertConfig, HubertForSequenceClassification, Wav2Vec2Config,
                          Wav2Vec2FeatureExtractor, Wav2Vec2ForSequenceClassification, Wav2Vec2Model)

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", "..", ".."))
torch.manual_seed(7)
torch.set_num_threads(1)

# --- clips: real-sounding speech from the VAD fixture ----------------------------------------
speech, rate = sf.read(os.path.join(root, "Tests", "SileroVADTests", "Fixtures", "speech_16k.flac"), dtype="float32")
assert rate == 16000
clips = {
    "clip0": speech[16000 * 1: 16000 * 1 + 24000],        # 1.5 s
    "clip1": speech[16000 * 9: 16000 * 9 + 40000] * 0.3,  # 2.5 s, quieter
    "clip2": speech[16000 * 20: 16000 * 20 + 401],        # 401 samples: one frame
}
save_file({k: torch.from_numpy(v.copy()) for k, v in clips.items()}, os.path.join(here, "clips.safetensors"))

SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
             conv_dim=(16,) * 7, conv_stride=(5, 2, 2, 2, 2, 2, 2), conv_kernel=(10, 3, 3, 3, 3, 2, 2),
             num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4, layer_norm_eps=1e-5)
EMOTIONS8 = ["angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]


def perturb(model):
    """Random norms, biases and layer weights, so a port that ignores one of them fails."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.copy_(torch.randn_like(p) * 0.1)
            elif "layer_norm.weight" in name or name.endswith("norm.weight"):
                p.copy_(1 + torch.randn_like(p) * 0.2)
            elif name.endswith("layer_weights"):
                p.copy_(torch.randn_like(p))
            elif "weight_g" in name or name.endswith("original0"):
                p.copy_(p * (1 + 0.3 * torch.rand_like(p)))
    return model.eval()


def labels(names):
    return {"id2label": {str(i): n for i, n in enumerate(names)}, "label2id": {n: i for i, n in enumerate(names)}}


def save_preprocessor(folder, normalize):
    Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0, do_normalize=normalize,
                             return_attention_mask=normalize).save_pretrained(folder)


def hidden_states_after_ln(base, x, stable):
    """The L+1 hidden states as transformers 4.x / s3prl collect them for a weighted layer sum."""
    features = base.feature_extractor(x).transpose(1, 2)
    projected = base.feature_projection(features)
    h = projected[0] if isinstance(projected, tuple) else projected
    encoder = base.encoder
    position = encoder.pos_conv_embed(h)
    if stable:
        h = h + position
        states = [h]
        for layer in encoder.layers:
            h = layer(h)
            h = h[0] if isinstance(h, tuple) else h
            states.append(h)
        states[-1] = encoder.layer_norm(h)
    else:
        h = encoder.layer_norm(h + position)
        states = [h]
        for layer in encoder.layers:
            h = layer(h)
            h = h[0] if isinstance(h, tuple) else h
            states.append(h)
    last = base(x).last_hidden_state
    assert torch.allclose(states[-1] if stable else h, last, atol=1e-6), "manual encoder differs from transformers"
    return states


def weighted_head(model, states):
    weights = torch.softmax(model.layer_weights, dim=-1)
    h = (torch.stack(states, dim=1) * weights.view(-1, 1, 1)).sum(dim=1)
    return model.classifier(model.projector(h).mean(dim=1))


def legacy_head(dense, out, last_hidden):
    return out(torch.tanh(dense(last_hidden.mean(dim=1))))


def preprocess(folder, clip):
    extractor = Wav2Vec2FeatureExtractor.from_pretrained(folder)
    return extractor(clip, sampling_rate=16000, return_tensors="pt").input_values


reference, summary = {}, {}


def record(variant, folder, forward):
    summary[variant] = {}
    for clip_name, clip in clips.items():
        with torch.no_grad():
            logits = forward(preprocess(folder, clip))[0]
        reference[f"{variant}.{clip_name}"] = logits.float().contiguous()
        summary[variant][clip_name] = [round(v, 6) for v in logits.tolist()]


def fresh(name):
    folder = os.path.join(here, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


# --- A: base, post-LN, group norm, weighted layer sum ----------------------------------------
folder = fresh("base_weighted")
config = Wav2Vec2Config(**SMALL, feat_extract_norm="group", do_stable_layer_norm=False, conv_bias=False,
                        use_weighted_layer_sum=True, classifier_proj_size=8, **labels(["neu", "hap", "ang", "sad"]))
model = perturb(Wav2Vec2ForSequenceClassification(config))
model.save_pretrained(folder)
save_preprocessor(folder, normalize=False)


def forward_a(x):
    manual = weighted_head(model, hidden_states_after_ln(model.wav2vec2, x, stable=False))
    assert torch.allclose(manual, model(x).logits, atol=1e-6), "post-LN weighted sum: manual != transformers"
    return manual


record("base_weighted", folder, forward_a)

# --- B: large-style pre-LN, layer-norm convs, conv bias, F16 storage -------------------------
folder = fresh("large_stable_f16")
with tempfile.TemporaryDirectory() as tmp:
    config = Wav2Vec2Config(**SMALL, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
                            use_weighted_layer_sum=False, classifier_proj_size=12, **labels(EMOTIONS8))
    model_b = perturb(Wav2Vec2ForSequenceClassification(config))
    model_b.save_pretrained(tmp)
    save_preprocessor(tmp, normalize=True)
    subprocess.run([sys.executable, os.path.join(root, "Weights", "convert_wav2vec2.py"), tmp, folder, "--dtype", "f16"], check=True)
# The reference uses exactly the stored (F16-rounded) weights.
stored = load_file(os.path.join(folder, "model.safetensors"))
model_b.load_state_dict({k: v.float() for k, v in stored.items()}, strict=True)
record("large_stable_f16", folder, lambda x: model_b(x).logits)

# --- C: legacy head on an XLSR-like pre-LN base, pytorch_model.bin with weight_g/weight_v -------
folder = fresh("legacy_xlsr")
with tempfile.TemporaryDirectory() as tmp:
    config = Wav2Vec2Config(**SMALL, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
                            **labels(EMOTIONS8))
    base_c = perturb(Wav2Vec2Model(config))
    dense_c, output_c = torch.nn.Linear(32, 32), torch.nn.Linear(32, 8)
    state = {}
    for k, v in base_c.state_dict().items():
        k = k.replace("parametrizations.weight.original0", "weight_g").replace("parametrizations.weight.original1", "weight_v")
        state["wav2vec2." + k] = v
    state.update({"classifier.dense.weight": dense_c.weight, "classifier.dense.bias": dense_c.bias,
                  "classifier.output.weight": output_c.weight, "classifier.output.bias": output_c.bias})
    torch.save({k: v.detach().clone() for k, v in state.items()}, os.path.join(tmp, "pytorch_model.bin"))
    config_dict = config.to_dict()
    config_dict.update({"architectures": ["Wav2Vec2ForSpeechClassification"], "pooling_mode": "mean",
                        "problem_type": "single_label_classification", "finetuning_task": "wav2vec2_clf"})
    with open(os.path.join(tmp, "config.json"), "w") as f:
        json.dump(config_dict, f, indent=2)
    save_preprocessor(tmp, normalize=True)
    subprocess.run([sys.executable, os.path.join(root, "Weights", "convert_wav2vec2.py"), tmp, folder], check=True)
record("legacy_xlsr", folder, lambda x: legacy_head(dense_c, output_c, base_c(x).last_hidden_state))

# --- D: legacy regression head (out_proj), arousal / dominance / valence ----------------------
folder = fresh("legacy_regression")
config = Wav2Vec2Config(**SMALL, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
                        **labels(["arousal", "dominance", "valence"]))
base_d = perturb(Wav2Vec2Model(config))
dense_d, out_d = torch.nn.Linear(32, 32), torch.nn.Linear(32, 3)
state = {"wav2vec2." + k: v for k, v in base_d.state_dict().items()}
state.update({"classifier.dense.weight": dense_d.weight, "classifier.dense.bias": dense_d.bias,
              "classifier.out_proj.weight": out_d.weight, "classifier.out_proj.bias": out_d.bias})
save_file({k: v.detach().contiguous().clone() for k, v in state.items()}, os.path.join(folder, "model.safetensors"),
          metadata={"format": "pt"})
config_dict = config.to_dict()
config_dict.update({"architectures": ["EmotionModel"]})
with open(os.path.join(folder, "config.json"), "w") as f:
    json.dump(config_dict, f, indent=2)
save_preprocessor(folder, normalize=True)
record("legacy_regression", folder, lambda x: legacy_head(dense_d, out_d, base_d(x).last_hidden_state))

# --- E: HuBERT, pre-LN, weighted layer sum, odd positional kernel ------------------------------
folder = fresh("hubert_weighted")
hubert_small = dict(SMALL, num_conv_pos_embeddings=15)
config = HubertConfig(**hubert_small, feat_extract_norm="layer", do_stable_layer_norm=True, conv_bias=True,
                      use_weighted_layer_sum=True, classifier_proj_size=8, **labels(["neu", "hap", "ang", "sad"]))
model_e = perturb(HubertForSequenceClassification(config))
model_e.save_pretrained(folder)
save_preprocessor(folder, normalize=True)
record("hubert_weighted", folder, lambda x: weighted_head(model_e, hidden_states_after_ln(model_e.hubert, x, stable=True)))

save_file(reference, os.path.join(here, "reference.safetensors"), metadata={
    "generator": "Tests/Wav2Vec2Tests/Fixtures/make_wav2vec2_fixtures.py", "torch": torch.__version__,
    "transformers": transformers.__version__, "python": platform.python_version(), "seed": "7",
})
with open(os.path.join(here, "reference_summary.json"), "w") as f:
    json.dump(summary, f, indent=1)
for variant in summary:
    size = sum(os.path.getsize(os.path.join(here, variant, n)) for n in os.listdir(os.path.join(here, variant)))
    print(f"{variant}: {size // 1024} KB, clip0 logits {summary[variant]['clip0']}")
