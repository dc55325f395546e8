"""Invitations: one-time tokens, personal links, the mail-merge file, dispositions, reminders.

Tokens. Each sampled unit gets a random token of 32 bytes from ``secrets`` (256 bits), written
URL-safe (43 characters). Only its SHA-256 hash is stored; the token itself exists only in the invitation (mail merge or e-mail).
A lost mail-merge file therefore cannot be rebuilt from the store: new tokens must be issued,
which invalidates the old links.

Dispositions follow the life of one invitation and never move backwards:

    not_invited -> invited <-> bounced -> opened -> partial -> opted_out -> complete
                                                                    (ineligible: final)

``invited`` and ``bounced`` share a level (a corrected address may be invited again, and a
reminder may bounce); ``complete`` and ``ineligible`` are final. An opted-out person who still
submits a complete questionnaire becomes ``complete``; one who only answers part of it stays
``opted_out`` (no more reminders).

AAPOR codes (Standard Definitions, "Internet surveys of specifically named persons"):

    complete    I   1.1   complete
    partial     P   1.2   partial (whether it is "sufficient" is decided in the analysis)
    opted_out   R   2.11  explicit refusal (opt-out link)
    opened      R   2.12  implicit refusal / break-off: logged on, no answer saved
    invited     UH  3.19  nothing ever returned       (NC when eligibility is known)
    not_invited --        not yet invited: in no denominator while fieldwork runs
    bounced     UO  3.30  invitation undeliverable    (NC when eligibility is known)
    ineligible  NE  4.x   not eligible (e.g. left training before the wave)

``AAPOR_CODE`` is ``vocabulary.DISPOSITION_TO_AAPOR``, the one mapping the response rates
use. It is the strict AAPOR mapping: without an answer we cannot know that the e-mail
reached its addressee, so these cases count as unknown eligibility. The frame is however the
register of persons in training, so every listed person is eligible unless reported otherwise;
``aapor_code(d, eligibility_known=True)`` gives NC (eligible, not reached) for them, which is
the same as taking e = 1 in AAPOR RR3/RR4.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from vocabulary import (
    DISPOSITION_TO_AAPOR,
    DISPOSITION_TO_AAPOR_ELIGIBLE,
    neutralise,
    neutralise_frame,
)

TOKEN_BYTES = 32
TOKEN_PARAM = "t"  # noqa: S105 (a query parameter name, not a secret)
OPTOUT_PARAM = "optout"
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,128}")

# --------------------------------------------------------------------------- tokens


def new_token() -> str:
    """A fresh URL-safe token with 256 bits from ``secrets`` (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """SHA-256 of the token as 64 hex digits (256 random bits need no key or salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_equal(a_hash: str, b_hash: str) -> bool:
    """Constant-time comparison of two token hashes."""
    return hmac.compare_digest(a_hash.encode("ascii", "replace"), b_hash.encode("ascii", "replace"))


_TOKEN_EDGE_RE = re.compile(r"^[^A-Za-z0-9_-]+|[^A-Za-z0-9_-]+$")
_WHITESPACE_RE = re.compile(r"\s+")


def repair_token(value: Any) -> Any:
    """A token as an e-mail client may have broken it, repaired: whitespace anywhere (a wrapped
    line, a leading %20) removed and punctuation around it (a trailing '.', '>' or ')') cut.
    The token alphabet has none of these characters, so a good token is never changed."""
    if not isinstance(value, str) or len(value) > 400:
        return value
    return _TOKEN_EDGE_RE.sub("", _WHITESPACE_RE.sub("", value))


def token_shape_ok(value: Any) -> bool:
    """Quick rejection of anything that cannot be one of our tokens (before any lookup)."""
    return isinstance(value, str) and _TOKEN_RE.fullmatch(value) is not None


def issue_tokens(unit_ids: Iterable[Any]) -> pd.DataFrame:
    """One new token per unit: columns ``unit_id``, ``token`` (to send), ``token_hash`` (to store)."""
    ids = [str(u) for u in unit_ids]
    if len(set(ids)) != len(ids):
        raise ValueError("unit ids must be unique to issue tokens")
    tokens = [new_token() for _ in ids]
    return pd.DataFrame(
        {
            "unit_id": pd.Series(ids, dtype="str"),
            "token": pd.Series(tokens, dtype="str"),
            "token_hash": pd.Series([hash_token(t) for t in tokens], dtype="str"),
        }
    )


def personal_link(base_url: str, token: str, optout: bool = False) -> str:
    """``{base}/?t=<token>`` or, for the opt-out link, ``{base}/?t=<token>&optout=1``."""
    params = {TOKEN_PARAM: token}
    if optout:
        params[OPTOUT_PARAM] = "1"
    return f"{base_url.rstrip('/')}/?{urlencode(params)}"


# --------------------------------------------------------------------------- mail merge

MAIL_MERGE_COLUMNS = (
    "unit_id",
    "naam",
    "email",
    "persoonlijke_link",
    "afmeldlink",
    "deadline",
    "taal",
)


#: Writes a day for a person in a language: ``(date, "nl") -> "31 maart 2025"``. The shell
#: passes report.format.date, the one way dates are written (this package holds no words).
DateWriter = Callable[[date, str], str]


def as_date(deadline: date | datetime | str) -> date:
    """A deadline given as a date, a moment or an ISO text (2025-03-31), as a date."""
    if isinstance(deadline, str):
        deadline = date.fromisoformat(deadline)
    if isinstance(deadline, datetime):
        deadline = deadline.date()
    return deadline


def _display_name(row: pd.Series) -> str | None:
    for col in ("name", "naam"):
        if col in row and isinstance(row[col], str) and row[col].strip():
            return row[col].strip()
    parts = [
        row[c].strip()
        for c in ("first_name", "last_name")
        if c in row and isinstance(row[c], str) and row[c].strip()
    ]
    return " ".join(parts) or None


def mail_merge_rows(
    invites: pd.DataFrame,
    base_url: str,
    deadline: date | datetime | str,
    lang: str = "nl",
    *,
    dates: DateWriter,
) -> pd.DataFrame:
    """The mail-merge table: one row per invitation, Dutch column names; ``dates`` writes the
    deadline in each person's language.

    ``invites`` needs ``email`` and ``token`` (and usually ``unit_id``); ``name`` or
    ``first_name``/``last_name`` and ``language`` are used when present, otherwise ``lang``.
    Columns: unit_id, naam, email, persoonlijke_link, afmeldlink, deadline, taal.
    """
    missing = [c for c in ("email", "token") if c not in invites.columns]
    if missing:
        raise ValueError(f"invites lacks column(s) {', '.join(missing)}")
    rows = []
    for _, row in invites.iterrows():
        language = (
            row["language"] if "language" in row and isinstance(row["language"], str) else lang
        )
        rows.append(
            {
                "unit_id": str(row["unit_id"]) if "unit_id" in row else "",
                "naam": _display_name(row) or "",
                "email": row["email"],
                "persoonlijke_link": personal_link(base_url, row["token"]),
                "afmeldlink": personal_link(base_url, row["token"], optout=True),
                "deadline": dates(as_date(deadline), language),
                "taal": language,
            }
        )
    return pd.DataFrame(rows, columns=list(MAIL_MERGE_COLUMNS)).astype("str")


def write_xlsx(
    df: pd.DataFrame, target: str | Path | io.BytesIO, sheet_name: str = "Uitnodigingen"
) -> None:
    """Write ``df`` to an .xlsx file with every text cell neutralised (no formulas)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    safe = neutralise_frame(df)
    wb = openpyxl.Workbook(write_only=True)  # streaming: fast for large files
    ws = wb.create_sheet(sheet_name[:31])
    for j, col in enumerate(safe.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in safe.iloc[:, j - 1].head(200)])
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 80)
    ws.freeze_panes = "A2"
    ws.append([str(c) for c in safe.columns])
    for record in safe.itertuples(index=False, name=None):
        ws.append([_cell(v) for v in record])
    wb.save(target)


def _cell(value: Any) -> Any:
    """A value openpyxl can store: missing values empty, numpy scalars as Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel cannot hold
    if hasattr(value, "item"):
        return value.item()
    return value


def write_csv(
    df: pd.DataFrame, target: str | Path | io.BytesIO | io.StringIO, sep: str = ";"
) -> None:
    """Write ``df`` as CSV (UTF-8 with BOM, ``;`` as Excel in nl-BE expects), cells neutralised."""
    safe = neutralise_frame(df)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep, lineterminator="\r\n")
    writer.writerow([str(c) for c in safe.columns])
    for record in safe.itertuples(index=False, name=None):
        writer.writerow(
            [
                "" if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                for v in record
            ]
        )
    text = buffer.getvalue()
    if isinstance(target, io.StringIO):
        target.write(text)
    elif isinstance(target, io.BytesIO):
        target.write(("\ufeff" + text).encode("utf-8"))
    else:
        Path(target).write_text("\ufeff" + text, encoding="utf-8", newline="")


def write_mail_merge(df: pd.DataFrame, target: str | Path) -> Path:
    """Write the mail-merge table to ``target`` as .xlsx or .csv, chosen by its suffix."""
    path = Path(target)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_xlsx(df, path)
    elif suffix == ".csv":
        write_csv(df, path)
    else:
        raise ValueError(f"unsupported file type {suffix or '(none)'}: use .xlsx or .csv")
    return path


# --------------------------------------------------------------------------- dispositions

NOT_INVITED = "not_invited"
INVITED = "invited"
BOUNCED = "bounced"
OPENED = "opened"
PARTIAL = "partial"
OPTED_OUT = "opted_out"
COMPLETE = "complete"
INELIGIBLE = "ineligible"

DISPOSITIONS: tuple[str, ...] = (
    NOT_INVITED,
    INVITED,
    BOUNCED,
    OPENED,
    PARTIAL,
    OPTED_OUT,
    COMPLETE,
    INELIGIBLE,
)
FINAL_DISPOSITIONS = frozenset({COMPLETE, INELIGIBLE})

# Level of each disposition: an event may move to the same or a higher level, never lower.
_LEVEL = {
    NOT_INVITED: 0,
    INVITED: 1,
    BOUNCED: 1,
    OPENED: 2,
    PARTIAL: 3,
    OPTED_OUT: 4,
    COMPLETE: 5,
    INELIGIBLE: 5,
}

EVENTS: dict[str, str] = {
    "invite": INVITED,
    "remind": INVITED,
    "bounce": BOUNCED,
    "open": OPENED,
    "partial": PARTIAL,
    "opt_out": OPTED_OUT,
    "complete": COMPLETE,
    "ineligible": INELIGIBLE,
}

# One mapping for the whole tool: the response rates are computed with it. A unit not yet
# invited is in no denominator (None).
AAPOR_CODE: dict[str, str | None] = dict(DISPOSITION_TO_AAPOR)

DISPOSITION_LABELS: dict[str, str] = {
    NOT_INVITED: "Nog niet uitgenodigd (not yet invited)",
    INVITED: "Uitgenodigd (invited)",
    BOUNCED: "Onbestelbaar (undeliverable)",
    OPENED: "Geopend zonder antwoord (opened, no answer)",
    PARTIAL: "Gedeeltelijk ingevuld (partial)",
    OPTED_OUT: "Afgemeld (opted out)",
    COMPLETE: "Volledig ingevuld (complete)",
    INELIGIBLE: "Niet in aanmerking (not eligible)",
}


def _check_disposition(value: str) -> None:
    if value not in _LEVEL:
        raise ValueError(f"unknown disposition {value!r}; known: {', '.join(DISPOSITIONS)}")


def advance(current: str, event: str) -> str:
    """The disposition after ``event`` (see ``EVENTS``); never moves backwards."""
    _check_disposition(current)
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; known: {', '.join(EVENTS)}")
    if current in FINAL_DISPOSITIONS:
        return current
    if current == OPTED_OUT and event != "complete" and event != "ineligible":
        return current
    target = EVENTS[event]
    return target if _LEVEL[target] >= _LEVEL[current] else current


def opt_out(current: str) -> str:
    """The disposition after the person used the opt-out link (refusal)."""
    return advance(current, "opt_out")


def aapor_code(disposition: str, eligibility_known: bool = False) -> str | None:
    """The AAPOR final code (None: not invited, in no denominator); with
    ``eligibility_known`` unanswered cases are NC, not UH/UO."""
    _check_disposition(disposition)
    mapping = DISPOSITION_TO_AAPOR_ELIGIBLE if eligibility_known else DISPOSITION_TO_AAPOR
    return mapping[disposition]


def can_respond(disposition: str) -> bool:
    """May this invitation's link still open the questionnaire? (single use: not after complete)."""
    _check_disposition(disposition)
    return disposition not in FINAL_DISPOSITIONS


REMINDABLE = frozenset({INVITED, OPENED, PARTIAL})


def reminder_targets(invitations: pd.DataFrame, column: str = "disposition") -> pd.DataFrame:
    """The invitations that get a reminder: invited, opened or partial; never opted out,
    bounced, complete, ineligible or not yet invited."""
    if column not in invitations.columns:
        raise ValueError(f"invitations lacks the column {column!r}")
    unknown = set(invitations[column].dropna()) - set(DISPOSITIONS)
    if unknown:
        raise ValueError(f"unknown disposition(s): {', '.join(sorted(map(str, unknown)))}")
    return invitations[invitations[column].isin(REMINDABLE)].copy()


__all__ = [
    "AAPOR_CODE",
    "DISPOSITIONS",
    "EVENTS",
    "advance",
    "aapor_code",
    "can_respond",
    "hash_token",
    "issue_tokens",
    "mail_merge_rows",
    "neutralise",
    "new_token",
    "opt_out",
    "personal_link",
    "reminder_targets",
    "token_shape_ok",
    "tokens_equal",
    "write_csv",
    "write_mail_merge",
    "write_xlsx",
]
