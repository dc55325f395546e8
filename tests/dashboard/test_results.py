from __future__ import annotations

import json

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
    # The 95% interval drawn as a whisker (ktm.charts: a rule from "low" to "high").
    assert any('"x2": {"field": "high"' in json.dumps(spec) for spec in bars)

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
    # Nothing hidden is drawn: a suppressed group keeps its label and the marker, without a bar
    # (issue 18: the reader sees the group exists and why it has no figure).
    rows = {
        " ".join(str(r["label_text"]).split()): r
        for df in chart_data(at)
        if "label_text" in df
        for r in df.to_dict("records")
    }
    assert rows["Huisarts in opleiding"]["value"] > 0
    small = rows["Ziekenhuisapotheker in opleiding"]
    assert small["value_text"] == SUPPRESSED
    assert small["value"] is None or small["value"] != small["value"]  # None or NaN: no bar
