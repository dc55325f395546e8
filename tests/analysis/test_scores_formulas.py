"""The per-respondent scoring formulas on hand-computed and published cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import scores as sc
from report import labels
from tests.analysis.columns import Col, overall


def test_to_0_100_maps_linearly_and_keeps_missing():
    s = pd.Series([1, 2, 3, 4, 5, None], name="q1")
    out = sc.to_0_100(s, 1, 5)
    assert out.name == "q1"
    assert out.iloc[:5].tolist() == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert math.isnan(out.iloc[5])
    assert sc.to_0_100(7, 0, 10) == pytest.approx(70.0)
    assert sc.to_0_100(6, 1, 7) == pytest.approx(500 / 6)
    assert sc.to_0_100(2, 1, 5, reverse=True) == pytest.approx(75.0)
    np.testing.assert_allclose(sc.to_0_100([0, 10], 0, 10), [0.0, 100.0])


def test_to_0_100_treats_nvt_as_missing_and_rejects_bad_values():
    out = sc.to_0_100(pd.Series(["4", "nvt", None], dtype=object), 1, 5)
    assert out.iloc[0] == 75.0 and out.iloc[1:].isna().all()
    with pytest.raises(ValueError, match=r"outside the scale 1-5.*6 in row 1"):
        sc.to_0_100(pd.Series([3, 6]), 1, 5)
    with pytest.raises(ValueError, match=r"not numbers.*'heel goed'"):
        sc.to_0_100(pd.Series(["3", "heel goed"], dtype=object), 1, 5)
    with pytest.raises(ValueError, match="lo < hi"):
        sc.to_0_100([1], 5, 5)


def test_sus_score_hand_computed():
    items = pd.DataFrame(
        [
            [3] * 10,  # all neutral: 2.5 * (5*2 + 5*2) = 50
            [5, 1] * 5,  # best possible: 100
            [1, 5] * 5,  # worst possible: 0
            [4, 2, 4, 1, 5, 2, 4, 2, 4, 1],  # odd 3+3+4+3+3=16, even 3+4+3+3+4=17 -> 82.5
            [4, 2, 4, 1, 5, 2, 4, 2, 4, None],  # one missing: not scored
        ],
        columns=[f"sus_{i}" for i in range(1, 11)],
    )
    out = sc.sus_score(items)
    assert out.iloc[:4].tolist() == [50.0, 100.0, 0.0, 82.5]
    assert math.isnan(out.iloc[4])


def test_sus_score_published_total():
    # Tullis & Albert (2013), Measuring the User Experience, 2nd ed., section 6.4.1 (after
    # Brooke, 1996): item contributions summing to 22 give a SUS of 55. The responses of the
    # printed figure are not reproduced here, only a row with the same contribution total.
    row = [4, 3, 3, 3, 3, 3, 3, 3, 4, 3]
    odd = sum(row[j] - 1 for j in range(0, 10, 2))
    even = sum(5 - row[j] for j in range(1, 10, 2))
    assert odd + even == 22
    assert sc.sus_score(pd.DataFrame([row])).iloc[0] == 55.0


def test_sus_score_rejects_wrong_shape_and_range():
    with pytest.raises(ValueError, match="exactly ten"):
        sc.sus_score(pd.DataFrame([[3] * 9]))
    with pytest.raises(ValueError, match="outside the scale 1-5"):
        sc.sus_score(pd.DataFrame([[3] * 9 + [6]]))


def test_umux_lite_and_sus_equivalent():
    i1 = pd.Series([7, 1, 4, 6, None])
    i2 = pd.Series([7, 1, 4, 5, 3])
    u = sc.umux_lite_score(i1, i2)
    assert u.iloc[:4].tolist() == pytest.approx([100.0, 0.0, 50.0, 75.0])
    assert math.isnan(u.iloc[4])
    assert sc.umux_lite_score(5, 6) == pytest.approx(9 * 100 / 12)
    # Lewis, Utesch & Maher (2013): SUS = 0.65 * UMUX-Lite + 22.9 -> range 22.9 .. 87.9.
    eq = sc.umux_lite_sus_equivalent(u)
    assert eq.iloc[:4].tolist() == pytest.approx([87.9, 22.9, 55.4, 71.65])
    with pytest.raises(ValueError, match="outside the scale 1-7"):
        sc.umux_lite_score([8], [1])
    with pytest.raises(ValueError, match="different lengths"):
        sc.umux_lite_score([1, 2], [1])


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (100, "A+"),
        (84.1, "A+"),
        (84.0, "A"),
        (80.8, "A"),
        (80.7, "A-"),
        (78.9, "A-"),
        (78.8, "B+"),
        (77.2, "B+"),
        (77.1, "B"),
        (74.1, "B"),
        (74.0, "B-"),
        (72.6, "B-"),
        (72.5, "C+"),
        (71.1, "C+"),
        (71.0, "C"),
        (68.0, "C"),  # the average SUS (Sauro & Lewis) is a C
        (65.0, "C"),
        (64.9, "C-"),
        (62.7, "C-"),
        (62.6, "D"),
        (51.7, "D"),
        (51.6, "F"),
        (0, "F"),
    ],
)
def test_sus_grade_sauro_lewis_table(score, grade):
    assert sc.sus_grade(score) == grade


def test_sus_grade_vectors_missing_and_bad_values():
    g = sc.sus_grade(pd.Series([90.0, None, 50.0]))
    assert g.tolist() == ["A+", None, "F"]
    assert sc.sus_grade(float("nan")) is None
    with pytest.raises(ValueError, match="0-100"):
        sc.sus_grade(100.5)


def test_top2_box_and_ces_share():
    assert sc.top2_box(pd.Series([1, 2, 3, 4, 5]), 1, 5).tolist() == [0, 0, 0, 1, 1]
    assert sc.top2_box(pd.Series([8, 9, 10, 0]), 0, 10).tolist() == [0, 1, 1, 0]
    assert sc.top2_box(pd.Series([1, 2, 3]), 1, 5, reverse=True).tolist() == [1, 1, 0]
    assert math.isnan(sc.top2_box(pd.Series([None]), 1, 5).iloc[0])
    assert sc.ces_share_high(pd.Series([1, 4, 5, 6, 7])).tolist() == [0, 0, 1, 1, 1]
    assert math.isnan(sc.ces_share_high(pd.Series([None, 5])).iloc[0])


def questionnaire_columns():
    return [
        overall("overall"),
        Col("a1", dimension="toegang"),
        Col("a2", dimension="toegang"),
        Col("b1", dimension="info", reverse=True),
        Col("ces", type="ces", scale_min=1, scale_max=7, role="effort"),
        Col("umux_1", type="umux_lite", scale_min=1, scale_max=7, role="usability", item_id="umux"),
        Col("umux_2", type="umux_lite", scale_min=1, scale_max=7, role="usability", item_id="umux"),
        *[
            Col(f"sus_{i}", type="sus", reverse=i % 2 == 0, role="usability", item_id="sus")
            for i in range(10, 0, -1)  # deliberately out of order: scoring sorts by suffix
        ],
        Col(
            "beroep",
            type="select_one",
            kind="choice",
            scale_min=None,
            scale_max=None,
            role="profile",
        ),
        Col("opmerking", type="text", kind="text", scale_min=None, scale_max=None, role="open"),
    ]


def answers():
    sus = {f"sus_{i}": [5 if i % 2 else 1, 3] for i in range(1, 11)}
    return pd.DataFrame(
        {
            "overall": [8, 10],
            "a1": [5, None],  # n.v.t. for the second respondent
            "a2": [3, 2],
            "b1": [1, 5],  # reversed: 1 is best
            "ces": [6, 2],
            "umux_1": [7, 4],
            "umux_2": [6, 4],
            **sus,
            "beroep": ["huisarts", "apotheker"],
            "opmerking": ["ok", ""],
        }
    )


def test_dimension_scores_average_the_answered_items():
    dims = sc.dimension_scores(answers(), questionnaire_columns())
    assert list(dims.columns) == ["toegang", "info"]
    assert dims["toegang"].tolist() == [75.0, 25.0]  # (100 + 50)/2 ; only a2 = 25
    assert dims["info"].tolist() == [100.0, 0.0]


def test_respondent_scores_cover_every_kind():
    rs = sc.respondent_scores(answers(), questionnaire_columns(), {"info": {"nl": "Informatie"}})
    meta = rs.meta.set_index("score_id")
    assert set(meta["kind"]) == set(sc.SCORE_KINDS)
    v = rs.values
    assert v["overall:overall"].tolist() == [8, 10]
    assert v["overall_0_100:overall"].tolist() == [80, 100]
    assert v["top2:overall"].tolist() == [0, 1]
    assert v["item:b1"].tolist() == [100, 0]
    assert v["top2:b1"].tolist() == [1, 0]
    assert v["ces_mean:ces"].tolist() == [6, 2]
    assert v["ces_share_5_7:ces"].tolist() == [1, 0]
    assert v["umux_lite:umux"].tolist() == pytest.approx([1100 / 12, 50.0])
    assert v["umux_sus_eq:umux"].tolist() == pytest.approx([0.65 * 1100 / 12 + 22.9, 55.4])
    assert v["sus:sus"].tolist() == [100.0, 50.0]
    assert meta.loc["dimension:info", "subject_nl"] == "Informatie"  # the questionnaire's
    worded = labels.worded(meta)  # the score's label: report.labels
    assert worded.loc["dimension:info", "label_nl"] == "Informatie (0-100)"
    assert worded.loc["dimension:toegang", "label_en"] == "Toegang (0-100)"
    assert bool(meta.loc["top2:a1", "proportion"]) and not bool(meta.loc["item:a1", "proportion"])
    assert not any(i.endswith(("beroep", "opmerking")) for i in meta.index)


def test_respondent_scores_name_the_missing_column():
    with pytest.raises(KeyError, match=r"no column\(s\) \['a2'\]"):
        sc.respondent_scores(answers().drop(columns="a2"), questionnaire_columns())


def test_confidence_interval_logit_and_boundaries():
    low, high = sc.confidence_interval(50.0, 2.0, None, 0.95)
    assert (low, high) == pytest.approx((50 - 1.959964 * 2, 50 + 1.959964 * 2), rel=1e-6)
    low, high = sc.confidence_interval(50.0, 2.0, 10, 0.95)
    assert high - 50 == pytest.approx(2.228139 * 2, rel=1e-6)
    p, se = 0.8, 0.05
    low, high = sc.confidence_interval(p, se, None, 0.95, proportion=True)
    lg = math.log(p / (1 - p))
    half = 1.959964 * se / (p * (1 - p))
    assert low == pytest.approx(1 / (1 + math.exp(-(lg - half))), rel=1e-6)
    assert high == pytest.approx(1 / (1 + math.exp(-(lg + half))), rel=1e-6)
    assert 0 < low < p < high < 1
    # All ten respondents in the top-2-box: Clopper-Pearson (0.05^(1/10)... lower bound 0.6915).
    low, high = sc.confidence_interval(1.0, 0.0, 9, 0.95, proportion=True, n=10)
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 10), rel=1e-9)
