"""Reliability of the multi-item scales: Cronbach's alpha with its interval, item-rest correlations.

For k items with variances s_j^2 and total score T = sum_j x_j (complete cases only):

    alpha = k / (k - 1) * (1 - sum_j s_j^2 / s_T^2)

Its confidence interval is Feldt's, exact (Feldt, 1965; Feldt, Woodruff & Salih, 1987, eq. 9):
(1 - alpha_pop) / (1 - alpha) follows an F distribution on df1 = n - 1 and df2 = (n - 1)(k - 1)
degrees of freedom, so the 1 - a interval is

    [1 - (1 - alpha) F_{1-a/2}(df1, df2),  1 - (1 - alpha) F_{a/2}(df1, df2)]

with F_q the q-quantile (scipy.stats.f.ppf), unrounded. R's psych::alpha.ci computes the same
(tests/fixtures/r_loose_ends).

The item-rest correlation of item j is the Pearson correlation of x_j with the sum of the other
items (the corrected item-total correlation); "alpha if deleted" is alpha of the other k - 1.

Reliability is a property of the instrument, so it is computed unweighted on the respondents
(listwise: only those who answered every item of the scale), on the items' 0-100 values with
negatively worded items reversed. The scales are: every dimension with two or more rating items,
each multi-item usability instrument (UMUX-Lite, SUS) and the battery of all driver items.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import scores as sc

# George & Mallery (2003), SPSS for Windows step by step, rule of thumb for alpha: the lower
# bound of each judgement (its words: report.labels, kind "alpha").
ALPHA_JUDGEMENTS: tuple[tuple[float, str], ...] = (
    (0.9, "excellent"),
    (0.8, "good"),
    (0.7, "acceptable"),
    (0.6, "questionable"),
    (0.5, "poor"),
    (-math.inf, "unacceptable"),
)

MIN_RESPONDENTS = 3

SCALE_COLUMNS = [
    "scale_id",
    "scale_kind",
    "dimension",
    "label_nl",
    "label_en",
    "k",
    "n",
    "alpha",
    "ci_low",
    "ci_high",
    "judgement",
]
ITEM_COLUMNS = [
    "scale_id",
    "item",
    "label_nl",
    "label_en",
    "n",
    "mean",
    "sd",
    "item_rest_r",
    "alpha_if_deleted",
]


@dataclass(frozen=True)
class Alpha:
    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int


def _complete(items: pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(items).apply(pd.to_numeric, errors="raise").astype(float)
    return df.dropna(axis=0, how="any")


def feldt_interval(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt's exact interval for Cronbach's alpha of k items on n respondents (module
    docstring): 1 - (1 - alpha) F_{1-a/2} and 1 - (1 - alpha) F_{a/2} on (n - 1, (n - 1)(k - 1))
    degrees of freedom."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    from scipy import stats  # lazily: scipy.stats costs a second to import

    df1, df2 = n - 1, (n - 1) * (k - 1)
    a = 1 - level
    low = 1 - (1 - alpha) * float(stats.f.ppf(1 - a / 2, df1, df2))
    high = 1 - (1 - alpha) * float(stats.f.ppf(a / 2, df1, df2))
    return low, high


def cronbach_alpha(items: pd.DataFrame, level: float = 0.95) -> Alpha:
    """Cronbach's alpha of the item columns with Feldt's exact interval, listwise (only the
    respondents who answered every item count, in alpha and in the degrees of freedom).
    With fewer than 3 complete respondents, or no variance in the total, alpha is NaN.
    """
    df = _complete(items)
    n, k = df.shape
    if k < 2:
        raise ValueError(f"Cronbach's alpha needs at least two items, got {k}")
    a = _alpha_plain(df)
    if not math.isfinite(a):
        return Alpha(math.nan, math.nan, math.nan, int(n), int(k))
    low, high = feldt_interval(a, n, k, level)
    return Alpha(float(a), low, high, int(n), int(k))


def item_rest_correlations(items: pd.DataFrame) -> pd.Series:
    """Pearson correlation of each item with the sum of the other items (complete cases)."""
    df = _complete(items)
    total = df.sum(axis=1)
    out = {}
    for c in df.columns:
        rest = total - df[c]
        ok = df[c].std(ddof=1) > 0 and rest.std(ddof=1) > 0 and len(df) >= MIN_RESPONDENTS
        out[c] = float(np.corrcoef(df[c], rest)[0, 1]) if ok else math.nan
    return pd.Series(out, name="item_rest_r", dtype=float)


def _alpha_plain(df: pd.DataFrame) -> float:
    k = df.shape[1]
    if k < 2 or len(df) < MIN_RESPONDENTS:
        return math.nan
    var_total = float(df.sum(axis=1).var(ddof=1))
    if var_total <= 0:
        return math.nan
    return k / (k - 1) * (1.0 - float(df.var(ddof=1).sum()) / var_total)


def alpha_if_deleted(items: pd.DataFrame) -> pd.Series:
    """Alpha of the remaining items when each item is left out (NaN with only two items)."""
    df = _complete(items)
    return pd.Series(
        {c: _alpha_plain(df.drop(columns=c)) for c in df.columns},
        name="alpha_if_deleted",
        dtype=float,
    )


def judgement(alpha: float) -> str | None:
    """The judgement of alpha (George & Mallery, 2003) as a code: excellent, good,
    acceptable, questionable, poor or unacceptable; None for a missing alpha."""
    if alpha is None or not np.isfinite(alpha):
        return None
    for bound, code in ALPHA_JUDGEMENTS:
        if alpha >= bound:
            return code
    return None  # pragma: no cover


@dataclass(frozen=True)
class Reliability:
    """``scales``: one row per scale (see SCALE_COLUMNS); ``items``: one row per item."""

    scales: pd.DataFrame
    items: pd.DataFrame


def _scales(cols: list[Any]) -> list[tuple[str, str, str | None, str, str, list[Any]]]:
    """(scale_id, scale_kind, dimension, label_nl, label_en, columns) of every multi-item scale."""
    out = []
    aspects = [c for c in cols if sc._is_aspect_item(c)]
    by_dim: dict[str, list[Any]] = {}
    for c in aspects:
        if c.dimension:
            by_dim.setdefault(c.dimension, []).append(c)
    for dim, members in by_dim.items():
        if len(members) >= 2:
            out.append((f"dimension:{dim}", "dimension", dim, dim, dim, members))
    for t, name in (("umux_lite", "UMUX-Lite"), ("sus", "SUS")):
        for item_id, members in sc._blocks(cols, t).items():
            out.append((f"{t}:{item_id}", "usability", None, name, name, members))
    drivers = [c for c in aspects if c.role == "driver"]
    if len(drivers) >= 2:
        out.append(
            (
                "battery:driver",
                "battery",
                None,
                None,  # no questionnaire label: report.labels, kind "scale"
                None,
                drivers,
            )
        )
    return out


def reliability_table(
    data: Any,
    columns: Any,
    level: float = 0.95,
    dimension_labels: Mapping[str, Any] | None = None,
) -> Reliability:
    """Alpha (with interval and a verbal judgement) and item statistics of every multi-item
    scale of the questionnaire. `data` is a DataFrame of answers or a Design (its ``.data``)."""
    df = getattr(data, "data", data)
    cols = sc._columns(columns)
    scale_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    for scale_id, kind, dim, nl, en, members in _scales(cols):
        sc._require(df, [c.name for c in members], f"reliability of {scale_id}")
        items = pd.DataFrame(
            {
                c.name: sc.to_0_100(
                    sc._numeric(df[c.name], c.name), c.scale_min, c.scale_max, bool(c.reverse)
                )
                for c in members
            },
            index=df.index,
        )
        if kind == "dimension":
            nl = sc._dim_label(dim, "nl", dimension_labels)
            en = sc._dim_label(dim, "en", dimension_labels)
        a = cronbach_alpha(items, level)
        scale_rows.append(
            {
                "scale_id": scale_id,
                "scale_kind": kind,
                "dimension": dim,
                "label_nl": nl,
                "label_en": en,
                "k": a.k,
                "n": a.n,
                "alpha": a.alpha,
                "ci_low": a.ci_low,
                "ci_high": a.ci_high,
                "judgement": judgement(a.alpha),
            }
        )
        complete = _complete(items)
        r = item_rest_correlations(items)
        aid = alpha_if_deleted(items)
        for c in members:
            item_rows.append(
                {
                    "scale_id": scale_id,
                    "item": c.name,
                    "label_nl": sc._label(c, "nl"),
                    "label_en": sc._label(c, "en"),
                    "n": int(len(complete)),
                    "mean": float(complete[c.name].mean()) if len(complete) else math.nan,
                    "sd": float(complete[c.name].std(ddof=1)) if len(complete) > 1 else math.nan,
                    "item_rest_r": float(r[c.name]),
                    "alpha_if_deleted": float(aid[c.name]),
                }
            )
    return Reliability(
        pd.DataFrame(scale_rows, columns=SCALE_COLUMNS),
        pd.DataFrame(item_rows, columns=ITEM_COLUMNS),
    )
