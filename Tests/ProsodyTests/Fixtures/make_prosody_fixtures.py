"""Reference voice markers from Praat (through parselmouth), committed as numbers: parselmouth is
GPL and only ever runs here, offline, never with the library. Versions are recorded in the file.

    .venv-tools/bin/python Tests/ProsodyTests/Fixtures/make_prosody_fixtures.py
"""
import pathlib

import numpy as np
import parselmouth
import soundfile as sf
from safetensors.numpy import save_file
from spectral_balance_reference import spectral_balance

here = pathlib.Path(__file__).parent
root = here.parent.parent.parent
tensors = {}
for name, path in [("speech16k", "Tests/SileroVADTests/Fixtures/speech_16k.flac"),
                   ("speech8k", "Tests/SileroVADTests/Fixtures/speech_8k.flac"),
                   ("sample", "Docs/Samples/voice-memo.flac")]:
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

metadata = {"parselmouth": parselmouth.__version__, "praat": parselmouth.PRAAT_VERSION, "numpy": np.__version__}
save_file(tensors, here / "praat_reference.safetensors", metadata=metadata)
print({k: v.shape for k, v in tensors.items()}, metadata)
