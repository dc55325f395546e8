"""The workbook read back with openpyxl: sheets, tables, formats, charts, and the numbers equal
to the analysis API's to full precision."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from analysis.disclosure import SUPPRESSED
from analysis.wave import disclosed
from report import excel, labels
from tests.export.conftest import sheet_records


def test_every_sheet_is_there_in_order(wb):
    # The order the Leesmij sheet describes, written out (not excel.SHEETS, its source).
    assert wb.sheetnames == [
        "Leesmij",
        "Verantwoording",
        "Resultaten",
        "Trend",
        "Verbeterpunten",
        "Respons",
        "Gewichten",
        "Steekproef",
        "Data",
        "Codeboek",
        "Open antwoorden",
    ]


@pytest.mark.parametrize(
    ("sheet", "tables", "freeze"),
    [
        ("Verantwoording", {"Verantwoording"}, "A6"),  # title, English title, the profile (2 lines)
        ("Resultaten", {"Resultaten"}, "A2"),
        ("Trend", {"Trend"}, "A2"),
        ("Verbeterpunten", {"Verbeterpunten"}, "A3"),
        ("Respons", {"Respons", "Aantallen", "Representativiteit"}, "A5"),
        ("Gewichten", {"Wegingsstappen", "GewichtenPerStratum"}, "A3"),
        ("Steekproef", {"Allocatie"}, None),
        ("Data", {"Data"}, "B2"),
        ("Codeboek", {"Codeboek"}, "A2"),
        ("Open antwoorden", {"OpenAntwoorden"}, None),
    ],
)
def test_tables_with_filters_and_frozen_headers(wb, book, sheet, tables, freeze):
    ws = wb[sheet]
    if sheet == "Verbeterpunten" and book.actions:  # the actions register, when there is one
        tables = tables | {"Acties"}
    assert set(ws.tables) == tables
    for table in ws.tables.values():
        assert table.autoFilter is not None and table.autoFilter.ref == table.ref
        # the table's column names are the header cells
        first = ws[table.ref.split(":")[0]]
        header = [
            c.value
            for c in ws[first.row][first.column - 1 : first.column - 1 + len(table.tableColumns)]
        ]
        assert header == [c.name for c in table.tableColumns]
    assert ws.freeze_panes == freeze


def test_native_charts(wb):
    from openpyxl.chart import BarChart, LineChart

    assert any(isinstance(c, BarChart) for c in wb["Resultaten"]._charts)
    assert any(isinstance(c, LineChart) for c in wb["Trend"]._charts)


# The Resultaten sheet's code columns (at the right; the worded ones are read by people).
BREAKDOWN_CODE = "Uitsplitsing (code) / Breakdown (code)"
GROUP_CODE = "Groep (code) / Group (code)"
KIND_CODE = "Soort (code) / Kind (code)"


def _key(score_id, group_var, group):
    if group_var is None or pd.isna(group_var):  # overall rows: NaN in the API, empty in Excel
        return (score_id, "", "")
    return (score_id, group_var, str(group))


def test_results_equal_the_api_to_full_precision(wb, book):
    api = disclosed(book.result.scores, book.k)
    expected = {_key(r["score_id"], r["group_var"], r["group"]): r for r in api.to_dict("records")}
    rows = [
        r
        for r in sheet_records(wb["Resultaten"])
        if r["Respondenten / Respondents"].startswith("steekproef")
    ]
    assert len(rows) == len(api) > 500
    suppressed = 0
    for r in rows:
        e = expected[_key(r["Score-id"], r[BREAKDOWN_CODE], r[GROUP_CODE])]
        for col, header in [
            ("estimate", "Schatting / Estimate"),
            ("se", "Standaardfout / SE"),
            ("ci_low", "95%-BI onder / CI low"),
            ("ci_high", "95%-BI boven / CI high"),
            ("n", "n"),
        ]:
            want, got = e[col], r[header]
            if want == SUPPRESSED:
                assert got == SUPPRESSED
                suppressed += 1
            elif isinstance(want, float) and math.isnan(want):
                assert got is None
            else:
                assert got == want, (r["Score-id"], col)  # exact: no rounding
                assert type(got) in (int, float)
    assert suppressed > 0  # the demo has small cells (e.g. late training years)
    # the overall headline is exactly WaveAnalysis.headline()
    head = book.result.headline("overall_0_100")
    row = next(r for r in rows if r[KIND_CODE] == "overall_0_100" and r[BREAKDOWN_CODE] is None)
    assert row["Schatting / Estimate"] == head["estimate"]
    assert row["Groep / Group"] == "Totaal / Total" and row["Uitsplitsing / Breakdown"] is None
    assert row[GROUP_CODE] is None


def test_open_link_scores_are_apart_and_unweighted(wb, book):
    by_mode = book.result.scores_by_mode
    open_rows = [
        r
        for r in sheet_records(wb["Resultaten"])
        if r["Respondenten / Respondents"].startswith("open link")
    ]
    api = by_mode[by_mode["mode"] == "open"]
    assert len(open_rows) == len(api) > 0
    est = dict(zip(api["score_id"], api["estimate"], strict=True))
    for r in open_rows:
        assert r["Schatting / Estimate"] == est[r["Score-id"]]


def test_number_formats(wb):
    ws = wb["Resultaten"]
    header = [c.value for c in ws[1]]
    kind_col = header.index(KIND_CODE) + 1
    est_col = header.index("Schatting / Estimate") + 1
    seen = set()
    for row in range(2, ws.max_row + 1):
        kind = ws.cell(row, kind_col).value
        cell = ws.cell(row, est_col)
        if kind is None or not isinstance(cell.value, float):
            continue
        want = "0.0%" if kind in ("top2", "ces_share_5_7") else "0.0"
        assert cell.number_format == want, (row, kind)
        seen.add(want)
    assert seen == {"0.0%", "0.0"}
    resp = wb["Respons"]
    header = [c.value for c in resp[4]]
    rate = resp.cell(5, header.index("Responsgraad / Response rate") + 1)
    assert isinstance(rate.value, float) and rate.number_format == "0.0%"
    description = get_column_letter([c.value for c in ws[1]].index("Omschrijving") + 1)
    assert ws.column_dimensions[description].width >= 20


def test_response_and_weights_sheets_equal_the_api(wb, book):
    rows = sheet_records(wb["Respons"], header_row=4)
    api = labels.worded(book.result.response)  # the total row's code in words
    assert len(rows) == len(api) and api.iloc[-1]["stratum"] == "Totaal / Total"
    for r, (_, e) in zip(rows, api.iterrows(), strict=True):
        assert r["Stratum (code)"] == e["stratum"]  # the code at the right, the name first
        assert r["Responsgraad / Response rate"] == e["rate"]
        assert r["RR1"] == e["RR1"]
    steps = sheet_records(wb["Gewichten"], header_row=2)
    api = book.result.weighting_steps
    assert [s["Stap (code) / Step (code)"] for s in steps] == list(api["step"])
    assert [s["Effectieve n / Effective n"] for s in steps] == list(api["n_eff"])


def test_trend_sheet_equals_the_trend_table(wb, book):
    rows = sheet_records(wb["Trend"])
    t = book.trend
    assert len(rows) == len(t) > 0
    first = rows[0]
    assert first["Score-id"] == t.iloc[0]["score_id"]
    assert first["Verschil / Difference"] == t.iloc[0]["difference"]
    assert first["p"] == t.iloc[0]["p"]
    # each wave's own interval as its own score table gives it (QA finding 25)
    assert first["95%-BI vorige onder / CI previous low"] == t.iloc[0]["prev_ci_low"]
    assert first["95%-BI deze boven / CI this high"] == t.iloc[0]["last_ci_high"]


def test_improvement_points_sheet(wb, book):
    rows = sheet_records(wb["Verbeterpunten"], header_row=2)
    pts = book.result.improvement_points.points
    assert [r["Dimensie (code) / Dimension (code)"] for r in rows] == list(pts["dimension"])
    assert [r["Score (0-100)"] for r in rows] == list(pts["performance"])
    # the bootstrap interval of each importance share, exact as the analysis computed it
    assert [r["Belang 95%-BI onder / Importance CI low"] for r in rows] == list(
        pts["importance_share_ci_low"]
    )
    assert [r["Belang 95%-BI boven / Importance CI high"] for r in rows] == list(
        pts["importance_share_ci_high"]
    )


def test_leesmij_explains_the_marker_and_the_wave(wb, book):
    from report.wording import suppression_note

    texts = [c for row in wb["Leesmij"].iter_rows(values_only=True) for c in row if c is not None]
    assert suppression_note(book.k, "nl") in texts
    assert suppression_note(book.k, "en") in texts
    assert any(isinstance(t, str) and book.wave["name"] in t for t in texts)
    assert any(isinstance(t, str) and t.startswith("ktm ") for t in texts)  # software version
    assert set(excel.SHEETS) <= set(texts)


def test_verantwoording_answers_questions_1_to_11(wb, book):
    rows = sheet_records(wb["Verantwoording"], header_row=5)  # under the profile's two lines
    numbers = [str(r["Nr"]) for r in rows]
    main = sorted({int(re.match(r"\d+", n).group()) for n in numbers})
    assert main == list(range(1, 12))
    for sub in [
        "4a",
        "4b",
        "4c",
        "4d",
        "4e",
        "4f",
        "4g",
        "4h",
        "6a",
        "6b",
        "7a",
        "7b",
        "7c",
        "8a",
        "8b",
    ]:
        assert sub in numbers
    for r in rows:
        assert r["Antwoord"] and r["Antwoord"].strip(), r["Nr"]
        assert r["Answer"] and r["Answer"].strip(), r["Nr"]
        assert r["Bron / Source"]
    by_nr = {str(r["Nr"]): r for r in rows}
    head = book.result.headline("overall_0_100")
    assert f"{head['estimate']:.1f}".replace(".", ",") in by_nr["7a"]["Antwoord"]
    assert book.previous_wave["name"] in by_nr["8a"]["Antwoord"]
    for action in book.actions:  # the actions register (store.actions) feeds question 9a
        assert f"- {action['improvement_point']}:" in by_nr["9a"]["Antwoord"]


def test_data_sheet_one_row_per_response(wb, book):
    rows = sheet_records(wb["Data"])
    responses = book.result.inputs.responses
    assert len(rows) == len(responses)
    assert {r["status"] for r in rows} == {"complete", "partial"}
    assert sorted(r["response_id"] for r in rows) == sorted(responses["response_id"])
    design = book.result.design
    weights = dict(zip(design.data["response_id"], design.weights, strict=True))
    n_weighted = 0
    for r in rows:
        if r["mode"] == "invited" and r["status"] == "complete":
            assert r["weight"] == weights[r["response_id"]]  # exact
            n_weighted += 1
        else:
            assert r["weight"] is None
    assert n_weighted == design.n
    # answers are codes, equal to the stored answers
    by_id = responses.set_index("response_id")
    for r in rows[:50]:
        stored = by_id.loc[r["response_id"], "tevredenheid"]
        assert (r["tevredenheid"] is None) == pd.isna(stored)
        if not pd.isna(stored):
            assert r["tevredenheid"] == stored and isinstance(r["tevredenheid"], int)
    # open text is not in Data; the codebook describes every Data column
    text_cols = {c.name for c in book.columns if c.kind == "text"}
    assert text_cols and not text_cols & set(rows[0])
    codebook = {r["Kolom / Column"] for r in sheet_records(wb["Codeboek"])}
    assert set(rows[0]) <= codebook


def test_codebook_has_question_texts_and_codes(wb, book):
    rows = {r["Kolom / Column"]: r for r in sheet_records(wb["Codeboek"])}
    col = next(c for c in book.columns if c.name == "tevredenheid")
    r = rows["tevredenheid"]
    assert r["Vraag (NL)"] == col.label["nl"] and r["Question (EN)"] == col.label["en"]
    assert r["Type"] == col.type
    assert "10 = " in r["Codes en labels (NL)"] and "10 = " in r["Codes and labels (EN)"]


def test_open_answers_only_for_cells_of_k_or_more(wb, book):
    rows = sheet_records(wb["Open antwoorden"], header_row=3)
    assert rows
    complete = book.result.complete
    sizes = complete["profession"].value_counts()
    for r in rows:
        assert sizes[r["Beroep (code) / Profession (code)"]] >= book.k
    k_big = int(sizes.max()) + 1  # no profession passes: no answer shown
    assert excel.open_answers_table(book.result, k_big).empty
