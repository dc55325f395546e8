"""report.wording: every note the analysis returns is worded in Dutch and in English."""

from __future__ import annotations

import ast
import re
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
    "classes_merged": note(
        "classes_merged", small=["b"], respondents=[2], classes=3, left=2, minimum=5
    ),
    "single_class_small": note("single_class_small", minimum=5),
    "single_respondent_strata": note(
        "single_respondent_strata", strata=["x", "y"], lonely_psu="adjust"
    ),
    "raked": note("raked", margins=["profession", "language"], iterations=7),
    "trimmed": note("trimmed", lower=None, upper=3.5, changed=4, misfit=0.0125),
    "no_sample": note("no_sample"),
    "no_sample_responses": note("no_sample_responses"),
    "no_raking": note(
        "no_raking",
        margins=["profession", "university"],
        problem="level_without_respondents",
        variable="profession",
        level="huisarts",
        target=165.0,
    ),
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
    assert wording.text(EXAMPLES["classes_merged"], "nl") == (
        "Minder dan 5 respondenten in 1 van de 3 klassen (b: 2): voor de non-responscorrectie "
        "zijn ze samengevoegd met een naburige klasse."
    )
    assert wording.text(EXAMPLES["trimmed"], "en") == (
        "4 weights trimmed (upper bound 3.5); margins now up to 1.25% off target."
    )
    no_margins = note("trimmed", lower=0.5, upper=None, changed=0, misfit=None)
    assert wording.text(no_margins, "nl") == "Geen gewichten afgetopt (ondergrens 0,5)."
    # 61.25 rounds half away from zero, as everywhere else (report.format): 61,3, not 61,2.
    assert wording.text(EXAMPLES["driver_evidence"], "nl") == (
        "Belang 41% van de verklaarde variantie (R² 0,46); score 61,3 op 100 "
        "(95%-BI 58,0 – 64,5; n = 123)"
    )
    assert wording.text(EXAMPLES["driver_evidence"], "en") == (
        "Importance 41% of the explained variance (R² 0.46); score 61.3 out of 100 "
        "(95% CI 58.0 – 64.5; n = 123)"
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


#: The codes of the weighting notes' parameters that must not reach a reader as they are.
RAW = ("arts_specialist", "huisarts", "tandarts_specialist", "ziekenhuisapotheker", "profession")
#: Words of the analysis' English messages, and of English sentences, on a Dutch page.
ENGLISH = re.compile(
    r"\b(the|has|had|was|with|and|weights?|respondents|target|merge[d]?|trimmed)\b"
)
DUTCH = re.compile(r"\b(de|het|heeft|een|geen|gewichten|respondenten|doel|beroep(en)?|afgetopt)\b")


def _weighting_notes():
    """The notes of finding 26: every profession but one without respondents, the frame margins
    out of reach, the weights' cap that changed none."""
    from analysis.design import Design, RakingError

    professions = ["algemeen_tandarts", "arts_specialist", "huisarts", "tandarts_specialist",
                   "ziekenhuisapotheker"]  # fmt: skip
    merged = note(
        "classes_merged", small=professions[1:], respondents=[0, 0, 0, 0], classes=5, left=1,
        minimum=5,
    )  # fmt: skip
    data = pd.DataFrame({"profession": ["algemeen_tandarts"] * 3})
    with pytest.raises(RakingError) as err:
        Design(data, weights=[1.0, 1.0, 1.0]).rake(
            {"profession": {"algemeen_tandarts": 200.0, "huisarts": 165.0}}
        )
    exc = err.value
    assert "has no respondents" in str(exc)  # the developer's message stays English
    no_raking = note(
        "no_raking", margins=["profession"], problem=exc.problem, variable=exc.variable,
        level=exc.level, target=exc.target,
    )  # fmt: skip
    trimmed = note("trimmed", lower=None, upper=194.4, changed=0, misfit=0.0)
    return merged, no_raking, trimmed


def test_weighting_notes_in_dutch_name_professions_without_codes_or_english():
    merged, no_raking, trimmed = _weighting_notes()
    assert wording.text(merged, "nl") == (
        "Geen respondenten in 4 van de 5 beroepen (Arts-specialist in opleiding, Huisarts in "
        "opleiding, Tandarts-specialist in opleiding, Ziekenhuisapotheker in opleiding): de "
        "non-responscorrectie gebeurt over alle beroepen samen."
    )
    assert wording.text(no_raking, "nl") == (
        "Geen raking naar de kadermarges (beroep): beroep 'Huisarts in opleiding' (doel 165) "
        "heeft nog geen respondenten; raking naar deze marges wacht tot elk niveau "
        "respondenten heeft. De gewichten zijn designgewichten met non-responscorrectie."
    )
    assert wording.text(trimmed, "nl") == "Geen gewichten afgetopt (bovengrens 194,4)."
    for n in (merged, no_raking, trimmed):
        nl = wording.text(n, "nl")
        assert not ENGLISH.search(nl), nl
        assert not any(code in nl for code in RAW), nl
        assert "[" not in nl and "194.4" not in nl, nl


def test_weighting_notes_in_english_have_no_dutch():
    merged, no_raking, trimmed = _weighting_notes()
    assert wording.text(merged, "en").startswith("No respondents in 4 of the 5 professions (")
    assert wording.text(no_raking, "en").startswith(
        "No raking to the frame margins (profession): profession 'General practitioner in "
        "training' (target 165) has no respondents yet"
    )
    assert wording.text(trimmed, "en").startswith("No weights trimmed (upper bound 194.4)")
    for n in (merged, no_raking, trimmed):
        en = wording.text(n, "en")
        assert not DUTCH.search(en), en
        assert not any(code in en for code in RAW[:-1]), en


def test_a_raking_error_carries_its_problem_as_data():
    from analysis.design import Design, RakingError

    data = pd.DataFrame({"profession": ["a", "a", "b"]})
    design = Design(data, weights=[1.0, 1.0, 1.0])
    with pytest.raises(RakingError) as err:
        design.rake({"profession": {"a": 10.0}})
    assert (err.value.problem, err.value.variable, err.value.level) == (
        "level_without_target", "profession", "b",
    )  # fmt: skip
    with pytest.raises(RakingError) as err:
        design.rake({"profession": {"a": 10.0, "b": 5.0}, "region": {"x": 15.0}})
    assert (err.value.problem, err.value.variable) == ("not_a_column", "region")
    other = note(
        "no_raking", margins=["profession"], problem=err.value.problem,
        variable=err.value.variable, level=None, target=None,
    )  # fmt: skip
    assert wording.text(other, "nl").startswith("Geen raking naar de kadermarges (beroep): ")
