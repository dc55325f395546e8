"""Standardized satisfaction scores: per respondent, and weighted over a survey design.

Per respondent (plain functions, NaN where an answer is missing):

* an item on a min..max scale on 0-100: ``(x - min) / (max - min) * 100``; a reversed item
  (negatively worded) as ``(max - x) / (max - min) * 100`` so that 100 is always the best.
  "Niet van toepassing / weet niet" is stored as missing and stays missing;
* a dimension (aspect): the mean of the 0-100 values of the items of that dimension that the
  respondent answered (missing only when none of them is answered);
* top-2-box: 1 when the answer is in the two best categories of the scale, else 0;
* Customer Effort Score (CES, 1-7 agreement with "... made it easy"): the raw 1-7 value, and
  the indicator of an answer 5-7 (agreeing);
* UMUX-Lite (Lewis, Utesch & Maher, 2013), two 1-7 items: ``(i1 + i2 - 2) * 100 / 12``, and its
  SUS-equivalent from the same paper's regression, ``0.65 * UMUX-Lite + 22.9``;
* SUS (Brooke, 1996), ten 1-5 items: ``2.5 * (sum over odd items (x - 1) + sum over even items
  (5 - x))``, missing when any of the ten is missing; graded with the Sauro-Lewis curved scale.

Over a design (:func:`score_table`): each per-respondent score is estimated as a weighted mean
with its design-based (Taylor linearisation) standard error, via :class:`analysis.design.Design`,
overall and per group of any column of the data (profession, training year, mode, ...).
Respondents without a value for a score are a domain that is left out, as R's ``na.rm=TRUE``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

NA_CODES = frozenset({"nvt", "n.v.t.", "weet niet"})
RATING_KINDS = frozenset({"scale", "rating"})
NOT_SCORED_ROLES = frozenset({"profile", "routing", "consent", "open"})

SCORE_KINDS = (
    "item",
    "top2",
    "dimension",
    "overall",
    "overall_0_100",
    "ces_mean",
    "ces_share_5_7",
    "umux_lite",
    "umux_sus_eq",
    "sus",
)
PROPORTION_KINDS = frozenset({"top2", "ces_share_5_7"})

SCORE_TABLE_COLUMNS = [
    "score_id",
    "kind",
    "dimension",
    "item",
    "group_var",
    "group",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "n",
    "subject_nl",
    "subject_en",
    "scale",
    "grade",
]

# Sauro & Lewis (2016), Quantifying the User Experience, 2nd ed., Table 8.5: the curved
# grading scale for SUS. Lower bound of each grade; a score between two printed ranges
# (e.g. 84.05) takes the lower grade.
SUS_GRADES: tuple[tuple[float, str], ...] = (
    (84.1, "A+"),
    (80.8, "A"),
    (78.9, "A-"),
    (77.2, "B+"),
    (74.1, "B"),
    (72.6, "B-"),
    (71.1, "C+"),
    (65.0, "C"),
    (62.7, "C-"),
    (51.7, "D"),
    (0.0, "F"),
)

# Lewis, Utesch & Maher (2013), "UMUX-LITE: when there's no time for the SUS", CHI 2013:
# the regression of SUS on UMUX-Lite.
UMUX_SUS_SLOPE = 0.65
UMUX_SUS_INTERCEPT = 22.9


# -- coercion -------------------------------------------------------------------------------


def _numeric(values: Any, name: str = "values") -> pd.Series:
    """A float Series; NA codes ("nvt") and None become NaN, anything else non-numeric fails."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if s.dtype.kind in "fiub":
        return s.astype(float)
    obj = s.astype(object)
    is_na_code = obj.map(lambda v: isinstance(v, str) and v.strip().lower() in NA_CODES)
    obj = obj.where(~is_na_code.astype(bool), None)
    num = pd.to_numeric(obj, errors="coerce").astype(float)
    bad = num.isna() & obj.notna()
    if bad.any():
        row = bad[bad].index[0]
        raise ValueError(
            f"{name}: {int(bad.sum())} value(s) are not numbers, e.g. {obj[row]!r} in row {row!r}; "
            "store answers as numbers and 'niet van toepassing' as empty"
        )
    return num


def _check_range(s: pd.Series, lo: float, hi: float, name: str) -> None:
    bad = s.notna() & ((s < lo) | (s > hi))
    if bad.any():
        row = bad[bad].index[0]
        raise ValueError(
            f"{name}: {int(bad.sum())} value(s) outside the scale {lo:g}-{hi:g}, "
            f"e.g. {s[row]:g} in row {row!r}; correct the data or the scale of the item"
        )


def _like(original: Any, result: pd.Series, name: str | None = None):
    """Return `result` in the shape of `original`: Series -> Series, scalar -> float, else array."""
    if isinstance(original, pd.Series):
        return result.rename(name if name is not None else original.name)
    if np.ndim(original) == 0:
        return float(result.iloc[0])
    return result.to_numpy()


# -- per-respondent scores ------------------------------------------------------------------


def to_0_100(x: Any, lo: float, hi: float, reverse: bool = False):
    """Map answers on a ``lo..hi`` scale linearly to 0-100: ``(x - lo) / (hi - lo) * 100``.

    With ``reverse=True`` (a negatively worded item) ``(hi - x) / (hi - lo) * 100``. Missing
    answers (None, NaN, "nvt") stay missing; a value outside ``lo..hi`` raises ``ValueError``.
    Returns a Series for a Series, a float for a scalar, else a numpy array.
    """
    if lo is None or hi is None or not (float(hi) > float(lo)):
        raise ValueError(f"scale bounds must satisfy lo < hi, got lo={lo!r}, hi={hi!r}")
    lo, hi = float(lo), float(hi)
    s = _numeric(x if np.ndim(x) else [x], getattr(x, "name", None) or "values")
    _check_range(s, lo, hi, getattr(x, "name", None) or "values")
    out = (hi - s if reverse else s - lo) / (hi - lo) * 100.0
    return _like(x, out)


def sus_score(items: pd.DataFrame | Any) -> pd.Series:
    """SUS per respondent (Brooke, 1996) from its ten 1-5 items, in questionnaire order.

    ``2.5 * (sum_{odd j} (x_j - 1) + sum_{even j} (5 - x_j))``, 0-100; NaN if any item is
    missing (partial SUS is not scored, as in Brooke's instructions).
    """
    df = pd.DataFrame(items)
    if df.shape[1] != 10:
        raise ValueError(
            f"SUS needs exactly ten item columns in questionnaire order, got {df.shape[1]}: "
            f"{list(df.columns)}"
        )
    cols = [_numeric(df.iloc[:, j], str(df.columns[j])) for j in range(10)]
    for c in cols:
        _check_range(c, 1, 5, f"SUS item {c.name}")
    odd = sum(cols[j] - 1 for j in range(0, 10, 2))
    even = sum(5 - cols[j] for j in range(1, 10, 2))
    return (2.5 * (odd + even)).rename("sus")


def umux_lite_score(i1: Any, i2: Any):
    """UMUX-Lite per respondent (Lewis, Utesch & Maher, 2013) from its two 1-7 items.

    ``(i1 + i2 - 2) * 100 / 12``, 0-100; NaN if either item is missing.
    """
    a = _numeric(i1 if np.ndim(i1) else [i1], "UMUX-Lite item 1")
    b = _numeric(i2 if np.ndim(i2) else [i2], "UMUX-Lite item 2")
    if len(a) != len(b):
        raise ValueError(f"UMUX-Lite items have different lengths: {len(a)} and {len(b)}")
    if isinstance(i1, pd.Series) and isinstance(i2, pd.Series) and not a.index.equals(b.index):
        raise ValueError("UMUX-Lite items have different row indexes; align them first")
    b.index = a.index
    _check_range(a, 1, 7, "UMUX-Lite item 1")
    _check_range(b, 1, 7, "UMUX-Lite item 2")
    return _like(i1, (a + b - 2) * 100.0 / 12.0, "umux_lite")


def umux_lite_sus_equivalent(x: Any):
    """SUS-equivalent of a UMUX-Lite score: ``0.65 * x + 22.9`` (Lewis, Utesch & Maher, 2013).

    Ranges from 22.9 (UMUX-Lite 0) to 87.9 (UMUX-Lite 100).
    """
    s = _numeric(x if np.ndim(x) else [x], "UMUX-Lite score")
    _check_range(s, 0, 100, "UMUX-Lite score")
    return _like(x, UMUX_SUS_SLOPE * s + UMUX_SUS_INTERCEPT, "umux_sus_eq")


def _grade_one(v: float) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if not 0.0 <= v <= 100.0:
        raise ValueError(f"a SUS score lies in 0-100, got {v!r}")
    for bound, grade in SUS_GRADES:
        if v >= bound:
            return grade
    return "F"  # pragma: no cover - 0.0 is the last bound


def sus_grade(score: Any):
    """Sauro-Lewis curved grade (A+ .. F) of a SUS score (or a SUS-equivalent).

    Sauro, J. & Lewis, J. R. (2016). Quantifying the User Experience, 2nd ed., Table 8.5:
    A+ 84.1-100, A 80.8-84.0, A- 78.9-80.7, B+ 77.2-78.8, B 74.1-77.1, B- 72.6-74.0,
    C+ 71.1-72.5, C 65.0-71.0, C- 62.7-64.9, D 51.7-62.6, F 0-51.6. Missing gives None.
    """
    if isinstance(score, pd.Series):
        num = _numeric(score, str(score.name))
        return pd.Series([_grade_one(v) for v in num], index=score.index, dtype=object)
    if np.ndim(score) == 0:
        return _grade_one(float(score) if score is not None else None)
    return np.array([_grade_one(float(v)) for v in np.asarray(score, dtype=float)], dtype=object)


def top2_box(x: Any, lo: float, hi: float, reverse: bool = False):
    """1.0 when the answer is in the two best categories of ``lo..hi`` (``x >= hi - 1``, or
    ``x <= lo + 1`` for a reversed item), 0.0 otherwise, NaN when missing."""
    s = _numeric(x if np.ndim(x) else [x], getattr(x, "name", None) or "values")
    _check_range(s, lo, hi, getattr(x, "name", None) or "values")
    hit = (s <= lo + 1) if reverse else (s >= hi - 1)
    return _like(x, hit.astype(float).where(s.notna()))


def ces_share_high(x: Any):
    """Customer Effort Score (1-7): 1.0 for an answer 5-7 (agrees the service made it easy),
    0.0 for 1-4, NaN when missing."""
    s = _numeric(x if np.ndim(x) else [x], getattr(x, "name", None) or "CES")
    _check_range(s, 1, 7, getattr(x, "name", None) or "CES")
    return _like(x, (s >= 5).astype(float).where(s.notna()))


# -- columns of a questionnaire ------------------------------------------------------------


def _columns(columns: Any) -> list[Any]:
    """Accept a Questionnaire (anything with ``.columns()``) or an iterable of Column-likes."""
    cols = columns.columns() if callable(getattr(columns, "columns", None)) else columns
    return list(cols)


def _label(col: Any, lang: str) -> str:
    label = getattr(col, "label", None) or {}
    if isinstance(label, Mapping):
        return str(label.get(lang) or label.get("nl") or next(iter(label.values()), col.name))
    return str(label)


def _is_usability(c: Any) -> bool:
    return c.type in ("sus", "umux_lite") or c.role == "usability"


def _is_ces(c: Any) -> bool:
    return c.type == "ces" or (c.role == "effort" and c.kind in RATING_KINDS)


def _is_overall(c: Any) -> bool:
    return c.role == "overall" and c.kind in RATING_KINDS


def _is_aspect_item(c: Any) -> bool:
    """A rating item that counts as an aspect (driver) item: not overall/usability/effort."""
    return (
        c.kind in RATING_KINDS
        and c.scale_min is not None
        and c.scale_max is not None
        and not (_is_usability(c) or _is_ces(c) or _is_overall(c))
        and c.role not in NOT_SCORED_ROLES
    )


def aspect_columns(columns: Any) -> list[Any]:
    """The rating items that count towards an aspect (dimension) score."""
    return [c for c in _columns(columns) if _is_aspect_item(c) and c.dimension]


def overall_column(columns: Any) -> Any | None:
    """The overall-satisfaction item (role ``overall``), preferring the 0-10 rating."""
    cands = [c for c in _columns(columns) if _is_overall(c)]
    cands.sort(key=lambda c: c.kind != "rating")
    return cands[0] if cands else None


def _require(data: pd.DataFrame, names: Iterable[str], what: str) -> None:
    missing = [n for n in names if n not in data.columns]
    if missing:
        raise KeyError(
            f"{what}: the data have no column(s) {missing}; "
            "are the responses from this questionnaire version?"
        )


def item_scores(data: pd.DataFrame, columns: Any) -> pd.DataFrame:
    """Every aspect rating item (and the overall item) on 0-100, one column per item."""
    cols = [c for c in _columns(columns) if _is_aspect_item(c) or _is_overall(c)]
    _require(data, [c.name for c in cols], "item scores")
    return pd.DataFrame(
        {
            c.name: to_0_100(
                _numeric(data[c.name], c.name), c.scale_min, c.scale_max, bool(c.reverse)
            )
            for c in cols
        },
        index=data.index,
    )


def dimension_scores(data: pd.DataFrame, columns: Any) -> pd.DataFrame:
    """Per respondent and dimension: the mean of the 0-100 values of the dimension's items
    that the respondent answered (NaN when none). One column per dimension, in order."""
    cols = aspect_columns(columns)
    items = item_scores(data, cols)
    out: dict[str, pd.Series] = {}
    for dim in dict.fromkeys(c.dimension for c in cols):
        names = [c.name for c in cols if c.dimension == dim]
        out[dim] = items[names].mean(axis=1, skipna=True)
    return pd.DataFrame(out, index=data.index)


def _humanize(key: str) -> str:
    text = str(key).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _dim_label(dim: str, lang: str, labels: Mapping[str, Any] | None) -> str:
    if labels and dim in labels:
        v = labels[dim]
        if isinstance(v, Mapping):
            return str(v.get(lang) or v.get("nl") or dim)
        return str(v)
    return _humanize(dim)


@dataclass(frozen=True)
class RespondentScores:
    """Per-respondent values of every score (``values``, one column per score_id, aligned with
    the data) and what each score is (``meta``: score_id, kind, dimension, item, subject_nl,
    subject_en, scale, proportion). The subject is the questionnaire's label of the item or
    dimension scored (None for a score of its own: overall, CES, UMUX-Lite, SUS), ``scale`` the
    range of a score on the item's own scale ("1-5"); a score's label (report.labels) is
    written from its kind, subject and scale."""

    values: pd.DataFrame
    meta: pd.DataFrame

    def only(self, kinds: Iterable[str]) -> RespondentScores:
        keep = self.meta[self.meta["kind"].isin(list(kinds))]
        return RespondentScores(self.values[list(keep["score_id"])], keep.reset_index(drop=True))


def respondent_scores(
    data: pd.DataFrame,
    columns: Any,
    dimension_labels: Mapping[str, Any] | None = None,
) -> RespondentScores:
    """All scores of the questionnaire, per respondent (see the module docstring).

    Score ids are stable across waves: ``item:<column>``, ``top2:<column>``,
    ``dimension:<dimension>``, ``overall:<column>``, ``overall_0_100:<column>``,
    ``ces_mean:<column>``, ``ces_share_5_7:<column>``, ``umux_lite:<item>``,
    ``umux_sus_eq:<item>``, ``sus:<item>``.
    """
    cols = _columns(columns)
    overall = [c for c in cols if _is_overall(c)]
    aspects = [c for c in cols if _is_aspect_item(c)]
    _require(data, [c.name for c in overall + aspects], "scores")
    acc = _Scores()
    _overall_scores(acc, data, overall)
    _aspect_scores(acc, data, aspects, dimension_labels)
    _effort_scores(acc, data, cols)
    _usability_scores(acc, data, cols)
    values_df = pd.DataFrame(acc.values, index=data.index)
    meta_df = pd.DataFrame(
        acc.meta,
        columns=META_COLUMNS,
    )
    # An item can appear once as overall-top2 and never again; guard against duplicates.
    meta_df = meta_df.drop_duplicates("score_id").reset_index(drop=True)
    return RespondentScores(values_df, meta_df)


#: What a score is, in every table of scores (its label: report.labels, from kind, subject and
#: scale).
SCORE_IDENTITY = ["score_id", "kind", "dimension", "item", "subject_nl", "subject_en", "scale"]
#: What respondent_scores says of each score.
META_COLUMNS = [*SCORE_IDENTITY, "proportion"]


class _Scores:
    """The scores found so far: values per score_id and what each score is."""

    def __init__(self) -> None:
        self.values: dict[str, pd.Series] = {}
        self.meta: list[dict[str, Any]] = []

    def add(
        self, score_id, kind, series, dimension=None, item=None, nl=None, en=None, scale=None
    ) -> None:
        """``nl``, ``en``: the subject's questionnaire label; ``scale``: its own range."""
        self.values[score_id] = series.astype(float)
        self.meta.append(
            {
                "score_id": score_id,
                "kind": kind,
                "dimension": dimension,
                "item": item,
                "subject_nl": nl,
                "subject_en": en,
                "scale": scale,
                "proportion": kind in PROPORTION_KINDS,
            }
        )


def _overall_scores(acc: _Scores, data: pd.DataFrame, overall: list[Any]) -> None:
    """The overall item on its own scale, on 0-100 and as a top-2-box share."""
    for c in overall:
        raw = _numeric(data[c.name], c.name)
        _check_range(raw, c.scale_min, c.scale_max, c.name)
        lo, hi = c.scale_min, c.scale_max
        rng = f"{lo:g}-{hi:g}"
        acc.add(
            f"overall:{c.name}",
            "overall",
            raw,
            c.dimension,
            c.name,
            scale=rng,
        )
        acc.add(
            f"overall_0_100:{c.name}",
            "overall_0_100",
            to_0_100(raw, lo, hi, bool(c.reverse)),
            c.dimension,
            c.name,
        )
        acc.add(
            f"top2:{c.name}",
            "top2",
            top2_box(raw, lo, hi, bool(c.reverse)),
            c.dimension,
            c.name,
            _label(c, "nl"),
            _label(c, "en"),
        )


def _aspect_scores(acc: _Scores, data: pd.DataFrame, aspects: list[Any], dimension_labels) -> None:
    """Every aspect item on 0-100 and as a top-2-box share, and each dimension's mean."""
    dims: dict[str, list[str]] = {}
    for c in aspects:
        raw = _numeric(data[c.name], c.name)
        score = to_0_100(raw, c.scale_min, c.scale_max, bool(c.reverse))
        acc.add(
            f"item:{c.name}",
            "item",
            score,
            c.dimension,
            c.name,
            _label(c, "nl"),
            _label(c, "en"),
        )
        acc.add(
            f"top2:{c.name}",
            "top2",
            top2_box(raw, c.scale_min, c.scale_max, bool(c.reverse)),
            c.dimension,
            c.name,
            _label(c, "nl"),
            _label(c, "en"),
        )
        if c.dimension:
            dims.setdefault(c.dimension, []).append(f"item:{c.name}")
    for dim, ids in dims.items():
        acc.add(
            f"dimension:{dim}",
            "dimension",
            pd.concat([acc.values[i] for i in ids], axis=1).mean(axis=1, skipna=True),
            dim,
            None,
            _dim_label(dim, "nl", dimension_labels),
            _dim_label(dim, "en", dimension_labels),
        )


def _effort_scores(acc: _Scores, data: pd.DataFrame, cols: list[Any]) -> None:
    """The Customer Effort Score: its mean and the share 5-7."""
    for c in (c for c in cols if _is_ces(c)):
        _require(data, [c.name], "Customer Effort Score")
        raw = _numeric(data[c.name], c.name)
        _check_range(raw, 1, 7, c.name)
        acc.add(
            f"ces_mean:{c.name}",
            "ces_mean",
            raw,
            c.dimension,
            c.name,
        )
        acc.add(
            f"ces_share_5_7:{c.name}",
            "ces_share_5_7",
            ces_share_high(raw),
            c.dimension,
            c.name,
        )


def _usability_scores(acc: _Scores, data: pd.DataFrame, cols: list[Any]) -> None:
    """UMUX-Lite (and its SUS equivalent) and SUS, per instrument."""
    for item_id, block in _blocks(cols, "umux_lite").items():
        _require(data, [c.name for c in block], "UMUX-Lite")
        if len(block) != 2:
            raise ValueError(f"UMUX-Lite item {item_id!r} needs 2 columns, has {len(block)}")
        u = umux_lite_score(data[block[0].name], data[block[1].name])
        acc.add(
            f"umux_lite:{item_id}",
            "umux_lite",
            u,
            None,
            item_id,
        )
        acc.add(
            f"umux_sus_eq:{item_id}",
            "umux_sus_eq",
            umux_lite_sus_equivalent(u),
            None,
            item_id,
        )

    for item_id, block in _blocks(cols, "sus").items():
        _require(data, [c.name for c in block], "SUS")
        acc.add(
            f"sus:{item_id}",
            "sus",
            sus_score(data[[c.name for c in block]]),
            None,
            item_id,
        )


def _blocks(cols: Sequence[Any], item_type: str) -> dict[str, list[Any]]:
    """Composite items (SUS, UMUX-Lite): their columns in statement order (``<id>_1`` ...)."""
    blocks: dict[str, list[Any]] = {}
    for c in cols:
        if c.type == item_type:
            blocks.setdefault(c.item_id, []).append(c)

    def order(c):
        suffix = str(c.name).rsplit("_", 1)[-1]
        return int(suffix) if suffix.isdigit() else 0

    return {k: sorted(v, key=order) for k, v in blocks.items()}


# -- design-based estimation ----------------------------------------------------------------


@lru_cache(maxsize=4096)
def _quantile(level: float, df: float | None) -> float:
    # Cached: a score table asks the same few (level, df) pairs hundreds of times.
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence level must lie strictly between 0 and 1, got {level!r}")
    p = 0.5 + level / 2.0
    if df is None or not np.isfinite(df) or df <= 0:
        return float(stats.norm.ppf(p))
    return float(stats.t.ppf(p, df))


def confidence_interval(
    estimate: float,
    se: float,
    df: float | None,
    level: float = 0.95,
    proportion: bool = False,
    n: int | None = None,
) -> tuple[float, float]:
    """Wald interval ``estimate +/- q * se`` (q from Student t with the design's degrees of
    freedom, normal when unknown); for a proportion the logit interval of R's
    ``svyciprop(method = "logit")``: ``expit(logit(p) +/- q * se / (p (1 - p)))``. For a
    proportion of exactly 0 or 1 (se 0) the Clopper-Pearson interval on the ``n`` respondents.
    """
    if estimate is None or not np.isfinite(estimate) or se is None or not np.isfinite(se):
        return (math.nan, math.nan)
    q = _quantile(level, df)
    if not proportion:
        return (estimate - q * se, estimate + q * se)
    p = float(estimate)
    if 0.0 < p < 1.0 and se > 0:
        lp = math.log(p / (1.0 - p))
        half = q * se / (p * (1.0 - p))
        return (1.0 / (1.0 + math.exp(-(lp - half))), 1.0 / (1.0 + math.exp(-(lp + half))))
    if n:
        x = round(p * n)
        a = 1.0 - level
        low = 0.0 if x == 0 else float(stats.beta.ppf(a / 2, x, n - x + 1))
        high = 1.0 if x == n else float(stats.beta.ppf(1 - a / 2, x + 1, n - x))
        return (low, high)
    return (p, p)


def _group_levels(col: pd.Series) -> list[Any]:
    """Levels of a grouping column in R's factor order (categories, else sorted), no NA."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return [c for c in col.cat.categories if (col == c).any()]
    return list(pd.Series(col.dropna().unique()).sort_values(kind="stable"))


def _aligned(design: Any, values: Any) -> np.ndarray:
    data = design.data
    if isinstance(values, pd.Series) and not values.index.equals(data.index):
        if len(values) != len(data) or not values.index.isin(data.index).all():
            raise ValueError("the score values are not aligned with the rows of the design")
        values = values.reindex(data.index)
    v = np.asarray(values, dtype=float)
    if v.shape != (len(data),):
        raise ValueError(f"{v.shape[0] if v.ndim else 1} values for a design of {len(data)} rows")
    return v


def _by_codes(data: pd.DataFrame, by: str) -> tuple[list[Any], np.ndarray]:
    """The levels of ``data[by]`` (:func:`_group_levels`) and each row's position among them
    (-1 for a missing value)."""
    _require(data, [by], "estimation by group")
    col = data[by]
    groups = _group_levels(col)
    if not groups:
        return groups, np.full(len(col), -1, dtype=np.intp)
    codes = pd.Index(groups, dtype=object).get_indexer(col.astype(object))
    return groups, np.asarray(codes, dtype=np.intp)


def _strata_codes(design: Any) -> np.ndarray:
    strata = getattr(design, "strata", None)
    n = len(design.data)
    return pd.factorize(design.data[strata])[0] if strata else np.zeros(n, dtype=np.intp)


def _domain_means(
    design: Any,
    v: np.ndarray,
    w: np.ndarray,
    s_codes: np.ndarray,
    groups: list[Any],
    codes: np.ndarray | None,
) -> pd.DataFrame:
    """:func:`design_mean` for one grouping, given as codes (None: overall)."""
    has = ~np.isnan(v) & (w != 0)
    if codes is None:
        groups = [None]
        member = has[:, None]
        inside = has
        dom = np.zeros(len(v), dtype=np.intp)
    else:
        member = has[:, None] & (codes[:, None] == np.arange(len(groups)))
        inside = has & (codes >= 0)
        dom = codes
    # All domains at once: domain weights W, means, and influence values
    # x_ig = W_ig (y_i - ybar_g) / sum_i W_ig through the design's variance (as svyby).
    W = np.where(member, w[:, None], 0.0)
    sw = W.sum(axis=0)
    y0 = np.nan_to_num(v)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (W * y0[:, None]).sum(axis=0) / sw
        infl = np.where(sw > 0, W * (y0[:, None] - means) / sw, 0.0)
    se = (
        np.sqrt(
            np.clip(
                np.diag(np.atleast_2d(design.linearized_variance(infl, rows=inside))), 0.0, None
            )
        )
        if len(groups)
        else np.zeros(0)
    )
    # n and R's degf of each domain: respondents minus strata present in the domain.
    n = np.bincount(dom[inside], minlength=len(groups))
    stratum = s_codes[inside] + 1  # a missing stratum (-1) counts as one of its own
    size = int(stratum.max()) + 1 if len(stratum) else 1
    pairs = np.unique(dom[inside] * size + stratum)
    strata_in = np.bincount(pairs // size, minlength=len(groups))
    rows = []
    for j, g in enumerate(groups):
        if n[j] == 0:
            rows.append({"group": g, "estimate": math.nan, "se": math.nan, "df": math.nan, "n": 0})
            continue
        rows.append(
            {
                "group": g,
                "estimate": float(means[j]),
                "se": float(se[j]),
                "df": float(n[j] - strata_in[j]),
                "n": int(n[j]),
            }
        )
    return pd.DataFrame(rows, columns=["group", "estimate", "se", "df", "n"])


def design_mean(design: Any, values: Any, by: str | None = None) -> pd.DataFrame:
    """Weighted mean of a per-respondent vector with its design-based SE, overall or per level
    of the column `by` of ``design.data`` (domain estimation: R's ``svyby``/``subset``, the
    variance from the full design). Missing values are left out (R's ``na.rm=TRUE``).

    Returns columns ``group, estimate, se, df, n``: ``n`` the respondents in the domain with a
    value and a positive weight; a domain without any has NaN estimate and n 0.
    """
    v = _aligned(design, values)
    w = np.asarray(design.weights, dtype=float)
    groups, codes = ([None], None) if by is None else _by_codes(design.data, by)
    return _domain_means(design, v, w, _strata_codes(design), groups, codes)


def score_table(
    design: Any,
    columns: Any,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    dimension_labels: Mapping[str, Any] | None = None,
    kinds: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Every score of the questionnaire, weighted over the design, in long format.

    One row per score (and per group of each `by` column, after the overall row, which has
    ``group_var`` and ``group`` None): ``score_id, kind, dimension, item, group_var, group,
    estimate, se, ci_low, ci_high, df, n, subject_nl, subject_en, scale, grade`` (the label:
    report.labels.worded). ``n`` counts the
    respondents with a value; ``grade`` is the Sauro-Lewis grade of a SUS (or SUS-equivalent)
    estimate. Proportions (top-2-box, CES 5-7) are shares 0-1 with logit intervals; the rest
    are means with t intervals on the design's degrees of freedom.
    """
    rs = respondent_scores(design.data, columns, dimension_labels)
    if kinds is not None:
        unknown = set(kinds) - set(SCORE_KINDS)
        if unknown:
            raise ValueError(f"unknown score kind(s) {sorted(unknown)}; known: {SCORE_KINDS}")
        rs = rs.only(kinds)
    by_vars = [by] if isinstance(by, str) else list(by or [])
    _require(design.data, by_vars, "score_table(by=...)")
    # What every score shares, worked out once: weights, strata, the groups of each by-column.
    w = np.asarray(design.weights, dtype=float)
    s_codes = _strata_codes(design)
    domains = {None: ([None], None), **{gv: _by_codes(design.data, gv) for gv in by_vars}}
    rows: list[dict[str, Any]] = []
    for m in rs.meta.itertuples(index=False):
        v = _aligned(design, rs.values[m.score_id])
        for gv in [None, *by_vars]:
            est = _domain_means(design, v, w, s_codes, *domains[gv])
            for e in est.itertuples(index=False):
                low, high = confidence_interval(
                    e.estimate, e.se, e.df, level, m.proportion, int(e.n)
                )
                grade = None
                if m.kind in ("sus", "umux_sus_eq") and np.isfinite(e.estimate):
                    grade = sus_grade(float(e.estimate))
                rows.append(
                    {
                        "score_id": m.score_id,
                        "kind": m.kind,
                        "dimension": m.dimension,
                        "item": m.item,
                        "group_var": gv,
                        "group": e.group,
                        "estimate": e.estimate,
                        "se": e.se,
                        "ci_low": low,
                        "ci_high": high,
                        "df": e.df,
                        "n": int(e.n),
                        "subject_nl": m.subject_nl,
                        "subject_en": m.subject_en,
                        "scale": m.scale,
                        "grade": grade,
                    }
                )
    return pd.DataFrame(rows, columns=SCORE_TABLE_COLUMNS)
