"""Representativeness of the respondents against the frame: chi-square goodness of fit.

For an auxiliary variable with categories h = 1..K, frame shares π_h (share of the frame's
units in h) and n respondents::

    unweighted:  O_h = number of respondents in h
    weighted:    O_h = n · Σ_{i∈h} w_i / Σ_i w_i       (weighted shares rescaled to n)
    E_h = n · π_h
    X²  = Σ_h (O_h - E_h)² / E_h,    df = K - 1,    p = P(χ²_df > X²)

K counts the frame's categories (a category with no respondents has O_h = 0). The weighted
version compares the weighted respondent distribution with the frame, so it shows what
weighting repaired; it is descriptive: it treats the rescaled weighted counts as if they
were a simple random sample of size n (no design effect, no Rao-Scott correction), and a
variable that the weights were calibrated on gives X² = 0 by construction.

The R-indicator lives in ``analysis.response`` (``r_indicator``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class ChiSquareResult:
    variable: str
    weighted: bool
    statistic: float
    df: int
    p_value: float
    n: int
    min_expected: float
    table: pd.DataFrame = field(repr=False)

    @property
    def max_abs_diff(self) -> float:
        """Largest absolute difference between respondent and frame share (in share points)."""
        return float(self.table["difference"].abs().max())


def _category_labels(s: pd.Series, where: str, variable: str) -> pd.Series:
    if s.isna().any():
        raise ValueError(
            f"{where}: {int(s.isna().sum())} row(s) have no value for {variable!r}; "
            "fill them in the frame (or drop the variable) before the representativeness check"
        )
    return s.astype(str)


def chisq_against_frame(
    respondents: pd.DataFrame,
    frame: pd.DataFrame,
    variable: str,
    weights: str | None = None,
) -> ChiSquareResult:
    """Chi-square goodness of fit of the respondents' distribution of ``variable`` to the frame's.

    ``respondents`` and ``frame`` have one row per person. With ``weights`` (a column of
    ``respondents``) the observed counts are the weighted shares rescaled to n (see the
    module docstring). ``.table`` has per category: frame_count, frame_share, observed,
    observed_share, expected and difference (observed_share - frame_share).
    """
    for name, df in (("respondents", respondents), ("frame", frame)):
        if variable not in df.columns:
            raise ValueError(f"{name} have no column {variable!r}")
    if weights is not None and weights not in respondents.columns:
        raise ValueError(f"respondents have no weight column {weights!r}")
    frame_cat = _category_labels(frame[variable], "frame", variable)
    resp_cat = _category_labels(respondents[variable], "respondents", variable)
    frame_counts = frame_cat.value_counts(sort=False).sort_index()
    if frame_counts.empty:
        raise ValueError("the frame is empty")
    unknown = sorted(set(resp_cat) - set(frame_counts.index))
    if unknown:
        raise ValueError(
            f"respondents have {variable!r} values that are not in the frame: {', '.join(unknown)}"
        )
    n = len(respondents)
    if n == 0:
        raise ValueError("there are no respondents yet")
    if weights is None:
        observed = resp_cat.value_counts().reindex(frame_counts.index, fill_value=0).astype(float)
    else:
        w = respondents[weights].astype(float)
        if w.isna().any() or (w < 0).any():
            raise ValueError(
                f"weights {weights!r} must be non-negative numbers for every respondent"
            )
        sums = w.groupby(resp_cat.to_numpy()).sum().reindex(frame_counts.index, fill_value=0.0)
        observed = sums / sums.sum() * n
    frame_share = frame_counts / frame_counts.sum()
    expected = frame_share * n
    statistic = float(((observed - expected) ** 2 / expected).sum())
    dof = len(frame_counts) - 1
    p_value = float(stats.chi2.sf(statistic, dof)) if dof > 0 else float("nan")
    table = pd.DataFrame(
        {
            "category": frame_counts.index.to_numpy(),
            "frame_count": frame_counts.to_numpy(),
            "frame_share": frame_share.to_numpy(),
            "observed": observed.to_numpy(),
            "observed_share": (observed / n).to_numpy(),
            "expected": expected.to_numpy(),
        }
    )
    table["difference"] = table["observed_share"] - table["frame_share"]
    return ChiSquareResult(
        variable=variable,
        weighted=weights is not None,
        statistic=statistic,
        df=dof,
        p_value=p_value,
        n=n,
        min_expected=float(expected.min()),
        table=table,
    )


def representativeness_table(
    respondents: pd.DataFrame,
    frame: pd.DataFrame,
    variables: Sequence[str],
    weights: str | None = None,
) -> pd.DataFrame:
    """The chi-square check for several variables, before and (with ``weights``) after weighting.

    One row per variable and weighting: variable, weighted (bool), n, categories, statistic,
    df, p_value, max_abs_diff, min_expected and ``small_expected`` (some E_h < 5, where the
    chi-square approximation is rough).
    """
    rows = []
    for variable in variables:
        for w in (None, weights) if weights else (None,):
            res = chisq_against_frame(respondents, frame, variable, w)
            rows.append(
                {
                    "variable": variable,
                    "weighted": res.weighted,
                    "n": res.n,
                    "categories": len(res.table),
                    "statistic": res.statistic,
                    "df": res.df,
                    "p_value": res.p_value,
                    "max_abs_diff": res.max_abs_diff,
                    "min_expected": res.min_expected,
                    "small_expected": bool(res.min_expected < 5),
                }
            )
    columns = [
        "variable",
        "weighted",
        "n",
        "categories",
        "statistic",
        "df",
        "p_value",
        "max_abs_diff",
        "min_expected",
        "small_expected",
    ]
    return pd.DataFrame(rows, columns=columns)


__all__ = ["ChiSquareResult", "chisq_against_frame", "representativeness_table"]
