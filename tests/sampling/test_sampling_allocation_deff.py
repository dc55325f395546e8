"""The design effect of an allocation (Kish) and the sample size after it, against a hand
computation, Cochran's stratified variance (an independent formula), the weights of a drawn
sample as analysis.design sees them, and the inverse margin-of-error formula."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import Design
from sampling import allocate, margin_of_error, select, stratified_moe
from sampling.allocation import allocation_deff, expected_precision, size_for_allocation
from sampling.demo import DEFAULT_SIZES


def test_kish_deff_by_hand():
    # Kish (1992, eq. 2): deff = n sum n_h w_h^2 / (sum n_h w_h)^2. N = (1000, 100), n = (50, 50):
    # weights 20 and 2, so 100 * (50*400 + 50*4) / 1100^2 = 2 020 000 / 1 210 000.
    assert allocation_deff({"a": 1000, "b": 100}, {"a": 50, "b": 50}) == pytest.approx(
        2_020_000 / 1_210_000, rel=1e-15
    )
    assert allocation_deff({"a": 400, "b": 200}, {"a": 40, "b": 20}) == pytest.approx(1.0)
    # a stratum without sample units has no weight; an empty sample has no effect
    assert allocation_deff({"a": 400, "b": 200, "c": 7}, {"a": 40, "b": 20, "c": 0}) == (
        pytest.approx(1.0)
    )
    assert allocation_deff({"a": 10}, {"a": 0}) == 1.0


def test_kish_deff_is_the_stratified_variance_ratio_without_fpc():
    # Cochran's stratified variance sum W_h^2 (1 - f_h) S_h^2 / n_h (sampling.stratified_moe)
    # over p(1-p)/n is Kish's deff when f_h -> 0: scale the frame up a millionfold.
    pop = {h: N * 1_000_000 for h, N in DEFAULT_SIZES.items()}
    alloc = allocate(DEFAULT_SIZES, 600, "proportional", minimum=50)
    d = allocation_deff(pop, alloc)
    assert d > 1.05
    strat = stratified_moe(pop, alloc)
    srs = margin_of_error(sum(alloc.values()), deff=d)
    assert srs == pytest.approx(strat, rel=1e-5)


def test_kish_deff_equals_that_of_the_drawn_sample_weights():
    frame = pd.DataFrame(
        {
            "unit_id": [f"U{i:05d}" for i in range(sum(DEFAULT_SIZES.values()))],
            "profession": [h for h, N in DEFAULT_SIZES.items() for _ in range(N)],
        }
    )
    alloc = allocate(DEFAULT_SIZES, 700, "proportional", minimum=50)
    sample = select(frame, "profession", alloc, seed=22)
    weights = sample["design_weight"].to_numpy()
    assert weights.min() == pytest.approx(60 / 50) and weights.max() > 6
    d = Design(sample, weights="design_weight", strata="profession")
    assert allocation_deff(DEFAULT_SIZES, alloc) == pytest.approx(d.deff_kish, rel=1e-12)


def test_sample_size_after_the_allocations_deff_reaches_the_margin_of_error():
    # The review's case: 5% at 95%, response 40%, a minimum of 50 per stratum.
    sized = size_for_allocation(DEFAULT_SIZES, 0.05, minimum=50, response_rate=0.4)
    N = sum(DEFAULT_SIZES.values())
    n = sized.size.invitations
    assert sized.without.invitations < n and sized.deff_allocation > 1.04
    assert sized.allocation == allocate(DEFAULT_SIZES, n, "proportional", minimum=50)
    assert sized.deff_allocation == allocation_deff(DEFAULT_SIZES, sized.allocation)
    assert sized.size.deff == pytest.approx(sized.deff_allocation)
    # the inverse formula: the expected completes reach the target after the deff ...
    e = margin_of_error(0.4 * n, population=N, deff=sized.deff_allocation)
    assert e <= 0.05 and e == pytest.approx(sized.expected_moe, rel=1e-12)
    assert expected_precision(DEFAULT_SIZES, sized.allocation, 0.4) == (
        sized.deff_allocation,
        sized.expected_moe,
    )
    # ... and the old size, which ignored it, does not
    old = allocate(DEFAULT_SIZES, sized.without.invitations, "proportional", minimum=50)
    d_old = allocation_deff(DEFAULT_SIZES, old)
    assert margin_of_error(0.4 * sized.without.invitations, population=N, deff=d_old) > 0.05


@pytest.mark.parametrize("minimum", [0, 30, 50, 100])
@pytest.mark.parametrize("moe", [0.03, 0.05, 0.08])
def test_the_size_is_the_smallest_that_reaches_the_margin(minimum, moe):
    # With every invitation a complete (r = 1) the rule is exactly: e(n, deff(n)) <= moe.
    N = sum(DEFAULT_SIZES.values())
    n = size_for_allocation(DEFAULT_SIZES, moe, minimum=minimum).size.invitations

    def e(k: int) -> float:
        d = allocation_deff(DEFAULT_SIZES, allocate(DEFAULT_SIZES, k, minimum=minimum))
        return margin_of_error(k, population=N, deff=d)

    floor = sum(min(minimum, v) for v in DEFAULT_SIZES.values())
    assert e(n) <= moe
    if n > floor:  # the minimum itself may already reach the margin
        assert moe < e(n - 1)
    else:
        assert n == floor


def test_an_assumed_deff_multiplies_and_an_unreachable_margin_takes_the_frame():
    base = size_for_allocation(DEFAULT_SIZES, 0.05, minimum=50)
    more = size_for_allocation(DEFAULT_SIZES, 0.05, minimum=50, deff=1.5)
    assert more.size.invitations > base.size.invitations
    assert more.deff == pytest.approx(1.5 * more.deff_allocation)
    tiny = size_for_allocation({"a": 40, "b": 10}, 0.001, response_rate=0.3)
    assert tiny.size.capped and tiny.size.invitations == 50
    with pytest.raises(ValueError, match="census"):
        size_for_allocation(DEFAULT_SIZES, 0.05, "census")
    assert math.isfinite(tiny.expected_moe)
