"""Trend between waves: the last wave against the previous, crude and directly standardized.

Test for a change
-----------------
The two waves are independent samples, each with its own design (own frame, strata and
weights). For a score with estimates m_1 (previous) and m_2 (last) and design-based standard
errors s_1, s_2 (Taylor linearisation, :mod:`analysis.design`):

    difference d = m_2 - m_1,   se(d) = sqrt(s_1^2 + s_2^2),   t = d / se(d)

with Welch-Satterthwaite degrees of freedom from the two design df's,
df = (s_1^2 + s_2^2)^2 / (s_1^4 / df_1 + s_2^4 / df_2), and the two-sided p-value of Student's
t (practically the normal z-test for the sample sizes of a wave). A respondent who answers in
both waves is treated as independent; with a positive correlation between a person's answers
that makes the test conservative. The label is *significante verbetering* (significant
improvement) when p < alpha and d > 0, *significante daling* (significant decline) when
p < alpha and d < 0, otherwise *geen significante verandering* (no significant change). Every
score here is "higher is better".

Direct standardization
----------------------
A change in the mix of professions would pass for a change in satisfaction. Both waves are
therefore also re-weighted to one reference composition s_g (shares summing to 1; by default
the last wave's population by profession as its weights estimate it: sum_i w_i per profession,
which is the frame count N_h when the weights are the design weights of a sample stratified by
profession or are calibrated to the frame):

    m_std = sum_g s_g * ybar_g,    ybar_g = sum_{i in g} w_i y_i / sum_{i in g} w_i

over the respondents with a value. Its variance is the design variance of the total of the
influence values z_i = s_g w_i (y_i - ybar_g) / W_g (W_g = sum_{i in g} w_i), exactly what R's
``svystandardize`` (a post-stratification to the reference shares) followed by ``svymean``
gives. When the groups are the strata this equals sum_g s_g^2 se_g^2 (independent domains);
otherwise it also counts the covariance between the domains. The df is the design df of the
respondents with a value. A reference group without respondents in a wave makes that wave's
standardized score undefined (NaN with a note in :func:`compare_waves`, an error in
:func:`standardized_mean`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis import scores as sc
from analysis.notes import note

#: The codes of a change between two waves (their labels: report.labels).
CHANGES = ("improvement", "decline", "none")

TREND_COLUMNS = [
    *sc.SCORE_IDENTITY,
    "prev_estimate",
    "prev_se",
    "prev_n",
    "last_estimate",
    "last_se",
    "last_n",
    "difference",
    "se",
    "df",
    "t",
    "p",
    "ci_low",
    "ci_high",
    "change",
    "std_prev_estimate",
    "std_prev_se",
    "std_last_estimate",
    "std_last_se",
    "std_difference",
    "std_se",
    "std_df",
    "std_t",
    "std_p",
    "std_ci_low",
    "std_ci_high",
    "std_change",
    "note",
    "comparable",
    "not_compared",
    "changed_items",
    "changed_languages",
    "changed_in",
    "prev_df",
    "prev_ci_low",
    "prev_ci_high",
    "last_df",
    "last_ci_low",
    "last_ci_high",
]

#: Why a score is not compared between two questionnaire versions (codes; the words for
#: people are in report.comparability).
NOT_COMPARED = ("items", "scale", "wording")


def _estimate_cls():
    from analysis.design import Estimate

    return Estimate


def difference_test(
    prev: tuple[float, float, float],
    last: tuple[float, float, float],
    alpha: float = 0.05,
    level: float = 0.95,
) -> dict[str, Any]:
    """Test last - prev for two independent design-based estimates ``(estimate, se, df)``.

    Returns difference, se, df (Welch-Satterthwaite), t, p (two-sided), ci_low, ci_high and
    the change code (``improvement``, ``decline``, ``none``; its words: report.labels).
    """
    (m1, s1, d1), (m2, s2, d2) = prev, last
    out = dict.fromkeys(["difference", "se", "df", "t", "p", "ci_low", "ci_high"], math.nan)
    out.update(change=None)
    if not all(np.isfinite(v) for v in (m1, s1, m2, s2)):
        return out
    d = m2 - m1
    v1, v2 = s1**2, s2**2
    se = math.sqrt(v1 + v2)
    df = _satterthwaite(v1, d1, v2, d2)
    if se > 0:
        t = d / se
        p = float(2 * (stats.norm.sf(abs(t)) if math.isinf(df) else stats.t.sf(abs(t), df)))
    else:
        t, p = (math.nan, 1.0) if d == 0 else (math.copysign(math.inf, d), 0.0)
    q = sc._quantile(level, None if math.isinf(df) else df)
    code = "none" if not p < alpha else ("improvement" if d > 0 else "decline")
    out.update(
        difference=d,
        se=se,
        df=df,
        t=t,
        p=p,
        ci_low=d - q * se,
        ci_high=d + q * se,
        change=code,
    )
    return out


def _satterthwaite(v1: float, d1: float, v2: float, d2: float) -> float:
    d1 = math.inf if d1 is None or not np.isfinite(d1) or d1 <= 0 else d1
    d2 = math.inf if d2 is None or not np.isfinite(d2) or d2 <= 0 else d2
    den = (v1**2 / d1 if v1 else 0.0) + (v2**2 / d2 if v2 else 0.0)
    return (v1 + v2) ** 2 / den if den > 0 else math.inf


def _shares(reference: Mapping[Any, float]) -> dict[Any, float]:
    ref = {g: float(v) for g, v in reference.items()}
    bad = [g for g, v in ref.items() if not np.isfinite(v) or v < 0]
    if bad:
        raise ValueError(f"the reference composition has negative or missing sizes for {bad}")
    total = sum(ref.values())
    if total <= 0:
        raise ValueError("the reference composition is empty (its sizes add up to 0)")
    return {g: v / total for g, v in ref.items()}


def population_composition(design: Any, group: str = "profession") -> dict[Any, float]:
    """Estimated population size per group, ``sum_i w_i`` over the design's rows (the frame
    count N_h for design weights of a sample stratified by `group`)."""
    sc._require(design.data, [group], "the reference composition")
    col = design.data[group]
    w = np.asarray(design.weights, dtype=float)
    out = {}
    for g in sc._group_levels(col):
        out[g] = float(w[(col == g).to_numpy(dtype=bool, na_value=False)].sum())
    return {g: v for g, v in out.items() if v > 0}


def standardized_mean(
    design: Any,
    values: Any,
    group: str = "profession",
    reference: Mapping[Any, float] | None = None,
):
    """Directly standardized weighted mean ``sum_g s_g * ybar_g`` with its design-based SE
    (module docstring). ``values``: a column of ``design.data`` or a per-row vector (NaN =
    no value). ``reference``: counts or shares per group (normalised); default: the design's
    own estimated composition. Returns an :class:`analysis.design.Estimate`.
    """
    est, missing = _standardized(design, values, group, reference)
    if missing:
        raise ValueError(
            f"no respondents with a value in group(s) {missing} of {group!r}: the "
            "standardized mean is not defined; merge the group or leave it out of the reference"
        )
    return est


def _standardized(design: Any, values: Any, group: str, reference: Mapping[Any, float] | None):
    Estimate = _estimate_cls()
    data = design.data
    sc._require(data, [group], "standardization")
    if isinstance(values, str):
        sc._require(data, [values], "standardization")
        values = sc._numeric(data[values], values)
    y = sc._aligned(design, values)
    w = np.asarray(design.weights, dtype=float)
    shares = _shares(reference if reference is not None else population_composition(design, group))
    col = data[group]
    ok = ~np.isnan(y) & (w != 0)
    present = set(sc._group_levels(col[ok])) if ok.any() else set()
    unknown = sorted(map(str, present - set(shares)))
    if unknown:
        raise ValueError(
            f"the reference composition has no share for group(s) {unknown} of {group!r}; "
            "give every group a size (0 to leave it out)"
        )
    z = np.zeros(len(y))
    total = 0.0
    used = np.zeros(len(y), dtype=bool)
    missing = []
    for g, s in shares.items():
        if s == 0:
            continue
        rows = ok & (col == g).to_numpy(dtype=bool, na_value=False)
        W = w[rows].sum()
        if W <= 0:
            missing.append(g)
            continue
        ybar = float(w[rows] @ y[rows] / W)
        total += s * ybar
        z[rows] = s * w[rows] * (y[rows] - ybar) / W
        used |= rows
    if missing:
        return Estimate(math.nan, math.nan, math.nan), missing
    se = math.sqrt(max(float(design.linearized_variance(z, rows=used)), 0.0))
    df = float(design.subset(used).df) if hasattr(design, "subset") else float(used.sum() - 1)
    return Estimate(float(total), se, df), []


# --- comparability between questionnaire versions ---------------------------------------------


def score_columns(columns: Any) -> dict[str, list[str]]:
    """The answer columns each score of :func:`analysis.scores.respondent_scores` is computed
    from (score_id -> column names), with the same selection rules."""
    cols = sc._columns(columns)
    out: dict[str, list[str]] = {}
    for c in cols:
        if sc._is_overall(c):
            for k in ("overall", "overall_0_100", "top2"):
                out[f"{k}:{c.name}"] = [c.name]
    dims: dict[str, list[str]] = {}
    for c in cols:
        if sc._is_aspect_item(c):
            out[f"item:{c.name}"] = [c.name]
            out[f"top2:{c.name}"] = [c.name]
            if c.dimension:
                dims.setdefault(c.dimension, []).append(c.name)
    for d, names in dims.items():
        out[f"dimension:{d}"] = names
    for c in cols:
        if sc._is_ces(c):
            out[f"ces_mean:{c.name}"] = [c.name]
            out[f"ces_share_5_7:{c.name}"] = [c.name]
    for item_id, block in sc._blocks(cols, "umux_lite").items():
        out[f"umux_lite:{item_id}"] = out[f"umux_sus_eq:{item_id}"] = [c.name for c in block]
    for item_id, block in sc._blocks(cols, "sus").items():
        out[f"sus:{item_id}"] = [c.name for c in block]
    return out


def _scale(c: Any) -> tuple:
    """What makes two answers the same measurement besides the wording: type, range,
    direction, n.v.t., and the codes with their labels."""
    choices = tuple(
        (str(code), tuple(sorted(dict(label or {}).items())))
        for code, label in (getattr(c, "choices", None) or [])
    )
    fields = ("type", "kind", "scale_min", "scale_max", "reverse", "na")
    return (*(getattr(c, f, None) for f in fields), choices)


def _wording(c: Any) -> dict[str, str]:
    label = getattr(c, "label", None) or {}
    if not isinstance(label, Mapping):
        label = {"": label}
    return {k: " ".join(str(v).split()) for k, v in label.items()}


def comparability(columns_prev: Any, columns_last: Any) -> pd.DataFrame:
    """Per score of the last wave's questionnaire: can it be compared with the previous
    wave's? Only when both versions compute it from the same columns, each with the same
    scale (type, range, direction, codes and their labels) and the same wording in every
    language. Columns: score_id, comparable, not_compared (None or a code of
    :data:`NOT_COMPARED`: items > scale > wording), changed_items (columns that differ),
    changed_languages (languages whose wording differs). A score the previous version does
    not have at all is ``items``."""
    prev = {c.name: c for c in sc._columns(columns_prev)}
    last = {c.name: c for c in sc._columns(columns_last)}
    used_prev = score_columns(list(prev.values()))
    rows = []
    for score_id, names in score_columns(list(last.values())).items():
        before = used_prev.get(score_id)
        changed: list[str] = []
        languages: set[str] = set()
        reason = None
        if before is None or set(before) != set(names):
            reason = "items"
            changed = sorted(set(names) ^ set(before or []))
        else:
            scale = [n for n in names if _scale(prev[n]) != _scale(last[n])]
            worded = []
            for n in names:
                a, b = _wording(prev[n]), _wording(last[n])
                diff = {lang for lang in set(a) | set(b) if a.get(lang) != b.get(lang)}
                if diff:
                    worded.append(n)
                    languages |= diff
            if scale:
                reason, changed = "scale", scale
            elif worded:
                reason, changed = "wording", worded
        rows.append(
            {
                "score_id": score_id,
                "comparable": reason is None,
                "not_compared": reason,
                "changed_items": ", ".join(changed) or None,
                "changed_languages": ", ".join(sorted(languages)) or None,
            }
        )
    return pd.DataFrame(
        rows,
        columns=["score_id", "comparable", "not_compared", "changed_items", "changed_languages"],
    )


def _standardized_change(designs, values, group, ref, alpha, level, notes) -> dict[str, Any]:
    """The std_ columns of a trend row: both waves standardized to ``ref`` by ``group`` and
    their difference tested; a group without values in a wave adds a note to ``notes``."""
    (prev, last), (v1, v2) = designs, values
    s1, miss1 = _standardized(prev, v1, group, ref)
    s2, miss2 = _standardized(last, v2, group, ref)
    for wave, miss in (("previous", miss1), ("last", miss2)):
        if miss:
            notes.append(note("not_standardized", wave=wave, groups=[str(g) for g in miss]))
    std = difference_test((s1.estimate, s1.se, s1.df), (s2.estimate, s2.se, s2.df), alpha, level)
    return {
        "std_prev_estimate": s1.estimate,
        "std_prev_se": s1.se,
        "std_last_estimate": s2.estimate,
        "std_last_se": s2.se,
        **{f"std_{k}": v for k, v in std.items()},
    }


def _own_interval(prefix: str, e: Any, m: Any, level: float) -> dict[str, float]:
    low, high = sc.confidence_interval(
        e["estimate"], e["se"], e["df"], level, bool(m.proportion), int(e["n"])
    )
    return {f"{prefix}_df": e["df"], f"{prefix}_ci_low": low, f"{prefix}_ci_high": high}


def compare_waves(
    prev: Any,
    last: Any,
    columns: Any,
    by_standardize: str | None = "profession",
    reference: Mapping[Any, float] | None = None,
    alpha: float = 0.05,
    level: float = 0.95,
    kinds: Iterable[str] | None = None,
    columns_prev: Any = None,
    dimension_labels: Mapping[str, Any] | None = None,
    version: str | None = None,
) -> pd.DataFrame:
    """Every score of the last wave against the previous one (module docstring).

    ``prev``, ``last``: the two waves' Designs. ``columns``: the questionnaire (columns) of
    the last wave; ``columns_prev`` that of the previous wave when it differs (scores are
    matched by score_id, those in only one wave are left out; a score whose columns, scale
    or wording differ between the two (:func:`comparability`) keeps each wave's estimate but
    gets no difference, test or standardized figures, with ``comparable`` False, the code in
    ``not_compared`` and ``changed_in`` = ``version``, the last wave's questionnaire
    version). ``by_standardize``: the group
    column for direct standardization (None: crude only); ``reference``: counts or shares per
    group (default: the last wave's composition, see :func:`population_composition`).
    One row per score (TREND_COLUMNS).
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    rs_last = sc.respondent_scores(last.data, columns, dimension_labels)
    rs_prev = sc.respondent_scores(
        prev.data, columns if columns_prev is None else columns_prev, dimension_labels
    )
    if kinds is not None:
        rs_last, rs_prev = rs_last.only(kinds), rs_prev.only(kinds)
    ref = None
    if by_standardize is not None:
        sc._require(prev.data, [by_standardize], "standardization (previous wave)")
        sc._require(last.data, [by_standardize], "standardization (last wave)")
        ref = _shares(
            reference if reference is not None else population_composition(last, by_standardize)
        )
    common = set(rs_prev.meta["score_id"])
    same = {}
    if columns_prev is not None:
        same = comparability(columns_prev, columns).set_index("score_id").to_dict("index")
    rows = []
    for m in rs_last.meta.itertuples(index=False):
        if m.score_id not in common:
            continue
        # A score whose question changed is shown with each wave's own figure, never as a
        # change: the difference, the test and the standardized figures stay empty.
        verdict = same.get(m.score_id) or {
            "comparable": True,
            "not_compared": None,
            "changed_items": None,
            "changed_languages": None,
        }
        notes = []
        e1 = sc.design_mean(prev, rs_prev.values[m.score_id]).iloc[0]
        e2 = sc.design_mean(last, rs_last.values[m.score_id]).iloc[0]
        crude = difference_test(
            (e1["estimate"], e1["se"], e1["df"]), (e2["estimate"], e2["se"], e2["df"]), alpha, level
        )
        if not verdict["comparable"]:
            crude = difference_test((math.nan,) * 3, (math.nan,) * 3)
        row = {
            "score_id": m.score_id,
            "kind": m.kind,
            "dimension": m.dimension,
            "item": m.item,
            "subject_nl": m.subject_nl,
            "subject_en": m.subject_en,
            "scale": m.scale,
            "prev_estimate": e1["estimate"],
            "prev_se": e1["se"],
            "prev_n": int(e1["n"]),
            "last_estimate": e2["estimate"],
            "last_se": e2["se"],
            "last_n": int(e2["n"]),
            **crude,
            # Each wave's own interval exactly as that wave's own score table gives it (t on
            # the design df, logit for a share), so a wave reads the same on its Overzicht and
            # in the trend of a later wave.
            **_own_interval("prev", e1, m, level),
            **_own_interval("last", e2, m, level),
        }
        if ref is not None and verdict["comparable"]:
            values = (rs_prev.values[m.score_id], rs_last.values[m.score_id])
            row.update(
                _standardized_change((prev, last), values, by_standardize, ref, alpha, level, notes)
            )
        if e1["n"] == 0 or e2["n"] == 0:
            notes.append(note("no_answers"))
        row["note"] = tuple(notes) or None
        row.update(verdict, changed_in=None if verdict["comparable"] else version)
        rows.append(row)
    out = pd.DataFrame(rows, columns=TREND_COLUMNS)
    out.attrs["reference"] = ref
    out.attrs["by_standardize"] = by_standardize
    return out
