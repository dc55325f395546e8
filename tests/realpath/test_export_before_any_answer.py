"""A wave exported before anyone answered (the team trying the export on its first day):
every format is written and reads back, empty where there are no answers. The Excel export
crashed on it ("cannot reindex on an axis with duplicate labels")."""

from __future__ import annotations

import docx
import openpyxl
import pyreadstat

from tests.realpath.test_cli_two_measurements import QUESTIONNAIRE, ktm


def test_every_format_of_a_wave_without_answers(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'ktm.sqlite3'}"
    ktm(url, "questionnaire", "publish", str(QUESTIONNAIRE), capsys=capsys)
    ktm(url, "wave", "create", "--name", "Eerste dag", "--start", "2026-11-02",
        "--end", "2027-01-29", "--questionnaire", "latest", capsys=capsys)  # fmt: skip
    for profile in ("internal", "publication"):
        out = tmp_path / f"{profile}.xlsx"
        said = ktm(url, "export", "--wave", "1", "--profile", profile, "--out", str(out),
                   capsys=capsys)  # fmt: skip
        assert "0 antwoorden" in said
        book = openpyxl.load_workbook(out, read_only=True)
        assert "Verantwoording" in book.sheetnames and "Resultaten" in book.sheetnames
        header = next(book["Resultaten"].iter_rows(values_only=True))
        assert header[0] == "Respondenten / Respondents"
    ktm(url, "export", "--wave", "1", "--format", "docx", "--out", str(tmp_path / "a.docx"),
        capsys=capsys)  # fmt: skip
    assert docx.Document(tmp_path / "a.docx").paragraphs
    ktm(url, "export", "--wave", "1", "--format", "sav", "--out", str(tmp_path / "sav"),
        capsys=capsys)  # fmt: skip
    data, _meta = pyreadstat.read_sav(str(next((tmp_path / "sav").glob("*.sav"))))
    assert len(data) == 0
