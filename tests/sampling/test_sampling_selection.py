"""Seeded stratified selection: exact counts, reproducibility, inclusion probabilities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sampling import allocate, population_counts, select, stratum_labels, validate_frame
from sampling.demo import synthetic_frame
from sampling.selection import srswor_positions, systematic_positions


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return synthetic_frame(seed=7)


def test_exact_counts_probabilities_and_weights(frame):
    pop = population_counts(frame, "profession")
    alloc = allocate(pop, 800, "proportional", minimum=40)
    sample = select(frame, "profession", alloc, seed=20250301)
    assert len(sample) == 800
    assert sample.groupby("stratum").size().to_dict() == {h: n for h, n in alloc.items() if n}
    assert sample["unit_id"].is_unique
    assert set(sample["unit_id"]) <= set(frame["unit_id"])
    for h, g in sample.groupby("stratum"):
        assert (g["profession"] == h).all()
        assert (g["N_h"] == pop[h]).all() and (g["n_h"] == alloc[h]).all()
        assert np.allclose(g["inclusion_prob"], alloc[h] / pop[h])
        assert np.allclose(g["design_weight"], pop[h] / alloc[h])
        # Design weights add up to the stratum size.
        assert g["design_weight"].sum() == pytest.approx(pop[h])
    assert set(frame.columns) <= set(sample.columns)
    assert sample.attrs["seed"] == 20250301


def test_reproducible_from_the_seed_whatever_the_row_order(frame):
    alloc = allocate(population_counts(frame, "profession"), 500)
    a = select(frame, "profession", alloc, seed=42)
    b = select(frame, "profession", alloc, seed=42)
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    c = select(shuffled, "profession", alloc, seed=42)
    pd.testing.assert_frame_equal(a, b)
    assert a["unit_id"].tolist() == c["unit_id"].tolist()
    other = select(frame, "profession", alloc, seed=43)
    assert set(a["unit_id"]) != set(other["unit_id"])


def test_one_stratum_does_not_disturb_another(frame):
    pop = population_counts(frame, "profession")
    alloc = allocate(pop, 500)
    changed = dict(alloc, huisarts=alloc["huisarts"] + 20)
    a = select(frame, "profession", alloc, seed=5)
    b = select(frame, "profession", changed, seed=5)
    spec_a = a.loc[a["stratum"] == "arts_specialist", "unit_id"].tolist()
    spec_b = b.loc[b["stratum"] == "arts_specialist", "unit_id"].tolist()
    assert spec_a == spec_b


@pytest.mark.parametrize("draw", [srswor_positions, systematic_positions])
@pytest.mark.parametrize(("N", "n"), [(10, 3), (7, 7), (13, 5)])
def test_every_unit_has_probability_n_over_N(draw, N, n):
    # Over R draws each position is chosen about n/N of the time (allow 5 binomial sd).
    R = 8000
    rng = np.random.default_rng(123)
    hits = np.zeros(N)
    for _ in range(R):
        positions = draw(rng, N, n)
        assert len(np.unique(positions)) == n
        hits[positions] += 1
    p = n / N
    assert np.all(np.abs(hits / R - p) <= 5 * np.sqrt(p * (1 - p) / R) + 1e-12), hits / R


def test_select_depends_on_the_seed_and_the_unit_ids_not_the_row_order():
    # Units are ordered by unit id before the draw: the file's row order does not matter, so
    # the same frame exported differently gives the same sample from the same seed.
    ids = [f"u{i:02d}" for i in range(40)]
    small = pd.DataFrame({"unit_id": ids, "g": ["x"] * 40})
    shuffled = small.sample(frac=1, random_state=5).reset_index(drop=True)
    assert shuffled["unit_id"].tolist() != ids
    got = sorted(select(small, "g", {"x": 7}, seed=99)["unit_id"])
    assert sorted(select(shuffled, "g", {"x": 7}, seed=99)["unit_id"]) == got
    others = {tuple(sorted(select(small, "g", {"x": 7}, seed=s)["unit_id"])) for s in range(5)}
    assert len(others) > 1 and len(got) == 7


def test_systematic_after_sorting_spreads_the_sample(frame):
    specialists = frame[frame["profession"] == "arts_specialist"]
    n = 600
    sample = select(
        specialists, "profession", {"arts_specialist": n}, seed=3, sort_by="training_year"
    )
    assert len(sample) == n and sample["unit_id"].is_unique
    # Implicit stratification: each training year gets its proportional share within one unit.
    share = specialists["training_year"].value_counts() * n / len(specialists)
    got = sample["training_year"].value_counts()
    for year in share.index:
        assert abs(got.get(year, 0) - share[year]) <= 1


def test_several_stratification_columns(frame):
    labels = stratum_labels(frame, ["profession", "university"])
    assert labels.iloc[0] == f"{frame['profession'].iloc[0]} | {frame['university'].iloc[0]}"
    pop = population_counts(frame, ["profession", "university"])
    assert sum(pop.values()) == len(frame)
    alloc = allocate(pop, 300, minimum=2)
    sample = select(frame, ["profession", "university"], alloc, seed=11)
    assert sample.groupby("stratum").size().to_dict() == {h: n for h, n in alloc.items() if n}


def test_strata_missing_from_the_allocation_get_no_units(frame):
    sample = select(frame, "profession", {"huisarts": 10}, seed=1)
    assert sample["stratum"].unique().tolist() == ["huisarts"] and len(sample) == 10


def test_census_gives_weight_one(frame):
    pop = population_counts(frame, "profession")
    sample = select(frame, "profession", allocate(pop, None, "census"), seed=1)
    assert len(sample) == len(frame)
    assert (sample["design_weight"] == 1.0).all() and (sample["inclusion_prob"] == 1.0).all()


def test_select_works_on_a_validated_frame():
    raw = synthetic_frame(seed=2, sizes={"huisarts": 30, "ziekenhuisapotheker": 5}).astype(object)
    frame = validate_frame(raw)
    sample = select(frame, "profession", {"huisarts": 6, "ziekenhuisapotheker": 5}, seed=9)
    assert sample["design_weight"].tolist() == [5.0] * 6 + [1.0] * 5


@pytest.mark.parametrize(
    ("strata", "alloc", "kwargs", "match"),
    [
        ("profession", {"verpleegkundige": 2}, {}, "not in the frame"),
        ("profession", {"ziekenhuisapotheker": 1000}, {}, "only"),
        ("beroep", {"huisarts": 1}, {}, "not in the frame: beroep"),
        ("profession", {"huisarts": 1}, {"sort_by": "nope"}, "sort_by"),
        ("profession", {"huisarts": -1}, {}, "whole number"),
        ("profession", {"huisarts": 1}, {"seed": -5}, "seed"),
    ],
)
def test_clear_errors(frame, strata, alloc, kwargs, match):
    kwargs = {"seed": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        select(frame, strata, alloc, **kwargs)


def test_missing_stratum_value_is_refused():
    df = pd.DataFrame({"unit_id": ["a", "b"], "g": ["x", None]})
    with pytest.raises(ValueError, match="no value for g"):
        select(df, "g", {"x": 1}, seed=1)
