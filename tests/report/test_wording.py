"""report.wording: every note the analysis returns is worded in Dutch and in English."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

from analysis.notes import Note, note
from report import wording

ROOT = Path(__file__).resolve().parents[2]

# One example of every code, with parameters as the analysis gives them.
EXAMPLES = {
    "design_weights": note("design_weights", column="design_weight"),
    "design_weights_from_population": note("design_weights_from_population", column="N_h"),
    "class_merged": note("class_merged", merged=["b"], into=["a", "c"], respondents=2, minimum=5),
    "single_class_small": note("single_class_small", minimum=5),
    "single_respondent_strata": note(
        "single_respondent_strata", strata=["x", "y"], lonely_psu="adjust"
    ),
    "raked": note("raked", margins=["profession", "language"], iterations=7),
    "trimmed": note("trimmed", lower=None, upper=3.5, changed=4, misfit=0.0125),
    "no_sample": note("no_sample"),
    "no_sample_responses": note("no_sample_responses"),
    "no_raking": note("no_raking", margins=["profession"], reason="level 'x' has no respondents"),
    "margins_auto": note("margins_auto", margins=["university"]),
    "stratum_margin_only": note("stratum_margin_only", margin="profession"),
    "no_drivers": note("no_drivers", reason="too few"),
    "not_standardized": note("not_standardized", wave="previous", groups=["arts_specialist"]),
    "no_answers": note("no_answers"),
    "missing_too_often": note("missing_too_often", missing=0.25, limit=0.2),
    "driver_evidence": note(
        "driver_evidence",
        importance_share=0.4125,
        r2=0.4567,
        performance=61.25,
        ci_low=58.04,
        ci_high=64.46,
        level=0.95,
        n=123,
    ),
}


def _codes_in_analysis() -> set[str]:
    """Every literal code passed to analysis.notes.note(...) in analysis/."""
    codes = set()
    for path in (ROOT / "analysis").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "note"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                codes.add(node.args[0].value)
    return codes


def test_every_code_of_the_analysis_has_dutch_and_english_words():
    codes = _codes_in_analysis()
    assert len(codes) >= 15  # the scan finds the calls (a renamed helper would hide them)
    assert codes == set(EXAMPLES) == set(wording.WORDINGS)
    for code, example in EXAMPLES.items():
        nl, en = wording.text(example, "nl"), wording.text(example, "en")
        assert nl and en and nl != en, code  # the English page shows English


def test_sentences_as_written():
    assert wording.text(EXAMPLES["class_merged"], "nl") == (
        "Klasse b had 2 respondenten (< 5) en is samengevoegd met a + c."
    )
    assert wording.text(EXAMPLES["trimmed"], "en") == (
        "Weights trimmed to [-, 3.5]; 4 weights changed; margins now up to 1.25% off target."
    )
    no_margins = note("trimmed", lower=0.5, upper=None, changed=0, misfit=None)
    assert (
        wording.text(no_margins, "nl") == "Gewichten getrimd tot [0.5, -]; 0 gewichten gewijzigd."
    )
    assert wording.text(EXAMPLES["driver_evidence"], "nl") == (
        "Belang 41% van de verklaarde variantie (R² 0,46); score 61,2 op 100 "
        "(95%-BI 58,0-64,5; n = 123)"
    )
    assert wording.text(EXAMPLES["driver_evidence"], "en") == (
        "Importance 41% of the explained variance (R² 0.46); score 61.2 out of 100 "
        "(95% CI 58.0-64.5; n = 123)"
    )
    assert wording.text(EXAMPLES["missing_too_often"], "en") == (
        "missing for 25% of the respondents (more than 20%)"
    )


def test_trend_notes_join_in_either_language():
    notes = (EXAMPLES["not_standardized"], EXAMPLES["no_answers"])
    assert wording.text(notes, "nl") == (
        "niet gestandaardiseerd: geen respondenten in arts_specialist (vorige meting); "
        "geen antwoorden in een van beide metingen"
    )
    assert wording.text(notes, "en") == (
        "not standardized: no respondents in arts_specialist (previous wave); "
        "no answers in one of the two waves"
    )
    assert wording.text(None, "en") is None and wording.text((), "nl") is None


def test_with_languages_words_a_column_and_keeps_the_rest():
    table = pd.DataFrame({"id": [1, 2], "note": [(EXAMPLES["no_answers"],), None]})
    out = wording.with_languages(table, "note")
    assert out["note_en"].tolist() == ["no answers in one of the two waves", None]
    assert out["note_nl"].tolist() == ["geen antwoorden in een van beide metingen", None]
    assert out["id"].tolist() == [1, 2] and "note_nl" not in table


def test_an_unknown_code_is_an_error():
    with pytest.raises(KeyError):
        wording.text(Note("no_such_code"), "nl")
