"""Survey design object and design-based estimation, a port of what a stratified single-stage
survey needs from R's ``survey`` package (Lumley), checked against it on its own ``api`` data
(tests/fixtures/r_survey).

    d = Design(data, weights="pw", strata="stype", fpc="fpc")
    d.mean("api00")  ->  Estimate(.estimate, .se, .df, .ci(level))

Design
------
Rows i = 1..n in strata h = 1..H with n_h rows each; weights w_i (inverse inclusion
probabilities); optional finite population size N_h per stratum (the ``fpc`` column; values
that are all <= 1 are read as sampling fractions, as R does). Without weights and with fpc the
weights are N_h / n_h; with neither they are 1. Every row is its own primary sampling unit.

Linearisation (Taylor) variance
-------------------------------
Every estimator here is, to first order, a total of per-row *influence values* x_i (already
multiplied by the weight). For a total x_i = w_i y_i; for a mean
x_i = w_i (y_i - ybar) / sum_j w_j; for a regression coefficient vector
x_i = (X'WX)^-1 X_i w_i e_i. The variance is the stratified with-replacement formula with the
finite population correction of R's ``svyrecvar``/``onestrat``:

    V = sum_h (1 - n_h/N_h) * n_h/(n_h - 1) * sum_{i in h} (x_i - xbar_h)(x_i - xbar_h)'

(the factor (1 - n_h/N_h) is 1 without fpc, and a stratum with n_h = N_h contributes 0). The
design degrees of freedom are n - H (R's ``degf``), counted over the rows of the domain.

A stratum with a single row (and no fpc saying it is a certainty unit) has no variance
estimate; like R's default ``options(survey.lonely.psu = "fail")`` that raises a ValueError
naming the stratum when an estimate touches it: when a row that enters the estimate lies in it
(a row left out by ``na_rm`` or outside the domain does not, as in R). ``lonely_psu="certainty"`` or ``"remove"``
let it contribute 0, ``"adjust"`` centres it at the grand mean instead (R's options).

Calibration residuals
---------------------
After post-stratification, raking or linear calibration (GREG) the influence values are
replaced by residuals before the formula above, exactly as R's ``svyrecvar`` does:

* post-stratification on classes c with weights before (w0) and after (w):
  x_i <- x_i - w_i * sum_{j in c} (x_j w0_j / w_j) / sum_{j in c} w0_j
* raking on margins m = 1..M (w^(m) = the weights right after margin m in the final pass):
  ten sweeps of  x_i <- x_i - w^(m)_i * mean_{j in level of i on margin m}(x_j / w^(m)_j)
  over the margins in turn (R projects on the margins 10 times, not to convergence);
* GREG with model matrix X and base weights d, g-weights g:
  x <- w * (I - Q Q') (x / w)  with  Q an orthonormal basis of diag(sqrt d) X, w = g sqrt(d).

Domains (``subset``, ``by=``, ``na_rm=True``) keep the whole design: rows outside the domain
get weight 0 and influence 0 but stay in their stratum, R's ``subset`` semantics.
``mean(by=...)`` returns an :class:`Estimate` like ``mean`` (R's ``svyby``), with one estimate,
SE and df per domain and the by-levels in ``.domains``; ``.to_frame()`` gives the table.

Helpers for other modules
-------------------------
``Design.data`` is the DataFrame, ``Design.weights`` the numpy array of weights (0 outside the
domain). For a per-row score vector computed elsewhere (e.g. a 0-100 dimension score):

    d.mean_of(scores, na_rm=True)      -> Estimate  (weighted mean, linearised SE)
    d.total_of(scores, na_rm=True)     -> Estimate
    d.linearized_variance(x)           -> variance (or covariance matrix for an n x k array)
                                          of sum_i x_i for arbitrary influence values x_i

All of them apply the calibration residuals, so scores are estimated with the right SE after
raking. ``d.subset(mask)`` gives a domain design whose variances use the full design.

Bootstrap replicate weights
---------------------------
``d.bootstrap_weights(replicates, seed)`` (n x B) for statistics without a linearisation (the
LMG shares of the key-driver analysis): the rescaled bootstrap of Rao, Wu & Yue (1992) with
m_h = n_h - 1 draws with replacement within each stratum, the finite population correction
through lambda_h = sqrt(1 - n_h/N_h):

    w*_i = w_i (1 - lambda_h + lambda_h n_h/(n_h - 1) m*_i),  m*_i = times row i was drawn

(R's ``as.svrepdesign(type = "subbootstrap")`` is the case without fpc). For a total its
bootstrap variance has expectation exactly the linearised V above. Rows outside the domain
keep weight 0; a stratum of one row keeps its weights (no variance, as "certainty"); the
weights are not calibrated again per replicate, so after raking the bootstrap ignores the
variance the raking removes (it errs on the wide side).

Raking, post-stratification and calibration that cannot meet their targets raise
:class:`RakingError` (a ValueError) naming the variable and the level; weights are never
returned silently off their margins.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ChiSquareTest", "Design", "Estimate", "RakingError", "TTest"]

_CERTAINTY_F = 1e-7  # R: a stratum with (N_h - n_h)/N_h below this contributes no variance
_LONELY = ("fail", "certainty", "remove", "adjust")
_PROJECTION_SWEEPS = 10  # R's svyrecvar projects on raking margins 10 times


class RakingError(ValueError):
    """Weights cannot be calibrated to the given targets (names the variable and level).

    The message is English for the developer; ``problem`` (a code), ``variable``, ``level``
    and ``target`` say the same as data, so report.wording can say it to people.
    """

    def __init__(
        self,
        message: str,
        *,
        problem: str | None = None,
        variable: Any = None,
        level: Any = None,
        target: float | None = None,
    ) -> None:
        super().__init__(message)
        self.problem = problem
        self.variable = variable
        self.level = level.item() if isinstance(level, np.generic) else level
        self.target = None if target is None else float(target)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Estimate:
    """A design-based estimate with its linearised standard error and design df (R: ``svystat``).

    What ``Design.mean``, ``total``, ``mean_of`` and ``total_of`` return, whatever the arguments:
    for one estimate the fields are floats; for one estimate per domain (``mean(by=...)``, R's
    ``svyby``) they are arrays aligned with the rows of ``domains`` (the by-levels), and each
    domain has its own df (rows in the domain minus its strata, as ``subset(...).df``).
    ``to_frame()`` gives the table: the by-columns, estimate, se, df.
    """

    estimate: Any  # float, or an array with one value per domain
    se: Any
    df: Any
    domains: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def var(self) -> Any:
        return self.se**2

    @property
    def cv(self) -> Any:
        """Coefficient of variation se / |estimate| (nan for an estimate of 0)."""
        est = np.asarray(self.estimate, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = np.where(est != 0, np.asarray(self.se, dtype=float) / np.abs(est), math.nan)
        return float(cv) if cv.ndim == 0 else cv

    def ci(self, level: float = 0.95, df: float | None = None) -> tuple[Any, Any]:
        """Wald interval estimate -/+ q * se, q the Student t quantile on the design df.

        R's ``confint(svymean(...))`` uses the normal quantile: pass ``df=math.inf`` for it;
        ``confint(..., df = degf(design))`` is the default here.
        """
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, got {level}")
        d = np.asarray(self.df if df is None else df, dtype=float)
        p = 0.5 + level / 2
        q = np.where(np.isinf(d), stats.norm.ppf(p), stats.t.ppf(p, np.where(np.isinf(d), 1, d)))
        if q.ndim == 0:
            q = float(q)
        return (self.estimate - q * self.se, self.estimate + q * self.se)

    def to_frame(self) -> pd.DataFrame:
        """One row per domain (one row in all without ``by``): by-columns, estimate, se, df."""
        out = pd.DataFrame() if self.domains is None else self.domains.reset_index(drop=True)
        out = out.copy()
        out["estimate"] = np.atleast_1d(self.estimate)
        out["se"] = np.atleast_1d(self.se)
        out["df"] = np.atleast_1d(self.df)
        return out


@dataclass(frozen=True)
class TTest:
    """Design-based two-group t-test (R's ``svyttest``): difference = mean(level 2) - mean(level 1)."""

    t: float
    df: float
    p: float
    difference: float
    se: float
    levels: tuple[Any, Any]

    def ci(self, level: float = 0.95) -> tuple[float, float]:
        q = stats.t.ppf(0.5 + level / 2, self.df)
        return (self.difference - q * self.se, self.difference + q * self.se)


@dataclass(frozen=True)
class ChiSquareTest:
    """Rao-Scott second-order corrected Pearson test (R's ``svychisq``, statistic "F")."""

    f: float
    ndf: float
    ddf: float
    p: float
    chisq: float  # Pearson X^2 of the weighted table scaled to the sample size
    table: pd.DataFrame = field(repr=False)  # weighted counts (estimated population)


# --------------------------------------------------------------------------- calibration steps


def _group_sum(codes: np.ndarray, X: np.ndarray, size: int) -> np.ndarray:
    """Column sums of X (n x k) per group code -> (size x k)."""
    return np.stack([np.bincount(codes, X[:, j], minlength=size) for j in range(X.shape[1])], 1)


@dataclass(frozen=True)
class _PostStep:
    codes: np.ndarray
    size: int
    psw: np.ndarray  # weights after post-stratification
    oldw: np.ndarray  # weights before

    def residuals(self, X: np.ndarray) -> np.ndarray:
        psw = np.where((self.psw == 0) & (self.oldw == 0), 1.0, self.psw)
        num = _group_sum(self.codes, X * (self.oldw / psw)[:, None], self.size)
        den = np.bincount(self.codes, self.oldw, minlength=self.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(den[:, None] > 0, num / den[:, None], 0.0)
        return X - means[self.codes] * psw[:, None]


@dataclass(frozen=True)
class _RakeStep:
    margins: tuple[tuple[np.ndarray, int, np.ndarray], ...]  # (codes, size, weights after margin)

    def residuals(self, X: np.ndarray) -> np.ndarray:
        counts = [np.bincount(c, minlength=s).astype(float) for c, s, _ in self.margins]
        # One margin's projection is idempotent (its group means are zero after one pass), so
        # R's further sweeps change nothing but rounding: one pass gives the same residuals.
        sweeps = 1 if len(self.margins) == 1 else _PROJECTION_SWEEPS
        for _ in range(sweeps):
            for (codes, size, psw), cnt in zip(self.margins, counts, strict=True):
                ave = _group_sum(codes, X / psw[:, None], size) / np.maximum(cnt, 1)[:, None]
                X = X - psw[:, None] * ave[codes]
        return X


@dataclass(frozen=True)
class _GregStep:
    q: np.ndarray  # orthonormal basis of sqrt(d) X
    w: np.ndarray  # g * sqrt(d)

    def residuals(self, X: np.ndarray) -> np.ndarray:
        w = self.w[:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            Y = np.where(w != 0, X / w, 0.0)
        Y = Y - self.q @ (self.q.T @ Y)
        return Y * w


def _orthonormal_basis(M: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(M)
    d = np.abs(np.diag(r))
    if d.size and d.min() > 1e-9 * d.max():
        return q
    u, s, _ = np.linalg.svd(M, full_matrices=False)
    return u[:, s > 1e-9 * s.max()]


# --------------------------------------------------------------------------- column helpers


def _as_categorical(s: pd.Series) -> pd.Series:
    """The column as a categorical (sorted levels for plain columns; cheaper than factorize)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s
    try:
        return s.astype("category")
    except TypeError:  # unorderable mixed types: keep the order of appearance
        codes, uniques = pd.factorize(s)
        return pd.Series(pd.Categorical.from_codes(codes, categories=uniques), index=s.index)


def _levels_and_codes(s: pd.Series) -> tuple[list[Any], np.ndarray]:
    """Levels as R's factor() would order them (categories, else sorted) and codes (-1 = NA)."""
    c = _as_categorical(s)
    return list(c.cat.categories), c.cat.codes.to_numpy(np.intp)


def _codes_for(s: pd.Series, levels: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes of s in the given level order; -1 for NA, -2 for a value not among the levels.
    Returns the values of s that are not among the levels too."""
    c = _as_categorical(s)
    codes = c.cat.codes.to_numpy(np.intp)
    present = np.bincount(codes + 1, minlength=len(c.cat.categories) + 1)[1:] > 0
    index = {lvl: k for k, lvl in enumerate(levels)}
    cats = list(c.cat.categories)
    lut = np.array([index.get(u, -2) for u in cats] + [-1], dtype=np.intp)
    unknown = [u for u, here in zip(cats, present, strict=True) if here and u not in index]
    return lut[codes], unknown


def _as_float(values: Any, what: str) -> np.ndarray:
    if isinstance(values, pd.Series):
        if values.dtype == object:
            values = pd.to_numeric(values, errors="coerce").where(values.notna())
        elif not (
            pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)
        ):
            raise ValueError(
                f"{what} is not numeric (dtype {values.dtype}); "
                "use proportion() for a categorical variable"
            )
        return values.to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(values, dtype=float)


# --------------------------------------------------------------------------- the design


class Design:
    """A stratified single-stage survey design (R: ``svydesign(id=~1, strata, weights, fpc)``).

    ``data``: the respondents (one row each). ``weights``, ``strata``, ``fpc``: column names
    (or, for weights and fpc, arrays aligned with the rows; fpc also as a mapping stratum ->
    N_h). ``lonely_psu``: what to do with a stratum of one row, see the module docstring.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        weights: str | Sequence[float] | np.ndarray | None = None,
        strata: str | None = None,
        fpc: str | Mapping[Any, float] | Sequence[float] | np.ndarray | None = None,
        *,
        lonely_psu: str = "fail",
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise TypeError("data must be a pandas DataFrame")
        n = len(data)
        if n == 0:
            raise ValueError("the design has no rows")
        if lonely_psu not in _LONELY:
            raise ValueError(f"lonely_psu must be one of {_LONELY}, got {lonely_psu!r}")

        if strata is None:
            s_codes = np.zeros(n, dtype=np.intp)
            s_levels: list[Any] = ["(all)"]
        else:
            col = self._column(data, strata)
            if col.isna().any():
                rows = list(data.index[col.isna().to_numpy()][:5])
                raise ValueError(f"stratum column {strata!r} is empty in rows {rows}")
            s_levels, s_codes = _levels_and_codes(col)
            used = np.bincount(s_codes, minlength=len(s_levels)) > 0
            if not used.all():  # unused categories are not strata
                s_levels = [lvl for lvl, u in zip(s_levels, used, strict=True) if u]
                s_codes = np.cumsum(used)[s_codes] - 1
        n_h = np.bincount(s_codes, minlength=len(s_levels))

        pop_h = None
        if fpc is not None:
            pop_h = self._population_sizes(data, fpc, s_codes, s_levels, n_h, strata)

        if weights is None:
            w = (pop_h / n_h)[s_codes] if pop_h is not None else np.ones(n)
        else:
            what = f"weight column {weights!r}" if isinstance(weights, str) else "weights"
            raw = self._column(data, weights) if isinstance(weights, str) else weights
            w = _as_float(raw if isinstance(raw, pd.Series) else np.asarray(raw), what)
            if w.shape != (n,):
                raise ValueError(f"weights must have one value per row ({n}), got {w.shape}")
            bad = ~np.isfinite(w) | (w <= 0)
            if bad.any():
                rows = list(data.index[bad][:5])
                raise ValueError(
                    f"{what} must be positive and finite; bad values in rows {rows} "
                    f"({int(bad.sum())} rows)"
                )

        f_h = np.ones(len(s_levels)) if pop_h is None else (pop_h - n_h) / pop_h
        scale_h = np.where(n_h > 1, f_h * n_h / np.maximum(n_h - 1, 1), f_h)
        scale_h = np.where(f_h < _CERTAINTY_F, 0.0, scale_h)

        self._data = data
        self._w = w.astype(float, copy=True)
        self._domain = np.ones(n, dtype=bool)
        self._strata_name = strata
        self._s_codes = s_codes
        self._s_levels = s_levels
        self._n_h = n_h
        self._scale_row = scale_h[s_codes]
        self._fpc_h = np.where(f_h < _CERTAINTY_F, 0.0, f_h)  # 1 - n_h/N_h (1 without fpc)
        lonely = (n_h == 1) & (f_h >= _CERTAINTY_F)
        self._lonely_h = np.flatnonzero(lonely)
        self._lonely_psu = lonely_psu
        self._has_fpc = pop_h is not None
        self._steps: tuple[Any, ...] = ()
        self._calibration: tuple[dict[str, Any], ...] = ()
        self._domain_name: str | None = None

    # ----------------------------------------------------------------- construction helpers

    @staticmethod
    def _column(data: pd.DataFrame, name: Any) -> pd.Series:
        if name not in data.columns:
            raise KeyError(f"column {name!r} is not in the data (columns: {list(data.columns)})")
        return data[name]

    def _population_sizes(self, data, fpc, s_codes, s_levels, n_h, strata) -> np.ndarray:
        H = len(s_levels)
        if isinstance(fpc, Mapping):
            missing = [lvl for lvl in s_levels if lvl not in fpc]
            if missing:
                raise ValueError(f"fpc has no population size for strata {missing}")
            pop = np.array([float(fpc[lvl]) for lvl in s_levels])
        else:
            what = f"fpc column {fpc!r}" if isinstance(fpc, str) else "fpc"
            raw = self._column(data, fpc) if isinstance(fpc, str) else np.asarray(fpc)
            v = _as_float(raw, what)
            if v.shape != (len(data),) or not np.isfinite(v).all() or (v <= 0).any():
                raise ValueError(f"{what} must be a positive number on every row")
            lo = np.full(H, np.inf)
            hi = np.full(H, -np.inf)
            np.minimum.at(lo, s_codes, v)
            np.maximum.at(hi, s_codes, v)
            varying = [s_levels[h] for h in range(H) if lo[h] != hi[h]]
            if varying:
                raise ValueError(f"{what} varies within strata {varying}; give one N_h per stratum")
            pop = lo
            if (pop <= 1).all():  # sampling fractions, as R reads them
                pop = n_h / pop
        small = [(s_levels[h], pop[h], int(n_h[h])) for h in range(H) if pop[h] < n_h[h] - 1e-9]
        if small:
            lvl, N, nh = small[0]
            raise ValueError(
                f"population size N_h = {N:g} for stratum {lvl!r} is smaller than its {nh} "
                f"sampled rows{f' (column {strata!r})' if strata else ''}"
            )
        return pop

    def _derive(self, **changes: Any) -> Design:
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        new.__dict__.update(changes)
        return new

    def _require_whole(self, verb: str) -> None:
        if not self._domain.all():
            raise ValueError(
                f"{verb} works on the whole design, not on a domain (subset): "
                "weight first, then take the subset"
            )

    # ----------------------------------------------------------------- public properties

    @property
    def data(self) -> pd.DataFrame:
        return self._data

    @property
    def weights(self) -> np.ndarray:
        """Weights per row of ``data`` (0 outside the domain of a subset design)."""
        w = np.where(self._domain, self._w, 0.0)
        w.setflags(write=False)
        return w

    @property
    def domain(self) -> np.ndarray:
        d = self._domain.copy()
        d.setflags(write=False)
        return d

    @property
    def strata(self) -> str | None:
        return self._strata_name

    @property
    def calibration(self) -> tuple[dict[str, Any], ...]:
        """One summary per post-stratification / raking / calibration / trimming step."""
        return self._calibration

    @property
    def n(self) -> int:
        """Rows in the domain with a positive weight."""
        return int(np.count_nonzero(self.weights))

    @property
    def df(self) -> int:
        """Design degrees of freedom: rows minus strata, in the domain (R's ``degf``)."""
        return self._degf(self.weights != 0)

    @property
    def n_eff(self) -> float:
        """Kish effective sample size (sum w)^2 / sum w^2."""
        w = self.weights
        return float(w.sum() ** 2 / np.dot(w, w))

    @property
    def deff_kish(self) -> float:
        """Kish design effect due to weighting, n sum w^2 / (sum w)^2 = n / n_eff."""
        return self.n / self.n_eff

    def __repr__(self) -> str:
        strata = (
            f", {len(self._s_levels)} strata ({self._strata_name})" if self._strata_name else ""
        )
        extra = f", calibrated: {[c['method'] for c in self._calibration]}" if self._steps else ""
        dom = "" if self._domain.all() else f", domain of {self.n}"
        return (
            f"<Design {len(self._data)} rows{strata}{', fpc' if self._has_fpc else ''}{dom}{extra}>"
        )

    # ----------------------------------------------------------------- variance machinery

    def _degf(self, inset: np.ndarray) -> int:
        return int(inset.sum()) - int(np.unique(self._s_codes[inset]).size)

    def _r_rows(self) -> np.ndarray:
        """Rows R would still hold after subsetting (calibrated designs keep every row)."""
        return np.ones_like(self._domain) if self._steps else self._domain

    def linearized_variance(self, influence: Any, rows: Any = None) -> np.ndarray | float:
        """Variance of sum_i x_i for per-row influence values x (n, or n x k -> covariance).

        Applies the calibration residuals, then the stratified formula with fpc. ``rows``: the
        rows that enter the estimate (booleans; default: the domain's rows with a positive
        weight); a lonely stratum fails (``lonely_psu="fail"``) only when one of them is in it.
        """
        X = np.asarray(influence, dtype=float)
        single = X.ndim == 1
        X = X.reshape(len(self._w), -1)
        if not np.isfinite(X).all():
            raise ValueError("influence values must be finite (drop or zero the missing rows)")
        if rows is not None:
            rows = np.asarray(rows, dtype=bool)
            if rows.shape != self._w.shape:
                raise ValueError(f"rows must be {len(self._w)} booleans, one per row")
        V = self._variance(X, full=True, rows=rows)
        return float(V[0, 0]) if single else V

    def _variance(self, X: np.ndarray, full: bool = False, rows: Any = None) -> np.ndarray:
        for step in self._steps:
            X = step.residuals(X)
        H = len(self._s_levels)
        means = _group_sum(self._s_codes, X, H) / self._n_h[:, None]
        C = X - means[self._s_codes]
        scale = self._scale_row
        if self._lonely_h.size:
            lonely_rows = np.isin(self._s_codes, self._lonely_h)
            if self._lonely_psu == "fail":
                # R drops the rows without a value (na.rm) before it looks for lonely strata
                entering = (self.weights != 0) if rows is None else rows
                hit = lonely_rows & entering
                if hit.any():
                    h = self._s_codes[np.flatnonzero(hit)[0]]
                    raise ValueError(
                        f"stratum {self._s_levels[h]!r} has only one row (PSU): its variance "
                        "cannot be estimated. Collapse it with a similar stratum, give its "
                        "population size (fpc) if it is a take-all stratum, or create the "
                        "Design with lonely_psu='certainty' or 'adjust' (as R's "
                        "options(survey.lonely.psu))"
                    )
            elif self._lonely_psu == "adjust":
                C = np.where(lonely_rows[:, None], X, C)
        Z = C * np.sqrt(scale)[:, None]
        if full:
            return Z.T @ Z
        return np.einsum("ij,ij->j", Z, Z)

    def bootstrap_weights(self, replicates: int = 200, seed: int = 0) -> np.ndarray:
        """Rescaled bootstrap replicate weights, n x ``replicates`` (module docstring), the
        same for the same seed. Column b holds replicate b's weights (0 outside the domain)."""
        if replicates < 1:
            raise ValueError(f"replicates must be at least 1, got {replicates}")
        rng = np.random.default_rng(seed)
        n = len(self._w)
        M = np.zeros((n, replicates))
        lam_h = np.sqrt(np.clip(self._fpc_h, 0.0, 1.0))
        for h in range(len(self._s_levels)):
            rows = np.flatnonzero(self._s_codes == h)
            nh = rows.size
            if nh < 2:
                M[rows] = 1.0
                continue
            counts = rng.multinomial(nh - 1, np.full(nh, 1 / nh), size=replicates).T
            M[rows] = 1 - lam_h[h] + lam_h[h] * nh / (nh - 1) * counts
        return self.weights[:, None] * M

    # ----------------------------------------------------------------- domains

    def subset(self, mask: Any, name: str | None = None) -> Design:
        """Domain design: rows outside ``mask`` keep their place in the design with weight 0
        (R's ``subset``), so variances use the full design. ``mask``: boolean array or Series
        aligned with the rows, or a callable data -> mask. ``name`` (e.g. "profession =
        'arts'") is how errors about the domain name it; a subset of a subset joins the names."""
        m = mask(self._data) if callable(mask) else mask
        if isinstance(m, pd.Series):
            if m.isna().any():
                raise ValueError("the subset mask has missing values")
            if not m.index.equals(self._data.index):
                m = m.reindex(self._data.index)
            m = m.to_numpy(dtype=bool)
        m = np.asarray(m)
        if m.shape != self._domain.shape or m.dtype != bool:
            raise ValueError(f"the subset mask must be {len(self._w)} booleans, one per row")
        if name is None:
            label = self._domain_name
        else:
            label = name if self._domain_name is None else f"{self._domain_name} & {name}"
        return self._derive(_domain=self._domain & m, _domain_name=label)

    def _in_domain(self) -> str:
        return "" if self._domain.all() else f" (in {self._where()})"

    def _where(self) -> str:
        if self._domain.all():
            return "the design"
        return "the domain" + (f" {self._domain_name!r}" if self._domain_name else " (subset)")

    # ----------------------------------------------------------------- estimation core

    def _values(self, values: Any, what: str) -> np.ndarray:
        if isinstance(values, str):
            return _as_float(self._column(self._data, values), f"column {values!r}")
        if isinstance(values, pd.Series) and len(values) == len(self._w):
            return _as_float(values, what)
        y = np.asarray(values, dtype=float)
        if y.shape != self._w.shape:
            raise ValueError(f"{what} must have one value per row ({len(self._w)}), got {y.shape}")
        return y

    def _domain_weights(self, y: np.ndarray, na_rm: bool, what: str) -> np.ndarray:
        w = self.weights
        na = np.isnan(y)
        if na.ndim > 1:
            na = na.any(axis=1)
        inside = w != 0
        if (na & inside).any():
            if not na_rm:
                k = int((na & inside).sum())
                raise ValueError(
                    f"{what} has {k} missing values; pass na_rm=True to drop them"
                    + self._in_domain()
                )
            w = np.where(na, 0.0, w)
        if not (w != 0).any():
            if not inside.any():
                raise ValueError(
                    f"{self._where()} has no rows with a positive weight: "
                    f"{what} cannot be estimated there"
                )
            raise ValueError(
                f"{what} has no values in {self._where()}: all {int(inside.sum())} rows are missing"
            )
        return w

    def _mean_columns(self, Y: np.ndarray, W: np.ndarray):
        """Means of column j of Y with domain weights W[:, j]; returns (means, se, sums)."""
        sw = W.sum(axis=0)
        Yz = np.where(W != 0, Y, 0.0)
        means = (W * Yz).sum(axis=0) / sw
        infl = W * (Yz - means) / sw
        return means, np.sqrt(self._variance(infl, rows=(W != 0).any(axis=1))), sw

    def mean_of(self, values: Any, na_rm: bool = False, what: str = "values") -> Estimate:
        """Weighted mean of a per-row vector, SE by linearisation (see the module docstring).
        ``what`` names the values in errors."""
        y = self._values(values, what)
        w = self._domain_weights(y, na_rm, what)
        m, se, _ = self._mean_columns(y[:, None], w[:, None])
        return Estimate(float(m[0]), float(se[0]), self._degf(w != 0))

    def total_of(self, values: Any, na_rm: bool = False, what: str = "values") -> Estimate:
        """Weighted total sum w_i y_i of a per-row vector, SE by linearisation."""
        y = self._values(values, what)
        w = self._domain_weights(y, na_rm, what)
        x = np.where(w != 0, w * np.nan_to_num(y), 0.0)
        se = math.sqrt(self._variance(x[:, None], rows=w != 0)[0])
        return Estimate(float(x.sum()), se, self._degf(w != 0))

    # ----------------------------------------------------------------- public verbs

    def mean(
        self, variable: str, by: str | Sequence[str] | None = None, na_rm: bool = False
    ) -> Estimate:
        """Weighted mean (R: ``svymean``); with ``by`` one per domain (``svyby``), as an
        :class:`Estimate` whose fields are arrays (``.to_frame()`` for the table)."""
        what = f"column {variable!r}"
        y = self._values(variable, what)
        if by is None:
            return self.mean_of(y, na_rm=na_rm, what=what)
        return self._by(y, variable, by, na_rm)

    def total(self, variable: str, na_rm: bool = False) -> Estimate:
        """Weighted total (R: ``svytotal``)."""
        what = f"column {variable!r}"
        return self.total_of(self._values(variable, what), na_rm=na_rm, what=what)

    def _by(self, y, variable, by, na_rm) -> Estimate:
        by_cols = [by] if isinstance(by, str) else list(by)
        keys = self._data[by_cols] if by_cols else None
        for c in by_cols:
            self._column(self._data, c)
        w = self.weights
        in_by = keys.notna().all(axis=1).to_numpy() & (w != 0)
        if not na_rm and (np.isnan(y) & in_by).any():
            k = int((np.isnan(y) & in_by).sum())
            raise ValueError(
                f"column {variable!r} has {k} missing values; pass na_rm=True to drop them"
                + self._in_domain()
            )
        if not (in_by & ~np.isnan(y)).any():
            raise ValueError(
                f"column {variable!r} has no values in any domain of {by_cols} in {self._where()}"
            )
        level_lists, code_lists = zip(*(_levels_and_codes(keys[c]) for c in by_cols), strict=True)
        sizes = [len(lv) for lv in level_lists]
        cell = np.ravel_multi_index([np.maximum(c, 0) for c in code_lists], sizes, order="F")
        present = np.unique(cell[in_by])
        ok = in_by & ~np.isnan(y)
        W = np.where(ok[:, None] & (cell[:, None] == present[None, :]), w[:, None], 0.0)
        keep = W.sum(axis=0) > 0
        present, W = present[keep], W[:, keep]
        means, se, _ = self._mean_columns(np.repeat(y[:, None], len(present), 1), W)
        df = np.array([self._degf(W[:, j] != 0) for j in range(W.shape[1])], dtype=float)
        idx = np.unravel_index(present, sizes, order="F")
        domains = pd.DataFrame(
            {c: [level_lists[k][i] for i in idx[k]] for k, c in enumerate(by_cols)}
        )
        return Estimate(means, se, df, domains=domains)

    def proportion(self, variable: str, na_rm: bool = False) -> pd.DataFrame:
        """Weighted proportion of every level (R: ``svymean`` of a factor): level, estimate, se."""
        col = self._column(self._data, variable)
        levels, codes = _levels_and_codes(col)
        Y = (codes[:, None] == np.arange(len(levels))[None, :]).astype(float)
        w = self._domain_weights(np.where(codes < 0, np.nan, 0.0), na_rm, f"column {variable!r}")
        W = np.repeat(w[:, None], len(levels), 1)
        est, se, _ = self._mean_columns(Y, W)
        return pd.DataFrame({"level": levels, "estimate": est, "se": se})

    def _indicator(self, variable: str, level: Any) -> np.ndarray:
        col = self._column(self._data, variable)
        y = (col == level).to_numpy(dtype=float, na_value=np.nan)
        y[col.isna().to_numpy()] = np.nan
        return y

    def proportion_ci(
        self,
        variable: str,
        level_value: Any,
        method: str = "logit",
        level: float = 0.95,
        na_rm: bool = False,
    ) -> tuple[float, float, float]:
        """Proportion of rows with ``variable == level_value`` and its interval (R: ``svyciprop``).

        logit: expit(logit p -/+ t_{df} se/(p(1-p))); beta (Korn-Graubard): Clopper-Pearson
        with the effective size n* = p(1-p)/var * (t_{n-1}/t_{df})^2; mean: p -/+ t_{df} se.
        As R's ``svyciprop(..., na.rm = TRUE)``, every method takes df = the design's df
        (``Design.df``, R's ``degf(design)``) and n = the design's rows, neither reduced by the
        rows where ``variable`` is missing: those rows are still sampled units of the design.
        When the variance is 0 (p = 0 or 1) the design effect cannot be estimated and the
        Clopper-Pearson interval on the unweighted count is returned.
        """
        if method not in ("logit", "beta", "mean"):
            raise ValueError(f"method must be 'logit', 'beta' or 'mean', got {method!r}")
        y = self._indicator(variable, level_value)
        est = self.mean_of(y, na_rm=na_rm, what=f"column {variable!r}")
        p, var, df = est.estimate, est.var, self.df
        alpha = 1 - level
        if var <= 0 or p <= 0 or p >= 1:
            w = self._domain_weights(y, na_rm, f"column {variable!r}")
            n = int(np.count_nonzero(w))
            k = p * n
            lo = 0.0 if k <= 0 else stats.beta.ppf(alpha / 2, k, n - k + 1)
            hi = 1.0 if k >= n else stats.beta.ppf(1 - alpha / 2, k + 1, n - k)
            if 0 < p < 1:
                lo, hi = p, p
            return (p, float(lo), float(hi))
        if method == "mean":
            lo, hi = est.ci(level, df=df)
            return (p, lo, hi)
        if method == "logit":
            q = stats.t.ppf(1 - alpha / 2, df)
            half = q * est.se / (p * (1 - p))
            lg = math.log(p / (1 - p))
            return (p, 1 / (1 + math.exp(-(lg - half))), 1 / (1 + math.exp(-(lg + half))))
        nrow = int(self._r_rows().sum())
        n_eff = (
            p * (1 - p) / var * (stats.t.ppf(alpha / 2, nrow - 1) / stats.t.ppf(alpha / 2, df)) ** 2
        )
        lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
        if not (np.isfinite(lo) and np.isfinite(hi)):  # n* astronomically large: var ~ 0
            lo, hi = est.ci(level, df=math.inf)
        return (p, float(lo), float(hi))

    def ttest(self, variable: str, group: str) -> TTest:
        """Design-based t-test of a difference in means between two groups (R: ``svyttest``).

        Weighted least squares of y on (1, group == second level); the SE of the slope by
        linearisation of its estimating function, df = design df - 1.
        """
        y = self._values(variable, f"column {variable!r}")
        gcol = self._column(self._data, group)
        g_levels, g_codes = _levels_and_codes(gcol)
        w = np.where(np.isnan(y) | (g_codes < 0), 0.0, self.weights)
        present = sorted(set(g_codes[w != 0].tolist()))
        if len(present) != 2:
            raise ValueError(
                f"group {group!r} must have exactly two levels among the rows, "
                f"found {[g_levels[i] for i in present]}"
            )
        x = (g_codes == present[1]).astype(float)
        X = np.column_stack([np.ones_like(x), x])
        yz = np.where(w != 0, y, 0.0)
        XtWX = X.T @ (X * w[:, None])
        beta = np.linalg.solve(XtWX, X.T @ (w * yz))
        resid = yz - X @ beta
        infl = (X * (w * resid)[:, None]) @ np.linalg.inv(XtWX)
        se = math.sqrt(self._variance(infl[:, [1]], rows=w != 0)[0])
        df = self._degf(w != 0) - 1
        t = beta[1] / se
        p = 2 * stats.t.sf(abs(t), df)
        lv = (g_levels[present[0]], g_levels[present[1]])
        return TTest(float(t), float(df), float(p), float(beta[1]), se, lv)

    def chisq(self, row: str, col: str) -> ChiSquareTest:
        """Test of independence in a two-way table with the Rao-Scott second-order correction
        (R: ``svychisq(~row + col, design)``, statistic "F").

        X^2 = Pearson statistic of the weighted table scaled to n; Delta = (C'D^-1 C/n)^-1
        C'D^-1 V D^-1 C with C the interaction contrasts, D = diag(p), V = Cov(p);
        F = X^2 / tr(Delta) on d0 = tr(Delta)^2 / tr(Delta^2) and d0 * (PSUs - strata) df.
        """
        r_lv, r_codes = _levels_and_codes(self._column(self._data, row))
        c_lv, c_codes = _levels_and_codes(self._column(self._data, col))
        rows = self._r_rows()
        w0 = self.weights
        r_obs = sorted(set(r_codes[(r_codes >= 0) & (w0 != 0)].tolist()))
        c_obs = sorted(set(c_codes[(c_codes >= 0) & (w0 != 0)].tolist()))
        nr, nc = len(r_obs), len(c_obs)
        if nr < 2 or nc < 2:
            raise ValueError(f"{row!r} and {col!r} need at least two levels each among the rows")
        rmap = np.full(len(r_lv) + 1, -1)
        rmap[r_obs] = np.arange(nr)
        cmap = np.full(len(c_lv) + 1, -1)
        cmap[c_obs] = np.arange(nc)
        ri, ci = rmap[r_codes], cmap[c_codes]
        ok = (ri >= 0) & (ci >= 0)
        w = np.where(ok, w0, 0.0)
        cell = np.where(ok, ri + nr * ci, 0)
        K = nr * nc
        Y = (cell[:, None] == np.arange(K)[None, :]).astype(float)
        sw = w.sum()
        p = (w[:, None] * Y).sum(axis=0) / sw
        infl = w[:, None] * (Y - p) / sw
        V = self._variance(infl, full=True, rows=w != 0)
        N = int(rows.sum())
        nu = int(rows.sum()) - int(np.unique(self._s_codes[rows]).size)
        # design matrices of the main-effects and saturated models on the nr x nc grid
        gr = np.tile(np.arange(nr), nc)
        gc = np.repeat(np.arange(nc), nr)
        R_ = (gr[:, None] == np.arange(1, nr)[None, :]).astype(float)
        C_ = (gc[:, None] == np.arange(1, nc)[None, :]).astype(float)
        X1 = np.column_stack([np.ones(K), R_, C_])
        inter = np.column_stack([R_[:, i] * C_[:, j] for j in range(nc - 1) for i in range(nr - 1)])
        Cmat = inter - X1 @ np.linalg.lstsq(X1, inter, rcond=None)[0]
        ip = np.where(p == 0, 0.0, 1 / np.where(p == 0, 1, p))
        denom = Cmat.T @ (ip[:, None] / N * Cmat)
        numr = Cmat.T @ (ip[:, None] * V * ip[None, :]) @ Cmat
        Delta = np.linalg.solve(denom, numr)
        tr = np.trace(Delta)
        d0 = tr**2 / np.trace(Delta @ Delta)
        table = (p * N).reshape(nc, nr).T
        e = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
        x2 = float(((table - e) ** 2 / e).sum())
        f = x2 / tr
        pval = float(stats.f.sf(f, d0, d0 * nu))
        counts = pd.DataFrame(
            (p * sw).reshape(nc, nr).T,
            index=pd.Index([r_lv[i] for i in r_obs], name=row),
            columns=pd.Index([c_lv[i] for i in c_obs], name=col),
        )
        return ChiSquareTest(float(f), float(d0), float(d0 * nu), pval, x2, counts)

    # ----------------------------------------------------------------- weighting verbs

    def _target_codes(self, variable: str, targets: Mapping[Any, float], what: str):
        """Validate one margin; return (codes, levels, target array)."""
        if variable not in self._data.columns:
            raise RakingError(
                f"{what} variable {variable!r} is not a column of the data",
                problem="not_a_column",
                variable=variable,
            )
        if isinstance(targets, pd.Series):
            targets = targets.to_dict()
        if not isinstance(targets, Mapping) or not targets:
            raise RakingError(
                f"{what} targets for {variable!r} must be a non-empty mapping level -> count",
                problem="no_targets",
                variable=variable,
            )
        levels = list(targets)
        t = np.array([float(targets[lvl]) for lvl in levels])
        for lvl, v in zip(levels, t, strict=True):
            if not np.isfinite(v) or v < 0:
                raise RakingError(
                    f"{what} target for {variable}={lvl!r} must be a count >= 0, got {v!r}",
                    problem="bad_target",
                    variable=variable,
                    level=lvl,
                )
        col = self._data[variable]
        codes, unknown = _codes_for(col, levels)
        if (codes == -1).any():
            rows = list(self._data.index[codes == -1][:5])
            raise RakingError(
                f"{what} variable {variable!r} is missing in {int((codes == -1).sum())} rows "
                f"(e.g. {rows}); impute or drop them before weighting",
                problem="missing_values",
                variable=variable,
            )
        if unknown:
            k = int((col == unknown[0]).sum())
            raise RakingError(
                f"level {variable}={unknown[0]!r} occurs in the data ({k} rows) but has no "
                f"target; targets are given for {levels}",
                problem="level_without_target",
                variable=variable,
                level=unknown[0],
            )
        wsum = np.bincount(codes, self._w, minlength=len(levels))
        for k, lvl in enumerate(levels):
            if wsum[k] == 0 and t[k] > 0:
                raise RakingError(
                    f"target level {variable}={lvl!r} (target {t[k]:g}) has no respondents; "
                    "merge it with a neighbouring level or drop the target",
                    problem="level_without_respondents",
                    variable=variable,
                    level=lvl,
                    target=t[k],
                )
            if wsum[k] > 0 and t[k] == 0:
                raise RakingError(
                    f"level {variable}={lvl!r} has a target of 0 but "
                    f"{int((codes == k).sum())} respondents; drop them or give a positive target",
                    problem="zero_target_with_respondents",
                    variable=variable,
                    level=lvl,
                    target=0.0,
                )
        return codes, levels, t

    def poststratify(self, variable: str, population: Mapping[Any, float]) -> Design:
        """Post-stratify to known population counts per level (R: ``postStratify``):
        w_i <- w_i * N_c / sum_{j in c} w_j."""
        self._require_whole("poststratify")
        codes, levels, t = self._target_codes(variable, population, "post-stratification")
        size = len(levels)
        wsum = np.bincount(codes, self._w, minlength=size)
        factor = np.divide(t, wsum, out=np.ones(size), where=wsum > 0)
        neww = self._w * factor[codes]
        step = _PostStep(codes, size, neww, self._w.copy())
        info = {
            "method": "poststratify",
            "variables": [variable],
            "converged": True,
            "iterations": 1,
            "max_misfit": 0.0,
        }
        return self._derive(
            _w=neww, _steps=(*self._steps, step), _calibration=(*self._calibration, info)
        )

    def rake(
        self,
        margins: Mapping[str, Mapping[Any, float]],
        tol: float = 1e-10,
        max_iter: int = 100,
    ) -> Design:
        """Rake (iterative proportional fitting) to population counts of several margins
        (R: ``rake``). The rows are collapsed to the cells of the cross-classification, so each
        pass costs O(cells), not O(rows).

        Converged when every margin's weighted counts are within ``tol`` (relative) of their
        targets after a pass; otherwise RakingError naming the worst variable and level.
        """
        self._require_whole("rake")
        if not margins:
            raise ValueError("rake needs at least one margin")
        names = list(margins)
        checked = [self._target_codes(v, margins[v], "raking") for v in names]
        totals = [float(t.sum()) for _, _, t in checked]
        for v, tot in zip(names[1:], totals[1:], strict=True):
            if abs(tot - totals[0]) > 1e-8 * max(abs(totals[0]), 1.0):
                raise RakingError(
                    f"the raking targets disagree on the population total: {names[0]!r} sums to "
                    f"{totals[0]:.10g} but {v!r} sums to {tot:.10g}",
                    problem="totals_disagree",
                    variable=v,
                )
        sizes = [len(lv) for _, lv, _ in checked]
        cell, cell_levels = _cells([c for c, _, _ in checked], sizes)
        base = np.bincount(cell, self._w, minlength=cell_levels.shape[0])
        g = np.ones_like(base)
        after: list[np.ndarray] = []
        converged = False
        misfit = np.inf
        passes = 0
        for _ in range(max_iter):
            passes += 1
            after = []
            for m, (_, _, t) in enumerate(checked):
                lv = cell_levels[:, m]
                cur = np.bincount(lv, base * g, minlength=sizes[m])
                g = g * np.divide(t, cur, out=np.ones_like(t), where=cur > 0)[lv]
                after.append(g)
            misfit, worst = _margin_misfit(base * g, cell_levels, checked, sizes)
            if misfit <= tol:
                converged = True
                break
        if not converged:
            m, k = worst
            v, lvl, t = names[m], checked[m][1][k], checked[m][2][k]
            got = np.bincount(cell_levels[:, m], base * g, minlength=sizes[m])[k]
            raise RakingError(
                f"raking did not converge after {passes} passes: the weighted count of "
                f"{v}={lvl!r} is {got:.6g} against a target of {t:.6g} "
                f"({abs(got - t) / t:.2%} off). The targets may be infeasible for these "
                "respondents (combinations of levels without respondents); merge sparse "
                "levels, drop a margin, or allow more iterations",
                problem="not_converged",
                variable=v,
                level=lvl,
                target=t,
            )
        neww = self._w * g[cell]
        step = _RakeStep(
            tuple(
                (c, s, self._w * a[cell])
                for (c, _, _), s, a in zip(checked, sizes, after, strict=True)
            )
        )
        info = {
            "method": "rake",
            "variables": names,
            "converged": True,
            "iterations": passes,
            "max_misfit": float(misfit),
        }
        return self._derive(
            _w=neww, _steps=(*self._steps, step), _calibration=(*self._calibration, info)
        )

    def calibrate(self, totals: Mapping[str, Mapping[Any, float] | float]) -> Design:
        """Linear calibration (GREG, R: ``calibrate(calfun="linear")``).

        ``totals``: per variable either a mapping level -> population count, or a number, the
        population total of a numeric variable. With X the model matrix (level indicators and
        numeric columns), d the weights: g = 1 + X (X'DX)^+ (T - X'd), w = d g. The achieved
        totals are checked against T; negative weights (possible with GREG) give a warning.
        """
        self._require_whole("calibrate")
        if not totals:
            raise ValueError("calibrate needs at least one total")
        cols, targets, labels = [], [], []
        cat_totals = []
        for v, spec in totals.items():
            if isinstance(spec, Mapping | pd.Series):
                codes, levels, t = self._target_codes(v, spec, "calibration")
                cat_totals.append((v, float(t.sum())))
                for k, lvl in enumerate(levels):
                    if t[k] == 0:
                        continue
                    cols.append((codes == k).astype(float))
                    targets.append(t[k])
                    labels.append(f"{v}={lvl!r}")
            else:
                if v not in self._data.columns:
                    raise RakingError(f"calibration variable {v!r} is not a column of the data")
                x = _as_float(self._data[v], f"column {v!r}")
                if np.isnan(x).any():
                    raise RakingError(
                        f"calibration variable {v!r} has {int(np.isnan(x).sum())} missing values"
                    )
                tot = float(spec)
                if not np.isfinite(tot):
                    raise RakingError(f"calibration total for {v!r} must be a finite number")
                cols.append(x)
                targets.append(tot)
                labels.append(v)
        for v, tot in cat_totals[1:]:
            if abs(tot - cat_totals[0][1]) > 1e-8 * max(abs(cat_totals[0][1]), 1.0):
                raise RakingError(
                    f"the calibration targets disagree on the population total: "
                    f"{cat_totals[0][0]!r} sums to {cat_totals[0][1]:.10g} but {v!r} to {tot:.10g}"
                )
        X = np.column_stack(cols)
        T = np.array(targets)
        d = self._w
        whalf = np.sqrt(d)
        Xw = X * whalf[:, None]
        lam = np.linalg.lstsq(Xw.T @ Xw, T - X.T @ d, rcond=None)[0]
        g = 1 + X @ lam
        neww = d * g
        achieved = X.T @ neww
        rel = np.abs(achieved - T) / (1 + np.abs(T))
        if rel.max() > 1e-7:
            k = int(np.argmax(rel))
            raise RakingError(
                f"calibration cannot meet the total of {labels[k]}: {achieved[k]:.6g} against "
                f"{T[k]:.6g}; the targets contradict each other"
            )
        if (neww <= 0).any():
            warnings.warn(
                f"linear calibration gave {int((neww <= 0).sum())} weights <= 0; "
                "consider raking or trimming",
                stacklevel=2,
            )
        step = _GregStep(_orthonormal_basis(Xw), g * whalf)
        info = {
            "method": "calibrate",
            "variables": list(totals),
            "converged": True,
            "iterations": 1,
            "max_misfit": float(rel.max()),
        }
        return self._derive(
            _w=neww, _steps=(*self._steps, step), _calibration=(*self._calibration, info)
        )

    def trim(
        self, lower: float | None = None, upper: float | None = None, strict: bool = False
    ) -> Design:
        """Trim weights to [lower, upper] (R: ``trimWeights``): weights outside are set to the
        bound and the trimmed amount is spread equally (added) over the untrimmed weights, so
        the sum is kept. ``strict=True`` repeats until no weight is outside the bounds. The
        calibration residuals of earlier steps are kept for the variance, as R does."""
        self._require_whole("trim")
        lo = -np.inf if lower is None else float(lower)
        hi = np.inf if upper is None else float(upper)
        if lo > hi:
            raise ValueError(f"lower bound {lo} is above upper bound {hi}")
        w = self._w.copy()
        n, total = len(w), w.sum()
        if strict and (hi * n < total * (1 - 1e-12) or lo * n > total * (1 + 1e-12)):
            raise ValueError(
                f"weights summing to {total:.6g} over {n} rows cannot all lie in [{lo:g}, {hi:g}]"
            )
        rounds = 0
        while True:
            outside = (w < lo) | (w > hi)
            if not outside.any():
                break
            rounds += 1
            new = np.clip(w, lo, hi)
            new[~outside] += (w - new).sum() / np.count_nonzero(~outside)
            w = new
            if not strict:
                break
            if rounds > 10_000:
                raise ValueError("trimming did not settle after 10000 rounds")
        if rounds == 0:
            return self
        info = {
            "method": "trim",
            "variables": [],
            "converged": True,
            "iterations": rounds,
            "max_misfit": 0.0,
            "lower": lower,
            "upper": upper,
            "strict": strict,
        }
        return self._derive(_w=w, _calibration=(*self._calibration, info))


# --------------------------------------------------------------------------- raking helpers


def _cells(codes: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Cell index per row and the margin levels of every cell (cells x margins)."""
    total = math.prod(sizes)
    if total <= max(4 * len(codes[0]), 1 << 16):
        flat = np.ravel_multi_index(codes, sizes)
        counts = np.bincount(flat, minlength=total)
        used = np.flatnonzero(counts)
        lut = np.full(total, -1, dtype=np.intp)
        lut[used] = np.arange(used.size)
        cell = lut[flat]
        levels = np.column_stack(np.unravel_index(used, sizes))
        return cell, levels
    frame = pd.DataFrame({i: c for i, c in enumerate(codes)})
    cell = frame.groupby(list(frame.columns), sort=True).ngroup().to_numpy(np.intp)
    first = np.unique(cell, return_index=True)[1]
    return cell, np.column_stack([c[first] for c in codes])


def _margin_misfit(cw, cell_levels, checked, sizes) -> tuple[float, tuple[int, int]]:
    worst, where = -1.0, (0, 0)
    for m, (_, _, t) in enumerate(checked):
        cur = np.bincount(cell_levels[:, m], cw, minlength=sizes[m])
        rel = np.abs(cur - t) / np.where(t > 0, t, 1.0)
        k = int(np.argmax(rel))
        if rel[k] > worst:
            worst, where = float(rel[k]), (m, k)
    return worst, where
