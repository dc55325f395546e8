"""analysis.weighting: the wave weighting pipeline on a real selection from the demo frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import RakingError
from analysis.weighting import frame_margins, weight_wave
from report import format as fmt
from report import wording
from sampling.demo import synthetic_frame
from sampling.selection import population_counts, select


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return synthetic_frame()


@pytest.fixture(scope="module")
def sample(frame) -> pd.DataFrame:
    counts = population_counts(frame, "profession")
    allocation = {h: min(N, 120) for h, N in counts.items()}
    s = select(frame, "profession", allocation, seed=11)
    rng = np.random.default_rng(5)
    # response depends on language and training year, so raking has something to repair
    p = 0.25 + 0.25 * (s["language"] == "nl") + 0.05 * s["training_year"].clip(upper=4)
    return s.assign(responded=rng.uniform(size=len(s)) < p)


def test_nonresponse_by_strata_gives_N_h_over_r_h(sample):
    res = weight_wave(sample)
    r = sample[sample["responded"]]
    expected = r["N_h"] / r.groupby("stratum")["stratum"].transform("size")
    np.testing.assert_allclose(res.weights.to_numpy(), expected.to_numpy(), rtol=1e-12)
    assert res.weights.index.equals(r.index)
    assert res.weights.sum() == pytest.approx(sample.groupby("stratum")["N_h"].first().sum())
    assert list(res.steps["step"]) == ["design", "nonresponse"]
    assert not res.classes["collapsed"].any()


def test_small_class_is_collapsed_into_its_neighbour_and_reported(sample):
    s = sample.copy()
    h = sorted(s["stratum"].unique())[1]
    rows = s.index[(s["stratum"] == h) & s["responded"]]
    s.loc[rows[2:], "responded"] = False  # 2 respondents left
    res = weight_wave(s, min_respondents=5)
    merged = res.classes[res.classes["collapsed"]]
    assert len(merged) == 1 and h in merged["class"].iloc[0]
    merges = [n for n in res.notes if n.code == "classes_merged"]
    assert len(merges) == 1 and merges[0].args["small"] == (h,)
    assert merges[0].args["respondents"] == (2,) and merges[0].args["minimum"] == 5
    assert merges[0].args["classes"] == sample["stratum"].nunique() == merges[0].args["left"] + 1
    en = wording.text(merges[0], "en")
    assert fmt.label("profession", h, "en") in en and h not in en and "merged" in en
    assert "samengevoegd" in wording.text(merges[0], "nl")
    # the merged class shares one factor: sum of design weights of the sampled units is kept
    members = merged["class"].iloc[0].split(" + ")
    inside = s["stratum"].isin(members)
    total = s.loc[inside, "design_weight"].sum()
    assert res.weights[s.index[inside & s["responded"]]].sum() == pytest.approx(total)
    assert res.weights.sum() == pytest.approx(s["design_weight"].sum())


def test_raking_to_frame_margins_and_diagnostics(frame, sample):
    margins = frame_margins(frame, ["language", "training_year"])
    res = weight_wave(sample, margins=margins)
    r = sample[sample["responded"]]
    for var, targets in margins.items():
        got = res.weights.groupby(r[var]).sum()
        for lvl, t in targets.items():
            assert got[lvl] == pytest.approx(t, rel=1e-9)
    steps = res.steps.set_index("step")
    assert list(steps.index) == ["design", "nonresponse", "raking"]
    rk = steps.loc["raking"]
    assert rk["converged"] and rk["iterations"] >= 2 and rk["margin_misfit"] < 1e-9
    assert rk["n_eff"] == pytest.approx(res.design.n_eff)
    assert rk["deff_kish"] == pytest.approx(res.design.deff_kish)
    assert rk["largest_change"] > 0 and rk["max_weight"] == pytest.approx(res.weights.max())
    assert set(steps.columns) >= {"sum_weights", "min_weight"}
    assert "label_nl" not in steps.columns  # the words: report.labels
    # the design estimates with the raking residuals: the raked share of a margin has SE ~ 0
    prop = res.design.proportion("language").set_index("level")
    assert prop["se"].max() < 1e-8
    assert res.design.mean("training_year").se > 0


def test_trimming_reports_the_margin_misfit(frame, sample):
    margins = frame_margins(frame, ["language", "training_year"])
    res = weight_wave(sample, margins=margins, trim={"upper_ratio": 1.5, "strict": True})
    raked = res.steps.set_index("step").loc["raking"]
    tr = res.steps.set_index("step").loc["trimming"]
    assert tr["max_weight"] <= 1.5 * raked["mean_weight"] * (1 + 1e-12)
    assert tr["sum_weights"] == pytest.approx(raked["sum_weights"])
    assert tr["margin_misfit"] > 0 and tr["n_eff"] >= raked["n_eff"]
    assert any(n.code == "trimmed" and n.args["changed"] > 0 for n in res.notes)
    assert any("trimmed" in wording.text(n, "en") for n in res.notes)


def test_impossible_margins_raise_raking_error(frame, sample):
    margins = frame_margins(frame, ["language"])
    margins["language"]["xx"] = 5.0
    with pytest.raises(RakingError, match="language='xx'"):
        weight_wave(sample, margins=margins)


def test_bad_samples_are_refused(sample):
    with pytest.raises(ValueError, match="no respondents"):
        weight_wave(sample.assign(responded=False))
    with pytest.raises(ValueError, match="must be True/False"):
        weight_wave(sample.assign(responded="ja"))
    with pytest.raises(KeyError, match="design weight column"):
        weight_wave(sample.drop(columns=["design_weight", "N_h"]))
    with pytest.raises(ValueError, match="ineligible"):
        weight_wave(sample.assign(eligible=False), eligible="eligible")


def test_ineligible_units_carry_no_weight(sample):
    s = sample.assign(eligible=True)
    s.loc[s.index[~s["responded"]][:10], "eligible"] = False
    res = weight_wave(s, eligible="eligible")
    assert res.weights.sum() == pytest.approx(s.loc[s["eligible"], "design_weight"].sum())
