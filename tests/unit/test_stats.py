"""The chi-square quantile the uniformity tests compare against."""
from tests.stats import chi2_critical, chi2_upper_tail, normal_upper


def test_normal_quantile():
    assert abs(normal_upper(1e-5) - 4.26489) < 1e-4


def test_table_values():
    # chi-square tables: df=100, p=0.001 -> 149.449; df=999, p=0.05 -> 1073.643
    assert abs(chi2_critical(100, 0.001) - 149.449) < 0.3
    assert abs(chi2_critical(999, 0.05) - 1073.643) < 0.5
    assert 1195 < chi2_critical(999) < 1210


def test_tail_of_the_quantile():
    for df in (9, 99, 299, 999):     # the quantile has the tail it should, by an exact series
        assert 0.7e-5 < chi2_upper_tail(df, chi2_critical(df)) < 1.3e-5, df
