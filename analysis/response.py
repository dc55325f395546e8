"""Fieldwork monitoring: AAPOR outcome rates, the wave's minimum, and the R-indicator.

AAPOR outcome rates
-------------------
Counts follow AAPOR, *Standard Definitions: Final Dispositions of Case Codes and Outcome
Rates for Surveys* (10th ed., 2023):

    I  complete            P  partial
    R  refusal and break-off      NC non-contact      O other eligible non-interview
    UH, UO unknown eligibility    NE not eligible

With ``U = UH + UO`` and ``e`` the estimated share of eligible cases among those of unknown
eligibility::

    RR1 = I       / ((I+P) + (R+NC+O) + U)
    RR2 = (I+P)   / ((I+P) + (R+NC+O) + U)
    RR3 = I       / ((I+P) + (R+NC+O) + e·U)
    RR4 = (I+P)   / ((I+P) + (R+NC+O) + e·U)
    RR5 = I       / ((I+P) + (R+NC+O))
    RR6 = (I+P)   / ((I+P) + (R+NC+O))
    COOP1 = I / ((I+P) + R + O)      COOP2 = (I+P) / ((I+P) + R + O)
    COOP3 = I / ((I+P) + R)          COOP4 = (I+P) / ((I+P) + R)
    REF1 = R / ((I+P) + (R+NC+O) + U)
    REF2 = R / ((I+P) + (R+NC+O) + e·U)
    REF3 = R / ((I+P) + (R+NC+O))
    CON1 = ((I+P) + R + O) / ((I+P) + (R+NC+O) + U)
    CON2 = ((I+P) + R + O) / ((I+P) + (R+NC+O) + e·U)
    CON3 = ((I+P) + R + O) / ((I+P) + (R+NC+O))

When ``e`` is not given it is estimated among the cases of known eligibility (AAPOR's
"proportional allocation"): ``e = (I+P+R+NC+O) / (I+P+R+NC+O+NE)``. A zero denominator
gives NaN, never an exception: a stratum without invitations simply has no rate yet.

Dispositions of a web survey of named trainees
----------------------------------------------
The invitation dispositions written by ``sampling`` map onto AAPOR's table for *Internet
surveys of specifically named persons* as follows (``DISPOSITION_TO_AAPOR``):

    =============  ====  ===================================================================
    disposition    code  AAPOR final disposition
    =============  ====  ===================================================================
    complete       I     1.1   complete
    partial        P     1.2   partial (a break-off with enough answers to count)
    opted_out      R     2.111 explicit refusal (the trainee unsubscribed or declined)
    opened         R     2.1121 implicit refusal: logged on to the survey (opened the
                         personal link) but did not complete any item
    invited        UH    3.19  nothing ever returned: unknown whether the invitation reached
                         the trainee (AAPOR's "nothing known" group, counted as UH)
    bounced        UO    3.3   invitation returned undelivered (unknown eligibility, other)
    not_invited    --    not part of the released sample: excluded from every denominator
    =============  ====  ===================================================================

AAPOR puts "nothing returned" and "undelivered" under unknown eligibility because a list
can be out of date. When the frame itself establishes that every listed person is eligible
(a register of trainees checked at the start of the wave), pass
``eligibility_known=True``: ``invited`` and ``bounced`` then count as NC (eligible,
not reached), which changes RR5/RR6, REF3, CON1-CON3 but not RR1/RR2 (their denominators
hold NC and U alike). With the default mapping no case is ever NE, so the estimated
``e`` is 1 and RR3 = RR1, RR4 = RR2.

R-indicator
-----------
Schouten, Cobben & Bethlehem (2009), "Indicators for the representativeness of survey
response", *Survey Methodology* 35(1): 101-113. With ``ρ̂_i`` the response propensities
from a logistic regression of the response indicator on frame variables, fitted with
the design weights ``d_i`` (so that it estimates the population model), ``N = Σ d_i`` and
``ρ̄ = Σ d_i ρ̂_i / N``::

    S²(ρ̂) = Σ d_i (ρ̂_i - ρ̄)² / (N - 1)
    R      = 1 - 2 S(ρ̂)                      (1 = fully representative, 0 = maximal)
    CV     = S(ρ̂) / ρ̄
    B_max  = (1 - R) / (2 ρ̄)                 the bound on the absolute standardized bias
                                              |bias(ȳ_r)| / S(y) of any respondent mean

(so ``B_max`` equals ``CV``; both are reported because the literature uses both names).

Unconditional partial indicators (Schouten, Shlomo & Skinner 2011, *Journal of Official
Statistics* 27(2): 231-253), for a categorical variable X with categories h, design-weighted
sizes ``N_h`` and mean propensity ``ρ̄_h``::

    P_u(X, h) = sqrt(N_h / N) · (ρ̄_h - ρ̄)           signed: < 0 means under-represented
    P_u(X)    = sqrt( Σ_h (N_h / N) (ρ̄_h - ρ̄)² )      the between-category std. deviation

(``N`` in place of ``N - 1`` inside ``P_u``, as in the paper.) Continuous covariates enter
the model as they are; their partial indicator is reported per variable only, from the
quintiles of the covariate.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vocabulary import (  # noqa: F401  (re-exported: the response rates' own terms)
    AAPOR_CODES,
    DISPOSITION_TO_AAPOR,
    DISPOSITION_TO_AAPOR_ELIGIBLE,
    DISPOSITIONS,
    REACHABLE_DISPOSITIONS,
)

RESPONSE_RATES: tuple[str, ...] = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6")
RATE_NAMES: tuple[str, ...] = (
    *RESPONSE_RATES,
    "COOP1",
    "COOP2",
    "COOP3",
    "COOP4",
    "REF1",
    "REF2",
    "REF3",
    "CON1",
    "CON2",
    "CON3",
)

#: Code of the all-strata row in the tables below (its words: report.labels, kind "stratum").
OVERALL = "__total__"


# --------------------------------------------------------------------------- AAPOR rates


def _validated_counts(counts: Mapping[str, int]) -> dict[str, float]:
    out = dict.fromkeys(AAPOR_CODES, 0.0)
    for key, value in counts.items():
        if key not in out:
            raise ValueError(
                f"unknown AAPOR disposition code {key!r}; expected one of {', '.join(AAPOR_CODES)}"
            )
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"count for {key!r} is not a number: {value!r}") from None
        if math.isnan(number) or number < 0:
            raise ValueError(f"count for {key!r} must be a non-negative number, got {value!r}")
        out[key] = number
    return out


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def estimate_e(counts: Mapping[str, int]) -> float:
    """Estimated eligible share among unknown-eligibility cases: (I+P+R+NC+O) / (… + NE).

    NaN when no case has known eligibility.
    """
    c = _validated_counts(counts)
    eligible = c["I"] + c["P"] + c["R"] + c["NC"] + c["O"]
    return _ratio(eligible, eligible + c["NE"])


def response_rates(counts: Mapping[str, int], e: float | None = None) -> dict[str, float]:
    """AAPOR RR1-RR6, COOP1-COOP4, REF1-REF3 and CON1-CON3 from disposition counts.

    ``counts`` is keyed by I, P, R, NC, O, UH, UO, NE (missing keys count as 0). ``e`` is the
    eligible share among the unknown-eligibility cases; estimated from the cases of known
    eligibility when None. Formulas in the module docstring; a zero denominator gives NaN.
    """
    c = _validated_counts(counts)
    if e is None:
        e = estimate_e(c)
        # No case of known eligibility: e is undefined, but it only matters when U > 0.
        if math.isnan(e) and c["UH"] + c["UO"] == 0:
            e = 0.0
    else:
        e = float(e)
        if not 0.0 <= e <= 1.0:
            raise ValueError(f"e must lie between 0 and 1, got {e}")
    interviews = c["I"] + c["P"]
    eligible_nonint = c["R"] + c["NC"] + c["O"]
    unknown = c["UH"] + c["UO"]
    contacted = interviews + c["R"] + c["O"]
    den_all = interviews + eligible_nonint + unknown
    den_e = interviews + eligible_nonint + e * unknown if unknown else interviews + eligible_nonint
    den_known = interviews + eligible_nonint
    return {
        "RR1": _ratio(c["I"], den_all),
        "RR2": _ratio(interviews, den_all),
        "RR3": _ratio(c["I"], den_e),
        "RR4": _ratio(interviews, den_e),
        "RR5": _ratio(c["I"], den_known),
        "RR6": _ratio(interviews, den_known),
        "COOP1": _ratio(c["I"], contacted),
        "COOP2": _ratio(interviews, contacted),
        "COOP3": _ratio(c["I"], interviews + c["R"]),
        "COOP4": _ratio(interviews, interviews + c["R"]),
        "REF1": _ratio(c["R"], den_all),
        "REF2": _ratio(c["R"], den_e),
        "REF3": _ratio(c["R"], den_known),
        "CON1": _ratio(contacted, den_all),
        "CON2": _ratio(contacted, den_e),
        "CON3": _ratio(contacted, den_known),
    }


# ----------------------------------------------------------------- dispositions -> counts


def _check_dispositions(df: pd.DataFrame, disposition_col: str) -> pd.Series:
    if disposition_col not in df.columns:
        raise ValueError(
            f"the invitations have no {disposition_col!r} column (columns: {', '.join(map(str, df.columns))})"
        )
    disp = df[disposition_col]
    bad = ~disp.isin(DISPOSITIONS)
    if bad.any():
        first = disp.index[bad.to_numpy()][0]
        raise ValueError(
            f"row {first!r}: unknown disposition {disp.loc[first]!r} "
            f"({int(bad.sum())} such rows); expected one of {', '.join(DISPOSITIONS)}"
        )
    return disp


def disposition_counts(
    df: pd.DataFrame,
    stratum: str | None = None,
    *,
    disposition_col: str = "disposition",
    eligibility_known: bool = False,
) -> pd.DataFrame:
    """AAPOR counts (columns I, P, R, NC, O, UH, UO, NE) per stratum and overall.

    One row per stratum (in order of appearance, as strings) and a last row ``OVERALL``;
    without ``stratum`` only the overall row. ``not_invited`` rows are left out. The mapping
    is ``DISPOSITION_TO_AAPOR`` (``DISPOSITION_TO_AAPOR_ELIGIBLE`` with
    ``eligibility_known=True``); see the module docstring.
    """
    disp = _check_dispositions(df, disposition_col)
    mapping = DISPOSITION_TO_AAPOR_ELIGIBLE if eligibility_known else DISPOSITION_TO_AAPOR
    code = disp.map(mapping)
    keep = code.notna().to_numpy()
    codes = pd.Categorical(code[keep], categories=AAPOR_CODES)
    overall = pd.Series(codes).value_counts().reindex(AAPOR_CODES, fill_value=0)
    rows = []
    labels = []
    if stratum is not None:
        if stratum not in df.columns:
            raise ValueError(f"the invitations have no stratum column {stratum!r}")
        strata = df[stratum]
        if strata.isna().any():
            first = strata.index[strata.isna().to_numpy()][0]
            raise ValueError(f"row {first!r}: stratum {stratum!r} is empty")
        strata = strata.astype(str)
        if (strata == OVERALL).any():
            raise ValueError(f"a stratum may not be called {OVERALL!r}")
        table = pd.crosstab(strata[keep].to_numpy(), codes, dropna=False)
        for label in pd.unique(strata):
            labels.append(label)
            if label in table.index:
                rows.append(table.loc[label].reindex(AAPOR_CODES, fill_value=0).to_numpy())
            else:  # stratum with only not_invited rows
                rows.append(np.zeros(len(AAPOR_CODES), dtype=int))
    labels.append(OVERALL)
    rows.append(overall.to_numpy())
    out = pd.DataFrame(np.vstack(rows).astype(int), index=labels, columns=list(AAPOR_CODES))
    out.index.name = stratum or "stratum"
    return out


# ------------------------------------------------------------------ the wave's minimum


_Z95 = 1.959963984540054


def margin_of_error(n: float, population: float | None = None, p: float = 0.5) -> float:
    """Half-width of the 95% CI of a proportion: 1.96 · sqrt(p(1-p)/n) · sqrt((N-n)/(N-1)).

    Without ``population`` no finite population correction. NaN when n = 0; 0 when n ≥ N.
    """
    if n <= 0:
        return math.nan
    fpc = 1.0
    if population is not None:
        if n >= population:
            return 0.0
        fpc = (population - n) / (population - 1)
    return _Z95 * math.sqrt(p * (1 - p) / n * fpc)


def _numerator_codes(rate: str) -> tuple[str, ...]:
    # RR1, RR3, RR5 count completes only; RR2, RR4, RR6 count partials too.
    return ("I",) if rate in ("RR1", "RR3", "RR5") else ("I", "P")


def _rate_shortfall(counts: Mapping[str, int], rate: str, minimum: float) -> int | None:
    """Extra completes for ``rate`` to reach ``minimum``; None when not attainable.

    RR1/RR2: new completes come from cases already in the denominator, so
    ``x = ceil(minimum · D - numerator)``. Other rates: the new completes are taken from the
    unknown-eligibility cases first (UH, UO), then NC, R, O, recomputing e, by bisection.
    """
    c = {k: int(counts.get(k, 0)) for k in AAPOR_CODES}
    rates = response_rates(c)
    current = rates[rate]
    if not math.isnan(current) and current >= minimum - 1e-12:
        return 0
    num = sum(c[k] for k in _numerator_codes(rate))
    if sum(c[k] for k in AAPOR_CODES if k != "NE") == 0:
        return 0  # nobody invited yet: no rate to lift (the completes minimum still counts)
    if rate in ("RR1", "RR2"):
        den = sum(c[k] for k in AAPOR_CODES if k != "NE")
        # round() first so that e.g. 0.3 · 10 = 3.0000000000000004 does not ask for one too many
        needed = math.ceil(round(minimum * den - num, 9))
        return needed if needed <= den - num else None

    order = ("UH", "UO", "NC", "R", "O")
    pool = sum(c[k] for k in order)

    def after(x: int) -> float:
        moved = dict(c)
        left = x
        for k in order:
            take = min(left, moved[k])
            moved[k] -= take
            left -= take
        moved["I"] += x
        return response_rates(moved)[rate]

    if pool == 0 or not after(pool) >= minimum - 1e-12:
        return None
    lo, hi = 0, pool  # after(lo) < minimum <= after(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if after(mid) >= minimum - 1e-12:
            hi = mid
        else:
            lo = mid
    return hi


RESPONSE_TABLE_COLUMNS = [
    "stratum",
    *AAPOR_CODES,
    *RATE_NAMES,
    "rate",
    "minimum_rate",
    "meets_rate",
    "completes",
    "minimum_completes",
    "meets_completes",
    "meets",
    "shortfall",
    "reachable",
    "attainable",
    "respondents",
    "population",
    "moe",
]


def _stratum_fields(c, label, x_rate, pop, respondents, minimum_completes) -> dict[str, Any]:
    """A stratum's minimum completes, shortfall, population and margin of error."""
    need_completes = max(int(minimum_completes) - int(c["I"]), 0)
    big_n = pop[label] if pop is not None else None
    return {
        "minimum_completes": int(minimum_completes),
        "meets_completes": bool(c["I"] >= minimum_completes),
        "shortfall": pd.NA if x_rate is None else max(x_rate, need_completes),
        "population": big_n if big_n is not None else pd.NA,
        "moe": margin_of_error(respondents, big_n),
    }


def _overall_fields(strata_recs, x_rate, pop, respondents) -> dict[str, Any]:
    """The overall row's completes check, shortfall (max of its own and the strata's
    together), population and margin of error (stratified, with fpc, when sizes are known)."""
    need = sum(0 if pd.isna(r["shortfall"]) else r["shortfall"] for r in strata_recs)
    unknown = any(pd.isna(r["shortfall"]) for r in strata_recs)
    out: dict[str, Any] = {
        "minimum_completes": pd.NA,
        "meets_completes": all(r["meets_completes"] for r in strata_recs),
        "shortfall": pd.NA if (x_rate is None or unknown) else max(x_rate, need),
    }
    if pop is None:
        return {**out, "population": pd.NA, "moe": margin_of_error(respondents)}
    total = sum(pop.values())
    var = 0.0
    for r in strata_recs:
        n_h, big_n = r["respondents"], pop[r["stratum"]]
        if n_h == 0:
            var = math.nan
            break
        fpc = 0.0 if n_h >= big_n else (big_n - n_h) / (big_n - 1)
        var += (big_n / total) ** 2 * 0.25 / n_h * fpc
    moe = _Z95 * math.sqrt(var) if not math.isnan(var) else math.nan
    return {**out, "population": total, "moe": moe}


def response_table(
    invitations_df: pd.DataFrame,
    strata: str,
    minimum_rr: float,
    minimum_rr_stratum: float | None,
    minimum_completes: int,
    rate: str = "RR2",
    population: Mapping[str, int] | None = None,
    *,
    disposition_col: str = "disposition",
    eligibility_known: bool = False,
) -> pd.DataFrame:
    """Response per stratum and overall against the wave's minimum.

    Columns: the AAPOR counts, every rate of ``response_rates``, ``rate`` (the chosen one),
    ``minimum_rate`` (``minimum_rr_stratum``, or ``minimum_rr`` when that is None; the
    overall row uses ``minimum_rr``), ``meets_rate``, ``completes`` (I),
    ``minimum_completes``, ``meets_completes``, ``meets`` (both), ``shortfall``,
    ``reachable``, ``attainable``, ``respondents``, ``population`` and ``moe``.

    shortfall (per stratum) = max(x_rate, minimum_completes - I, 0), with x_rate the
    completes needed to lift the rate to its minimum (``ceil(min · D - numerator)`` for
    RR1/RR2, D the rate's denominator: a new complete is a case already in D). The overall
    shortfall is max(x_rate overall, Σ stratum shortfalls), since the strata's extra
    completes count overall too. ``shortfall`` is <NA> when the minimum rate cannot be
    reached even if every outstanding case completed. ``reachable`` counts the invitations a
    reminder can still turn into a complete (invited, opened, partial); ``attainable`` says
    whether shortfall ≤ reachable.

    moe: the 95% margin of error of a proportion p = .5 from the ``respondents`` (the rate's
    numerator), with the finite population correction when ``population`` (N_h per stratum)
    is given. Overall, with population: 1.96 · sqrt(Σ (N_h/N)² · .25/n_h · (N_h-n_h)/(N_h-1)),
    the stratified estimator's; without: the simple formula on the total n.
    """
    if rate not in RESPONSE_RATES:
        raise ValueError(f"rate must be one of {', '.join(RESPONSE_RATES)}, got {rate!r}")
    for name, value in (("minimum_rr", minimum_rr), ("minimum_rr_stratum", minimum_rr_stratum)):
        if value is not None and not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name} must be a share between 0 and 1, got {value!r}")
    if int(minimum_completes) < 0:
        raise ValueError(f"minimum_completes must be ≥ 0, got {minimum_completes!r}")
    stratum_min = minimum_rr if minimum_rr_stratum is None else minimum_rr_stratum

    counts = disposition_counts(
        invitations_df, strata, disposition_col=disposition_col, eligibility_known=eligibility_known
    )
    disp = invitations_df[disposition_col]
    reach = (
        invitations_df.loc[disp.isin(REACHABLE_DISPOSITIONS).to_numpy(), strata]
        .astype(str)
        .value_counts()
    )
    pop = None
    if population is not None:
        pop = {str(k): int(v) for k, v in population.items()}
        missing = [s for s in counts.index if s != OVERALL and s not in pop]
        if missing:
            raise ValueError(f"population has no size for stratum(s) {', '.join(missing)}")

    records = []
    for label, row in counts.iterrows():
        c = row.to_dict()
        rates = response_rates(c)
        is_overall = label == OVERALL
        minimum = float(minimum_rr if is_overall else stratum_min)
        respondents = int(sum(c[k] for k in _numerator_codes(rate)))
        rec = {"stratum": label, **{k: int(v) for k, v in c.items()}, **rates}
        rec["rate"] = rates[rate]
        rec["minimum_rate"] = minimum
        rec["meets_rate"] = bool(not math.isnan(rates[rate]) and rates[rate] >= minimum - 1e-12)
        rec["completes"] = int(c["I"])
        rec["respondents"] = respondents
        rec["reachable"] = int(reach.sum() if is_overall else reach.get(label, 0))
        x_rate = _rate_shortfall(c, rate, minimum)
        if is_overall:  # the strata come first: they are the records so far
            rec.update(_overall_fields(records, x_rate, pop, respondents))
        else:
            rec.update(_stratum_fields(c, label, x_rate, pop, respondents, minimum_completes))
        shortfall = rec["shortfall"]
        rec["meets"] = bool(rec["meets_rate"] and rec["meets_completes"])
        rec["attainable"] = bool(not pd.isna(shortfall) and shortfall <= rec["reachable"])
        records.append(rec)

    out = pd.DataFrame.from_records(records, columns=RESPONSE_TABLE_COLUMNS)
    for col in ("shortfall", "minimum_completes", "population"):
        out[col] = out[col].astype("Int64")
    out.attrs["rate"] = rate
    return out


# ------------------------------------------------------------------------- R-indicator


@dataclass(frozen=True)
class RIndicator:
    """Result of ``r_indicator``; formulas in the module docstring."""

    R: float
    S: float
    cv: float
    rho_mean: float
    max_bias: float
    n: int
    N: float
    propensities: pd.Series
    partial: pd.DataFrame = field(repr=False)
    coefficients: pd.Series = field(repr=False)


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _weighted_sd(values: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    total = w.sum()
    mean = float(np.sum(w * values) / total)
    var = float(np.sum(w * (values - mean) ** 2) / (total - 1)) if total > 1 else math.nan
    return mean, math.sqrt(var)


def _design_matrix(sample: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """The propensity model's matrix: a constant, categorical covariates one-hot coded with
    the first level (sorted) as reference, numeric ones linearly."""
    parts = [pd.Series(1.0, index=sample.index, name="const")]
    for col in covariates:
        s = sample[col]
        if _is_categorical(s):
            labels = s.astype(str)
            for level in sorted(pd.unique(labels))[1:]:
                parts.append((labels == level).astype(float).rename(f"{col}[{level}]"))
        else:
            parts.append(s.astype(float).rename(col))
    X = pd.concat(parts, axis=1)
    return X


def _partial_indicators(sample, covariates, w, rho, rho_mean, total) -> pd.DataFrame:
    """The unconditional partial R-indicators: one row per variable, one per category."""
    rows = []
    for col in covariates:
        s = sample[col]
        groups = (
            s.astype(str) if _is_categorical(s) else pd.qcut(s, 5, duplicates="drop").astype(str)
        )
        frame = pd.DataFrame({"g": groups.to_numpy(), "w": w, "wr": w * rho})
        agg = frame.groupby("g", sort=True).agg(w=("w", "sum"), wr=("wr", "sum"))
        share = agg["w"] / total
        mean_h = agg["wr"] / agg["w"]
        signed = np.sqrt(share) * (mean_h - rho_mean)
        rows.append(
            {
                "variable": col,
                "category": None,
                "share": 1.0,
                "rho_mean": rho_mean,
                "Pu": float(np.sqrt(np.sum(share * (mean_h - rho_mean) ** 2))),
            }
        )
        if _is_categorical(s):
            for level in agg.index:
                rows.append(
                    {
                        "variable": col,
                        "category": level,
                        "share": float(share[level]),
                        "rho_mean": float(mean_h[level]),
                        "Pu": float(signed[level]),
                    }
                )
    return pd.DataFrame(rows, columns=["variable", "category", "share", "rho_mean", "Pu"])


def r_indicator(
    sample: pd.DataFrame,
    responded: str,
    covariates: Sequence[str],
    weights: str | None = None,
) -> RIndicator:
    """R-indicator, CV, bias bound and unconditional partial R-indicators of the response.

    ``sample``: one row per sampled unit (respondents and nonrespondents) with the 0/1 (or
    bool) response indicator ``responded``, the frame ``covariates`` and optionally the
    design weights ``weights``. The response propensities come from a logistic GLM
    (statsmodels, Binomial, ``var_weights`` = design weights; the point estimates equal the
    design-weighted pseudo-maximum-likelihood fit). Categorical covariates (strings,
    categories, booleans) are one-hot coded with the first level (sorted) as reference;
    numeric covariates enter linearly.

    ``.partial`` has one row per variable (``category`` = None, ``Pu`` ≥ 0) and one per
    category (``Pu`` signed: negative = under-represented among the respondents), with the
    weighted size share and mean propensity.
    """
    import statsmodels.api as sm

    covariates = list(covariates)
    needed = [responded, *covariates, *([weights] if weights else [])]
    missing = [c for c in needed if c not in sample.columns]
    if missing:
        raise ValueError(f"sample has no column(s) {', '.join(missing)}")
    if not covariates:
        raise ValueError("r_indicator needs at least one covariate")
    for col in needed:
        if sample[col].isna().any():
            first = sample.index[sample[col].isna().to_numpy()][0]
            raise ValueError(
                f"row {first!r}: {col!r} is empty; the R-indicator needs it for every unit"
            )
    y_raw = sample[responded]
    y = (
        y_raw.astype(float).to_numpy()
        if pd.api.types.is_bool_dtype(y_raw)
        else y_raw.to_numpy(float)
    )
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError(f"{responded!r} must be 0/1 or True/False")
    if weights:
        w = sample[weights].to_numpy(float)
        if (w <= 0).any():
            raise ValueError(f"design weights {weights!r} must be positive")
    else:
        w = np.ones(len(sample))

    X = _design_matrix(sample, covariates)

    with warnings.catch_warnings():
        # A category where everybody (or nobody) responded separates perfectly: the fitted
        # propensities still converge to that category's rate, which is what we need.
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, X, family=sm.families.Binomial(), var_weights=w).fit()
    rho = np.asarray(fit.fittedvalues, dtype=float)

    rho_mean, S = _weighted_sd(rho, w)
    R = 1.0 - 2.0 * S
    cv = S / rho_mean if rho_mean > 0 else math.nan
    max_bias = (1.0 - R) / (2.0 * rho_mean) if rho_mean > 0 else math.nan

    total = w.sum()
    partial = _partial_indicators(sample, covariates, w, rho, rho_mean, total)
    return RIndicator(
        R=float(R),
        S=float(S),
        cv=float(cv),
        rho_mean=float(rho_mean),
        max_bias=float(max_bias),
        n=len(sample),
        N=float(total),
        propensities=pd.Series(rho, index=sample.index, name="propensity"),
        partial=partial,
        coefficients=pd.Series(np.asarray(fit.params), index=X.columns, name="coef"),
    )
