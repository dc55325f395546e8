"""Frame import: every validation problem is reported with its Excel row; cells stay data."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

import sampling
from sampling.frame import PROFESSION_CODES, FrameError, read_frame

HEADER = ["unit_id", "email", "profession", "training_year", "university", "language"]
GOOD = [
    ["A1", "an.peeters@example.org", "huisarts", 2, "UGent", "nl"],
    ["A2", "bo.maes@example.org", "arts_specialist", 5, "KU Leuven", "en"],
    ["A3", "cas.aerts@example.org", "ziekenhuisapotheker", 1, "UAntwerpen", "nl"],
]


def write_xlsx(path, rows, header=HEADER, text_cells=()):
    """A real .xlsx file; ``text_cells`` (row, col) are forced to be text cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    for r, c in text_cells:
        cell = ws.cell(row=r, column=c)
        cell.data_type = "s"
    wb.save(path)
    return path


def write_csv(path, rows, header=HEADER, sep=";", encoding="utf-8"):
    lines = [sep.join(header)] + [sep.join("" if v is None else str(v) for v in r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def problems_of(exc: FrameError) -> list[tuple]:
    return [(p.row, p.column, p.message) for p in exc.problems]


def one_problem(tmp_path, rows, header=HEADER, **kw):
    with pytest.raises(FrameError) as info:
        read_frame(write_xlsx(tmp_path / "kader.xlsx", rows, header, **kw))
    return info.value


def test_valid_xlsx_with_dutch_headers_and_auxiliary_columns(tmp_path):
    header = [
        "Persoon_ID",
        "E-mail",
        "Beroep",
        "Opleidingsjaar",
        "Universiteit",
        "Taal",
        "eloket_use_12m",
        "Voornaam",
    ]
    rows = [
        [101, "An.Peeters@example.org", "Huisarts", 2, "UGent", "NL", 3, "An"],
        [102.0, "bo@example.org", "arts-specialist", "5", "KU Leuven", "Engels", 0, "Bo"],
        [103, "cas@example.org", "ASO", 1.0, "VUB", "nl", None, "Cas"],
    ]
    frame = read_frame(write_xlsx(tmp_path / "kader.xlsx", rows, header))
    d = frame.data
    assert list(d.columns) == [*HEADER, "first_name", "eloket_use_12m"]
    assert d["unit_id"].tolist() == ["101", "102", "103"]
    assert d["profession"].tolist() == ["huisarts", "arts_specialist", "arts_specialist"]
    assert d["training_year"].tolist() == [2, 5, 1]
    assert d["language"].tolist() == ["nl", "en", "nl"]
    assert d["eloket_use_12m"].tolist()[:2] == [3, 0] and pd.isna(d["eloket_use_12m"].iloc[2])
    assert frame.auxiliary == ("eloket_use_12m",)
    assert frame.column_map["Beroep"] == "profession"
    assert frame.n_units == 3 and len(frame.sha256) == 64
    assert frame.counts() == {"arts_specialist": 2, "huisarts": 1}


def test_formula_looking_cells_stay_text(tmp_path):
    rows = [
        [*GOOD[0], '=HYPERLINK("http://evil")'],
        [*GOOD[1], "+32 9 123"],
        [*GOOD[2], "@SUM(A1)"],
    ]
    path = write_xlsx(
        tmp_path / "k.xlsx", rows, [*HEADER, "opmerking"], text_cells=[(2, 7), (3, 7), (4, 7)]
    )
    frame = read_frame(path)
    assert frame.data["opmerking"].tolist() == [
        '=HYPERLINK("http://evil")',
        "+32 9 123",
        "@SUM(A1)",
    ]
    csv_path = write_csv(tmp_path / "k.csv", rows, [*HEADER, "opmerking"])
    assert read_frame(csv_path).data["opmerking"].tolist() == frame.data["opmerking"].tolist()


def test_csv_semicolon_cp1252_and_bytes_upload(tmp_path):
    rows = [[*r, "Université"] for r in GOOD]
    path = write_csv(tmp_path / "kader.csv", rows, [*HEADER, "opmerking"], encoding="cp1252")
    frame = read_frame(path.read_bytes(), filename="kader.csv")
    assert frame.data["opmerking"].tolist() == ["Université"] * 3
    # Comma-separated UTF-8 with BOM, without a file name: the content decides.
    text = "\ufeff" + ",".join(HEADER) + "\n" + "\n".join(",".join(map(str, r)) for r in GOOD)
    assert read_frame(text.encode("utf-8")).data["unit_id"].tolist() == ["A1", "A2", "A3"]
    # An .xlsx upload as a file object.
    xlsx = write_xlsx(tmp_path / "k.xlsx", GOOD)
    assert read_frame(io.BytesIO(xlsx.read_bytes()), filename="upload.xlsx").n_units == 3


def test_missing_column_suggests_the_closest_header(tmp_path):
    header = ["unit_id", "emial", "profession", "training_year", "university", "language"]
    exc = one_problem(tmp_path, GOOD, header)
    assert len(exc.problems) == 1
    row, column, message = exc.problems[0]
    assert row == 1 and column is None
    assert "'email' ontbreekt" in message and "'emial'" in message


def test_missing_column_without_lookalike_lists_accepted_names(tmp_path):
    header = ["unit_id", "email", "profession", "training_year", "university", "xyz"]
    exc = one_problem(tmp_path, GOOD, header)
    assert exc.problems[0].row == 1
    assert "'language'" in exc.problems[0].message and "taal" in exc.problems[0].message


def test_duplicate_ids_and_emails_case_insensitive(tmp_path):
    rows = [GOOD[0], ["a1", "AN.PEETERS@example.org", "huisarts", 1, "UGent", "nl"], GOOD[1]]
    exc = one_problem(tmp_path, rows)
    assert problems_of(exc) == [
        (3, "unit_id", "id 'a1' komt al voor op rij 2 (duplicate, also on row 2)"),
        (
            3,
            "email",
            "e-mailadres 'AN.PEETERS@example.org' komt al voor op rij 2 (duplicate, also on row 2)",
        ),
    ]


def test_unknown_profession_lists_known_codes(tmp_path):
    exc = one_problem(
        tmp_path, [GOOD[0], ["A9", "x@example.org", "verpleegkundige", 1, "UGent", "nl"]]
    )
    [(row, column, message)] = problems_of(exc)
    assert (row, column) == (3, "profession")
    assert "verpleegkundige" in message and all(code in message for code in PROFESSION_CODES)


@pytest.mark.parametrize(
    "address",
    [
        "geen-adres",
        "a@b",
        "a b@example.org",
        "a@@example.org",
        "a@example..org",
        "x@.org",
        "a.@example.org",
    ],
)
def test_invalid_email(tmp_path, address):
    exc = one_problem(tmp_path, [GOOD[0], ["A9", address, "huisarts", 1, "UGent", "nl"]])
    assert problems_of(exc) == [
        (3, "email", f"ongeldig e-mailadres '{address}' (invalid e-mail address)")
    ]


def test_empty_row_in_the_middle_but_not_trailing(tmp_path):
    rows = [GOOD[0], [None] * 6, GOOD[1], [None] * 6, [None] * 6]
    exc = one_problem(tmp_path, rows)
    assert problems_of(exc) == [(3, None, "lege rij; verwijder ze (empty row; delete it)")]


@pytest.mark.parametrize("year", ["drie", 2.5, 0, 8, True])
def test_training_year_must_be_whole_number_1_to_7(tmp_path, year):
    exc = one_problem(tmp_path, [["A9", "x@example.org", "huisarts", year, "UGent", "nl"]])
    [(row, column, message)] = problems_of(exc)
    assert (row, column) == (2, "training_year") and "1 tot 7" in message


def test_unknown_language_and_missing_values(tmp_path):
    rows = [
        ["A9", "x@example.org", "huisarts", 1, "UGent", "klingon"],
        ["A8", None, "huisarts", 1, "  ", "nl"],
    ]
    exc = one_problem(tmp_path, rows)
    assert [(p.row, p.column) for p in exc.problems] == [
        (2, "language"),
        (3, "email"),
        (3, "university"),
    ]
    assert "nl, en, fr, de" in exc.problems[0].message
    assert exc.problems[1].message == "waarde ontbreekt (missing value)"


def test_header_problems_duplicate_blank_and_reserved(tmp_path):
    header = [*HEADER, "Taal", None, "design_weight"]
    rows = [[*r, "nl", "iets", 1.0] for r in GOOD]
    exc = one_problem(tmp_path, rows, header)
    assert [(p.row, p.column) for p in exc.problems] == [
        (1, "Taal"),
        (1, "kolom H"),
        (1, "design_weight"),
    ]


def test_all_problems_at_once_and_the_same_problem_said_once(tmp_path):
    rows = [[f"A{i}", "zelfde@example.org", "huisarts", 1, "UGent", "nl"] for i in range(60)]
    rows.append(["A99", "bad", "tandarts?", 9, "UGent", "xx"])
    exc = one_problem(tmp_path, rows)
    assert len(exc.problems) == 59 + 4
    text = str(exc)
    assert text.startswith("kader.xlsx: 63 problemen gevonden, er is niets ingelezen")
    # The 59 duplicates of row 2 are one line naming their rows, not 59 lines.
    assert (
        "  - 59 rijen (rows) 3-61, kolom 'email': e-mailadres 'zelfde@example.org' komt al voor "
        "op rij 2 (duplicate, also on row 2)"
    ) in text.splitlines()
    assert "rij 62, kolom 'email': ongeldig e-mailadres 'bad'" in text
    assert text.count("\n  - ") == 5 and exc.all_printed
    table = exc.as_frame()  # the table (and --errors-out) still lists every row
    assert list(table.columns) == ["row", "column", "message"] and len(table) == 63


def test_many_different_problems_are_capped(tmp_path):
    rows = [[f"A{i}", f"fout{i}", "huisarts", 1, "UGent", "nl"] for i in range(60)]
    exc = one_problem(tmp_path, rows)
    text = str(exc)
    assert "rij 2, kolom 'email': ongeldig e-mailadres 'fout0'" in text
    assert "en nog 10 (and 10 more)" in text
    assert text.count("\n  - ") == 50 and not exc.all_printed


def test_rows_of_one_problem_are_listed_compactly():
    from sampling.frame import Problem, row_runs

    assert row_runs([3, 4, 7, 8, 9, 10, 11, 12, 20]) == ["3, 4", "7-12", "20"]
    rows = [3, 4, *range(7, 13), *range(20, 60, 2)]
    exc = FrameError([Problem(r, "beroep", "onbekend beroep 'x'") for r in rows], "kader.csv")
    line = str(exc).splitlines()[1]
    # ten runs of rows named, the rest counted; the column and the problem said once
    assert line == (
        f"  - {len(rows)} rijen (rows) 3, 4, 7-12, 20, 22, 24, 26, 28, 30, 32, 34 "
        f"en {len(rows) - 16} meer (and {len(rows) - 16} more), kolom 'beroep': "
        "onbekend beroep 'x'"
    )
    assert not exc.all_printed  # so the command line offers the full list (--errors-out)
    assert "Verbeter het bestand" in str(exc)  # what to do


def test_unreadable_and_unsupported_files(tmp_path):
    with pytest.raises(FrameError, match="niet ondersteund"):
        read_frame(b"\xd0\xcf\x11\xe0 old excel", filename="kader.xls")
    with pytest.raises(FrameError, match="leeg"):
        read_frame(b"\r\n\r\n", filename="kader.csv")
    with pytest.raises(FrameError, match="geen leesbaar Excel"):
        read_frame(b"PK\x03\x04 broken zip", filename="kader.xlsx")
    with pytest.raises(FrameError, match="kan het bestand niet lezen"):
        read_frame(tmp_path / "missing.xlsx")


def test_frame_error_is_a_value_error_and_validate_frame_works_on_a_dataframe():
    raw = pd.DataFrame(
        [["A1", "a@example.org", "huisarts", "1", "UGent", "nl"]] * 2, columns=HEADER, dtype=object
    )
    with pytest.raises(ValueError) as info:
        sampling.validate_frame(raw, source="frame.xlsx")
    assert isinstance(info.value, sampling.FrameError)
    assert [(p.row, p.column) for p in info.value.problems] == [(3, "unit_id"), (3, "email")]


def test_real_formula_is_never_evaluated(tmp_path):
    # openpyxl writes a formula without a cached result; reading data-only sees no value.
    rows = [["A9", '=CONCAT("a","@example.org")', "huisarts", 1, "UGent", "nl"]]
    exc = one_problem(tmp_path, rows)
    assert problems_of(exc) == [(2, "email", "waarde ontbreekt (missing value)")]
