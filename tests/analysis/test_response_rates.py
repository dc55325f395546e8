"""AAPOR outcome rates, the disposition mapping and the response table (issue 6, items 1, 2, 5).

Every expected value is worked out by hand in the comment next to it, from the formulas of
AAPOR Standard Definitions (10th ed., 2023), not from the code under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import analysis
from analysis.response import (
    DISPOSITION_TO_AAPOR,
    OVERALL,
    RATE_NAMES,
    disposition_counts,
    estimate_e,
    margin_of_error,
    response_rates,
    response_table,
)

Z = 1.959963984540054

# I=50 P=10 R=20 NC=5 O=5 UH=6 UO=4 NE=10
CASE = {"I": 50, "P": 10, "R": 20, "NC": 5, "O": 5, "UH": 6, "UO": 4, "NE": 10}
# e = (I+P+R+NC+O) / (I+P+R+NC+O+NE) = 90 / 100 = 0.9
# (I+P) = 60, (R+NC+O) = 30, U = UH+UO = 10, contacted (I+P)+R+O = 85
# all unknowns eligible:  D_all   = 60 + 30 + 10       = 100
# e-share eligible:       D_e     = 60 + 30 + 0.9·10   = 99
# no unknown eligible:    D_known = 60 + 30            = 90
EXPECTED = {
    "RR1": 50 / 100,
    "RR2": 60 / 100,
    "RR3": 50 / 99,
    "RR4": 60 / 99,
    "RR5": 50 / 90,
    "RR6": 60 / 90,
    "COOP1": 50 / 85,  # I / ((I+P)+R+O)
    "COOP2": 60 / 85,
    "COOP3": 50 / 80,  # I / ((I+P)+R)
    "COOP4": 60 / 80,
    "REF1": 20 / 100,
    "REF2": 20 / 99,
    "REF3": 20 / 90,
    "CON1": 85 / 100,
    "CON2": 85 / 99,
    "CON3": 85 / 90,
}


def test_lazy_export_from_the_package():
    assert analysis.response_rates is response_rates


def test_estimated_e():
    assert estimate_e(CASE) == pytest.approx(0.9)


@pytest.mark.parametrize("name", RATE_NAMES)
def test_each_rate_against_hand_computation(name):
    rates = response_rates(CASE)
    assert set(rates) == set(RATE_NAMES)
    assert rates[name] == pytest.approx(EXPECTED[name], abs=1e-15)


def test_given_e_replaces_the_estimate():
    # e = 0.5: D_e = 60 + 30 + 0.5·10 = 95
    rates = response_rates(CASE, e=0.5)
    assert rates["RR3"] == pytest.approx(50 / 95)
    assert rates["RR4"] == pytest.approx(60 / 95)
    assert rates["REF2"] == pytest.approx(20 / 95)
    assert rates["CON2"] == pytest.approx(85 / 95)
    # the e-free rates do not move
    assert rates["RR1"] == pytest.approx(0.5)
    # e = 1 and e = 0 reproduce RR1/RR2 and RR5/RR6
    assert response_rates(CASE, e=1)["RR3"] == pytest.approx(EXPECTED["RR1"])
    assert response_rates(CASE, e=0)["RR4"] == pytest.approx(EXPECTED["RR6"])


def test_missing_keys_count_as_zero():
    # I=3, NC=1: RR1 = 3/4, COOP1 = 3/3, CON1 = 3/4, REF1 = 0
    rates = response_rates({"I": 3, "NC": 1})
    assert rates["RR1"] == 0.75
    assert rates["COOP1"] == 1.0
    assert rates["CON1"] == 0.75
    assert rates["REF1"] == 0.0


def test_zero_denominators_give_nan_not_an_exception():
    rates = response_rates({})
    assert all(math.isnan(v) for v in rates.values())
    # only non-contacts: no contacted case, so COOP has a zero denominator; RR is 0
    rates = response_rates({"NC": 4})
    assert math.isnan(rates["COOP1"]) and math.isnan(rates["COOP4"])
    assert rates["RR2"] == 0.0


def test_unknown_eligibility_only_leaves_e_undefined():
    # UH=5 and nothing of known eligibility: e = 0/0, so RR3 is NaN; RR1 = 0/5 = 0
    rates = response_rates({"UH": 5})
    assert math.isnan(rates["RR3"])
    assert rates["RR1"] == 0.0


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"I": 1, "X": 2}, "'X'"),
        ({"I": -1}, "'I'"),
        ({"R": float("nan")}, "'R'"),
        ({"NC": "many"}, "'NC'"),
    ],
)
def test_bad_counts_name_the_key(counts, message):
    with pytest.raises(ValueError, match=message):
        response_rates(counts)


def test_e_outside_0_1_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        response_rates(CASE, e=1.2)


# ----------------------------------------------------------------------- dispositions


def _invitations(spec: dict[str, dict[str, int]]) -> pd.DataFrame:
    rows = [
        {"stratum": stratum, "disposition": disp}
        for stratum, counts in spec.items()
        for disp, n in counts.items()
        for _ in range(n)
    ]
    return pd.DataFrame(rows)


def test_every_disposition_is_counted_in_its_aapor_category():
    # One invitation of each disposition (AAPOR Standard Definitions, web surveys of named
    # persons): no answer yet is unknown eligibility (UH), a bounce UO, an opt-out and an
    # opened link without answers refusals/break-offs (R); not invited does not count.
    df = _invitations({"s": dict.fromkeys(DISPOSITION_TO_AAPOR, 1)})
    row = disposition_counts(df, "stratum").loc["s"]
    assert {code: int(row[code]) for code in row.index if row[code]} == {
        "I": 1,
        "P": 1,
        "R": 2,
        "UH": 1,
        "UO": 1,
        "NE": 1,
    }


def test_disposition_counts_per_stratum_and_overall():
    df = _invitations(
        {
            "arts": {"complete": 4, "partial": 1, "opened": 2, "opted_out": 1, "invited": 3},
            "tandarts": {"complete": 2, "bounced": 2, "not_invited": 5},
            "apotheker": {"not_invited": 3},
        }
    )
    counts = disposition_counts(df, "stratum")
    assert list(counts.index) == ["arts", "tandarts", "apotheker", OVERALL]
    assert counts.loc["arts"].to_dict() == {
        "I": 4, "P": 1, "R": 3, "NC": 0, "O": 0, "UH": 3, "UO": 0, "NE": 0,
    }  # fmt: skip
    assert counts.loc["tandarts"].to_dict()["UO"] == 2
    assert counts.loc["apotheker"].sum() == 0  # not_invited is in no denominator
    assert counts.loc[OVERALL].to_dict() == {
        "I": 6, "P": 1, "R": 3, "NC": 0, "O": 0, "UH": 3, "UO": 2, "NE": 0,
    }  # fmt: skip
    # without a stratum: only the overall row
    only = disposition_counts(df)
    assert list(only.index) == [OVERALL]
    assert only.loc[OVERALL, "I"] == 6


def test_eligibility_known_turns_unknowns_into_non_contacts():
    df = _invitations({"s": {"complete": 2, "invited": 3, "bounced": 1, "opened": 1}})
    counts = disposition_counts(df, "stratum", eligibility_known=True).loc["s"]
    assert (counts["NC"], counts["UH"], counts["UO"], counts["R"]) == (4, 0, 0, 1)
    # RR2 is the same under both mappings: 2 / 7; RR6 is not: AAPOR 2/(2+1) vs 2/(2+1+4)
    strict = response_rates(disposition_counts(df).loc[OVERALL].to_dict())
    known = response_rates(disposition_counts(df, eligibility_known=True).loc[OVERALL].to_dict())
    assert strict["RR2"] == known["RR2"] == pytest.approx(2 / 7)
    assert strict["RR6"] == pytest.approx(2 / 3)
    assert known["RR6"] == pytest.approx(2 / 7)


def test_unknown_disposition_names_the_row_and_value():
    df = pd.DataFrame({"disposition": ["complete", "completed", "invited"]})
    with pytest.raises(ValueError, match=r"row 1: unknown disposition 'completed'"):
        disposition_counts(df)
    with pytest.raises(ValueError, match="no 'disposition' column"):
        disposition_counts(pd.DataFrame({"status": ["complete"]}))
    with pytest.raises(ValueError, match="stratum 'stratum' is empty"):
        disposition_counts(
            pd.DataFrame({"stratum": ["a", None], "disposition": ["complete", "invited"]}),
            "stratum",
        )


# -------------------------------------------------------------------- response table


@pytest.fixture
def fieldwork() -> pd.DataFrame:
    return _invitations(
        {
            # 40 invited: I=7 P=3 R=2+3 UO=2 UH=23 -> D = 40, RR2 = 10/40 = .25
            "arts": {
                "complete": 7, "partial": 3, "opted_out": 2, "opened": 3,
                "bounced": 2, "invited": 23, "not_invited": 10,
            },
            # 10 invited: I=2 UH=8 -> RR2 = 2/10 = .2
            "tandarts": {"complete": 2, "invited": 8},
            # 12 invited: I=9 R=1 UH=2 -> RR2 = 9/12 = .75
            "apotheker": {"complete": 9, "opted_out": 1, "invited": 2},
        }
    )  # fmt: skip


def test_shortfall_arithmetic(fieldwork):
    table = response_table(
        fieldwork, "stratum", minimum_rr=0.4, minimum_rr_stratum=0.3, minimum_completes=8
    ).set_index("stratum")
    arts, tand, apo, total = (table.loc[s] for s in ["arts", "tandarts", "apotheker", OVERALL])

    # arts: rate ceil(.3·40 - 10) = ceil(2) = 2; completes 8 - 7 = 1 -> 2
    assert arts["rate"] == pytest.approx(0.25)
    assert arts["minimum_rate"] == 0.3
    assert not arts["meets_rate"] and not arts["meets_completes"]
    assert arts["shortfall"] == 2
    # reachable: invited 23 + opened 3 + partial 3 = 29
    assert arts["reachable"] == 29 and arts["attainable"]

    # tandarts: rate ceil(.3·10 - 2) = 1 (0.3·10 is 3.0000000000000004 in floating point,
    # which must not ask for 2); completes 8 - 2 = 6 -> 6, of 8 reachable
    assert tand["shortfall"] == 6 and tand["attainable"]

    # apotheker: .75 >= .3 and 9 >= 8 -> nothing short
    assert apo["meets"] and apo["shortfall"] == 0

    # overall: D = 40+10+12 = 62, I+P = 10+2+9 = 21, RR2 = 21/62; rate ceil(.4·62 - 21) =
    # ceil(3.8) = 4; strata need 2 + 6 + 0 = 8 -> 8
    assert total["rate"] == pytest.approx(21 / 62)
    assert total["minimum_rate"] == 0.4
    assert total["shortfall"] == 8
    assert not total["meets"]
    assert total["completes"] == 18


def test_shortfall_exact_boundary_and_unattainable():
    # 3 completes of 10 at a minimum of .3: exactly met, shortfall 0
    df = _invitations({"s": {"complete": 3, "invited": 7}})
    row = response_table(df, "stratum", 0.3, None, 0).set_index("stratum").loc["s"]
    assert row["meets"] and row["shortfall"] == 0
    # I=1 R=1 UO=1: D = 3, RR2 = 1/3; at .9: ceil(.9·3 - 1) = ceil(1.7) = 2 (the 2 other cases),
    # but neither an opt-out nor a bounce can be reminded: reachable 0, not attainable
    df = _invitations({"s": {"complete": 1, "opted_out": 1, "bounced": 1}})
    row = response_table(df, "stratum", 0.9, None, 0).set_index("stratum").loc["s"]
    assert row["shortfall"] == 2
    assert row["reachable"] == 0 and not row["attainable"]
    # RR1 counts completes only: I=1 P=1, D = 2, RR1 = 1/2; at 1.0: ceil(1.0·2 - 1) = 1
    # (the partial must complete)
    df = _invitations({"s": {"complete": 1, "partial": 1}})
    row = response_table(df, "stratum", 1.0, None, 0, rate="RR1").set_index("stratum").loc["s"]
    assert row["shortfall"] == 1


def test_shortfall_of_rr5_by_conversion():
    # I=2 R=3 UH=5: RR5 = 2/5 = .4. Each reminder complete moves a UH into I and into the
    # RR5 denominator: (2+x)/(5+x) >= .6  <=>  .4x >= 1  <=>  x >= 2.5 -> 3
    # (check: x=2 gives 4/7 = .571, x=3 gives 5/8 = .625)
    df = _invitations({"s": {"complete": 2, "opted_out": 3, "invited": 5}})
    row = response_table(df, "stratum", 0.6, None, 0, rate="RR5").set_index("stratum").loc["s"]
    assert row["rate"] == pytest.approx(0.4)
    assert row["shortfall"] == 3


def test_margin_of_error_with_and_without_fpc(fieldwork):
    pop = {"arts": 200, "tandarts": 10, "apotheker": 40}
    table = response_table(fieldwork, "stratum", 0.4, None, 8, population=pop).set_index("stratum")
    # arts: n = I+P = 10 of N = 200: 1.96·sqrt(.25/10 · 190/199)
    assert table.loc["arts", "moe"] == pytest.approx(Z * math.sqrt(0.025 * 190 / 199))
    # tandarts: n = 2 of 10: 1.96·sqrt(.25/2 · 8/9)
    assert table.loc["tandarts", "moe"] == pytest.approx(Z * math.sqrt(0.125 * 8 / 9))
    # overall, stratified: N = 250;
    # var = (200/250)²·.25/10·190/199 + (10/250)²·.25/2·8/9 + (40/250)²·.25/9·31/39
    var = (
        (200 / 250) ** 2 * 0.25 / 10 * 190 / 199
        + (10 / 250) ** 2 * 0.25 / 2 * 8 / 9
        + (40 / 250) ** 2 * 0.25 / 9 * 31 / 39
    )
    assert table.loc[OVERALL, "moe"] == pytest.approx(Z * math.sqrt(var))
    assert table.loc[OVERALL, "population"] == 250
    # without population: no fpc, overall on n = 21
    plain = response_table(fieldwork, "stratum", 0.4, None, 8).set_index("stratum")
    assert plain.loc["arts", "moe"] == pytest.approx(Z * math.sqrt(0.25 / 10))
    assert plain.loc[OVERALL, "moe"] == pytest.approx(Z * math.sqrt(0.25 / 21))


def test_margin_of_error_edges():
    assert math.isnan(margin_of_error(0))
    assert margin_of_error(5, 5) == 0.0  # a census of the stratum
    assert margin_of_error(100) == pytest.approx(Z * 0.05)


def test_response_table_input_errors(fieldwork):
    with pytest.raises(ValueError, match="rate must be one of"):
        response_table(fieldwork, "stratum", 0.4, None, 8, rate="COOP1")
    with pytest.raises(ValueError, match="minimum_rr must be a share"):
        response_table(fieldwork, "stratum", 40, None, 8)
    with pytest.raises(ValueError, match="no size for stratum"):
        response_table(fieldwork, "stratum", 0.4, None, 8, population={"arts": 100})


def test_stratum_without_invitations_needs_its_minimum_completes():
    df = _invitations({"a": {"complete": 5}, "b": {"not_invited": 4}})
    table = response_table(df, "stratum", 0.5, None, 3).set_index("stratum")
    assert math.isnan(table.loc["b", "rate"])
    assert table.loc["b", "shortfall"] == 3 and not table.loc["b", "attainable"]
    assert table.loc[OVERALL, "shortfall"] == 3
