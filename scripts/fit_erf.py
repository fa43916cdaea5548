#!/usr/bin/env python3
"""Fits the rational erf approximation used by `vectorGelu` (Sources/TensorKernels/Activations.swift).

    erf(u) ≈ u · P(u²) / Q(u²),  0 ≤ u ≤ 4,  Q(0) = 1,  P of degree 5, Q of degree 5

Linearised least squares (Loeb / Sanathanan-Koerner reweighting by 1/Q) with Lawson weights
pushing the fit towards the smallest maximum absolute error. erf is odd, so negative u are
covered; beyond |u| = 4 erf rounds to ±1 in float (1 - erf(4) = 1.5e-8).

Offline tool: needs numpy and mpmath (both in the tools venv, see README). Prints the
coefficients as float32 literals and the error of the float32 evaluation, which is what the
Swift code does (the fit itself is ~1e-8; float rounding of the evaluation dominates).
Run: .venv-tools/bin/python scripts/fit_erf.py
"""
import math

import numpy as np
from mpmath import erf as mp_erf, mp

mp.dps = 30
DEGREE_P, DEGREE_Q, LIMIT = 5, 5, 4.0

u = np.linspace(0, LIMIT, 20001)
s = u * u
target = np.array([float(mp_erf(x)) for x in u])

weights = np.ones_like(u)
denominator = np.ones_like(u)
best = None
for iteration in range(200):
    # u·P(s) - erf·(Q(s) - 1) = erf, unknowns p0...p5, q1...q5
    design = np.concatenate([u[:, None] * s[:, None] ** np.arange(DEGREE_P + 1),
                             -(target[:, None] * s[:, None] ** np.arange(1, DEGREE_Q + 1))], axis=1)
    row_weights = weights / denominator
    solution, *_ = np.linalg.lstsq(design * row_weights[:, None], target * row_weights, rcond=None)
    p = solution[:DEGREE_P + 1]
    q = np.concatenate([[1.0], solution[DEGREE_P + 1:]])
    denominator = np.polyval(q[::-1], s)
    error = np.abs(u * np.polyval(p[::-1], s) / denominator - target)
    if best is None or error.max() < best[0]:
        best = (error.max(), p.copy(), q.copy())
    if iteration >= 10:  # Lawson: weight up where the error is largest
        weights = weights * (error / error.max() + 1e-3) ** 0.5
        weights /= weights.max()

fit_error, p, q = best
p32 = [np.float32(c) for c in p]
q32 = [np.float32(c) for c in q]


def erf32(x):
    """The Swift evaluation order in float32: Horner in s, then u·P/Q, clamped to [-1, 1]."""
    x = np.clip(x.astype(np.float32), -LIMIT, LIMIT)
    sq = (x * x).astype(np.float32)
    num = np.full_like(sq, p32[-1])
    for c in p32[-2::-1]:
        num = (num * sq + c).astype(np.float32)
    den = np.full_like(sq, q32[-1])
    for c in q32[-2::-1]:
        den = (den * sq + c).astype(np.float32)
    return np.clip((x * num / den).astype(np.float32), -1, 1)


check = np.linspace(-6, 6, 600001).astype(np.float32)
reference = np.array([math.erf(float(x)) for x in check])
print(f"fit max |error| {fit_error:.3g}; float32 evaluation max |error| "
      f"{np.abs(erf32(check) - reference).max():.3g} on [-6, 6]")
print("P:", ", ".join(repr(float(c)) for c in p32))
print("Q:", ", ".join(repr(float(c)) for c in q32))
