from __future__ import annotations

from tests.dashboard.conftest import chart_data, chart_labels, open_page, texts


def _change(at):
    return next(d.value for d in at.dataframe if "Verandering" in d.value.columns)


def test_trend_shows_every_wave_and_the_last_change(team_app):
    at = open_page(team_app, "views/trend.py")
    drawn = next(df for df in chart_data(at) if "wave" in df)
    assert sorted(set(drawn["wave"])) == [
        "Meting 2024-2025",
        "Meting 2025-2026",
        "Meting 2026-2027",
    ]
    assert {"Doorlooptijd (0-100)", "Algemene tevredenheid (0-100)"} <= set(chart_labels(at))
    crude = _change(at).set_index("Score")
    assert list(crude.columns[:2]) == ["Meting 2025-2026", "Meting 2026-2027"]
    assert set(crude["Verandering"]) <= {
        "significante verbetering",
        "significante daling",
        "geen significante verandering",
    }
    assert "Ruwe cijfers." in texts(at)

    at.segmented_control(key="trend_kind").set_value("std").run()
    assert not at.exception
    std = _change(at).set_index("Score")
    assert "Gestandaardiseerde cijfers." in texts(at)
    assert list(std.index) == list(crude.index)
    # The frame's mix of professions shifts between the demo waves: standardizing moves figures.
    assert (std["Meting 2025-2026"] != crude["Meting 2025-2026"]).any()


def test_the_first_wave_has_no_previous_one(team_app):
    at = open_page(team_app, "views/trend.py", wave_name="Meting 2024-2025")
    assert "geen vorige afgesloten meting" in texts(at)
