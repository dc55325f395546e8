"""Answers: skip logic, page validation and the flat table, on the e-loket questionnaire."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from survey.data import (
    effective_answers,
    from_frame,
    is_relevant,
    to_frame,
    validate_page,
    visible_items,
)
from survey.flow import sections_to_show

# One invited respondent who filed a training report, knew the paper procedure, and
# found "help" not applicable.
FULL = {
    "procedures": ["stagerapport"],
    "gemak_stagerapport": 4,
    "aanmelden": 5,
    "informatie": 4,
    "formulieren": 3,
    "documenten": 4,
    "opvolging": 2,
    "doorlooptijd": 1,
    "communicatie": 3,
    "hulp": None,  # niet van toepassing / weet niet
    "umux_1": 6,
    "umux_2": 7,
    "ces": 5,
    "kende_papier": "ja",
    "vergelijking_papier": "beter",
    "tevredenheid": 8,
    "verbetering": "Sneller antwoord.",
    "terugkoppeling": "ja",
}


def ids(items):
    return [it.id for it in items]


def test_routing_shows_only_the_procedures_used(eloket):
    page = eloket.section("gebruik")
    assert ids(visible_items(eloket, page, {})) == ["procedures"]
    shown = visible_items(eloket, page, {"procedures": ["stageplan", "erkenningsaanvraag"]})
    assert ids(shown) == ["procedures", "gemak_stageplan", "gemak_erkenning"]


def test_no_procedure_skips_the_rating_pages(eloket):
    answers = {"procedures": ["geen"]}
    assert visible_items(eloket, eloket.section("ervaring"), answers) == []
    sections = [s.id for s in sections_to_show(eloket, "invited", answers)]
    assert sections == ["gebruik", "papier", "algemeen", "resultaten"]
    sections = [s.id for s in sections_to_show(eloket, "open", answers)]
    assert sections == ["gebruik", "papier", "algemeen", "profiel"]


def test_paper_comparison_only_for_those_who_knew_it(eloket):
    item = eloket.item("vergelijking_papier")
    assert is_relevant(item, {"kende_papier": "ja"})
    assert not is_relevant(item, {"kende_papier": "nee"})
    assert not is_relevant(item, {})
    page = eloket.section("papier")
    assert ids(visible_items(eloket, page, {"kende_papier": "nee"})) == ["kende_papier"]


def test_answers_of_skipped_items_do_not_count(eloket):
    # The respondent first said "stageplan", rated it, then went back and changed to "geen".
    answers = {"procedures": ["geen"], "gemak_stageplan": 2, "aanmelden": 4, "kende_papier": "nee",
               "vergelijking_papier": "beter", "unknown_key": 1}  # fmt: skip
    eff = effective_answers(eloket, answers)
    assert eff == {"procedures": ["geen"], "kende_papier": "nee"}


def test_validate_page_required_and_messages_per_language(eloket):
    page = eloket.section("ervaring")
    errs = validate_page(eloket, page, {"procedures": ["stageplan"]}, "nl")
    assert set(errs) == {it.id for it in page.items}
    assert errs["aanmelden"] == "Deze vraag is verplicht."
    errs_en = validate_page(eloket, page, {"procedures": ["stageplan"]}, "en")
    assert errs_en["aanmelden"] == "This question is required."
    # n.v.t. (None with the key present) answers a required item.
    full = validate_page(eloket, page, FULL, "nl")
    assert full == {}


def test_validate_page_range_type_length_and_constraint(eloket):
    answers = dict(FULL, aanmelden=6, informatie="4", formulieren=2.5, documenten=True)
    errs = validate_page(eloket, eloket.section("ervaring"), answers, "en")
    assert errs["aanmelden"] == "Choose a value from 1 to 5."
    assert "informatie" not in errs  # a numeric string from a widget is accepted
    assert errs["formulieren"] == "Choose a value from 1 to 5."
    assert errs["documenten"] == "Choose a value from 1 to 5."

    errs = validate_page(
        eloket,
        eloket.section("algemeen"),
        dict(FULL, tevredenheid=11, verbetering="x" * 1001),
        "nl",
    )
    assert errs["tevredenheid"] == "Kies een waarde van 0 tot 10."
    assert errs["verbetering"] == "Uw antwoord telt 1001 tekens; het maximum is 1000."

    errs = validate_page(
        eloket, eloket.section("gebruik"), {"procedures": ["geen", "stageplan"]}, "nl"
    )
    assert errs == {"procedures": "'Geen van deze' kan niet samen met een andere procedure."}
    errs = validate_page(
        eloket, eloket.section("gebruik"), {"procedures": ["stageplan", "nope"]}, "nl"
    )
    assert errs == {"procedures": "Kies een van de gegeven antwoorden."}

    errs = validate_page(eloket, eloket.section("gebruiksgemak"), {"umux_1": 3}, "nl")
    assert (
        errs["umux"] == "Beantwoord elke uitspraak." and errs["ces"] == "Deze vraag is verplicht."
    )
    # n.v.t. is not allowed on UMUX-Lite: None is "unanswered" there.
    errs = validate_page(
        eloket, eloket.section("gebruiksgemak"), {"umux_1": 3, "umux_2": None, "ces": 1}, "en"
    )
    assert errs == {"umux": "Please answer every statement."}


def test_optional_items_may_stay_empty(eloket):
    answers = {k: v for k, v in FULL.items() if k not in ("verbetering",)}
    assert validate_page(eloket, eloket.section("algemeen"), answers, "nl") == {}
    assert validate_page(eloket, eloket.section("resultaten"), {}, "nl") == {}


def test_to_frame_columns_and_types(eloket):
    frame = to_frame(
        eloket, [FULL, {"procedures": ["geen"], "tevredenheid": 3, "beroep": "huisarts"}, {}]
    )
    assert list(frame.columns) == [c.name for c in eloket.columns()]
    assert len(frame.columns) == 28
    a, b, c = (frame.iloc[i] for i in range(3))
    # multiple choice: 0/1 per option, NaN when not answered
    assert [a[f"procedures/{x}"] for x in ("stageplan", "stagerapport", "geen")] == [0.0, 1.0, 0.0]
    assert b["procedures/geen"] == 1.0
    assert math.isnan(c["procedures/stageplan"])
    # scales are floats; n.v.t., skipped and unanswered are all NaN
    assert frame["aanmelden"].dtype == np.float64 and a["aanmelden"] == 5.0
    assert math.isnan(a["hulp"]) and math.isnan(a["gemak_stageplan"]) and math.isnan(b["aanmelden"])
    assert a["umux_2"] == 7.0 and a["tevredenheid"] == 8.0 and b["tevredenheid"] == 3.0
    # codes and text are strings, NaN when missing
    assert a["kende_papier"] == "ja" and a["vergelijking_papier"] == "beter"
    assert a["verbetering"] == "Sneller antwoord."
    assert pd.isna(b["kende_papier"]) and b["beroep"] == "huisarts"
    assert pd.api.types.is_string_dtype(frame["kende_papier"])
    # n.v.t. never becomes a number anywhere
    assert frame.select_dtypes("number").max().max() <= 10


def test_to_frame_refuses_values_that_do_not_fit(eloket):
    with pytest.raises(ValueError, match="row 1: aanmelden = 9"):
        to_frame(eloket, [FULL, dict(FULL, aanmelden=9)])
    with pytest.raises(ValueError, match="row 0: procedures"):
        to_frame(eloket, [{"procedures": ["fax"]}])


def test_empty_answer_list_gives_empty_typed_frame(eloket):
    frame = to_frame(eloket, [])
    assert frame.shape == (0, 28)


def test_from_frame_round_trip(eloket):
    rows = [FULL, {"procedures": ["geen"], "kende_papier": "nee", "tevredenheid": 0}]
    back = from_frame(eloket, to_frame(eloket, rows))
    expected_full = {
        k: v for k, v in FULL.items() if v is not None
    }  # n.v.t. cannot be told from skipped
    assert back == [expected_full, rows[1]]
