#!/usr/bin/env python3
"""Hostile checkpoints from the second hostile-input round (issue 23), for the native reader.

Python's standard library only (python3 3.11 here; no torch needed): a stand-in `torch` module
gives the pickle the same globals torch.save writes (torch.FloatStorage as a persistent id,
torch._utils._rebuild_tensor_v2), and the zips are laid out as torch.save lays them out, stored
uncompressed. Run from the repository root:
    python3 Tests/TorchCheckpointTests/Fixtures/make_hostile_fixtures.py

Writes, next to this script:
- hostile_empty_far_offset.bin: an empty tensor at storage offset 2^62 (overflowed when read)
- hostile_stride0_three.bin: three stride-0 views of shape [2^60 - 1] on one element (overflowed
  the safetensors header's offsets)
- hostile_stride0_huge.bin: a stride-0 view of 2^34 floats (an allocation abort)
- hostile_amplified.bin: 520 bytes: a 4-byte storage viewed as [2^28] with stride [0] (1 GB out)
- hostile_shared_views.bin: 128 full views of one 64 KB storage (8 MB out of 64 KB)
- hostile_two_pickles.bin: two */data.pkl records (which one was read differed from run to run)
- hostile_metadata_name.bin: a tensor named __metadata__ (the converted file did not load)
"""
import collections
import io
import os
import pickle
import sys
import types
import zipfile

here = os.path.dirname(os.path.abspath(__file__))

# The globals torch.save's pickles name, as a stand-in module.
torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")


class FloatStorage:
    pass


def _rebuild_tensor_v2(*args):
    raise RuntimeError("never called: only pickled")


FloatStorage.__module__ = "torch"
_rebuild_tensor_v2.__module__ = "torch._utils"
torch.FloatStorage, utils._rebuild_tensor_v2, torch._utils = FloatStorage, _rebuild_tensor_v2, utils
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils


class Storage:
    def __init__(self, key, numel):
        self.key, self.numel = key, numel


class Tensor:
    """Pickles as torch.save pickles a tensor: REDUCE(_rebuild_tensor_v2, (storage, offset, size, stride, ...))."""
    def __init__(self, storage, offset, shape, stride):
        self.args = (storage, offset, tuple(shape), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return _rebuild_tensor_v2, self.args


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None


def state_pickle(tensors):
    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(collections.OrderedDict(tensors))
    return buffer.getvalue()


def archive(name, pickles, storages):
    with zipfile.ZipFile(os.path.join(here, name), "w", compression=zipfile.ZIP_STORED) as z:
        for prefix, data in pickles:
            z.writestr(f"{prefix}/data.pkl", data)
        z.writestr(f"{pickles[0][0]}/byteorder", "little")
        z.writestr(f"{pickles[0][0]}/version", "3\n")
        for key, data in storages:
            z.writestr(f"{pickles[0][0]}/data/{key}", data)


one = Storage("0", 1)
archive("hostile_empty_far_offset.bin", [("archive", state_pickle([("w", Tensor(one, 1 << 62, [0], [1]))]))], [("0", bytes(4))])
archive("hostile_stride0_three.bin",
        [("archive", state_pickle([(f"w{i}", Tensor(one, 0, [(1 << 60) - 1], [0])) for i in range(3)]))], [("0", bytes(4))])
archive("hostile_stride0_huge.bin", [("archive", state_pickle([("w", Tensor(one, 0, [1 << 34], [0]))]))], [("0", bytes(4))])
archive("hostile_amplified.bin", [("archive", state_pickle([("w", Tensor(one, 0, [1 << 28], [0]))]))], [("0", bytes(4))])
shared = Storage("0", 16384)
archive("hostile_shared_views.bin", [("archive", state_pickle([(f"w{i}", Tensor(shared, 0, [16384], [1])) for i in range(128)]))],
        [("0", bytes(4 * 16384))])
four = Storage("0", 4)
archive("hostile_two_pickles.bin", [("archive", state_pickle([("w", Tensor(four, 0, [4], [1]))])),
                                    ("other", state_pickle([("v", Tensor(four, 0, [2], [1]))]))], [("0", bytes(16))])
archive("hostile_metadata_name.bin", [("archive", state_pickle([("__metadata__", Tensor(four, 0, [4], [1]))]))], [("0", bytes(16))])
print("wrote the hostile_*.bin fixtures")
