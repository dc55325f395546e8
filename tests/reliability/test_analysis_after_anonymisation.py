"""After anonymisation the wave is still analysed as a weighted sample, from the kept counts."""

from __future__ import annotations

import pytest

from ktm.ledger import anonymise_and_record
from ktm.services.results import analyse
from ktm.services.weighting import WeightingChoice
from store.db import get_engine
from store.waves import get_wave


def test_the_dashboard_analysis_of_an_anonymised_wave_is_unchanged(demo_url):
    engine = get_engine(demo_url)
    _, before = analyse(engine, 2)
    head_before = before.headline()
    rr_before = before.response.iloc[-1]["rate"]
    # As `ktm anonymise` and `ktm retention --apply` do it: the automatic raking margins,
    # chosen from the invitations, are fixed first.
    anonymise_and_record(engine, demo_url, 2)
    with engine.connect() as conn:
        kept = WeightingChoice.from_json(get_wave(conn, 2)["weighting"])
    assert kept.auto and kept.margins == tuple(before.chosen_margins)
    _, after = analyse(engine, 2)
    assert after.design is not None  # still weighted, not "self-selection"
    assert after.headline()["estimate"] == pytest.approx(head_before["estimate"], rel=1e-12)
    assert after.headline()["se"] == pytest.approx(head_before["se"], rel=1e-9)
    assert after.response.iloc[-1]["rate"] == pytest.approx(rr_before, rel=1e-12)
    # Nonrespondents' training year is gone: the R-indicator uses what is left, or none.
    indicator = after.r_indicator
    assert indicator is None or 0 <= indicator.R <= 1
