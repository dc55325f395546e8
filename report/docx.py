"""The draft written answer to the parliamentary question, as a Word document (python-docx).

The cabinet writes the minister's answer in Word: this document follows the question's numbering
(1, 2, 3, 4 a-h, 5 ... 11) and gives, per question, the same answer as the Verantwoording sheet
of the workbook (one function writes both: :func:`report.accountability.answer_rows`), so every
figure in it equals the workbook's. After the answers: the overall score with its 95% interval
and the previous measurement, as a table and a chart.
"""

from __future__ import annotations

import io
import math

from report import accountability
from report import format as fmt
from report.excel import WorkbookInput

TITLE = {
    "nl": "Schriftelijke vraag nr. 192 van 15 januari 2024: klanttevredenheid",
    "en": "Written question no. 192 of 15 January 2024: customer satisfaction",
}
DRAFT = {
    "nl": "Ontwerp van antwoord, opgesteld uit de gegevens van {wave}.",
    "en": "Draft answer, drawn up from the data of {wave}.",
}
ANSWER = {"nl": "Antwoord", "en": "Answer"}
SOURCE = {"nl": "Bron in de meettool", "en": "Source in the measurement tool"}
ANNEX = {"nl": "Bijlage: algemene tevredenheid", "en": "Annex: overall satisfaction"}
DIFFERENCE = {
    "nl": "Verschil met de vorige meting",
    "en": "Difference with the previous measurement",
}
HEADERS = {
    "nl": ("Meting", "Score (0-100)", "95%-interval", "Antwoorden / toets"),
    "en": ("Measurement", "Score (0-100)", "95% interval", "Responses / test"),
}


def _interval(low: float, high: float, lang: str) -> str:
    # "tot"/"to": a dash between two numbers reads as a minus sign when the first is negative.
    return f"{fmt.number(low, fmt.SCORE_DECIMALS, lang)} {'tot' if lang == 'nl' else 'to'} {fmt.number(high, fmt.SCORE_DECIMALS, lang)}"


def score_rows(book: WorkbookInput, lang: str = "nl") -> list[tuple[str, str, str, str]]:
    """The annex table: the previous measurement (when there is one) and this one."""
    rows = []
    figures = accountability.figures_of(book.result) or {}
    head = (figures.get("scores") or {}).get("overall_0_100")
    comparison = accountability.comparison_of(book.previous_wave, book.trend)
    if comparison is not None:
        # The previous wave as the workbook's Trend sheet gives it: its score and n.
        rows.append(
            (
                str(comparison["prev_name"]),
                fmt.number(comparison["prev_estimate"], fmt.SCORE_DECIMALS, lang),
                "-",
                fmt.integer(comparison["prev_n"], lang),
            )
        )
    if head:
        rows.append(
            (
                str(book.wave.get("name")),
                fmt.number(head["estimate"], fmt.SCORE_DECIMALS, lang),
                _interval(head["ci_low"], head["ci_high"], lang),
                fmt.integer(head["n"], lang),
            )
        )
    if comparison is not None and head:
        rows.append(
            (
                DIFFERENCE[lang],
                fmt.number(comparison["difference"], fmt.SCORE_DECIMALS, lang, signed=True),
                _interval(comparison["ci_low"], comparison["ci_high"], lang),
                str(comparison["change_" + lang]),
            )
        )
    return rows


def _chart(book: WorkbookInput, lang: str) -> bytes | None:
    """A PNG of the overall score per measurement with its interval (None without a score)."""
    figures = accountability.figures_of(book.result) or {}
    head = (figures.get("scores") or {}).get("overall_0_100")
    if not head:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names, est, lo, hi = [], [], [], []
    comparison = accountability.comparison_of(book.previous_wave, book.trend)
    if comparison is not None:
        names.append(str(comparison["prev_name"]))
        est.append(comparison["prev_estimate"])
        lo.append(comparison.get("prev_ci_low", math.nan))  # that wave's own (t) interval
        hi.append(comparison.get("prev_ci_high", math.nan))
    names.append(str(book.wave.get("name")))
    est.append(head["estimate"])
    lo.append(head["ci_low"])
    hi.append(head["ci_high"])
    fig, ax = plt.subplots(figsize=(6, 3), dpi=150)
    xs = range(len(names))
    ax.errorbar(
        xs,
        est,
        yerr=[
            [e - a for e, a in zip(est, lo, strict=True)],
            [b - e for e, b in zip(est, hi, strict=True)],
        ],
        fmt="o-",
        color="#1f4e79",
        capsize=4,
    )
    for x, e in zip(xs, est, strict=True):
        ax.annotate(
            fmt.number(e, fmt.SCORE_DECIMALS, lang),
            (x, e),
            textcoords="offset points",
            xytext=(8, 4),
        )
    ax.set_xticks(list(xs), names)
    ax.set_xlim(-0.5, len(names) - 0.5)  # room for the value labels beside the outer points
    ax.set_ylim(0, 100)
    ax.set_ylabel("Score (0-100)")
    ax.set_title(
        "Algemene tevredenheid met 95%-interval"
        if lang == "nl"
        else "Overall satisfaction with 95% interval"
    )
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def answer_document(book: WorkbookInput, lang: str = "nl") -> bytes:
    """The .docx of the draft answer in ``lang`` (nl or en)."""
    from docx import Document
    from docx.shared import Cm, Pt

    if lang not in ("nl", "en"):
        raise ValueError(f"language {lang!r}: choose nl or en")
    comparison = accountability.comparison_of(book.previous_wave, book.trend)
    rows = accountability.answer_rows(
        book.wave, book.result, comparison, book.actions, book.sample_info, audit=book.audit
    )
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.5)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    doc.core_properties.title = TITLE[lang]
    doc.core_properties.language = "nl-BE" if lang == "nl" else "en-GB"
    doc.add_heading(TITLE[lang], level=1)
    doc.add_paragraph(DRAFT[lang].format(wave=book.wave.get("name")))
    for row in rows:
        number = row["number"]
        p = doc.add_paragraph()
        run = p.add_run(f"{number}. {row['question_' + lang]}")
        run.bold = True
        doc.add_paragraph(row["answer_" + lang])
        src = doc.add_paragraph()
        s = src.add_run(f"{SOURCE[lang]}: {row['source']}")
        s.italic = True
        s.font.size = Pt(8)
    doc.add_heading(ANNEX[lang], level=2)
    table_rows = score_rows(book, lang)
    if table_rows:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, HEADERS[lang], strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for values in table_rows:
            cells = table.add_row().cells
            for cell, text in zip(cells, values, strict=True):
                cell.text = text
    png = _chart(book, lang)
    if png is not None:
        doc.add_picture(io.BytesIO(png), width=Cm(15))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def answer_texts(document: bytes) -> list[str]:
    """The paragraphs of a .docx (for checks): what a reader of the file sees, in order."""
    from docx import Document

    return [p.text for p in Document(io.BytesIO(document)).paragraphs]


__all__ = ["answer_document", "answer_texts", "score_rows"]
