"""Post-contact invitations: a survey shortly after each e-loket submission.

From an e-loket export of submissions (unit id, procedure, date) each submitter is invited
``delay_days`` after the submission (default 3), at most once per ``period_days`` (default 182,
about six months). The denominator is known: every submitter in the export is either invited,
scheduled, or skipped with a stated reason. These responses are tagged post-contact and
analysed apart from the sample.

Dates in text are read day first, as written in Belgium (31/01/2025, 31-01-2025, 31.01.2025),
or as ISO 8601 (2025-01-31); Excel date cells and Excel serial day numbers are accepted.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from sampling import identifiers
from sampling.frame import (
    COLUMN_ALIASES,
    FrameError,
    Problem,
    _is_blank,
    _text,
    filled_rows,
    missing_column,
    normalise_header,
    read_table,
)

SUBMISSION_COLUMNS = ("unit_id", "procedure", "date")
SUBMISSION_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_id": COLUMN_ALIASES["unit_id"],
    "procedure": (
        "procedure_type",
        "type",
        "soort",
        "aanvraag",
        "type_aanvraag",
        "dossiertype",
        "handeling",
    ),
    "date": (
        "datum",
        "indieningsdatum",
        "datum_indiening",
        "ingediend_op",
        "submitted_at",
        "submission_date",
        "submitted_on",
    ),
}

INVITE, LATER, SKIP = "invite", "later", "skip"
REASONS = {
    "due": "uitnodigen (invite now)",
    "scheduled": "later uitnodigen (invite later)",
    "recent_invitation": "al uitgenodigd in deze periode (already invited in this period)",
    "same_period": "andere indiening van dezelfde persoon in deze periode "
    "(another submission by the same person in this period)",
    "too_old": "indiening te lang geleden (submission too long ago)",
    "unknown_unit": "niet in het kader (not in the frame)",
}
_EXCEL_EPOCH = date(1899, 12, 30)


class SubmissionsError(FrameError):
    """An e-loket export that cannot be used; ``problems`` as for ``FrameError``."""

    what = "export"


def parse_date(value: Any) -> date | None:
    """A cell as a date (see the module docstring), or None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 20000 <= value <= 80000:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        return None
    text = str(value).strip()
    m = re.fullmatch(
        r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text
    )
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = re.fullmatch(
            r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", text
        )
        if not m:
            return None
        d, mo, y = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def _as_date(value: Any) -> date:
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"not a date: {value!r}")
    return parsed


def validate_submissions(
    df: pd.DataFrame, source: str = "export.csv", today: date | None = None
) -> pd.DataFrame:
    """Check a raw export table; return ``unit_id``, ``procedure``, ``submitted_on`` (date).

    Problems reported with their Excel-style row (header = 1): missing columns (with the nearest
    headers), empty rows, missing values, dates that cannot be read and, with ``today``, dates in
    the future. Raises ``SubmissionsError`` listing all of them.
    """

    problems: list[Problem] = []
    headers = list(df.attrs.get("headers") or [str(c) for c in df.columns])
    labels = [str(c) for c in df.columns]
    index = {}
    for canonical, aliases in SUBMISSION_ALIASES.items():
        index[canonical] = canonical
        for a in aliases:
            index[a] = canonical
    label_of: dict[str, str] = {}
    header_of: dict[str, str] = {}
    for label, header in zip(labels, headers, strict=False):
        canonical = index.get(normalise_header(header))
        if canonical is None:
            continue
        if canonical in label_of:
            problems.append(
                Problem(
                    1,
                    header,
                    f"kolom dubbel (duplicate column): '{header_of[canonical]}' en '{header}'",
                )
            )
            continue
        label_of[canonical], header_of[canonical] = label, header
    for required in SUBMISSION_COLUMNS:
        if required in label_of:
            continue
        present = {normalise_header(h): h for h in headers if h}
        candidates = (required, *SUBMISSION_ALIASES[required])
        problems.append(missing_column(required, candidates, present))

    rows = filled_rows(df, problems)

    out: dict[str, list[Any]] = {c: [] for c in SUBMISSION_COLUMNS}
    for i in rows:
        for canonical in SUBMISSION_COLUMNS:
            if canonical not in label_of:
                continue
            value = df[label_of[canonical]].iat[i]
            if _is_blank(value):
                problems.append(
                    Problem(i + 2, header_of[canonical], "waarde ontbreekt (missing value)")
                )
                out[canonical].append(None)
                continue
            if canonical == "date":
                parsed = parse_date(value)
                if parsed is None:
                    problems.append(
                        Problem(
                            i + 2,
                            header_of[canonical],
                            f"'{_text(value)}' is geen datum; gebruik dd/mm/jjjj of jjjj-mm-dd "
                            "(not a date; use dd/mm/yyyy or yyyy-mm-dd)",
                        )
                    )
                elif today is not None and parsed > today:
                    problems.append(
                        Problem(
                            i + 2,
                            header_of[canonical],
                            f"datum {parsed.isoformat()} ligt in de toekomst (date in the future)",
                        )
                    )
                out[canonical].append(parsed)
            else:
                code = identifiers.control_character(value)
                if code is not None:
                    problems.append(
                        Problem(
                            i + 2, header_of[canonical], " ".join(identifiers.control_message(code))
                        )
                    )
                out[canonical].append(_text(value))
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise SubmissionsError(problems, source)
    return pd.DataFrame(
        {
            "unit_id": pd.Series(out["unit_id"], dtype="str"),
            "procedure": pd.Series(out["procedure"], dtype="str"),
            "submitted_on": pd.Series(out["date"], dtype=object),
        }
    )


def read_submissions(
    source: str | Path | bytes | io.BytesIO,
    filename: str | None = None,
    sheet: str | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Read and validate an e-loket export (.xlsx or .csv); raises ``SubmissionsError``."""
    try:
        table, name, _ = read_table(source, filename, sheet)
    except FrameError as exc:
        raise SubmissionsError(exc.problems, exc.source) from exc
    return validate_submissions(table, source=name, today=today)


def post_contact_schedule(
    submissions: pd.DataFrame,
    already_invited: Mapping[str, date | datetime | str],
    today: date | datetime | str,
    delay_days: int = 3,
    period_days: int = 182,
    max_lag_days: int = 30,
    known_units: Collection[str] | None = None,
) -> pd.DataFrame:
    """Decide, for every submission, whether and when its submitter is invited.

    Each submission's invitation date is ``submitted_on + delay_days``. Per person, in date
    order, a submission is invited only if no invitation (earlier ones in ``already_invited``,
    ``{unit_id: last invitation date}``, or one chosen in this run) lies within ``period_days``
    of it. Submissions whose invitation date is more than ``max_lag_days`` before ``today`` are
    skipped as too old (one does not ask about a contact of months ago); with ``known_units``
    (the frame's unit ids) submitters outside the frame are skipped.

    Returns one row per submission: ``unit_id, procedure, submitted_on, invite_on, action``
    (``invite`` = due now, ``later`` = due on ``invite_on``, ``skip``) and ``reason`` (a code in
    ``REASONS``). Running it again on the same data gives the same answer.
    """
    for name, value in (
        ("delay_days", delay_days),
        ("period_days", period_days),
        ("max_lag_days", max_lag_days),
    ):
        if isinstance(value, bool) or int(value) != value or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    missing = [c for c in ("unit_id", "submitted_on") if c not in submissions.columns]
    if missing:
        raise ValueError(f"submissions lacks column(s) {', '.join(missing)}; use read_submissions")
    today_d = _as_date(today)
    last_invited = {str(k): _as_date(v) for k, v in already_invited.items() if v is not None}
    known = None if known_units is None else {str(u) for u in known_units}

    work = submissions.copy()
    work["unit_id"] = work["unit_id"].map(str)
    work["submitted_on"] = work["submitted_on"].map(_as_date)
    if "procedure" not in work.columns:
        work["procedure"] = ""
    work["row_order_"] = range(len(work))
    work = work.sort_values(["unit_id", "submitted_on", "row_order_"], kind="mergesort")
    rows = []
    chosen: dict[str, date] = {}
    for rec in work.itertuples(index=False):
        unit, submitted = rec.unit_id, rec.submitted_on
        invite_on = submitted + timedelta(days=delay_days)
        if known is not None and unit not in known:
            action, reason = SKIP, "unknown_unit"
        elif (today_d - invite_on).days > max_lag_days:
            action, reason = SKIP, "too_old"
        elif unit in chosen and abs((invite_on - chosen[unit]).days) < period_days:
            action, reason = SKIP, "same_period"
        elif unit in last_invited and abs((invite_on - last_invited[unit]).days) < period_days:
            action, reason = SKIP, "recent_invitation"
        else:
            chosen[unit] = invite_on
            action, reason = (INVITE, "due") if invite_on <= today_d else (LATER, "scheduled")
        rows.append(
            {
                "unit_id": unit,
                "procedure": rec.procedure,
                "submitted_on": submitted,
                "invite_on": invite_on,
                "action": action,
                "reason": reason,
                "row_order_": rec.row_order_,
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "unit_id",
            "procedure",
            "submitted_on",
            "invite_on",
            "action",
            "reason",
            "row_order_",
        ],
    )
    return out.sort_values("row_order_").drop(columns="row_order_").reset_index(drop=True)
