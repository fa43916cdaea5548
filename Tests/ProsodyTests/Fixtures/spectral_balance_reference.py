"""A NumPy implementation of the eGeMAPS spectral-balance parameters (Eyben et al. 2016, IEEE Trans.
Affective Computing 7(2), section 3.1.1), written from the paper's definitions, as the reference
for Sources/Prosody/SpectralBalance.swift. Prints nothing; make_prosody_fixtures.py calls
`spectral_balance` and commits its numbers.

Frames: 25 ms Hamming windows every 10 ms, the first centred at 12.5 ms; power spectrum |FFT|^2
of the frame zero-padded to the next power of two; bin k at k * rate / size Hz; a band [lo, hi)
holds the bins with lo <= f < hi, its upper edge lowered to the Nyquist frequency.
- alpha ratio (dB): 10 log10 (sum of power 50-1000 Hz / sum of power 1-5 kHz)
- Hammarberg index (dB): 10 log10 (max power 0-2 kHz / max power 2-5 kHz)
- spectral slope 0-500 Hz and 500-1500 Hz: least-squares slope of 10 log10(power) against
  frequency in kHz (dB/kHz) over the band's bins
Only frames whose centre is in a voiced pitch frame (the nearest pitch frame) count; each
parameter's summary is its mean over those frames. Frames with no power are left out.
"""
import numpy as np


def frames(samples, rate):
    width = int(round(0.025 * rate))
    step = int(round(0.010 * rate))
    size = 1 << (width - 1).bit_length()
    window = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(width) / (width - 1))
    starts = range(0, len(samples) - width + 1, step)
    return width, step, size, window, starts


def spectral_balance(samples, rate, voiced_at):
    """voiced_at(t) -> bool for a frame centred at t seconds. Returns the four means."""
    width, step, size, window, starts = frames(samples, rate)
    freqs = np.arange(size // 2 + 1) * rate / size
    nyquist = rate / 2

    def band(lo, hi):
        return (freqs >= lo) & (freqs < min(hi, nyquist + 1e-9))

    alpha_lo, alpha_hi = band(50, 1000), band(1000, 5000)
    ham_lo, ham_hi = band(0, 2000), band(2000, 5000)
    s1, s2 = band(0, 500), band(500, 1500)
    out = {"alpha": [], "hammarberg": [], "slope_0_500": [], "slope_500_1500": []}
    for start in starts:
        centre = (start + width / 2) / rate
        if not voiced_at(centre):
            continue
        segment = np.asarray(samples[start:start + width], dtype=np.float64) * window
        power = np.abs(np.fft.rfft(segment, size)) ** 2
        if power[alpha_hi].sum() <= 0 or power[ham_hi].max() <= 0 or np.any(power[s1 | s2] <= 0):
            continue
        out["alpha"].append(10 * np.log10(power[alpha_lo].sum() / power[alpha_hi].sum()))
        out["hammarberg"].append(10 * np.log10(power[ham_lo].max() / power[ham_hi].max()))
        for key, mask in (("slope_0_500", s1), ("slope_500_1500", s2)):
            f = freqs[mask] / 1000
            db = 10 * np.log10(power[mask])
            out[key].append(np.polyfit(f, db, 1)[0])
    return np.array([np.mean(out[k]) if out[k] else np.nan for k in ("alpha", "hammarberg", "slope_0_500", "slope_500_1500")]), len(out["alpha"])
