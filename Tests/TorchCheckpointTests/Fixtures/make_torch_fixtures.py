#!/usr/bin/env python3
"""PyTorch checkpoint fixtures for the native reader (Sources/TorchCheckpoint).

Run from the repository root with the offline tools venv (see Docs/Models.md):
    .venv-tools/bin/python Tests/TorchCheckpointTests/Fixtures/make_torch_fixtures.py

Writes, next to this script:
- state.bin: torch.save of a small state dict with every case the reader must materialise: F32,
  F16, BF16, F64, int64 and bool tensors, a tied weight (two names, one storage), an offset into a
  shared storage, a non-contiguous (transposed) view, a scalar, an empty tensor, a Parameter, and
  transformers' `_metadata` attribute; state_reference.safetensors holds each tensor
  `.contiguous()` in its own dtype (what the reader must give, byte for byte).
- malicious_*.bin: zips laid out like torch.save whose pickles call os.system, builtins.eval,
  subprocess.Popen, or REDUCE an allowed non-callable (torch.FloatStorage); none may run.
- bad_*.bin: a truncated archive, a flipped storage byte (CRC), a storage shorter than its tensor,
  an absurd shape, a view past its storage, a legacy (torch < 1.6) file, a deflated archive, a
  pickle nested too deep, a pickle updating a dict item by item, a fuzzer-found short Zip64 file.
- hub_bin/: a hub-layout folder with pytorch_model.bin (the legacy_xlsr fixture's state dict,
  weight_g/weight_v naming) and its configs; python_f16/: Weights/convert_wav2vec2.py's F16
  output for it (its F32 output is Tests/Wav2Vec2Tests/Fixtures/legacy_xlsr, checked here).
"""
import collections
import io
import json
import os
import pickle
import platform
import shutil
import subprocess
import sys
import zipfile

import torch
from safetensors.numpy import save_file as save_numpy
from safetensors.torch import load_file, save_file

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, "..", "..", ".."))
versions = {"torch": torch.__version__, "python": platform.python_version(),
            "generator": "Tests/TorchCheckpointTests/Fixtures/make_torch_fixtures.py"}
torch.manual_seed(3)


def out(name):
    return os.path.join(here, name)


# --- the reader's cases ---
state = collections.OrderedDict()
state["f32"] = torch.randn(3, 4)
state["tied"] = state["f32"]
shared = torch.randn(20).to(torch.float16)
state["f16.offset"] = shared[4:10]
state["f16.whole"] = shared
state["f32.transposed"] = torch.randn(4, 3).t()
state["bf16"] = torch.randn(2, 3).to(torch.bfloat16)
state["f64"] = torch.randn(5, dtype=torch.float64)
state["int64.buffer"] = torch.arange(7, dtype=torch.int64)
state["bool"] = torch.tensor([True, False, True])
state["scalar"] = torch.tensor(2.5)
state["empty"] = torch.zeros(0, 3)
state["param"] = torch.nn.Parameter(torch.randn(2, 2))
state._metadata = collections.OrderedDict([("", {"version": 1}), ("encoder", {"version": 2})])
torch.save(state, out("state.bin"))
reference = {name: value.detach().contiguous().numpy() if value.dtype != torch.bfloat16
             else value.detach().contiguous().view(torch.int16).numpy() for name, value in state.items()}
save_numpy(reference, out("state_reference.safetensors"), metadata={**versions, "note": "bf16 stored as its int16 bits"})


# --- archives laid out like torch.save, with a chosen pickle ---
def archive(name, pickle_bytes, storages=(), compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(out(name), "w", compression=compression) as z:
        z.writestr("archive/data.pkl", pickle_bytes)
        z.writestr("archive/byteorder", "little")
        z.writestr("archive/version", "3\n")
        for key, data in storages:
            z.writestr(f"archive/data/{key}", data)


class Call:
    """An object that pickles as REDUCE(callable, args): what a malicious checkpoint contains."""
    def __init__(self, function, args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


import builtins  # noqa: E402
import subprocess as sp  # noqa: E402
archive("malicious_os_system.bin", pickle.dumps(collections.OrderedDict(x=Call(os.system, ("echo pwned",))), protocol=2))
# Protocol 4 (STACK_GLOBAL, FRAME, MEMOIZE) for these two, protocol 2 (GLOBAL) for the others.
archive("malicious_eval.bin", pickle.dumps(collections.OrderedDict(x=Call(builtins.eval, ("1+1",))), protocol=4))
archive("malicious_popen.bin", pickle.dumps(collections.OrderedDict(x=Call(sp.Popen, (["true"],))), protocol=4))
archive("malicious_reduce_storage.bin", pickle.dumps(collections.OrderedDict(x=Call(torch.FloatStorage, ())), protocol=2))


class Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Pickler(pickle.Pickler):
    """Writes storages as persistent ids, as torch.save does."""
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", torch.FloatStorage, obj.key, "cpu", obj.numel)
        return None


def tensor_pickle(shape, stride, numel, offset=0):
    buffer = io.BytesIO()
    rebuilt = Call(torch._utils._rebuild_tensor_v2, (Storage("0", numel), offset, shape, stride, False, collections.OrderedDict()))
    Pickler(buffer, protocol=2).dump(collections.OrderedDict(w=rebuilt))
    return buffer.getvalue()


four_floats = bytes(16)
archive("bad_short_storage.bin", tensor_pickle((8,), (1,), 8), [("0", four_floats)])
archive("bad_absurd_shape.bin", tensor_pickle((1 << 40, 1 << 40), (1 << 40, 1), 4), [("0", four_floats)])
archive("bad_view_past_storage.bin", tensor_pickle((2, 2), (2, 1), 4, offset=2), [("0", four_floats)])
archive("bad_deflated.bin", tensor_pickle((4,), (1,), 4), [("0", four_floats)], compression=zipfile.ZIP_DEFLATED)
# Hand-written pickles that cost the reader, not Python: a tuple nested 200 deep (TUPLE1 after
# TUPLE1), and a memoized dict updated 12,000 times one SETITEM at a time (each update a copy).
archive("bad_nested.bin", b"\x80\x02K\x01" + b"\x85" * 200 + b".")
archive("bad_item_by_item.bin", b"\x80\x02}q\x00" + b"K\x01K\x02s" * 12_000 + b".")
# Found by `scripts/fuzz.sh torch`: 53 bytes whose Zip64 locator points into a file shorter than
# a Zip64 record (the reader trapped on the size arithmetic before the fix).
with open(out("bad_fuzz_short_zip64.bin"), "wb") as f:
    f.write(bytes.fromhex("504b0000000000504b060700000000830000663634000001000000504b05060000200010001000ffffffffcb030000b88b00000000"))
with open(out("state.bin"), "rb") as f:
    whole = f.read()
with open(out("bad_truncated.bin"), "wb") as f:
    f.write(whole[: len(whole) // 2])
with zipfile.ZipFile(out("state.bin")) as z:
    info = z.getinfo("state/data/0")
local = info.header_offset  # the local header's own name and extra lengths (torch pads with an extra field)
data_start = local + 30 + int.from_bytes(whole[local + 26:local + 28], "little") + int.from_bytes(whole[local + 28:local + 30], "little")
flipped = bytearray(whole)
flipped[data_start + 3] ^= 0xFF  # inside storage 0's data
with open(out("bad_crc.bin"), "wb") as f:
    f.write(bytes(flipped))
torch.save(collections.OrderedDict(w=torch.ones(2)), out("bad_legacy.bin"), _use_new_zipfile_serialization=False)

# --- conversion: a hub folder with pytorch_model.bin, and the Python converter's output ---
source = os.path.join(root, "Tests/Wav2Vec2Tests/Fixtures/legacy_xlsr")
hub = out("hub_bin")
shutil.rmtree(hub, ignore_errors=True)
os.makedirs(hub)
for name in ("config.json", "preprocessor_config.json"):
    shutil.copyfile(os.path.join(source, name), os.path.join(hub, name))
torch.save(collections.OrderedDict(load_file(os.path.join(source, "model.safetensors"))), os.path.join(hub, "pytorch_model.bin"))
converter = os.path.join(root, "Weights/convert_wav2vec2.py")
check = out("python_f32.tmp")
subprocess.run([sys.executable, converter, hub, check], check=True)
a, b = load_file(os.path.join(check, "model.safetensors")), load_file(os.path.join(source, "model.safetensors"))
assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), "legacy_xlsr is not the Python converter's F32 output"
shutil.rmtree(check)
subprocess.run([sys.executable, converter, hub, out("python_f16"), "--dtype", "f16"], check=True)
with open(out("versions.json"), "w") as f:
    json.dump(versions, f, indent=1)
for name in sorted(os.listdir(here)):
    path = out(name)
    print(name, os.path.getsize(path) if os.path.isfile(path) else "dir")
