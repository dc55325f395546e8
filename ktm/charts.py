"""The dashboard's charts (Altair): plain data in, a chart out; labels come from the caller.

Every chart takes rows that already passed disclosure control: suppressed cells are left out
(their marker is text, so they cannot be drawn) and the table beside the chart shows the "x".
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.disclosure import SUPPRESSED


def drawable(table: pd.DataFrame, cols=("estimate", "ci_low", "ci_high")) -> pd.DataFrame:
    """Rows whose figures may be drawn (not suppressed), with the figures as floats."""
    out = table.copy()
    for c in cols:
        out = out[out[c].map(lambda v: v is not None and v != SUPPRESSED)]
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out.dropna(subset=list(cols))


def score_bars(
    table: pd.DataFrame,
    label: str,
    *,
    title: str = "",
    x_title: str = "Score",
    domain: tuple[float, float] | None = (0, 100),
    color: str | None = None,
    color_title: str = "",
) -> alt.Chart:
    """Horizontal bars with the 95% interval as an error bar (one row per bar)."""
    data = drawable(table)
    scale = alt.Scale(domain=list(domain)) if domain else alt.Undefined
    y = alt.Y(f"{label}:N", sort=None, title=None, axis=alt.Axis(labelLimit=320))
    enc: dict = {}
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title)
        enc["yOffset"] = alt.YOffset(f"{color}:N")
    tooltip = [
        alt.Tooltip(f"{label}:N", title=" "),
        alt.Tooltip("estimate:Q", format=".1f", title=x_title),
        alt.Tooltip("ci_low:Q", format=".1f", title="95%-BI / CI ≥"),
        alt.Tooltip("ci_high:Q", format=".1f", title="95%-BI / CI ≤"),
        alt.Tooltip("n:Q", title="n"),
    ]
    if color:
        tooltip.insert(1, alt.Tooltip(f"{color}:N", title=color_title))
    base = alt.Chart(data).encode(y=y, **enc)
    bars = base.mark_bar(opacity=0.8).encode(
        x=alt.X("estimate:Q", title=x_title, scale=scale), tooltip=tooltip
    )
    errors = base.mark_errorbar(ticks=True, color="black").encode(
        x=alt.X("ci_low:Q", title=x_title, scale=scale), x2="ci_high:Q"
    )
    rows = max(len(data), 1)
    return (bars + errors).properties(title=title, height=max(80, 26 * rows))


def importance_performance(
    drivers: pd.DataFrame,
    label: str,
    *,
    x_title: str,
    y_title: str,
    quadrant_col: str,
    quadrant_title: str,
) -> alt.Chart:
    """Importance (share of explained variance, %) against performance (0-100), with the mean
    lines that split the quadrants (Martilla and James)."""
    data = drivers.dropna(subset=["importance_share", "performance"]).copy()
    data["importance_pct"] = 100 * data["importance_share"].astype(float)
    data["performance"] = data["performance"].astype(float)
    x_mean, y_mean = data["importance_pct"].mean(), data["performance"].mean()
    base = alt.Chart(data)
    points = base.mark_circle(size=140).encode(
        x=alt.X("importance_pct:Q", title=x_title, scale=alt.Scale(zero=True)),
        y=alt.Y("performance:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=alt.Color(f"{quadrant_col}:N", title=quadrant_title),
        tooltip=[
            alt.Tooltip(f"{label}:N", title=" "),
            alt.Tooltip("importance_pct:Q", format=".1f", title=x_title),
            alt.Tooltip("performance:Q", format=".1f", title=y_title),
            alt.Tooltip(f"{quadrant_col}:N", title=quadrant_title),
            alt.Tooltip("n:Q", title="n"),
        ],
    )
    text = base.mark_text(align="left", dx=9, dy=-4).encode(
        x="importance_pct:Q", y="performance:Q", text=f"{label}:N"
    )
    vline = alt.Chart(pd.DataFrame({"x": [x_mean]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    hline = alt.Chart(pd.DataFrame({"y": [y_mean]})).mark_rule(strokeDash=[4, 4]).encode(y="y:Q")
    return (points + text + vline + hline).properties(height=420)


def completes_over_time(data: pd.DataFrame, *, x_title: str, y_title: str, mode_title: str):
    """Cumulative completes per day, one line per mode."""
    return (
        alt.Chart(data)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("day:T", title=x_title),
            y=alt.Y("completes:Q", title=y_title),
            color=alt.Color("mode_label:N", title=mode_title),
            tooltip=[
                alt.Tooltip("day:T", title=x_title),
                alt.Tooltip("mode_label:N", title=mode_title),
                alt.Tooltip("completes:Q", title=y_title),
            ],
        )
        .properties(height=300)
    )


def rates_against_minimum(
    table: pd.DataFrame, label: str, *, x_title: str, meets_title: str, minimum_title: str
) -> alt.Chart:
    """The response rate per stratum as bars, its minimum as a tick on each bar."""
    data = table.copy()
    data["rate_pct"] = 100 * data["rate"].astype(float)
    data["minimum_pct"] = 100 * data["minimum_rate"].astype(float)
    base = alt.Chart(data).encode(y=alt.Y(f"{label}:N", sort=None, title=None))
    bars = base.mark_bar().encode(
        x=alt.X("rate_pct:Q", title=x_title, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("meets_label:N", title=meets_title),
        tooltip=[
            alt.Tooltip(f"{label}:N", title=" "),
            alt.Tooltip("rate_pct:Q", format=".1f", title=x_title),
            alt.Tooltip("minimum_pct:Q", format=".0f", title=minimum_title),
        ],
    )
    ticks = base.mark_tick(color="black", thickness=3, size=24).encode(x="minimum_pct:Q")
    return (bars + ticks).properties(height=max(120, 34 * len(data)))


def trend_lines(
    data: pd.DataFrame,
    *,
    estimate: str,
    low: str,
    high: str,
    label: str,
    x_title: str,
    y_title: str,
    facet_title: str = "",
) -> alt.Chart:
    """Every wave on one chart per dimension: the score with its 95% interval."""
    base = alt.Chart().encode(
        x=alt.X("wave:N", sort=alt.SortField("start"), title=x_title),
    )
    band = base.mark_errorbar(ticks=True).encode(
        y=alt.Y(f"{low}:Q", title=y_title, scale=alt.Scale(zero=False)), y2=f"{high}:Q"
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y(f"{estimate}:Q", title=y_title),
        tooltip=[
            alt.Tooltip("wave:N", title=x_title),
            alt.Tooltip(f"{estimate}:Q", format=".1f", title=y_title),
            alt.Tooltip(f"{low}:Q", format=".1f", title="95%-BI / CI ≥"),
            alt.Tooltip(f"{high}:Q", format=".1f", title="95%-BI / CI ≤"),
            alt.Tooltip("n:Q", title="n"),
        ],
    )
    return (
        alt.layer(band, line, data=data)
        .properties(width=230, height=190)
        .facet(facet=alt.Facet(f"{label}:N", title=facet_title, sort=None), columns=3)
        .resolve_scale(y="independent")
    )
