"""Sample size for a target margin of error, and the margin of error for a given sample.

Notation: ``e`` the margin of error (half-width of the confidence interval), ``z`` the normal
quantile 1 - (1 - confidence)/2, ``p`` the expected proportion, ``S`` the standard deviation for
a mean, ``deff`` the design effect, ``N`` the population size, ``r`` the expected response rate.

Cochran (1977, §4.4) with the finite population correction:

    n0 = z² · p(1 - p) · deff / e²        (proportion)
    n0 = z² · S² · deff / e²              (mean)
    n  = n0 / (1 + (n0 - 1)/N)            (completes needed; n = n0 when N is unknown)
    invitations = ceil(n_completes / r)

The inverse, for n completes out of N:

    e = z · sqrt(deff · p(1 - p)/n · (N - n)/(N - 1))     ((N - n)/(N - 1) omitted when N unknown)

which solves the forward formula exactly: n0 = n(N - 1)/(N - n).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sampling.errors import DesignError

_EPS = 1e-9


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: z = Φ⁻¹(1 - (1 - confidence)/2)."""
    if not 0 < confidence < 1:
        raise DesignError(
            "confidence_invalid",
            f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence!r}",
            confidence=confidence,
        )
    from scipy.stats import norm  # lazily: scipy.stats costs seconds, and a form needs none

    return float(norm.ppf(1 - (1 - confidence) / 2))


def _ceil(x: float) -> int:
    # Guard against 278.00000000003 becoming 279.
    return math.ceil(x - _EPS)


def check_response_rate(response_rate: float, stratum: str | None = None) -> float:
    """The expected response rate, a share in (0, 1]; else a DesignError (of `stratum`)."""
    if not 0 < response_rate <= 1:
        where = "" if stratum is None else f" for {stratum!r}"
        raise DesignError(
            "response_rate_invalid",
            f"response_rate must be in (0, 1], got {response_rate!r}{where}",
            response_rate=response_rate,
        )
    return float(response_rate)


def _check_common(
    population: int | None, deff: float, response_rate: float, p: float | None, sd: float | None
) -> None:
    if population is not None and (population != int(population) or population < 1):
        raise ValueError(f"population must be a positive whole number, got {population!r}")
    if deff <= 0:
        raise DesignError(
            "deff_invalid", f"deff (design effect) must be positive, got {deff!r}", deff=deff
        )
    check_response_rate(response_rate)
    if sd is None and p is not None and not 0 <= p <= 1:
        raise ValueError(f"p must be a proportion between 0 and 1, got {p!r}")
    if sd is not None and sd < 0:
        raise ValueError(f"sd must not be negative, got {sd!r}")


@dataclass(frozen=True)
class SampleSize:
    """The result of ``sample_size``: completes needed and invitations to send."""

    completes: int
    invitations: int
    n0: float  # before the finite population correction
    n_exact: float  # after it, before rounding up
    moe: float
    confidence: float
    z: float
    p: float | None
    sd: float | None
    population: int | None
    deff: float
    response_rate: float
    capped: bool  # invitations were limited to the population: the target is out of reach


def sample_size(
    moe: float,
    confidence: float = 0.95,
    p: float = 0.5,
    population: int | None = None,
    deff: float = 1.0,
    response_rate: float = 1.0,
    sd: float | None = None,
) -> SampleSize:
    """Completes and invitations needed for margin of error ``moe`` (see the module formulas).

    For a proportion give ``p`` (0.5 is the safe, largest choice); for a mean give ``sd`` in the
    units of ``moe``. ``completes`` is rounded up and never exceeds ``population``;
    ``invitations = ceil(completes / response_rate)``, limited to ``population`` (then
    ``capped`` is True: even a census is not expected to reach the target).

    >>> s = sample_size(0.05, population=1000, response_rate=0.4)
    >>> (s.completes, s.invitations)
    (278, 695)
    """
    if moe <= 0:
        raise DesignError(
            "moe_invalid", f"moe (margin of error) must be positive, got {moe!r}", moe=moe
        )
    _check_common(population, deff, response_rate, p, sd)
    z = z_value(confidence)
    variance = sd**2 if sd is not None else p * (1 - p)
    n0 = z**2 * variance * deff / moe**2
    n_exact = n0 if population is None else n0 / (1 + (n0 - 1) / population)
    completes = max(_ceil(n_exact), 1 if n0 > 0 else 0)
    if population is not None:
        completes = min(completes, int(population))
    invitations = _ceil(completes / response_rate)
    capped = False
    if population is not None and invitations > population:
        invitations, capped = int(population), True
    return SampleSize(
        completes=completes,
        invitations=invitations,
        n0=n0,
        n_exact=n_exact,
        moe=moe,
        confidence=confidence,
        z=z,
        p=None if sd is not None else p,
        sd=sd,
        population=None if population is None else int(population),
        deff=deff,
        response_rate=response_rate,
        capped=capped,
    )


def margin_of_error(
    n: float,
    population: int | None = None,
    p: float = 0.5,
    confidence: float = 0.95,
    deff: float = 1.0,
    sd: float | None = None,
) -> float:
    """Expected margin of error for ``n`` completes (see the module formulas).

    ``e = z · sqrt(deff · V / n · (N - n)/(N - 1))`` with ``V = p(1 - p)`` or ``V = sd²``.
    Returns 0 for a complete census (n = N) and infinity for n = 0. ``n`` may be fractional
    (expected completes).
    """
    _check_common(population, deff, 1.0, p, sd)
    if n < 0:
        raise ValueError(f"n must not be negative, got {n!r}")
    if population is not None and n > population + _EPS:
        raise ValueError(f"n ({n}) cannot exceed the population ({population})")
    if n == 0:
        return math.inf
    z = z_value(confidence)
    variance = sd**2 if sd is not None else p * (1 - p)
    fpc = 1.0
    if population is not None:
        fpc = 0.0 if population == 1 else max(population - n, 0.0) / (population - 1)
    return z * math.sqrt(deff * variance / n * fpc)


def sample_size_by_stratum(
    population: dict[str, int],
    moe: float,
    confidence: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    response_rate: float | dict[str, float] = 1.0,
    sd: float | None = None,
) -> pd.DataFrame:
    """Completes and invitations if every stratum must reach ``moe`` on its own.

    One row per stratum (columns ``stratum, N, completes, invitations, capped``) and a last row
    ``Totaal`` with their sums. ``response_rate`` may differ per stratum (a dict). For the
    precision of the whole population alone, call ``sample_size`` with the total N instead.
    """
    rows = []
    for stratum, N in population.items():
        rr = response_rate[stratum] if isinstance(response_rate, dict) else response_rate
        if N == 0:
            rows.append(
                {"stratum": stratum, "N": 0, "completes": 0, "invitations": 0, "capped": False}
            )
            continue
        s = sample_size(moe, confidence, p, N, deff, rr, sd=sd)
        rows.append(
            {
                "stratum": stratum,
                "N": int(N),
                "completes": s.completes,
                "invitations": s.invitations,
                "capped": s.capped,
            }
        )
    table = pd.DataFrame(rows, columns=["stratum", "N", "completes", "invitations", "capped"])
    total = {
        "stratum": OVERALL,
        "N": int(table["N"].sum()),
        "completes": int(table["completes"].sum()),
        "invitations": int(table["invitations"].sum()),
        "capped": bool(table["capped"].any()),
    }
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


OVERALL = "Totaal"
