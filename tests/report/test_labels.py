"""The labels of the analysis' codes (report.labels): every code the analysis returns has its
words in both languages, and worded() puts them next to the code columns."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import drivers, reliability, trend, weighting
from report import labels


def test_every_code_of_the_analysis_has_dutch_and_english_words():
    for kind, codes in (
        ("weighting_step", weighting.STEPS),
        ("quadrant", drivers.QUADRANTS),
        ("change", trend.CHANGES),
        ("alpha", [code for _bound, code in reliability.ALPHA_JUDGEMENTS]),
    ):
        assert set(labels.LABELS[kind]) == set(codes), kind
        for code in codes:
            nl, en = labels.LABELS[kind][code]
            assert nl and en and nl != code, (kind, code)


def test_quadrants_worded_after_their_codes():
    t = drivers._assign_quadrants(
        pd.DataFrame(
            {
                "dimension": ["a", "b", "c", "d", "e"],
                "included": [True, True, True, True, False],
                "importance": [0.2, 0.15, 0.03, 0.02, np.nan],
                "performance": [40.0, 80.0, 50.0, 70.0, 20.0],
            }
        )
    )
    w = labels.worded(t).set_index("dimension")
    cols = list(w.columns)
    assert cols[cols.index("quadrant") + 1 : cols.index("quadrant") + 3] == [
        "quadrant_nl",
        "quadrant_en",
    ]
    assert w.loc["a", "quadrant_nl"] == "Prioriteit: verbeteren"
    assert w.loc["b", "quadrant_en"] == "Strength: keep up"
    assert w.loc["e", "quadrant_nl"] is None  # not included: no quadrant, no words
    assert "quadrant_nl" not in t.columns  # the analysis' own table is left alone


def test_a_change_worded_in_a_row_and_in_a_table():
    up = labels.worded(trend.difference_test((60.0, 1.0, 100), (64.0, 1.0, 100)))
    assert up["change_en"] == "significant improvement"
    assert up["change_nl"] == "significante verbetering"
    down = labels.worded(trend.difference_test((64.0, 1.0, 100), (60.0, 1.0, 100)))
    assert down["change_nl"] == "significante daling"
    none = labels.worded(trend.difference_test((60.0, 1.0, 100), (60.5, 1.0, 100)))
    assert none["change_nl"] == "geen significante verandering"
    missing = labels.worded(trend.difference_test((math.nan,) * 3, (math.nan,) * 3))
    assert missing["change"] is None and missing["change_nl"] is None
    table = labels.worded(pd.DataFrame({"change": ["decline"], "std_change": ["none"]}))
    assert list(table.columns) == [
        "change",
        "change_nl",
        "change_en",
        "std_change",
        "std_change_nl",
        "std_change_en",
    ]
    assert table.loc[0, "std_change_en"] == "no significant change"


def test_weighting_steps_and_alpha_judgements_worded():
    rng = np.random.default_rng(1)
    sample = pd.DataFrame(
        {
            "stratum": ["a"] * 20 + ["b"] * 20,
            "design_weight": [2.0] * 20 + [3.0] * 20,
            "responded": rng.random(40) < 0.7,
        }
    )
    res = weighting.weight_wave(sample, stratum="stratum", responded="responded")
    steps = labels.worded(res.steps)
    assert list(steps.columns[:3]) == ["step", "label_nl", "label_en"]
    assert steps.loc[0, "label_nl"] == "Designgewichten (steekproef)"
    assert steps.loc[1, "label_en"] == "Nonresponse adjustment"
    assert labels.label("alpha", reliability.judgement(0.85), "nl") == "goed"
    assert labels.label("alpha", reliability.judgement(0.45), "en") == "unacceptable"
    assert labels.label("alpha", reliability.judgement(float("nan"))) is None
    assert labels.label("scale", "battery:driver", "en") == "All aspects together"
    assert labels.label("quadrant", "something_new") == "something_new"  # shown as it is


def test_the_total_row_and_left_out_values_worded():
    from analysis.disclosure import LEFT_OUT
    from analysis.response import OVERALL

    table = pd.DataFrame({"stratum": ["arts", OVERALL], "rate": [0.5, 0.4]})
    assert labels.worded(table)["stratum"].tolist() == ["arts", "Totaal / Total"]
    assert labels.worded({"stratum": OVERALL})["stratum"] == "Totaal / Total"
    data = pd.DataFrame({"language": [LEFT_OUT, LEFT_OUT], "score": [1, 2]})
    shown = labels.left_out(data)
    assert shown["language"].tolist() == ["(weggelaten / left out)"] * 2
    assert shown["score"].dtype == data["score"].dtype  # the other columns untouched


def test_every_score_kind_has_its_label_and_a_score_table_reads_as_before():
    from analysis.scores import META_COLUMNS, SCORE_KINDS

    assert set(labels.SCORES) == set(SCORE_KINDS)
    assert labels.score_label("overall", None, "1-5") == "Algemene tevredenheid (1-5)"
    assert labels.score_label("top2", "Hulp", None, "en") == "Top-2-box: Hulp"
    meta = pd.DataFrame(
        [["item:a", "item", "toegang", "a", "Aanmelden", "Logging in", None, False]],
        columns=META_COLUMNS,
    )
    w = labels.worded(meta)
    assert list(w.columns) == [
        "score_id",
        "kind",
        "dimension",
        "item",
        "label_nl",
        "label_en",
        "proportion",
    ]
    assert (
        w.loc[0, "label_nl"] == "Aanmelden (0-100)" and w.loc[0, "label_en"] == "Logging in (0-100)"
    )
    row = labels.worded(meta.iloc[0])  # one row (a Series) as well
    assert row["label_en"] == "Logging in (0-100)" and "subject_nl" not in row


def test_a_score_tables_breakdown_group_and_dimension_in_words():
    assert labels.breakdown("profession") == "Beroep"
    assert labels.breakdown("training_year", "en") == "Training year"
    assert labels.breakdown(None) is None and labels.breakdown(float("nan")) is None
    assert labels.group("profession", "arts_specialist") == "Arts-specialist in opleiding"
    assert labels.group("profession", "arts_specialist", "en") == "Medical specialist in training"
    assert labels.group("training_year", 3) == 3  # a year is its number
    assert labels.group("university", "UGent") == "UGent"
    assert labels.group(None, None) == "Totaal / Total"
    assert labels.group("profession", None) is None
    assert labels.dimension("wijziging_stageplan") == "Wijziging stageplan"
    assert labels.dimension("globaal", "en") == "Overall"
    assert labels.dimension("eigen_aspect") == "Eigen aspect"  # unknown: still no code
    assert labels.dimension(None) is None
    table = pd.DataFrame(
        {
            "dimension": ["globaal", None],
            "group_var": [None, "profession"],
            "group": [None, "huisarts"],
        }
    )
    w = labels.score_table_worded(table)
    assert list(w.columns) == [*table.columns, "dimension_nl", "group_var_nl", "group_nl"]
    assert w["dimension_nl"].tolist() == ["Globaal", None]
    assert w["group_var_nl"].tolist() == [None, "Beroep"]
    assert w["group_nl"].tolist() == ["Totaal / Total", "Huisarts in opleiding"]
    assert pd.isna(w["group"].iloc[0]) and w["group"].iloc[1] == "huisarts"  # the codes kept
