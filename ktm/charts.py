"""The dashboard's charts (Altair), one module for every page: plain data in, a chart out;
words and formatted numbers come from the caller.

Rules every chart here keeps (issue 18):
- every category is labelled, on a 1280 px desk and a 390 px phone, for 2 to 30 categories:
  bar charts put each label on its own line above its bar (wrapped, never dropped by an axis
  that runs out of room), so the bars keep the full width of a phone;
- the order follows the data where it means something (training year, waves), otherwise
  the caller sorts by score (`sort_by_value`);
- the 95% interval is drawn wherever there is one; scores on 0-100 sit on a 0-100 axis;
- one colour means one thing on every page (`SCORE`, `ALERT`, `MODE_COLOURS`), each with at
  least 3:1 contrast on white (WCAG 1.4.11); a legend only where colour tells series apart;
- Vega renders SVG with a text alternative per mark (the `description` channel), so screen
  readers and the browser tests read what each bar is.

Suppressed cells (disclosure control) keep their row and label, with the marker as their value
text and no bar: the reader sees the group exists and why it has no figure.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence

import altair as alt
import pandas as pd

from analysis.disclosure import SUPPRESSED

# --- colours --------------------------------------------------------------------------------
#: A score, a rate that meets its minimum, the latest wave: the theme's primary blue (6.6:1).
SCORE = "#0055cc"
#: Needs attention (below a minimum, a priority to improve): dark orange (4.8:1); blue and
#: orange stay apart for the common colour-vision deficiencies.
ALERT = "#b34700"
#: Context (earlier waves, reference lines): grey (5.7:1).
CONTEXT = "#5f6670"
INK = "#1a1a1a"  # the theme's text colour: intervals, ticks, labels
#: How a response came in, the same on every page.
MODE_COLOURS = {
    "invited": SCORE,
    "open": "#7b3fa0",
    "paper": "#00707a",
    "post_contact": "#8a5a00",
}
QUADRANT_COLOURS = {
    "priority": ALERT,
    "strength": SCORE,
    "low_priority": CONTEXT,
    "overkill": "#7b3fa0",
}

# --- geometry of the labelled rows (pixels) ---------------------------------------------------
LINE = 16  # one line of label text
BAR = 16  # the bar's thickness
GAP = 12  # between one row's bar and the next row's label
WRAP = 40  # characters per label line: fits beside the value text on a 390 px phone
FONT = 13
AXIS = {"labelFontSize": 12, "titleFontSize": 12, "labelColor": INK, "titleColor": INK}


def _svg(chart, exact_height: bool = False):
    """SVG (not canvas), so each mark has its text in the page: screen readers and tests.

    `exact_height`: the plot is exactly its `height` (the axis comes below it), because the
    rows are laid out in pixels; only the width follows the page."""
    chart = chart.properties(usermeta={"embedOptions": {"renderer": "svg"}})
    if exact_height:
        chart = chart.properties(autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart


def wrap(text: str, width: int = WRAP) -> str:
    """A label broken into lines of at most `width` characters (a word longer stays whole)."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=False) or [""]
    return "\n".join(lines)


def is_drawable(*values) -> bool:
    return all(
        v is not None and v is not SUPPRESSED and v != SUPPRESSED and not _nan(v) for v in values
    )


def _nan(v) -> bool:
    try:
        return math.isnan(float(v))
    except (TypeError, ValueError):
        return True


def drawable(table: pd.DataFrame, cols=("estimate", "ci_low", "ci_high")) -> pd.DataFrame:
    """Rows whose figures may be drawn (not suppressed), with the figures as floats."""
    out = table.copy()
    for c in cols:
        out = out[out[c].map(lambda v: v is not None and v != SUPPRESSED)]
    for c in cols:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out.dropna(subset=list(cols))


def sort_by_value(table: pd.DataFrame, value: str = "estimate") -> pd.DataFrame:
    """Highest first, suppressed and empty cells last (for categories without an order)."""
    key = pd.to_numeric(table[value].map(lambda v: v if is_drawable(v) else None), errors="coerce")
    return (
        table.assign(_key=key)
        .sort_values("_key", ascending=False, na_position="last")
        .drop(columns="_key")
    )


def bar_rows(
    table: pd.DataFrame,
    *,
    label: str,
    value: str,
    text: str,
    low: str | None = None,
    high: str | None = None,
    target: str | None = None,
    colour: str | None = None,
    domain: tuple[float, float] = (0, 100),
    x_title: str = "",
    tooltip: Sequence[tuple[str, str]] = (),
) -> alt.LayerChart:
    """Horizontal bars, one row per category in the table's order: the category's label above
    its bar (wrapped), its value text at the right, the interval `low`-`high` as a whisker, a
    `target` (e.g. a minimum) as a heavy tick. `colour` names a column of colours (no legend:
    the caller says in words what a colour means); default `SCORE`.

    Rows whose value is suppressed or missing keep their label and value text, without a bar.
    """
    rows = []
    top = 0
    records = table.to_dict("records")
    # The label shares its first line with the value text: the longer that, the narrower this.
    longest = max((len(str(r[text])) for r in records), default=0)
    width = max(20, min(WRAP, 54 - round(1.2 * longest)))
    for rec in records:
        lines = wrap(rec[label], width)
        n_lines = lines.count("\n") + 1
        bar_top = top + n_lines * LINE + 2
        ok = is_drawable(rec[value])
        row = {
            "label_text": lines,
            "description": f"{rec[label]}: {rec[text]}",
            "value_text": str(rec[text]),
            "label_y": top,
            "bar_top": bar_top,
            "bar_mid": bar_top + BAR / 2,
            "bar_bottom": bar_top + BAR,
            "value": float(rec[value]) if ok else None,
            "zero": float(domain[0]),
            "colour": (rec[colour] if colour else SCORE),
        }
        if low and high and ok and is_drawable(rec[low], rec[high]):
            row["low"] = max(float(rec[low]), domain[0])
            row["high"] = min(float(rec[high]), domain[1])
        if target and is_drawable(rec[target]):
            row["target"] = float(rec[target])
        for col, _ in tooltip:
            row[col] = rec[col]
        rows.append(row)
        top = bar_top + BAR + GAP
    height = max(top, 40)
    data = pd.DataFrame(rows)
    for col in ("low", "high", "target", "value"):
        if col not in data:
            data[col] = None
    y_scale = alt.Scale(domain=[0, height], range=[0, height], nice=False, zero=False)
    x_scale = alt.Scale(domain=list(domain), nice=False, zero=False)
    base = alt.Chart(data)
    x_axis = alt.Axis(title=x_title or None, grid=True, tickCount=5, gridColor="#e6e6e6", **AXIS)
    tips = [alt.Tooltip("description:N", title=" ")] + [
        alt.Tooltip(f"{col}:N", title=title) for col, title in tooltip
    ]
    bars = (
        base.transform_filter("isValid(datum.value)")
        .mark_bar()
        .encode(
            x=alt.X("zero:Q", scale=x_scale, axis=x_axis),
            x2="value:Q",
            y=alt.Y("bar_top:Q", scale=y_scale, axis=None),
            y2="bar_bottom:Q",
            color=alt.Color("colour:N", scale=None, legend=None),
            description="description:N",
            tooltip=tips,
        )
    )
    labels = base.mark_text(
        align="left", baseline="top", lineBreak="\n", fontSize=FONT, color=INK
    ).encode(
        x=alt.X("zero:Q", scale=x_scale),
        y=alt.Y("label_y:Q", scale=y_scale),
        text="label_text:N",
        description="description:N",
    )
    values = base.mark_text(
        align="right", baseline="top", fontSize=FONT, fontWeight="bold", color=INK
    ).encode(
        x=alt.datum(domain[1], scale=x_scale),
        y=alt.Y("label_y:Q", scale=y_scale),
        text="value_text:N",
        description="description:N",
    )
    layers = [bars, labels, values]
    if low and high:
        whisker = base.transform_filter("isValid(datum.low)")
        layers.append(
            whisker.mark_rule(color=INK, strokeWidth=1.5).encode(
                x=alt.X("low:Q", scale=x_scale), x2="high:Q", y=alt.Y("bar_mid:Q", scale=y_scale)
            )
        )
        for end in ("low", "high"):
            layers.append(
                whisker.mark_rule(color=INK, strokeWidth=1.5).encode(
                    x=alt.X(f"{end}:Q", scale=x_scale),
                    y=alt.Y("bar_top:Q", scale=y_scale),
                    y2="bar_bottom:Q",
                )
            )
    if target:
        layers.append(
            base.transform_filter("isValid(datum.target)")
            .transform_calculate(t0="datum.bar_top - 4", t1="datum.bar_bottom + 4")
            .mark_rule(color=INK, strokeWidth=3)
            .encode(x=alt.X("target:Q", scale=x_scale), y=alt.Y("t0:Q", scale=y_scale), y2="t1:Q")
        )
    chart = alt.layer(*layers).properties(height=height).configure_view(stroke=None)
    return _svg(chart, exact_height=True)


def score_bars(
    table: pd.DataFrame,
    label: str,
    *,
    fmt: Callable[[object], str],
    x_title: str = "Score",
    sort: bool = True,
    domain: tuple[float, float] = (0, 100),
) -> alt.LayerChart:
    """Scores with their 95% interval, one labelled row each (sorted by score unless the
    categories have an order of their own)."""
    data = table.copy()
    if sort:
        data = sort_by_value(data)
    data["_text"] = [SUPPRESSED if not is_drawable(v) else fmt(v) for v in data["estimate"]]
    data["_n"] = [str(v) for v in data["n"]]
    return bar_rows(
        data,
        label=label,
        value="estimate",
        text="_text",
        low="ci_low",
        high="ci_high",
        domain=domain,
        x_title=x_title,
        tooltip=[("_n", "n")],
    )


def rates_against_minimum(
    table: pd.DataFrame,
    label: str,
    *,
    text: str,
    x_title: str,
) -> alt.LayerChart:
    """The response rate per stratum (`rate`, a share), its minimum (`minimum_rate`) as a tick
    on the bar; the bar is `ALERT` exactly when the rate is below that tick (`meets_rate`)."""
    data = table.copy()
    data["rate_pct"] = [100 * float(r) if is_drawable(r) else None for r in data["rate"]]
    data["minimum_pct"] = [100 * float(r) if is_drawable(r) else None for r in data["minimum_rate"]]
    data["_colour"] = [SCORE if bool(m) else ALERT for m in data["meets_rate"]]
    return bar_rows(
        data,
        label=label,
        value="rate_pct",
        text=text,
        target="minimum_pct",
        colour="_colour",
        domain=(0, 100),
        x_title=x_title,
    )


def improvement_rows(
    points: pd.DataFrame,
    label: str,
    *,
    quadrant_col: str,
    text: str,
    x_title: str,
) -> alt.LayerChart:
    """The improvement points in their rank order: each aspect's score (0-100) with its 95%
    interval, labelled with its quadrant (so the colour needs no legend: `ALERT` for a
    priority); `text` names a column with the value text (score and importance)."""
    data = points.copy()
    data["_label"] = [
        f"{name} — {quad}" if isinstance(quad, str) and quad else str(name)
        for name, quad in zip(data[label], data[quadrant_col], strict=True)
    ]
    data["_colour"] = [QUADRANT_COLOURS.get(q, CONTEXT) for q in data["quadrant"]]
    return bar_rows(
        data,
        label="_label",
        value="performance",
        text=text,
        low="performance_ci_low",
        high="performance_ci_high",
        colour="_colour",
        x_title=x_title,
    )


def _legend() -> dict:
    return {"labelFontSize": 12, "titleFontSize": 12, "labelColor": INK, "titleColor": INK}


LEGEND_ROW = 24


def completes_over_time(
    data: pd.DataFrame,
    *,
    x_title: str,
    y_title: str,
    colours: Mapping[str, str],
):
    """Cumulative completes per day, one line per mode (`mode_label`), with a point on each day
    (one day alone is a point, a line needs two); `colours` maps each label to its mode's colour
    (`MODE_COLOURS`). Each mode is named with its last count in a legend under the plot: a
    label at the line's end ran over the y axis on a phone and over the other modes' labels."""
    data = data.copy()
    data["day"] = pd.to_datetime(data["day"])
    last = data.sort_values("day").groupby("mode_label").tail(1)
    final = dict(zip(last["mode_label"], last["completes"], strict=True))
    labels = list(dict.fromkeys(data["mode_label"]))
    data["_series"] = [f"{m}: {final[m]}" for m in data["mode_label"]]
    colour = alt.Color(
        "_series:N",
        scale=alt.Scale(
            domain=[f"{m}: {final[m]}" for m in labels],
            range=[colours.get(m, CONTEXT) for m in labels],
        ),
        legend=alt.Legend(
            title=None, orient="bottom", direction="vertical", labelLimit=0, **_legend()
        ),
    )
    first, end = data["day"].min(), data["day"].max()
    if first == end:
        # A time axis over a single instant has no width: one day either side.
        first, end = first - pd.Timedelta(days=1), end + pd.Timedelta(days=1)
    step = max(1, (end - first).days // 6)
    x = alt.X(
        "day:T",
        title=x_title,
        scale=alt.Scale(domain=[first.isoformat(), end.isoformat()]),
        # Ticks on whole days, about six: a short fieldwork otherwise got each date twice (noon).
        axis=alt.Axis(
            format="%d/%m", labelAngle=0, tickCount={"interval": "day", "step": step}, **AXIS
        ),
    )
    y_max = max(10, int(data["completes"].max() * 1.15))
    y = alt.Y(
        "completes:Q", title=y_title, scale=alt.Scale(domain=[0, y_max]), axis=alt.Axis(**AXIS)
    )
    base = alt.Chart(data).encode(
        x=x,
        y=y,
        color=colour,
        description="_series:N",
        tooltip=[
            alt.Tooltip("day:T", title=x_title, format="%d/%m/%Y"),
            alt.Tooltip("mode_label:N", title=" "),
            alt.Tooltip("completes:Q", title=y_title),
        ],
    )
    lines = base.mark_line(interpolate="step-after", strokeWidth=2)
    points = base.mark_point(filled=True, size=50, opacity=1)
    # The legend is inside the chart's height: room for it, so the plot keeps its 300 px.
    return _svg((lines + points).properties(height=300 + LEGEND_ROW * len(labels)))


def trend_rows(
    data: pd.DataFrame,
    *,
    estimate: str,
    low: str,
    high: str,
    label: str,
    fmt: Callable[[object], str],
    x_title: str,
    legend_title: str,
    group: str | None = None,
    segment: str | None = None,
) -> alt.LayerChart:
    """Every wave's score per aspect, on one shared 0-100 axis: one labelled row per aspect
    (in the order given), one dot with its 95% whisker per wave, the latest wave in `SCORE`
    and the earlier ones in greys; the value text gives the row's latest wave's score.

    `group` names the column that identifies an aspect (default `label`), `segment` a column
    numbering the stretches of waves over which the aspect's question stayed the same
    (ktm.dashboard.trend_series). An aspect whose question changed gets one labelled row per
    stretch, each with only its own waves, so figures of two different questions never sit
    on one row as if they were comparable; the caller's `label` names each stretch."""
    waves = list(dict.fromkeys(data.sort_values("start", na_position="first")["wave"]))
    order = {w: i for i, w in enumerate(waves)}
    shades = _wave_shades(len(waves))
    step = 10  # pixels between the waves of one aspect
    group = group or label
    blocks = []  # (rows of the block, the waves it has a slot for)
    for key in dict.fromkeys(data[group]):
        part = data[data[group] == key]
        stretches = [part] if segment is None else [s for _k, s in part.groupby(segment, sort=True)]
        if len(stretches) == 1:
            blocks.append((part, waves))
            continue
        starts = [min(order[w] for w in s["wave"]) for s in stretches]
        for n, s in enumerate(stretches):
            end = starts[n + 1] if n + 1 < len(stretches) else len(waves)
            blocks.append((s, waves[starts[n] : end]))
    rows, top = [], 0
    for part, slots in blocks:
        name = part[label].iloc[0]
        lines = wrap(name)
        n_lines = lines.count("\n") + 1
        first = top + n_lines * LINE + 6
        latest = part[part["wave"] == slots[-1]]
        text = fmt(latest[estimate].iloc[0]) if len(latest) else "–"
        for i, w in enumerate(slots):
            rec = part[part["wave"] == w]
            row = {
                "label_text": lines if i == 0 else None,
                "value_text": text if i == 0 else None,
                "label_y": top,
                "y": first + i * step,
                "wave": w,
                "description": f"{name}, {w}",
                "est": None,
                "low": None,
                "high": None,
            }
            if len(rec) and is_drawable(rec[estimate].iloc[0]):
                r = rec.iloc[0]
                row.update(
                    est=float(r[estimate]),
                    description=f"{name}, {w}: {fmt(r[estimate])}",
                    low=max(0.0, float(r[low])) if is_drawable(r[low]) else None,
                    high=min(100.0, float(r[high])) if is_drawable(r[high]) else None,
                )
            rows.append(row)
        top = first + (len(slots) - 1) * step + GAP + 6
    height = max(top, 40)
    frame = pd.DataFrame(rows)
    y_scale = alt.Scale(domain=[0, height], range=[0, height], nice=False, zero=False)
    x_scale = alt.Scale(domain=[0, 100], nice=False)
    colour = alt.Color(
        "wave:N",
        title=legend_title,
        scale=alt.Scale(domain=waves, range=shades),
        legend=alt.Legend(orient="top", direction="vertical", labelLimit=300, **_legend())
        if len(waves) > 1
        else None,
    )
    base = alt.Chart(frame)
    x_axis = alt.Axis(title=x_title, tickCount=5, gridColor="#e6e6e6", **AXIS)
    whiskers = (
        base.transform_filter("isValid(datum.low) && isValid(datum.high)")
        .mark_rule(strokeWidth=1.5)
        .encode(
            x=alt.X("low:Q", scale=x_scale, axis=x_axis),
            x2="high:Q",
            y=alt.Y("y:Q", scale=y_scale, axis=None),
            color=colour,
        )
    )
    dots = (
        base.transform_filter("isValid(datum.est)")
        .mark_point(filled=True, size=60, opacity=1)
        .encode(
            x=alt.X("est:Q", scale=x_scale, axis=x_axis),
            y=alt.Y("y:Q", scale=y_scale, axis=None),
            color=colour,
            description="description:N",
            tooltip=[alt.Tooltip("description:N", title=" ")],
        )
    )
    labelled = base.transform_filter("isValid(datum.label_text)")
    labels = labelled.mark_text(
        align="left", baseline="top", lineBreak="\n", fontSize=FONT, color=INK
    ).encode(
        x=alt.datum(0, scale=x_scale),
        y=alt.Y("label_y:Q", scale=y_scale),
        text="label_text:N",
        description="description:N",
    )
    values = labelled.mark_text(
        align="right", baseline="top", fontSize=FONT, fontWeight="bold", color=INK
    ).encode(
        x=alt.datum(100, scale=x_scale),
        y=alt.Y("label_y:Q", scale=y_scale),
        text="value_text:N",
    )
    chart = alt.layer(whiskers, dots, labels, values).properties(height=height)
    return _svg(chart.configure_view(stroke=None), exact_height=True)


def _wave_shades(n: int) -> list[str]:
    """Earlier waves light to dark grey (each at least 3:1 on white), the latest `SCORE`."""
    greys = ["#949494", "#7f7f7f", "#6b6b6b", CONTEXT]
    k = n - 1
    if k <= 0:
        earlier = []
    elif k <= len(greys):
        step = (len(greys) - 1) / max(k - 1, 1)
        earlier = [greys[round(i * step)] for i in range(k)] if k > 1 else [CONTEXT]
    else:
        earlier = [greys[0]] * (k - len(greys)) + greys
    return [*earlier, SCORE]
