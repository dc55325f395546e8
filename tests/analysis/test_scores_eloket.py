"""The whole chain on the real e-loket questionnaire (data/questionnaire/eloket.yaml): answers
dicts -> flat table (survey.data.to_frame) -> Design -> scores, reliability, drivers, trend."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis import drivers as dr
from analysis import reliability as rel
from analysis import scores as sc
from analysis import trend as tr
from analysis.design import Design
from report import labels
from survey import data as survey_data
from survey import loaders as survey_loaders

QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "data" / "questionnaire" / "eloket.yaml"
ASPECTS = [
    "aanmelden",
    "informatie",
    "formulieren",
    "documenten",
    "opvolging",
    "doorlooptijd",
    "communicatie",
    "hulp",
]
FRAME = {
    "huisarts": 1200,
    "arts_specialist": 2500,
    "algemeen_tandarts": 160,
    "tandarts_specialist": 90,
    "ziekenhuisapotheker": 40,
}


@pytest.fixture(scope="module")
def questionnaire():
    return survey_loaders.load_questionnaire(QUESTIONNAIRE)


def simulate(q, seed: int, n_h: dict[str, int], lift: float = 0.0) -> Design:
    rng = np.random.default_rng(seed)
    answers, professions = [], []
    for prof, n in n_h.items():
        for _ in range(n):
            latent = rng.normal()
            a = {"procedures": ["stagerapport"], "gemak_stagerapport": int(rng.integers(2, 6))}
            values = {}
            for j, dim in enumerate(ASPECTS):
                values[dim] = 3.4 + lift + 0.7 * latent + rng.normal(0, 0.8) - 0.15 * j
                a[dim] = int(np.clip(np.rint(values[dim]), 1, 5))
            if rng.random() < 0.4:
                a["hulp"] = None  # n.v.t.: asked no help
            overall = 1.0 + 1.1 * values["doorlooptijd"] + 0.6 * values["informatie"]
            a["tevredenheid"] = int(np.clip(np.rint(overall + rng.normal(0, 0.8)), 0, 10))
            a["umux_1"] = int(np.clip(np.rint(5 + latent + rng.normal(0, 0.7)), 1, 7))
            a["umux_2"] = int(np.clip(np.rint(5 + latent + rng.normal(0, 0.7)), 1, 7))
            a["ces"] = int(np.clip(np.rint(4.5 + latent + rng.normal(0, 0.9)), 1, 7))
            a["kende_papier"] = "nee"
            if rng.random() < 0.3:
                a["verbetering"] = "Het duurt te lang voor mijn aanvraag behandeld is."
            answers.append(a)
            professions.append(prof)
    data = survey_data.to_frame(q, answers)
    data["profession"] = professions
    data["N"] = data["profession"].map(FRAME)
    return Design(data, strata="profession", fpc="N")


def test_scores_reliability_drivers_and_trend_on_the_eloket_questionnaire(questionnaire):
    n_h = {
        "huisarts": 60,
        "arts_specialist": 80,
        "algemeen_tandarts": 25,
        "tandarts_specialist": 15,
        "ziekenhuisapotheker": 10,
    }
    d = simulate(questionnaire, 1, n_h)

    t = sc.score_table(d, questionnaire, by="profession")
    overall = t[t["group_var"].isna()].set_index("score_id")
    kinds = set(overall["kind"])
    assert {
        "overall",
        "overall_0_100",
        "dimension",
        "item",
        "top2",
        "ces_mean",
        "ces_share_5_7",
        "umux_lite",
        "umux_sus_eq",
    } <= kinds
    assert "sus" not in kinds  # the e-loket questionnaire has no SUS block
    assert {f"dimension:{a}" for a in ASPECTS} <= set(overall.index)
    assert overall.loc["dimension:hulp", "n"] < overall.loc["dimension:aanmelden", "n"]
    assert overall.loc["overall_0_100:tevredenheid", "n"] == sum(n_h.values())
    answered = overall[overall["n"] > 0]
    assert (answered["ci_low"] <= answered["estimate"]).all()
    assert overall.loc["dimension:wijziging_stageplan", "n"] == 0  # nobody did that procedure
    assert np.isnan(overall.loc["dimension:wijziging_stageplan", "estimate"])
    worded = labels.worded(overall)  # the scores' labels: report.labels
    assert (
        worded.loc["item:informatie", "label_nl"] == "De informatie die u nodig had vinden (0-100)"
    )
    assert worded.loc["dimension:informatie", "label_nl"] == "Informatie (0-100)"
    per_prof = t[(t["group_var"] == "profession") & (t["score_id"] == "umux_lite:umux")]
    assert sorted(per_prof["group"]) == sorted(n_h)

    # one item per aspect in this questionnaire: the multi-item scales are UMUX-Lite and the
    # battery of the eight aspects
    r = rel.reliability_table(d, questionnaire)
    assert set(r.scales["scale_id"]) == {"umux_lite:umux", "battery:driver"}
    battery = r.scales.set_index("scale_id").loc["battery:driver"]
    assert battery["k"] == 8 and battery["alpha"] > 0.7

    a = dr.key_drivers(d, questionnaire)
    assert list(a.table["dimension"]) == ASPECTS
    assert a.table["importance"].sum() == pytest.approx(a.r2)
    top = a.table.set_index("dimension")["importance"].nlargest(2).index
    assert set(top) == {"doorlooptijd", "informatie"}
    ip = dr.improvement_points(a)
    assert a.open_columns == ("verbetering",)
    assert (ip.open_answers["dimension"] == "doorlooptijd").all() and len(ip.open_answers) > 0

    # a later wave, better on every aspect, with more huisartsen in the sample
    later = simulate(questionnaire, 2, {**n_h, "huisarts": 120}, lift=0.5)
    trend = tr.compare_waves(d, later, questionnaire).set_index("score_id")
    row = trend.loc["overall_0_100:tevredenheid"]
    assert row["change"] == "improvement" and row["std_change"] == "improvement"
    assert trend.attrs["reference"] == pytest.approx(
        {k: v / sum(FRAME.values()) for k, v in FRAME.items()}
    )
    # only the procedures nobody did carry a note (no answers, nothing to standardize)
    empty = (trend["prev_n"] == 0) | (trend["last_n"] == 0)
    assert empty.any() and (trend["note"].notna() == empty).all()
    assert trend.loc[empty, "change"].isna().all()
