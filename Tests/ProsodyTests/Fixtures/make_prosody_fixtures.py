"""Reference voice markers from Praat (through parselmouth), committed as numbers: parselmouth is
GPL and only ever runs here, offline, never with the library. Versions are recorded in the file.

    .venv-tools/bin/python Tests/ProsodyTests/Fixtures/make_prosody_fixtures.py
"""
import pathlib

import numpy as np
import parselmouth
import scipy
import scipy.signal
import soundfile as sf
from parselmouth.praat import call
from safetensors.numpy import save_file
from spectral_balance_reference import spectral_balance

here = pathlib.Path(__file__).parent
root = here.parent.parent.parent


def synthetic_voice(rate=16000, seconds=1.5, f0=120.0, period_jitter=0.01, amplitude_shimmer=0.05, seed=17):
    """A vowel-like voice with known perturbation: glottal pulses whose periods vary by 1% and
    amplitudes by 5% (Gaussian, independent per pulse), through three formant resonators."""
    rng = np.random.default_rng(seed)
    source = np.zeros(int(rate * seconds))
    t = 0.05
    while t < seconds - 0.05:
        position = int(round(t * rate))
        source[position] = 1 + amplitude_shimmer * rng.standard_normal()
        t += (1 + period_jitter * rng.standard_normal()) / f0
    voice = source
    for formant, bandwidth in [(700, 130), (1220, 70), (2600, 160)]:
        r = np.exp(-np.pi * bandwidth / rate)
        voice = scipy.signal.lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * formant / rate), r * r], voice)
    voice = scipy.signal.lfilter([1, -0.97], [1], voice)  # a little lip radiation
    return (0.5 * voice / np.abs(voice).max()).astype(np.float32)


synthetic = here / "synthetic_voice.flac"
sf.write(synthetic, synthetic_voice(), 16000, subtype="PCM_16")
tensors = {}
for name, path in [("speech16k", "Tests/SileroVADTests/Fixtures/speech_16k.flac"),
                   ("speech8k", "Tests/SileroVADTests/Fixtures/speech_8k.flac"),
                   ("sample", "Docs/Samples/voice-memo.flac"),
                   ("synthetic", "Tests/ProsodyTests/Fixtures/synthetic_voice.flac")]:
    samples, rate = sf.read(root / path, dtype="float64")
    sound = parselmouth.Sound(samples, rate)
    intensity = sound.to_intensity(minimum_pitch=100.0)  # Praat's defaults: time step 0.8/100, mean subtracted
    tensors[f"{name}.intensity.db"] = intensity.values[0].astype(np.float64)
    tensors[f"{name}.intensity.first_time"] = np.array([intensity.x1], dtype=np.float64)
    pitch = sound.to_pitch_ac()  # Praat's defaults: floor 75, ceiling 600, 15 candidates, 0.03/0.45/0.01/0.35/0.14
    tensors[f"{name}.pitch.f0"] = pitch.selected_array["frequency"].astype(np.float64)
    tensors[f"{name}.pitch.first_time"] = np.array([pitch.x1], dtype=np.float64)
    # Summaries of Praat's own frames, by NumPy: F0 over voiced frames (semitones re 27.5 Hz,
    # percentiles with linear interpolation), intensity over frames above -300 dB (energy mean).
    f0 = tensors[f"{name}.pitch.f0"]
    voiced = f0[f0 > 0]
    st = 12 * np.log2(voiced / 27.5)
    db = tensors[f"{name}.intensity.db"]
    db = db[db > -300]
    tensors[f"{name}.summary"] = np.array([
        voiced.mean(), st.std(ddof=1), np.percentile(st, 20), np.percentile(st, 50), np.percentile(st, 80),
        len(voiced) / len(f0), 10 * np.log10(np.mean(10 ** (db / 10))), db.std(ddof=1), np.percentile(db, 95) - np.percentile(db, 5),
    ], dtype=np.float64)
    # Spectral balance on voiced frames: Praat's voicing decisions (nearest pitch frame).
    times = pitch.xs()

    def voiced_at(t, f0=f0, times=times, dt=pitch.dt):
        k = int(np.floor((t - times[0]) / dt + 0.5))
        return 0 <= k < len(f0) and f0[k] > 0

    balance, count = spectral_balance(samples.astype(np.float32).astype(np.float64), rate, voiced_at)
    tensors[f"{name}.spectral_balance"] = balance
    print(name, "spectral balance over", count, "voiced frames:", balance)
    raw = sound.to_intensity(minimum_pitch=75.0, subtract_mean=False)
    tensors[f"{name}.intensity75_raw.db"] = raw.values[0].astype(np.float64)
    tensors[f"{name}.intensity75_raw.first_time"] = np.array([raw.x1], dtype=np.float64)
    # Voice quality with Praat's defaults: HNR (cc) frames (-200 where unvoiced) and their mean;
    # the periodic (cc) point process and jitter/shimmer on it.
    harmonicity = sound.to_harmonicity_cc()  # 0.01 s, 75 Hz, silence 0.1, 1 period per window
    tensors[f"{name}.hnr.db"] = harmonicity.values[0].astype(np.float64)
    tensors[f"{name}.hnr.first_time"] = np.array([harmonicity.x1], dtype=np.float64)
    points = call(sound, "To PointProcess (periodic, cc)", 75, 600)
    tensors[f"{name}.pulses"] = np.array([call(points, "Get time from index", i + 1)
                                          for i in range(call(points, "Get number of points"))], dtype=np.float64)
    tensors[f"{name}.voice_quality"] = np.array([
        call(harmonicity, "Get mean", 0, 0),
        call(points, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3),
        call([sound, points], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6),
        call([sound, points], "Get shimmer (local_dB)", 0, 0, 0.0001, 0.02, 1.3, 1.6),
    ], dtype=np.float64)
    print(name, "HNR, jitter, shimmer, shimmer dB:", tensors[f"{name}.voice_quality"])

metadata = {"parselmouth": parselmouth.__version__, "praat": parselmouth.PRAAT_VERSION, "numpy": np.__version__,
            "scipy": scipy.__version__, "soundfile": sf.__version__}
save_file(tensors, here / "praat_reference.safetensors", metadata=metadata)
print({k: v.shape for k, v in tensors.items()}, metadata)
