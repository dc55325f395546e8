"""Key-driver analysis: LMG against theory and brute force, the regression against R svyglm,
quadrants, improvement points and the open answers under disclosure control."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import drivers as dr
from analysis.design import Design
from report import wording
from tests.analysis.columns import Col, overall

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "r_scores"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())


OVERALL = overall()
FIXTURE_COLUMNS = [
    OVERALL,
    Col("aanmelden", dimension="aanmelden"),
    Col("informatie", dimension="informatie"),
    Col("hulp", dimension="hulp"),
    Col("ces", type="ces", scale_min=1, scale_max=7, role="effort", dimension="inspanning"),
]


def test_lmg_orthogonal_predictors_equal_squared_standardized_coefficients():
    rng = np.random.default_rng(1)
    n, p = 400, 4
    Z = rng.normal(size=(n, p))
    Z -= Z.mean(axis=0)
    Q, _ = np.linalg.qr(Z)  # exactly uncorrelated, centred columns
    X = Q * np.array([3.0, 1.0, 2.0, 0.5])
    y = X @ np.array([0.4, 2.0, -0.7, 1.0]) + rng.normal(size=n)
    w = np.ones(n)
    imp, r2 = dr.lmg(dr.weighted_cov(np.column_stack([y, X]), w))
    fit = sm.WLS(y, sm.add_constant(X), weights=w).fit()
    beta = fit.params[1:] * X.std(axis=0) / y.std()
    np.testing.assert_allclose(imp, beta**2, rtol=1e-10)
    assert r2 == pytest.approx(fit.rsquared, rel=1e-10)


def test_lmg_equals_brute_force_shapley_over_refitted_wls_models():
    rng = np.random.default_rng(2)
    n, p = 300, 4
    C = np.array([[1, 0.5, 0.3, 0.1], [0.5, 1, 0.4, 0.2], [0.3, 0.4, 1, 0.6], [0.1, 0.2, 0.6, 1]])
    X = rng.normal(size=(n, p)) @ np.linalg.cholesky(C).T
    y = X @ np.array([1.0, 0.5, 0.0, 0.8]) + rng.normal(size=n)
    w = rng.uniform(0.5, 3.0, size=n)

    def r2(subset):
        if not subset:
            return 0.0
        return sm.WLS(y, sm.add_constant(X[:, list(subset)]), weights=w).fit().rsquared

    shapley = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for size in range(p):
            for s in itertools.combinations(others, size):
                wt = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
                shapley[j] += wt * (r2((*s, j)) - r2(s))
    imp, total = dr.lmg(dr.weighted_cov(np.column_stack([y, X]), w))
    np.testing.assert_allclose(imp, shapley, rtol=1e-9)
    assert imp.sum() == pytest.approx(total, rel=1e-12)
    assert total == pytest.approx(r2(tuple(range(p))), rel=1e-10)


def test_lmg_recovers_population_importances_on_simulated_data():
    # Population: X ~ N(0, C), y = X b + e, var(e) = 1, so cov(y, X) = C b and
    # var(y) = b'C b + 1. The population LMG follows from that covariance matrix.
    C = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.0]])
    b = np.array([0.8, 0.1, 0.5])
    pop = np.empty((4, 4))
    pop[0, 0] = b @ C @ b + 1
    pop[0, 1:] = pop[1:, 0] = C @ b
    pop[1:, 1:] = C
    pop_imp, pop_r2 = dr.lmg(pop)
    # predictor 2 has a tiny coefficient but shares variance with predictor 1
    assert pop_imp[1] > (b[1] ** 2) and pop_imp.sum() == pytest.approx(pop_r2)
    rng = np.random.default_rng(3)
    n = 40_000
    X = rng.normal(size=(n, 3)) @ np.linalg.cholesky(C).T
    y = X @ b + rng.normal(size=n)
    imp, r2 = dr.lmg(dr.weighted_cov(np.column_stack([y, X]), np.ones(n)))
    np.testing.assert_allclose(imp, pop_imp, atol=0.01)
    assert r2 == pytest.approx(pop_r2, abs=0.01)


def test_subset_r2_handles_collinear_predictors():
    rng = np.random.default_rng(4)
    x = rng.normal(size=200)
    y = x + rng.normal(size=200)
    X = np.column_stack([x, x])  # the same aspect twice
    imp, r2 = dr.lmg(dr.weighted_cov(np.column_stack([y, X]), np.ones(200)))
    assert imp[0] == pytest.approx(imp[1]) and imp.sum() == pytest.approx(r2)


def wave_design(k: int) -> Design:
    data = pd.read_csv(FIXTURES / f"wave{k}.csv")
    return Design(data, weights="pw", strata="profession", fpc="N")


@pytest.mark.parametrize("wave", [1, 2])
def test_key_drivers_regression_matches_r_svyglm(wave):
    ref = EXPECTED[f"wave{wave}"]["svyglm"]
    a = dr.key_drivers(wave_design(wave), FIXTURE_COLUMNS)
    t = a.table.set_index("dimension")
    assert list(t.index) == ["aanmelden", "informatie", "hulp"]
    assert a.n_complete == ref["n"]
    assert a.df == ref["df_residual"]
    assert a.intercept == pytest.approx(ref["coef"][0], rel=1e-8)
    assert a.intercept_se == pytest.approx(ref["se"][0], rel=1e-8)
    np.testing.assert_allclose(t["coef"], ref["coef"][1:], rtol=1e-8)
    np.testing.assert_allclose(t["se"], ref["se"][1:], rtol=1e-8)
    assert a.r2 == pytest.approx(ref["r2"], rel=1e-8)
    assert t["importance"].sum() == pytest.approx(a.r2, rel=1e-12)
    assert t["importance_share"].sum() == pytest.approx(1.0)
    # performance is the aspect's weighted mean over everyone who rated it (R svymean)
    assert t.loc["hulp", "performance"] == pytest.approx(
        EXPECTED[f"wave{wave}"]["hulp100"]["estimate"], rel=1e-8
    )
    assert t.loc["hulp", "n"] == EXPECTED[f"wave{wave}"]["hulp100"]["n"]
    assert (t["performance_ci_low"] < t["performance"]).all()


def test_key_drivers_leaves_out_sparse_aspects_and_says_why():
    a = dr.key_drivers(wave_design(1), FIXTURE_COLUMNS, max_missing_share=0.2)
    t = a.table.set_index("dimension")
    assert not t.loc["hulp", "included"] and math.isnan(t.loc["hulp", "importance"])
    assert t.loc["hulp", "quadrant"] is None and t.loc["hulp", "performance"] > 0
    assert list(a.excluded["dimension"]) == ["hulp"]
    reason = a.excluded["reason"].iloc[0]
    assert reason.code == "missing_too_often" and reason.args["limit"] == 0.2
    assert reason.args["missing"] == pytest.approx(1 - a.excluded["coverage"].iloc[0])
    assert "ontbreekt bij" in wording.text(reason, "nl")
    with pytest.raises(ValueError, match="unknown aspect"):
        dr.key_drivers(wave_design(1), FIXTURE_COLUMNS, drivers=["snelheid"])
    with pytest.raises(ValueError, match="overall"):
        dr.key_drivers(wave_design(1), FIXTURE_COLUMNS[1:])


def quadrant_table():
    # importance mean 0.1, performance mean 60
    return pd.DataFrame(
        {
            "dimension": ["a", "b", "c", "d", "e"],
            "included": [True, True, True, True, False],
            "importance": [0.2, 0.15, 0.03, 0.02, np.nan],
            "performance": [40.0, 80.0, 50.0, 70.0, 20.0],
        }
    )


def test_quadrants():
    t = dr._assign_quadrants(quadrant_table()).set_index("dimension")
    assert t["quadrant"].tolist() == ["priority", "strength", "low_priority", "overkill", None]
    assert "quadrant_nl" not in t.columns  # the words: report.labels


def simulated_wave(n=600, seed=5):
    """Aspects with known roles: 'snelheid' matters most and scores lowest."""
    rng = np.random.default_rng(seed)
    prof = rng.choice(["huisarts", "arts_specialist", "tandarts"], size=n, p=[0.5, 0.4, 0.1])
    latent = {d: rng.normal(size=n) for d in ("snelheid", "uitleg", "inloggen")}
    means = {"snelheid": 2.4, "uitleg": 3.9, "inloggen": 4.2}
    items = {d: np.clip(np.round(means[d] + 0.9 * latent[d]), 1, 5).astype(float) for d in latent}
    y = 5 + 1.6 * latent["snelheid"] + 0.5 * latent["uitleg"] + 0.2 * latent["inloggen"]
    data = pd.DataFrame(
        {
            "beroep": prof,
            "tevredenheid": np.clip(np.round(y + rng.normal(scale=0.8, size=n)), 0, 10),
            **items,
            "verbetering": [""] * n,
        }
    )
    data.loc[0, "verbetering"] = "Het duurt veel te lang, weken wachten op een antwoord."
    data.loc[1, "verbetering"] = "Na het inloggen met itsme loopt het vast."
    data.loc[2, "verbetering"] = "Niets op aan te merken"  # no keyword: lowest-rated aspect
    data.loc[2, ["snelheid", "uitleg", "inloggen"]] = [4, 2, 5]
    data.loc[3, "verbetering"] = "Goed zo"  # no keyword, all aspects equal: not tied to any
    data.loc[3, ["snelheid", "uitleg", "inloggen"]] = [3, 3, 3]
    data.loc[4, "beroep"] = "apotheker"  # a cell of one respondent
    data.loc[4, "verbetering"] = "Uitleg bij het formulier ontbreekt"
    cols = [
        overall(),
        Col("snelheid", dimension="snelheid"),
        Col("uitleg", dimension="uitleg"),
        Col("inloggen", dimension="inloggen"),
        Col("verbetering", type="text", kind="text", scale_min=None, scale_max=None, role="open"),
    ]
    return Design(data), cols


KEYWORDS = {
    "snelheid": ["duurt", "wacht", "traag", "lang"],
    "uitleg": ["uitleg", "informatie"],
    "inloggen": ["inlog", "itsme"],
}


def test_improvement_points_rank_priority_first_with_evidence_and_open_answers():
    design, cols = simulated_wave()
    a = dr.key_drivers(design, cols)
    t = a.table.set_index("dimension")
    assert t["importance"].idxmax() == "snelheid"
    assert t.loc["snelheid", "quadrant"] == "priority"
    ip = dr.improvement_points(a, keywords=KEYWORDS)
    pts = ip.points
    assert pts["rank"].tolist() == [1, 2, 3]
    assert pts.loc[0, "dimension"] == "snelheid" and bool(pts.loc[0, "is_priority"])
    rest = pts.iloc[1:]
    assert not rest["is_priority"].any()
    assert rest["gap"].is_monotonic_decreasing
    assert pts.loc[0, "gap"] == pytest.approx(
        t.loc["snelheid", "importance_share"] * (100 - t.loc["snelheid", "performance"])
    )
    pts = wording.with_languages(pts, "evidence")
    assert pts.loc[0, "evidence_nl"].startswith("Belang ")
    assert (
        "% CI" in pts.loc[0, "evidence_en"]
        and f"n = {t.loc['snelheid', 'n']}" in pts.loc[0, "evidence_en"]
    )
    ans = ip.open_answers
    by_row = {r: set(g["dimension"]) for r, g in ans.groupby("row")}
    assert by_row[0] == {"snelheid"}
    assert by_row[1] == {"inloggen"}
    assert by_row[2] == {"uitleg"} and ans[ans["row"] == 2]["method"].tolist() == ["lowest"]
    assert 3 not in by_row
    assert by_row[4] == {"uitleg"}
    assert ans["rank"].is_monotonic_increasing
    assert pts.set_index("dimension").loc["uitleg", "n_open_answers"] == 2


def test_open_answers_pass_disclosure_control():
    design, cols = simulated_wave()
    a = dr.key_drivers(design, cols)
    # by profession: the one 'apotheker' is a cell below k, so their answer is withheld
    ip = dr.improvement_points(a, keywords=KEYWORDS, group_cols=["beroep"], k=5)
    assert 4 not in set(ip.open_answers["row"]) and 0 in set(ip.open_answers["row"])
    # a whole wave smaller than k shows no open answers at all
    ip = dr.improvement_points(a, keywords=KEYWORDS, k=10_000)
    assert ip.open_answers.empty and (ip.points["n_open_answers"] == 0).all()
    ip = dr.improvement_points(a, text_columns=[])
    assert ip.open_answers.empty


def test_match_open_answers_keywords_at_word_start():
    scores = pd.DataFrame({"formulieren": [50.0], "hulp": [80.0]}, index=[10])
    texts = pd.Series(["De FORMULIEREN zijn lang; bellen naar 1700 hielp"], index=[10])
    m = dr.match_open_answers(texts, scores)
    assert set(m["dimension"]) == {"formulieren", "hulp"}
    assert set(m["method"]) == {"keyword"} and m["row"].tolist() == [10, 10]
    # a keyword matches at the start of a word only: "info" is not found in "computerinfo"
    m = dr.match_open_answers(
        pd.Series(["computerinfo ontbreekt"], index=[10]),
        scores,
        {"formulieren": ["computer"], "hulp": ["info"]},
    )
    assert m["dimension"].tolist() == ["formulieren"] and m["method"].tolist() == ["keyword"]
