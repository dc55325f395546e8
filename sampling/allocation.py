"""Allocation of a sample of n units over strata, and a comparison of designs.

Targets (before bounds), for stratum h with N_h units and standard deviation S_h:

    proportional   n_h ∝ N_h
    neyman         n_h = n · N_h S_h / Σ_k N_k S_k              (Neyman 1934; Cochran §5.5)
    equal          n_h ∝ 1
    power          n_h ∝ N_h^a · S_h   (Bankier 1988; a = ``power``; S_h = 1 without ``sd``)
    census         n_h = N_h

Bounds: ``min(minimum, N_h) <= n_h <= N_h``. The bounded continuous allocation is
``x_h = clip(λ·t_h, lo_h, N_h)`` with λ chosen so that Σ x_h = n: strata whose target exceeds
N_h are taken whole and their surplus goes to the others in proportion to their targets (the
classical iterative take-all rule, solved exactly). The integers are then given by the largest
remainder method, so that they add up to exactly n and stay within the bounds.

Design effect of an allocation (Kish 1965, §11.7; Kish 1992, "Weighting for unequal P_i",
J. Official Statistics 8, eq. 2): the planned weights w_h = N_h/n_h (the same with a common
response rate r, which cancels) give

    deff = n Σ_h n_h w_h² / (Σ_h n_h w_h)² = (Σ_h n_h)(Σ_h N_h²/n_h) / N²

(over the strata with n_h > 0): 1 for a proportional allocation, more the further the weights
spread. For a proportion with a common p and no finite population correction it is exactly
the ratio of the stratified variance Σ_h W_h² p(1-p)/n_h to the simple random one p(1-p)/n.
:func:`size_for_allocation` sizes the sample for a margin of error *after* it: the smallest n
whose allocation's deff still gives ``sample_size(moe, deff=deff_assumed * deff(n))`` <= n.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sampling.errors import DesignError
from sampling.size import (
    OVERALL,
    SampleSize,
    check_response_rate,
    margin_of_error,
    sample_size,
    z_value,
)

METHODS = ("proportional", "neyman", "equal", "power", "census")


def _is_whole(x: object, low: int = 0) -> bool:
    """A whole number >= low (3 and 3.0 yes; True, 2.5, '3' no)."""
    if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
        return False
    return math.isfinite(x) and float(x).is_integer() and x >= low  # type: ignore[arg-type]


def _check_population(population: Mapping[str, int]) -> dict[str, int]:
    if not population:
        raise ValueError("population is empty: give the number of units N_h per stratum")
    clean: dict[str, int] = {}
    for h, N in population.items():
        if not _is_whole(N):
            raise ValueError(f"N_h for stratum {h!r} must be a whole number >= 0, got {N!r}")
        clean[h] = int(N)
    return clean


def _water_fill(
    n: int, target: dict[str, float], lo: dict[str, int], hi: dict[str, int]
) -> dict[str, float]:
    """x_h = clip(λ t_h, lo_h, hi_h) with Σ x_h = n (requires Σ lo <= n <= Σ hi)."""
    keys = list(target)

    def total(lam: float) -> float:
        return sum(min(max(lam * target[h], lo[h]), hi[h]) for h in keys)

    positive = [h for h in keys if target[h] > 0]
    if sum(hi[h] for h in positive) + sum(lo[h] for h in keys if target[h] <= 0) < n:
        # Strata with a zero target must absorb the rest: give them a proportional share.
        base = {h: float(hi[h]) for h in positive}
        rest = [h for h in keys if target[h] <= 0]
        sub = _water_fill(
            n - sum(hi[h] for h in positive),
            {h: float(hi[h]) for h in rest},
            {h: lo[h] for h in rest},
            {h: hi[h] for h in rest},
        )
        merged = {**base, **sub}
        return {h: merged[h] for h in keys}
    breaks = sorted({0.0} | {b for h in positive for b in (lo[h] / target[h], hi[h] / target[h])})
    prev, f_prev = breaks[0], total(breaks[0])
    lam = breaks[-1]
    if f_prev >= n:
        lam = 0.0
    else:
        for point in breaks[1:]:
            f_point = total(point)
            if f_point >= n:
                lam = prev + (n - f_prev) * (point - prev) / (f_point - f_prev)
                break
            prev, f_prev = point, f_point
    return {h: min(max(lam * target[h], lo[h]), hi[h]) for h in keys}


def _largest_remainder(n: int, x: dict[str, float], hi: dict[str, int]) -> dict[str, int]:
    """Round to integers summing to n: floors, then +1 to the largest fractional parts."""
    floors = {h: min(int(math.floor(v + 1e-9)), hi[h]) for h, v in x.items()}
    short = n - sum(floors.values())
    order = sorted(
        (h for h in x if floors[h] < hi[h]),
        key=lambda h: (-(x[h] - floors[h]), list(x).index(h)),
    )
    for h in order[: max(short, 0)]:
        floors[h] += 1
    if short < 0:  # only through float noise: take back from the smallest remainders
        for h in sorted(x, key=lambda h: x[h] - floors[h])[:-short]:
            floors[h] -= 1
    return floors


def allocate(
    population: Mapping[str, int],
    n: int | None,
    method: str = "proportional",
    sd: Mapping[str, float] | None = None,
    minimum: int = 0,
    power: float = 0.5,
) -> dict[str, int]:
    """Allocate ``n`` sample units over the strata of ``population`` (N_h per stratum).

    Returns ``{stratum: n_h}`` with Σ n_h = n exactly and ``min(minimum, N_h) <= n_h <= N_h``.
    ``sd`` (S_h per stratum) is required for ``neyman`` and optional for ``power``. For
    ``census``, ``n`` may be None or must equal Σ N_h. See the module docstring for the formulas.
    """
    pop = _check_population(population)
    total = sum(pop.values())
    if method not in METHODS:
        raise ValueError(
            f"unknown allocation method {method!r}; choose one of {', '.join(METHODS)}"
        )
    if method == "census":
        if n is not None and n != total:
            raise ValueError(
                f"a census takes every unit (n = {total}); got n = {n}. Leave n out or choose "
                "another method"
            )
        return dict(pop)
    if not _is_whole(n):
        raise ValueError(f"n must be a whole number >= 0, got {n!r}")
    n = int(n)
    if n > total:
        raise DesignError(
            "n_above_population",
            f"n = {n} is larger than the population ({total} units in {len(pop)} strata); "
            "lower n or take a census",
            n=n,
            population=total,
        )
    if not _is_whole(minimum):
        raise ValueError(f"minimum must be a whole number >= 0, got {minimum!r}")
    lo = {h: min(int(minimum), N) for h, N in pop.items()}
    if sum(lo.values()) > n:
        raise DesignError(
            "minimum_above_n",
            f"a minimum of {minimum} per stratum needs {sum(lo.values())} units, more than n = {n}; "
            "lower the minimum or raise n",
            minimum=int(minimum),
            needed=sum(lo.values()),
            n=n,
            strata=len(pop),
        )
    if method == "neyman" or (method == "power" and sd is not None):
        if sd is None:
            raise DesignError(
                "sd_missing",
                "Neyman allocation needs sd: the standard deviation S_h per stratum",
                strata=[str(h) for h in pop],
            )
        absent = [h for h in pop if h not in sd]
        if absent:
            raise DesignError(
                "sd_missing",
                f"sd is missing for stratum/strata: {', '.join(map(str, absent))}",
                strata=[str(h) for h in absent],
            )
        bad = [h for h in pop if not (sd[h] >= 0 and math.isfinite(sd[h]))]
        if bad:
            raise DesignError(
                "sd_invalid",
                f"sd must be a finite number >= 0; check stratum/strata: {bad}",
                strata=[str(h) for h in bad],
            )
    if method == "power" and not 0 <= power <= 1:
        raise DesignError(
            "power_invalid", f"power must be between 0 and 1, got {power!r}", power=power
        )

    if method == "proportional":
        target = {h: float(N) for h, N in pop.items()}
    elif method == "neyman":
        target = {h: N * float(sd[h]) for h, N in pop.items()}
        if sum(target.values()) == 0 and n > 0:
            raise DesignError("sd_all_zero", "Neyman allocation is undefined when every S_h is 0")
    elif method == "equal":
        target = {h: 1.0 if N > 0 else 0.0 for h, N in pop.items()}
    else:  # power
        target = {
            h: (N**power if N > 0 else 0.0) * (float(sd[h]) if sd is not None else 1.0)
            for h, N in pop.items()
        }
    x = _water_fill(n, target, lo, pop)
    return _largest_remainder(n, x, pop)


def allocation_deff(population: Mapping[str, int], allocation: Mapping[str, float]) -> float:
    """Kish's design effect of the weights N_h/n_h an allocation plans (module docstring).

    Strata without sample units are left out (they have no weight); 1.0 for an empty sample.
    """
    pairs = [(float(population[h]), float(n)) for h, n in allocation.items() if n > 0]
    n = sum(nh for _, nh in pairs)
    N = sum(Nh for Nh, _ in pairs)
    if n <= 0 or N <= 0:
        return 1.0
    return n * sum(Nh * Nh / nh for Nh, nh in pairs) / (N * N)


@dataclass(frozen=True)
class SizedAllocation:
    """The result of :func:`size_for_allocation`.

    ``size``: the invitations and completes for the margin of error after the design effect
    ``deff = deff_assumed * deff_allocation``; ``without``: what the margin of error alone
    would ask (deff_assumed only, the allocation's effect ignored); ``allocation`` of
    ``size.invitations`` over the strata; ``expected_moe``: the margin of error expected from
    the expected completes (invitations x response rate) with that deff.
    """

    size: SampleSize
    without: SampleSize
    allocation: dict[str, int]
    deff_allocation: float
    deff_assumed: float
    expected_moe: float

    @property
    def deff(self) -> float:
        return self.deff_assumed * self.deff_allocation


def expected_precision(
    population: Mapping[str, int],
    allocation: Mapping[str, int],
    response_rate: float = 1.0,
    p: float = 0.5,
    confidence: float = 0.95,
    deff: float = 1.0,
) -> tuple[float, float]:
    """(Kish deff of the allocation, expected margin of error for a proportion ``p``): the
    margin of error of the expected completes sum_h n_h * response_rate with the design effect
    ``deff * deff_allocation`` and the finite population correction of N = sum_h N_h."""
    check_response_rate(response_rate)
    d = allocation_deff(population, allocation)
    N = sum(int(v) for v in population.values())
    completes = min(sum(allocation.values()) * response_rate, N)
    moe = margin_of_error(completes, population=N, p=p, confidence=confidence, deff=deff * d)
    return d, moe


def size_for_allocation(
    population: Mapping[str, int],
    moe: float,
    method: str = "proportional",
    *,
    confidence: float = 0.95,
    p: float = 0.5,
    deff: float = 1.0,
    response_rate: float = 1.0,
    sd: Mapping[str, float] | None = None,
    minimum: int = 0,
    power: float = 0.5,
) -> SizedAllocation:
    """Invitations for margin of error ``moe`` overall after the design effect of the
    allocation (module docstring): the smallest n with
    ``sample_size(moe, deff=deff * allocation_deff(allocate(n))).invitations <= n``.

    ``deff`` is any design effect assumed beyond the allocation's (1 by default). When even
    the whole frame falls short, the result is the whole frame with ``size.capped`` True.
    """
    pop = _check_population(population)
    N = sum(pop.values())
    if method == "census":
        raise ValueError("a census takes every unit: there is no sample size to choose")

    def sized(d: float) -> SampleSize:
        return sample_size(
            moe, confidence=confidence, p=p, population=N, deff=deff * d,
            response_rate=response_rate,
        )  # fmt: skip

    def alloc(n: int) -> dict[str, int]:
        return allocate(pop, n, method, sd=sd, minimum=minimum, power=power)

    def enough(n: int) -> tuple[bool, SampleSize, dict[str, int], float]:
        a = alloc(n)
        d = allocation_deff(pop, a)
        s = sized(d)
        return s.invitations <= n, s, a, d

    without = sized(1.0)
    # enough() holds at N (sample_size never asks more than the population); bisect for the
    # smallest n where it holds: the size asked falls as n grows, as the weights even out
    lo = min(max(without.invitations, sum(min(int(minimum), v) for v in pop.values()), 1), N)
    hi = N
    while lo < hi:
        mid = (lo + hi) // 2
        if enough(mid)[0]:
            hi = mid
        else:
            lo = mid + 1
    _, s, a, d = enough(hi)
    if s.invitations != hi:  # fewer would do at this deff, but fewer give a larger deff
        s = SampleSize(**{**s.__dict__, "invitations": hi})
    _, e = expected_precision(pop, a, response_rate, p, confidence, deff)
    return SizedAllocation(
        size=s, without=without, allocation=a, deff_allocation=d, deff_assumed=deff,
        expected_moe=e,
    )  # fmt: skip


def stratified_moe(
    population: Mapping[str, int],
    completes: Mapping[str, float],
    p: float | Mapping[str, float] = 0.5,
    sd: Mapping[str, float] | None = None,
    confidence: float = 0.95,
) -> float:
    """Margin of error of the stratified estimator of a proportion (or of a mean with ``sd``).

        V = Σ_h W_h² (1 - f_h) S_h² / c_h,   W_h = N_h/N,  f_h = c_h/N_h
        S_h² = N_h/(N_h - 1) · p_h(1 - p_h)  (proportion)   or   S_h² = sd_h²  (mean)
        e = z · sqrt(V)

    (Cochran 1977, eq. 5.6 and 5.47.) Strata with N_h > 0 and no completes make e infinite.
    """
    N = sum(population.values())
    z = z_value(confidence)
    var = 0.0
    for h, N_h in population.items():
        if N_h == 0:
            continue
        c = float(completes.get(h, 0.0))
        if c <= 0:
            return math.inf
        if sd is not None:
            s2 = float(sd[h]) ** 2
        else:
            p_h = p[h] if isinstance(p, Mapping) else p
            s2 = p_h * (1 - p_h) * (N_h / (N_h - 1) if N_h > 1 else 0.0)
        f = min(c / N_h, 1.0)
        var += (N_h / N) ** 2 * (1 - f) * s2 / c
    return z * math.sqrt(var)


DESIGN_LABELS = {
    "census": "Volledige telling (census)",
    "proportional": "Proportioneel (proportional)",
    "neyman": "Neyman (optimaal / optimal)",
    "equal": "Gelijk per stratum (equal)",
    "minimum": "Proportioneel met minimum (proportional with minimum)",
    "power": "Machtsallocatie (power)",
}


def compare_designs(
    population: Mapping[str, int],
    n: int,
    sd: Mapping[str, float] | None = None,
    minimum: int | None = None,
    response_rate: float | Mapping[str, float] = 1.0,
    p: float | Mapping[str, float] = 0.5,
    confidence: float = 0.95,
    designs: tuple[str, ...] = ("census", "proportional", "neyman", "equal", "minimum"),
    power: float = 0.5,
) -> pd.DataFrame:
    """Expected precision of several designs for the same budget of ``n`` invitations.

    One row per design and stratum, plus a row ``Totaal`` per design, with columns
    ``design, label, stratum, N, n, completes, moe``:
    ``n`` the invitations allocated, ``completes = n · r_h`` the expected completes (fractional)
    and ``moe`` the expected margin of error at ``confidence``: per stratum
    ``z · sqrt((1 - c_h/N_h) S_h² / c_h)`` and overall the stratified one (``stratified_moe``),
    both with the finite population correction.

    The outcome is a proportion ``p`` (scalar or per stratum; S_h² = N_h/(N_h-1)·p_h(1-p_h)),
    unless ``sd`` is given: then it is a mean with those S_h, the quantity Neyman allocation
    minimises. Without ``sd``, Neyman uses S_h = sqrt(p_h(1-p_h)), which for a common p is the
    proportional allocation. ``minimum`` (for the design "minimum", proportional with at least
    that many per stratum) defaults to min(30, n // number of strata).
    """
    pop = _check_population(population)
    strata = list(pop)
    if minimum is None:
        minimum = min(30, n // max(len(strata), 1))

    def rr(h: str) -> float:
        r = response_rate[h] if isinstance(response_rate, Mapping) else response_rate
        return check_response_rate(r, h)

    if sd is not None:
        s_h = {h: float(sd[h]) for h in strata}
    else:
        s_h = {}
        for h in strata:
            p_h = p[h] if isinstance(p, Mapping) else p
            s_h[h] = math.sqrt(p_h * (1 - p_h))
    rows = []
    for design in designs:
        if design == "census":
            alloc = allocate(pop, None, "census")
        elif design == "minimum":
            alloc = allocate(pop, n, "proportional", minimum=minimum)
        elif design == "neyman":
            alloc = allocate(pop, n, "neyman", sd=s_h)
        elif design == "power":
            alloc = allocate(pop, n, "power", sd=sd, power=power)
        else:
            alloc = allocate(pop, n, design)
        completes = {h: alloc[h] * rr(h) for h in strata}
        for h in strata:
            N_h, c = pop[h], completes[h]
            if N_h == 0:
                moe = math.nan
            elif c <= 0:
                moe = math.inf
            else:
                s2 = (
                    s_h[h] ** 2
                    if sd is not None
                    else s_h[h] ** 2 * (N_h / (N_h - 1) if N_h > 1 else 0.0)
                )
                moe = z_value(confidence) * math.sqrt(max(1 - c / N_h, 0.0) * s2 / c)
            rows.append(
                {
                    "design": design,
                    "label": DESIGN_LABELS.get(design, design),
                    "stratum": h,
                    "N": N_h,
                    "n": alloc[h],
                    "completes": c,
                    "moe": moe,
                }
            )
        rows.append(
            {
                "design": design,
                "label": DESIGN_LABELS.get(design, design),
                "stratum": OVERALL,
                "N": sum(pop.values()),
                "n": sum(alloc.values()),
                "completes": sum(completes.values()),
                "moe": stratified_moe(pop, completes, p=p, sd=sd, confidence=confidence),
            }
        )
    return pd.DataFrame(rows, columns=["design", "label", "stratum", "N", "n", "completes", "moe"])


def designs_side_by_side(comparison: pd.DataFrame, value: str = "moe") -> pd.DataFrame:
    """Pivot ``compare_designs`` output: strata (and Totaal) as rows, designs as columns."""
    wide = comparison.pivot(index="stratum", columns="design", values=value)
    order = list(dict.fromkeys(comparison["stratum"]))
    return wide.reindex(index=order, columns=list(dict.fromkeys(comparison["design"])))
