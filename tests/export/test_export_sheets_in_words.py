"""The sheets a civil servant reads, read back with openpyxl from the file `ktm export` wrote:
words first (the app's vocabulary), the codes kept in "(code)" columns at the right for the
analysts; Data and Codeboek keep the codes (they are the analysts' variables)."""

from __future__ import annotations

import openpyxl
import pytest

from ktm.cli import main
from survey.schema import PROFESSIONS
from tests.export.conftest import sheet_records

FRAME_VARIABLES = {"profession", "training_year", "university", "language", "eloket_use_12m"}
KINDS = {
    "overall",
    "overall_0_100",
    "top2",
    "item",
    "dimension",
    "ces_mean",
    "ces_share_5_7",
    "umux_lite",
    "umux_sus_eq",
    "sus",
}
MODES = {"invited", "open", "paper", "post_contact"}


@pytest.fixture(scope="module")
def exported(export_db, latest_wave, tmp_path_factory):
    """The workbook of the latest closed wave as the command writes it, opened by openpyxl."""
    out = tmp_path_factory.mktemp("words") / "meting.xlsx"
    assert main(["export", "--database", export_db, "--wave", "latest", "--out", str(out)]) == 0
    return openpyxl.load_workbook(out)


def _codes(book) -> set[str]:
    """Every code a worded column could leak."""
    codes = set(PROFESSIONS) | FRAME_VARIABLES | KINDS | MODES
    codes |= {str(c.dimension) for c in book.columns if c.dimension}
    codes |= {"stratified", "census", "proportional", "neyman", "minimum", "planned", "done"}
    codes |= {"in_progress", "design", "nonresponse", "raking", "trimming", "complete_open"}
    return codes


def _header(ws, row: int) -> list:
    return [c.value for c in ws[row]]


def _words_then_codes(ws, row: int, words: list[str], codes: list[str], book) -> list[dict]:
    """The table at ``row``: no code in a worded column, every code column right of them."""
    header = _header(ws, row)
    rows = sheet_records(ws, header_row=row)
    assert rows, ws.title
    leaks = _codes(book)
    for r in rows:
        for col in words:
            assert r[col] not in leaks, (ws.title, col, r[col])
    last_word = max(header.index(h) for h in words)
    for h in codes:
        assert header.index(h) > last_word, (ws.title, h)
    return rows


def test_trend_reads_in_words_and_keeps_the_codes_at_the_right(exported, book):
    ws = exported["Trend"]
    words = ["Omschrijving", "Description", "Soort / Kind", "Dimensie / Dimension"]
    codes = ["Score-id", "Soort (code) / Kind (code)", "Dimensie (code) / Dimension (code)"]
    rows = _words_then_codes(ws, 1, words, [*codes, "Item (code)"], book)
    t = book.trend
    assert [r["Score-id"] for r in rows] == list(t["score_id"])
    assert [r["Soort (code) / Kind (code)"] for r in rows] == list(t["kind"])
    pairs = {(r["Soort (code) / Kind (code)"], r["Soort / Kind"]) for r in rows}
    # the app's names of the score kinds (the Resultaten page's metrics and filters)
    assert ("overall_0_100", "Algemene tevredenheid (0-100)") in pairs
    assert ("top2", "Top-2-box (aandeel tevreden)") in pairs
    assert ("item", "Vragen (0-100)") in pairs
    assert len({code for code, _ in pairs}) == len(pairs)  # one word per code
    dims = {(r["Dimensie (code) / Dimension (code)"], r["Dimensie / Dimension"]) for r in rows}
    assert ("wijziging_stageplan", "Wijziging stageplan") in dims
    # an aspect's English description is English (it was its Dutch code capitalised)
    by_id = {r["Score-id"]: r for r in rows}
    assert by_id["dimension:doorlooptijd"]["Description"] == "Processing time (0-100)"
    assert by_id["dimension:doorlooptijd"]["Omschrijving"] == "Doorlooptijd (0-100)"


def test_the_trend_chart_follows_the_moved_columns(exported):
    ws = exported["Trend"]
    header = _header(ws, 1)
    (chart,) = ws._charts
    letters = {
        openpyxl.utils.get_column_letter(header.index(h) + 1): h
        for h in ("Omschrijving", "Vorige meting / Previous", "Deze meting / This wave")
    }
    for s in chart.series:
        title = s.tx.strRef.f.split("!")[1].replace("$", "")
        assert letters[title.rstrip("0123456789")] == "Omschrijving"
        values = {p.split("!")[1].replace("$", "") for p in s.val.numRef.f.strip("()").split(",")}
        assert {letters[v.rstrip("0123456789")] for v in values} == {
            "Vorige meting / Previous",
            "Deze meting / This wave",
        }
        kind = ws.cell(
            int(title.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
            header.index("Soort (code) / Kind (code)") + 1,
        ).value
        assert kind in ("overall_0_100", "dimension")


def test_verbeterpunten_names_each_aspect_in_both_languages(exported, book):
    ws = exported["Verbeterpunten"]
    code = "Dimensie (code) / Dimension (code)"
    rows = _words_then_codes(ws, 2, ["Aspect", "Aspect (EN)", "Kwadrant", "Quadrant"], [code], book)
    pts = book.result.improvement_points.points
    assert [r[code] for r in rows] == list(pts["dimension"])
    names = {r[code]: (r["Aspect"], r["Aspect (EN)"]) for r in rows}
    assert names["doorlooptijd"] == ("Doorlooptijd", "Processing time")
    assert names["opvolging"] == ("Opvolging", "Follow-up")
    assert all(nl != en for nl, en in names.values()), names  # no Dutch word in the EN column
    # the actions: the point and the status in words, their codes at the right
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Acties / Actions")
    point, status = "Verbeterpunt (code) / Improvement point (code)", "Status (code)"
    actions = _words_then_codes(
        ws, top + 1, ["Verbeterpunt / Improvement point", "Status"], [point, status], book
    )
    assert [(a[point], a[status]) for a in actions] == [
        (a["improvement_point"], a["status"]) for a in book.actions
    ]
    seen = {(a[point], a["Verbeterpunt / Improvement point"], a["Status"]) for a in actions}
    assert ("doorlooptijd", "Doorlooptijd", "In uitvoering") in seen
    assert ("informatie", "Informatie", "Gepland") in seen


def test_respons_names_the_strata_counts_and_frame_variables(exported, book):
    ws = exported["Respons"]
    rows = _words_then_codes(ws, 4, ["Stratum"], ["Stratum (code)"], book)
    for r in rows[:-1]:
        assert r["Stratum"] == PROFESSIONS[r["Stratum (code)"]]["nl"]  # as the Respons page
    assert rows[-1]["Stratum"] == "Totaal / Total"
    assert [r["Stratum (code)"] for r in rows[:-1]] == list(book.result.response["stratum"])[:-1]
    header = _header(ws, 4)
    assert None not in header and "reachable" not in header  # every column has its header
    starts = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    counts = _words_then_codes(
        ws, starts["Wat / What"], ["Wat / What"], ["Wat (code) / What (code)"], book
    )
    assert {c["Wat (code) / What (code)"]: c["n"] for c in counts} == book.result.counts
    assert {c["Wat (code) / What (code)"]: c["Wat / What"] for c in counts}["partial"] == (
        "Gedeeltelijk ingevuld"
    )
    rep = _words_then_codes(
        ws,
        starts["Variabele / Variable"],
        ["Variabele / Variable"],
        ["Variabele (code) / Variable (code)"],
        book,
    )
    words = {(r["Variabele (code) / Variable (code)"], r["Variabele / Variable"]) for r in rep}
    assert ("profession", "Beroep") in words and ("training_year", "Opleidingsjaar") in words


def test_steekproef_says_the_design_in_words(exported, book):
    ws = exported["Steekproef"]
    facts = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(2, 14)}
    assert facts["Ontwerp / Design"] == (
        "Gestratificeerde aselecte steekproef / Stratified random sample"
    )
    assert facts["Strata"] == "Beroep / Profession"
    assert facts["Allocatie / Allocation"] == "Proportioneel / Proportional"
    assert book.sample_info["parameters"] == {"minimum": 40}  # the test means something
    assert facts["Parameters"] == "minimum per stratum: 40"
    assert facts["Hulpvariabelen / Auxiliary variables"] == (
        "gebruik e-loket (12 maanden) / e-loket use (12 months)"
    )
    for value in facts.values():
        assert not (isinstance(value, str) and value.startswith(("{", "["))), value
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Stratum")
    rows = _words_then_codes(ws, top, ["Stratum"], ["Stratum (code)"], book)
    assert {r["Stratum (code)"]: r["Stratum"] for r in rows} == {
        h: PROFESSIONS[h]["nl"] for h in book.sample_info["allocation"]
    }


def test_gewichten_names_the_steps_and_strata(exported, book):
    ws = exported["Gewichten"]
    steps = _words_then_codes(ws, 2, ["Stap", "Step"], ["Stap (code) / Step (code)"], book)
    assert [s["Stap (code) / Step (code)"] for s in steps] == list(
        book.result.weighting_steps["step"]
    )
    assert steps[0]["Stap"] == "Designgewichten (steekproef)"
    top = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value == "Stratum")
    per = _words_then_codes(ws, top, ["Stratum"], ["Stratum (code)"], book)
    assert all(r["Stratum"] == PROFESSIONS[r["Stratum (code)"]]["nl"] for r in per)


def test_open_answers_name_the_profession_and_mode(exported, book):
    ws = exported["Open antwoorden"]
    prof, mode = "Beroep (code) / Profession (code)", "Wijze (code) / Mode (code)"
    rows = _words_then_codes(
        ws,
        3,
        ["Vraag", "Beroep / Profession", "Wijze / Mode"],
        ["Vraag-id (code) / Item (code)", prof, mode],
        book,
    )
    assert {r[prof] for r in rows} <= set(PROFESSIONS)
    assert all(r["Beroep / Profession"] == PROFESSIONS[r[prof]]["nl"] for r in rows)
    assert {(r[mode], r["Wijze / Mode"]) for r in rows} >= {("invited", "Uitgenodigd (steekproef)")}


def test_verantwoording_names_the_frame_variables(exported):
    ws = exported["Verantwoording"]
    rows = sheet_records(ws, header_row=5)
    answers = [r[h] for r in rows for h in ("Antwoord", "Answer") if isinstance(r[h], str)]
    text = " ".join(answers)
    assert "opleidingsjaar" in text and "training year" in text
    for code in ("training_year", "eloket_use_12m", "overall_0_100", "algemeen_tandarts"):
        assert code not in text, code


def test_sample_parameters_in_words_in_both_languages():
    from report import labels

    params = {"minimum": 40, "confidence": 0.95, "response_rate": 0.3, "sort_by": ["university"]}
    assert labels.parameters(params, "nl") == (
        "minimum per stratum: 40; betrouwbaarheid: 95,0%; verwachte responsgraad: 30,0%; "
        "gesorteerd op (impliciete stratificatie): universiteit"
    )
    assert labels.parameters(params, "en") == (
        "minimum per stratum: 40; confidence: 95.0%; expected response rate: 30.0%; "
        "sorted by (implicit strata): university"
    )
    assert labels.parameters({"new_knob": 1500}, "nl") == "new_knob: 1.500"  # unknown: its name
    assert labels.parameters({}) is None and labels.parameters(None) is None
