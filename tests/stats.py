"""Chi-square helpers for the uniformity tests (no scipy). The quantile is the
Wilson-Hilferty cube-root approximation ((X/df)^(1/3) is close to normal with mean
1 - 2/(9 df) and variance 2/(9 df)), within a fraction of a percent at these degrees
of freedom; tests/unit/test_stats.py checks it against tables and an exact tail."""
import math


def normal_upper(p):
    """z with P(Z > z) = p for a standard normal Z (bisection on erfc)."""
    lo, hi = 0.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(mid / math.sqrt(2)) > p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def chi2_critical(df, p=1e-5):
    """Upper p-quantile of chi-square with df degrees of freedom."""
    z = normal_upper(p)
    a = 2.0 / (9.0 * df)
    return df * (1.0 - a + z * math.sqrt(a)) ** 3


def chi2(counts, expected):
    """The statistic of observed counts against one expected count per cell."""
    return sum((c - expected) ** 2 / expected for c in counts)


def chi2_score(counts, draws):
    return chi2(counts, draws / len(counts))


def chi2_of(draw, population, draws=50_000):
    """Statistic of ``draws`` calls of ``draw()`` over ``population``."""
    index = {k: i for i, k in enumerate(population)}
    counts = [0] * len(population)
    for _ in range(draws):
        counts[index[draw()]] += 1
    return chi2_score(counts, draws)


def chi2_upper_tail(df, x):
    """P(X > x) for chi-square with df degrees of freedom: 1 - P(df/2, x/2), the
    regularized lower incomplete gamma function by its power series."""
    a, y = df / 2.0, x / 2.0
    term = total = 1.0 / a
    for n in range(1, 100_000):
        term *= y / (a + n)
        total += term
        if term < total * 1e-17:
            break
    return 1.0 - math.exp(a * math.log(y) - y - math.lgamma(a) + math.log(total))
