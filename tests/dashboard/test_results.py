from __future__ import annotations

import sqlalchemy as sa

from analysis.disclosure import SUPPRESSED
from store import schema
from tests.dashboard.conftest import (
    chart_data,
    charts,
    live_caches_expire,
    metric,
    open_page,
    texts,
)


def _table(at, first_header: str):
    found = [d.value for d in at.dataframe if d.value.columns[0] == first_header]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_results_by_aspect_and_item_with_intervals_and_the_weighting_switch(team_app):
    at = open_page(team_app, "views/results.py")
    assert at.toggle(key="results_weighted").value is True
    weighted = metric(at, "Algemene tevredenheid (0-100)").value
    aspects = _table(at, "Omschrijving")
    assert {"Doorlooptijd (0-100)", "Opvolging (0-100)"} <= set(aspects["Omschrijving"])
    row = aspects.set_index("Omschrijving").loc["Doorlooptijd (0-100)"]
    low, score, high = (float(row[c].replace(",", ".")) for c in ("95%-BI van", "Score", "tot"))
    assert low < score < high
    bars = charts(at)
    assert any("errorbar" in str(spec) for spec in bars)  # CIs drawn as error bars

    effect = _table(at, "Score").set_index("Score")
    assert effect.loc["Algemene tevredenheid (0-100)", "Gewogen"] == weighted
    unweighted = effect.loc["Algemene tevredenheid (0-100)", "Ongewogen"]
    assert unweighted != weighted  # the demo's response depends on profession

    at.toggle(key="results_weighted").set_value(False).run()
    assert not at.exception
    assert metric(at, "Algemene tevredenheid (0-100)").value == unweighted
    assert "Ongewogen · uitgenodigde steekproef" in texts(at)


def test_breakdown_by_mode_keeps_modes_apart(team_app):
    at = open_page(team_app, "views/results.py")
    at.selectbox(key="results_by").select("mode").run()
    assert not at.exception
    modes = _table(at, "Manier van antwoorden")
    assert list(modes["Manier van antwoorden"]) == [
        "Uitgenodigd (steekproef, gewogen)",
        "Open link (zelfselectie, ongewogen)",
    ]
    assert "nooit samengeteld" in texts(at)


def test_small_strata_are_suppressed_in_the_breakdowns(team_app_rw, dash_env):
    engine = sa.create_engine(dash_env)
    with engine.begin() as conn:  # 17 pharmacists and 16 specialist dentists answered
        conn.execute(
            sa.update(schema.waves).where(schema.waves.c.status == "open").values(disclosure_k=18)
        )
    engine.dispose()
    live_caches_expire()  # as after LIVE_TTL seconds
    at = open_page(team_app_rw, "views/results.py")
    at.selectbox(key="results_by").select("profession").run()
    by = _table(at, "Beroep").set_index("Beroep")
    for small in ("Ziekenhuisapotheker in opleiding", "Tandarts-specialist in opleiding"):
        assert list(by.loc[small]) == [SUPPRESSED] * 4
    assert by.loc["Huisarts in opleiding", "n"] == "112"
    assert "x = niet gepubliceerd" in texts(at)
    # Nothing hidden is drawn: the chart holds only the published groups.
    drawn = [v for df in chart_data(at) if "label" in df for v in df["label"]]
    assert "Huisarts in opleiding" in drawn
    assert "Ziekenhuisapotheker in opleiding" not in drawn
