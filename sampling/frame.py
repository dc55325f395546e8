"""The sampling frame: reading an Excel or CSV file and validating it, row by row.

A frame is the list of every unit (trainee) that can be sampled in a wave. Validation reports
every problem at once, each with its Excel-style row number (the header is row 1, the first
unit is row 2), so the team can fix the file in one go. An invalid file raises ``FrameError``
and yields nothing: there is no partially imported frame.

Cells are read as data, never as formulas: Excel files are opened with ``data_only=True`` and a
text cell such as ``=HYPERLINK(...)`` or ``+32 ...`` stays the literal text it is.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

# Same codes as survey/schema.py PROFESSIONS; repeated here so sampling/ has no dependency on it.
PROFESSION_CODES: tuple[str, ...] = (
    "huisarts",
    "arts_specialist",
    "algemeen_tandarts",
    "tandarts_specialist",
    "ziekenhuisapotheker",
)
LANGUAGES: tuple[str, ...] = ("nl", "en", "fr", "de")
REQUIRED_COLUMNS: tuple[str, ...] = (
    "unit_id",
    "email",
    "profession",
    "training_year",
    "university",
    "language",
)
# Optional columns with a fixed meaning (used in the mail merge when present).
NAME_COLUMNS: tuple[str, ...] = ("name", "first_name", "last_name")
TRAINING_YEAR_RANGE = (1, 7)
# Columns that selection and invitations add; a frame may not bring its own.
RESERVED_COLUMNS: tuple[str, ...] = (
    "stratum",
    "N_h",
    "n_h",
    "inclusion_prob",
    "design_weight",
    "token",
    "token_hash",
    "disposition",
)

# Header aliases (after normalisation: lower case, spaces and hyphens to underscores).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_id": (
        "id",
        "unit",
        "unitid",
        "person_id",
        "persoon_id",
        "persoonsnummer",
        "eenheid_id",
        "id_nummer",
        "dossiernummer",
        "dossier_id",
    ),
    "email": (
        "e_mail",
        "mail",
        "emailadres",
        "e_mailadres",
        "mailadres",
        "email_address",
        "e_mail_address",
        "courriel",
    ),
    "profession": ("beroep", "beroepsgroep", "discipline", "beroepscategorie", "beroepstitel"),
    "training_year": (
        "opleidingsjaar",
        "jaar_opleiding",
        "jaar_van_opleiding",
        "year_of_training",
        "trainingyear",
        "jaar",
        "year",
    ),
    "university": ("universiteit", "univ", "unief", "uni", "universiteit_van_opleiding"),
    "language": ("taal", "lang", "locale", "langue", "voorkeurtaal", "correspondentietaal"),
    "name": ("naam", "volledige_naam", "full_name"),
    "first_name": ("voornaam", "firstname", "given_name"),
    "last_name": ("achternaam", "familienaam", "lastname", "surname", "family_name"),
}

PROFESSION_ALIASES: dict[str, str] = {
    "haio": "huisarts",
    "huisarts_in_opleiding": "huisarts",
    "aso": "arts_specialist",
    "arts_specialist_in_opleiding": "arts_specialist",
    "specialist": "arts_specialist",
    "tandarts": "algemeen_tandarts",
    "algemene_tandarts": "algemeen_tandarts",
    "algemeen_tandarts_in_opleiding": "algemeen_tandarts",
    "tandarts_specialist_in_opleiding": "tandarts_specialist",
    "ziekenhuisapotheker_in_opleiding": "ziekenhuisapotheker",
}

LANGUAGE_ALIASES: dict[str, str] = {
    "nederlands": "nl",
    "dutch": "nl",
    "vlaams": "nl",
    "nl_be": "nl",
    "nld": "nl",
    "engels": "en",
    "english": "en",
    "en_gb": "en",
    "en_us": "en",
    "eng": "en",
    "frans": "fr",
    "french": "fr",
    "francais": "fr",
    "français": "fr",
    "fr_be": "fr",
    "duits": "de",
    "german": "de",
    "deutsch": "de",
    "de_be": "de",
}

#: The longest value the store accepts per column (store/schema.py frame_units).
MAX_LENGTH = {"unit_id": 100, "university": 100, "name": 300}

EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
MAX_PRINTED_PROBLEMS = 50


class Problem(NamedTuple):
    """One validation problem: Excel-style row (header = 1; None for the whole file), column
    (as headed in the file; None when not about one column) and a message (Dutch, English)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"rij {self.row}")
        if self.column is not None:
            where.append(f"kolom '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


#: The row numbers (or runs of them) one grouped problem names before "en N meer".
MAX_LISTED_ROWS = 10


def _runs(rows: Iterable[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for r in sorted(set(rows)):
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return runs


def _run_text(run: list[int]) -> str:
    return f"{run[0]}-{run[-1]}" if len(run) > 2 else ", ".join(str(r) for r in run)


def row_runs(rows: Iterable[int]) -> list[str]:
    """Row numbers as runs: 3, 4, 7, 8, 9, 10 -> ["3, 4", "7-10"] (a run of two stays two)."""
    return [_run_text(run) for run in _runs(rows)]


@dataclass(frozen=True)
class ProblemGroup:
    """One problem as it hits several rows: the same column and message, its rows listed
    compactly ("rij 3, 4, 7-12 en 20 meer")."""

    rows: tuple[int, ...]
    column: str | None
    message: str

    def __str__(self) -> str:
        if len(self.rows) <= 1:
            return str(Problem(self.rows[0] if self.rows else None, self.column, self.message))
        runs = _runs(self.rows)
        listed = ", ".join(_run_text(run) for run in runs[:MAX_LISTED_ROWS])
        rest = len(set(self.rows)) - sum(len(run) for run in runs[:MAX_LISTED_ROWS])
        where = f"{len(set(self.rows))} rijen (rows) {listed}" + (
            f" en {rest} meer (and {rest} more)" if rest else ""
        )
        if self.column is not None:
            where += f", kolom '{self.column}'"
        return f"{where}: {self.message}"


def grouped(problems: Iterable[Problem]) -> list[ProblemGroup]:
    """The problems with the same column and message as one group, in the order of their
    first row; a problem about the whole file stays on its own."""
    groups: dict[tuple, list[int]] = {}
    alone: list[tuple[int, Problem]] = []
    order: dict[tuple, int] = {}
    for i, p in enumerate(problems):
        if p.row is None:
            alone.append((i, p))
            continue
        key = (p.column, p.message)
        order.setdefault(key, i)
        groups.setdefault(key, []).append(p.row)
    out = [(i, ProblemGroup((), p.column, p.message)) for i, p in alone]
    out += [(order[k], ProblemGroup(tuple(rows), *k)) for k, rows in groups.items()]
    return [g for _, g in sorted(out, key=lambda x: x[0])]


class FrameError(ValueError):
    """A file that cannot be used as it is. ``problems`` lists every (row, column, message)."""

    what = "frame"

    def __init__(self, problems: Iterable[Problem | tuple], source: str = "frame") -> None:
        self.problems: list[Problem] = [Problem(*p) for p in problems]
        self.source = source
        super().__init__(self._render())

    def _render(self) -> str:
        k = len(self.problems)
        head = (
            f"{self.source}: {k} {'probleem' if k == 1 else 'problemen'} gevonden, er is niets "
            f"ingelezen ({k} problem{'' if k == 1 else 's'} found, nothing was imported). "
            "Verbeter het bestand en lees het opnieuw in (fix the file and import it again)."
        )
        groups = grouped(self.problems)
        lines = [f"  - {g}" for g in groups[:MAX_PRINTED_PROBLEMS]]
        if len(groups) > MAX_PRINTED_PROBLEMS:
            rest = sum(len(g.rows) or 1 for g in groups[MAX_PRINTED_PROBLEMS:])
            lines.append(f"  ... en nog {rest} (and {rest} more)")
        return "\n".join([head, *lines])

    @property
    def all_printed(self) -> bool:
        """Whether the message names every problem and row (else a full list helps)."""
        groups = grouped(self.problems)
        return len(groups) <= MAX_PRINTED_PROBLEMS and all(
            len(_runs(g.rows)) <= MAX_LISTED_ROWS for g in groups
        )

    def as_frame(self) -> pd.DataFrame:
        """The problems as a table (rij/row, kolom/column, probleem/problem) for display."""
        return pd.DataFrame(
            {
                "row": [p.row for p in self.problems],
                "column": [p.column for p in self.problems],
                "message": [p.message for p in self.problems],
            }
        )


@dataclass(frozen=True)
class Frame:
    """A validated frame: the data (one row per unit) and where it came from."""

    data: pd.DataFrame
    source: str
    sha256: str
    auxiliary: tuple[str, ...] = ()
    column_map: dict[str, str] = field(default_factory=dict)

    @property
    def n_units(self) -> int:
        return len(self.data)

    def counts(self, by: str | list[str] = "profession") -> dict[str, int]:
        """Population counts N_h per stratum (labels as built by ``selection.stratum_labels``)."""
        from sampling.selection import population_counts

        return population_counts(self.data, by)


# --------------------------------------------------------------------------- reading tables


def normalise_header(name: Any) -> str:
    """Lower case, trimmed, spaces/hyphens/dots to single underscores."""
    text = "" if name is None else str(name)
    text = text.strip().lower().replace("\ufeff", "")
    text = re.sub(r"[\s\-./]+", "_", text)
    return text.strip("_")


def missing_column(required: str, candidates, present: Mapping[str, str]) -> Problem:
    """The problem for a required column not found: the headers of `present` (normalised ->
    as written) that look like one of `candidates` (the name and its aliases), or else the
    accepted names."""
    close: list[str] = []
    for cand in candidates:
        for match in difflib.get_close_matches(cand, list(present), n=3, cutoff=0.6):
            if present[match] not in close:
                close.append(present[match])
    hint = (
        f"; bedoelde u (did you mean) {', '.join(repr(c) for c in close[:3])}?"
        if close
        else f"; aanvaarde namen (accepted names): {', '.join(list(candidates)[:4])}"
    )
    return Problem(
        1, None, f"verplichte kolom '{required}' ontbreekt (required column missing){hint}"
    )


def filled_rows(df: pd.DataFrame, problems: list) -> list[int]:
    """The positions of the rows that hold something; an empty row between them is a problem
    (trailing ones were dropped when reading)."""
    filled = [not all(_is_blank(v) for v in row) for row in df.itertuples(index=False, name=None)]
    last = max((i for i, f in enumerate(filled) if f), default=-1)
    for i in range(last + 1):
        if not filled[i]:
            problems.append(Problem(i + 2, None, "lege rij; verwijder ze (empty row; delete it)"))
    return [i for i in range(last + 1) if filled[i]]


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip() == ""


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _load_bytes(source: str | Path | bytes | io.BytesIO, filename: str | None) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), filename or "upload"
    if isinstance(source, io.IOBase) or hasattr(source, "read"):
        data = source.read()
        return (data.encode() if isinstance(data, str) else data), filename or getattr(
            source, "name", "upload"
        )
    path = Path(source)
    try:
        return path.read_bytes(), filename or path.name
    except OSError as exc:
        raise FrameError(
            [Problem(None, None, f"kan het bestand niet lezen (cannot read the file): {exc}")],
            str(path),
        ) from exc


def _rows_from_xlsx(data: bytes, name: str, sheet: str | None) -> list[list[Any]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise FrameError(
            [
                Problem(
                    None,
                    None,
                    "geen leesbaar Excel-bestand (.xlsx); sla het op als .xlsx of .csv "
                    f"(not a readable .xlsx file; save it as .xlsx or .csv): {exc}",
                )
            ],
            name,
        ) from exc
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise FrameError(
                    [
                        Problem(
                            None,
                            None,
                            f"tabblad '{sheet}' bestaat niet (sheet not found); "
                            f"beschikbaar: {', '.join(wb.sheetnames)}",
                        )
                    ],
                    name,
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _decode_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _rows_from_csv(data: bytes) -> list[list[Any]]:
    text = _decode_text(data)
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [[None if c == "" else c for c in row] for row in reader]


def read_table(
    source: str | Path | bytes | io.BytesIO,
    filename: str | None = None,
    sheet: str | None = None,
) -> tuple[pd.DataFrame, str, str]:
    """Read an .xlsx or .csv file into a raw table of cell values.

    Returns ``(table, name, sha256)``: the table has the header cells as column names (a blank
    header becomes ``''``), row ``i`` of the table is Excel row ``i + 2``, trailing empty rows and
    columns are dropped. CSV files may be UTF-8 (with or without BOM) or Windows-1252, separated
    by ``;``, ``,``, tab or ``|``.
    """
    data, name = _load_bytes(source, filename)
    digest = hashlib.sha256(data).hexdigest()
    suffix = Path(name).suffix.lower()
    if suffix in (".xls", ".ods", ".numbers"):
        raise FrameError(
            [
                Problem(
                    None,
                    None,
                    f"bestandstype {suffix} wordt niet ondersteund; sla op als .xlsx of .csv "
                    f"(file type {suffix} is not supported; save as .xlsx or .csv)",
                )
            ],
            name,
        )
    is_xlsx = suffix in (".xlsx", ".xlsm") or (
        suffix not in (".csv", ".txt") and data[:4] == b"PK\x03\x04"
    )
    try:
        rows = _rows_from_xlsx(data, name, sheet) if is_xlsx else _rows_from_csv(data)
    except csv.Error as exc:  # e.g. a cell over the csv module's field limit (128 KiB)
        raise FrameError(
            [
                Problem(
                    None,
                    None,
                    f"het CSV-bestand kan niet gelezen worden ({exc}); controleer of er geen "
                    "uitzonderlijk lange cel of een niet-afgesloten aanhalingsteken in staat "
                    f"(the CSV file cannot be read ({exc}): look for an extremely long cell or "
                    "an unclosed quote)",
                )
            ],
            name,
        ) from exc

    def last_filled(cells: list[Any]) -> int:
        for j in range(len(cells) - 1, -1, -1):
            if not _is_blank(cells[j]):
                return j + 1
        return 0

    while rows and last_filled(rows[-1]) == 0:
        rows.pop()
    if not rows:
        raise FrameError([Problem(None, None, "het bestand is leeg (the file is empty)")], name)
    width = max(last_filled(r) for r in rows)
    header = [("" if _is_blank(h) else str(h).strip()) for h in (rows[0] + [None] * width)[:width]]
    body = [(r + [None] * width)[:width] for r in rows[1:]]
    # Unique internal labels for duplicated or blank headers; validation reports them.
    labels: list[str] = []
    seen: dict[str, int] = {}
    for j, h in enumerate(header):
        label = h if h else f"kolom {_column_letter(j)}"
        if label in seen:
            seen[label] += 1
            label = f"{label} ({_column_letter(j)})"
        seen.setdefault(label, 1)
        labels.append(label)
    table = pd.DataFrame(body, columns=labels, dtype=object)
    table.attrs["headers"] = header
    return table, name, digest


# --------------------------------------------------------------------------- cell parsers


def _text(value: Any) -> str:
    """A cell as text; integral floats from Excel lose their '.0' (12345.0 -> '12345')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def canonical_profession(value: Any) -> str | None:
    """The profession code for a cell (case, spaces, hyphens and common Dutch names tolerated)."""
    key = normalise_header(value)
    if key in PROFESSION_CODES:
        return key
    return PROFESSION_ALIASES.get(key)


def canonical_language(value: Any) -> str | None:
    key = normalise_header(value)
    if key in LANGUAGES:
        return key
    return LANGUAGE_ALIASES.get(key)


def email_ok(value: str) -> bool:
    """A pragmatic address check: one @, a dotted domain with a letter TLD, no spaces."""
    return len(value) <= 254 and EMAIL_RE.match(value) is not None


def _training_year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = str(value).strip()
    if re.fullmatch(r"[+]?\d+", text):
        return int(text)
    if re.fullmatch(r"\d+[.,]0+", text):
        return int(re.split(r"[.,]", text)[0])
    return None


# --------------------------------------------------------------------------- validation


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, aliases in COLUMN_ALIASES.items():
        index[canonical] = canonical
        for alias in aliases:
            index[alias] = canonical
    return index


def _maybe_numeric(values: list[Any]) -> pd.Series:
    """Auxiliary column: numeric when every filled cell is a number, else text; blanks -> NA."""
    filled = [v for v in values if not _is_blank(v)]
    if filled and all(
        (isinstance(v, int | float) and not isinstance(v, bool))
        or (
            isinstance(v, str)
            and re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)", v.strip())
            and not re.match(r"0\d", v.strip())
        )
        for v in filled
    ):
        nums = [
            None
            if _is_blank(v)
            else float(str(v).strip().replace(",", "."))
            if isinstance(v, str)
            else float(v)
            for v in values
        ]
        series = pd.Series(nums, dtype="Float64")
        if series.dropna().map(float.is_integer).all():
            series = series.astype("Int64")
        return series
    cells = [
        None if _is_blank(v) else (v if isinstance(v, datetime | date) else _text(v))
        for v in values
    ]
    all_text = all(c is None or isinstance(c, str) for c in cells)
    return pd.Series(cells, dtype="str" if all_text else object)


def validate_frame(df: pd.DataFrame, source: str = "frame.xlsx") -> pd.DataFrame:
    """Check a raw frame table and return it with canonical columns and types.

    ``df`` holds the cells as read (row ``i`` is Excel row ``i + 2``; the column names are the
    headers). Checks: required columns (with the nearest existing header names when missing),
    duplicate or blank headers, empty rows, missing values, duplicate unit ids and e-mail
    addresses (case-insensitive), invalid e-mail addresses, unknown professions, training years
    that are not a whole number in 1..7, languages outside nl/en/fr/de. Every other column is kept
    as an auxiliary variable (numeric when all its cells are numbers).

    Returns a DataFrame with ``unit_id``, ``email``, ``profession``, ``training_year`` (int),
    ``university``, ``language``, then the name columns if present, then the auxiliary columns.
    Raises ``FrameError`` listing every problem.
    """
    problems: list[Problem] = []
    headers = list(df.attrs.get("headers") or [str(c) for c in df.columns])
    alias = _alias_index()
    canon_of, first_label_of = _header_mapping(df, headers, alias, problems)
    problems += _missing_columns(headers, first_label_of, alias)
    rows = filled_rows(df, problems)
    cols = _Columns(df, rows, canon_of, first_label_of, problems)
    out = _checked_columns(cols)
    cols.length_problems()
    problems += _screening_problems(df, rows, canon_of)
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise FrameError(problems, source)
    return _result(cols, out)


def _header_mapping(
    df: pd.DataFrame, headers: list[str], alias: dict[str, str], problems: list[Problem]
) -> tuple[dict[str, str], dict[str, str]]:
    """(column label -> canonical name, canonical name -> its header in the file), with a
    problem for a blank header over data, a column named twice and a reserved name."""
    canon_of: dict[str, str] = {}  # label -> canonical
    first_label_of: dict[str, str] = {}  # canonical -> label
    labels = [str(c) for c in df.columns]
    for j, (label, header) in enumerate(zip(labels, headers, strict=False)):
        column_has_data = any(not _is_blank(v) for v in df.iloc[:, j])
        if not header:
            if column_has_data:
                problems.append(
                    Problem(
                        1,
                        f"kolom {_column_letter(j)}",
                        "kolom met gegevens maar zonder kolomnaam; geef ze een naam of "
                        "verwijder ze (column with data but no header)",
                    )
                )
            continue
        key = normalise_header(header)
        canonical = alias.get(key, header.strip())
        if canonical in first_label_of:
            problems.append(
                Problem(
                    1,
                    header,
                    f"kolom komt twee keer voor (duplicate column): '{first_label_of[canonical]}' "
                    f"en '{header}' betekenen allebei '{canonical}'; houd er één",
                )
            )
            continue
        if key in RESERVED_COLUMNS or canonical in RESERVED_COLUMNS:
            problems.append(
                Problem(
                    1,
                    header,
                    "deze kolomnaam is voorbehouden voor de steekproef; hernoem de kolom "
                    "(reserved column name; rename it)",
                )
            )
            continue
        canon_of[label] = canonical
        first_label_of[canonical] = header
    return canon_of, first_label_of


def _missing_columns(
    headers: list[str], first_label_of: dict[str, str], alias: dict[str, str]
) -> list[Problem]:
    """A problem for every required column the file lacks, with the nearest headers."""
    problems = []
    present_headers = [h for h in headers if h]
    for required in REQUIRED_COLUMNS:
        if required in first_label_of:
            continue
        candidates = [required, *COLUMN_ALIASES.get(required, ())]
        known = set(COLUMN_ALIASES) | set(REQUIRED_COLUMNS)
        normalised = {
            normalise_header(h): h
            for h in present_headers
            if alias.get(normalise_header(h), h.strip()) not in known
        }
        problems.append(missing_column(required, candidates, normalised))
    return problems


class _Columns:
    """The frame's recognised columns over its filled rows, and the problems found in them."""

    def __init__(self, df, rows, canon_of, first_label_of, problems: list[Problem]):
        self.df, self.rows, self.canon_of = df, rows, canon_of
        self.first_label_of, self.problems = first_label_of, problems
        self.label_of = {c: lab for lab, c in canon_of.items()}

    def cells(self, canonical: str) -> list[tuple[int, Any]]:
        col = self.df[self.label_of[canonical]].tolist()
        return [(i, col[i]) for i in self.rows]

    def problem(self, i: int, canonical: str, what: str) -> None:
        self.problems.append(Problem(i + 2, self.first_label_of[canonical], what))

    def missing(self, i: int, canonical: str) -> None:
        self.problem(i, canonical, "waarde ontbreekt (missing value)")

    def unique_check(self, canonical: str, values: list[tuple[int, str | None]], what: str):
        first_row: dict[str, int] = {}
        for i, v in values:
            if v is None:
                continue
            key = v.casefold()
            if key in first_row:
                self.problem(
                    i,
                    canonical,
                    f"{what} '{v}' komt al voor op rij {first_row[key]} "
                    f"(duplicate, also on row {first_row[key]})",
                )
            else:
                first_row[key] = i + 2

    def coded(self, canonical: str, convert, complaint) -> list[Any]:
        """The column's values through `convert` (None = not valid: `complaint(value)`)."""
        values: list[Any] = []
        for i, v in self.cells(canonical):
            if _is_blank(v):
                self.missing(i, canonical)
                values.append(None)
                continue
            code = convert(v)
            if code is None:
                self.problem(i, canonical, complaint(v))
            values.append(code)
        return values

    def unit_ids(self) -> list[str | None]:
        ids: list[tuple[int, str | None]] = []
        for i, v in self.cells("unit_id"):
            if _is_blank(v):
                self.missing(i, "unit_id")
                ids.append((i, None))
            else:
                ids.append((i, _text(v)))
        self.unique_check("unit_id", ids, "id")
        return [v for _, v in ids]

    def emails(self) -> list[str | None]:
        emails: list[tuple[int, str | None]] = []
        for i, v in self.cells("email"):
            if _is_blank(v):
                self.missing(i, "email")
                emails.append((i, None))
                continue
            text = _text(v)
            if text.lower().startswith("mailto:"):
                text = text[7:]
            if not email_ok(text):
                self.problem(i, "email", f"ongeldig e-mailadres '{text}' (invalid e-mail address)")
            emails.append((i, text))
        self.unique_check("email", emails, "e-mailadres")
        return [v for _, v in emails]

    def length_problems(self) -> None:
        """The store keeps these in columns of a fixed size; say so here, not as a database
        error."""
        for canonical, limit in MAX_LENGTH.items():
            if canonical not in self.label_of:
                continue
            for i, v in self.cells(canonical):
                if not _is_blank(v) and len(_text(v)) > limit:
                    self.problem(
                        i,
                        canonical,
                        f"waarde van {len(_text(v))} tekens; maximaal {limit} "
                        f"(value too long: at most {limit} characters)",
                    )


def _checked_columns(cols: _Columns) -> dict[str, list[Any]]:
    """The required columns' values, checked (unit id, e-mail, profession, training year,
    university, language); the problems go to ``cols.problems``."""
    out: dict[str, list[Any]] = {}
    if "unit_id" in cols.label_of:
        out["unit_id"] = cols.unit_ids()
    if "email" in cols.label_of:
        out["email"] = cols.emails()
    if "profession" in cols.label_of:
        out["profession"] = cols.coded(
            "profession",
            canonical_profession,
            lambda v: (
                f"onbekend beroep '{_text(v)}' (unknown profession); gekende codes "
                f"(known codes): {', '.join(PROFESSION_CODES)}"
            ),
        )
    if "training_year" in cols.label_of:
        lo, hi = TRAINING_YEAR_RANGE

        def year_in_range(v: Any) -> int | None:
            year = _training_year(v)
            return year if year is not None and lo <= year <= hi else None

        out["training_year"] = cols.coded(
            "training_year",
            year_in_range,
            lambda v: (
                f"opleidingsjaar '{_text(v)}' is geen geheel getal van {lo} tot {hi} "
                f"(training year must be a whole number {lo}-{hi})"
            ),
        )
    if "university" in cols.label_of:
        out["university"] = cols.coded("university", _text, lambda v: "")
    if "language" in cols.label_of:
        out["language"] = cols.coded(
            "language",
            canonical_language,
            lambda v: (
                f"onbekende taal '{_text(v)}' (unknown language); gebruik (use) "
                f"{', '.join(LANGUAGES)}"
            ),
        )
    return out


def _result(cols: _Columns, out: dict[str, list[Any]]) -> pd.DataFrame:
    """The canonical frame: the required columns, the name columns, the auxiliary ones."""
    df, rows = cols.df, cols.rows
    result = pd.DataFrame(
        {
            "unit_id": pd.Series(out["unit_id"], dtype="str"),
            "email": pd.Series(out["email"], dtype="str"),
            "profession": pd.Series(out["profession"], dtype="str"),
            "training_year": pd.Series(out["training_year"], dtype="int64"),
            "university": pd.Series(out["university"], dtype="str"),
            "language": pd.Series(out["language"], dtype="str"),
        }
    )
    for name_col in NAME_COLUMNS:
        if name_col in cols.label_of:
            col = df[cols.label_of[name_col]].tolist()
            result[name_col] = pd.Series(
                [None if _is_blank(col[i]) else _text(col[i]) for i in rows], dtype="str"
            )
    for label, canonical in cols.canon_of.items():
        if canonical in REQUIRED_COLUMNS or canonical in NAME_COLUMNS:
            continue
        col = df[label].tolist()
        result[canonical] = _maybe_numeric([col[i] for i in rows])
    return result


def _screening_problems(df: pd.DataFrame, rows: list[int], canon_of: dict[str, str]) -> list:
    """A file without units; control characters in any cell; auxiliary columns that identify
    a person, by header or by content (sampling.identifiers)."""
    from sampling import identifiers

    problems: list[Problem] = []
    if not rows:
        problems.append(
            Problem(
                None,
                None,
                "het bestand heeft kolomnamen maar geen enkele eenheid; kies het volledige "
                "bestand (the file has headers but no units; choose the complete file)",
            )
        )
    for label in df.columns:
        col = df[label].tolist()
        for i in rows:
            code = identifiers.control_character(col[i])
            if code is not None:
                problems.append(
                    Problem(i + 2, str(label), " ".join(identifiers.control_message(code)))
                )
    if not set(REQUIRED_COLUMNS) <= set(canon_of.values()):
        return problems  # an unknown column may be a misnamed required one: that comes first
    for label, canonical in canon_of.items():
        if canonical in REQUIRED_COLUMNS or canonical in NAME_COLUMNS:
            continue
        kind = identifiers.identifying_header(label)
        if kind is not None:
            problems.append(Problem(1, label, identifiers.identifying_message(kind, "header")))
            continue
        col = df[label].tolist()
        for i in rows:
            kind = identifiers.identifying_value(col[i])
            if kind is not None:
                problems.append(
                    Problem(i + 2, label, identifiers.identifying_message(kind, "content"))
                )
                break  # one row per column is enough to find it
    return problems


def read_frame(
    source: str | Path | bytes | io.BytesIO,
    filename: str | None = None,
    sheet: str | None = None,
) -> Frame:
    """Read and validate a frame file (.xlsx or .csv); raises ``FrameError`` with every problem.

    ``source`` is a path, the file's bytes or a binary file object (e.g. a Streamlit upload);
    ``filename`` names it in messages and decides the format (otherwise the content does).
    """
    table, name, digest = read_table(source, filename, sheet)
    data = validate_frame(table, source=name)
    alias = _alias_index()
    column_map = {}
    for header in table.attrs.get("headers", []):
        if header:
            column_map[header] = alias.get(normalise_header(header), header.strip())
    aux = tuple(c for c in data.columns if c not in REQUIRED_COLUMNS and c not in NAME_COLUMNS)
    return Frame(data=data, source=name, sha256=digest, auxiliary=aux, column_map=column_map)
