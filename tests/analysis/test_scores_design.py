"""Weighted scores over a real Design, against R's survey package (tests/fixtures/r_scores)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from analysis import scores as sc
from analysis.design import Design
from report import labels
from tests.analysis.columns import Col, overall

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "r_scores"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
RTOL = 1e-8


COLUMNS = [
    overall(),
    Col("aanmelden", dimension="aanmelden"),
    Col("informatie", dimension="informatie"),
    Col("hulp", dimension="hulp"),
    Col("ces", type="ces", scale_min=1, scale_max=7, role="effort", dimension="inspanning"),
    Col("umux_1", type="umux_lite", scale_min=1, scale_max=7, role="usability", item_id="umux"),
    Col("umux_2", type="umux_lite", scale_min=1, scale_max=7, role="usability", item_id="umux"),
]

# score_id in score_table -> variable in make_fixtures.R
R_NAMES = {
    "overall:tevredenheid": "tevredenheid",
    "overall_0_100:tevredenheid": "overall100",
    "top2:tevredenheid": "top2_overall",
    "item:aanmelden": "aanmelden100",
    "dimension:aanmelden": "aanmelden100",
    "top2:aanmelden": "top2_aanmelden",
    "item:informatie": "informatie100",
    "dimension:informatie": "informatie100",
    "item:hulp": "hulp100",
    "dimension:hulp": "hulp100",
    "ces_mean:ces": "ces",
    "ces_share_5_7:ces": "ces57",
    "umux_lite:umux": "umux",
}


def wave_design(k: int) -> Design:
    data = pd.read_csv(FIXTURES / f"wave{k}.csv")
    return Design(data, weights="pw", strata="profession", fpc="N")


@pytest.fixture(scope="module")
def table():
    return sc.score_table(wave_design(1), COLUMNS, by=["profession", "university"])


def test_score_table_shape_and_columns(table):
    assert list(table.columns) == sc.SCORE_TABLE_COLUMNS
    overall = table[table["group_var"].isna()]
    assert overall["group"].isna().all()
    assert set(R_NAMES) <= set(overall["score_id"])
    assert set(overall["kind"]) == set(sc.SCORE_KINDS) - {"sus"}
    assert overall["score_id"].is_unique
    # one row per profession (5) and university (4) after each overall row
    assert len(table) == len(overall) * (1 + 5 + 4)


def test_overall_estimates_match_r(table):
    w1 = EXPECTED["wave1"]
    overall = table[table["group_var"].isna()].set_index("score_id")
    for sid, rname in R_NAMES.items():
        row, ref = overall.loc[sid], w1[rname]
        assert row["estimate"] == pytest.approx(ref["estimate"], rel=RTOL), sid
        assert row["se"] == pytest.approx(ref["se"], rel=RTOL), sid
        assert row["n"] == ref["n"], sid
    # hulp has "n.v.t." (missing) answers: the domain of respondents with a value
    assert overall.loc["item:hulp", "n"] < overall.loc["item:aanmelden", "n"]


def test_domain_estimates_match_r_svyby(table):
    w1 = EXPECTED["wave1"]
    for by in ("profession", "university"):
        sub = table[table["group_var"] == by]
        for sid, rname in R_NAMES.items():
            rows = sub[sub["score_id"] == sid]
            ref = w1[rname][by]
            assert rows["group"].tolist() == ref["group"], (sid, by)
            assert rows["estimate"].tolist() == pytest.approx(ref["estimate"], rel=RTOL)
            assert rows["se"].tolist() == pytest.approx(ref["se"], rel=RTOL)


def test_intervals(table):
    w1 = EXPECTED["wave1"]
    overall = table[table["group_var"].isna()].set_index("score_id")
    for sid in ("top2:aanmelden", "top2:tevredenheid", "ces_share_5_7:ces"):
        low, high = w1[R_NAMES[sid]]["ci_logit"]
        assert overall.loc[sid, "ci_low"] == pytest.approx(low, rel=1e-7), sid
        assert overall.loc[sid, "ci_high"] == pytest.approx(high, rel=1e-7), sid
    # means: t interval on the design df (R: confint(..., df = degf(design)))
    row = overall.loc["overall_0_100:tevredenheid"]
    q = 1.97056339  # R: qt(0.975, 225)
    assert row["df"] == w1["df"]
    assert row["ci_low"] == pytest.approx(row["estimate"] - q * row["se"], rel=1e-6)
    assert row["ci_high"] == pytest.approx(row["estimate"] + q * row["se"], rel=1e-6)


def test_labels_grade_and_umux_equivalent(table):
    overall = labels.worded(table[table["group_var"].isna()]).set_index("score_id")
    assert overall.loc["overall_0_100:tevredenheid", "label_nl"] == "Algemene tevredenheid (0-100)"
    assert overall.loc["dimension:hulp", "label_en"] == "Hulp (0-100)"
    eq = overall.loc["umux_sus_eq:umux"]
    assert eq["estimate"] == pytest.approx(0.65 * overall.loc["umux_lite:umux", "estimate"] + 22.9)
    assert eq["se"] == pytest.approx(0.65 * overall.loc["umux_lite:umux", "se"])
    assert eq["grade"] == sc.sus_grade(eq["estimate"])
    assert overall["grade"].drop("umux_sus_eq:umux").isna().all()


def test_empty_domain_and_kinds_filter():
    d = wave_design(1)
    data = d.data.copy()
    cols = [Col("aanmelden", dimension="aanmelden")]
    # a group level where nobody has a value gives NaN with n 0 rather than an error
    data["groep"] = ["a" if i % 2 else "b" for i in range(len(data))]
    data.loc[data["groep"] == "a", "aanmelden"] = None
    d2 = Design(data, weights="pw", strata="profession", fpc="N")
    t = sc.score_table(d2, cols, by="groep", kinds=["item"])
    a = t[(t["group"] == "a")].iloc[0]
    assert a["n"] == 0 and math.isnan(a["estimate"]) and math.isnan(a["ci_low"])
    with pytest.raises(ValueError, match="unknown score kind"):
        sc.score_table(d2, cols, kinds=["nps"])
    with pytest.raises(KeyError, match="no column"):
        sc.score_table(d2, cols, by="beroep")
