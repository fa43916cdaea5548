#!/usr/bin/env python3
"""Converts a Hugging Face Wav2Vec2 / HuBERT audio-classification checkpoint folder into the
layout VoiceEmotion loads: model.safetensors (hub tensor names kept exactly), config.json and
preprocessor_config.json.

    .venv-tools/bin/python Weights/convert_wav2vec2.py SRC_DIR DST_DIR [--dtype f32|f16]

SRC_DIR holds pytorch_model.bin (a zip of pickles, read with torch.load(weights_only=True)) or
model.safetensors, plus the two configs. Tensor names are not renamed: both weight-norm namings
(weight_g/weight_v and parametrizations.weight.original0/1) and both prefixes (wav2vec2., hubert.)
are understood by the Swift loader. Offline tool: never imported at run time.
"""
import argparse
import json
import os
import shutil
import sys

import torch
from safetensors.torch import load_file, save_file

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("src_dir")
parser.add_argument("dst_dir")
parser.add_argument("--dtype", choices=["f32", "f16"], default="f32")
args = parser.parse_args()

src, dst = args.src_dir, args.dst_dir
for name in ("config.json", "preprocessor_config.json"):
    if not os.path.isfile(os.path.join(src, name)):
        sys.exit(f"{src}: missing {name}")

if os.path.isfile(os.path.join(src, "model.safetensors")):
    state = load_file(os.path.join(src, "model.safetensors"))
    source = "model.safetensors"
elif os.path.isfile(os.path.join(src, "pytorch_model.bin")):
    state = torch.load(os.path.join(src, "pytorch_model.bin"), map_location="cpu", weights_only=True)
    source = "pytorch_model.bin"
else:
    sys.exit(f"{src}: neither model.safetensors nor pytorch_model.bin")

dtype = torch.float16 if args.dtype == "f16" else torch.float32
tensors = {}
for name, value in state.items():
    if not torch.is_tensor(value):
        sys.exit(f"{src}/{source}: entry {name} is not a tensor")
    if value.is_floating_point():
        value = value.to(dtype)
    tensors[name] = value.detach().contiguous().clone()

os.makedirs(dst, exist_ok=True)
for name in ("config.json", "preprocessor_config.json"):
    if os.path.abspath(os.path.join(src, name)) != os.path.abspath(os.path.join(dst, name)):
        shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
with open(os.path.join(src, "config.json")) as f:
    model_type = json.load(f).get("model_type", "?")
save_file(tensors, os.path.join(dst, "model.safetensors"), metadata={
    "format": "pt", "converter": "Weights/convert_wav2vec2.py", "source": source,
    "model_type": model_type, "dtype": args.dtype, "torch": torch.__version__,
})
print(f"wrote {len(tensors)} tensors ({args.dtype}) from {source} to {dst}")
