"""Disclosure control for every figure the dashboard shows and every export writes.

Rule: no figure for a cell with fewer than ``k`` respondents (``k`` = 5 by default, set per
wave). Such a cell is *primarily* suppressed: its count and every figure of it are replaced
by the marker ``SUPPRESSED`` ("x", the sign statistical offices use and an Excel reader
recognises; report.wording.suppression_note explains it to people).

Complementary suppression. A table's cells lie on *lines*: sets of cells whose counts add up
to a published total. A one-way breakdown is one line (its total is taken to be published,
in the table or elsewhere); a cross-table given by ``group_cols`` has a line along each of its
dimensions through every combination of the other dimensions' values (the rows and the
columns of a two-way table). When ``total_row`` is given, the cell carrying that label in a
dimension is the line's total and is itself a member of the line; otherwise the line's total
is assumed published elsewhere. Repeated until nothing changes:

1. a line with exactly one suppressed member: the value would follow by subtraction, so the
   smallest unsuppressed part of the line (ties: first in the table; the total only when no
   part is left) is suppressed too;
2. a line whose total is published and whose suppressed parts hold fewer than ``k``
   respondents together: their combined figure would describe fewer than ``k`` people, so the
   next-smallest part is added;
3. a suppressed cell whose value still follows from all line equations together (solving
   the linear system of the published totals: possible in a cross-table even when every line
   holds two suppressed cells) gets a complement in one of its lines.

Step 3 checks exact recovery with the null space of the line equations restricted to the
suppressed cells: a suppressed cell is determined iff every null-space vector is zero in it.
What the module does not do: optimise the pattern (fewest cells or respondents lost, as
τ-ARGUS does) or protect against bounds from non-negativity (interval disclosure).

A line with a single part and no total row in the table is left alone: its total *is* that
cell, so publishing the total elsewhere is the same as publishing the cell.

Open answers (``filter_open_answers``) are shown only in cells with at least ``k``
respondents.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_K = 5

#: Marker written in place of a suppressed figure (text in Excel, like the CBS/Statbel "x").
SUPPRESSED = "x"

REASON_PRIMARY = "primary"
REASON_COMPLEMENTARY = "complementary"


def _check_k(k: int) -> int:
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise ValueError(f"k must be a whole number of at least 1, got {k!r}")
    return int(k)


def cell_passes(n, k: int = DEFAULT_K):
    """True where a cell of ``n`` respondents may be shown (n ≥ k). Scalars or arrays."""
    k = _check_k(k)
    arr = np.asarray(n, dtype=float)
    if np.isnan(arr).any():
        raise ValueError("a cell count is missing (NaN): it cannot be checked for disclosure")
    out = arr >= k
    return bool(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class _Line:
    parts: tuple[int, ...]
    total: int | None  # position of the line's total cell in the table, None = published elsewhere


def _lines(
    table: pd.DataFrame, group_cols: Sequence[str], total_row: Hashable | None
) -> list[_Line]:
    m = len(table)
    if not group_cols:
        if total_row is not None:
            raise ValueError("total_row needs group_cols: name the column(s) that hold the labels")
        return [_Line(tuple(range(m)), None)] if m > 1 else []
    missing = [c for c in group_cols if c not in table.columns]
    if missing:
        raise ValueError(f"the table has no column(s) {', '.join(map(str, missing))}")
    keys = list(table[list(group_cols)].itertuples(index=False, name=None))
    seen: dict[tuple, int] = {}
    for pos, key in enumerate(keys):
        if key in seen:
            raise ValueError(
                f"rows {seen[key]} and {pos} describe the same cell {key!r}; "
                "a table for disclosure control needs one row per cell"
            )
        seen[key] = pos
    lines = []
    for j in range(len(group_cols)):
        groups: dict[tuple, list[int]] = {}
        for pos, key in enumerate(keys):
            groups.setdefault(key[:j] + key[j + 1 :], []).append(pos)
        for members in groups.values():
            total = None
            if total_row is not None:
                totals = [p for p in members if keys[p][j] == total_row]
                total = totals[0] if totals else None
            parts = tuple(p for p in members if p != total)
            if not parts or (total is None and len(parts) == 1):
                continue
            lines.append(_Line(parts, total))
    return lines


def _determined(lines: list[_Line], suppressed: np.ndarray, m: int) -> list[int]:
    """Suppressed cells whose value follows exactly from the published line totals."""
    unknown = np.flatnonzero(suppressed)
    if unknown.size == 0 or not lines:
        return []
    a = np.zeros((len(lines), m))
    for i, line in enumerate(lines):
        a[i, list(line.parts)] = 1.0
        if line.total is not None:
            a[i, line.total] = -1.0
    sub = a[:, unknown]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    if sub.shape[0] == 0:
        return []
    _, sing, vt = np.linalg.svd(sub)
    rank = int(np.sum(sing > 1e-9 * max(sub.shape)))
    null = vt[rank:].T  # columns span the null space of sub
    if null.shape[1] == 0:
        return [int(u) for u in unknown]
    free = np.abs(null).max(axis=1) > 1e-9
    return [int(u) for u, f in zip(unknown, free, strict=True) if not f]


def _pattern(n: np.ndarray, lines: list[_Line], k: int) -> tuple[np.ndarray, np.ndarray]:
    m = len(n)
    suppressed = n < k
    complementary = np.zeros(m, dtype=bool)
    order = np.lexsort((np.arange(m), n))  # smallest count first, then table order
    rank = np.empty(m, dtype=int)
    rank[order] = np.arange(m)

    def pick(candidates: list[int]) -> int | None:
        return min(candidates, key=lambda p: rank[p]) if candidates else None

    def add(pos: int) -> None:
        suppressed[pos] = True
        complementary[pos] = True

    while True:
        changed = False
        for line in lines:
            hidden_parts = [p for p in line.parts if suppressed[p]]
            total_hidden = line.total is not None and suppressed[line.total]
            n_hidden = len(hidden_parts) + int(total_hidden)
            open_parts = [p for p in line.parts if not suppressed[p]]
            if n_hidden == 1:
                target = pick(open_parts)
                if target is None and line.total is not None and not total_hidden:
                    target = line.total
            elif hidden_parts and not total_hidden and n[hidden_parts].sum() < k:
                target = pick(open_parts)
            else:
                target = None
            if target is not None:
                add(target)
                changed = True
        if changed:
            continue
        determined = _determined(lines, suppressed, m)
        if not determined:
            break
        cell = determined[0]
        touching = [ln for ln in lines if cell in ln.parts or cell == ln.total]
        candidates = sorted(
            {p for ln in touching for p in ln.parts if not suppressed[p]}
            or {ln.total for ln in touching if ln.total is not None and not suppressed[ln.total]}
            or {
                p
                for ln in lines
                if any(suppressed[q] for q in ln.parts)
                for p in ln.parts
                if not suppressed[p]
            }
        )
        target = pick(candidates)
        if target is None:  # every cell that could help is already suppressed
            break
        add(target)
    return suppressed, complementary


def suppress(
    table: pd.DataFrame,
    count_col: str = "n",
    value_cols: Sequence[str] | None = None,
    k: int = DEFAULT_K,
    group_cols: Sequence[str] | None = None,
    total_row: Hashable | None = None,
) -> pd.DataFrame:
    """Replace the figures of cells with fewer than ``k`` respondents, and their complements.

    ``table``: one row per cell, with its number of respondents in ``count_col``.
    ``value_cols``: the figures to hide (default: every numeric column outside
    ``group_cols``); ``count_col`` is always hidden too. ``group_cols``: the columns that
    identify a cell of a cross-table (one column for a breakdown with a total row, two for a
    two-way table); None = the rows are the categories of one breakdown whose total is
    published. ``total_row``: the label (e.g. "Totaal") that marks the margin cells in
    ``group_cols``.

    Returns a copy with the hidden figures set to ``SUPPRESSED`` (those columns become
    object dtype), a boolean column ``suppressed`` and ``suppression_reason``
    (``"primary"``, ``"complementary"`` or None). The rules are in the module docstring.
    """
    k = _check_k(k)
    if count_col not in table.columns:
        raise ValueError(f"the table has no count column {count_col!r}")
    group_cols = list(group_cols or [])
    counts = pd.to_numeric(table[count_col], errors="coerce")
    bad = counts.isna() | (counts < 0)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"row {table.index[pos]!r}: {count_col!r} must be a number of respondents ≥ 0, "
            f"got {table[count_col].iloc[pos]!r}"
        )
    if value_cols is None:
        value_cols = [
            c
            for c in table.columns
            if c not in group_cols and pd.api.types.is_numeric_dtype(table[c])
        ]
    missing = [c for c in value_cols if c not in table.columns]
    if missing:
        raise ValueError(f"the table has no column(s) {', '.join(map(str, missing))}")
    hide_cols = list(dict.fromkeys([count_col, *value_cols]))
    clash = [c for c in hide_cols if c in group_cols]
    if clash:
        raise ValueError(f"column(s) {', '.join(clash)} cannot be both a label and a figure")

    n = counts.to_numpy(dtype=float)
    lines = _lines(table, group_cols, total_row)
    suppressed, complementary = _pattern(n, lines, k)

    out = table.copy()
    for col in hide_cols:
        out[col] = out[col].astype(object)
        out.loc[suppressed, col] = SUPPRESSED
    out["suppressed"] = suppressed
    reason = np.where(complementary, REASON_COMPLEMENTARY, REASON_PRIMARY).astype(object)
    reason[~suppressed] = None
    out["suppression_reason"] = pd.Series(reason, index=out.index, dtype=object)
    out.attrs["disclosure_k"] = k
    return out


def filter_open_answers(
    answers_df: pd.DataFrame,
    group_cols: Sequence[str],
    k: int = DEFAULT_K,
    *,
    cell_counts: pd.DataFrame | None = None,
    count_col: str = "n",
    respondent_col: str | None = None,
) -> pd.DataFrame:
    """The open answers whose cell (by ``group_cols``) has at least ``k`` respondents.

    The size of a cell is taken from ``cell_counts`` (a table with ``group_cols`` and
    ``count_col``: the respondents of the cell, answering the open question or not); a cell
    that is not in it counts as empty. Without ``cell_counts``: the distinct
    ``respondent_col`` values among the answers, or the number of answers. Empty
    ``group_cols``: the whole set of answers is one cell.
    """
    k = _check_k(k)
    group_cols = list(group_cols)
    missing = [c for c in group_cols if c not in answers_df.columns]
    if missing:
        raise ValueError(f"the answers have no column(s) {', '.join(missing)}")
    if not group_cols:
        if cell_counts is not None:
            size = float(pd.to_numeric(cell_counts[count_col]).sum())
        elif respondent_col is not None:
            size = answers_df[respondent_col].nunique()
        else:
            size = len(answers_df)
        return answers_df.copy() if size >= k else answers_df.iloc[0:0].copy()

    if cell_counts is not None:
        absent = [c for c in [*group_cols, count_col] if c not in cell_counts.columns]
        if absent:
            raise ValueError(f"cell_counts has no column(s) {', '.join(absent)}")
        sizes = cell_counts.groupby(group_cols, dropna=False)[count_col].sum()
    elif respondent_col is not None:
        if respondent_col not in answers_df.columns:
            raise ValueError(f"the answers have no column {respondent_col!r}")
        sizes = answers_df.groupby(group_cols, dropna=False)[respondent_col].nunique()
    else:
        sizes = answers_df.groupby(group_cols, dropna=False).size()
    keys = pd.MultiIndex.from_frame(answers_df[group_cols])
    if len(group_cols) == 1:
        keys = keys.get_level_values(0)
        sizes.index = sizes.index.get_level_values(0) if sizes.index.nlevels > 1 else sizes.index
    per_row = sizes.reindex(keys).fillna(0).to_numpy(dtype=float)
    return answers_df.loc[per_row >= k].copy()


__all__ = [
    "DEFAULT_K",
    "REASON_COMPLEMENTARY",
    "REASON_PRIMARY",
    "SUPPRESSED",
    "cell_passes",
    "filter_open_answers",
    "suppress",
]


# --- microdata for publication ---------------------------------------------------------------

# How each quasi-identifier is coarsened, one step at a time, before it is left out.
TRAINING_YEAR_BANDS = {1: "1-2", 2: "1-2", 3: "3-4", 4: "3-4", 5: "5-7", 6: "5-7", 7: "5-7"}
PROFESSION_GROUPS = {
    "huisarts": "arts",
    "arts_specialist": "arts",
    "algemeen_tandarts": "tandarts",
    "tandarts_specialist": "tandarts",
    "ziekenhuisapotheker": "ziekenhuisapotheker",
}
#: Code of a value left out of the coarsened data (its words: report.labels).
LEFT_OUT = "__left_out__"


def _combination_sizes(df: pd.DataFrame, cols: Sequence[str]) -> pd.Series:
    if not cols:
        return pd.Series([len(df)]) if len(df) else pd.Series(dtype=int)
    keys = df[list(cols)].astype(object).where(df[list(cols)].notna(), "\0")
    return keys.value_counts(dropna=False)


def _coarse(value: Any, mapping: dict) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return mapping.get(value, value)


def coarsen_microdata(
    df: pd.DataFrame,
    quasi: Sequence[str],
    k: int = DEFAULT_K,
    *,
    never_alone: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Microdata that may leave the team: the quasi-identifiers coarsened until every
    combination of their values holds at least ``k`` rows (k-anonymity).

    Steps, in order, each only while some combination is smaller than ``k``: language of the
    questionnaire and of the frame left out;
    training year in bands (1-2, 3-4, 5-7); university left out; profession grouped (arts,
    tandarts, ziekenhuisapotheker); training year left out; profession left out; mode left out. A variable in
    ``never_alone`` (one with a suppressed cell in the published tables, whose rows would give
    that cell away) is left out from the start. Returns the table and the steps taken as
    (column, code of what was done: ``suppressed_cell``, ``left_out``, ``grouped``, or ("*",
    ``fewer_than_k``)); when even no quasi-identifier leaves ``k`` rows, no row remains.
    """
    k = _check_k(k)
    out = df.copy()
    quasi = [c for c in quasi if c in out.columns]
    steps: list[tuple[str, str]] = []

    def leave_out(col: str, why: str) -> None:
        out[col] = LEFT_OUT
        quasi.remove(col)
        steps.append((col, why))

    for col in [c for c in quasi if c in never_alone]:
        leave_out(col, "suppressed_cell")
    plan = [
        ("response_language", None),
        ("language", None),
        ("training_year", TRAINING_YEAR_BANDS),
        ("university", None),
        ("profession", PROFESSION_GROUPS),
        ("training_year", None),
        ("profession", None),
        ("mode", None),
    ]
    for col, mapping in plan:
        if len(out) == 0 or _combination_sizes(out, quasi).min() >= k:
            break
        if col not in quasi:
            continue
        if mapping is None:
            leave_out(col, "left_out")
        else:
            out[col] = (
                out[col].astype(object).map(lambda v, m=mapping: _coarse(v, m)).astype(object)
            )
            steps.append((col, "grouped"))
    if len(out) and _combination_sizes(out, quasi).min() < k:
        out = out.iloc[0:0]
        steps.append(("*", "fewer_than_k"))
    return out.reset_index(drop=True), steps
