"""Schema validation: a good file, and every kind of error with its location."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

import survey
from survey.schema import PROFESSIONS, build_questionnaire

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
id: demo
version: "1"
title: {nl: Demo, en: Demo}
choices:
  proc:
    - {code: a, label: {nl: A, en: A}}
    - {code: b, label: {nl: B, en: B}}
sections:
  - id: s1
    title: {nl: Deel 1, en: Part 1}
    items:
      - id: q1
        type: select_multiple
        choices: proc
        label: {nl: Welke, en: Which}
      - id: q2
        type: scale5
        na: true
        relevant: selected(${q1}, 'a')
        label: {nl: Hoe, en: How}
"""


def load_text(write, text: str) -> survey.Questionnaire:
    return survey.load_questionnaire(write(text))


def errors_of(write, text: str) -> list[survey.QuestionnaireIssue]:
    with pytest.raises(survey.QuestionnaireError) as info:
        load_text(write, text)
    return info.value.errors


def test_good_file_loads(write):
    q = load_text(write, GOOD)
    assert q.id == "demo" and q.version == "1"
    assert q.languages == ["nl", "en"]
    assert [it.id for it in q.items()] == ["q1", "q2"]
    assert q.item("q2").scale == "satisfaction"  # the default 5-point scale is made explicit


def test_questionnaire_error_is_a_value_error_listing_everything(write):
    bad = GOOD.replace("type: scale5", "type: scale7").replace("{nl: Hoe, en: How}", "{nl: Hoe}")
    with pytest.raises(ValueError) as info:
        load_text(write, bad)
    err = info.value
    assert isinstance(err, survey.QuestionnaireError)
    assert len(err.errors) == 2
    for e in err.errors:
        assert str(e) in str(err)
        assert e.file.endswith("q.yaml")


# Each case: a change to GOOD, the line (1-based) the error must point to, the field, and a
# fragment of the message.
CASES = [
    ("unknown type", ("type: scale5", "type: scale7"), 17, "type", "unknown item type 'scale7'"),
    (
        "duplicate id",
        ("      - id: q2", "      - id: q1"),
        16,
        "id",
        "duplicate id 'q1'",
    ),
    (
        "unknown reference",
        ("selected(${q1}, 'a')", "selected(${q9}, 'a')"),
        19,
        "relevant",
        "${q9} at character 10",
    ),
    (
        "syntax error",
        ("selected(${q1}, 'a')", "selected(${q1}, 'a'"),
        19,
        "relevant",
        "syntax error",
    ),
    (
        "missing choice list",
        ("choices: proc", "choices: procs"),
        14,
        "choices",
        "choice list 'procs' does not exist",
    ),
    (
        "missing translation",
        ("{nl: Hoe, en: How}", "{nl: Hoe}"),
        20,
        "label",
        "missing English (en) translation",
    ),
    (
        "missing choice translation",
        ("{code: b, label: {nl: B, en: B}}", "{code: b, label: {nl: B}}"),
        7,
        "label",
        "missing English (en) translation",
    ),
    ("invalid scale", ("na: true", "na: true\n        scale: stars"), 19, "scale", "invalid scale"),
    ("unknown role", ("na: true", "na: true\n        role: boss"), 19, "role", "unknown role"),
]


@pytest.mark.parametrize(
    ("name", "change", "line", "field", "fragment"), CASES, ids=[c[0] for c in CASES]
)
def test_each_error_has_its_location(write, name, change, line, field, fragment):
    old, new = change
    assert old in GOOD
    errs = errors_of(write, GOOD.replace(old, new, 1))
    assert len(errs) == 1, [str(e) for e in errs]
    e = errs[0]
    assert e.line == line, str(e)
    assert e.location.startswith(f"line {line}")
    assert e.field == field
    assert fragment in e.message


def test_later_reference_is_an_error(write):
    text = GOOD.replace("relevant: selected(${q1}, 'a')", "relevant: ${q3} = 'ja'") + (
        "      - id: q3\n        type: yesno\n        label: {nl: Ja, en: Yes}\n"
    )
    (e,) = errors_of(write, text)
    assert e.line == 19 and "comes later" in e.message


def test_self_reference_in_relevant_is_an_error(write):
    (e,) = errors_of(write, GOOD.replace("selected(${q1}, 'a')", "${q2} = 1"))
    assert "comes later (or to itself)" in e.message


def test_constraint_may_use_dot_and_relevant_may_not(write):
    ok = GOOD.replace("        na: true\n", "        na: true\n        constraint: . != 3\n")
    assert load_text(write, ok).item("q2").constraint == ". != 3"
    (e,) = errors_of(write, GOOD.replace("selected(${q1}, 'a')", ". = 1"))
    assert "only be used in a constraint" in e.message


def test_selected_with_unknown_code_is_an_error(write):
    (e,) = errors_of(write, GOOD.replace("selected(${q1}, 'a')", "selected(${q1}, 'z')"))
    assert "'z' is not an option of q1" in e.message


def test_all_errors_are_reported_at_once_in_file_order(write):
    bad = (
        GOOD.replace("title: {nl: Demo, en: Demo}", "title: {nl: Demo}")
        .replace("type: scale5", "type: likert")
        .replace("choices: proc", "choices: nope")
        .replace("{code: b, label: {nl: B, en: B}}", "{code: a, label: {nl: B, en: B}}")
    )
    errs = errors_of(write, bad)
    lines = [e.line for e in errs]
    assert lines == sorted(lines)
    messages = " | ".join(e.message for e in errs)
    for fragment in (
        "missing English",
        "duplicate code 'a'",
        "choice list 'nope'",
        "unknown item type",
    ):
        assert fragment in messages
    assert len(errs) == 4


def test_broken_item_still_counts_for_duplicates_and_references(write):
    # q1 fails to parse (unknown type) yet q2's reference to it is not "unknown".
    errs = errors_of(write, GOOD.replace("type: select_multiple", "type: checkboxes"))
    assert [e.field for e in errs] == ["type"]


def test_yaml_syntax_error_names_line_and_column(write):
    (e,) = errors_of(write, GOOD.replace("{nl: Hoe, en: How}", "{nl: Hoe, en: How"))
    assert "not valid YAML" in e.message
    assert e.line is not None and e.location.startswith(f"line {e.line}, column")


def test_duplicate_yaml_key_is_an_error(write):
    errs = errors_of(
        write, GOOD.replace("        na: true\n", "        na: true\n        na: false\n")
    )
    assert any("appears twice" in e.message and e.line == 19 for e in errs)


def test_unknown_field_is_an_error(write):
    (e,) = errors_of(
        write, GOOD.replace("        na: true\n", "        na: true\n        colour: red\n")
    )
    assert e.message == "unknown field 'colour'" and e.line == 19


def test_composite_statement_count_is_checked():
    raw = yaml.safe_load(GOOD)
    raw["sections"][0]["items"].append(
        {
            "id": "u",
            "type": "umux_lite",
            "label": {"nl": "x", "en": "x"},
            "statements": [{"nl": "a", "en": "a"}],
        }
    )
    with pytest.raises(survey.QuestionnaireError) as info:
        build_questionnaire(raw)
    (e,) = info.value.errors
    assert "exactly 2 statements" in e.message
    assert e.location == "sections[0].items[2].statements"


def test_undeclared_language_is_an_error():
    raw = yaml.safe_load(GOOD)
    raw["sections"][0]["items"][0]["label"]["fr"] = "Lequel?"
    with pytest.raises(survey.QuestionnaireError, match="language 'fr' is not declared"):
        build_questionnaire(raw)


def test_version_is_kept_as_written(write):
    assert load_text(write, GOOD.replace('version: "1"', "version: 1.10")).version == "1.10"
    assert load_text(write, GOOD.replace('version: "1"', "version: 3")).version == "3"


def test_yes_and_no_labels_stay_text(write):
    q = load_text(
        write, GOOD.replace("{nl: A, en: A}", "{nl: Ja, en: Yes}").replace("na: true", "na: yes")
    )
    assert q.choices["proc"][0].label == {"nl": "Ja", "en": "Yes"}
    assert q.item("q2").na is True


def test_hash_is_stable_and_changes_with_content(write):
    a = load_text(write, GOOD)
    b = load_text(write, GOOD.replace('version: "1"', "version: '1'"))  # same meaning
    assert a.hash == b.hash and len(a.hash) == 64
    c = load_text(write, GOOD.replace("How", "How so"))
    assert c.hash != a.hash
    # The canonical JSON does not depend on key order.
    raw = yaml.safe_load(GOOD)
    reordered = dict(reversed(list(raw.items())))
    assert build_questionnaire(reordered).hash == a.hash


def test_to_dict_from_dict_round_trip_through_json(eloket):
    stored = json.loads(json.dumps(eloket.to_dict()))
    again = survey.Questionnaire.from_dict(stored)
    assert again == eloket
    assert again.hash == eloket.hash


def test_from_dict_validates():
    raw = yaml.safe_load(GOOD)
    bad = copy.deepcopy(raw)
    bad["sections"][0]["items"][1]["type"] = "stars"
    with pytest.raises(survey.QuestionnaireError):
        survey.Questionnaire.from_dict(bad)


def test_columns_flatten_items():
    raw = yaml.safe_load(GOOD)
    raw["sections"][0]["items"] += [
        {"id": "s", "type": "sus", "label": {"nl": "x", "en": "x"}},
        {"id": "r", "type": "rating10", "label": {"nl": "x", "en": "x"}},
        {"id": "t", "type": "text", "max_length": 50, "label": {"nl": "x", "en": "x"}},
        {"id": "yn", "type": "yesno", "label": {"nl": "x", "en": "x"}},
        {"id": "u", "type": "umux_lite", "label": {"nl": "x", "en": "x"}},
        {"id": "e", "type": "ces", "label": {"nl": "x", "en": "x"}},
    ]
    q = build_questionnaire(raw)
    cols = {c.name: c for c in q.columns()}
    assert list(cols) == [
        "q1/a", "q1/b", "q2", *(f"s_{i}" for i in range(1, 11)), "r", "t", "yn", "u_1", "u_2", "e",
    ]  # fmt: skip
    assert cols["q1/a"].kind == "multi" and cols["q1/a"].choice_code == "a"
    assert cols["q1/a"].scale_min is None
    assert (cols["q2"].kind, cols["q2"].scale_min, cols["q2"].scale_max, cols["q2"].na) == (
        "scale",
        1,
        5,
        True,
    )
    assert [cols[f"s_{i}"].reverse for i in range(1, 11)] == [False, True] * 5
    assert (cols["r"].kind, cols["r"].scale_min, cols["r"].scale_max) == ("rating", 0, 10)
    assert (cols["u_1"].scale_min, cols["u_1"].scale_max) == (1, 7)
    assert (cols["e"].scale_min, cols["e"].scale_max) == (1, 7)
    assert cols["t"].kind == "text" and cols["t"].scale_min is None
    assert cols["yn"].kind == "yesno" and [c for c, _ in cols["yn"].choices] == ["ja", "nee"]
    assert cols["u_2"].label["en"] == "This system is easy to use."
    assert all(c.section_id == "s1" for c in cols.values())


# --- the e-loket questionnaire ------------------------------------------------------------


def test_eloket_is_valid_and_short(eloket):
    assert eloket.languages == ["nl", "en"]
    cols = eloket.columns()
    assert 25 <= len(cols) <= 30
    # An invited respondent who used one procedure answers about 20 questions.
    assert (
        sum(
            1
            for s in eloket.sections_for_mode("invited")
            for it in s.items
            for _ in it.answer_keys()
        )
        <= 30
    )


def test_eloket_profile_section_is_asked_only_on_the_open_link(eloket):
    profile = [s for s in eloket.sections if s.profile]
    by_id = {s.id: s for s in profile}
    assert by_id["profiel"].ask_only_in == ["open"]
    assert [it.role for it in by_id["profiel"].items] == ["profile"] * 3
    assert "profiel" not in [s.id for s in eloket.sections_for_mode("invited")]
    assert "profiel" in [s.id for s in eloket.sections_for_mode("open")]


def test_eloket_professions_match_the_frame_codes(eloket):
    assert [c.code for c in eloket.choices["beroep"]] == list(PROFESSIONS)
    for ch in eloket.choices["beroep"]:
        assert ch.label == PROFESSIONS[ch.code]
    assert [c.code for c in eloket.choices["opleidingsjaar"]] == [str(i) for i in range(1, 7)]


def test_eloket_roles_and_dimensions(eloket):
    items = {it.id: it for it in eloket.items()}
    drivers = [it for it in items.values() if it.role == "driver"]
    assert {it.dimension for it in drivers} == {
        "aanmelden", "informatie", "formulieren", "documenten",
        "opvolging", "doorlooptijd", "communicatie", "hulp",
    }  # fmt: skip
    assert all(it.type == "scale5" and it.na for it in drivers)
    assert (items["tevredenheid"].role, items["tevredenheid"].dimension) == ("overall", "globaal")
    assert items["umux"].type == "umux_lite" and items["umux"].role == "usability"
    assert items["ces"].role == "effort"
    assert items["verbetering"].role == "open" and items["verbetering"].max_length == 1000
    assert items["terugkoppeling"].role == "consent" and not items["terugkoppeling"].required
    assert items["vergelijking_papier"].relevant == "${kende_papier} = 'ja'"
    for code in ("stageplan", "wijziging_stageplan", "stagerapport", "erkenningsaanvraag"):
        assert any(it.relevant == f"selected(${{procedures}}, '{code}')" for it in items.values())


# --- hostile definitions ------------------------------------------------------------------

_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


_GOOD_RAW = yaml.safe_load(GOOD)
_GOOD_PATHS = [p for p in _paths(_GOOD_RAW) if p]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_GOOD_PATHS), _json)
@example(path=("sections", 0, "items"), value=True)  # once crashed the duplicate-id pass
def test_any_mutation_gives_a_questionnaire_or_the_documented_error(path, value):
    raw = copy.deepcopy(_GOOD_RAW)
    node = raw
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    try:
        q = build_questionnaire(raw)
    except survey.QuestionnaireError as exc:
        assert exc.errors and all(e.message for e in exc.errors)
        return
    assert len(q.hash) == 64
    q.columns()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_yaml_text_gives_the_documented_error(text):
    with contextlib.suppress(survey.QuestionnaireError):
        survey.loads_yaml(text)


def test_schema_part_imports_neither_streamlit_nor_the_database():
    code = (
        "import sys, survey, survey.data, survey.printable, survey.expr\n"
        "bad = [m for m in ('streamlit', 'sqlalchemy', 'store') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
