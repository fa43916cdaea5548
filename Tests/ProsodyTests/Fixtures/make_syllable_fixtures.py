"""Reference syllable nuclei from de Jong & Wempe's own Praat script ("Praat Script Syllable Nuclei"
v2, revised 2010-09-17), run through parselmouth on the prosody fixtures, committed as numbers.

The script is GPL and is not part of this repository; get it from
https://github.com/FieldDB/Praat-Scripts/blob/0e7f063540bf2614a625f1aba222d0088f66d044/praat-script-syllable-nuclei-v2dir.praat
(SHA-256 246d7ef9d5adc0f2e4b60ef506c43621d7c7a14c1e84990783ee158baed751f3; its settings: silence
threshold -25 dB, minimum dip 2 dB, minimum pause 0.1 s) and pass its path:

    .venv-tools/bin/python Tests/ProsodyTests/Fixtures/make_syllable_fixtures.py PATH/TO/script.praat
"""
import hashlib
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import parselmouth
from parselmouth.praat import call, run_file

here = pathlib.Path(__file__).parent
root = here.parent.parent.parent
script = pathlib.Path(sys.argv[1])
digest = hashlib.sha256(script.read_bytes()).hexdigest()
recordings = {"speech16k": "Tests/SileroVADTests/Fixtures/speech_16k.flac",
              "speech8k": "Tests/SileroVADTests/Fixtures/speech_8k.flac",
              "sample": "Docs/Samples/voice-memo.flac",
              "synthetic": "Tests/ProsodyTests/Fixtures/synthetic_voice.flac"}
with tempfile.TemporaryDirectory() as work:
    work = pathlib.Path(work)
    # The script reads every .wav of a directory (16-bit PCM, as the FLACs hold) and writes a
    # TextGrid beside each; its line endings must be Unix ones for Praat's script parser here.
    (work / "script.praat").write_text(script.read_text().replace("\r", ""))
    for name, path in recordings.items():
        subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(root / path), "-c:a", "pcm_s16le", str(work / f"{name}.wav")], check=True)
    _, output = run_file(str(work / "script.praat"), -25, 2, 0.1, True, str(work), capture_output=True)
    result = {"script_sha256": digest, "parselmouth": parselmouth.__version__, "praat": parselmouth.PRAAT_VERSION, "recordings": {}}
    for line in output.splitlines()[1:]:
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 5:
            continue
        name = fields[0]
        grid = parselmouth.read(str(work / f"{name}.wav.TextGrid"))
        times = [call(grid, "Get time of point", 1, i + 1) for i in range(call(grid, "Get number of points", 1))]
        result["recordings"][name] = {"nuclei": int(fields[1]), "pauses": int(fields[2]), "duration_s": float(fields[3]),
                                      "phonation_s": float(fields[4]), "times": [round(t, 6) for t in times]}
    print(output)
(here / "syllable_reference.json").write_text(json.dumps(result, indent=1) + "\n")
