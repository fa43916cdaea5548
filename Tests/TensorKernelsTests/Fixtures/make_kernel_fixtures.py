#!/usr/bin/env python3
"""Reference outputs for the TensorKernels op tests, computed by PyTorch (float32, CPU).

Run from the repository root with the offline tools venv (see Docs/Models.md):
    .venv-tools/bin/python Tests/TensorKernelsTests/Fixtures/make_kernel_fixtures.py

Writes kernels.safetensors beside this script. Tensors are stored in PyTorch's own layouts
(conv input (C, L), weight (out, in/groups, k)); the Swift tests transpose to time-major.
Each case's name says which PyTorch call produced it; the metadata records the versions.
"""
import os
import platform

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

torch.manual_seed(1234)
out = {}


def put(name, tensor):
    out[name] = tensor.detach().contiguous().float()


# --- linear: F.linear(x, w, b) -------------------------------------------------------------------
for tag, (rows, fin, fout, bias) in {"a": (5, 7, 3, True), "row1": (1, 33, 9, True), "nobias": (4, 6, 5, False)}.items():
    x, w = torch.randn(rows, fin), torch.randn(fout, fin)
    b = torch.randn(fout) if bias else None
    put(f"linear.{tag}.x", x)
    put(f"linear.{tag}.w", w)
    if bias:
        put(f"linear.{tag}.b", b)
    put(f"linear.{tag}.y", F.linear(x, w, b))

# --- conv1d: F.conv1d(x, w, b, stride, padding, groups=g) --------------------------------------
# (in, out, kernel, stride, padding, groups, bias, length)
conv_cases = {
    "w2v_first": (1, 8, 10, 5, 0, 1, False, 400),   # wav2vec2 layer 0 shape, odd/even: k=10
    "odd_stride2": (4, 6, 3, 2, 0, 1, True, 17),     # overlapping patches, im2col path
    "even_inplace": (4, 6, 2, 2, 0, 1, True, 9),     # stride == kernel: patches read in place
    "groups_pad2": (6, 6, 4, 1, 2, 3, True, 11),     # groups, even kernel, padding > 0
    "depthwise_len1": (5, 5, 3, 1, 1, 5, True, 1),   # groups == channels, length 1
    "posconv_like": (16, 16, 8, 1, 4, 4, True, 13),  # wav2vec2 positional conv in miniature
    "exact_kernel": (3, 4, 3, 1, 0, 1, False, 3),    # length == kernel -> one frame
    "vad_like": (129, 128, 3, 1, 1, 1, True, 4),     # Silero encoder layer 0
    "stride2_pad1": (64, 64, 3, 2, 1, 1, True, 4),   # Silero encoder layer 1
    "long_tiled": (4, 6, 3, 2, 1, 1, True, 2500),    # 1250 output rows: patches gathered in tiles
    "long_groups": (8, 8, 6, 1, 3, 2, True, 1100),   # tiles per group, even kernel
}
for tag, (cin, cout, k, s, p, g, bias, length) in conv_cases.items():
    x, w = torch.randn(cin, length), torch.randn(cout, cin // g, k)
    b = torch.randn(cout) if bias else None
    put(f"conv.{tag}.x", x)
    put(f"conv.{tag}.w", w)
    if bias:
        put(f"conv.{tag}.b", b)
    put(f"conv.{tag}.y", F.conv1d(x[None], w, b, stride=s, padding=p, groups=g)[0])

# batched conv: three independent sequences, each zero-padded on its own (F.conv1d on (3, C, L))
xb, wb, bb = torch.randn(3, 5, 4), torch.randn(7, 5, 3), torch.randn(7)
put("convbatch.x", xb)
put("convbatch.w", wb)
put("convbatch.b", bb)
put("convbatch.y", F.conv1d(xb, wb, bb, stride=2, padding=1))

# --- Hann-windowed real FFT magnitudes: torch.stft(center=False, window=hann_window(N)).abs() ---
for n in (256, 128, 16):
    signal = torch.randn(n * 3)
    spec = torch.stft(signal, n_fft=n, hop_length=n // 2, win_length=n, window=torch.hann_window(n),
                      center=False, return_complex=True).abs()  # (bins, frames)
    put(f"fft{n}.x", signal)
    put(f"fft{n}.y", spec.T)  # (frames, bins)

# --- layer norm: F.layer_norm(x, (C,), w, b, eps) over the last dim ----------------------------
for tag, (rows, c, shift) in {"a": (6, 10, 0.0), "offset": (3, 1024, 50.0), "c1": (3, 1, 0.0)}.items():
    x = torch.randn(rows, c) * 2 + shift
    w, b = torch.randn(c), torch.randn(c)
    put(f"layernorm.{tag}.x", x)
    put(f"layernorm.{tag}.w", w)
    put(f"layernorm.{tag}.b", b)
    put(f"layernorm.{tag}.y", F.layer_norm(x, (c,), w, b, 1e-5))

# --- group norm, one group per channel: F.group_norm(x[None], C, w, b, 1e-5) on (C, L) ---------
for tag, (c, length) in {"a": (5, 37), "len2": (4, 2), "long": (8, 3000)}.items():
    x = torch.randn(c, length) * 3 + 1
    w, b = torch.randn(c), torch.randn(c)
    put(f"groupnorm.{tag}.x", x)
    put(f"groupnorm.{tag}.w", w)
    put(f"groupnorm.{tag}.b", b)
    put(f"groupnorm.{tag}.y", F.group_norm(x[None], c, w, b, 1e-5)[0])

# --- activations: F.gelu (exact erf), torch.tanh, torch.sigmoid, F.relu -------------------------
a = torch.cat([torch.linspace(-10, 10, 201), torch.randn(55) * 3,
               torch.tensor([-100.0, -88.5, -50.0, 50.0, 88.5, 100.0, 1e-6, -1e-6, 0.0499, 0.0501, -0.0501, 1e-30])])
put("act.x", a)
put("act.gelu", F.gelu(a, approximate="none"))
put("act.tanh", torch.tanh(a))
put("act.sigmoid", torch.sigmoid(a))
put("act.relu", F.relu(a))

# --- softmax over the last dim, including logits that would overflow exp() naively -----------
s = torch.randn(4, 9)
s[1] += 1000.0
s[2] = -1000.0 + torch.randn(9)
s[3, 0] = 88.0
put("softmax.x", s)
put("softmax.y", torch.softmax(s, dim=-1))

# --- LSTM cell: torch.nn.LSTMCell, three steps from zero state ----------------------------------
cell = torch.nn.LSTMCell(6, 4)
with torch.no_grad():
    for p in cell.parameters():
        p.copy_(torch.randn_like(p) * 0.5)
xs = torch.randn(3, 6)
h, c = torch.zeros(1, 4), torch.zeros(1, 4)
hs, cs = [], []
with torch.no_grad():
    for t in range(3):
        h, c = cell(xs[t:t + 1], (h, c))
        hs.append(h[0].clone())
        cs.append(c[0].clone())
put("lstm.x", xs)
put("lstm.w_ih", cell.weight_ih)
put("lstm.w_hh", cell.weight_hh)
put("lstm.b_ih", cell.bias_ih)
put("lstm.b_hh", cell.bias_hh)
put("lstm.h", torch.stack(hs))
put("lstm.c", torch.stack(cs))

# --- conv over a waveform (one input channel), then F.group_norm with one group per channel ------
# wav2vec2's first layer: Conv1d.applyRows (direct) and Conv1d.outputStatistics (patch moments).
# (out, kernel, stride, padding, bias, length, DC offset). Added last so the cases above keep
# their random draws.
wave_cases = {
    "wave_bias_pad": (45, 4, 2, 1, True, 61, 0.0),   # 32-channel blocks + a 13-channel tail, padding
    "wave_w2v": (64, 10, 5, 0, False, 2001, 0.3),   # wav2vec2 geometry, waveform with a DC offset
}
for tag, (cout, k, s, p, bias, length, offset) in wave_cases.items():
    x, w = torch.randn(1, length) * 0.2 + offset, torch.randn(cout, 1, k)
    b = torch.randn(cout) if bias else None
    y = F.conv1d(x[None], w, b, stride=s, padding=p)[0]
    gw, gb = torch.randn(cout), torch.randn(cout)
    put(f"wave.{tag}.x", x)
    put(f"wave.{tag}.w", w)
    if bias:
        put(f"wave.{tag}.b", b)
    put(f"wave.{tag}.y", y)
    put(f"wave.{tag}.gn_w", gw)
    put(f"wave.{tag}.gn_b", gb)
    put(f"wave.{tag}.gn_y", F.group_norm(y[None], cout, gw, gb, 1e-5)[0])

here = os.path.dirname(os.path.abspath(__file__))
save_file(out, os.path.join(here, "kernels.safetensors"), metadata={
    "generator": "Tests/TensorKernelsTests/Fixtures/make_kernel_fixtures.py",
    "torch": torch.__version__,
    "python": platform.python_version(),
    "seed": "1234",
})
print(f"wrote {len(out)} tensors")
