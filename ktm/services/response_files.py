"""Answers in and out as a file, in the column layout of the export's Data sheet.

    export_responses(engine, wave_id, "antwoorden.xlsx")          # or .csv
    import_responses(engine, wave_id, "papier.xlsx", mode="paper")

The layout is report.excel's Data sheet: the meta columns (response_id, mode, status,
response_language, stratum, profession, training_year, university, language, design_weight,
weight) and one column per answer column of the questionnaire version (codes; a multiple
choice question one 0/1 column per option, ``item/code``). So an export imports again.
On import:

- the answer columns of the wave's questionnaire version must all be there; open questions
  (text) may be added as columns of their own (the Data sheet leaves them out); a column
  ``unit_id`` links a row to a sampled person's invitation (a paper form of someone in the
  sample: the response then counts in the sample, mode invited, and the invitation's
  disposition follows; how it came in, e.g. on paper, is kept apart, progress["channel"],
  so the accountability's question 5 counts it as paper); any other column is a problem;
- every row is validated against the questionnaire version as the web form is: ranges and
  codes, required questions (not for status partial), and the skip logic (an answer to a
  question that did not apply is a problem, not silently dropped). An empty cell of a
  question with "n.v.t." is n.v.t. (the Data sheet writes n.v.t. as empty);
- the weights and the stratum are never read: the tool computes them;
- duplicates are refused: two rows for one invitation (or an invitation that has a response
  already), and a row imported before (same content and response_id: its fingerprint), or an
  export re-imported into its own wave;
- all or nothing: one problem and nothing is stored; every problem has its row and column.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from ktm import roles
from ktm.services import audit
from report.excel import DATA_META, csv_bytes, data_table
from sampling.frame import FrameError, Problem, _is_blank, _text, read_table
from store import imports as store_imports
from store.db import reading, transaction
from store.responses import (
    PROFILE_STRATA,
    _profile_strata,
    check_full,
    questionnaire_for,
    sections_asked,
)
from store.waves import get_wave
from survey.data import MESSAGES, _as_number, effective_answers
from vocabulary import RESPONSE_MODES

STATUSES = ("complete", "partial")
COMPUTED_KINDS = ("metadata", "calculated")
FROM_FILE = "file"  # mode: take each row's mode from the file's mode column
STRATA_COLUMNS = ("profession", "training_year", "university", "language")
_REQUIRED_TEXTS = {m["nl"] for k, m in MESSAGES.items() if k.startswith("required")}


class ResponseFileError(FrameError):
    what = "responses"


@dataclass(frozen=True)
class ResponseImport:
    source_name: str
    n_rows: int
    response_ids: tuple[int, ...]
    linked: int  # rows linked to a sampled person's invitation
    by_mode: dict[str, int]  # the stored mode: a linked row is the sample's (invited)
    linked_paper: int = 0  # of the linked rows, those imported as paper forms

    def summary(self) -> str:
        # A linked paper form is stored as the sample's response (mode invited): say so in
        # words, not as "invited 6" after the user typed --mode paper.
        unlinked = dict(self.by_mode)
        unlinked["invited"] = unlinked.get("invited", 0) - self.linked
        parts_nl, parts_en = [], []
        if self.linked_paper:
            n = self.linked_paper
            parts_nl.append(
                f"{n} papieren formulier{'en' if n != 1 else ''}, gekoppeld aan "
                f"{'hun' if n != 1 else 'de'} uitnodiging: "
                f"{'ze tellen' if n != 1 else 'het telt'} als respons van de steekproef"
            )
            parts_en.append(
                f"{n} paper form{'s' if n != 1 else ''}, linked to "
                f"{'their' if n != 1 else 'its'} invitation: counted as the sample's response"
            )
        if self.linked - self.linked_paper:
            n = self.linked - self.linked_paper
            parts_nl.append(
                f"{n} gekoppeld aan een uitnodiging: respons van de steekproef (invited {n})"
            )
            parts_en.append(f"{n} linked to an invitation: the sample's response (invited {n})")
        others = ", ".join(f"{m} {n}" for m, n in sorted(unlinked.items()) if n)
        if others:
            parts_nl.append(f"niet gekoppeld aan een uitnodiging: {others}")
            parts_en.append(f"not linked to an invitation: {others}")
        return (
            f"{self.source_name}: {len(self.response_ids)} antwoorden ingelezen / responses "
            f"imported. {'; '.join(parts_nl)}. / {'; '.join(parts_en)}."
        )


# --------------------------------------------------------------------------- export


def export_table(engine: Engine, wave_id: int) -> pd.DataFrame:
    """The wave's Data sheet (report.excel.data_table) as a table."""
    from ktm.services.results import analyse

    roles.require("internal_export")  # respondent-level microdata
    _data, result = analyse(engine, wave_id)
    return data_table(result)


def export_bytes(engine: Engine, wave_id: int, suffix: str = ".xlsx") -> bytes:
    table = export_table(engine, wave_id)
    if suffix.lower() == ".csv":
        return csv_bytes(table)
    buffer = io.BytesIO()
    from vocabulary import neutralise_frame

    neutralise_frame(table).to_excel(buffer, index=False, sheet_name="Data")
    return buffer.getvalue()


def export_responses(engine: Engine, wave_id: int, path: str | Path) -> Path:
    """Write the wave's responses in the Data layout: .xlsx (sheet Data) or .csv (as the
    workbook's data.csv: ';' and decimal ',')."""
    path = Path(path)
    path.write_bytes(export_bytes(engine, wave_id, path.suffix))
    audit.record(engine, "internal_export", wave_id, {"what": "responses", "file": path.name})
    return path


# --------------------------------------------------------------------------- reading


def _default_sheet(data: bytes, name: str, sheet: str | None) -> str | None:
    """A whole workbook of the export imports from its Data sheet."""
    if sheet is not None or not name.lower().endswith((".xlsx", ".xlsm")):
        return sheet
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
    except Exception:  # read_table reports an unreadable file
        return None
    names = wb.sheetnames
    wb.close()
    return "Data" if "Data" in names and names[0] != "Data" else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    text = str(value).strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _cell(col, value: Any) -> tuple[Any, str | None]:
    """(value for the answers dict, problem message) of one filled cell."""
    if col.kind in ("scale", "rating"):
        n = _integer(value)
        if n is None:
            return None, f"{_text(value)!r} is geen geheel getal (not a whole number)"
        return n, None
    if col.kind == "multi":
        n = _integer(value)
        if n not in (0, 1):
            return None, f"{_text(value)!r}: verwacht 0 of 1 (expected 0 or 1)"
        return n, None
    if col.kind == "number":
        n = _as_number(value)
        if n is None:
            return None, f"{_text(value)!r} is geen getal (not a number)"
        if col.type == "integer":
            if not float(n).is_integer():
                return None, f"{_text(value)!r} is geen geheel getal (not a whole number)"
            return int(n), None
        return n, None
    if col.kind == "date" and isinstance(value, dt.datetime | dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat(), None
    return _text(value), None


def _problems_of(errors: dict, row: int, partial: bool, multi_cols: dict) -> list[Problem]:
    out = []
    for key, (nl, en) in errors.items():
        if partial and nl in _REQUIRED_TEXTS:
            continue
        out.append(Problem(row, multi_cols.get(key, key), f"{nl} ({en})"))
    return out


def _header_problems(headers: list[str], known: set[str], answer_cols) -> list[Problem]:
    """Unknown and blank headers, and the answer columns the file lacks."""
    problems: list[Problem] = []
    for j, h in enumerate(headers):
        if h and h not in known:
            problems.append(
                Problem(
                    1,
                    h,
                    "onbekende kolom: niet in de lay-out van het blad Data van deze "
                    "vragenlijstversie (unknown column: not in the Data layout of this "
                    "questionnaire version)",
                )
            )
        elif not h:
            problems.append(Problem(1, f"#{j + 1}", "kolom zonder kop (column without a header)"))
    missing = [n for n in answer_cols if n not in headers]
    for name in missing:
        problems.append(Problem(1, name, "kolom ontbreekt (column missing) in het bestand"))
    return problems


def _row_facts(get, q, mode: str, excel_row: int):
    """(status, language, mode, unit id, problems) of one row: its own columns checked
    against the questionnaire and the import's mode."""
    row_problems: list[Problem] = []
    status = _text(get("status") or "complete").lower()
    if status not in STATUSES:
        row_problems.append(
            Problem(excel_row, "status", f"{status!r}: verwacht complete of partial")
        )
    language = _text(get("response_language") or q.languages[0]).lower()
    if language not in q.languages:
        row_problems.append(
            Problem(
                excel_row,
                "response_language",
                f"{language!r}: de vragenlijst heeft de talen {', '.join(q.languages)}",
            )
        )
    row_mode = mode
    file_mode = get("mode")
    if file_mode is not None:
        file_mode = _text(file_mode)
        if file_mode not in RESPONSE_MODES:
            row_problems.append(
                Problem(
                    excel_row,
                    "mode",
                    f"{file_mode!r}: onbekende wijze; bekend: {', '.join(RESPONSE_MODES)}",
                )
            )
        elif mode == FROM_FILE:
            row_mode = file_mode
        elif file_mode != mode:
            row_problems.append(
                Problem(
                    excel_row,
                    "mode",
                    f"het bestand zegt {file_mode!r}, de inlezing {mode!r}: pas de kolom "
                    f"aan of lees in met --mode {file_mode} (the file says {file_mode!r}, "
                    f"the import {mode!r})",
                )
            )
    elif mode == FROM_FILE:
        row_problems.append(
            Problem(excel_row, "mode", "leeg: geef de wijze in het bestand of met --mode")
        )
    unit = get("unit_id")
    unit = None if unit is None else _text(unit)
    if row_mode == "invited" and unit is None and not row_problems:
        row_problems.append(
            Problem(
                excel_row,
                "unit_id",
                "wijze invited vraagt de unit_id van de persoon uit de steekproef; voor "
                "formulieren van wie niet in de steekproef zit: --mode paper (mode invited "
                "needs the sampled person's unit_id)",
            )
        )
    return status, language, row_mode, unit, row_problems


def _row_answers(get, cols, items, asked, stored_mode, excel_row, row_problems):
    """The row's answers (and the items with a bad value: one problem per cell), for the
    questions asked in ``stored_mode``; the problems go to ``row_problems``."""
    answers: dict[str, Any] = {}
    bad_items: set[str] = set()  # one problem per cell: no "required" after a bad value
    for name, col in cols.items():
        v = get(name)
        item = items[col.item_id]
        if v is None:
            if col.kind in ("scale", "rating") and item.na and name in asked:
                answers[name] = None  # empty is n.v.t. in the Data layout
            continue
        if col.item_id not in asked and name not in asked:
            row_problems.append(
                Problem(
                    excel_row,
                    name,
                    f"deze vraag wordt niet gesteld bij wijze {stored_mode} (this question is "
                    f"not asked in mode {stored_mode}); laat de cel leeg",
                )
            )
            continue
        value, problem = _cell(col, v)
        if problem:
            row_problems.append(Problem(excel_row, name, problem))
            bad_items.add(col.item_id)
            continue
        if col.kind == "multi":
            codes = answers.setdefault(col.item_id, [])
            if value == 1:
                codes.append(col.choice_code)
        else:
            answers[name] = value
    return answers, bad_items


def parse_rows(q, table: pd.DataFrame, mode: str) -> tuple[list, list[Problem]]:
    """Validated ImportRows of a table in the Data layout, and every problem."""
    problems: list[Problem] = []
    headers = [str(h) for h in table.attrs.get("headers", list(table.columns))]
    columns = q.columns()
    # Computed columns (metadata start/end/today, calculations) may be in the file (an
    # export has them) but are never read: the tool computes them.
    computed = {c.name for c in columns if c.kind in COMPUTED_KINDS}
    answer_cols = {c.name: c for c in columns if c.kind not in ("text", *COMPUTED_KINDS)}
    text_cols = {c.name: c for c in columns if c.kind == "text"}
    multi_first = {}
    for c in columns:
        if c.kind == "multi":
            multi_first.setdefault(c.item_id, c.name)
    known = {*DATA_META, *answer_cols, *text_cols, *computed, "unit_id"}
    problems += _header_problems(headers, known, answer_cols)
    if problems:
        return [], problems
    label = dict(zip(headers, table.columns, strict=False))
    items = {it.id: it for it in q.items()}
    asked = {
        m: {
            k
            for sec in sections_asked(q, m)
            for it in sec.items
            for k in [it.id, *it.answer_keys()]
        }
        for m in RESPONSE_MODES
    }
    rows = []
    for i, record in enumerate(table.itertuples(index=False, name=None)):
        cells = dict(zip(table.columns, record, strict=True))
        excel_row = i + 2
        if all(_is_blank(v) for v in cells.values()):
            continue

        def get(name: str, cells=cells) -> Any:
            v = cells.get(label.get(name)) if name in label else None
            return None if _is_blank(v) else v

        status, language, row_mode, unit, row_problems = _row_facts(get, q, mode, excel_row)
        stored_mode = "invited" if unit is not None else row_mode
        if stored_mode not in asked:
            stored_mode = "paper"
        answers, bad_items = _row_answers(
            get,
            {**answer_cols, **text_cols},
            items,
            asked[stored_mode],
            stored_mode,
            excel_row,
            row_problems,
        )
        given = {k for k, v in answers.items() if v not in (None, [])}
        effective = effective_answers(q, answers)
        for key in sorted(given - set(effective)):
            row_problems.append(
                Problem(
                    excel_row,
                    multi_first.get(key, key),
                    "beantwoord, maar deze vraag was niet van toepassing (vraagregel "
                    f"{items[_item_of(q, key)].relevant!r}) (answered, but the question did "
                    "not apply)",
                )
            )
        cleaned, errors = check_full(q, answers, stored_mode)
        errors = {k: v for k, v in errors.items() if _item_of(q, k) not in bad_items}
        row_problems += _problems_of(errors, excel_row, status == "partial", multi_first)
        if row_problems:
            problems += row_problems
            continue
        strata = {"language": language, **_profile_strata(q, cleaned)}
        for c in STRATA_COLUMNS:
            v = get(c)
            if v is not None:
                strata[c] = _integer(v) if c == "training_year" else _text(v)
        source_id = get("response_id")
        rows.append(
            store_imports.ImportRow(
                row=excel_row,
                mode=row_mode,
                status=status,
                language=language,
                strata=strata,
                answers=cleaned,
                source_id=None if source_id is None else _text(source_id),
                unit_id=unit,
            )
        )
    return rows, problems


def _item_of(q, key: str) -> str:
    for it in q.items():
        if key == it.id or key in it.answer_keys():
            return it.id
    return key


# --------------------------------------------------------------------------- import


def import_responses(
    engine: Engine,
    wave_id: int,
    source: str | Path | bytes | Any,
    *,
    mode: str = "paper",
    filename: str | None = None,
    sheet: str | None = None,
) -> ResponseImport:
    """Validate a file in the Data layout against the wave's questionnaire version and store
    every row in one transaction; ResponseFileError (every problem with its row and column)
    stores nothing."""
    roles.require("paper_answers")
    if mode not in (*RESPONSE_MODES, FROM_FILE):
        raise ValueError(f"mode must be one of {', '.join(RESPONSE_MODES)} or {FROM_FILE}")
    if isinstance(source, str | Path):
        data, name = Path(source).read_bytes(), filename or Path(source).name
    elif isinstance(source, bytes | bytearray):
        data, name = bytes(source), filename or "upload"
    else:
        data, name = source.read(), filename or getattr(source, "name", "upload")
    table, name, _digest = read_table(data, name, _default_sheet(data, name, sheet))
    with transaction(engine) as conn:
        wave = get_wave(conn, wave_id)
        if not wave.get("questionnaire_hash"):
            raise ResponseFileError(
                [
                    Problem(
                        None,
                        None,
                        f"bevraging {wave_id} heeft nog geen vragenlijst; koppel er eerst een "
                        f"aan (wave {wave_id} has no questionnaire yet)",
                    )
                ],
                name,
            )
        qhash = wave["questionnaire_hash"]
        q = questionnaire_for(conn, qhash)
        rows, problems = parse_rows(q, table, mode)
        linked: dict[int, dict] = {}
        if not problems:
            problems += _duplicates(conn, wave_id, rows, linked)
        if problems:
            raise ResponseFileError(problems, name)
        if not rows:
            raise ResponseFileError([Problem(None, None, "het bestand heeft geen rijen")], name)
        sections = {m: [s.id for s in sections_asked(q, m)] for m in {*RESPONSE_MODES}}
        ids = []
        for r in rows:
            stored = "invited" if r.row in linked else r.mode
            ids += store_imports.insert_rows(conn, wave_id, qhash, [r], linked, sections[stored])
    by_mode: dict[str, int] = {}
    for r in rows:
        m = "invited" if r.row in linked else r.mode
        by_mode[m] = by_mode.get(m, 0) + 1
    linked_paper = sum(1 for r in rows if r.row in linked and r.mode == "paper")
    return ResponseImport(name, len(table), tuple(ids), len(linked), by_mode, linked_paper)


def _duplicates(conn, wave_id: int, rows: list, linked: dict[int, dict]) -> list[Problem]:
    problems: list[Problem] = []
    units = store_imports.invitations_by_unit(conn, wave_id) if any(r.unit_id for r in rows) else {}
    seen_units: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    stored_keys = store_imports.existing_keys(conn, wave_id)
    ids = [int(r.source_id) for r in rows if r.source_id and r.source_id.isdigit()]
    own = store_imports.existing_contents(conn, wave_id, ids)
    for r in rows:
        if r.unit_id is not None:
            inv = units.get(r.unit_id)
            if inv is None:
                problems.append(
                    Problem(
                        r.row,
                        "unit_id",
                        f"{r.unit_id!r} zit niet in de steekproef van bevraging {wave_id} "
                        f"(not in the sample of wave {wave_id})",
                    )
                )
            elif inv["response_id"] is not None:
                problems.append(
                    Problem(
                        r.row,
                        "unit_id",
                        f"{r.unit_id!r} heeft al een antwoord (nr. {inv['response_id']}) in deze "
                        "bevraging: één antwoord per uitnodiging (already has a response)",
                    )
                )
            elif r.unit_id in seen_units:
                problems.append(
                    Problem(
                        r.row,
                        "unit_id",
                        f"{r.unit_id!r} staat ook in rij {seen_units[r.unit_id]}: één antwoord "
                        "per uitnodiging (also in another row)",
                    )
                )
            else:
                linked[r.row] = inv
            seen_units.setdefault(r.unit_id, r.row)
        key = r.key()
        if key in stored_keys:
            problems.append(
                Problem(
                    r.row,
                    None,
                    f"deze rij werd al ingelezen (antwoord nr. {stored_keys[key]}): een "
                    "bestand twee keer inlezen telt de antwoorden dubbel (this row was imported "
                    "before)",
                )
            )
        elif key in seen_keys:
            problems.append(
                Problem(
                    r.row,
                    None,
                    f"dezelfde rij als rij {seen_keys[key]}; zijn het twee formulieren, geef ze "
                    "dan elk een eigen response_id (the same as another row; give two forms "
                    "each their own response_id)",
                )
            )
        elif r.source_id and r.source_id.isdigit():
            rid = int(r.source_id)
            content = store_imports.fingerprint(r.content())
            if own.get(rid) == content:
                problems.append(
                    Problem(
                        r.row,
                        "response_id",
                        f"antwoord nr. {rid} van deze bevraging heeft precies deze antwoorden: "
                        "de export van deze bevraging opnieuw ingelezen? (an export of this "
                        "wave re-imported?)",
                    )
                )
        seen_keys.setdefault(key, r.row)
    return problems


def preview_columns(engine: Engine, wave_id: int) -> list[str]:
    """The column headers a file for this wave must have (the Data layout), for the page."""
    with reading(engine) as conn:
        wave = get_wave(conn, wave_id)
        if not wave.get("questionnaire_hash"):
            return []
        q = questionnaire_for(conn, wave["questionnaire_hash"])
    return [
        *DATA_META,
        *(c.name for c in q.columns() if c.kind not in ("text", *COMPUTED_KINDS)),
    ]


__all__ = [
    "PROFILE_STRATA",
    "ResponseFileError",
    "ResponseImport",
    "export_responses",
    "import_responses",
]
