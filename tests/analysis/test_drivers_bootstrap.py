"""The bootstrap within strata behind the intervals of the key-driver (LMG) shares: its
mechanics on cases computed independently (the draws themselves, the exact expectation of the
bootstrap variance of a total = the linearised variance), the replicate LMG against brute-force
Shapley over refitted WLS models, and whether two ranks can be told apart."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis import drivers as dr
from analysis.design import Design
from tests.analysis.columns import Col, overall


def strata_frame(seed=1):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"h": np.repeat(["a", "b", "c", "d"], [10, 15, 8, 1])})
    df["y"] = rng.normal(50, 10, len(df)) + df["h"].map({"a": 0, "b": 5, "c": -5, "d": 0})
    df["N"] = df["h"].map({"a": 40, "b": 30, "c": 100, "d": 1})
    df["w"] = df["N"] / df["h"].map(df["h"].value_counts())
    return df


def test_the_draws_are_n_h_minus_1_within_each_stratum_and_seeded():
    df = strata_frame()
    d = Design(df.drop(columns="N"), weights="w", strata="h")  # no fpc: lambda_h = 1
    W = d.bootstrap_weights(300, seed=7)
    assert W.shape == (len(df), 300)
    # w* = w n_h/(n_h - 1) m*: m* = w*/w (n_h - 1)/n_h are whole draw counts ...
    n_h = df["h"].map(df["h"].value_counts()).to_numpy()
    m = W / df["w"].to_numpy()[:, None] * np.where(n_h > 1, (n_h - 1) / n_h, 1)[:, None]
    np.testing.assert_allclose(m, np.round(m), atol=1e-9)
    # ... that add up to n_h - 1 in every stratum and replicate (a stratum of one is kept)
    for rows in df.groupby("h").indices.values():
        want = len(rows) - 1 if len(rows) > 1 else 1
        np.testing.assert_allclose(m[rows].sum(axis=0), want)
    np.testing.assert_array_equal(W, d.bootstrap_weights(300, seed=7))
    assert not np.array_equal(W, d.bootstrap_weights(300, seed=8))
    # rows outside a domain weigh nothing in any replicate
    sub = d.subset(df["h"] != "b").bootstrap_weights(50, seed=7)
    full = d.bootstrap_weights(50, seed=7)
    assert (sub[df["h"] == "b"] == 0).all() and (full[df["h"] == "b"] > 0).any()
    np.testing.assert_array_equal(sub[df["h"] != "b"], full[df["h"] != "b"])
    with pytest.raises(ValueError, match="replicates"):
        d.bootstrap_weights(0)


def test_the_bootstrap_variance_of_a_total_is_the_linearised_one():
    # E*[(t* - t)^2] = sum_h (1 - f_h) n_h/(n_h - 1) sum_i (z_i - zbar_h)^2 exactly (multinomial
    # moments of the draws); the Monte Carlo estimate over 20,000 replicates must be within its
    # own error (sd about sqrt(2/B) = 1%) of Design.total's variance, with and without fpc.
    df = strata_frame()
    y = df["y"].to_numpy()
    for d in (
        Design(df, weights="w", strata="h", fpc="N", lonely_psu="certainty"),
        Design(df, weights="w", strata="h", lonely_psu="certainty"),
    ):
        W = d.bootstrap_weights(20_000, seed=3)
        t = W.T @ y
        assert t.var() == pytest.approx(d.total("y").var, rel=0.04)
        assert t.mean() == pytest.approx(d.total("y").estimate, rel=2e-3)
        np.testing.assert_allclose(W.mean(axis=1), d.weights, rtol=0.05)
    # by hand for the fpc design: the formula written out
    V = 0.0
    for _, g in df.groupby("h"):
        if len(g) > 1:
            z = g["w"] * g["y"]
            V += (1 - len(g) / g["N"].iloc[0]) * len(g) / (len(g) - 1) * ((z - z.mean()) ** 2).sum()
    d = Design(df, weights="w", strata="h", fpc="N", lonely_psu="certainty")
    assert d.total("y").var == pytest.approx(V, rel=1e-12)


def driver_wave(n=900, seed=11):
    """Priorities 'a' (matters most) and 'b' (less, both low scores); 'c' and 'd' are
    exchangeable (same distribution, same small effect, high scores)."""
    rng = np.random.default_rng(seed)
    strata = rng.choice(["s1", "s2", "s3"], size=n, p=[0.5, 0.3, 0.2])
    lat = {k: rng.normal(size=n) for k in "abcd"}
    mean = {"a": 2.5, "b": 2.5, "c": 3.8, "d": 3.8}
    items = {k: np.clip(np.round(mean[k] + 0.9 * lat[k]), 1, 5).astype(float) for k in "abcd"}
    effect = {"a": 1.6, "b": 1.1, "c": 0.35, "d": 0.35}
    y = 5 + sum(effect[k] * lat[k] for k in "abcd") + rng.normal(scale=0.8, size=n)
    data = pd.DataFrame({"s": strata, "tevredenheid": np.clip(np.round(y), 0, 10), **items}).assign(
        w=lambda f: f["s"].map({"s1": 2.0, "s2": 3.0, "s3": 1.5})
    )
    data.loc[:40, "c"] = np.nan  # some incomplete rows: they stay out of the regression
    cols = [overall(), *(Col(k, dimension=k) for k in "abcd")]
    return Design(data, weights="w", strata="s"), cols


def test_a_replicate_lmg_is_the_brute_force_shapley_of_its_refitted_wls_models():
    design, cols = driver_wave()
    a = dr.key_drivers(design, cols, replicates=5, seed=2)
    data = design.data
    complete = data[["tevredenheid", *"abcd"]].notna().all(axis=1).to_numpy()
    y = (data["tevredenheid"].to_numpy() * 10)[complete]  # 0-10 -> 0-100
    X = ((data[[*"abcd"]].to_numpy() - 1) * 25)[complete]
    W = design.bootstrap_weights(5, seed=2)[complete]
    for b in (0, 4):
        w = W[:, b]
        keep = w > 0

        def r2(subset, w=w, keep=keep):
            if not subset:
                return 0.0
            Xs = sm.add_constant(X[keep][:, list(subset)])
            return sm.WLS(y[keep], Xs, weights=w[keep]).fit().rsquared

        p = 4
        shapley = np.zeros(p)
        for j in range(p):
            others = [i for i in range(p) if i != j]
            for size in range(p):
                for s in itertools.combinations(others, size):
                    wt = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
                    shapley[j] += wt * (r2((*s, j)) - r2(s))
        np.testing.assert_allclose(a.replicate_shares[b], shapley / r2((0, 1, 2, 3)), rtol=1e-9)
        # and the replicate performance is the replicate-weighted mean over who rated it
        has = data["c"].notna().to_numpy()
        wb = design.bootstrap_weights(5, seed=2)[:, b]
        c100 = (data["c"].to_numpy() - 1) * 25
        assert a.replicate_performance[b, 2] == pytest.approx(
            np.sum(wb[has] * c100[has]) / np.sum(wb[has]), rel=1e-12
        )


def test_share_intervals_and_ranks_that_cannot_be_told_apart():
    design, cols = driver_wave()
    a = dr.key_drivers(design, cols, replicates=200, seed=0)
    t = a.table.set_index("dimension")
    assert a.replicates == 200 and a.replicate_shares.shape == (200, 4)
    lo, hi = t["importance_share_ci_low"], t["importance_share_ci_high"]
    assert (lo < t["importance_share"]).all() and (t["importance_share"] < hi).all()
    # the percentile interval of the replicates, at the analysis' level
    np.testing.assert_allclose(
        lo.to_numpy(), np.quantile(a.replicate_shares, 0.025, axis=0), rtol=1e-12
    )
    assert hi["a"] - lo["a"] < 0.2  # a real interval, not everything
    # the same seed gives the same intervals; without replicates there are none
    again = dr.key_drivers(design, cols, replicates=200, seed=0).table
    np.testing.assert_array_equal(again["importance_share_ci_low"], lo.to_numpy())
    none = dr.key_drivers(design, cols, replicates=0)
    assert none.replicate_shares is None and none.table["importance_share_ci_low"].isna().all()
    assert dr.improvement_points(none, text_columns=[]).points["distinct_from_next"].isna().all()

    pts = dr.improvement_points(a, text_columns=[]).points.set_index("dimension")
    order = list(pts.index)
    assert order[:2] == ["a", "b"] and set(order[2:]) == {"c", "d"}
    assert pts["is_priority"].tolist() == [True, True, False, False]
    # 'a' far ahead of 'b': told apart, in (nearly) every replicate
    assert pts.loc["a", "distinct_from_next"] is True
    assert pts.loc["a", "next_order_share"] > 0.975
    # 'b' is the last priority: the next point is ranked by its quadrant, not compared
    assert pts.loc["b", "distinct_from_next"] is None
    # 'c' and 'd' are exchangeable: their ranks cannot be told apart
    first = order[2]
    assert pts.loc[first, "distinct_from_next"] is False
    assert 0.025 < pts.loc[first, "next_order_share"] < 0.975
    assert pts.loc[order[3], "distinct_from_next"] is None  # the last has no next
