"""Allocation: properties with hypothesis, hand-computed examples, and the design comparison."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sampling import allocate, compare_designs, designs_side_by_side, stratified_moe

populations = st.dictionaries(
    st.text(alphabet="abcdefgh", min_size=1, max_size=3),
    st.integers(min_value=0, max_value=5000),
    min_size=1,
    max_size=8,
)


@st.composite
def problems(draw, method):
    pop = draw(populations)
    total = sum(pop.values())
    n = draw(st.integers(min_value=0, max_value=total))
    minimum = draw(st.integers(min_value=0, max_value=50))
    assume(sum(min(minimum, N) for N in pop.values()) <= n)
    sd = draw(st.fixed_dictionaries({h: st.floats(min_value=0.01, max_value=100) for h in pop}))
    return pop, n, minimum, sd


@pytest.mark.parametrize("method", ["proportional", "neyman", "equal", "power"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_sums_to_n_within_bounds_and_minimum(method, data):
    pop, n, minimum, sd = data.draw(problems(method))
    alloc = allocate(
        pop, n, method, sd=sd if method in ("neyman", "power") else None, minimum=minimum
    )
    assert list(alloc) == list(pop)
    assert sum(alloc.values()) == n
    for h, N in pop.items():
        assert isinstance(alloc[h], int)
        assert min(minimum, N) <= alloc[h] <= N


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_neyman_proportional_to_N_times_S_when_nothing_is_capped(data):
    pop, n, _, sd = data.draw(problems("neyman"))
    weights = {h: pop[h] * sd[h] for h in pop}
    total = sum(weights.values())
    assume(total > 0)
    exact = {h: n * w / total for h, w in weights.items()}
    assume(all(exact[h] <= pop[h] for h in pop))
    alloc = allocate(pop, n, "neyman", sd=sd)
    for h in pop:
        assert abs(alloc[h] - exact[h]) < 1


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_proportional_is_within_one_of_n_N_h_over_N(data):
    pop, n, _, _ = data.draw(problems("proportional"))
    total = sum(pop.values())
    assume(total > 0)
    alloc = allocate(pop, n)
    for h, N in pop.items():
        assert abs(alloc[h] - n * N / total) < 1


def test_neyman_hand_computed():
    # N_h S_h = 4000, 6000, 9000 (sum 19000); n = 100 -> 21.05, 31.58, 47.37
    # floors 21, 31, 47 (99); the largest remainder (.58) gets the last unit.
    alloc = allocate({"A": 400, "B": 300, "C": 300}, 100, "neyman", sd={"A": 10, "B": 20, "C": 30})
    assert alloc == {"A": 21, "B": 32, "C": 47}


def test_neyman_uses_N_times_S_not_S_alone():
    # Equal S: Neyman must equal proportional (an allocation ∝ S_h alone would give 50/50).
    alloc = allocate({"big": 900, "small": 100}, 100, "neyman", sd={"big": 2.0, "small": 2.0})
    assert alloc == {"big": 90, "small": 10}


def test_take_all_stratum_and_surplus_redistributed():
    # Neyman wants 100·10·100/(10·100 + 1000·1) = 50 from a stratum of 10: take all 10,
    # the other 90 go to the big stratum.
    alloc = allocate({"small": 10, "big": 1000}, 100, "neyman", sd={"small": 100, "big": 1})
    assert alloc == {"small": 10, "big": 90}
    # Iterative: capping one stratum pushes a second over its size.
    alloc = allocate({"a": 5, "b": 12, "c": 1000}, 60, "equal")
    assert alloc == {"a": 5, "b": 12, "c": 43}


def test_minimum_per_stratum():
    pop = {
        "arts_specialist": 3600,
        "huisarts": 1200,
        "algemeen_tandarts": 350,
        "tandarts_specialist": 150,
        "ziekenhuisapotheker": 60,
    }
    plain = allocate(pop, 1000)
    assert plain == {
        "arts_specialist": 672,
        "huisarts": 224,
        "algemeen_tandarts": 65,
        "tandarts_specialist": 28,
        "ziekenhuisapotheker": 11,
    }
    floored = allocate(pop, 1000, minimum=100)
    assert floored["ziekenhuisapotheker"] == 60  # fewer than the minimum exist: all of them
    assert floored["tandarts_specialist"] == 100 and floored["algemeen_tandarts"] == 100
    assert sum(floored.values()) == 1000
    # The rest stays proportional between the unconstrained strata (3600 : 1200 = 3 : 1).
    assert floored["arts_specialist"] / floored["huisarts"] == pytest.approx(3, rel=0.01)


def test_equal_and_power_and_census():
    assert allocate({"a": 100, "b": 100, "c": 100}, 10, "equal") == {"a": 4, "b": 3, "c": 3}
    power = allocate({"a": 10000, "b": 100}, 110, "power", power=0.5)  # √N: 100 : 10
    assert power == {"a": 100, "b": 10}
    assert allocate({"a": 7, "b": 3}, None, "census") == {"a": 7, "b": 3}
    assert allocate({"a": 7, "b": 3}, 10, "census") == {"a": 7, "b": 3}


def test_deterministic_ties():
    assert allocate({"x": 10, "y": 10, "z": 10}, 2, "equal") == {"x": 1, "y": 1, "z": 0}


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (({"a": 10, "b": 5}, 16), {}, "larger than the population"),
        (({"a": 10, "b": 5}, 4), {"minimum": 3}, "minimum of 3"),
        (({"a": 10}, 5, "neyman"), {}, "needs sd"),
        (({"a": 10, "b": 5}, 5, "neyman"), {"sd": {"a": 1}}, "missing for stratum"),
        (({"a": 10}, 5, "random"), {}, "unknown allocation method"),
        (({"a": 10}, 5, "census"), {}, "census takes every unit"),
        (({"a": -1}, 0), {}, "whole number"),
        (({}, 0), {}, "empty"),
        (({"a": 10}, 2.5), {}, "whole number"),
        (({"a": 10, "b": 10}, 5, "neyman"), {"sd": {"a": 0, "b": 0}}, "every S_h is 0"),
    ],
)
def test_clear_errors(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        allocate(*args, **kwargs)


def test_stratified_moe_hand_computed():
    # Two strata, p = 0.5, c_h completes: V = Σ W_h² (1 - c_h/N_h) · N_h/(N_h-1) · 0.25 / c_h.
    pop, comp = {"a": 1000, "b": 200}, {"a": 100.0, "b": 50.0}
    V = (1000 / 1200) ** 2 * 0.9 * (1000 / 999) * 0.25 / 100 + (200 / 1200) ** 2 * 0.75 * (
        200 / 199
    ) * 0.25 / 50
    assert stratified_moe(pop, comp) == pytest.approx(1.959963984540054 * math.sqrt(V), rel=1e-12)
    assert stratified_moe(pop, {"a": 1000, "b": 200}) == 0.0
    assert stratified_moe(pop, {"a": 10, "b": 0}) == math.inf


def test_compare_designs_table():
    pop = {
        "arts_specialist": 3600,
        "huisarts": 1200,
        "algemeen_tandarts": 350,
        "tandarts_specialist": 150,
        "ziekenhuisapotheker": 60,
    }
    table = compare_designs(pop, 1000, response_rate=0.4, minimum=50)
    assert list(table.columns) == ["design", "label", "stratum", "N", "n", "completes", "moe"]
    assert list(dict.fromkeys(table["design"])) == [
        "census",
        "proportional",
        "neyman",
        "equal",
        "minimum",
    ]
    assert len(table) == 5 * 6
    total = table[table["stratum"] == "Totaal"].set_index("design")
    assert total.loc["census", "n"] == 5360 and total.loc["proportional", "n"] == 1000
    assert total.loc["proportional", "completes"] == pytest.approx(400)
    # Per stratum the moe is the single-stratum margin of error for the expected completes.
    from sampling import margin_of_error

    row = table[(table["design"] == "equal") & (table["stratum"] == "huisarts")].iloc[0]
    assert row["moe"] == pytest.approx(margin_of_error(row["completes"], population=1200))
    # Equal allocation gives the small strata better precision, at the cost of the overall one.
    wide = designs_side_by_side(table)
    assert (
        wide.loc["ziekenhuisapotheker", "equal"] < wide.loc["ziekenhuisapotheker", "proportional"]
    )
    assert wide.loc["Totaal", "equal"] > wide.loc["Totaal", "proportional"]
    assert wide.loc["Totaal", "census"] < wide.loc["Totaal", "proportional"]


def test_compare_designs_neyman_best_for_a_mean():
    pop = {"a": 3000, "b": 1000, "c": 500}
    sd = {"a": 5.0, "b": 20.0, "c": 40.0}
    table = compare_designs(
        pop, 600, sd=sd, response_rate=0.5, designs=("proportional", "neyman", "equal", "minimum")
    )
    total = table[table["stratum"] == "Totaal"].set_index("design")["moe"]
    assert total["neyman"] == total.min()
