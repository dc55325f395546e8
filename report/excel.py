"""The Excel workbook of a wave ("graag alle data in Excel"), and the data and codebook as CSV.

    book = WorkbookInput(wave=..., result=analyse_wave(inputs), questionnaire=q, ...)
    data = workbook_bytes(book)            # or write_workbook(book, "meting.xlsx")
    write_csv(book, "out/")                # data.csv and codeboek.csv

Pure: takes plain data and a :class:`analysis.wave.WaveAnalysis`, never touches the database.

Sheets: Leesmij, Verantwoording, Resultaten, Trend, Verbeterpunten, Respons, Gewichten,
Steekproef, Data, Codeboek, Open antwoorden. Every table is an Excel table (filters) with a
frozen header row, number formats (0.0 for scores, 0.0% for shares and rates, dd/mm/yyyy for
dates) and column widths; Resultaten has a bar chart of the headline and dimension scores,
Trend a line chart of the previous and the last wave, both reading the cells of their sheet's
own table (no copy of the figures beside it). The sheets a person reads read in words first
(a score's kind, dimension, breakdown and group, a stratum, a frame variable, a mode, a
weighting step, in the app's vocabulary: report.labels and report.format), with the codes in
columns at the right, headed "(code)", for analysts to filter and join by. Data and Codeboek
keep the codes: they are the analysts' variables and values.

Numbers are written as the analysis computed them (float64, shortest round-trip text), never
rounded: the formats only change how Excel shows them. Figures of cells with fewer than k
respondents are replaced by :data:`analysis.disclosure.SUPPRESSED` ("x"), explained in
Leesmij. Every text cell goes through :func:`vocabulary.neutralise` (a leading
``=``, ``+``, ``-``, ``@`` gets a quote) and loses the control characters XML cannot hold.

The Data sheet: one row per response (complete and partial: column ``status``), the answers
as codes, the final weight (invited complete responses only; empty otherwise), the strata and
the mode; never a name, e-mail address, token, invitation id or timestamp. Open text answers
are not in it: they are on their own sheet, only for professions with at least k respondents.

Speed. openpyxl writes about 30,000 cells a second on the project's machine (its XML writer
is pure Python without lxml, in write-only mode as much as in normal mode: measured), which
would take minutes for 100,000 responses. The small sheets are therefore built with openpyxl
(normal mode: styles, tables, charts, freeze panes), the Data sheet with its header only, and
its rows are then streamed straight into the sheet's XML in the saved package (inline
strings, same cell semantics), which is two orders of magnitude faster. See
benchmarks/bench_export.py.

CSV: UTF-8 with a byte-order mark (so Excel recognises the encoding), ``;`` as separator and
``,`` as decimal mark: the "CSV2" convention a Belgian Excel opens with a double click, read
elsewhere with ``pandas.read_csv(f, sep=";", decimal=",")`` or R's ``read.csv2``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart
from openpyxl.chart.data_source import AxDataSource, NumDataSource, NumRef, StrRef
from openpyxl.chart.series import Series, SeriesLabel
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from analysis.disclosure import SUPPRESSED, filter_open_answers
from report import accountability, labels, wording
from report import format as fmt
from report.comparability import not_compared
from report.organisation import Organisation
from vocabulary import neutralise

SHEETS = (
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
)

SHEET_DESCRIPTIONS = {
    "Leesmij": ("Dit blad: inhoud, meting, export, regels.", "This sheet: contents, rules."),
    "Verantwoording": (
        "Antwoorden op de parlementaire vragen 1 tot 11 (schriftelijke vraag nr. 192).",
        "Answers to parliamentary questions 1 to 11 (written question no. 192).",
    ),
    "Resultaten": (
        "Alle scores, gewogen, met standaardfout, 95%-BI en n; totaal en per beroep, "
        "opleidingsjaar en universiteit; open link en papier apart, ongewogen.",
        "Every score, weighted, with SE, 95% CI and n; overall and by profession, training "
        "year and university; open link and paper apart, unweighted.",
    ),
    "Trend": (
        "Vergelijking met de vorige meting: verschil, toets, gestandaardiseerd.",
        "Comparison with the previous wave: difference, test, standardized.",
    ),
    "Verbeterpunten": (
        "Verbeterpunten uit de sleutelanalyse, en de geregistreerde acties.",
        "Improvement points from the key-driver analysis, and the registered actions.",
    ),
    "Respons": (
        "AAPOR-responsgraden per stratum tegenover het minimum; representativiteit.",
        "AAPOR response rates per stratum against the minimum; representativeness.",
    ),
    "Gewichten": ("Wegingsstappen en diagnostiek.", "Weighting steps and diagnostics."),
    "Steekproef": (
        "Ontwerp, allocatie en steekproefgroottes per stratum; het kader.",
        "Design, allocation and sample sizes per stratum; the frame.",
    ),
    "Data": (
        "Eén rij per antwoord (volledig en gedeeltelijk): codes, gewicht, strata, wijze.",
        "One row per response (complete and partial): codes, weight, strata, mode.",
    ),
    "Codeboek": (
        "Per kolom van Data: vraagtekst NL en EN, type, codes en labels.",
        "Per column of Data: question text NL and EN, type, codes and labels.",
    ),
    "Open antwoorden": (
        "Antwoorden op de open vragen, enkel voor beroepen met minstens k respondenten.",
        "Answers to the open questions, only for professions with at least k respondents.",
    ),
}

CSV_SEPARATOR = ";"
CSV_DECIMAL = ","
CSV_ENCODING = "utf-8-sig"
CSV_FILES = ("data.csv", "codeboek.csv")

# The same decimals as every other output (report.format); Excel shows the reader's separators.
FMT_SCORE = fmt.excel_number_format(fmt.SCORE_DECIMALS)
FMT_SE = "0.00"
FMT_SHARE = fmt.excel_number_format(fmt.PERCENT_DECIMALS, percent_=True)
FMT_SHARE_SE = "0.00%"
FMT_INT = "0"
FMT_DEC = "0.000"
FMT_P = "0.000"
FMT_DATE = "dd/mm/yyyy"
FMT_DATETIME = "dd/mm/yyyy hh:mm"

SHARE_KINDS = frozenset({"top2", "ces_share_5_7"})

#: Meta columns of the Data sheet, before the answers, with their codebook text (NL, EN).
DATA_META: dict[str, tuple[str, str]] = {
    "response_id": ("Volgnummer van het antwoord", "Response number"),
    "mode": (
        "Wijze: invited (steekproef), open (open link), paper (papier), post_contact",
        "Mode: invited (sample), open (open link), paper, post_contact",
    ),
    "status": (
        "complete = volledig ingevuld, partial = gedeeltelijk",
        "complete = completed, partial = partly answered",
    ),
    "response_language": ("Taal van de vragenlijst", "Language of the questionnaire"),
    "stratum": ("Stratum van de steekproef", "Sampling stratum"),
    "profession": ("Beroep (uit het kader)", "Profession (from the frame)"),
    "training_year": ("Opleidingsjaar (uit het kader)", "Training year (from the frame)"),
    "university": ("Universiteit (uit het kader)", "University (from the frame)"),
    "language": ("Taal (uit het kader)", "Language (from the frame)"),
    "design_weight": (
        "Designgewicht N_h/n_h (uitgenodigden)",
        "Design weight N_h/n_h (invited units)",
    ),
    "weight": (
        "Eindgewicht (na non-responscorrectie en raking); enkel voor volledige antwoorden uit "
        "de steekproef, leeg voor de andere",
        "Final weight (after nonresponse adjustment and raking); only for complete responses "
        "from the sample, empty otherwise",
    ),
}

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TABLE_STYLE = "TableStyleMedium2"


PROFILES = ("internal", "publication")
PROFILE_TEXT = {
    "internal": (
        "VERTROUWELIJK - intern profiel: volledige microdata (een rij per antwoord) en open "
        "antwoorden, enkel voor het team; niet doorsturen.",
        "CONFIDENTIAL - internal profile: full microdata (one row per response) and open "
        "answers, for the team only; do not pass on.",
    ),
    "publication": (
        "Publicatieprofiel: cijfers onder de regel van k; de microdata enkel met beroep, "
        "opleidingsjaar, universiteit, taal en wijze vergroofd tot elke combinatie minstens k "
        "respondenten telt (of weggelaten), zonder volgnummer, stratum en gewichten; geen open "
        "antwoorden.",
        "Publication profile: figures under the rule of k; the microdata only with profession, "
        "training year, university, language and mode coarsened until every combination holds "
        "at least k respondents (or left out), without response number, stratum and weights; "
        "no open answers.",
    ),
}
# Quasi-identifiers of the Data sheet, and columns the publication profile leaves out (the
# sequence number follows arrival; stratum and weights reveal the profession).
PUBLICATION_QUASI = (
    "profession",
    "training_year",
    "university",
    "language",
    "response_language",
    "mode",
)
PUBLICATION_DROPPED = ("response_id", "stratum", "design_weight", "weight")


@dataclass
class WorkbookInput:
    """Everything the workbook shows. ``result``: the wave's analysis; ``previous_wave`` and
    ``trend``: the previous closed wave's facts and the table of
    :func:`analysis.trend.compare_waves` (None without a previous wave); ``actions``: the
    improvement actions (dicts); ``version``: the software version; ``exported_at``: the
    moment of export (default: now); ``organisation``: who runs the measurement."""

    wave: Mapping[str, Any]
    result: Any
    questionnaire: Any = None
    sample_info: Mapping[str, Any] | None = None
    frame_info: Mapping[str, Any] | None = None
    previous_wave: Mapping[str, Any] | None = None
    trend: pd.DataFrame | None = None
    actions: Sequence[Mapping[str, Any]] = ()
    version: str = ""
    exported_at: dt.datetime | None = None
    extra_notes: Sequence[Mapping[str, str]] = field(default_factory=list)
    organisation: Organisation = field(default_factory=Organisation)
    # "internal": full microdata and open answers, for the team (confidential);
    # "publication": aggregates, coarsened microdata (k-anonymous), no open answers.
    profile: str = "internal"
    # The wave's rows of the audit trail (action, actor, at), cited under questions 6 and 9;
    # None: not read (the answers then leave the trail out).
    audit: Sequence[Mapping[str, Any]] | None = None

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(
                f"profiel {self.profile!r} bestaat niet; kies {' of '.join(PROFILES)} / "
                f"unknown profile; choose {' or '.join(PROFILES)}"
            )

    @property
    def k(self) -> int:
        return int(self.wave.get("disclosure_k") or self.result.settings.k)

    @property
    def columns(self) -> list[Any]:
        return list(self.result.inputs.columns)


# --- cells ----------------------------------------------------------------------------------


def _missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return not math.isfinite(float(v))
    return False


def _brussels(moment: dt.datetime) -> dt.datetime:
    """Excel has no time zones: show a moment in Belgian time, naive."""
    if moment.tzinfo is None:
        return moment
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/Brussels")).replace(tzinfo=None)
    except Exception:  # no tz database: UTC, still a correct moment
        return moment.astimezone(dt.UTC).replace(tzinfo=None)


def clean_text(value: str) -> str:
    """A text made safe for a spreadsheet cell: no XML-illegal characters, no formula."""
    return neutralise(_ILLEGAL.sub("", value))


def cell_value(v: Any) -> Any:
    """A value as the workbook stores it: numbers as Python numbers (full precision), missing
    as empty, text neutralised, structures as JSON text."""
    if _missing(v):
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v)
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return _brussels(v)
    if isinstance(v, dt.date):
        return v
    if isinstance(v, Mapping | list | tuple):
        return clean_text(json.dumps(v, ensure_ascii=False, default=str))
    return clean_text(str(v))


def _records(df: pd.DataFrame | None) -> list[dict]:
    return [] if df is None or len(df) == 0 else df.to_dict("records")


def _width(header: str, values: Sequence[Any]) -> float:
    longest = max([len(str(header))] + [len(str(v)) for v in values[:200] if v is not None])
    return float(min(max(longest + 2, 8), 60))


# Print set-up: A4, fit to the page width; a sheet wider than this (in Excel's character
# units) prints landscape. Row heights: Excel's default line of 11-point Calibri.
_PORTRAIT_WIDTH = 95
_LINE_HEIGHT = 15.0
_MAX_ROW_HEIGHT = 409.0  # Excel's limit
_HEADER_WRAP = Alignment(wrap_text=True, vertical="bottom")


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide."""
    usable = max(width - 1.5, 4.0)
    return sum(max(1, math.ceil(len(part) / usable)) for part in str(text).split("\n"))


class _Sheet:
    """A worksheet filled top-down with titled blocks and tables, set up to print."""

    def __init__(self, wb: Workbook, title: str, tables: set[str]):
        self.ws = wb.create_sheet(title)
        self.row = 1
        self.tables = tables
        self.widths: dict[int, float] = {}
        self.exact: dict[str, str] = {}  # coordinate -> repr of a float openpyxl would shorten
        self.wrapped: dict[int, dict[int, str]] = {}  # row -> col -> text that wraps
        self.notes: dict[int, str] = {}  # row -> a long text line (merged across the page)
        self.title_row: int | None = None  # the first table's header: repeated on each page

    def cell(self, row: int, col: int, value: Any = None):
        """ws.cell, remembering floats that openpyxl's "%.16g" would not round-trip."""
        c = self.ws.cell(row, col, value)
        if isinstance(value, float) and float(f"{value:.16g}") != value:
            self.exact[c.coordinate] = repr(value)
        return c

    def text(self, *values: Any, bold: bool = False, title: bool = False, col: int = 1) -> None:
        for j, v in enumerate(values):
            c = self.cell(self.row, col + j, cell_value(v))
            if title:
                c.font = _TITLE
            elif bold:
                c.font = _BOLD
        if len(values) == 1 and col == 1 and isinstance(values[0], str) and not title:
            self.notes[self.row] = values[0]
        elif values and isinstance(values[-1], str) and len(values[-1]) > 40:
            self.wrapped.setdefault(self.row, {})[col + len(values) - 1] = values[-1]
        self.row += 1

    def skip(self, n: int = 1) -> None:
        self.row += n

    def table(
        self,
        df: pd.DataFrame,
        name: str,
        headers: Mapping[str, str] | None = None,
        formats: Mapping[str, Any] | None = None,
        col: int = 1,
        wrap: Sequence[str] = (),
        freeze: bool = False,
        max_width: float = 60,
    ) -> tuple[int, int]:
        """Write ``df`` as an Excel table at the current row; returns (first data row, last
        row). ``formats``: column -> number format, or a function(row dict) -> format."""
        headers = dict(headers or {})
        formats = dict(formats or {})
        cols = list(df.columns)
        labels = _unique([headers.get(c, str(c)) for c in cols])
        top = self.row
        ws = self.ws
        if self.title_row is None:
            self.title_row = top
        for j, label in enumerate(labels):
            header = self.cell(top, col + j, label)
            header.font = _BOLD
            header.alignment = _HEADER_WRAP
            self.wrapped.setdefault(top, {})[col + j] = label
        records = _records(df)
        # A style set once per (number format, wrap) and copied to the other cells: openpyxl
        # looks a style up in the workbook's lists on every assignment (seconds on 30k rows).
        styled: dict[tuple[str | None, bool], Any] = {}
        for i, rec in enumerate(records, start=1):
            for j, c in enumerate(cols):
                v = cell_value(rec[c])
                if v is None:
                    continue
                cell = self.cell(top + i, col + j, v)
                wanted = formats.get(c)
                if callable(wanted):
                    wanted = wanted(rec)
                number_format = None
                if wanted and isinstance(v, int | float) and not isinstance(v, bool):
                    number_format = wanted
                elif isinstance(v, dt.datetime):
                    number_format = FMT_DATETIME
                elif isinstance(v, dt.date):
                    number_format = FMT_DATE
                key = (number_format, c in wrap)
                if key[1]:
                    self.wrapped.setdefault(top + i, {})[col + j] = str(v)
                if key == (None, False):
                    continue
                template = styled.get(key)
                if template is not None:
                    cell._style = copy(template._style)
                    continue
                if number_format:
                    cell.number_format = number_format
                if key[1]:
                    cell.alignment = _WRAP
                styled[key] = cell
        last = top + len(records)
        if records:
            ref = f"{get_column_letter(col)}{top}:{get_column_letter(col + len(cols) - 1)}{last}"
            self.add_table(name, ref, labels)
        for j, c in enumerate(cols):
            values = [cell_value(r[c]) for r in records[:200]]  # _width reads the first 200
            # The header wraps (over up to a few lines), so the values set the width.
            w = min(max(_width("", values), min(len(labels[j]) + 2, 16)), max_width)
            self.widths[col + j] = max(self.widths.get(col + j, 0), w)
        if freeze:
            ws.freeze_panes = ws.cell(top + 1, 1)
        self.row = last + 1
        return top + 1, last

    def add_table(self, name: str, ref: str, labels: Sequence[str]) -> None:
        name = _table_name(name, self.tables)
        table = Table(displayName=name, ref=ref)
        # Columns given, so openpyxl need not read the header cells (the Data sheet's rows
        # are not in the worksheet object).
        table.tableColumns = [TableColumn(id=i + 1, name=h) for i, h in enumerate(labels)]
        from openpyxl.worksheet.filters import AutoFilter

        table.autoFilter = AutoFilter(ref=ref)
        table.tableStyleInfo = TableStyleInfo(name=_TABLE_STYLE, showRowStripes=True)
        self.ws.add_table(table)

    def finish(self, header: str = "") -> None:
        ws = self.ws
        for j, w in self.widths.items():
            ws.column_dimensions[get_column_letter(j)].width = w
        last_col = max([*self.widths, ws.max_column, 1])
        width_of = {j: self.widths.get(j, 8.43) for j in range(1, last_col + 1)}
        page_width = sum(width_of.values())
        # A long line of text (a note, an explanation) wraps across the printed width instead
        # of running past the page's edge.
        for r, text in self.notes.items():
            if last_col > 1 and len(text) > width_of[1]:
                ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=last_col)
            ws.cell(r, 1).alignment = _WRAP
            self.wrapped.setdefault(r, {})[1] = text
        for r, cells in self.wrapped.items():
            lines = max(
                _lines(text, page_width if r in self.notes and c == 1 else width_of.get(c, 8.43))
                for c, text in cells.items()
            )
            if lines > 1:
                ws.row_dimensions[r].height = min(lines * _LINE_HEIGHT, _MAX_ROW_HEIGHT)
        _print_setup(ws, page_width, self.title_row, header)


def _print_setup(ws, page_width: float, title_row: int | None, header: str) -> None:
    """A4, fit to the page width (as many pages down as needed), landscape where wide, the
    table's header row on every page, the wave in the header and the page in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if page_width > _PORTRAIT_WIDTH else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    if title_row is not None:
        ws.print_title_rows = f"{title_row}:{title_row}"
    ws.oddHeader.left.text = header.replace("&", "&&")
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.left.text = "Klanttevredenheid e-loket / Customer satisfaction e-loket"
    ws.oddFooter.right.text = "Pagina &P van &N / Page &P of &N"


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        label = clean_text(str(label)).strip() or "kolom"
        if label in seen:
            seen[label] += 1
            label = f"{label} ({seen[label]})"
        else:
            seen[label] = 1
        out.append(label)
    return out


def _table_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"\W", "_", name, flags=re.ASCII)
    if not base or not (base[0].isalpha() or base[0] == "_"):
        base = "T_" + base
    out, i = base, 1
    while out.lower() in taken:
        i += 1
        out = f"{base}_{i}"
    taken.add(out.lower())
    return out


# --- the tables -----------------------------------------------------------------------------


def _score_format(se: bool = False):
    def score_format(rec: Mapping[str, Any]) -> str:
        share = rec.get("kind") in SHARE_KINDS
        if se:
            return FMT_SHARE_SE if share else FMT_SE
        return FMT_SHARE if share else FMT_SCORE

    return score_format


SCORE_HEADERS = {
    # What a person reads: words (in Dutch; the score's description in both languages) ...
    "source": "Respondenten / Respondents",
    "label_nl": "Omschrijving",
    "label_en": "Description",
    "kind_nl": "Soort / Kind",
    "dimension_nl": "Dimensie / Dimension",
    "group_var_nl": "Uitsplitsing / Breakdown",
    "group_nl": "Groep / Group",
    "estimate": "Schatting / Estimate",
    "se": "Standaardfout / SE",
    "ci_low": "95%-BI onder / CI low",
    "ci_high": "95%-BI boven / CI high",
    "df": "Vrijheidsgraden / df",
    "n": "n",
    "grade": "Graad / Grade",
    "suppressed": "Weggelaten (x) / Suppressed",
    # ... then the codes, at the right, to filter, look up and join with the Data sheet by.
    "score_id": "Score-id",
    "kind": "Soort (code) / Kind (code)",
    "dimension": "Dimensie (code) / Dimension (code)",
    "item": "Item (code)",
    "group_var": "Uitsplitsing (code) / Breakdown (code)",
    "group": "Groep (code) / Group (code)",
}

SCORE_FORMATS = {
    "estimate": _score_format(),
    "ci_low": _score_format(),
    "ci_high": _score_format(),
    "se": _score_format(se=True),
    "df": FMT_INT,
    "n": FMT_INT,
}

_SOURCE = {
    "invited": "steekproef, gewogen / sample, weighted",
    "open": "open link, ongewogen (zelfselectie) / open link, unweighted",
    "post_contact": "na contact, ongewogen / after a contact, unweighted",
    "paper": "papier buiten de steekproef, ongewogen / paper, unweighted",
}


def _kind_worded(table: pd.DataFrame) -> pd.DataFrame:
    """A score table with ``kind_nl`` (the kind as the pages name it) and its aspects named in
    both languages (report.labels.named_aspects: the English label of an aspect was its
    Dutch code)."""
    t = labels.named_aspects(table)
    if "kind" in t.columns:
        t = t.assign(kind_nl=labels.column(t["kind"], "score_kind").astype(object))
    return t


def results_table(result: Any, k: int) -> pd.DataFrame:
    """Every score under disclosure control: the wave's estimates (weighted when there is a
    sample) overall and per breakdown, then the open-link and paper modes apart (unweighted).
    Words first (the dimension, breakdown and group in Dutch: ``dimension_nl``,
    ``group_var_nl``, ``group_nl``), the codes at the end (``score_id``, ``kind``,
    ``dimension``, ``item``, ``group_var``, ``group``). Overall rows have an empty breakdown,
    the group "Totaal / Total" in words and an empty group code."""
    from analysis.wave import disclosed

    parts = []
    main = result.scores
    if len(main):
        t = disclosed(main, k)
        t.insert(0, "source", _SOURCE["invited"] if result.has_sample else "ongewogen / unweighted")
        parts.append(t)
    by_mode = result.scores_by_mode
    if len(by_mode) and result.has_sample:
        for mode, part in by_mode.groupby("mode", sort=True):
            if mode == "invited":
                continue  # the weighted table above is the sample's
            t = disclosed(part.drop(columns=["mode"]).reset_index(drop=True), k)
            t.insert(0, "source", _SOURCE.get(mode, str(mode)))
            parts.append(t)
    if not parts:
        return pd.DataFrame(columns=list(SCORE_HEADERS))
    out = _kind_worded(
        labels.score_table_worded(labels.worded(pd.concat(parts, ignore_index=True)))
    )
    cols = [c for c in SCORE_HEADERS if c in out.columns]
    return out[cols].copy()


TREND_HEADERS = {
    # Words first, as on Resultaten ...
    "label_nl": "Omschrijving",
    "label_en": "Description",
    "kind_nl": "Soort / Kind",
    "dimension_nl": "Dimensie / Dimension",
    "prev_estimate": "Vorige meting / Previous",
    "prev_se": "SE vorige / SE previous",
    "prev_n": "n vorige / n previous",
    # Each wave's own interval, the one its own Overzicht and Verantwoording 7a show.
    "prev_ci_low": "95%-BI vorige onder / CI previous low",
    "prev_ci_high": "95%-BI vorige boven / CI previous high",
    "last_estimate": "Deze meting / This wave",
    "last_se": "SE deze / SE this",
    "last_n": "n deze / n this",
    "last_ci_low": "95%-BI deze onder / CI this low",
    "last_ci_high": "95%-BI deze boven / CI this high",
    "difference": "Verschil / Difference",
    "se": "SE verschil / SE difference",
    "df": "df",
    "t": "t",
    "p": "p",
    "ci_low": "95%-BI onder / CI low",
    "ci_high": "95%-BI boven / CI high",
    "change_nl": "Verandering",
    "change_en": "Change",
    "std_prev_estimate": "Gestandaardiseerd vorige / Standardized previous",
    "std_last_estimate": "Gestandaardiseerd deze / Standardized this",
    "std_difference": "Gestandaardiseerd verschil / Standardized difference",
    "std_se": "SE gestandaardiseerd / SE standardized",
    "std_p": "p gestandaardiseerd / p standardized",
    "std_change_nl": "Verandering gestandaardiseerd",
    "std_change_en": "Change standardized",
    "note_nl": "Opmerking",
    "note_en": "Note",
    "not_compared_nl": "Niet vergeleken",
    "not_compared_en": "Not compared",
    # ... the codes at the right (the same headers as Resultaten's, to join the two by).
    "score_id": "Score-id",
    "kind": SCORE_HEADERS["kind"],
    "dimension": SCORE_HEADERS["dimension"],
    "item": SCORE_HEADERS["item"],
}

_TREND_VALUES = [
    c
    for c in TREND_HEADERS
    if c.endswith(("estimate", "_se", "difference", "ci_low", "ci_high", "_p"))
    or c in ("se", "t", "p", "df")
]


def trend_table(trend: pd.DataFrame | None, k: int) -> pd.DataFrame:
    """The trend table with the figures of a score hidden when either wave has < k values."""
    if trend is None or len(trend) == 0:
        return pd.DataFrame(columns=list(TREND_HEADERS))
    t = labels.worded(wording.with_languages(trend, "note"))
    if "dimension" in t.columns:
        t["dimension_nl"] = pd.Series(
            [labels.dimension(d, "nl") for d in t["dimension"]], index=t.index, dtype=object
        )
    t = _kind_worded(t)
    records = t.to_dict("records")
    t["not_compared_nl"] = [not_compared(r, "nl") for r in records]
    t["not_compared_en"] = [not_compared(r, "en") for r in records]
    t = t[[c for c in TREND_HEADERS if c in t.columns]]
    small = (pd.to_numeric(t["prev_n"]) < k) | (pd.to_numeric(t["last_n"]) < k)
    for c in [*_TREND_VALUES, "prev_n", "last_n"]:
        if c in t.columns:
            t[c] = t[c].astype(object).where(~small, SUPPRESSED)
    return t


def _trend_formats() -> dict[str, Any]:
    f: dict[str, Any] = {}
    for c in TREND_HEADERS:
        if c.endswith("_n"):
            f[c] = FMT_INT
        elif c in ("p", "std_p"):
            f[c] = FMT_P
        elif c in ("t", "df"):
            f[c] = FMT_SE
        elif c.endswith("se") or c == "se":
            f[c] = _score_format(se=True)
        elif c in _TREND_VALUES:
            f[c] = _score_format()
    return f


def data_table(result: Any) -> pd.DataFrame:
    """The Data sheet: one row per response, meta columns (DATA_META) then the answers as codes
    (every questionnaire column except open text), sorted by response_id."""
    r = result.inputs.responses
    out = pd.DataFrame(index=r.index)
    for c in DATA_META:
        if c == "weight":
            continue
        if c in r.columns:
            out[c] = r[c]
    out["weight"] = np.nan
    design = result.design
    if design is not None and "response_id" in design.data.columns:
        w = pd.Series(np.asarray(design.weights, dtype=float), index=design.data["response_id"])
        w = w[w > 0]
        out["weight"] = r["response_id"].map(w)
    invited = r["mode"] == "invited" if "mode" in r else pd.Series(False, index=r.index)
    if "design_weight" in out:
        out["design_weight"] = out["design_weight"].where(invited)
    for col in result.inputs.columns:
        if col.kind == "text" or col.name not in r.columns or col.name in out.columns:
            continue
        s = r[col.name]
        if pd.api.types.is_float_dtype(s) and ((s.dropna() % 1) == 0).all():
            s = s.astype("Int64")  # codes: 4, not 4.0
        out[col.name] = s
    if "response_id" in out:
        out = out.sort_values("response_id", kind="stable")
    return out.reset_index(drop=True)


def publication_data_table(result: Any, k: int, results: pd.DataFrame) -> pd.DataFrame:
    """The Data sheet of the publication profile: no response number, stratum or weights; the
    quasi-identifiers coarsened (analysis.disclosure.coarsen_microdata) so every combination
    holds at least k respondents, and a breakdown with a suppressed cell in ``results`` (the
    Resultaten table) left out, so the rows cannot give that cell away. Rows in a fixed order
    that says nothing about when someone answered."""
    from analysis.disclosure import coarsen_microdata

    data = data_table(result).drop(columns=list(PUBLICATION_DROPPED), errors="ignore")
    hidden = results[results["suppressed"].astype(bool)] if "suppressed" in results else results
    never_alone = {str(v) for v in hidden.get("group_var", pd.Series(dtype=object)).dropna()}
    if "source" in hidden and (hidden["source"] != _SOURCE["invited"]).any():
        never_alone.add("mode")
    out, _steps = coarsen_microdata(data, PUBLICATION_QUASI, k, never_alone=sorted(never_alone))
    out = labels.left_out(out)
    if len(out):
        keys = sorted(range(len(out)), key=lambda i: tuple(str(v) for v in out.iloc[i]))
        out = out.iloc[keys].reset_index(drop=True)
    return out


def profile_data_table(book: WorkbookInput) -> pd.DataFrame:
    """The Data sheet (and data.csv) of the book's profile."""
    if book.profile == "publication":
        return publication_data_table(book.result, book.k, results_table(book.result, book.k))
    return data_table(book.result)


CODEBOOK_HEADERS = {
    "column": "Kolom / Column",
    "question_nl": "Vraag (NL)",
    "question_en": "Question (EN)",
    "item_id": "Vraag-id / Item id",
    "section": "Onderdeel / Section",
    "type": "Type",
    "kind": "Soort / Kind",
    "role": "Rol / Role",
    "dimension": "Dimensie / Dimension",
    "scale_min": "Schaal min",
    "scale_max": "Schaal max",
    "reverse": "Omgekeerd / Reversed",
    "na_code": "Code n.v.t. / N/A code",
    "codes_nl": "Codes en labels (NL)",
    "codes_en": "Codes and labels (EN)",
    "where": "Waar / Where",
}


def codebook_table(columns: Sequence[Any]) -> pd.DataFrame:
    """Per column of the Data sheet (and per open question, which is on its own sheet)."""
    rows = []
    for name, (nl, en) in DATA_META.items():
        rows.append({"column": name, "question_nl": nl, "question_en": en, "where": "Data"})
    for c in columns:
        label = dict(c.label or {})
        choices = list(c.choices or [])
        rows.append(
            {
                "column": c.name,
                "question_nl": label.get("nl") or label.get("en") or "",
                "question_en": label.get("en") or label.get("nl") or "",
                "item_id": c.item_id,
                "section": c.section_id,
                "type": c.type,
                "kind": c.kind,
                "role": c.role,
                "dimension": c.dimension,
                "scale_min": c.scale_min,
                "scale_max": c.scale_max,
                "reverse": bool(c.reverse),
                "na_code": "nvt (leeg in Data / empty in Data)" if c.na else None,
                "codes_nl": "; ".join(f"{code} = {lab.get('nl', '')}" for code, lab in choices)
                or None,
                "codes_en": "; ".join(f"{code} = {lab.get('en', '')}" for code, lab in choices)
                or None,
                "where": "Open antwoorden" if c.kind == "text" else "Data",
            }
        )
    return pd.DataFrame(rows, columns=list(CODEBOOK_HEADERS))


OPEN_HEADERS = {
    "question_nl": "Vraag",
    "profession_nl": "Beroep / Profession",
    "mode_nl": "Wijze / Mode",
    "text": "Antwoord / Answer",
    # the codes at the right, to join with the Data sheet and the codebook by
    "question": "Vraag-id (code) / Item (code)",
    "profession": "Beroep (code) / Profession (code)",
    "mode": "Wijze (code) / Mode (code)",
}


def open_answers_table(result: Any, k: int) -> pd.DataFrame:
    """The open answers of complete responses, only in professions with at least ``k``
    complete responses (all modes together; an unknown profession is one cell). Sorted by
    question, profession and text, without a response id, so an answer is not linked to a
    row of the Data sheet."""
    r = result.complete
    text_cols = [c for c in result.inputs.columns if c.kind == "text" and c.name in r.columns]
    if not text_cols or r.empty:
        return pd.DataFrame(columns=list(OPEN_HEADERS))
    prof = (
        r["profession"].astype(object)
        if "profession" in r
        else pd.Series(None, index=r.index, dtype=object)
    )
    prof = prof.where(prof.notna(), "onbekend / unknown")
    cells = prof.value_counts().rename_axis("profession").rename("n").reset_index()
    parts = []
    for c in text_cols:
        s = r[c.name]
        keep = s.notna() & (s.astype(str).str.strip() != "")
        if not keep.any():
            continue
        parts.append(
            pd.DataFrame(
                {
                    "question": c.name,
                    "question_nl": (c.label or {}).get("nl", ""),
                    "mode": r.loc[keep, "mode"].astype(object),
                    "profession": prof[keep],
                    "text": s[keep].astype(str).str.strip(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=list(OPEN_HEADERS))
    answers = pd.concat(parts, ignore_index=True)
    kept = filter_open_answers(answers, ["profession"], k, cell_counts=cells)
    kept = kept.sort_values(["question", "profession", "text"], kind="stable").reset_index(
        drop=True
    )
    kept["profession_nl"] = [labels.group("profession", p) for p in kept["profession"]]
    kept["mode_nl"] = labels.column(kept["mode"], "mode_count").astype(object)
    return kept[list(OPEN_HEADERS)]


# --- the sheets -----------------------------------------------------------------------------


_WAVE_STATUS = {"draft": "ontwerp / draft", "open": "loopt / open", "closed": "afgesloten / closed"}


def _leesmij(sh: _Sheet, book: WorkbookInput, moment: dt.datetime) -> None:
    w, q = book.wave, book.questionnaire
    team = book.organisation.team
    sh.text(f"Klanttevredenheidsmeting e-loket {team}", title=True)
    sh.text(f"Customer satisfaction measurement e-loket {team}")
    sh.skip()
    facts = [
        ("Meting / Wave", f"{w.get('name')} (id {w.get('id')})"),
        ("Status", _WAVE_STATUS.get(w.get("status"), w.get("status"))),
        (
            "Veldwerk / Fieldwork",
            fmt.period(w.get("fieldwork_start"), w.get("fieldwork_end"), "nl")
            + " / "
            + fmt.period(w.get("fieldwork_start"), w.get("fieldwork_end"), "en"),
        ),
        ("Export op / Exported at", moment),
        ("Software", f"ktm {book.version}".strip()),
    ]
    if q is not None:
        facts.append(("Vragenlijst / Questionnaire", f"{q.id} versie {q.version}"))
    facts.append(("Vragenlijst-hash / Questionnaire hash", w.get("questionnaire_hash")))
    for label, value in facts:
        sh.text(label, value, bold=False)
        if isinstance(value, dt.datetime):
            sh.cell(sh.row - 1, 2).number_format = FMT_DATETIME
        sh.cell(sh.row - 1, 1).font = _BOLD
    sh.skip()
    nl, en = PROFILE_TEXT[book.profile]
    sh.text(nl, bold=True)
    sh.text(en, bold=True)
    sh.skip()
    sh.text("Bescherming van de respondenten / Respondent protection", bold=True)
    k = book.k
    sh.text(f"Geen cijfer voor een cel met minder dan k = {k} respondenten (regel van de meting).")
    sh.text(f"No figure for a cell with fewer than k = {k} respondents (the wave's rule).")
    sh.text(wording.suppression_note(k, "nl"))
    sh.text(wording.suppression_note(k, "en"))
    sh.text(
        "Het blad Data bevat geen namen, e-mailadressen, tokens of tijdstippen; open antwoorden "
        "staan enkel op hun eigen blad, voor beroepen met minstens k respondenten."
    )
    sh.text(
        "The Data sheet holds no names, e-mail addresses, tokens or timestamps; open answers are "
        "only on their own sheet, for professions with at least k respondents."
    )
    sh.skip()
    sh.text("Bladen / Sheets", bold=True)
    for name in SHEETS:
        nl, en = SHEET_DESCRIPTIONS[name]
        sh.text(name, nl, en)
    sh.skip()
    sh.text("Getallen / Numbers", bold=True)
    sh.text(
        "Getallen staan met volle precisie in de cellen; de opmaak toont 1 decimaal (scores) of "
        "een percentage (aandelen en responsgraden)."
    )
    sh.text(
        "Cells hold numbers at full precision; the format shows 1 decimal (scores) or a "
        "percentage (shares and response rates)."
    )
    sh.text(
        "CSV (data.csv, codeboek.csv): UTF-8 met BOM, scheidingsteken ';', decimaalteken ','. "
        "Inlezen: pandas.read_csv(f, sep=';', decimal=','), R read.csv2(f)."
    )
    sh.text(
        "CSV (data.csv, codeboek.csv): UTF-8 with BOM, separator ';', decimal mark ','. "
        "Read with pandas.read_csv(f, sep=';', decimal=','), R read.csv2(f)."
    )
    notes = [*book.result.notes, *(book.result.weighting.notes if book.result.weighting else ())]
    notes = [wording.both(n) for n in notes] + list(book.extra_notes)
    if notes:
        sh.skip()
        sh.text("Opmerkingen bij de analyse / Notes on the analysis", bold=True)
        for n in notes:
            sh.text(n.get("nl", ""), n.get("en", ""))
    sh.widths = {1: 38, 2: 90, 3: 90}


VERANTWOORDING_HEADERS = {
    "number": "Nr",
    "question_nl": "Vraag",
    "answer_nl": "Antwoord",
    "question_en": "Question",
    "answer_en": "Answer",
    "source": "Bron / Source",
}


def _verantwoording(sh: _Sheet, book: WorkbookInput) -> list[dict]:
    comparison = accountability.comparison_of(book.previous_wave, book.trend)
    rows = accountability.answer_rows(
        book.wave,
        book.result,
        comparison,
        book.actions,
        book.sample_info,
        book.organisation,
        audit=book.audit,
    )
    sh.text("Schriftelijke vraag nr. 192 van 15 januari 2024: klanttevredenheid", title=True)
    sh.text("Written question no. 192 of 15 January 2024: customer satisfaction")
    nl, en = PROFILE_TEXT[book.profile]
    sh.text(nl, bold=True)
    sh.text(en, bold=True)
    df = pd.DataFrame(rows, columns=list(VERANTWOORDING_HEADERS))
    sh.table(
        df,
        "Verantwoording",
        VERANTWOORDING_HEADERS,
        wrap=list(VERANTWOORDING_HEADERS),
        freeze=True,
    )
    sh.widths.update({1: 6, 2: 45, 3: 80, 4: 45, 5: 80, 6: 35})
    return rows


# Excel's limit on one reference of a chart series (its SERIES formula's argument).
_SERIES_REF_MAX = 255


def _cells_ref(ws, cells: Sequence[tuple[int, int]]) -> str:
    """A chart reference to the cells (row, column) of ``ws``: absolute, and a union in
    parentheses when there are several ("(Trend!$G$3,Trend!$L$3)"), so a chart reads the
    table's own cells and needs no copy of them."""
    refs = [f"{_sheet_ref(ws)}!${get_column_letter(c)}${r}" for r, c in cells]
    return refs[0] if len(refs) == 1 else "(" + ",".join(refs) + ")"


def _range_ref(ws, col: int, first: int, last: int) -> str:
    """A chart reference to rows ``first`` to ``last`` of one column of ``ws``."""
    letter = get_column_letter(col)
    return f"{_sheet_ref(ws)}!${letter}${first}:${letter}${last}"


def _sheet_ref(ws) -> str:
    """The sheet's name in a reference (quoted where Excel needs quotes)."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", ws.title):
        return ws.title
    return "'" + ws.title.replace("'", "''") + "'"


def _figure(v: Any) -> bool:
    """A number the chart can show (not the suppression marker, not missing)."""
    return isinstance(v, int | float | np.number) and not isinstance(v, bool) and not _missing(v)


def _series(values: str, categories: str | None = None, title: str | None = None) -> Series:
    """A chart series on references (text, as :func:`_cells_ref` writes them)."""
    series = Series()
    series.val = NumDataSource(numRef=NumRef(f=values))
    if categories is not None:
        series.cat = AxDataSource(strRef=StrRef(f=categories))
    if title is not None:
        series.tx = SeriesLabel(strRef=StrRef(f=title))
    return series


def _resultaten(sh: _Sheet, book: WorkbookInput) -> pd.DataFrame:
    table = results_table(book.result, book.k)
    top = sh.row
    sh.table(table, "Resultaten", SCORE_HEADERS, SCORE_FORMATS, freeze=True)
    position = {c: j for j, c in enumerate(table.columns, start=1)}
    for c in ("label_nl", "label_en"):
        if c in position:
            sh.widths[position[c]] = 45
    # The chart: the headline and the dimension scores overall, read from the table's own
    # cells (the description and the estimate of those rows).
    chosen = [
        i
        for i, rec in enumerate(table.to_dict("records"))
        if rec["source"] == table["source"].iloc[0]
        and _missing(rec["group_var"])
        and rec["kind"] in ("overall_0_100", "dimension")
        and _figure(rec["estimate"])
    ]
    if not chosen:
        return table
    label_col, value_col = position["label_nl"], position["estimate"]
    rows = [top + 1 + i for i in chosen]
    categories = _cells_ref(sh.ws, [(r, label_col) for r in rows])
    values = _cells_ref(sh.ws, [(r, value_col) for r in rows])
    if max(len(categories), len(values)) > _SERIES_REF_MAX:
        # Too many cells for one reference: a copy of them, headed, below the table.
        sh.skip()
        sh.text("Gegevens van de grafiek / Chart data", bold=True)
        sh.text(
            "Kopie van de omschrijving en de schatting van de rijen hierboven met de algemene "
            "tevredenheid en de dimensies (steekproef, totaal), voor de grafiek naast de tabel."
        )
        first = sh.row
        sh.cell(first, 1, "Omschrijving").font = _BOLD
        sh.cell(first, 2, "Score (0-100)").font = _BOLD
        for j, i in enumerate(chosen, start=1):
            rec = table.iloc[i]
            sh.cell(first + j, 1, cell_value(rec["label_nl"]))
            sh.cell(first + j, 2, float(rec["estimate"])).number_format = FMT_SCORE
        sh.row = first + len(chosen) + 1
        categories = _range_ref(sh.ws, 1, first + 1, first + len(chosen))
        values = _range_ref(sh.ws, 2, first + 1, first + len(chosen))
        title = _cells_ref(sh.ws, [(first, 2)])
    else:
        title = _cells_ref(sh.ws, [(top, value_col)])
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Scores (0-100), gewogen / weighted"
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    chart.legend = None
    chart.series.append(_series(values, categories, title))
    chart.height = max(7.5, 0.8 * len(chosen) + 3)
    chart.width = 18
    col = len(table.columns) + 2
    sh.ws.add_chart(chart, f"{get_column_letter(col)}{top + 1}")
    return table


def _trend(sh: _Sheet, book: WorkbookInput) -> None:
    table = trend_table(book.trend, book.k)
    prev = book.previous_wave
    if prev is None or len(table) == 0:
        sh.text("Trend", title=True)
        sh.text("Er is geen vorige afgesloten meting om mee te vergelijken.")
        sh.text("There is no previous closed wave to compare with.")
        return
    top = sh.row
    sh.table(table, "Trend", TREND_HEADERS, _trend_formats(), freeze=True)
    position = {c: j for j, c in enumerate(table.columns, start=1)}
    for c in ("label_nl", "label_en"):
        if c in position:
            sh.widths[position[c]] = 45
    # The line chart reads the table's own cells: per score (the headline and the dimensions)
    # a line from the previous wave's estimate to this wave's, named by its description, the
    # two waves by the headers of those columns.
    chosen = [
        top + 1 + i
        for i, rec in enumerate(table.to_dict("records"))
        if rec["kind"] in ("overall_0_100", "dimension")
        and _figure(rec["prev_estimate"])
        and _figure(rec["last_estimate"])
        and _missing(rec["not_compared_nl"])  # a changed question is no line between waves
    ]
    if not chosen:
        return
    prev_col, last_col = position["prev_estimate"], position["last_estimate"]
    waves = _cells_ref(sh.ws, [(top, prev_col), (top, last_col)])
    chart = LineChart()
    w = book.wave
    chart.title = (
        "Scores (0-100) per meting / by wave: "
        f"{prev.get('name')} ({fmt.date(prev.get('fieldwork_end'), 'nl')}), "
        f"{w.get('name')} ({fmt.date(w.get('fieldwork_end'), 'nl')})"
    )
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 100
    for r in chosen:
        chart.series.append(
            _series(
                _cells_ref(sh.ws, [(r, prev_col), (r, last_col)]),
                waves,
                _cells_ref(sh.ws, [(r, position["label_nl"])]),
            )
        )
    chart.height, chart.width = 10, 20
    col = len(table.columns) + 2
    sh.ws.add_chart(chart, f"{get_column_letter(col)}{top + 1}")


POINT_HEADERS = {
    "rank": "Rang / Rank",
    "label_nl": "Aspect",
    "label_en": "Aspect (EN)",
    "quadrant_nl": "Kwadrant",
    "quadrant_en": "Quadrant",
    "importance_share": "Belang (aandeel R²) / Importance (share of R²)",
    "importance_share_ci_low": "Belang 95%-BI onder / Importance CI low",
    "importance_share_ci_high": "Belang 95%-BI boven / Importance CI high",
    "next_order_share": "Aandeel replicaties boven de volgende / Share of replicates above the next",
    "performance": "Score (0-100)",
    "performance_ci_low": "95%-BI onder / CI low",
    "performance_ci_high": "95%-BI boven / CI high",
    "n": "n",
    "coef": "Coëfficiënt / Coefficient",
    "p": "p",
    "gap": "Verbeterpotentieel / Gap",
    "evidence_nl": "Onderbouwing",
    "evidence_en": "Evidence",
    "n_open_answers": "Open antwoorden / Open answers",
    # the code at the right, to join with Resultaten and the codebook by
    "dimension": SCORE_HEADERS["dimension"],
}
POINT_FORMATS = {
    "importance_share": FMT_SHARE,
    "importance_share_ci_low": FMT_SHARE,
    "importance_share_ci_high": FMT_SHARE,
    "next_order_share": FMT_SHARE,
    "performance": FMT_SCORE,
    "performance_ci_low": FMT_SCORE,
    "performance_ci_high": FMT_SCORE,
    "n": FMT_INT,
    "coef": FMT_DEC,
    "p": FMT_P,
    "gap": FMT_SE,
    "n_open_answers": FMT_INT,
}
ACTION_HEADERS = {
    "improvement_point_nl": "Verbeterpunt / Improvement point",
    "description": "Actie / Action",
    "owner": "Verantwoordelijke / Owner",
    "status_nl": "Status",
    "due_date": "Streefdatum / Due date",
    "public_text_nl": "Publieke tekst",
    "public_text_en": "Public text",
    "improvement_point": "Verbeterpunt (code) / Improvement point (code)",
    "status": "Status (code)",
}


def _point_name(code: Any, columns: Sequence[Any]) -> Any:
    """An improvement point (an aspect or a question id) by its name: the aspect's, else the
    question's Dutch text, else the code as it is."""
    if _missing(code):
        return None
    if fmt.label("dimension", code) != str(code):
        return labels.dimension(code)
    for c in columns:
        if code in (c.name, c.item_id):
            return (c.label or {}).get("nl") or code
    return code


def actions_table(book: WorkbookInput) -> pd.DataFrame:
    """The improvement actions: the point and the status in words, their codes at the right."""
    actions = pd.DataFrame([dict(a) for a in book.actions])
    for c in ACTION_HEADERS:
        if c not in actions.columns:
            actions[c] = None
    if len(actions):
        actions["improvement_point_nl"] = [
            _point_name(p, book.columns) for p in actions["improvement_point"]
        ]
        actions["status_nl"] = labels.column(actions["status"], "action_status").astype(object)
    return actions[list(ACTION_HEADERS)]


def _verbeterpunten(sh: _Sheet, book: WorkbookInput) -> None:
    sh.text("Verbeterpunten / Improvement points", title=True)
    ip = book.result.improvement_points
    if ip is None or len(ip.points) == 0:
        sh.text("Geen sleutelanalyse: te weinig volledige antwoorden.")
        sh.text("No key-driver analysis: too few complete responses.")
    else:
        pts = labels.named_aspects(labels.worded(wording.with_languages(ip.points, "evidence")))
        pts = pts[[c for c in POINT_HEADERS if c in pts.columns]]
        sh.table(pts, "Verbeterpunten", POINT_HEADERS, POINT_FORMATS, freeze=True, max_width=45)
    sh.skip()
    sh.text("Acties / Actions", bold=True)
    actions = actions_table(book)
    if actions.empty:
        sh.text("Nog geen acties geregistreerd. / No actions registered yet.")
    else:
        sh.table(actions, "Acties", ACTION_HEADERS, max_width=50)


RESPONSE_FORMATS: dict[str, Any] = {
    **{
        c: FMT_SHARE
        for c in (
            [f"RR{i}" for i in range(1, 7)]
            + [f"COOP{i}" for i in range(1, 5)]
            + [f"REF{i}" for i in range(1, 4)]
            + [f"CON{i}" for i in range(1, 4)]
            + ["rate", "minimum_rate", "moe", "e"]
        )
    },
}
STRATUM_CODE = "Stratum (code)"
RESPONSE_HEADERS = {
    "stratum_nl": "Stratum",
    "rate": "Responsgraad / Response rate",
    "minimum_rate": "Minimum",
    "meets_rate": "Graad gehaald / Rate met",
    "completes": "Volledig / Complete",
    "minimum_completes": "Minimum volledig / Minimum complete",
    "meets_completes": "Aantal gehaald / Count met",
    "meets": "Gehaald / Met",
    "shortfall": "Tekort / Shortfall",
    "reachable": "Nog bereikbaar / Still reachable",
    "attainable": "Haalbaar / Attainable",
    "respondents": "Respondenten (teller) / Respondents (numerator)",
    "population": "Populatie N_h",
    "moe": "Foutenmarge / Margin of error",
    # then the AAPOR dispositions and rates (their own codes, explained above the table), and
    # the stratum's code at the right
}
REPRESENTATIVENESS_HEADERS = {
    "variable_nl": "Variabele / Variable",
    "weighted": "Gewogen / Weighted",
    "n": "n",
    "categories": "Categorieën / Categories",
    "statistic": "Chi-kwadraat / Chi-square",
    "df": "df",
    "p_value": "p",
    "max_abs_diff": "Grootste verschil / Largest difference",
    "min_expected": "Kleinste verwachte / Smallest expected",
    "small_expected": "Kleine verwachte / Small expected",
    "variable": "Variabele (code) / Variable (code)",
}
COUNT_HEADERS = {"what_nl": "Wat / What", "n": "n", "what": "Wat (code) / What (code)"}


def _strata_var(book: WorkbookInput) -> Any:
    return (book.sample_info or {}).get("strata_var") or book.result.settings.strata


def _strata_worded(table: pd.DataFrame, book: WorkbookInput) -> pd.DataFrame:
    """``table`` with ``stratum_nl`` first (the stratum as the pages name it) and its code
    ``stratum`` last."""
    strata = _strata_var(book)
    words = [labels.stratum(s, strata) for s in table["stratum"]]
    rest = [c for c in table.columns if c != "stratum"]
    out = table[rest].copy()
    out.insert(0, "stratum_nl", pd.Series(words, index=table.index, dtype=object))
    out["stratum"] = table["stratum"]
    return out


def response_table(book: WorkbookInput) -> pd.DataFrame:
    """The response per stratum: the stratum in words, the rate against the minimum, then the
    AAPOR dispositions and rates, the stratum's code at the right."""
    table = labels.worded(book.result.response)
    if table is None or len(table) == 0:
        return pd.DataFrame(columns=[*RESPONSE_HEADERS, "stratum"])
    table = _strata_worded(table, book)
    first = [c for c in RESPONSE_HEADERS if c in table.columns]
    middle = [c for c in table.columns if c not in first and c != "stratum"]
    return table[[*first, *middle, "stratum"]]


def counts_table(result: Any) -> pd.DataFrame:
    """The counts of responses, each by its name (its code at the right)."""
    rows = [
        {"what_nl": labels.label("response_count", k), "n": v, "what": k}
        for k, v in result.counts.items()
    ]
    return pd.DataFrame(rows, columns=list(COUNT_HEADERS))


def representativeness_table(result: Any) -> pd.DataFrame | None:
    """The representativeness tests, each frame variable by its name (its code at the right)."""
    rep = result.representativeness
    if rep is None or len(rep) == 0:
        return rep
    out = rep.copy()
    out.insert(0, "variable_nl", [labels.breakdown(v) for v in rep["variable"]])
    rest = [c for c in out.columns if c != "variable"]
    return out[[*rest, "variable"]]


def _respons(sh: _Sheet, book: WorkbookInput) -> None:
    res = book.result
    sh.text("Respons (AAPOR Standard Definitions)", title=True)
    table = response_table(book)
    if len(table) == 0:
        sh.text("Geen steekproef: geen responsgraad. / No sample: no response rate.")
    else:
        sh.text(
            f"Responsgraad {res.settings.rate} tegenover het minimum van de meting; "
            "I = volledig, P = gedeeltelijk, R = weigering, NC = geen contact, O = ander, "
            "UH/UO = onbekend of in aanmerking, NE = niet in aanmerking."
        )
        sh.text(
            f"Response rate {res.settings.rate} against the wave's minimum; I = complete, "
            "P = partial, R = refusal, NC = non-contact, O = other, UH/UO = unknown "
            "eligibility, NE = not eligible."
        )
        sh.table(
            table,
            "Respons",
            {**RESPONSE_HEADERS, "stratum": STRATUM_CODE},
            RESPONSE_FORMATS,
            freeze=True,
        )
    sh.skip()
    sh.text("Aantallen antwoorden / Response counts", bold=True)
    sh.table(counts_table(res), "Aantallen", COUNT_HEADERS, {"n": FMT_INT})
    rep = representativeness_table(res)
    sh.skip()
    sh.text(
        "Representativiteit tegenover het kader / Representativeness against the frame", bold=True
    )
    if rep is None or len(rep) == 0:
        sh.text("Geen kader of geen gewogen antwoorden. / No frame or no weighted responses.")
    else:
        sh.table(
            rep,
            "Representativiteit",
            REPRESENTATIVENESS_HEADERS,
            {
                "statistic": FMT_SE,
                "p_value": FMT_P,
                "max_abs_diff": FMT_SHARE,
                "min_expected": FMT_SE,
            },
        )
    ri = res.r_indicator
    if ri is not None:
        sh.skip()
        sh.text("R-indicator (Schouten, Cobben en Bethlehem, 2009)", bold=True)
        for label, value, number_format in (
            ("R", ri.R, FMT_DEC),
            ("S (standaardafwijking propensiteiten / SD of propensities)", ri.S, FMT_DEC),
            ("Gemiddelde propensiteit / Mean propensity", ri.rho_mean, FMT_SHARE),
            ("CV", ri.cv, FMT_DEC),
            ("Maximale bias / Maximal bias", ri.max_bias, FMT_DEC),
        ):
            sh.text(label, value)
            sh.cell(sh.row - 1, 2).number_format = number_format


WEIGHT_HEADERS = {
    "label_nl": "Stap",
    "label_en": "Step",
    "n": "n",
    "sum_weights": "Som gewichten / Sum of weights",
    "min_weight": "Kleinste / Min",
    "max_weight": "Grootste / Max",
    "mean_weight": "Gemiddelde / Mean",
    "n_eff": "Effectieve n / Effective n",
    "deff_kish": "Designeffect (Kish) / Design effect",
    "largest_change": "Grootste wijziging / Largest change",
    "converged": "Geconvergeerd / Converged",
    "iterations": "Iteraties / Iterations",
    "margin_misfit": "Afwijking marges / Margin misfit",
    "step": "Stap (code) / Step (code)",
}
WEIGHT_FORMATS = {
    "n": FMT_INT,
    "sum_weights": FMT_SCORE,
    "min_weight": FMT_DEC,
    "max_weight": FMT_DEC,
    "mean_weight": FMT_DEC,
    "n_eff": FMT_SCORE,
    "deff_kish": FMT_DEC,
    "largest_change": "0.00E+00",
    "iterations": FMT_INT,
    "margin_misfit": "0.00E+00",
}


def _gewichten(sh: _Sheet, book: WorkbookInput) -> None:
    res = book.result
    sh.text("Weging / Weighting", title=True)
    steps = labels.worded(res.weighting_steps)
    if steps is not None and len(steps):
        steps = steps[[c for c in WEIGHT_HEADERS if c in steps.columns]]
    if steps is None or len(steps) == 0:
        sh.text("Geen weging (geen steekproef of geen volledige antwoorden uit de steekproef).")
        sh.text("No weighting (no sample, or no complete responses from the sample).")
        return
    sh.table(steps, "Wegingsstappen", WEIGHT_HEADERS, WEIGHT_FORMATS, freeze=True)
    design = res.design
    data = design.data.assign(_w=np.asarray(design.weights, dtype=float))
    strata = res.settings.strata if res.settings.strata in data.columns else "stratum"
    if strata in data.columns:
        per = (
            data.groupby(strata, sort=True)["_w"]
            .agg(["count", "sum", "min", "mean", "max"])
            .reset_index()
        )
        per.columns = ["stratum", "n", "sum", "min", "mean", "max"]
        per = _strata_worded(per, book)
        sh.skip()
        sh.text("Eindgewichten per stratum / Final weights by stratum", bold=True)
        sh.table(
            per,
            "GewichtenPerStratum",
            {
                "stratum_nl": "Stratum",
                "n": "n",
                "sum": "Som / Sum",
                "min": "Kleinste / Min",
                "mean": "Gemiddelde / Mean",
                "max": "Grootste / Max",
                "stratum": STRATUM_CODE,
            },
            {"n": FMT_INT, "sum": FMT_SCORE, "min": FMT_DEC, "mean": FMT_DEC, "max": FMT_DEC},
        )
    if res.weighting is not None and res.weighting.notes:
        sh.skip()
        sh.text("Toelichting / Notes", bold=True)
        for n in map(wording.both, res.weighting.notes):
            sh.text(n["nl"], n["en"])


def allocation_table(book: WorkbookInput) -> pd.DataFrame:
    """Per stratum: population N_h, sample n_h, sampling fraction, design weight N_h/n_h,
    complete responses and the response rate."""
    si = book.sample_info or {}
    alloc = dict(si.get("allocation") or {})
    pop = dict(si.get("population") or {})
    resp = {r["stratum"]: r for r in _records(book.result.response)}
    rows = []
    for h in sorted(set(alloc) | set(pop)):
        n_h, N_h = alloc.get(h), pop.get(h)
        r = resp.get(h, {})
        rows.append(
            {
                "stratum": h,
                "N_h": N_h,
                "n_h": n_h,
                "fraction": (n_h / N_h) if n_h is not None and N_h else None,
                "design_weight": (N_h / n_h) if n_h and N_h is not None else None,
                "completes": r.get("completes"),
                "rate": r.get("rate"),
            }
        )
    return pd.DataFrame(
        rows,
        columns=["stratum", "N_h", "n_h", "fraction", "design_weight", "completes", "rate"],
    )


def _pair(nl: Any, en: Any) -> Any:
    """Dutch / English, as the sheet's labels; one of them when both read the same."""
    if nl is None and en is None:
        return None
    return nl if nl == en else f"{nl} / {en}"


def _both(kind: str, code: Any) -> Any:
    """A code of report.labels in both languages: "Volledige telling / Census"."""
    return (
        None if _missing(code) else _pair(labels.label(kind, code), labels.label(kind, code, "en"))
    )


def _both_fmt(kind: str, code: Any) -> Any:
    """A code of report.format (a frame variable, an allocation method) in both languages."""
    if _missing(code):
        return None
    return _pair(*(fmt.capitalised(fmt.label(kind, code, lang)) for lang in ("nl", "en")))


def _both_parameters(params: Any) -> Any:
    if not isinstance(params, Mapping):
        return params
    return _pair(labels.parameters(params, "nl"), labels.parameters(params, "en"))


def _both_variables(variables: Any) -> Any:
    """Frame columns by their names: "gebruik e-loket (12 maanden) / e-loket use (12 months)"."""
    if not isinstance(variables, list | tuple):
        return variables
    if not variables:
        return "geen / none"
    return _pair(
        *(", ".join(fmt.label("variable", v, lang) for v in variables) for lang in ("nl", "en"))
    )


def _steekproef(sh: _Sheet, book: WorkbookInput) -> None:
    sh.text("Steekproef / Sample", title=True)
    si, fi, w = book.sample_info, book.frame_info, book.wave
    facts: list[tuple[str, Any]] = [("Ontwerp / Design", _both("design", w.get("design_type")))]
    if si:
        facts += [
            ("Strata", _both_fmt("variable", si.get("strata_var"))),
            ("Allocatie / Allocation", _both_fmt("allocation", si.get("method"))),
            ("Seed", si.get("seed")),
            ("Steekproefgrootte / Sample size", si.get("n")),
            ("Parameters", _both_parameters(si.get("parameters"))),
            ("Getrokken op / Drawn at", si.get("created_at")),
        ]
    if fi:
        facts += [
            ("Kader: bestand / Frame: file", fi.get("source_name")),
            ("Kader: datum / Frame: date", fi.get("frame_date")),
            ("Kader: eenheden / Frame: units", fi.get("n_units")),
            ("Kader: SHA-256 / Frame: SHA-256", fi.get("source_sha256")),
            ("Hulpvariabelen / Auxiliary variables", _both_variables(fi.get("aux_columns"))),
        ]
    for label, value in facts:
        sh.text(label, value)
        sh.cell(sh.row - 1, 1).font = _BOLD
    if not si:
        sh.text("Geen steekproef voor deze meting. / No sample for this wave.")
        return
    sh.skip()
    sh.text("Allocatie per stratum / Allocation by stratum", bold=True)
    sh.table(
        _strata_worded(allocation_table(book), book),
        "Allocatie",
        {
            "stratum_nl": "Stratum",
            "stratum": STRATUM_CODE,
            "N_h": "Populatie N_h",
            "n_h": "Steekproef n_h",
            "fraction": "Steekproeffractie / Sampling fraction",
            "design_weight": "Designgewicht N_h/n_h",
            "completes": "Volledig / Complete",
            "rate": "Responsgraad / Response rate",
        },
        {
            "N_h": FMT_INT,
            "n_h": FMT_INT,
            "fraction": FMT_SHARE,
            "design_weight": FMT_DEC,
            "completes": FMT_INT,
            "rate": FMT_SHARE,
        },
    )
    sh.widths[1] = max(sh.widths.get(1, 0), 36)
    sh.widths[2] = max(sh.widths.get(2, 0), 40)


# --- the Data sheet, streamed ---------------------------------------------------------------


def _xml_cells(df: pd.DataFrame) -> list[list[str | None]]:
    """Per column, the XML of each cell without its reference (None = empty cell)."""
    out = []
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_bool_dtype(s):
            out.append([None if _missing(v) else f' t="b"><v>{int(v)}</v>' for v in s])
        elif pd.api.types.is_integer_dtype(s) and pd.api.types.is_signed_integer_dtype(s):
            values, inverse = np.unique(s.to_numpy(dtype=np.int64, na_value=0), return_inverse=True)
            texts = [f"><v>{v}</v>" for v in values.tolist()]
            cells = [texts[i] for i in inverse.tolist()]
            for i in np.flatnonzero(s.isna().to_numpy()).tolist():
                cells[i] = None
            out.append(cells)
        elif pd.api.types.is_integer_dtype(s):  # unsigned: may not fit in int64
            vals = s.astype(object).where(s.notna(), None).tolist()
            out.append([None if v is None else f"><v>{int(v)}</v>" for v in vals])
        elif pd.api.types.is_float_dtype(s):
            # Each distinct value is written once (answer codes repeat): distinct by bit
            # pattern, so 0.0 and -0.0 keep their own text.
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            bits, inverse = np.unique(arr.view(np.int64), return_inverse=True)
            texts = [
                f"><v>{v!r}</v>" if math.isfinite(v) else None
                for v in bits.view(np.float64).tolist()
            ]
            out.append([texts[i] for i in inverse.tolist()])
        else:
            cells: list[str | None] = []
            cache: dict[Any, str | None] = {}
            for v in s.tolist():
                key = v if isinstance(v, str | int | float) or v is None else repr(v)
                try:
                    hit = cache[key]
                except (KeyError, TypeError):
                    hit = _text_cell_xml(v)
                    if len(cache) < 10000:
                        cache[key] = hit
                cells.append(hit)
            out.append(cells)
    return out


def _text_cell_xml(v: Any) -> str | None:
    v = cell_value(v)
    if v is None:
        return None
    if isinstance(v, bool):
        return f' t="b"><v>{int(v)}</v>'
    if isinstance(v, int | float):
        return f"><v>{v!r}</v>"
    text = escape(str(v))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f' t="inlineStr"><is><t{space}>{text}</t></is>'


def _stream_rows(fh, df: pd.DataFrame, first_row: int, chunk: int = 5000) -> None:
    letters = [get_column_letter(j + 1) for j in range(len(df.columns))]
    for start in range(0, len(df), chunk):
        part = df.iloc[start : start + chunk]
        numbers = [str(first_row + start + i) for i in range(len(part))]
        # Column by column (a list comprehension each), then joined row by row.
        cells = [
            [
                "" if x is None else f'<c r="{letter}{r}"{x}</c>'
                for r, x in zip(numbers, col, strict=True)
            ]
            for letter, col in zip(letters, _xml_cells(part), strict=True)
        ]
        rows = ["".join(row) for row in zip(*cells, strict=True)] if cells else [""] * len(part)
        buf = [f'<row r="{r}">{row}</row>' for r, row in zip(numbers, rows, strict=True)]
        fh.write("".join(buf).encode("utf-8"))


_NUM_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)><v>([^<]*)</v>')


def _restore_exact(xml: str, exact: Mapping[str, str]) -> str:
    """Put back the full-precision text of the floats openpyxl wrote with 16 digits."""
    if not exact:
        return xml

    def sub(m: re.Match) -> str:
        value = exact.get(m.group(1))
        return m.group(0) if value is None else f'<c r="{m.group(1)}"{m.group(2)}><v>{value}</v>'

    return _NUM_CELL.sub(sub, xml)


def _finish_package(
    raw: bytes, exact: Mapping[str, Mapping[str, str]], data_title: str, df: pd.DataFrame, target
) -> None:
    """Copy the saved package to ``target``: floats at full precision in every sheet
    (``exact``: sheet title -> coordinate -> text), and ``df``'s rows streamed into the
    ``data_title`` sheet after its header row."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    paths = {_sheet_path(src, title): title for title in {*exact, data_title}}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            title = paths.get(info.filename)
            if title is None:
                out.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            xml = _restore_exact(data.decode("utf-8"), exact.get(title, {}))
            if title != data_title:
                out.writestr(info, xml.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
                continue
            cut = xml.index("</sheetData>")  # openpyxl wrote the header row only
            head, tail = xml[:cut], xml[cut:]
            last = get_column_letter(max(len(df.columns), 1))
            # openpyxl writes `<dimension ref="A1:X1" />`; read-only readers trust it.
            head = re.sub(
                r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{last}{len(df) + 1}"/>', head
            )
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with out.open(entry, "w", force_zip64=True) as fh:
                fh.write(head.encode("utf-8"))
                _stream_rows(fh, df, first_row=2)
                fh.write(tail.encode("utf-8"))


def _sheet_path(z: zipfile.ZipFile, title: str) -> str:
    wb = z.read("xl/workbook.xml").decode("utf-8")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    m = re.search(rf'<sheet [^>]*name="{re.escape(escape(title))}"[^>]*r:id="([^"]+)"', wb)
    if m is None:
        m = re.search(rf'<sheet [^>]*r:id="([^"]+)"[^>]*name="{re.escape(escape(title))}"', wb)
    rid = m.group(1)
    t = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    target = t.group(1).lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _data_sheet(sh: _Sheet, df: pd.DataFrame) -> None:
    ws = sh.ws
    labels = _unique([str(c) for c in df.columns])
    for j, label in enumerate(labels, start=1):
        sh.cell(1, j, label).font = _BOLD
        sh.widths[j] = float(min(max(len(label) + 2, 8), 40))
    ws.freeze_panes = "B2"
    sh.title_row = 1
    if len(df):
        ref = f"A1:{get_column_letter(len(labels))}{len(df) + 1}"
        sh.add_table("Data", ref, labels)


# --- the workbook ---------------------------------------------------------------------------


def _build(book: WorkbookInput) -> tuple[bytes, dict[str, dict[str, str]], pd.DataFrame]:
    moment = book.exported_at or dt.datetime.now(dt.UTC)
    moment = _brussels(moment) if moment.tzinfo else moment
    wb = Workbook()
    wb.remove(wb.active)
    tables: set[str] = set()
    sheets = {name: _Sheet(wb, name, tables) for name in SHEETS}
    _leesmij(sheets["Leesmij"], book, moment)
    _verantwoording(sheets["Verantwoording"], book)
    results = _resultaten(sheets["Resultaten"], book)
    _trend(sheets["Trend"], book)
    _verbeterpunten(sheets["Verbeterpunten"], book)
    _respons(sheets["Respons"], book)
    _gewichten(sheets["Gewichten"], book)
    _steekproef(sheets["Steekproef"], book)
    if book.profile == "publication":
        data = publication_data_table(book.result, book.k, results)
    else:
        data = data_table(book.result)
    _data_sheet(sheets["Data"], data)
    sheets["Codeboek"].table(
        codebook_table(book.columns),
        "Codeboek",
        CODEBOOK_HEADERS,
        freeze=True,
        wrap=["question_nl", "question_en", "codes_nl", "codes_en"],
    )
    sh = sheets["Open antwoorden"]
    if book.profile == "publication":
        sh.text("Open antwoorden zijn weggelaten in het publicatieprofiel.", bold=True)
        sh.text("Open answers are left out of the publication profile.")
    else:
        sh.text(f"Enkel beroepen met minstens {book.k} volledige antwoorden.", bold=True)
        sh.text(f"Only professions with at least {book.k} complete responses.")
        sh.table(
            open_answers_table(book.result, book.k),
            "OpenAntwoorden",
            OPEN_HEADERS,
            wrap=["text"],
            max_width=80,
        )
    header = f"{book.wave.get('name')}"
    for s in sheets.values():
        s.finish(header)
    wb.properties.title = f"{book.wave.get('name')}: klanttevredenheid e-loket"
    if book.profile == "internal":
        wb.properties.title = "VERTROUWELIJK / CONFIDENTIAL - " + wb.properties.title
    wb.properties.keywords = f"ktm-profile={book.profile}"
    wb.properties.creator = f"ktm {book.version}".strip()
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), {t: s.exact for t, s in sheets.items() if s.exact}, data


def workbook_bytes(book: WorkbookInput) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    raw, exact, data = _build(book)
    out = io.BytesIO()
    _finish_package(raw, exact, "Data", data, out)
    return out.getvalue()


def write_workbook(book: WorkbookInput, path: str | os.PathLike) -> Path:
    """Write the workbook to ``path`` (via a temporary file, so a failure leaves no half file)."""
    path = Path(path)
    raw, exact, data = _build(book)
    fd, tmp = tempfile.mkstemp(prefix=".ktm-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        _finish_package(raw, exact, "Data", data, tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a workbook is a normal file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --- CSV ------------------------------------------------------------------------------------


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as CSV: UTF-8 with BOM, ``;`` separator, ``,`` decimal mark, text neutralised."""
    safe = df.copy()
    safe.columns = [clean_text(str(c)) for c in safe.columns]
    for c in safe.columns:
        s = safe[c]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            values = s.tolist()
            # Each distinct text cleaned once (codes and labels repeat on every row).
            clean = {v: clean_text(v) for v in set(values) if isinstance(v, str)}
            safe[c] = pd.Series(
                [clean[v] if isinstance(v, str) else v for v in values], index=s.index, dtype=object
            )
    text = safe.to_csv(index=False, sep=CSV_SEPARATOR, decimal=CSV_DECIMAL, lineterminator="\r\n")
    return text.encode(CSV_ENCODING)


def csv_files(book: WorkbookInput) -> dict[str, bytes]:
    """{"data.csv": ..., "codeboek.csv": ...}: the Data and Codeboek sheets as CSV."""
    return {
        "data.csv": csv_bytes(profile_data_table(book)),
        "codeboek.csv": csv_bytes(codebook_table(book.columns)),
    }


def write_csv(book: WorkbookInput, directory: str | os.PathLike) -> list[Path]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in csv_files(book).items():
        target = directory / name
        tmp = target.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        written.append(target)
    return written


def csv_zip_bytes(book: WorkbookInput, prefix: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in csv_files(book).items():
            z.writestr(prefix + name, data)
    return buf.getvalue()


__all__ = [
    "CSV_DECIMAL",
    "CSV_ENCODING",
    "CSV_SEPARATOR",
    "DATA_META",
    "SHEETS",
    "WorkbookInput",
    "allocation_table",
    "cell_value",
    "clean_text",
    "codebook_table",
    "csv_bytes",
    "csv_files",
    "csv_zip_bytes",
    "data_table",
    "open_answers_table",
    "results_table",
    "trend_table",
    "workbook_bytes",
    "write_csv",
    "write_workbook",
]
