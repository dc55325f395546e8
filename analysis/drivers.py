"""Key-driver analysis: which aspects matter for overall satisfaction, and how well each does.

Model
-----
Overall satisfaction on 0-100 (y) is regressed on the aspect (dimension) scores on 0-100
(x_1..x_p, the dimensions of the items with role ``driver``) by weighted least squares with the
design weights w (statsmodels WLS), on the respondents with complete data:

    min_b sum_i w_i (y_i - b_0 - sum_j b_j x_ij)^2

Standard errors are design-based, as R's ``svyglm``: the influence values
x_i = (X'WX)^-1 X_i w_i e_i (zero for the rows left out) go through the design's linearised
variance (strata, fpc and calibration residuals); t-tests use the design df + 1 - (p + 1).

Missing data: a respondent enters the regression only with an overall score and every aspect
score (listwise deletion). An aspect that is missing ("niet van toepassing") for more than
``max_missing_share`` of the respondents with an overall score is left out of the regression
(its performance is still reported, its importance is NaN), so that e.g. an aspect only some
respondents used does not shrink the regression to a small, unrepresentative group. The counts
are in the result (``n_complete``, ``coverage``, ``excluded``).

Relative importance (LMG / Shapley)
-----------------------------------
R^2(S) is the weighted R^2 of the regression on the subset S of the aspects; from the weighted
correlation matrix R (complete cases): R^2(S) = r_yS' R_SS^-1 r_yS. The importance of aspect j
is its Shapley value (Lindeman, Merenda & Gold, 1980; Grömping, 2007):

    I_j = sum_{S not containing j} |S|! (p - |S| - 1)! / p!  (R^2(S + j) - R^2(S))

over all 2^(p-1) subsets, so that sum_j I_j = R^2 of the full model exactly. With uncorrelated
aspects I_j equals the squared standardized coefficient. ``importance_share`` = I_j / R^2.

Uncertainty of the shares (bootstrap within strata)
---------------------------------------------------
LMG has no linearisation, so its shares get a bootstrap interval that follows the design:
``replicates`` (200) sets of replicate weights from ``Design.bootstrap_weights`` (the rescaled
bootstrap of Rao, Wu & Yue, 1992: n_h - 1 draws with replacement within each stratum, with the
finite population correction), seeded (``seed``, 0), so the same data give the same interval.
In each replicate the weighted correlations of the complete cases, the LMG shares and the
aspects' performances are computed again; ``importance_share_ci_low/high`` are the percentile
interval at ``level``. :func:`improvement_points` compares each ranked point with the next one
of its group: ``next_order_share`` is the share of replicates in which its gap (below) is the
larger, ``distinct_from_next`` whether the percentile interval of the difference of the two
gaps excludes 0 (False: the two ranks cannot be told apart).

Performance and quadrants (importance-performance analysis, Martilla & James, 1977)
-----------------------------------------------------------------------------------
Performance is the weighted mean 0-100 of the aspect over every respondent with a value (not
only the complete cases), with its design-based SE and interval. An aspect is a *priority*
when its importance is above the mean importance of the aspects and its performance below
their mean performance; *strength* when both are above; *low priority* when both are below;
*possible overkill* when importance is below and performance above (ties count as "not
above" / "not below").

Improvement points
------------------
:func:`improvement_points` ranks the aspects: the priority quadrant first, then the others;
within each, by ``importance_share * (100 - performance)`` (how much of the explained variance
is at stake times the room for improvement), largest first. Open answers are attached to an
aspect when they contain one of its keywords (Dutch, case-insensitive, matched at the start of
a word so "formulier" finds "formulieren"), and otherwise to the aspect the respondent rated
lowest (all aspects tied for lowest; none when every aspect got the same score). Open answers
pass disclosure control (:func:`analysis.disclosure.filter_open_answers`): shown only in cells
(by ``group_cols``) with at least ``k`` respondents.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis import scores as sc
from analysis.notes import note

#: The codes of the quadrants (their labels: report.labels).
QUADRANTS = ("priority", "strength", "low_priority", "overkill")

#: Words (start of a word, case-insensitive) that tie an open answer to an aspect of the
#: e-loket questionnaire (data/questionnaire/eloket.yaml). Pass ``keywords=`` for others.
DEFAULT_KEYWORDS: dict[str, tuple[str, ...]] = {
    "aanmelden": ("aanmeld", "inlog", "ingelogd", "itsme", "e-id", "eid", "wachtwoord", "login"),
    "informatie": ("informatie", "info", "uitleg", "instructie", "handleiding", "faq"),
    "formulieren": ("formulier", "invullen", "ingevuld", "veld", "velden", "form"),
    "documenten": ("document", "bijlage", "upload", "opladen", "opgeladen", "pdf", "bestand"),
    "opvolging": ("opvolg", "status", "stand van zaken", "dossier", "overzicht"),
    "doorlooptijd": ("doorlooptijd", "wachttijd", "wacht", "traag", "duurt", "termijn", "weken"),
    "communicatie": ("communicatie", "mail", "bericht", "melding", "contact", "antwoord"),
    "hulp": ("hulp", "helpdesk", "1700", "telefo", "gebeld", "bellen", "ondersteuning", "help"),
}

DRIVER_COLUMNS = [
    "dimension",
    "label_nl",
    "label_en",
    "included",
    "coverage",
    "coef",
    "se",
    "t",
    "p",
    "beta",
    "importance",
    "importance_share",
    "importance_share_ci_low",
    "importance_share_ci_high",
    "performance",
    "performance_se",
    "performance_ci_low",
    "performance_ci_high",
    "n",
    "quadrant",
]


# -- relative importance -------------------------------------------------------------------


def weighted_cov(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted covariance sum_i w_i (x_i - xbar_w)(x_i - xbar_w)' / sum_i w_i."""
    X = np.asarray(X, dtype=float)
    w = np.asarray(w, dtype=float)
    mean = w @ X / w.sum()
    C = X - mean
    return (C * w[:, None]).T @ C / w.sum()


def _correlations(cov: np.ndarray) -> np.ndarray:
    """Correlation matrices from covariance matrices (..., q, q); NaN where a variance is 0."""
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        return cov / (sd[..., :, None] * sd[..., None, :])


def _subset_r2_batch(R: np.ndarray) -> np.ndarray:
    """R^2 of every subset for a stack of correlation matrices (B, p+1, p+1) -> (B, 2^p)."""
    B, p = R.shape[0], R.shape[-1] - 1
    ryx = R[:, 0, 1:]
    Rxx = R[:, 1:, 1:]
    out = np.zeros((B, 1 << p))
    for mask in range(1, 1 << p):
        idx = [j for j in range(p) if mask >> j & 1]
        r = ryx[:, idx][:, :, None]
        sub = Rxx[:, idx][:, :, idx]
        try:
            coef = np.linalg.solve(sub, r)
        except np.linalg.LinAlgError:
            coef = np.linalg.pinv(sub) @ r
        out[:, mask] = (r * coef).sum(axis=(1, 2))
    return out


def subset_r2(cov: np.ndarray) -> np.ndarray:
    """R^2 of the regression of variable 0 on every subset of variables 1..p.

    ``cov``: (p+1) x (p+1) covariance (or correlation) matrix, outcome first. Returns an
    array of length 2^p indexed by the bit mask of the subset (bit j-1 = predictor j).
    """
    cov = np.asarray(cov, dtype=float)
    if (np.diag(cov) <= 0).any():
        raise ValueError("a variable has no variance among the complete cases")
    return _subset_r2_batch(_correlations(cov)[None])[0]


def _lmg_batch(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LMG of a stack of correlation matrices: importances (B, p) and R^2 (B,)."""
    r2 = _subset_r2_batch(R)
    p = R.shape[-1] - 1
    masks = np.arange(1 << p)
    size = np.array([bin(m).count("1") for m in masks])
    fact = [math.factorial(k) for k in range(p + 1)]
    weight = np.array([fact[s] * fact[p - s - 1] / fact[p] if s < p else 0.0 for s in size])
    imp = np.empty((R.shape[0], p))
    for j in range(p):
        without = masks[(masks >> j & 1) == 0]
        imp[:, j] = (weight[without] * (r2[:, without | (1 << j)] - r2[:, without])).sum(axis=1)
    return imp, r2[:, -1]


def lmg(cov: np.ndarray) -> tuple[np.ndarray, float]:
    """LMG / Shapley decomposition of R^2 (see the module docstring).

    ``cov``: covariance matrix with the outcome first. Returns (importance per predictor,
    R^2 of the full model); the importances add up to R^2. Exact over all 2^p subsets.
    """
    cov = np.asarray(cov, dtype=float)
    if (np.diag(cov) <= 0).any():
        raise ValueError("a variable has no variance among the complete cases")
    imp, r2 = _lmg_batch(_correlations(cov)[None])
    return imp[0], float(r2[0])


def _weighted_cov_batch(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """weighted_cov of the rows of Z (n x q) for every column of weights W (n x B) -> (B, q, q).

    Raw moments by one matrix product (W' times the n x q^2 cross products), on Z centred at
    its plain mean first so the subtraction loses nothing that matters."""
    n, q = Z.shape
    Zc = Z - Z.mean(axis=0)
    sw = W.sum(axis=0)
    mean = (W.T @ Zc) / sw[:, None]
    second = (W.T @ (Zc[:, :, None] * Zc[:, None, :]).reshape(n, q * q)).reshape(-1, q, q)
    return second / sw[:, None, None] - mean[:, :, None] * mean[:, None, :]


def bootstrap_lmg(
    design: Any,
    y: np.ndarray,
    X: np.ndarray,
    complete: np.ndarray,
    replicates: int = 200,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """LMG shares I_j / R^2 and performances (weighted means of X's columns over the rows
    with a value) in every bootstrap replicate of the design (``Design.bootstrap_weights``:
    resampling within strata). Returns two (replicates x p) arrays; a replicate where a
    variable has no variance among the complete cases gives NaN shares."""
    Wb = np.asarray(design.bootstrap_weights(replicates, seed), dtype=float)
    Z = np.column_stack([y[complete], X[complete]])
    covs = _weighted_cov_batch(Z, Wb[complete])
    ok = (np.diagonal(covs, axis1=1, axis2=2) > 1e-12).all(axis=1)
    shares = np.full((replicates, X.shape[1]), np.nan)
    if ok.any():
        imp, r2 = _lmg_batch(_correlations(covs[ok]))
        with np.errstate(divide="ignore", invalid="ignore"):
            shares[ok] = imp / r2[:, None]
    perf = np.full((replicates, X.shape[1]), np.nan)
    for j in range(X.shape[1]):
        has = ~np.isnan(X[:, j])
        W = Wb[has]
        with np.errstate(divide="ignore", invalid="ignore"):
            perf[:, j] = (W * X[has, j][:, None]).sum(axis=0) / W.sum(axis=0)
    return shares, perf


# -- the analysis --------------------------------------------------------------------------


@dataclass(frozen=True)
class DriverAnalysis:
    """Result of :func:`key_drivers` (plain data).

    ``table``: one row per aspect (DRIVER_COLUMNS). ``r2``: weighted R^2 of the full model
    (= the sum of the importances). ``n_complete``: respondents in the regression.
    ``excluded``: aspects left out of the regression, with the reason.
    ``dimension_scores``: per respondent, aligned with ``data`` (for the open answers).
    """

    table: pd.DataFrame
    r2: float
    n_complete: int
    n_overall: int
    df: float
    intercept: float
    intercept_se: float
    overall_column: str
    excluded: pd.DataFrame
    dimension_scores: pd.DataFrame = field(repr=False)
    data: pd.DataFrame = field(repr=False)
    weights: np.ndarray = field(repr=False)
    open_columns: tuple[str, ...] = ()
    level: float = 0.95
    # bootstrap replicates (rows) of the LMG shares and performances of the included aspects
    # (columns in the order of the table's included rows); None without a bootstrap
    replicate_shares: np.ndarray | None = field(default=None, repr=False)
    replicate_performance: np.ndarray | None = field(default=None, repr=False)
    replicates: int = 0
    seed: int = 0


class TooFewComplete(ValueError):
    """Too few complete cases for the driver model: ``found`` respondents have an overall
    score and a score on every aspect (no n.v.t.), ``needed`` are needed."""

    def __init__(self, found: int, needed: int, message: str):
        super().__init__(message)
        self.found, self.needed = found, needed


def _driver_dimensions(cols: list[Any]) -> list[str]:
    return list(dict.fromkeys(c.dimension for c in sc.aspect_columns(cols) if c.role == "driver"))


def key_drivers(
    design: Any,
    columns: Any,
    drivers: Sequence[str] | None = None,
    max_missing_share: float = 0.5,
    level: float = 0.95,
    dimension_labels: Mapping[str, Any] | None = None,
    replicates: int = 200,
    seed: int = 0,
) -> DriverAnalysis:
    """Key-driver analysis of overall satisfaction on the aspect scores (module docstring).

    ``drivers``: the dimensions to use (default: those of the items with role ``driver``).
    ``replicates``: bootstrap replicates within strata for the intervals of the LMG shares
    (0: none), drawn from ``seed`` (the same seed, the same intervals).
    """
    import statsmodels.api as sm  # lazily: statsmodels is slow to import

    cols = sc._columns(columns)
    overall = sc.overall_column(cols)
    if overall is None:
        raise ValueError("the questionnaire has no overall-satisfaction item (role 'overall')")
    data = design.data
    sc._require(data, [overall.name], "key-driver analysis")
    y = sc.to_0_100(
        sc._numeric(data[overall.name], overall.name),
        overall.scale_min,
        overall.scale_max,
        bool(overall.reverse),
    ).to_numpy(dtype=float)
    dims_all = sc.dimension_scores(data, cols)
    dims = list(drivers) if drivers is not None else _driver_dimensions(cols)
    unknown = [d for d in dims if d not in dims_all.columns]
    if unknown:
        raise ValueError(
            f"unknown aspect(s) {unknown}; the questionnaire's aspects are {list(dims_all.columns)}"
        )
    if len(dims) < 1:
        raise ValueError("no aspects (items with role 'driver' and a dimension) to analyse")
    if len(dims) > 15:
        raise ValueError(f"{len(dims)} aspects: the exact LMG decomposition takes at most 15")
    if not 0.0 <= max_missing_share <= 1.0:
        raise ValueError(f"max_missing_share must lie in 0..1, got {max_missing_share!r}")

    w = np.asarray(design.weights, dtype=float)
    has_y, n_overall, coverage, included, excluded = _coverage(
        dims_all, dims, y, w, max_missing_share
    )
    X = dims_all[included].to_numpy(dtype=float)
    complete = has_y & ~np.isnan(X).any(axis=1)
    n_complete = int(complete.sum())
    p = len(included)
    if n_complete < p + 2:
        raise TooFewComplete(
            n_complete,
            p + 2,
            f"only {n_complete} respondents have an overall score and every aspect score; "
            f"the model with {p} aspects needs at least {p + 2}",
        )
    yc, Xc, wc = y[complete], X[complete], w[complete]
    coef, se, tval, pval, df_resid = _design_regression(sm, design, y, yc, Xc, wc, complete)

    cov = weighted_cov(np.column_stack([yc, Xc]), wc)
    imp, r2 = lmg(cov)
    rep_shares, rep_perf, share_ci = _share_intervals(
        design, y, X, w, complete, replicates, seed, level
    )
    sd = np.sqrt(np.diag(cov))
    beta = coef[1:] * sd[1:] / sd[0]

    fitted = {"coef": coef, "se": se, "t": tval, "p": pval, "beta": beta, "importance": imp}
    rows = _driver_rows(
        design, dims_all, dims, coverage, included, fitted, r2, share_ci, level, dimension_labels
    )
    table = pd.DataFrame(rows, columns=DRIVER_COLUMNS)
    table = _assign_quadrants(table)
    open_cols = tuple(
        c.name for c in cols if c.role == "open" and c.kind == "text" and c.name in data.columns
    )
    return DriverAnalysis(
        table=table,
        r2=r2,
        n_complete=n_complete,
        n_overall=n_overall,
        df=df_resid,
        intercept=float(coef[0]),
        intercept_se=float(se[0]),
        overall_column=overall.name,
        excluded=excluded,
        dimension_scores=dims_all[dims],
        data=data,
        weights=w,
        open_columns=open_cols,
        level=level,
        replicate_shares=rep_shares,
        replicate_performance=rep_perf,
        replicates=int(replicates) if rep_shares is not None else 0,
        seed=int(seed),
    )


def _share_intervals(design, y, X, w, complete, replicates, seed, level):
    """(replicate shares, replicate performance, interval of each LMG share) from the
    bootstrap within strata; no replicates: (None, None, NaN intervals)."""
    rep_shares = rep_perf = None
    share_ci = np.full((2, X.shape[1]), np.nan)
    if replicates and hasattr(design, "bootstrap_weights"):
        has_w = w != 0
        Xw = np.where(has_w[:, None], X, np.nan)  # performance over the design's rows only
        rep_shares, rep_perf = bootstrap_lmg(design, y, Xw, complete, replicates, seed)
        a = (1 - level) / 2
        if np.isfinite(rep_shares).any():
            share_ci = np.nanquantile(rep_shares, [a, 1 - a], axis=0)
    return rep_shares, rep_perf, share_ci


def _coverage(dims_all, dims, y, w, max_missing_share):
    """Which aspects enter the model: (has an overall score, how many, each aspect's share
    answered among them, the aspects included, the excluded ones with their reason)."""
    has_y = ~np.isnan(y) & (w != 0)
    n_overall = int(has_y.sum())
    X_all = dims_all[dims].to_numpy(dtype=float)
    coverage = (
        (~np.isnan(X_all[has_y])).mean(axis=0) if n_overall else np.zeros(len(dims), dtype=float)
    )
    included = [d for d, cv in zip(dims, coverage, strict=True) if 1 - cv <= max_missing_share]
    excluded = pd.DataFrame(
        [
            {
                "dimension": d,
                "coverage": float(cv),
                "reason": note("missing_too_often", missing=1 - float(cv), limit=max_missing_share),
            }
            for d, cv in zip(dims, coverage, strict=True)
            if d not in included
        ],
        columns=["dimension", "coverage", "reason"],
    )
    if not included:
        raise ValueError(
            "every aspect is missing for too many respondents to fit the driver model; "
            "raise max_missing_share or choose the drivers"
        )
    return has_y, n_overall, coverage, included, excluded


def _design_regression(sm, design, y, yc, Xc, wc, complete):
    """WLS of the overall score on the aspects over the complete cases, with svyglm's
    design-based standard errors: (coef, se, t, p, residual df)."""
    p = Xc.shape[1]
    design_matrix = sm.add_constant(Xc, has_constant="add")
    fit = sm.WLS(yc, design_matrix, weights=wc).fit()
    coef = np.asarray(fit.params, dtype=float)

    # svyglm's sandwich: influence (X'WX)^-1 X_i w_i e_i through the design variance
    xtwx_inv = np.linalg.pinv(design_matrix.T @ (design_matrix * wc[:, None]))
    resid = yc - design_matrix @ coef
    infl = np.zeros((len(y), p + 1))
    infl[complete] = (design_matrix * (wc * resid)[:, None]) @ xtwx_inv
    V = np.atleast_2d(design.linearized_variance(infl, rows=complete))
    se = np.sqrt(np.clip(np.diag(V), 0.0, None))
    n_complete = int(complete.sum())
    strata_df = float(design.subset(complete).df) if hasattr(design, "subset") else n_complete - 1
    df_resid = strata_df + 1 - (p + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        tval = coef / se
    pval = 2 * stats.t.sf(np.abs(tval), df_resid) if df_resid > 0 else np.full(p + 1, np.nan)
    return coef, se, tval, pval, df_resid


def _driver_rows(design, dims_all, dims, coverage, included, fitted, r2, share_ci, level, labels):
    """One row per aspect: its performance (design mean on 0-100, interval) and, for the
    aspects in the model, its coefficient, standardised beta and LMG importance."""
    coef, se, tval, pval = fitted["coef"], fitted["se"], fitted["t"], fitted["p"]
    beta, imp = fitted["beta"], fitted["importance"]
    dimension_labels = labels
    rows = []
    for d, cv in zip(dims, coverage, strict=True):
        est = sc.design_mean(design, dims_all[d]).iloc[0]
        low, high = sc.confidence_interval(est["estimate"], est["se"], est["df"], level)
        row = {
            "dimension": d,
            "label_nl": sc._dim_label(d, "nl", dimension_labels),
            "label_en": sc._dim_label(d, "en", dimension_labels),
            "included": d in included,
            "coverage": float(cv),
            "performance": float(est["estimate"]),
            "performance_se": float(est["se"]),
            "performance_ci_low": low,
            "performance_ci_high": high,
            "n": int(est["n"]),
        }
        if d in included:
            j = included.index(d)
            row.update(
                coef=coef[j + 1],
                se=se[j + 1],
                t=tval[j + 1],
                p=pval[j + 1],
                beta=beta[j],
                importance=imp[j],
                importance_share=imp[j] / r2 if r2 > 0 else math.nan,
                importance_share_ci_low=share_ci[0, j],
                importance_share_ci_high=share_ci[1, j],
            )
        rows.append(row)
    return rows


def _assign_quadrants(table: pd.DataFrame) -> pd.DataFrame:
    t = table.copy()
    inc = t["included"].astype(bool) & t["importance"].notna() & t["performance"].notna()
    mean_imp = t.loc[inc, "importance"].mean()
    mean_perf = t.loc[inc, "performance"].mean()
    quad: list[str | None] = []
    for ok, i, perf in zip(inc, t["importance"], t["performance"], strict=True):
        if not ok:
            quad.append(None)
        elif i > mean_imp:
            quad.append("priority" if perf < mean_perf else "strength")
        else:
            quad.append("low_priority" if perf < mean_perf else "overkill")
    t["quadrant"] = pd.Series(quad, index=t.index, dtype=object)
    t.attrs["mean_importance"] = float(mean_imp)
    t.attrs["mean_performance"] = float(mean_perf)
    return t


# -- improvement points and open answers ----------------------------------------------------


def _keyword_patterns(keywords: Mapping[str, Iterable[str]]) -> dict[str, re.Pattern[str]]:
    out = {}
    for dim, words in keywords.items():
        words = [w.strip().casefold() for w in words if w and w.strip()]
        if words:
            alt = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
            out[dim] = re.compile(rf"(?<!\w)(?:{alt})", re.IGNORECASE)
    return out


def match_open_answers(
    texts: pd.DataFrame | pd.Series,
    dimension_scores: pd.DataFrame,
    keywords: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Tie each open answer to the aspects it speaks of (module docstring, "Improvement points").

    ``texts``: one column per open question, rows aligned with ``dimension_scores``.
    Returns one row per (answer, aspect): ``row`` (the respondent's row label), ``question``,
    ``dimension``, ``text``, ``method`` ("keyword" or "lowest").
    """
    tdf = texts.to_frame() if isinstance(texts, pd.Series) else texts
    patterns = _keyword_patterns(
        {d: w for d, w in (keywords or DEFAULT_KEYWORDS).items() if d in dimension_scores}
    )
    # Column-wise (one regex pass per aspect over all answers, the lowest aspects of every
    # respondent at once): a wave of 100,000 answers is matched in about a second.
    dims = np.asarray(dimension_scores.columns, dtype=object)
    values = dimension_scores.reindex(tdf.index).to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(values)
    low = np.where(missing, np.inf, values).min(axis=1, initial=np.inf)
    high = np.where(missing, -np.inf, values).max(axis=1, initial=-np.inf)
    has_lowest = ((~missing).sum(axis=1) >= 2) & (low < high)
    lowest = has_lowest[:, None] & (values == low[:, None])
    out = []
    for question in tdf.columns:
        col = tdf[question]
        rows = [
            (i, row, text)
            for i, (row, text) in enumerate(zip(col.index, col.tolist(), strict=True))
            if isinstance(text, str) and text.strip()
        ]
        found = {
            d: [pat.search(text) is not None for _, _, text in rows] for d, pat in patterns.items()
        }
        for j, (i, row, text) in enumerate(rows):
            hits = [d for d in patterns if found[d][j]]
            method = "keyword"
            if not hits and has_lowest[i]:
                hits = list(dims[lowest[i]])
                method = "lowest"
            for d in hits:
                out.append(
                    {
                        "row": row,
                        "question": question,
                        "dimension": d,
                        "text": text.strip(),
                        "method": method,
                    }
                )
    return pd.DataFrame(out, columns=["row", "question", "dimension", "text", "method"])


@dataclass(frozen=True)
class ImprovementPoints:
    """``points``: the ranked aspects with their evidence; ``open_answers``: the answers tied
    to each point that pass disclosure control (``rank``, ``dimension``, ``question``,
    ``text``, ``method``)."""

    points: pd.DataFrame
    open_answers: pd.DataFrame


def improvement_points(
    analysis: DriverAnalysis,
    text_columns: Sequence[str] | None = None,
    keywords: Mapping[str, Iterable[str]] | None = None,
    k: int | None = None,
    group_cols: Sequence[str] = (),
    only_priority: bool = False,
) -> ImprovementPoints:
    """Rank the aspects as improvement points (module docstring) and attach the open answers.

    ``text_columns``: the open questions to read (default: the questionnaire's open text
    items); ``[]`` for none. ``k``: disclosure threshold (default
    :data:`analysis.disclosure.DEFAULT_K`); ``group_cols``: the columns of the data whose
    cells must hold at least ``k`` respondents for their answers to be shown.
    """
    t = analysis.table[analysis.table["included"].astype(bool)].copy()
    t["gap"] = t["importance_share"] * (100.0 - t["performance"])
    t["is_priority"] = t["quadrant"] == "priority"
    t = t.sort_values(["is_priority", "gap"], ascending=[False, False], kind="stable")
    if only_priority:
        t = t[t["is_priority"]]
    t.insert(0, "rank", np.arange(1, len(t) + 1))
    t["next_order_share"], t["distinct_from_next"] = _order_against_next(analysis, t)
    t["evidence"] = [
        note(
            "driver_evidence",
            importance_share=float(r.importance_share),
            r2=float(analysis.r2),
            performance=float(r.performance),
            ci_low=float(r.performance_ci_low),
            ci_high=float(r.performance_ci_high),
            level=analysis.level,
            n=int(r.n),
        )
        for r in t.itertuples()
    ]

    cols = list(analysis.open_columns if text_columns is None else text_columns)
    answers = pd.DataFrame(columns=["rank", "dimension", "question", "text", "method"])
    if cols:
        sc._require(analysis.data, cols, "open answers")
        sc._require(analysis.data, list(group_cols), "disclosure cells")
        in_design = analysis.weights != 0
        texts = analysis.data.loc[in_design, cols]
        matched = match_open_answers(texts, analysis.dimension_scores, keywords)
        matched = matched[matched["dimension"].isin(t["dimension"])]
        matched = _disclosure_filter(matched, analysis, list(group_cols), k)
        rank = dict(zip(t["dimension"], t["rank"], strict=True))
        matched.insert(0, "rank", matched["dimension"].map(rank))
        answers = matched.sort_values(["rank", "row"], kind="stable").reset_index(drop=True)
    counts = answers.groupby("dimension").size() if len(answers) else pd.Series(dtype=int)
    t["n_open_answers"] = [int(counts.get(d, 0)) for d in t["dimension"]]
    return ImprovementPoints(t.reset_index(drop=True), answers)


def _order_against_next(analysis: DriverAnalysis, t: pd.DataFrame) -> tuple[list, list]:
    """For each ranked point and the next one in the same group (priority or not): the share
    of bootstrap replicates in which its gap (importance_share * (100 - performance)) is the
    larger, and whether the two can be told apart: the (level) percentile interval of the
    difference of the gaps excludes 0. None for the last point of a group and without a
    bootstrap."""
    shares, perf = analysis.replicate_shares, analysis.replicate_performance
    n = len(t)
    order: list[float | None] = [None] * n
    distinct: list[bool | None] = [None] * n
    if shares is None or perf is None or n < 2:
        return order, distinct
    included = list(analysis.table.loc[analysis.table["included"].astype(bool), "dimension"])
    col = {d: included.index(d) for d in t["dimension"]}
    gaps = shares * (100.0 - perf)
    a = (1 - analysis.level) / 2
    dims, prio = list(t["dimension"]), list(t["is_priority"])
    for k in range(n - 1):
        if prio[k] != prio[k + 1]:
            continue
        diff = gaps[:, col[dims[k]]] - gaps[:, col[dims[k + 1]]]
        diff = diff[np.isfinite(diff)]
        if diff.size == 0:
            continue
        lo, hi = np.quantile(diff, [a, 1 - a])
        order[k] = float((diff > 0).mean())
        distinct[k] = bool(lo > 0 or hi < 0)
    return order, distinct


def _disclosure_filter(
    matched: pd.DataFrame, analysis: DriverAnalysis, group_cols: list[str], k: int | None
) -> pd.DataFrame:
    from analysis import disclosure

    k = disclosure.DEFAULT_K if k is None else k
    in_design = analysis.weights != 0
    if not group_cols:
        n = int(in_design.sum())
        return matched if n >= k else matched.iloc[0:0]
    cells = (
        analysis.data.loc[in_design, group_cols]
        .value_counts(dropna=False)
        .rename("n")
        .reset_index()
    )
    with_cells = matched.join(analysis.data[group_cols], on="row")
    kept = disclosure.filter_open_answers(with_cells, group_cols, k, cell_counts=cells)
    return kept[list(matched.columns)]
