"""Standard XLSForm in and out (xlsform.org, pyxform): forms written after the specification's
own examples load, or are refused naming the feature and the row; what we write converts
with pyxform."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import survey
from survey import data

ROOT = Path(__file__).resolve().parents[2]
XLS2XFORM = Path(sys.executable).with_name("xls2xform")


def write_form(path: Path, survey_rows, choices=None, settings=None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey_rows:
        ws.append(list(r))
    if choices:
        cs = wb.create_sheet("choices")
        for r in choices:
            cs.append(list(r))
    if settings:
        st = wb.create_sheet("settings")
        for r in settings:
            st.append(list(r))
    wb.save(path)
    return path


def pyxform_converts(path: Path, tmp_path: Path) -> None:
    out = tmp_path / (path.stem + ".xml")
    run = subprocess.run(
        [str(XLS2XFORM), str(path), str(out)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr + run.stdout
    assert out.stat().st_size > 0


# --- out ----------------------------------------------------------------------------------


def test_shipped_xlsform_converts_with_pyxform(tmp_path):
    pyxform_converts(ROOT / "data" / "questionnaire" / "eloket.xlsx", tmp_path)


def test_to_xlsform_output_converts_and_keeps_the_hash(eloket, tmp_path):
    out = tmp_path / "eloket_out.xlsx"
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("ktm")),
            "questionnaire",
            "to-xlsform",
            str(ROOT / "data" / "questionnaire" / "eloket.yaml"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    pyxform_converts(out, tmp_path)
    assert survey.load_questionnaire(out).hash == eloket.hash
    wb = openpyxl.load_workbook(out)
    header = [c.value for c in wb["survey"][1]]
    rows = [
        dict(zip(header, (c.value for c in r), strict=False))
        for r in wb["survey"].iter_rows(min_row=2)
    ]
    aanmelden = next(r for r in rows if r["name"] == "aanmelden")
    assert aanmelden["type"] == "select_one scale_satisfaction_nvt"
    assert aanmelden["appearance"] == "likert"
    assert (aanmelden["role"], aanmelden["dimension"], aanmelden["scale"], aanmelden["na"]) == (
        "driver",
        "aanmelden",
        "satisfaction",
        "yes",
    )
    umux = next(r for r in rows if r["name"] == "umux")
    assert umux["type"] == "begin group" and umux["scale"] == "umux_lite"


def test_every_type_round_trips_and_converts(tmp_path):
    q = load(
        tmp_path,
        [
            ["type", "name", "label", "calculation", "relevant", "default", "appearance"],
            ["start", "start"],
            ["today", "today"],
            ["integer", "age", "Leeftijd", None, None, "30"],
            ["decimal", "weight", "Gewicht"],
            ["date", "born", "Geboren"],
            ["text", "remark", "Opmerking", None, None, None, "multiline"],
            ["note", "info", "Lees dit"],
            ["acknowledge", "ok", "Akkoord?"],
            ["calculate", "double", None, "${age} * 2"],
            ["select_one yn or_other", "yn", "Ja of nee", None, None, None, "minimal"],
            ["select_multiple yn", "many", "Meerdere"],
            ["begin group", "part", "Deel", None, "${age} > 18"],
            ["integer", "kids", "Kinderen"],
            ["end group"],
        ],
        choices=[["list_name", "name", "label"], ["yn", "ja", "Ja"], ["yn", "nee", "Nee"]],
    )
    out = tmp_path / "again.xlsx"
    survey.save_xlsform(q, out)
    pyxform_converts(out, tmp_path)
    assert survey.load_questionnaire(out).hash == q.hash
    yml = tmp_path / "again.yaml"
    survey.save_yaml(q, yml)
    assert survey.load_questionnaire(yml).hash == q.hash


# --- in: structure, settings, headers, languages ------------------------------------------


def load(tmp_path, rows, choices=None, settings=None, name="form.xlsx"):
    return survey.load_questionnaire(write_form(tmp_path / name, rows, choices, settings))


def refused(tmp_path, rows, choices=None, settings=None) -> list:
    with pytest.raises(survey.QuestionnaireError) as info:
        load(tmp_path, rows, choices, settings)
    return info.value.errors


def test_no_settings_sheet_and_questions_outside_groups(tmp_path):
    q = load(
        tmp_path,
        [["type", "name", "label"], ["text", "name", "What is your name?"]],
        name="my_form.xlsx",
    )
    assert q.id == "my_form"  # from the file name, as pyxform does
    assert [s.id for s in q.sections] == ["page1"]
    assert q.item("name").type == "text"


def test_case_insensitive_headers_and_list_name_with_a_space(tmp_path):
    q = load(
        tmp_path,
        [["Type", "NAME", "Label", "Required"], ["select_one colors", "color", "Colour?", "yes"]],
        choices=[
            ["list name", "Name", "LABEL"],
            ["colors", "red", "Red"],
            ["colors", "blue", "Blue"],
        ],
    )
    assert [c.code for c in q.choices["colors"]] == ["red", "blue"]
    assert q.item("color").required


@pytest.mark.parametrize(
    "header",
    ["label::English (en)", "label::English", "label:English", "label::english"],
)
def test_language_columns_map_names_to_codes(tmp_path, header):
    q = load(
        tmp_path,
        [["type", "name", "label::Dutch", header], ["text", "q", "Vraag", "Question"]],
    )
    assert sorted(q.languages) == ["en", "nl"]
    assert q.item("q").label == {"nl": "Vraag", "en": "Question"}


@pytest.mark.parametrize(
    ("name", "code"), [("Français", "fr"), ("German", "de"), ("Nederlands", "nl")]
)
def test_language_names(tmp_path, name, code):
    q = load(tmp_path, [["type", "name", f"label::{name}"], ["text", "q", "x"]])
    assert q.languages == [code]


def test_a_language_without_a_code_is_refused(tmp_path):
    errors = refused(tmp_path, [["type", "name", "label::Klingon"], ["text", "q", "x"]])
    assert any("'Klingon' has no language code" in e.message and e.row == 1 for e in errors)


def test_settings_sheet(tmp_path):
    q = load(
        tmp_path,
        [["type", "name", "label::English (en)"], ["text", "q", "Question"]],
        settings=[
            ["form_title", "form_id", "version", "default_language"],
            ["My survey", "mine", "2024.3", "English (en)"],
        ],
    )
    assert (q.id, q.version, q.title, q.languages) == (
        "mine",
        "2024.3",
        {"en": "My survey"},
        ["en"],
    )


def test_nested_groups_are_headed_parts_of_a_page(tmp_path):
    q = load(
        tmp_path,
        [
            ["type", "name", "label", "relevant", "appearance"],
            ["begin group", "page", "Pagina", None, "field-list"],
            ["integer", "age", "Leeftijd"],
            ["begin group", "adult", "Volwassen", "${age} >= 18"],
            ["text", "job", "Beroep"],
            ["end group"],
            ["end group"],
        ],
    )
    [page] = q.sections
    assert [it.id for it in page.items] == ["age", "adult", "job"]
    assert q.item("job").group == "adult"
    shown = [it.id for it in data.visible_items(q, page, {"age": 12})]
    assert shown == ["age"]
    assert [it.id for it in data.visible_items(q, page, {"age": 40})] == ["age", "adult", "job"]
    assert data.effective_answers(q, {"age": 12, "job": "x"}) == {"age": 12}


def test_metadata_rows(tmp_path):
    q = load(
        tmp_path,
        [
            ["type", "name", "label"],
            ["start", "begon"],
            ["end", "einde"],
            ["today", "dag"],
            ["text", "q", "Q"],
        ],
    )
    assert q.metadata == {"begon": "start", "einde": "end", "dag": "today"}
    assert [it.id for it in q.items()] == ["q"]


# --- in: types and columns, in the web survey's validation ---------------------------------


def test_integer_decimal_date_with_constraints_and_own_messages(tmp_path):
    q = load(
        tmp_path,
        [
            [
                "type",
                "name",
                "label",
                "constraint",
                "constraint_message",
                "required",
                "required_message",
            ],
            [
                "integer",
                "age",
                "Age",
                ". >= 18 and . <= 80",
                "Between 18 and 80",
                "yes",
                "Your age, please",
            ],
            ["decimal", "km", "Km", ". > 0"],
            ["date", "when", "When", ". <= today()"],
        ],
    )
    page = q.sections[0]
    errors = data.validate_page(q, page, {"km": "abc", "when": "2999-01-01"})
    assert errors == {
        "age": "Your age, please",
        "km": data.message("decimal", "nl"),
        "when": data.message("constraint", "nl"),
    }
    assert data.validate_page(q, page, {"age": 17, "km": 2.5, "when": "2020-02-29"}) == {
        "age": "Between 18 and 80"
    }
    assert data.validate_page(q, page, {"age": 30, "km": 2.5, "when": "2020-02-29"}) == {}
    assert data.validate_page(q, page, {"age": 30.5})["age"] == data.message("integer", "nl")
    assert data.validate_page(q, page, {"age": 30, "when": "2020-02-30"})["when"] == data.message(
        "date", "nl"
    )


def test_integer_changed_to_text_loses_its_numeric_constraint_loudly(tmp_path):
    errors = refused(
        tmp_path,
        [["type", "name", "label", "constraint"], ["text", "age", "Age", ". >= 18 and . <= 80"]],
    )
    [e] = errors
    assert e.row == 2 and e.field == "constraint"
    assert "compares the answer with a number" in e.message and "text item" in e.message


def test_calculate_note_acknowledge_default_read_only(tmp_path):
    q = load(
        tmp_path,
        [
            ["type", "name", "label", "calculation", "default", "read_only"],
            ["integer", "a", "A", None, "2"],
            ["integer", "b", "B", None, "5", "yes"],
            ["calculate", "total", None, "${a} + ${b}"],
            ["note", "show", "Samen: ${total}"],
            ["acknowledge", "ok", "Begrepen?"],
        ],
    )
    assert q.item("a").default == "2" and q.item("b").read_only
    eff = data.effective_answers(q, {"a": 2, "b": 5, "ok": "OK"})
    assert eff["total"] == 7 and eff["ok"] == "OK"
    assert data.validate_page(q, q.sections[0], {"ok": "yes"}) == {
        "ok": data.message("acknowledge", "nl")
    }
    frame = data.to_frame(q, [{"a": 2, "b": 5, "ok": "OK"}])
    assert list(frame.columns) == ["a", "b", "total", "ok"]
    assert frame.loc[0, "total"] == "7" and frame.loc[0, "a"] == 2.0


def test_select_with_or_other_and_choice_filter(tmp_path):
    q = load(
        tmp_path,
        [
            ["type", "name", "label", "choice_filter"],
            ["select_one country or_other", "country", "Country"],
            ["select_one city", "city", "City", "country = ${country}"],
        ],
        choices=[
            ["list_name", "name", "label", "country"],
            ["country", "be", "Belgium"],
            ["country", "nl", "Netherlands"],
            ["city", "ghent", "Ghent", "be"],
            ["city", "utrecht", "Utrecht", "nl"],
        ],
    )
    assert [it.id for it in q.items()] == ["country", "country_other", "city"]
    assert [c for c, _ in q.choice_options(q.item("country"))][-1] == "other"
    page = q.sections[0]
    assert [it.id for it in data.visible_items(q, page, {"country": "be"})] == ["country", "city"]
    assert [it.id for it in data.visible_items(q, page, {"country": "other"})] == [
        "country",
        "country_other",
        "city",
    ]
    assert [c for c, _ in q.choice_options(q.item("city"), {"country": "be"})] == ["ghent"]
    assert data.validate_page(q, page, {"country": "be", "city": "utrecht"}) == {
        "city": data.message("choice", "nl")
    }
    assert data.validate_page(q, page, {"country": "be", "city": "ghent"}) == {}


def test_hint_relevant_appearance(tmp_path):
    q = load(
        tmp_path,
        [
            ["type", "name", "label", "hint", "relevant", "appearance"],
            ["select_one yn", "likes", "Likes?", "Pick one", None, "likert"],
            ["text", "why", "Why?", None, "${likes} = 'yes'", "multiline"],
        ],
        choices=[["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
    )
    assert q.item("likes").hint == {"nl": "Pick one"} and q.item("likes").appearance == "likert"
    assert q.item("why").appearance == "multiline"
    assert [it.id for it in data.visible_items(q, q.sections[0], {"likes": "no"})] == ["likes"]


# --- in: refused features ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "feature"),
    [
        (["begin repeat", "kids", "Kind"], "repeat"),
        (["geopoint", "where", "Waar?"], "geopoint"),
        (["geotrace", "route", "Route"], "geotrace"),
        (["geoshape", "area", "Gebied"], "geoshape"),
        (["start-geopoint", "loc", None], "start-geopoint"),
        (["image", "photo", "Foto"], "image"),
        (["audio", "sound", "Geluid"], "audio"),
        (["video", "film", "Film"], "video"),
        (["file", "doc", "Bestand"], "file"),
        (["barcode", "code", "Code"], "barcode"),
        (["select_one_from_file cities.csv", "city", "Stad"], "select_one_from_file"),
        (["select_one_external city", "city", "Stad"], "external select"),
        (["include", "other_form", None], "include"),
    ],
)
def test_unsupported_features_are_refused_with_the_row(tmp_path, row, feature):
    errors = refused(tmp_path, [["type", "name", "label"], ["text", "first", "Eerst"], row])
    mine = [e for e in errors if e.row == 3]
    assert mine, [str(e) for e in errors]
    assert f"'{feature}' is not supported" in mine[0].message
    assert mine[0].field == "type" and mine[0].sheet == "survey"


def test_pulldata_is_refused_with_the_row(tmp_path):
    errors = refused(
        tmp_path,
        [
            ["type", "name", "label", "calculation"],
            ["text", "id", "Id"],
            ["calculate", "fee", None, "pulldata('fees', 'fee', 'id', ${id})"],
        ],
    )
    assert any(e.row == 3 and "pulldata() is not supported" in e.message for e in errors)


# --- the same form on paper, in the store's checks and in the codebook --------------------


@pytest.fixture
def every_type(tmp_path):
    return load(
        tmp_path,
        [
            [
                "type",
                "name",
                "label::English (en)",
                "calculation",
                "relevant",
                "constraint",
                "constraint_message::English (en)",
            ],
            ["start", "begun"],
            ["end", "ended"],
            ["begin group", "main", "Questions"],
            ["integer", "age", "Age", None, None, ". >= 18", "Adults only"],
            ["decimal", "km", "Distance"],
            ["date", "born", "Born"],
            ["calculate", "double", None, "${age} * 2"],
            ["note", "info", "Read this"],
            ["acknowledge", "ok", "Understood?"],
            ["begin group", "more", "More", None, "${age} > 30"],
            ["text", "job", "Job"],
            ["end group"],
            ["end group"],
        ],
        name="every.xlsx",
    )


def test_paper_form_shows_the_new_types(every_type):
    from survey.printable import question_numbers, render_html

    html = render_html(every_type, lang="en")
    assert "Write a whole number." in html and "Write a number." in html
    assert "day / month / year" in html and "Tick to confirm." in html
    assert '<h3 class="subpart" id="g-more">More</h3>' in html
    assert "Read this" in html and "double" not in html
    numbers = question_numbers(every_type)
    assert numbers["age"] == 1 and numbers["ok"] == 4 and "info" not in numbers
    assert "Fill in this part only if your answer to question 1 is greater than 30." in html


def test_store_checks_use_the_forms_messages_and_keep_the_calculation(every_type):
    from survey.flow import check_full

    stored, errors = check_full(every_type, {"age": 17, "km": "x", "ok": "OK"}, "paper")
    assert errors["age"][1] == "Adults only"
    assert errors["km"][1] == data.message("decimal", "en")
    stored, errors = check_full(
        every_type,
        {"age": 40, "km": 1.5, "born": "1986-05-01", "ok": "OK", "job": "nurse"},
        "paper",
    )
    assert errors == {}
    assert stored == {
        "age": 40,
        "km": 1.5,
        "born": "1986-05-01",
        "double": 80,
        "ok": "OK",
        "job": "nurse",
    }
    stored, _ = check_full(every_type, {"age": 20, "job": "nurse"}, "paper")
    assert "job" not in stored  # its group is skipped


def test_codebook_and_answer_table_have_the_new_columns(every_type):
    from report.excel import codebook_table

    cols = {c.name: c for c in every_type.columns()}
    assert [(n, c.kind) for n, c in cols.items()] == [
        ("begun", "metadata"),
        ("ended", "metadata"),
        ("age", "number"),
        ("km", "number"),
        ("born", "date"),
        ("double", "calculated"),
        ("ok", "choice"),
        ("job", "text"),
    ]
    book = codebook_table(every_type.columns()).set_index("column")
    assert book.loc["age", "type"] == "integer" and book.loc["age", "where"] == "Data"
    assert book.loc["begun", "question_en"] == "Response started (UTC)"
    assert book.loc["ok", "codes_en"] == "OK = Acknowledged"
    frame = data.to_frame(every_type, [{"age": 40, "km": 1.5, "born": "1986-05-01", "ok": "OK"}])
    assert frame.loc[0, "age"] == 40.0 and frame.loc[0, "double"] == "80"
    assert frame.loc[0, "born"] == "1986-05-01" and frame["begun"].isna().all()
    trusted = data.to_frame(
        every_type,
        [{"age": 40, "km": 1.5, "born": "1986-05-01", "double": 80, "ok": "OK"}],
        trusted=True,
    )
    assert trusted.loc[0, "age"] == 40.0 and trusted.loc[0, "double"] == "80"


def test_values_from_a_spreadsheet_are_stored_in_one_form(every_type):
    import datetime as dt

    from survey.flow import check_full

    stored, errors = check_full(
        every_type,
        {"age": "40", "km": "2,5", "born": dt.datetime(1986, 5, 1), "ok": "OK"},
        "paper",
    )
    assert errors == {}
    assert (stored["age"], stored["km"], stored["born"]) == (40, 2.5, "1986-05-01")
    _, errors = check_full(every_type, {"age": "forty", "born": "1 May"}, "paper")
    assert errors["age"][1] == data.message("integer", "en")
    assert errors["born"][1] == data.message("date", "en")
