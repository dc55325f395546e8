"""Frame import refuses columns that identify a person and characters no person types
(issue 19, items 2a, 6 and 8): by header and by content, with the row and the column."""

from __future__ import annotations

import pytest

from sampling import identifiers
from sampling.frame import FrameError, read_frame
from tests.sampling.test_sampling_frame import GOOD, HEADER, write_csv, write_xlsx


def _rrn(yymmdd: str, serial: str, born_2000: bool = False) -> str:
    body = int(("2" if born_2000 else "") + yymmdd + serial)
    check = 97 - body % 97
    return f"{yymmdd[:2]}.{yymmdd[2:4]}.{yymmdd[4:]}-{serial}.{check:02d}"


def _refused(tmp_path, extra_header, values, writer=write_xlsx, name="kader.xlsx"):
    rows = [[*row, value] for row, value in zip(GOOD, values, strict=True)]
    with pytest.raises(FrameError) as info:
        read_frame(writer(tmp_path / name, rows, [*HEADER, extra_header]))
    return [(p.row, p.column, p.message) for p in info.value.problems]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("telefoon", "telefoonnummers"),
        ("GSM", "telefoonnummers"),
        ("Rijksregisternummer", "rijksregisternummers"),
        ("INSZ", "rijksregisternummers"),
        ("IBAN", "bankrekeningnummers"),
        ("werk e-mail", "e-mailadressen"),
        ("geboortedatum", "geboortedata"),
    ],
)
def test_an_identifying_column_is_refused_by_its_header(tmp_path, header, kind):
    problems = _refused(tmp_path, header, ["x", "y", "z"])
    [(row, column, message)] = problems
    assert (row, column) == (1, header)
    assert kind in message and "verwijder de kolom" in message and "delete the column" in message


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["", _rrn("850730", "033"), ""], "rijksregisternummers"),
        (["", "", _rrn("050101", "123", born_2000=True)], "rijksregisternummers"),
        (["", "+32 470 12 34 56", ""], "telefoonnummers"),
        (["", "0470/12.34.56", ""], "telefoonnummers"),
        (["", "", "privé: an@gmail.com"], "e-mailadressen"),
        (["BE68 5390 0754 7034", "", ""], "bankrekeningnummers"),
    ],
)
def test_an_identifying_column_is_refused_by_its_content(tmp_path, values, kind):
    problems = _refused(tmp_path, "extra", values)
    [(row, column, message)] = problems
    first = next(i for i, v in enumerate(values) if v) + 2
    assert (row, column) == (first, "extra")
    assert kind in message
    # The value itself is not repeated: the message may end up in a log.
    assert all(v not in message for v in values if v)


def test_harmless_auxiliary_columns_are_kept(tmp_path):
    rows = [
        [*r, n, note]
        for r, n, note in zip(GOOD, [3, 12, 0], ["ok", "2024-05-01", "12,5"], strict=True)
    ]
    frame = read_frame(write_xlsx(tmp_path / "k.xlsx", rows, [*HEADER, "aanvragen", "opmerking"]))
    assert frame.auxiliary == ("aanvragen", "opmerking")


def test_national_register_check_digits():
    assert identifiers.national_register_ok(_rrn("850730", "033"))
    assert identifiers.national_register_ok(_rrn("010203", "455", born_2000=True))
    assert not identifiers.national_register_ok("85.07.30-033.00")  # wrong check
    assert identifiers.identifying_value(
        int(_rrn("850730", "033").replace(".", "").replace("-", ""))
    )


@pytest.mark.parametrize("bad", ["nul\x00byte", "bell\x07", "esc\x1b[0m"])
def test_control_characters_in_a_cell_are_refused_with_row_and_column(tmp_path, bad):
    rows = [list(r) for r in GOOD]
    rows[1][5] = "en"
    header = [*HEADER, "naam"]
    rows = [[*r, n] for r, n in zip(rows, ["An", bad, "Cas"], strict=True)]
    with pytest.raises(FrameError) as info:
        read_frame(write_csv(tmp_path / "k.csv", rows, header), filename="k.csv")
    [(row, column, message)] = [(p.row, p.column, p.message) for p in info.value.problems]
    assert (row, column) == (3, "naam")
    assert "stuurteken" in message and "control character" in message


def test_a_frame_with_headers_and_no_rows_is_refused(tmp_path):
    with pytest.raises(FrameError) as info:
        read_frame(write_csv(tmp_path / "leeg.csv", [], HEADER), filename="leeg.csv")
    assert "geen enkele eenheid" in str(info.value) and "no units" in str(info.value)
