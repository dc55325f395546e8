"""Cronbach's alpha against a hand computation, R's psych, and Feldt's exact interval
(tests/fixtures/r_loose_ends: psych::alpha and psych::alpha.ci, see its README)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import reliability as rel
from tests.analysis.columns import Col

R = Path(__file__).parents[1] / "fixtures" / "r_loose_ends"
PSYCH = json.loads((R / "expected.json").read_text())["alpha"]

HAND = pd.DataFrame({"x1": [1, 2, 3, 4, 5], "x2": [2, 2, 4, 4, 5], "x3": [1, 3, 3, 5, 4]})


def test_alpha_by_hand():
    # Variances 2.5, 1.8, 2.2 (sum 6.5); total 4, 7, 10, 13, 14 has variance 17.3.
    # alpha = 3/2 * (1 - 6.5/17.3) = 16.2/17.3.
    a = rel.cronbach_alpha(HAND)
    assert a.alpha == pytest.approx(16.2 / 17.3, rel=1e-12)
    assert (a.n, a.k) == (5, 3)
    # Feldt's interval, computed independently, exact (it used to be rounded to 3 decimals)
    df1, df2 = 4, 8
    low = 1 - (1 - 16.2 / 17.3) * stats.f.ppf(0.975, df1, df2)
    high = 1 - (1 - 16.2 / 17.3) * stats.f.ppf(0.025, df1, df2)
    assert a.ci_low == pytest.approx(low, rel=1e-12)
    assert a.ci_high == pytest.approx(high, rel=1e-12)
    # and R's psych on the same data: alpha 0.9364..., interval (0.678734..., 0.992919...)
    r = PSYCH["hand"]
    assert a.alpha == pytest.approx(r["alpha"], rel=1e-12)
    assert (a.ci_low, a.ci_high) == pytest.approx(r["ci95"][1:], rel=1e-10)


def test_item_rest_and_alpha_if_deleted_by_hand():
    r = rel.item_rest_correlations(HAND)
    # x1 = 1..5 against x2 + x3 = 3, 5, 7, 9, 9: cov sum 16, ss 10 and 27.2.
    assert r["x1"] == pytest.approx(16 / math.sqrt(10 * 27.2), rel=1e-12)
    aid = rel.alpha_if_deleted(HAND)
    # Without x3: variances 2.5 + 1.8 = 4.3, total 3,4,7,8,10 has variance 8.3.
    assert aid["x3"] == pytest.approx(2 * (1 - 4.3 / 8.3), rel=1e-12)


def test_alpha_listwise_matches_published_psych_value():
    # pingouin's documentation: R psych::alpha(data, use="complete.obs") on its
    # "cronbach_wide_missing" data (kept in the fixture folder) gives 0.8016949152542373.
    data = pd.read_csv(R / "cronbach_wide_missing.csv", encoding="utf-8-sig")
    a = rel.cronbach_alpha(data)
    assert a.alpha == pytest.approx(0.8016949152542373, rel=1e-12)
    assert a.n == len(data.dropna()) == PSYCH["wide_missing"]["n"] < len(data)
    # Feldt's interval on the complete cases only, to every digit psych::alpha.ci gives
    r = PSYCH["wide_missing"]
    assert a.alpha == pytest.approx(r["alpha"], rel=1e-12)
    assert (a.ci_low, a.ci_high) == pytest.approx(r["ci95"][1:], rel=1e-10)
    a90 = rel.cronbach_alpha(data, level=0.90)
    assert (a90.ci_low, a90.ci_high) == pytest.approx(r["ci90"][1:], rel=1e-10)
    with pytest.raises(ValueError, match="level"):
        rel.cronbach_alpha(data, level=95)


def test_alpha_degenerate_cases():
    assert math.isnan(rel.cronbach_alpha(HAND.iloc[:2]).alpha)
    assert math.isnan(rel.cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [3, 3, 3]})).alpha)
    with pytest.raises(ValueError, match="two items"):
        rel.cronbach_alpha(HAND[["x1"]])
    assert rel.judgement(0.85) == "good"
    assert rel.judgement(0.45) == "unacceptable"
    assert rel.judgement(float("nan")) is None


def test_reliability_table_reverses_sus_items_and_lists_scales():
    rng = np.random.default_rng(7)
    n = 300
    latent = rng.normal(size=n)

    def item(sign, lo, hi):
        raw = np.round((hi + lo) / 2 + sign * 1.2 * latent + rng.normal(scale=0.7, size=n))
        return np.clip(raw, lo, hi)

    data = {f"sus_{i}": item(1 if i % 2 else -1, 1, 5) for i in range(1, 11)}
    data.update({"a1": item(1, 1, 5), "a2": item(1, 1, 5), "b1": item(1, 1, 5)})
    data["a2"][:10] = np.nan
    df = pd.DataFrame(data)
    cols = [
        Col("a1", dimension="toegang"),
        Col("a2", dimension="toegang"),
        Col("b1", dimension="info"),
        *[
            Col(f"sus_{i}", type="sus", role="usability", reverse=i % 2 == 0, item_id="sus")
            for i in range(1, 11)
        ],
    ]
    out = rel.reliability_table(df, cols, dimension_labels={"toegang": {"nl": "Toegang"}})
    scales = out.scales.set_index("scale_id")
    assert list(scales.index) == ["dimension:toegang", "sus:sus", "battery:driver"]
    assert scales.loc["dimension:toegang", "n"] == n - 10
    assert scales.loc["dimension:toegang", "label_nl"] == "Toegang"
    # Reversal applied: the ten items measure one thing, so alpha is high.
    assert scales.loc["sus:sus", "alpha"] > 0.85
    assert scales.loc["sus:sus", "k"] == 10
    raw_alpha = rel.cronbach_alpha(df[[f"sus_{i}" for i in range(1, 11)]]).alpha
    assert raw_alpha < 0.3  # the unreversed items would cancel out
    items = out.items[out.items["scale_id"] == "sus:sus"].set_index("item")
    assert (items["item_rest_r"] > 0.4).all()
    assert scales.loc["sus:sus", "ci_low"] < scales.loc["sus:sus", "alpha"]
    assert scales.loc["sus:sus", "alpha"] < scales.loc["sus:sus", "ci_high"]
