"""Chi-square helpers for the uniformity tests (no scipy: the Wilson-Hilferty cube-root
approximation of the chi-square quantile is within a fraction of a percent at these
degrees of freedom)."""
import math

Z_1E5 = 4.264890793922825   # standard normal upper 1e-5 quantile


def chi2_critical(df, z=Z_1E5):
    a = 2.0 / (9.0 * df)
    return df * (1.0 - a + z * math.sqrt(a)) ** 3


def chi2_score(counts, draws):
    expected = draws / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts)


def chi2_of(draw, population, draws=50_000):
    index = {k: i for i, k in enumerate(population)}
    counts = [0] * len(population)
    for _ in range(draws):
        counts[index[draw()]] += 1
    return chi2_score(counts, draws)
