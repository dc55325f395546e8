"""Seeded stratified selection: simple random sampling without replacement within strata.

For stratum h with N_h units of which n_h are drawn, every unit has inclusion probability
π = n_h/N_h and design weight d = 1/π = N_h/n_h.

Reproducibility: the same frame content, allocation and seed give the same sample, whatever
the row order of the file, because units are first ordered by ``unit_id`` within each stratum;
each stratum gets its own generator ``numpy.random.default_rng([seed, crc32(stratum)])`` so a
change in one stratum does not change the draw in another.

With ``sort_by`` the draw is systematic with a random start after sorting (implicit
stratification): interval k = N_h/n_h (fractional), start u ~ U[0, k), positions
floor(u + i·k), i = 0..n_h-1. Every unit still has π = n_h/N_h.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sampling.errors import DesignError

STRATUM_SEPARATOR = " | "


def _columns(strata: str | Sequence[str]) -> list[str]:
    return [strata] if isinstance(strata, str) else list(strata)


def stratum_labels(frame: pd.DataFrame, strata: str | Sequence[str]) -> pd.Series:
    """The stratum of each unit as text; several columns are joined with ' | '."""
    cols = _columns(strata)
    if not cols:
        raise DesignError("strata_none", "give at least one stratification column")
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DesignError(
            "strata_unknown",
            f"stratification column(s) not in the frame: {', '.join(missing)}; "
            f"available: {', '.join(map(str, frame.columns))}",
            columns=missing,
            available=[str(c) for c in frame.columns],
        )
    blanks = frame[cols].isna().any(axis=1)
    if blanks.any():
        first = int(np.flatnonzero(blanks.to_numpy())[0])
        raise DesignError(
            "strata_blank",
            f"{int(blanks.sum())} unit(s) have no value for {', '.join(cols)} "
            f"(first at frame row index {frame.index[first]!r}); every unit needs a stratum",
            units=int(blanks.sum()),
            columns=cols,
            empty=[c for c in cols if frame[c].isna().any()],
            first_unit=(str(frame["unit_id"].iloc[first]) if "unit_id" in frame.columns else None),
        )
    parts = [frame[c].map(str) for c in cols]
    labels = parts[0]
    for part in parts[1:]:
        labels = labels + STRATUM_SEPARATOR + part
    return labels.astype("str")


def population_counts(frame: pd.DataFrame, strata: str | Sequence[str]) -> dict[str, int]:
    """N_h per stratum label, in sorted label order (the input for ``allocate``)."""
    counts = stratum_labels(frame, strata).value_counts()
    return {str(h): int(counts[h]) for h in sorted(counts.index, key=str)}


def _stratum_rng(seed: int, label: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(label.encode("utf-8"))])


def srswor_positions(rng: np.random.Generator, N: int, n: int) -> np.ndarray:
    """n distinct positions out of 0..N-1, each with probability n/N, in increasing order."""
    return np.sort(rng.choice(N, size=n, replace=False))


def systematic_positions(rng: np.random.Generator, N: int, n: int) -> np.ndarray:
    """Systematic positions floor(u + i·k), k = N/n, u ~ U[0, k): each with probability n/N."""
    k = N / n
    start = rng.uniform(0, k)
    positions = np.floor(start + k * np.arange(n)).astype(int)
    return np.minimum(positions, N - 1)


def select(
    frame: pd.DataFrame,
    strata: str | Sequence[str],
    allocation: Mapping[str, int],
    seed: int,
    sort_by: str | Sequence[str] | None = None,
    id_column: str = "unit_id",
) -> pd.DataFrame:
    """Draw the sample: ``allocation[h]`` units from each stratum h (0 for absent strata).

    Returns the selected rows of ``frame`` (all columns kept), ordered by stratum and unit id,
    with added columns ``stratum``, ``N_h``, ``n_h``, ``inclusion_prob`` (n_h/N_h) and
    ``design_weight`` (N_h/n_h). See the module docstring for the method and the seeding.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    labels = stratum_labels(frame, strata)
    counts = labels.value_counts()
    unknown = [h for h in allocation if h not in counts.index and allocation[h] > 0]
    if unknown:
        raise ValueError(
            f"allocation names strata that are not in the frame: {', '.join(map(str, unknown))}; "
            f"frame strata: {', '.join(sorted(map(str, counts.index)))}"
        )
    for h, n_h in allocation.items():
        if isinstance(n_h, bool) or int(n_h) != n_h or n_h < 0:
            raise ValueError(f"allocation for {h!r} must be a whole number >= 0, got {n_h!r}")
        if h in counts.index and n_h > counts[h]:
            raise ValueError(
                f"allocation for {h!r} is {n_h}, but the stratum has only {counts[h]} units"
            )
    sort_cols = [] if sort_by is None else _columns(sort_by)
    missing = [c for c in sort_cols if c not in frame.columns]
    if missing:
        raise DesignError(
            "sort_by_unknown",
            f"sort_by column(s) not in the frame: {', '.join(missing)}",
            columns=missing,
            available=[str(c) for c in frame.columns],
        )
    has_id = id_column in frame.columns
    if has_id and frame[id_column].duplicated().any():
        raise ValueError(f"{id_column} is not unique in the frame; validate the frame first")

    work = frame.copy()
    work["stratum"] = labels
    work["_pos"] = np.arange(len(work))
    work["_id"] = work[id_column].map(str) if has_id else work["_pos"]
    picked: list[np.ndarray] = []
    for h in sorted(counts.index, key=str):
        n_h = int(allocation.get(h, 0))
        if n_h == 0:
            continue
        group = work[work["stratum"] == h]
        N_h = len(group)
        rng = _stratum_rng(seed, str(h))
        if sort_cols:
            ordered = group.sort_values([*sort_cols, "_id"], kind="mergesort")
            positions = systematic_positions(rng, N_h, n_h)
        else:
            ordered = group.sort_values("_id", kind="mergesort")
            positions = srswor_positions(rng, N_h, n_h)
        picked.append(ordered["_pos"].to_numpy()[positions])

    chosen = np.concatenate(picked) if picked else np.array([], dtype=int)
    sample = work.iloc[np.sort(chosen)].copy()
    sample["N_h"] = sample["stratum"].map(lambda h: int(counts[h])).astype("int64")
    sample["n_h"] = sample["stratum"].map(lambda h: int(allocation[h])).astype("int64")
    sample["inclusion_prob"] = sample["n_h"] / sample["N_h"]
    sample["design_weight"] = sample["N_h"] / sample["n_h"]
    sample = sample.sort_values(["stratum", "_id"], kind="mergesort")
    sample = sample.drop(columns=["_pos", "_id"]).reset_index(drop=True)
    sample.attrs = {"seed": int(seed), "strata": _columns(strata), "sort_by": sort_cols}
    return sample
