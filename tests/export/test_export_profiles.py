"""No suppressed cell is given away anywhere in the workbook, and the workbook has an internal
(confidential) and a publication profile (issue 19.3)."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter

import openpyxl
import pandas as pd
import pytest

from analysis.disclosure import LEFT_OUT, SUPPRESSED, coarsen_microdata
from ktm.cli import main
from report import excel
from tests.export.conftest import sheet_records

QUASI = ("profession", "training_year", "university", "language", "response_language", "mode")
FIGURES = (
    "Schatting / Estimate",
    "Standaardfout / SE",
    "95%-BI onder / CI low",
    "95%-BI boven / CI high",
    "Vrijheidsgraden / df",
    "n",
    "Graad / Grade",
)


@pytest.fixture(scope="module")
def publication(book):
    raw = excel.workbook_bytes(dataclasses.replace(book, profile="publication"))
    return openpyxl.load_workbook(io.BytesIO(raw))


def _suppressed_rows(wb):
    return [r for r in sheet_records(wb["Resultaten"]) if r["Schatting / Estimate"] == SUPPRESSED]


def test_a_suppressed_row_shows_no_figure_in_any_column(wb):
    rows = _suppressed_rows(wb)
    assert len(rows) >= 5  # the demo has small professions: the test means something
    for r in rows:
        shown = {h: r.get(h) for h in FIGURES if r.get(h) not in (SUPPRESSED, None, "")}
        assert shown == {}, (r["Score-id"], r["Groep / Group"], shown)


def test_the_dashboard_headline_hides_df_and_n_when_suppressed():
    import pandas as pd

    from ktm.dashboard import _row_disclosed

    row = pd.Series({"estimate": 71.0, "se": 3.0, "ci_low": 65, "ci_high": 77, "df": 2, "n": 3})
    out = _row_disclosed(row, 5)
    assert out["suppressed"] and all(out[c] is None for c in ("estimate", "se", "df", "n"))


def test_the_publication_data_cannot_give_a_suppressed_cell_away(publication):
    # by the codes (the Data sheet's values are codes), kept at the right of Resultaten
    suppressed = {
        (r["Uitsplitsing (code) / Breakdown (code)"], str(r["Groep (code) / Group (code)"]))
        for r in _suppressed_rows(publication)
        if r.get("Uitsplitsing (code) / Breakdown (code)")
    }
    assert suppressed  # there is something to protect
    data = sheet_records(publication["Data"])
    assert data, "the publication keeps microdata"
    for column, group in suppressed:
        values = {str(row.get(column)) for row in data}
        assert group not in values, (column, group)


def test_every_combination_of_quasi_identifiers_holds_k_respondents(publication, book):
    data = sheet_records(publication["Data"])
    header = list(data[0])
    quasi = [c for c in QUASI if c in header]
    sizes = Counter(tuple(row.get(c) for c in quasi) for row in data)
    assert min(sizes.values()) >= book.k
    for dropped in ("response_id", "stratum", "design_weight", "weight"):
        assert dropped not in header


def test_the_publication_has_no_open_answers_and_says_which_profile_it_is(publication, wb, book):
    texts = [
        c for row in publication["Open antwoorden"].iter_rows(values_only=True) for c in row if c
    ]
    assert texts == [
        "Open antwoorden zijn weggelaten in het publicatieprofiel.",
        "Open answers are left out of the publication profile.",
    ]
    open_texts = {
        r["Antwoord / Answer"] for r in sheet_records(wb["Open antwoorden"], header_row=3)
    }
    assert open_texts  # the internal profile has them
    everything = " ".join(
        str(c) for ws in publication for row in ws.iter_rows(values_only=True) for c in row if c
    )
    assert not any(t in everything for t in open_texts)

    def verantwoording(book_):
        return " ".join(
            str(c) for row in book_["Verantwoording"].iter_rows(values_only=True) for c in row if c
        )

    assert "Publicatieprofiel" in verantwoording(publication)
    assert "VERTROUWELIJK - intern profiel" in verantwoording(wb)
    assert "VERTROUWELIJK" in wb.properties.title


def test_coarsening_steps_until_k_anonymous():
    df = pd.DataFrame(
        {
            "profession": ["huisarts"] * 6 + ["arts_specialist"] * 2 + ["tandarts_specialist"] * 5,
            "training_year": [1, 2, 1, 2, 1, 2, 3, 4, 5, 6, 7, 5, 6],
            "university": ["UGent"] * 13,
            "language": ["nl"] * 12 + ["en"],
            "x": range(13),
        }
    )
    out, steps = coarsen_microdata(df, ["profession", "training_year", "university", "language"], 3)
    assert (out["language"] == LEFT_OUT).all()
    assert set(out["profession"]) == {"arts", "tandarts"}
    assert set(out["training_year"]) <= {"1-2", "3-4", "5-7", LEFT_OUT}
    assert out.groupby(["profession", "training_year", "university"]).size().min() >= 3
    assert [c for c, _ in steps][:1] == ["language"]
    # A variable with a suppressed cell is left out whatever its counts.
    out2, _ = coarsen_microdata(df, ["profession"], 2, never_alone=["profession"])
    assert (out2["profession"] == LEFT_OUT).all()
    # Fewer than k rows in all: nothing is published.
    assert len(coarsen_microdata(df.head(2), ["profession"], 3)[0]) == 0


def test_cli_export_takes_the_profile(export_db, tmp_path, capsys):
    out = tmp_path / "pub.xlsx"
    rc = main(
        [
            "export",
            "--wave",
            "latest",
            "--out",
            str(out),
            "--profile",
            "publication",
            "--database",
            export_db,
        ]
    )
    assert rc == 0
    assert "profiel / profile publication" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    assert "response_id" not in [c.value for c in wb["Data"][1]]
    assert wb.properties.keywords == "ktm-profile=publication"
