"""Issue 22's loose ends of analysis.design against R's survey 4.1.1 (tests/fixtures/r_loose_ends,
made by its make_fixtures.R: see the README there): a lonely stratum whose only row is left out
by na_rm, proportion intervals with missing values, and errors that name column and domain."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import Design

R = Path(__file__).parents[1] / "fixtures" / "r_loose_ends"
RTOL = 1e-10


@cache
def expected() -> dict:
    return json.loads((R / "expected.json").read_text())


def lonely() -> pd.DataFrame:
    return pd.read_csv(R / "lonely.csv")


def ciprop() -> pd.DataFrame:
    return pd.read_csv(R / "ciprop.csv")


# --------------------------------------------------------------------------- lonely strata


def test_a_lonely_stratum_left_out_by_na_rm_does_not_fail_as_in_r():
    df = lonely()
    assert (df["h"] == "d").sum() == 1 and df.loc[df["h"] == "d", "y"].isna().all()
    d = Design(df, strata="h", fpc="N")
    m = d.mean("y", na_rm=True)
    r = expected()["lonely"]["mean"]
    assert m.estimate == pytest.approx(r["estimate"], rel=RTOL)
    assert m.se == pytest.approx(r["se"], rel=RTOL)
    # the same in a domain, and through every verb that goes through the variance
    x = d.subset(df["g"] == "x").mean("y", na_rm=True)
    r = expected()["lonely"]["mean_g_x"]
    assert (x.estimate, x.se) == pytest.approx((r["estimate"], r["se"]), rel=RTOL)
    assert d.total("y", na_rm=True).se > 0
    by = d.mean("y", by="g", na_rm=True).to_frame()
    assert by.loc[by["g"] == "x", "se"].item() == pytest.approx(r["se"], rel=RTOL)
    # the influence-value helper takes the rows that enter the estimate
    ok = df["y"].notna().to_numpy()
    w = np.where(ok, d.weights, 0.0)
    infl = np.where(ok, w * (df["y"].fillna(0) - m.estimate) / w.sum(), 0.0)
    assert math.sqrt(d.linearized_variance(infl, rows=ok)) == pytest.approx(m.se, rel=1e-12)
    with pytest.raises(ValueError, match="stratum 'd' has only one row"):
        d.linearized_variance(infl)  # every row with a weight: d's row is among them


def test_a_lonely_stratum_with_a_value_still_fails_as_in_r():
    assert expected()["lonely"]["fails_when_the_lonely_row_has_a_value"] is True
    df = lonely().assign(y=lambda f: f["y"].where(f["h"] != "d", 70.0))
    d = Design(df, strata="h", fpc="N")
    with pytest.raises(ValueError, match="stratum 'd' has only one row"):
        d.mean("y", na_rm=True)


# --------------------------------------------------------------------------- proportion intervals


@pytest.mark.parametrize("method", ["logit", "beta", "mean"])
@pytest.mark.parametrize(("level", "suffix"), [(0.95, ""), (0.90, "_90")])
def test_proportion_intervals_with_missing_values_match_svyciprop(method, level, suffix):
    df = ciprop()
    assert df["z"].isna().sum() == 3
    d = Design(df, weights="w", strata="h")
    r = expected()["ciprop"]
    assert d.df == r["degf"] == 96
    got = d.proportion_ci("z", 1, method=method, level=level, na_rm=True)
    np.testing.assert_allclose(got, r[method + suffix], rtol=RTOL)


def test_proportion_interval_methods_take_one_df():
    # The logit and mean intervals on the design df (96), never the df of the rows with a
    # value (93): rebuilt from the Estimate with df=96 they agree to the last digit.
    df = ciprop()
    d = Design(df, weights="w", strata="h")
    est = d.mean_of((df["z"] == 1).astype(float).where(df["z"].notna()), na_rm=True)
    assert est.df == 93
    _, lo, hi = d.proportion_ci("z", 1, method="mean", na_rm=True)
    assert (lo, hi) == pytest.approx(est.ci(0.95, df=96), rel=1e-14)
    assert (lo, hi) != pytest.approx(est.ci(0.95), rel=1e-9)


# --------------------------------------------------------------------------- errors that name things


def test_errors_name_the_column_and_the_domain():
    df = ciprop().assign(empty=np.nan)
    d = Design(df, weights="w", strata="h")
    with pytest.raises(ValueError, match=r"column 'empty' has no values in the design: all 100"):
        d.mean("empty", na_rm=True)
    with pytest.raises(ValueError, match=r"column 'empty' has 100 missing values; pass na_rm"):
        d.mean("empty")
    dom = d.subset(df["h"] == "p", name="h = 'p'")
    with pytest.raises(
        ValueError, match=r"column 'empty' has no values in the domain \"h = 'p'\": all 25 rows"
    ):
        dom.mean("empty", na_rm=True)
    with pytest.raises(ValueError, match=r"25 missing values; pass na_rm=True .*\(in the domain"):
        dom.total("empty")
    nobody = d.subset(df["h"] == "nobody", name="h = 'nobody'")
    with pytest.raises(
        ValueError,
        match=r"the domain \"h = 'nobody'\" has no rows with a positive weight: "
        r"column 'z' cannot be estimated there",
    ):
        nobody.mean("z", na_rm=True)
    with pytest.raises(ValueError, match=r"the domain \(subset\) has no rows"):
        d.subset(np.zeros(len(df), dtype=bool)).proportion_ci("z", 1, na_rm=True)
    with pytest.raises(ValueError, match=r"column 'empty' has no values in any domain of \['h'\]"):
        d.mean("empty", by="h", na_rm=True)
    # a subset of a subset names both
    both = dom.subset(df["z"] == 2, name="z = 2")
    with pytest.raises(ValueError, match=r"\"h = 'p' & z = 2\" has no rows"):
        both.mean("z", na_rm=True)
