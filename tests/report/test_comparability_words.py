"""report.comparability: why a score is not compared, in words; no item id or language code."""

from __future__ import annotations

from report.comparability import not_compared

ROW = {"score_id": "overall_0_100:tevredenheid", "comparable": False, "not_compared": "wording"}


def test_a_reworded_question_names_the_text_not_the_codes():
    row = {
        **ROW,
        "changed_in": "2026.1",
        "changed_items": "tevredenheid",
        "changed_languages": "nl",
    }
    assert not_compared(row, "nl") == (
        "vraagtekst gewijzigd in versie 2026.1 (de Nederlandse tekst): niet vergeleken"
    )
    assert (
        not_compared(row, "en")
        == "wording changed in version 2026.1 (the Dutch text): not compared"
    )


def test_several_questions_and_languages_are_counted_and_named():
    row = {
        **ROW,
        "score_id": "dimension:hulp",
        "changed_items": "hulp, hulp_telefoon",
        "changed_languages": "en, nl",
    }
    nl, en = not_compared(row, "nl"), not_compared(row, "en")
    assert nl == (
        "vraagtekst gewijzigd (2 vragen; de Engelse en de Nederlandse tekst): niet vergeleken"
    )
    assert en == "wording changed (2 questions; the English and Dutch texts): not compared"
    assert "hulp" not in nl + en and "nl" not in nl.replace("Nederlandse", "")
