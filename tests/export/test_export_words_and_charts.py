"""What a person reads on the Resultaten and Trend sheets, read back with openpyxl: the
breakdowns, groups and dimensions in words (their codes kept in columns at the right), and
charts that read labelled cells of the sheet's own table, with no unexplained block beside it."""

from __future__ import annotations

import dataclasses
import io
import re

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from report import excel
from survey.schema import PROFESSIONS
from tests.export.conftest import sheet_records

WORDED = (
    "Respondenten / Respondents",
    "Omschrijving",
    "Description",
    "Dimensie / Dimension",
    "Uitsplitsing / Breakdown",
    "Groep / Group",
)
BREAKDOWN_CODE = "Uitsplitsing (code) / Breakdown (code)"
GROUP_CODE = "Groep (code) / Group (code)"
DIMENSION_CODE = "Dimensie (code) / Dimension (code)"


def _codes(book) -> set[str]:
    """Every code a worded column could leak: breakdowns, professions, dimensions, kinds."""
    scores = book.result.scores
    codes = {str(v) for v in scores["group_var"].dropna()}
    codes |= set(PROFESSIONS)
    codes |= {str(c.dimension) for c in book.columns if c.dimension}
    codes |= {str(v) for v in scores["kind"].dropna()}
    return codes


@pytest.mark.parametrize("profile", ["internal", "publication"])
def test_resultaten_reads_in_words_and_keeps_the_codes_at_the_right(wb, book, profile):
    if profile == "publication":
        raw = excel.workbook_bytes(dataclasses.replace(book, profile="publication"))
        wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb["Resultaten"]
    header = [c.value for c in ws[1]]
    rows = sheet_records(ws)
    assert len(rows) > 500
    codes = _codes(book)
    assert {"profession", "arts_specialist", "globaal"} <= codes  # the test means something
    for r in rows:
        for col in WORDED:
            assert r[col] not in codes, (col, r[col], r["Score-id"])
    # the words are those of report.format, each beside (well: left of) its own code
    breakdowns = {(r[BREAKDOWN_CODE], r["Uitsplitsing / Breakdown"]) for r in rows}
    assert ("profession", "Beroep") in breakdowns
    assert ("training_year", "Opleidingsjaar") in breakdowns
    assert (None, None) in breakdowns  # the overall rows
    assert len({code for code, _ in breakdowns}) == len(breakdowns)  # one word per code
    groups = {(r[GROUP_CODE], r["Groep / Group"]) for r in rows if r[BREAKDOWN_CODE]}
    assert ("arts_specialist", "Arts-specialist in opleiding") in groups
    assert ("huisarts", "Huisarts in opleiding") in groups
    assert (1, 1) in groups  # a training year is its number
    assert {r["Groep / Group"] for r in rows if not r[BREAKDOWN_CODE]} == {"Totaal / Total"}
    dims = {(r[DIMENSION_CODE], r["Dimensie / Dimension"]) for r in rows if r[DIMENSION_CODE]}
    assert ("wijziging_stageplan", "Wijziging stageplan") in dims
    assert ("globaal", "Globaal") in dims
    # a person reads words first: every code column stands right of every worded column
    last_word = max(header.index(h) for h in WORDED)
    for h in ("Score-id", "Soort (code) / Kind (code)", DIMENSION_CODE, BREAKDOWN_CODE, GROUP_CODE):
        assert header.index(h) > last_word, h


def _cells(ref: str) -> list[tuple[str, int, int]]:
    """The cells (sheet, row, column) of a chart reference: one cell, a range, or a union."""
    out = []
    for part in ref.strip("()").split(","):
        sheet, _, area = part.rpartition("!")
        min_col, min_row, max_col, max_row = range_boundaries(area.replace("$", ""))
        sheet = sheet.strip("'").replace("''", "'")
        out += [
            (sheet, r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)
        ]
    return out


def _series_refs(chart):
    for s in chart.series:
        yield (
            s.val.numRef.f,
            s.cat.strRef.f if s.cat is not None and s.cat.strRef is not None else None,
            s.tx.strRef.f if s.tx is not None and s.tx.strRef is not None else None,
        )


def _in_table(ws, name: str, row: int, col: int) -> bool:
    min_col, min_row, max_col, max_row = range_boundaries(ws.tables[name].ref)
    return min_row <= row <= max_row and min_col <= col <= max_col


def _header_of(ws, name: str, col: int) -> str:
    _min_col, min_row, _max_col, _max_row = range_boundaries(ws.tables[name].ref)
    return ws.cell(min_row, col).value


def _column(ws, header: str, row: int = 1) -> int:
    return [c.value for c in ws[row]].index(header) + 1


def _nothing_outside_the_tables(ws) -> None:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                inside = any(_in_table(ws, t, cell.row, cell.column) for t in ws.tables)
                assert inside, f"{ws.title}!{cell.coordinate} = {cell.value!r} outside a table"


def test_the_trend_chart_reads_the_tables_own_labelled_cells(wb, book):
    ws = wb["Trend"]
    assert set(ws.tables) == {"Trend"}
    _nothing_outside_the_tables(ws)  # no second, unexplained block beside the table
    (chart,) = ws._charts
    series = list(_series_refs(chart))
    rows = {r["Score-id"]: r for r in sheet_records(ws)}
    expected = {
        sid
        for sid, r in rows.items()
        if r["Soort (code) / Kind (code)"] in ("overall_0_100", "dimension")
        and isinstance(r["Deze meting / This wave"], float)
        and not r["Niet vergeleken"]
    }
    assert len(series) == len(expected) > 3
    seen = set()
    for values, categories, title in series:
        cells = _cells(values)
        assert [c[0] for c in cells] == ["Trend", "Trend"]
        assert all(_in_table(ws, "Trend", r, c) for _, r, c in cells)
        assert [_header_of(ws, "Trend", c) for _, _, c in cells] == [
            "Vorige meting / Previous",
            "Deze meting / This wave",
        ]
        assert len({r for _, r, _ in cells}) == 1  # one score: one row of the table
        assert [ws.cell(r, c).value for _, r, c in _cells(categories)] == [
            "Vorige meting / Previous",
            "Deze meting / This wave",
        ]
        ((_, r, c),) = _cells(title)
        assert _header_of(ws, "Trend", c) == "Omschrijving" and r == cells[0][1]
        score_id = ws.cell(r, _column(ws, "Score-id")).value
        seen.add(score_id)
        t = book.trend.set_index("score_id").loc[score_id]
        assert [ws.cell(r, c).value for _, r, c in cells] == [
            t["prev_estimate"],
            t["last_estimate"],
        ]
    assert seen == expected
    # both waves are named: in the chart's title
    title = "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))
    assert book.previous_wave["name"] in title and book.wave["name"] in title
    assert all(len(ref) <= excel._SERIES_REF_MAX for s in series for ref in s if ref)


def test_the_results_chart_reads_the_tables_own_labelled_cells(wb, book):
    ws = wb["Resultaten"]
    _nothing_outside_the_tables(ws)
    (chart,) = ws._charts
    ((values, categories, title),) = _series_refs(chart)
    assert len(values) <= excel._SERIES_REF_MAX and len(categories) <= excel._SERIES_REF_MAX
    cells, names = _cells(values), _cells(categories)
    assert len(cells) == len(names) > 3
    assert {_header_of(ws, "Resultaten", c) for _, _, c in cells} == {"Schatting / Estimate"}
    assert {_header_of(ws, "Resultaten", c) for _, _, c in names} == {"Omschrijving"}
    assert [r for _, r, _ in cells] == [r for _, r, _ in names]
    ((_, r, c),) = _cells(title)
    assert ws.cell(r, c).value == "Schatting / Estimate"
    header = [x.value for x in ws[1]]
    kind = header.index("Soort (code) / Kind (code)") + 1
    breakdown = header.index(BREAKDOWN_CODE) + 1
    for _, r, _ in cells:
        assert ws.cell(r, kind).value in ("overall_0_100", "dimension")
        assert ws.cell(r, breakdown).value is None
    head = book.result.headline("overall_0_100")
    assert head["estimate"] in [ws.cell(r, c).value for _, r, c in cells]


def test_too_many_scores_for_one_reference_get_a_headed_block_below(book, monkeypatch):
    monkeypatch.setattr(excel, "_SERIES_REF_MAX", 40)
    wb = openpyxl.load_workbook(io.BytesIO(excel.workbook_bytes(book)))
    ws = wb["Resultaten"]
    (chart,) = ws._charts
    ((values, categories, _title),) = _series_refs(chart)
    assert re.fullmatch(r"Resultaten!\$A\$\d+:\$A\$\d+", categories), categories
    _min_col, _min_row, _max_col, table_end = range_boundaries(ws.tables["Resultaten"].ref)
    cells, names = _cells(values), _cells(categories)
    first = names[0][1]
    assert first > table_end + 1  # below the table, not beside it
    head = [ws.cell(r, 1).value for r in range(table_end + 1, first)]
    assert "Gegevens van de grafiek / Chart data" in head
    assert ws.cell(first - 1, 1).value == "Omschrijving"
    assert ws.cell(first - 1, 2).value == "Score (0-100)"
    assert [r for _, r, _ in cells] == [r for _, r, _ in names]
    assert {c for _, _, c in cells} == {2} and {c for _, _, c in names} == {1}
    shown = {ws.cell(r, 1).value: ws.cell(r, 2).value for _, r, _ in names}
    head = book.result.headline("overall_0_100")
    assert shown["Algemene tevredenheid (0-100)"] == head["estimate"]
