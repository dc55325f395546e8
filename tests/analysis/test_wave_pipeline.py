"""The wave pipeline on the demo world: estimates equal the design API's, modes stay apart."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.disclosure import SUPPRESSED
from analysis.wave import disclosed
from ktm.services.results import analyse, trend
from store.db import get_engine


@pytest.fixture(scope="module")
def last_wave(demo_template):
    engine = get_engine(f"sqlite:///{demo_template}")
    return analyse(engine, 2)


def test_weighted_scores_equal_the_design_api(last_wave):
    data, result = last_wave
    design = result.design
    assert design is not None
    # Only complete responses of the invited sample are estimated: not partials, not open link.
    assert design.n == result.counts["complete_invited"]
    assert set(design.data["mode"]) == {"invited"}
    overall = result.headline("overall")
    direct = design.mean("tevredenheid", na_rm=True)
    assert overall["estimate"] == pytest.approx(direct.estimate, rel=1e-12)
    assert overall["se"] == pytest.approx(direct.se, rel=1e-12)
    head = result.headline()
    assert head["estimate"] == pytest.approx(direct.estimate * 10, rel=1e-12)
    # The weights add up to the frame: design weights, nonresponse adjustment, raking.
    assert design.weights.sum() == pytest.approx(len(data.inputs.frame_data()), rel=1e-9)


def test_weighting_changes_the_estimate_where_response_differs(last_wave):
    _, result = last_wave
    w = result.scores.set_index(["score_id", "group_var"], drop=False)
    u = result.scores_unweighted.set_index(["score_id", "group_var"], drop=False)
    overall = w[w["group_var"].isna()]["estimate"].to_numpy()
    unweighted = u[u["group_var"].isna()]["estimate"].to_numpy()
    assert not np.allclose(overall, unweighted)


def test_modes_are_never_pooled(last_wave):
    _, result = last_wave
    by_mode = result.scores_by_mode
    assert set(by_mode["mode"]) == {"invited", "open"}
    n_open = by_mode[(by_mode["mode"] == "open") & (by_mode["kind"] == "overall")]["n"].iloc[0]
    assert n_open == result.counts["complete_open"]
    assert result.headline("overall")["n"] == result.counts["complete_invited"]


def test_response_table_and_improvement_points(last_wave):
    _, result = last_wave
    table = result.response
    overall = table.iloc[-1]
    assert overall["I"] == result.counts["complete_invited"]
    assert overall["P"] == result.counts["partial"]
    points = result.improvement_points.points
    assert len(points) >= 3
    # The demo was built with processing time as the strongest driver of overall satisfaction.
    assert points.iloc[0]["dimension"] in {"doorlooptijd", "opvolging"}


def test_trend_against_the_previous_wave(demo_template, last_wave):
    engine = get_engine(f"sqlite:///{demo_template}")
    prev, _prev_result, table = trend(engine, 2, last_wave[1])
    assert prev["name"] == "Meting 2024-2025"
    row = table.set_index("score_id").loc["dimension:documenten"]
    # The demo improved document upload between the waves.
    assert row["difference"] > 0 and row["p"] < 0.05


def test_breakdowns_pass_disclosure_control(last_wave):
    _, result = last_wave
    k = 25
    shown = disclosed(result.scores, k=k)
    small = result.scores["n"] < k
    assert small.any()
    # Every cell under k is hidden, with its count; complements may hide a few more.
    assert shown.loc[small, "suppressed"].all()
    assert (shown.loc[shown["suppressed"], ["estimate", "se", "n"]] == SUPPRESSED).all().all()
    assert (shown["suppressed"] & ~small).any()  # complementary suppression at work
    visible = ~shown["suppressed"]
    assert (shown.loc[visible, "estimate"] == result.scores.loc[visible, "estimate"]).all()
