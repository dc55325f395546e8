"""The workbook prints: every sheet A4, fit to the page width (landscape where wide), its header
row repeated, the wave and the page number in the header and footer, wrapped texts with row
heights that fit; LibreOffice (headless, as a reader would print it) turns the demo wave's
workbook into a few dozen pages at most (it was 316 before the print set-up).

The conversion needs Debian's libreoffice-calc (`soffice`), which .ci/run installs."""

from __future__ import annotations

import math
import shutil

import pytest

from benchmarks.bench_print import pdf_pages, to_pdf

MAX_PAGES = 40


def test_every_sheet_is_set_up_for_a4_fit_to_width_with_headers_and_page_numbers(wb, book):
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert str(setup.paperSize) == ws.PAPERSIZE_A4, ws.title  # "9" = A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        if ws.tables:
            assert ws.print_title_rows, ws.title  # the table's header on every page
        assert book.wave["name"] in ws.oddHeader.left.text, ws.title
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text, ws.title
    wide = [ws.title for ws in wb.worksheets if ws.page_setup.orientation == "landscape"]
    assert {"Resultaten", "Data", "Verantwoording"} <= set(wide)


def test_the_verantwoording_rows_are_tall_enough_for_their_wrapped_answers(wb):
    from openpyxl.utils import get_column_letter, range_boundaries

    ws = wb["Verantwoording"]
    # The table's own header row (it starts under the title and the export profile's lines).
    _, top, _, _ = range_boundaries(ws.tables["Verantwoording"].ref)
    header = [c.value for c in ws[top]]
    answer = header.index("Antwoord") + 1
    width = ws.column_dimensions[get_column_letter(answer)].width
    checked = 0
    for r in range(top + 1, ws.max_row + 1):
        text = ws.cell(r, answer).value
        if not text:
            continue
        assert ws.cell(r, answer).alignment.wrap_text
        # At least one line per 1.2 x the column's width in characters (a generous width per
        # character), so the next answer never prints over this one.
        need = sum(math.ceil(len(part) / (1.2 * width)) or 1 for part in str(text).split("\n"))
        height = ws.row_dimensions[r].height or 15.0
        assert height >= 15.0 * need * 0.99, (r, need, height)
        checked += 1
    assert checked >= 15


@pytest.mark.slow
def test_the_demo_wave_prints_in_a_few_dozen_pages(xlsx, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    path = tmp_path / "demo-wave.xlsx"
    path.write_bytes(xlsx)
    pages = pdf_pages(to_pdf(path, tmp_path).read_bytes())
    assert 11 <= pages <= MAX_PAGES  # at least one page per sheet
