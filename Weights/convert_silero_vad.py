#!/usr/bin/env python3
"""Converts the official Silero VAD v6.2 TorchScript model into the bundled safetensors file.

    .venv-tools/bin/pip install silero-vad==6.2.3 torch safetensors
    .venv-tools/bin/python Weights/convert_silero_vad.py [OUTPUT]

Reads `silero_vad/data/silero_vad.jit` from the installed package -- NOT the package's
`silero_vad_16k.safetensors`, which holds different, older weights -- and writes both the
16 kHz model (`_model.*` -> `16k.*`) and the 8 kHz model (`_model_8k.*` -> `8k.*`) to one file,
float32, with provenance metadata. Default OUTPUT: Weights/SileroVAD/silero_vad.safetensors.
"""
import hashlib
import os
import sys
from importlib import metadata, resources

import torch
from safetensors.torch import save_file

EXPECTED_VERSION = "6.2.3"

version = metadata.version("silero-vad")
if version != EXPECTED_VERSION:
    sys.exit(f"silero-vad {version} is installed; this converter is pinned to {EXPECTED_VERSION}")

jit_path = str(resources.files("silero_vad.data").joinpath("silero_vad.jit"))
model = torch.jit.load(jit_path, map_location="cpu")
state = model.state_dict()

tensors = {}
for name, value in state.items():
    if name.startswith("_model_8k."):
        key = "8k." + name[len("_model_8k."):]
    elif name.startswith("_model."):
        key = "16k." + name[len("_model."):]
    else:
        sys.exit(f"unexpected tensor {name} in {jit_path}")
    tensors[key] = value.detach().float().contiguous()

with open(jit_path, "rb") as f:
    jit_sha256 = hashlib.sha256(f.read()).hexdigest()

here = os.path.dirname(os.path.abspath(__file__))
output = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "SileroVAD", "silero_vad.safetensors")
save_file(tensors, output, metadata={
    "model": "Silero VAD v6.2 (16 kHz and 8 kHz)",
    "source": f"silero-vad {version} (PyPI), silero_vad/data/silero_vad.jit",
    "source_sha256": jit_sha256,
    "license": "MIT, Copyright (c) 2020-present Silero Team (https://github.com/snakers4/silero-vad)",
    "converter": "Weights/convert_silero_vad.py",
    "torch": torch.__version__,
})
print(f"wrote {len(tensors)} tensors to {output}")
