"""Trend between waves: the test for independent samples, direct standardization (against R's
svystandardize), and constructed waves where only the mix of professions changes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import scores as sc
from analysis import trend as tr
from analysis.design import Design
from report import wording
from tests.analysis.columns import Col, overall

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "r_scores"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text())
REFERENCE = EXPECTED["reference"]


COLUMNS = [
    overall(),
    Col("aanmelden", dimension="aanmelden"),
    Col("informatie", dimension="informatie"),
    Col("hulp", dimension="hulp"),
    Col("ces", type="ces", scale_min=1, scale_max=7, role="effort", dimension="inspanning"),
]
R_NAMES = {
    "overall:tevredenheid": "tevredenheid",
    "overall_0_100:tevredenheid": "overall100",
    "item:hulp": "hulp100",
    "top2:aanmelden": "top2_aanmelden",
    "ces_share_5_7:ces": "ces57",
}


def wave_design(k: int) -> Design:
    data = pd.read_csv(FIXTURES / f"wave{k}.csv")
    return Design(data, weights="pw", strata="profession", fpc="N")


@pytest.mark.parametrize("wave", [1, 2])
@pytest.mark.parametrize("score_id", sorted(R_NAMES))
def test_standardized_mean_matches_r_svystandardize(wave, score_id):
    d = wave_design(wave)
    values = sc.respondent_scores(d.data, COLUMNS).values[score_id]
    ref = EXPECTED[f"wave{wave}"][R_NAMES[score_id]]["standardized"]
    est = tr.standardized_mean(d, values, "profession", REFERENCE)
    assert est.estimate == pytest.approx(ref["estimate"], rel=1e-8)
    assert est.se == pytest.approx(ref["se"], rel=1e-8)


def test_standardized_se_equals_independent_domains_when_groups_are_strata():
    d = wave_design(1)
    values = sc.respondent_scores(d.data, COLUMNS).values["item:hulp"]
    by = sc.design_mean(d, values, "profession").set_index("group")
    shares = {g: v / sum(REFERENCE.values()) for g, v in REFERENCE.items()}
    est = tr.standardized_mean(d, values, "profession", REFERENCE)
    assert est.estimate == pytest.approx(sum(shares[g] * by.loc[g, "estimate"] for g in shares))
    assert est.se == pytest.approx(
        math.sqrt(sum(shares[g] ** 2 * by.loc[g, "se"] ** 2 for g in shares)), rel=1e-10
    )
    # the default reference is the design's own estimated composition: the frame counts N_h
    comp = tr.population_composition(d, "profession")
    n_h = d.data.groupby("profession")["N"].first()
    assert comp == pytest.approx(n_h.to_dict())
    # a column name works as well as a vector
    col = tr.standardized_mean(d, "tevredenheid", "profession", REFERENCE)
    assert col.estimate == pytest.approx(
        EXPECTED["wave1"]["tevredenheid"]["standardized"]["estimate"]
    )


def test_compare_waves_crude_difference_from_r_estimates():
    out = tr.compare_waves(wave_design(1), wave_design(2), COLUMNS, reference=REFERENCE)
    assert list(out.columns) == tr.TREND_COLUMNS
    row = out.set_index("score_id").loc["overall_0_100:tevredenheid"]
    r1, r2 = EXPECTED["wave1"]["overall100"], EXPECTED["wave2"]["overall100"]
    assert row["difference"] == pytest.approx(r2["estimate"] - r1["estimate"], rel=1e-8)
    assert row["se"] == pytest.approx(math.hypot(r1["se"], r2["se"]), rel=1e-8)
    v1, v2 = r1["se"] ** 2, r2["se"] ** 2
    df = (v1 + v2) ** 2 / (v1**2 / EXPECTED["wave1"]["df"] + v2**2 / EXPECTED["wave2"]["df"])
    assert row["df"] == pytest.approx(df, rel=1e-10)
    assert row["p"] == pytest.approx(2 * stats.t.sf(abs(row["t"]), df), rel=1e-10)
    s1 = EXPECTED["wave1"]["overall100"]["standardized"]
    s2 = EXPECTED["wave2"]["overall100"]["standardized"]
    assert row["std_difference"] == pytest.approx(s2["estimate"] - s1["estimate"], rel=1e-8)
    assert row["std_se"] == pytest.approx(math.hypot(s1["se"], s2["se"]), rel=1e-8)
    assert row["prev_n"] == r1["n"] and row["last_n"] == r2["n"]


def test_each_waves_own_interval_is_that_waves_score_table_interval():
    """QA finding 25: a wave's own 95% interval in the trend is the one of its own score table
    (t on the design df, logit for a share), not estimate +/- 1.96 se."""
    d1, d2 = wave_design(1), wave_design(2)
    out = tr.compare_waves(d1, d2, COLUMNS, reference=REFERENCE).set_index("score_id")
    for prefix, d, k in (("prev", d1, 1), ("last", d2, 2)):
        own = sc.score_table(d, COLUMNS).set_index("score_id")
        for sid in ("overall_0_100:tevredenheid", "top2:aanmelden"):
            assert out.loc[sid, f"{prefix}_ci_low"] == pytest.approx(own.loc[sid, "ci_low"])
            assert out.loc[sid, f"{prefix}_ci_high"] == pytest.approx(own.loc[sid, "ci_high"])
        row = out.loc["overall_0_100:tevredenheid"]
        r = EXPECTED[f"wave{k}"]
        q = stats.t.ppf(0.975, r["df"])
        assert row[f"{prefix}_df"] == r["df"]
        assert row[f"{prefix}_ci_high"] == pytest.approx(
            r["overall100"]["estimate"] + q * r["overall100"]["se"], rel=1e-8
        )
        assert row[f"{prefix}_ci_high"] != pytest.approx(
            r["overall100"]["estimate"] + 1.959963984540054 * r["overall100"]["se"], rel=1e-6
        )


def constructed_waves():
    """Two waves with the same answers within each profession; only the frame's mix changes
    (80% huisartsen and 20% specialists, then 30% and 70%)."""
    rng = np.random.default_rng(11)
    huisarts = np.clip(np.round(rng.normal(8.5, 1.0, size=150)), 0, 10)
    specialist = np.clip(np.round(rng.normal(4.5, 1.5, size=150)), 0, 10)

    def wave(n_frame):
        data = pd.DataFrame(
            {
                "profession": ["huisarts"] * 150 + ["arts_specialist"] * 150,
                "tevredenheid": np.concatenate([huisarts, specialist]),
                "N": [n_frame["huisarts"]] * 150 + [n_frame["arts_specialist"]] * 150,
            }
        )
        return Design(data, strata="profession", fpc="N")

    return wave({"huisarts": 8000, "arts_specialist": 2000}), wave(
        {"huisarts": 3000, "arts_specialist": 7000}
    )


def test_change_of_mix_is_not_read_as_a_change_in_satisfaction():
    prev, last = constructed_waves()
    cols = [COLUMNS[0]]
    out = tr.compare_waves(prev, last, cols).set_index("score_id")
    row = out.loc["overall_0_100:tevredenheid"]
    # crude: a large, significant decline that is only the new mix of professions
    assert row["difference"] < -15 and row["p"] < 1e-6
    assert row["change"] == "decline"
    # standardized to the last wave's frame (30/70): no change at all
    assert row["std_difference"] == pytest.approx(0.0, abs=1e-9)
    assert row["std_change"] == "none"
    assert "change_nl" not in out.columns  # the words: report.labels
    assert row["std_last_estimate"] == pytest.approx(row["last_estimate"], rel=1e-12)
    assert out.attrs["reference"] == pytest.approx({"arts_specialist": 0.7, "huisarts": 0.3})
    assert math.isnan(row["std_t"]) or abs(row["std_t"]) < 1e-6


def test_difference_test_labels_and_df():
    up = tr.difference_test((60.0, 1.0, 100), (64.0, 1.0, 100))
    assert up["change"] == "improvement" and "change_en" not in up
    assert up["df"] == pytest.approx(200.0)
    assert up["se"] == pytest.approx(math.sqrt(2))
    down = tr.difference_test((60.0, 1.0, math.inf), (57.0, 1.0, math.inf))
    assert down["change"] == "decline" and math.isinf(down["df"])
    assert down["p"] == pytest.approx(2 * stats.norm.sf(3 / math.sqrt(2)))
    flat = tr.difference_test((60.0, 1.0, 50), (61.0, 1.0, 50))
    assert flat["change"] == "none" and flat["p"] > 0.05
    assert flat["ci_low"] < 1.0 < flat["ci_high"]
    gone = tr.difference_test((60.0, 1.0, 50), (math.nan, math.nan, math.nan))
    assert gone["change"] is None and math.isnan(gone["difference"])


def test_missing_groups_and_bad_references():
    prev, last = constructed_waves()
    data = prev.data.copy()
    data.loc[data["profession"] == "arts_specialist", "tevredenheid"] = np.nan
    prev2 = Design(data, strata="profession", fpc="N")
    with pytest.raises(
        ValueError, match=r"no respondents with a value in group\(s\) \['arts_specialist'\]"
    ):
        tr.standardized_mean(
            prev2, "tevredenheid", "profession", {"huisarts": 1, "arts_specialist": 1}
        )
    out = tr.compare_waves(prev2, last, [COLUMNS[0]]).set_index("score_id")
    row = out.loc["overall:tevredenheid"]
    assert math.isnan(row["std_difference"]) and "arts_specialist" in wording.text(
        row["note"], "nl"
    )
    assert [n.code for n in row["note"]] == ["not_standardized"]
    assert "not standardized" in wording.text(row["note"], "en")
    assert row["change"] == "decline"  # the crude comparison still runs (huisartsen only)
    with pytest.raises(ValueError, match="no share for group"):
        tr.standardized_mean(last, "tevredenheid", "profession", {"huisarts": 1})
    with pytest.raises(ValueError, match="negative"):
        tr.standardized_mean(last, "tevredenheid", "profession", {"huisarts": -1})
    crude = tr.compare_waves(prev, last, [COLUMNS[0]], by_standardize=None)
    assert crude["std_difference"].isna().all()
