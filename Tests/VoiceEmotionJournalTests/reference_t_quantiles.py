"""Prints the Student t reference values StatisticsTests compares with (scipy, pinned in
scripts/requirements-tools.txt): .venv-tools/bin/python Tests/VoiceEmotionJournalTests/reference_t_quantiles.py"""
import scipy
import scipy.stats as st

print("scipy", scipy.__version__)
for p, df in [(0.975, 1), (0.975, 2), (0.975, 5), (0.975, 10), (0.975, 30), (0.975, 2.5), (0.9975, 7.3), (0.6, 1000)]:
    print(f"quantile p={p} df={df}: {st.t.ppf(p, df)!r}")
for t, df in [(1.5, 3.7), (-2.0, 1.0)]:
    print(f"cdf t={t} df={df}: {st.t.cdf(t, df)!r}")
