"""Sample size and margin of error against textbook values and an independent formulation."""

from __future__ import annotations

import math

import pytest
from scipy.stats import chi2

from sampling import margin_of_error, sample_size, sample_size_by_stratum, z_value


def test_issue_example():
    s = sample_size(0.05, confidence=0.95, p=0.5, population=1000, response_rate=0.4)
    assert (s.completes, s.invitations) == (278, 695)
    assert not s.capped


@pytest.mark.parametrize(
    ("moe", "confidence", "expected"),
    # The usual "infinite population" figures: 385 (95%, ±5%), 1068 (95%, ±3%),
    # 664 (99%, ±5%), 271 (90%, ±5%), 97 (95%, ±10%).
    [(0.05, 0.95, 385), (0.03, 0.95, 1068), (0.05, 0.99, 664), (0.05, 0.90, 271), (0.10, 0.95, 97)],
)
def test_textbook_sizes_without_population(moe, confidence, expected):
    assert sample_size(moe, confidence).completes == expected


@pytest.mark.parametrize(("N", "expected"), [(100, 80), (1000, 278), (10000, 370)])
def test_krejcie_morgan_table(N, expected):
    # Krejcie & Morgan (1970), Table 1: s = X²NP(1-P) / (d²(N-1) + X²P(1-P)).
    assert sample_size(0.05, population=N).completes == expected


@pytest.mark.parametrize("N", [50, 137, 500, 2411, 75000])
@pytest.mark.parametrize("moe", [0.03, 0.05, 0.08])
def test_matches_krejcie_morgan_formula(N, moe):
    x2 = chi2.ppf(0.95, df=1)  # chi-square with 1 df: the same critical value, computed apart
    reference = x2 * N * 0.25 / (moe**2 * (N - 1) + x2 * 0.25)
    s = sample_size(moe, population=N)
    assert s.n_exact == pytest.approx(reference, rel=1e-12)
    assert s.completes == math.ceil(reference)


def test_mean_design_effect_and_response_rate():
    # Mean with S = 10 to within ±2: n0 = 1.96² · 100 / 4 = 96.04 -> 97.
    assert sample_size(2, sd=10).completes == 97
    # With N = 200: 96.04 / (1 + 95.04/200) = 65.10 -> 66.
    assert sample_size(2, sd=10, population=200).completes == 66
    doubled = sample_size(0.05, deff=2.0)
    assert doubled.n0 == pytest.approx(2 * sample_size(0.05).n0)
    assert sample_size(0.05, response_rate=0.3).invitations == math.ceil(385 / 0.3)


def test_invitations_capped_at_population():
    s = sample_size(0.05, population=300, response_rate=0.25)
    assert s.completes == 169 and s.invitations == 300 and s.capped


def test_completes_never_exceed_population():
    s = sample_size(0.001, population=40)
    assert s.completes == 40


@pytest.mark.parametrize("N", [None, 60, 1000, 6000])
@pytest.mark.parametrize("p", [0.5, 0.2])
def test_margin_of_error_inverts_sample_size(N, p):
    s = sample_size(0.04, p=p, population=N, deff=1.3)
    assert margin_of_error(s.n_exact, population=N, p=p, deff=1.3) == pytest.approx(0.04, rel=1e-10)
    # Rounding up the completes only improves precision.
    assert margin_of_error(s.completes, population=N, p=p, deff=1.3) <= 0.04


def test_margin_of_error_known_values():
    # 1.96 * sqrt(0.25/400) = 0.049 (the "±4.9% for 400 respondents" rule of thumb).
    assert margin_of_error(400) == pytest.approx(z_value(0.95) * 0.025)
    assert margin_of_error(1000, population=1000) == 0.0
    assert margin_of_error(0) == math.inf


@pytest.mark.parametrize(
    "kwargs",
    [
        {"moe": 0},
        {"moe": 0.05, "confidence": 1.0},
        {"moe": 0.05, "p": 1.5},
        {"moe": 0.05, "population": 0},
        {"moe": 0.05, "response_rate": 0},
        {"moe": 0.05, "deff": -1},
    ],
)
def test_bad_input_is_refused(kwargs):
    with pytest.raises(ValueError):
        sample_size(**kwargs)


def test_by_stratum_table():
    table = sample_size_by_stratum(
        {"a": 1000, "b": 100, "c": 0}, 0.05, response_rate={"a": 0.4, "b": 0.5, "c": 1}
    )
    assert table["stratum"].tolist() == ["a", "b", "c", "Totaal"]
    assert table["completes"].tolist() == [278, 80, 0, 358]
    assert table["invitations"].tolist() == [695, 100, 0, 795]
    assert table["capped"].tolist() == [False, True, False, True]
