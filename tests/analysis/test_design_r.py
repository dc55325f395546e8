"""analysis.design against R's survey package on its own api data (fixtures computed once by
tests/fixtures/r_survey/make_fixtures.R; see the README there for versions and command)."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import Design

FIXTURES = Path(__file__).parents[1] / "fixtures" / "r_survey"
RTOL = 1e-8
# standard errors that are 0 in theory (the proportion of a calibrated margin) are rounding
# noise in both programs; compare them absolutely
ATOL_ZERO_SE = 1e-9


@cache
def expected() -> dict:
    return json.loads((FIXTURES / "expected.json").read_text())


@cache
def designs() -> dict[str, Design]:
    df = pd.read_csv(FIXTURES / "apistrat.csv")
    pop = expected()["population"]
    margins = {k: pop[k] for k in ("stype", "sch.wide", "awards")}
    tight = {"tol": 1e-14, "max_iter": 1000}
    base = Design(df, weights="pw", strata="stype", fpc="fpc")
    nofpc = Design(df, weights="pw", strata="stype")
    out = {"strat_fpc": base, "strat_nofpc": nofpc, "unstrat": Design(df, weights="pw")}
    out["post_stype"] = base.poststratify("stype", margins["stype"])
    out["post_schwide"] = base.poststratify("sch.wide", margins["sch.wide"])
    two = {k: margins[k] for k in ("stype", "sch.wide")}
    out["rake2"] = base.rake(two, **tight)
    out["rake3"] = base.rake(margins, **tight)
    out["rake2_nofpc"] = nofpc.rake(two, **tight)
    out["greg"] = base.calibrate({"stype": margins["stype"], "api99": pop["api99"]})
    out["trim_upper"] = out["rake3"].trim(upper=40)
    out["trim_upper_strict"] = out["rake3"].trim(upper=40, strict=True)
    out["trim_both_strict"] = out["rake3"].trim(lower=16, upper=40, strict=True)
    out["trim_both"] = out["rake3"].trim(lower=16, upper=40)
    return out


NAMES = list(expected()["designs"])


def close(actual, wanted, atol=0.0):
    np.testing.assert_allclose(
        np.asarray(actual, float), np.asarray(wanted, float), rtol=RTOL, atol=atol
    )


def test_every_fixture_design_is_built():
    assert set(designs()) == set(NAMES)
    assert expected()["meta"]["survey_version"].startswith("4.1")


@pytest.mark.parametrize("name", NAMES)
def test_weights_df_and_kish(name):
    d, r = designs()[name], expected()["designs"][name]
    close(d.weights, r["weights"])
    assert d.df == r["df"]
    close(d.n_eff, r["n_eff"])
    close(d.deff_kish, r["deff_kish"])


@pytest.mark.parametrize("name", NAMES)
def test_means_totals_and_intervals(name):
    d, r = designs()[name], expected()["designs"][name]
    m = d.mean("api00")
    close([m.estimate, m.se], [r["mean_api00"]["estimate"], r["mean_api00"]["se"]])
    close(m.ci(df=math.inf), r["ci_api00_normal"])
    close(m.ci(), r["ci_api00_t"])
    t = d.total("enroll")
    close([t.estimate, t.se], [r["total_enroll"]["estimate"], r["total_enroll"]["se"]])
    e = d.mean("ell")
    close([e.estimate, e.se], [r["mean_ell"]["estimate"], r["mean_ell"]["se"]])


@pytest.mark.parametrize("name", NAMES)
def test_missing_values_dropped_as_na_rm(name):
    d, r = designs()[name], expected()["designs"][name]
    m = d.mean("acs.k3", na_rm=True)
    close([m.estimate, m.se], [r["mean_acs_k3_narm"]["estimate"], r["mean_acs_k3_narm"]["se"]])
    t = d.total("acs.k3", na_rm=True)
    close([t.estimate, t.se], [r["total_acs_k3_narm"]["estimate"], r["total_acs_k3_narm"]["se"]])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("key", "variable", "by"),
    [
        ("by_stype_api00", "api00", "stype"),
        ("by_awards_api00", "api00", "awards"),
        ("by_schwide_meals", "meals", "sch.wide"),
    ],
)
def test_domain_means(name, key, variable, by):
    d, r = designs()[name], expected()["designs"][name][key]
    out = d.mean(variable, by=by).to_frame()
    assert list(out.columns) == [by, "estimate", "se", "df"]
    assert list(out[by]) == r["level"]
    close(out["estimate"], r["estimate"])
    close(out["se"], r["se"])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("variable", ["awards", "stype", "both"])
def test_proportions(name, variable):
    d = designs()[name]
    r = expected()["designs"][name][f"prop_{variable}"]
    out = d.proportion(variable)
    assert list(out["level"]) == r["level"]
    close(out["estimate"], r["estimate"])
    close(out["se"], r["se"], atol=ATOL_ZERO_SE)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("variable", "method"),
    [
        ("sch.wide", "logit"),
        ("sch.wide", "beta"),
        ("awards", "logit"),
        ("awards", "beta"),
        ("awards", "mean"),
    ],
)
def test_proportion_intervals(name, variable, method):
    r = expected()["designs"][name][f"ciprop_{variable.replace('.', '')}_{method}"]
    if any(v is None for v in r):
        pytest.skip("R returns NaN here (variance 0: a raked margin)")
    close(designs()[name].proportion_ci(variable, "Yes", method=method), r)


@pytest.mark.parametrize("name", NAMES)
def test_subset_keeps_the_full_design(name):
    d, r = designs()[name], expected()["designs"][name]
    s = d.subset(d.data["sch.wide"] == "Yes")
    m = s.mean("api00")
    close([m.estimate, m.se], list(r["subset_schwide_yes_mean_api00"].values()))
    t = s.total("enroll")
    close([t.estimate, t.se], list(r["subset_schwide_yes_total_enroll"].values()))
    assert s.df == r["subset_schwide_yes_df"] == m.df


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("key", "variable", "group"),
    [("ttest_api00_schwide", "api00", "sch.wide"), ("ttest_ell_awards", "ell", "awards")],
)
def test_ttest(name, key, variable, group):
    r = expected()["designs"][name][key]
    tt = designs()[name].ttest(variable, group)
    close([tt.t, tt.df, tt.p, tt.difference], [r["t"], r["df"], r["p"], r["difference"]])
    assert tt.levels == ("No", "Yes")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("row", "col"), [("stype", "sch.wide"), ("sch.wide", "awards"), ("stype", "both")]
)
def test_rao_scott(name, row, col):
    key = f"chisq_{row.replace('.', '')}_{col.replace('.', '')}"
    r = expected()["designs"][name][key]
    cs = designs()[name].chisq(row, col)
    close([cs.f, cs.ndf, cs.ddf, cs.p], [r["f"], r["ndf"], r["ddf"], r["p"]])
