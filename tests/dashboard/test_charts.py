"""The chart module's promises (issue 18), read from the Vega-Lite spec it builds: every
category has its label above its own bar, nothing overlaps, for 2 to 30 categories; scores on
a 0-100 axis; the Respons colours follow the rate against its own tick."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.disclosure import SUPPRESSED
from ktm import charts


def _rows(chart) -> tuple[list[dict], dict]:
    spec = chart.to_dict()
    [values] = [d for d in spec["datasets"].values()]
    return values, spec


def _scores(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": [
                f"Vraag {i}: hoe gemakkelijk was het om deel {i} in te dienen" for i in range(n)
            ],
            "estimate": [40 + (i * 7) % 50 for i in range(n)],
            "ci_low": [35 + (i * 7) % 50 for i in range(n)],
            "ci_high": [45 + (i * 7) % 50 for i in range(n)],
            "n": [100] * n,
        }
    )


@pytest.mark.parametrize("n", [2, 3, 12, 30])
def test_every_category_has_its_own_label_and_row(n):
    table = _scores(n)
    rows, spec = _rows(charts.score_bars(table, "label", fmt=lambda v: f"{v:.1f}"))
    assert len(rows) == n
    assert sorted(" ".join(r["label_text"].split()) for r in rows) == sorted(table["label"])
    # Sorted by score, highest first; each label sits above its bar, each row under the last.
    assert [r["value"] for r in rows] == sorted(table["estimate"], reverse=True)
    for r in rows:
        lines = r["label_text"].count("\n") + 1
        assert r["label_y"] + lines * charts.LINE <= r["bar_top"] < r["bar_bottom"]
        assert all(len(line) <= charts.WRAP for line in r["label_text"].split("\n"))
    for above, below in zip(rows, rows[1:], strict=False):
        assert above["bar_bottom"] < below["label_y"]
    assert spec["height"] >= rows[-1]["bar_bottom"]
    # Scores on the whole 0-100 axis, and the interval drawn for every bar.
    domains = {
        str(layer["encoding"]["x"].get("scale", {}).get("domain"))
        for layer in spec["layer"]
        if "x" in layer.get("encoding", {}) and "scale" in layer["encoding"]["x"]
    }
    assert domains == {"[0, 100]"}
    assert all(r["low"] is not None and r["high"] is not None for r in rows)
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"


def test_a_suppressed_cell_keeps_its_row_and_label_without_a_bar():
    table = _scores(3).astype(object)
    table.loc[1, ["estimate", "ci_low", "ci_high", "n"]] = SUPPRESSED
    rows, _ = _rows(charts.score_bars(table, "label", fmt=str, sort=False))
    assert [r["value_text"] for r in rows][1] == SUPPRESSED
    assert rows[1]["value"] is None and rows[1]["label_text"]


def test_a_rate_above_its_minimum_is_never_coloured_as_below():
    table = pd.DataFrame(
        {
            "label": ["Tandarts-specialist", "Huisarts", "Totaal"],
            "rate": [0.439, 0.15, 0.274],
            "minimum_rate": [0.20, 0.20, 0.30],
            "meets_rate": [True, False, False],
            "meets": [False, False, False],  # too few completes: the table says so, not the bar
            "text": ["43,9%", "15,0% · onder het minimum", "27,4% · onder het minimum"],
        }
    )
    rows, _ = _rows(charts.rates_against_minimum(table, "label", text="text", x_title="%"))
    assert [r["colour"] for r in rows] == [charts.SCORE, charts.ALERT, charts.ALERT]
    assert [r["target"] for r in rows] == [20.0, 20.0, 30.0]


def test_colours_keep_three_to_one_contrast_on_white():
    def luminance(hex_colour: str) -> float:
        rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    colours = {charts.SCORE, charts.ALERT, charts.CONTEXT, *charts.MODE_COLOURS.values()}
    colours |= set(charts._wave_shades(6)) | set(charts.QUADRANT_COLOURS.values())
    for c in colours:
        assert 1.05 / (luminance(c) + 0.05) >= 3.0, c


def test_completes_over_time_on_a_single_day_draws_a_point_and_names_its_count():
    # Every complete on one day: a step line needs two days, so only a point shows it.
    data = pd.DataFrame(
        {"day": ["2026-12-01"], "mode_label": ["Uitgenodigd (steekproef)"], "completes": [14]}
    )
    chart = charts.completes_over_time(
        data, x_title="Dag", y_title="Volledig", colours={"Uitgenodigd (steekproef)": "#123456"}
    )
    spec = chart.to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert "point" in marks and "text" not in marks  # no end label to run over the y axis
    encoding = spec["layer"][0]["encoding"]
    x_domain = encoding["x"]["scale"]["domain"]
    assert x_domain[0] < "2026-12-01" < x_domain[1]  # the day is inside the axis, not on its edge
    colour = encoding["color"]
    assert colour["legend"]["orient"] == "bottom"
    assert colour["scale"]["domain"] == ["Uitgenodigd (steekproef): 14"]
    assert colour["scale"]["range"] == ["#123456"]
