"""analysis.design: behaviour, errors and independent formulas (R agreement: test_design_r.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import Design, Estimate, RakingError


def small_frame() -> pd.DataFrame:
    """Three strata of a textbook stratified SRS (N_h = 100, 50, 30)."""
    return pd.DataFrame(
        {
            "h": ["a"] * 4 + ["b"] * 3 + ["c"] * 3,
            "y": [3.0, 5.0, 4.0, 8.0, 10.0, 12.0, 11.0, 1.0, 2.0, 6.0],
            "N": [100] * 4 + [50] * 3 + [30] * 3,
        }
    )


def test_stratified_mean_matches_the_textbook_formula():
    df = small_frame()
    d = Design(df, strata="h", fpc="N")  # weights N_h / n_h from the fpc
    est = d.mean("y")
    N = {"a": 100, "b": 50, "c": 30}
    g = df.groupby("h")["y"]
    Nt = sum(N.values())
    ybar = sum(N[h] * g.mean()[h] for h in N) / Nt
    var = sum(
        (N[h] / Nt) ** 2 * (1 - g.size()[h] / N[h]) * g.var(ddof=1)[h] / g.size()[h] for h in N
    )
    assert est.estimate == pytest.approx(ybar, rel=1e-12)
    assert est.se == pytest.approx(math.sqrt(var), rel=1e-12)
    assert est.df == 10 - 3
    tot = d.total("y")
    assert tot.estimate == pytest.approx(Nt * ybar, rel=1e-12)
    assert tot.se == pytest.approx(Nt * math.sqrt(var), rel=1e-12)
    np.testing.assert_allclose(d.weights, (df["N"] / df.groupby("h")["y"].transform("size")))


def test_fpc_as_sampling_fraction_equals_population_size():
    df = small_frame()
    df["f"] = df["h"].map({"a": 4 / 100, "b": 3 / 50, "c": 3 / 30})
    a = Design(df, strata="h", fpc="N").mean("y")
    b = Design(df, strata="h", fpc="f").mean("y")
    c = Design(df, strata="h", fpc={"a": 100, "b": 50, "c": 30}).mean("y")
    assert a.se == pytest.approx(b.se, rel=1e-12) == c.se


def test_estimate_interval_uses_t_on_design_df_or_normal():
    e = Estimate(10.0, 2.0, 5)
    lo, hi = e.ci(0.95)
    assert hi - 10 == pytest.approx(2.0 * 2.5705818356363146, rel=1e-10)  # qt(0.975, 5)
    lo, hi = e.ci(0.95, df=math.inf)
    assert hi - 10 == pytest.approx(2.0 * 1.959963984540054, rel=1e-12)
    assert e.var == 4.0 and e.cv == 0.2


def test_bad_input_errors_are_specific():
    df = small_frame()
    with pytest.raises(ValueError, match="fpc column 'N' varies within strata"):
        Design(df.assign(N=[100, 99] + [100] * 2 + [50] * 3 + [30] * 3), strata="h", fpc="N")
    with pytest.raises(ValueError, match="smaller than its 4 sampled rows"):
        Design(df.assign(N=[3] * 4 + [50] * 3 + [30] * 3), strata="h", fpc="N")
    with pytest.raises(ValueError, match="positive and finite"):
        Design(df.assign(w=[1.0, -1] + [1.0] * 8), weights="w", strata="h")
    with pytest.raises(ValueError, match="stratum column 'h' is empty in rows \\[2\\]"):
        Design(df.assign(h=df["h"].where(df.index != 2)), strata="h")
    with pytest.raises(KeyError, match="'nope' is not in the data"):
        Design(df, weights="nope")
    d = Design(df.assign(y=df["y"].where(df.index != 0)), strata="h")
    with pytest.raises(ValueError, match="1 missing values; pass na_rm=True"):
        d.mean("y")
    assert d.mean("y", na_rm=True).estimate == pytest.approx(df["y"][1:].mean())
    with pytest.raises(ValueError, match="not numeric"):
        d.mean("h")


def test_lonely_stratum_fails_like_r_unless_told_otherwise():
    df = small_frame().iloc[:8]  # stratum c keeps one row
    d = Design(df, strata="h")
    with pytest.raises(ValueError, match="stratum 'c' has only one row"):
        d.mean("y")
    # a domain that does not touch the lonely stratum is fine (R drops the other rows)
    assert d.subset(df["h"] != "c").mean("y").se > 0
    certain = Design(df, strata="h", lonely_psu="certainty").mean("y")
    removed = Design(df, strata="h", lonely_psu="remove").mean("y")
    assert certain.se == removed.se > 0
    adjusted = Design(df, strata="h", lonely_psu="adjust").mean("y")
    assert adjusted.se > certain.se
    # a take-all stratum of one (N_h = n_h = 1) is a certainty unit, no error
    take_all = Design(df.assign(N=[100] * 4 + [50] * 3 + [1]), strata="h", fpc="N")
    assert take_all.mean("y").se > 0


def test_subset_and_by_agree_and_keep_the_full_design():
    df = small_frame()
    d = Design(df, strata="h", fpc="N")
    by = d.mean("y", by="h")
    assert isinstance(by, type(d.mean("y")))  # one result type per verb, as R's svystat
    for _, row in by.to_frame().iterrows():
        sub = d.subset(df["h"] == row["h"]).mean("y")
        assert sub.estimate == pytest.approx(row["estimate"])
        assert sub.se == pytest.approx(row["se"])
        assert sub.df == row["df"]
    lo, hi = by.ci(0.9)
    for j, h in enumerate(by.domains["h"]):
        assert (lo[j], hi[j]) == pytest.approx(d.subset(df["h"] == h).mean("y").ci(0.9))
    df["g"] = ["x", "y"] * 5
    two = d.subset(lambda data: data["g"] == "x")
    assert two.n == 5 and len(two.data) == 10 and (two.weights[df["g"] == "y"] == 0).all()
    out = d.mean("y", by=["h", "g"]).to_frame()
    assert list(out.columns) == ["h", "g", "estimate", "se", "df"] and len(out) == 6
    with pytest.raises(ValueError, match="missing values"):
        d.subset(pd.Series([True, None] * 5))


def test_helpers_for_other_modules_match_the_verbs():
    df = small_frame()
    d = Design(df, strata="h", fpc="N").rake({"h": {"a": 90, "b": 60, "c": 30}})
    m, m2 = d.mean("y"), d.mean_of(df["y"].to_numpy())
    assert (m.estimate, m.se, m.df) == (m2.estimate, m2.se, m2.df)
    t = d.total("y")
    assert d.total_of(df["y"]).se == pytest.approx(t.se, rel=1e-12)
    V = d.linearized_variance(np.column_stack([df["y"], df["y"] ** 2]) * d.weights[:, None])
    assert V.shape == (2, 2) and V[0, 0] == pytest.approx(t.se**2, rel=1e-12)
    # after post-stratifying on the strata the totals per stratum are fixed: variance 0
    ind = (df["h"] == "a").to_numpy(float)
    assert d.total_of(ind).var == pytest.approx(0, abs=1e-9)


def raked_example(n=4000, seed=1):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "a": rng.choice(list("pqrst"), n, p=[0.1, 0.2, 0.3, 0.25, 0.15]),
            "b": rng.choice(["k", "l", "m", "n"], n),
            "c": rng.integers(0, 6, n),
            "w": rng.uniform(0.5, 3, n),
        }
    )
    targets = {
        "a": dict(zip("pqrst", [2000.0, 2000, 2000, 2000, 2000], strict=True)),
        "b": {"k": 4000.0, "l": 3000, "m": 2000, "n": 1000},
        "c": {i: 10000 / 6 for i in range(6)},
    }
    return df, targets


def test_rake_meets_every_margin_and_equals_row_wise_ipf():
    df, targets = raked_example()
    d = Design(df, weights="w").rake(targets, tol=1e-12)
    for var, t in targets.items():
        got = pd.Series(d.weights).groupby(df[var].to_numpy()).sum()
        for lvl, v in t.items():
            assert got[lvl] == pytest.approx(v, rel=1e-11)
    # independent reference: plain row-wise IPF
    w = df["w"].to_numpy().copy()
    masks = [((df[v] == lvl).to_numpy(), t) for v, ts in targets.items() for lvl, t in ts.items()]
    for _ in range(200):
        for rows, target in masks:
            w[rows] *= target / w[rows].sum()
    np.testing.assert_allclose(d.weights, w, rtol=1e-9)
    assert d.calibration[-1]["method"] == "rake" and d.calibration[-1]["converged"]


def test_rake_errors_name_the_variable_and_level():
    df, targets = raked_example(400)
    d = Design(df, weights="w")
    # a level in the data without a target
    bad = {**targets, "b": {"k": 4000.0, "l": 3000, "m": 3000}}
    with pytest.raises(RakingError, match="level b='n' occurs in the data"):
        d.rake(bad)
    # a target level nobody answered
    bad = {**targets, "b": {**targets["b"], "o": 0.0, "z": 5.0}}
    with pytest.raises(RakingError, match="target level b='z' .* has no respondents"):
        d.rake(bad)
    # a zero target is fine when nobody is in it
    ok = {**targets, "b": {**targets["b"], "o": 0.0}}
    assert d.rake(ok).weights.sum() == pytest.approx(10000)
    # totals that disagree
    bad = {**targets, "c": {i: 1000.0 for i in range(6)}}
    with pytest.raises(
        RakingError, match="disagree on the population total: 'a' .* 'c' sums to 6000"
    ):
        d.rake(bad)
    with pytest.raises(RakingError, match="'zz' is not a column"):
        d.rake({"zz": {"x": 1.0}})
    with pytest.raises(RakingError, match="missing in 1 rows"):
        Design(df.assign(a=df["a"].where(df.index != 3)), weights="w").rake(targets)
    assert issubclass(RakingError, ValueError)


def test_infeasible_raking_raises_instead_of_returning_wrong_weights():
    # respondents only in the cells (x, u) and (y, v): the margins tie a to b
    df = pd.DataFrame({"a": ["x"] * 30 + ["y"] * 70, "b": ["u"] * 30 + ["v"] * 70})
    d = Design(df)
    with pytest.raises(RakingError, match="did not converge after 100 passes.*infeasible") as err:
        d.rake({"a": {"x": 50.0, "y": 50.0}, "b": {"u": 10.0, "v": 90.0}})
    assert "a='x'" in str(err.value) or "b='u'" in str(err.value)
    # calibrate sees contradictions too
    with pytest.raises(RakingError, match="disagree on the population total"):
        d.calibrate({"a": {"x": 50.0, "y": 50.0}, "b": {"u": 10.0, "v": 80.0}})
    with pytest.raises(RakingError, match="cannot meet the total"):
        d.calibrate({"a": {"x": 50.0, "y": 50.0}, "b": {"u": 10.0, "v": 90.0}})


def test_weighting_verbs_refuse_a_domain_and_keep_the_original():
    df, targets = raked_example(200)
    d = Design(df, weights="w")
    before = d.weights.copy()
    r = d.rake(targets)
    np.testing.assert_array_equal(d.weights, before)
    assert r is not d
    with pytest.raises(ValueError, match="whole design"):
        d.subset(df["a"] == "p").rake(targets)
    with pytest.raises(ValueError, match="whole design"):
        d.subset(df["a"] == "p").trim(upper=2)


def test_trim_spreads_the_excess_and_strict_repeats():
    df = pd.DataFrame({"w": [1.0, 1, 1, 1, 10, 4.5]})
    d = Design(df, weights="w")
    once = d.trim(upper=5)
    np.testing.assert_allclose(once.weights, [2, 2, 2, 2, 5, 5.5])  # 4.5 + 5/5 > 5 stays
    strict = d.trim(upper=5, strict=True)
    np.testing.assert_allclose(strict.weights, [2.125, 2.125, 2.125, 2.125, 5, 5])
    assert d.trim(upper=100) is d
    with pytest.raises(ValueError, match="cannot all lie in"):
        d.trim(upper=3, strict=True)


def test_poststratify_errors():
    df = small_frame()
    d = Design(df, strata="h", fpc="N")
    with pytest.raises(RakingError, match="level h='c' occurs in the data"):
        d.poststratify("h", {"a": 100, "b": 50})
    p = d.poststratify("h", {"a": 10, "b": 50, "c": 30})
    assert p.weights[:4].sum() == pytest.approx(10)


def test_ttest_needs_two_groups_and_chisq_two_levels():
    df = small_frame()
    d = Design(df, strata="h")
    with pytest.raises(ValueError, match="exactly two levels"):
        d.ttest("y", "h")
    df["one"] = "x"
    with pytest.raises(ValueError, match="at least two levels"):
        Design(df, strata="h").chisq("h", "one")


def test_proportion_ci_at_zero_uses_clopper_pearson_on_the_count():
    df = pd.DataFrame({"s": ["no"] * 20, "h": ["a", "b"] * 10})
    p, lo, hi = Design(df, strata="h").proportion_ci("s", "yes")
    assert p == 0 and lo == 0 and hi == pytest.approx(1 - 0.025 ** (1 / 20), rel=1e-9)
