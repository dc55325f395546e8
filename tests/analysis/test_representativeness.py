"""R-indicator (closed form and weighted case) and the chi-square check against the frame."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import analysis
from analysis.representativeness import chisq_against_frame, representativeness_table
from analysis.response import r_indicator


def _units(
    spec: dict[str, tuple[int, int]], weight: dict[str, float] | None = None
) -> pd.DataFrame:
    """spec: category -> (units, responding units)."""
    rows = []
    for cat, (n, r) in spec.items():
        for i in range(n):
            rows.append({"profession": cat, "responded": int(i < r)})
    df = pd.DataFrame(rows)
    if weight:
        df["w"] = df["profession"].map(weight)
    return df


# a: 20 units, 10 respond (.5); b: 30 units, 6 respond (.2); c: 50 units, 40 respond (.8)
SPEC = {"a": (20, 10), "b": (30, 6), "c": (50, 40)}


def test_lazy_export():
    assert analysis.r_indicator is r_indicator


def test_single_categorical_covariate_closed_form_unweighted():
    df = _units(SPEC)
    res = r_indicator(df, "responded", ["profession"])
    # propensities are the category response rates
    expected_rho = df["profession"].map({"a": 0.5, "b": 0.2, "c": 0.8})
    np.testing.assert_allclose(res.propensities.to_numpy(), expected_rho.to_numpy(), atol=1e-9)
    # rho_mean = 56/100 = .56
    # Σ_i (ρ_i - ρ̄)² = 20(.5-.56)² + 30(.2-.56)² + 50(.8-.56)² = .072 + 3.888 + 2.88 = 6.84
    # S = sqrt(6.84 / 99),  R = 1 - 2S
    S = math.sqrt(6.84 / 99)
    assert res.rho_mean == pytest.approx(0.56)
    np.testing.assert_allclose(res.R, 1 - 2 * S, rtol=0, atol=1e-9)
    assert res.cv == pytest.approx(S / 0.56, abs=1e-9)
    # B_max = (1 - R) / (2 ρ̄) = 2S / (2 ρ̄) = CV
    assert res.max_bias == pytest.approx(S / 0.56, abs=1e-9)
    assert res.n == 100 and res.N == 100

    part = res.partial.set_index(["variable", "category"], drop=False)
    cats = res.partial[res.partial["category"].notna()].set_index("category")
    # Pu(h) = sqrt(n_h/n)(ρ_h - ρ̄): a sqrt(.2)(-.06), b sqrt(.3)(-.36), c sqrt(.5)(+.24)
    assert cats.loc["a", "Pu"] == pytest.approx(math.sqrt(0.2) * -0.06, abs=1e-9)
    assert cats.loc["b", "Pu"] == pytest.approx(math.sqrt(0.3) * -0.36, abs=1e-9)
    assert cats.loc["c", "Pu"] == pytest.approx(math.sqrt(0.5) * 0.24, abs=1e-9)
    # Pu(X) = sqrt(.2·.0036 + .3·.1296 + .5·.0576) = sqrt(.0684)
    variable_row = res.partial[res.partial["category"].isna()].iloc[0]
    assert variable_row["Pu"] == pytest.approx(math.sqrt(0.0684), abs=1e-9)
    assert len(part) == 4


def test_single_categorical_covariate_closed_form_weighted():
    # design weights 4 in a, 1 in b, 2 in c, and inside c half the units weigh 3 instead:
    # the propensity is then the weighted response rate Σ w·y / Σ w of the category
    df = _units(SPEC, {"a": 4.0, "b": 1.0, "c": 2.0})
    c_rows = df.index[df["profession"] == "c"]
    # c: units 0..39 respond, 40..49 do not; give weight 3 to units 0..19 and 40..44
    heavy = list(c_rows[:20]) + list(c_rows[40:45])
    df.loc[heavy, "w"] = 3.0
    res = r_indicator(df, "responded", ["profession"], weights="w")
    # c: responding weight 20·3 + 20·2 = 100 of 100 + 5·3 + 5·2 = 125 -> .8
    # a: 10·4 / 20·4 = .5 ; b: 6 / 30 = .2   (the weights inside a and b are constant)
    rate = {"a": 0.5, "b": 0.2, "c": 100 / 125}
    np.testing.assert_allclose(res.propensities, df["profession"].map(rate), atol=1e-9)
    # N = 80 + 30 + 125 = 235; ρ̄ = (80·.5 + 30·.2 + 125·.8)/235 = 146/235
    N = 235.0
    mean = 146 / 235
    ss = 80 * (0.5 - mean) ** 2 + 30 * (0.2 - mean) ** 2 + 125 * (0.8 - mean) ** 2
    S = math.sqrt(ss / (N - 1))
    np.testing.assert_allclose(res.N, N, rtol=0, atol=1e-9)
    assert res.rho_mean == pytest.approx(mean)
    np.testing.assert_allclose(res.R, 1 - 2 * S, rtol=0, atol=1e-9)
    cats = res.partial[res.partial["category"].notna()].set_index("category")
    assert cats.loc["c", "Pu"] == pytest.approx(math.sqrt(125 / N) * (0.8 - mean), abs=1e-9)
    assert cats.loc["c", "share"] == pytest.approx(125 / N)


def _irls_logit(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted logistic regression by Newton-Raphson, written out for the test."""
    beta = np.zeros(X.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-X @ beta))
        grad = X.T @ (w * (y - p))
        hess = (X * (w * p * (1 - p))[:, None]).T @ X
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    return 1 / (1 + np.exp(-X @ beta))


def test_weighted_multivariable_case_against_independent_numpy():
    rng = np.random.default_rng(20240115)
    n = 600
    prof = rng.choice(["huisarts", "specialist", "tandarts"], size=n, p=[0.5, 0.3, 0.2])
    lang = rng.choice(["nl", "en"], size=n, p=[0.85, 0.15])
    year = rng.integers(1, 7, size=n).astype(float)
    eta = -0.3 + 0.8 * (prof == "specialist") - 0.5 * (prof == "tandarts") - 0.7 * (lang == "nl")
    eta = eta + 0.15 * year
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    w = np.where(prof == "tandarts", 2.5, np.where(prof == "specialist", 1.2, 4.0))
    df = pd.DataFrame({"profession": prof, "language": lang, "year": year, "r": y, "w": w})

    res = r_indicator(df, "r", ["profession", "language", "year"], weights="w")

    # reference levels: first in sorted order (huisarts, en)
    X = np.column_stack(
        [np.ones(n), prof == "specialist", prof == "tandarts", lang == "nl", year]
    ).astype(float)
    rho = _irls_logit(X, y.astype(float), w)
    N = w.sum()
    mean = np.sum(w * rho) / N
    S = np.sqrt(np.sum(w * (rho - mean) ** 2) / (N - 1))
    np.testing.assert_allclose(res.propensities.to_numpy(), rho, rtol=1e-7)
    np.testing.assert_allclose(res.R, 1 - 2 * S, rtol=0, atol=1e-8)
    assert res.cv == pytest.approx(S / mean, abs=1e-8)
    # category partial indicator of tandarts, computed from the numpy propensities
    m = prof == "tandarts"
    pu = np.sqrt(w[m].sum() / N) * (np.sum(w[m] * rho[m]) / w[m].sum() - mean)
    cats = res.partial[(res.partial["variable"] == "profession") & res.partial["category"].notna()]
    assert cats.set_index("category").loc["tandarts", "Pu"] == pytest.approx(pu, abs=1e-8)
    # the sign says who is under-represented: tandarts have the lower propensity
    assert pu < 0
    # the numeric covariate gets a variable-level indicator only
    year_rows = res.partial[res.partial["variable"] == "year"]
    assert len(year_rows) == 1 and year_rows["Pu"].iloc[0] > 0


def test_equal_propensities_give_r_of_one():
    df = _units({"a": (10, 5), "b": (20, 10)})
    res = r_indicator(df, "responded", ["profession"])
    np.testing.assert_allclose(res.R, 1.0, rtol=0, atol=1e-9)
    assert res.cv == pytest.approx(0.0, abs=1e-9)


def test_bool_response_and_a_category_that_all_responded():
    df = _units({"a": (10, 10), "b": (10, 2)})
    df["responded"] = df["responded"].astype(bool)
    res = r_indicator(df, "responded", ["profession"])
    np.testing.assert_allclose(
        res.propensities, df["profession"].map({"a": 1.0, "b": 0.2}), atol=1e-6
    )


def test_r_indicator_input_errors():
    df = _units(SPEC)
    with pytest.raises(ValueError, match="no column"):
        r_indicator(df, "responded", ["university"])
    bad = df.assign(responded=df["responded"] * 2)
    with pytest.raises(ValueError, match="0/1"):
        r_indicator(bad, "responded", ["profession"])
    gap = df.astype({"profession": object})
    gap.loc[3, "profession"] = None
    with pytest.raises(ValueError, match="row 3: 'profession' is empty"):
        r_indicator(gap, "responded", ["profession"])


# ------------------------------------------------------------------- chi-square vs frame


@pytest.fixture
def frame() -> pd.DataFrame:
    # frame: 500 huisarts, 300 specialist, 200 tandarts -> shares .5 .3 .2
    return pd.DataFrame(
        {"profession": ["huisarts"] * 500 + ["specialist"] * 300 + ["tandarts"] * 200}
    )


def test_chisq_unweighted_against_scipy(frame):
    resp = pd.DataFrame({"profession": ["huisarts"] * 40 + ["specialist"] * 40 + ["tandarts"] * 20})
    res = chisq_against_frame(resp, frame, "profession")
    # n = 100, E = 50 30 20; X² = 100/50 + 100/30 + 0 = 5.3333
    assert res.statistic == pytest.approx(2 + 10 / 3)
    assert res.df == 2
    ref = stats.chisquare([40, 40, 20], [50, 30, 20])
    assert res.p_value == pytest.approx(ref.pvalue)
    t = res.table.set_index("category")
    assert t.loc["specialist", "difference"] == pytest.approx(0.1)
    assert res.max_abs_diff == pytest.approx(0.1)


def test_chisq_weighted_rescales_shares_to_n(frame):
    resp = pd.DataFrame(
        {
            "profession": ["huisarts"] * 40 + ["specialist"] * 40 + ["tandarts"] * 20,
            # weights that restore the frame exactly: 50/40, 30/40, 20/20 (times any constant)
            "w": [12.5] * 40 + [7.5] * 40 + [10.0] * 20,
        }
    )
    res = chisq_against_frame(resp, frame, "profession", weights="w")
    assert res.statistic == pytest.approx(0.0, abs=1e-12)
    assert res.weighted
    # other weights: huisarts 2, others 1 -> weighted totals 80, 40, 20 of 140, rescaled to n=100
    resp["w2"] = [2.0] * 40 + [1.0] * 60
    res2 = chisq_against_frame(resp, frame, "profession", weights="w2")
    obs = np.array([80, 40, 20]) / 140 * 100
    ref = stats.chisquare(obs, [50, 30, 20])
    assert res2.statistic == pytest.approx(ref.statistic)
    assert res2.p_value == pytest.approx(ref.pvalue)


def test_frame_category_without_respondents_counts_as_zero(frame):
    resp = pd.DataFrame({"profession": ["huisarts"] * 6 + ["specialist"] * 4})
    res = chisq_against_frame(resp, frame, "profession")
    # E = 5 3 2; X² = 1/5 + 1/3 + 4/2
    assert res.statistic == pytest.approx(0.2 + 1 / 3 + 2)
    assert res.min_expected == pytest.approx(2.0)


def test_chisq_input_errors(frame):
    with pytest.raises(ValueError, match="not in the frame: apotheker"):
        chisq_against_frame(pd.DataFrame({"profession": ["apotheker"]}), frame, "profession")
    with pytest.raises(ValueError, match="no respondents"):
        chisq_against_frame(pd.DataFrame({"profession": []}), frame, "profession")
    with pytest.raises(ValueError, match="no column 'taal'"):
        chisq_against_frame(pd.DataFrame({"profession": ["huisarts"]}), frame, "taal")


def test_representativeness_table_before_and_after_weighting(frame):
    frame = frame.assign(language=["nl"] * 900 + ["en"] * 100)
    resp = pd.DataFrame(
        {
            "profession": ["huisarts"] * 40 + ["specialist"] * 40 + ["tandarts"] * 20,
            "language": ["nl"] * 95 + ["en"] * 5,
            "w": [12.5] * 40 + [7.5] * 40 + [10.0] * 20,
        }
    )
    table = representativeness_table(resp, frame, ["profession", "language"], weights="w")
    assert list(table["variable"]) == ["profession", "profession", "language", "language"]
    assert list(table["weighted"]) == [False, True, False, True]
    prof = table[table["variable"] == "profession"].set_index("weighted")
    assert prof.loc[False, "statistic"] > 5 and prof.loc[True, "statistic"] == pytest.approx(0)
    lang = table[table["variable"] == "language"].set_index("weighted")
    # unweighted: O = 95, 5 (sorted: en, nl -> 5, 95); E = 10, 90: X² = 25/10 + 25/90
    assert lang.loc[False, "statistic"] == pytest.approx(2.5 + 25 / 90)
    assert lang.loc[False, "df"] == 1
    assert not lang.loc[False, "small_expected"]
    only = representativeness_table(resp, frame, ["language"])
    assert list(only["weighted"]) == [False]
