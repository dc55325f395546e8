"""Bounces and opt-outs reported outside the tool (the mail-merge route, a delayed bounce).

    result = import_dispositions(engine, wave_id, "bounces.csv", event="bounce")

The file (CSV or Excel) has one column of e-mail addresses (header ``email``, ``e-mail``,
``adres``...) or of unit ids (``unit_id``, ``id``...); a file with a single column of its own
is read as such (an e-mail address is recognised by its ``@``). Every value must name an
invitation of the wave that went out: an unknown address, a unit that was not sampled, or one
not yet invited is a problem with its row, and a file with a problem changes nothing. A
complete (or already bounced / opted out) invitation keeps its disposition, which never moves
backwards (sampling.invitations.advance); it is counted as unchanged.

The AAPOR rates follow from the dispositions: a bounce is UO (3.3, undelivered), an opt-out
R (2.111, explicit refusal). RR1/RR2 keep their value (their denominators count U and R
alike); REF1 and the reminder list change (analysis.response, sampling.invitations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from ktm import roles
from sampling.frame import FrameError, Problem, _is_blank, _text, normalise_header, read_table
from sampling.invitations import advance
from store import samples as store_samples
from store.db import reading, transaction
from store.schema import frame_units, invitations, sample_units
from store.waves import get_wave

EVENTS = {"bounce": "bounced", "opt_out": "opted_out"}
EMAIL_HEADERS = {"email", "e_mail", "emailadres", "e_mailadres", "mail", "adres", "address"}
UNIT_HEADERS = {"unit_id", "id", "unit", "eenheid", "persoon_id", "riziv", "nummer"}


class DispositionFileError(FrameError):
    what = "bounces"


@dataclass(frozen=True)
class DispositionImport:
    event: str  # bounce or opt_out
    source_name: str
    n_rows: int
    changed: int  # invitations whose disposition changed
    unchanged: dict[str, int] = field(default_factory=dict)  # disposition kept -> count

    def summary(self) -> str:
        what = "onbestelbaar / bounced" if self.event == "bounce" else "afgemeld / opted out"
        kept = ", ".join(f"{d} {n}" for d, n in sorted(self.unchanged.items()))
        line = f"{self.source_name}: {self.changed} uitnodigingen nu {what}"
        if kept:
            line += f"; ongewijzigd / unchanged (disposition blijft / stays): {kept}"
        return line


def _column(table) -> tuple[str, str]:
    """(label of the column to read, 'email' | 'unit_id' | 'auto')."""
    headers = table.attrs.get("headers", list(table.columns))
    for label, header in zip(table.columns, headers, strict=False):
        if normalise_header(header) in EMAIL_HEADERS:
            return label, "email"
    for label, header in zip(table.columns, headers, strict=False):
        if normalise_header(header) in UNIT_HEADERS:
            return label, "unit_id"
    if len(table.columns) == 1:
        return table.columns[0], "auto"
    raise DispositionFileError(
        [
            Problem(
                1,
                None,
                "geen kolom met e-mailadressen (email, e-mail, adres) of eenheden (unit_id, id) "
                f"gevonden; kolommen: {', '.join(map(str, headers))} (no column of e-mail "
                "addresses or unit ids found; name it email or unit_id)",
            )
        ],
    )


def _values(source, filename, sheet) -> tuple[list[tuple[int, str, str]], str, int]:
    """[(excel row, kind, value)] of the file, the file's name and its number of rows."""
    table, name, _digest = read_table(source, filename, sheet)
    try:
        label, kind = _column(table)
    except DispositionFileError as exc:
        raise DispositionFileError(exc.problems, name) from None
    values: list[tuple[int, str, str]] = []
    if kind == "auto":
        header = str(table.attrs.get("headers", [label])[0] or "")
        if "@" in header:  # a bare list of addresses without a header
            values.append((1, "email", header.strip()))
    for i, cell in enumerate(table[label].tolist()):
        if _is_blank(cell):
            continue
        text = _text(cell)
        k = kind if kind != "auto" else ("email" if "@" in text else "unit_id")
        values.append((i + 2, k, text))
    if not values:
        raise DispositionFileError(
            [Problem(None, None, "het bestand bevat geen adressen of ids (the file is empty)")],
            name,
        )
    return values, name, len(table)


def _invitations_of(conn, wave_id: int) -> tuple[dict[str, list], dict[str, list]]:
    """The wave's invitations by lower-cased e-mail and by unit id: [(id, disposition)]."""
    rows = conn.execute(
        select(
            invitations.c.id,
            invitations.c.disposition,
            func.coalesce(invitations.c.email, frame_units.c.email),
            frame_units.c.unit_id,
        )
        .select_from(
            invitations.outerjoin(
                sample_units, sample_units.c.id == invitations.c.sample_unit_id
            ).outerjoin(frame_units, frame_units.c.id == sample_units.c.frame_unit_id)
        )
        .where(invitations.c.wave_id == wave_id)
    ).all()
    by_email: dict[str, list] = {}
    by_unit: dict[str, list] = {}
    for inv_id, disposition, email, unit in rows:
        if email:
            by_email.setdefault(email.strip().lower(), []).append((inv_id, disposition))
        if unit:
            by_unit.setdefault(str(unit), []).append((inv_id, disposition))
    return by_email, by_unit


def import_dispositions(
    engine: Engine,
    wave_id: int,
    source: str | Path | bytes | Any,
    *,
    event: str = "bounce",
    filename: str | None = None,
    sheet: str | None = None,
) -> DispositionImport:
    """Mark the invitations a file names as bounced (``event="bounce"``) or opted out
    (``"opt_out"``), all in one transaction; any problem raises DispositionFileError (every
    problem with its row) and changes nothing."""
    roles.require("invitations")
    if event not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}, not {event!r}")
    values, name, n_rows = _values(source, filename, sheet)
    with transaction(engine) as conn:
        get_wave(conn, wave_id)
        by_email, by_unit = _invitations_of(conn, wave_id)
        problems: list[Problem] = []
        targets: dict[int, str] = {}
        for row, kind, value in values:
            found = by_email.get(value.lower()) if kind == "email" else by_unit.get(value)
            col = "email" if kind == "email" else "unit_id"
            if not found:
                problems.append(
                    Problem(
                        row,
                        col,
                        f"{value!r} is geen uitnodiging van bevraging {wave_id} "
                        f"(not an invitation of wave {wave_id})",
                    )
                )
                continue
            for inv_id, disposition in found:
                if disposition == "not_invited":
                    problems.append(
                        Problem(
                            row,
                            col,
                            f"{value!r} is nog niet uitgenodigd (not invited yet): een bounce of "
                            "afmelding kan pas na de uitnodiging",
                        )
                    )
                else:
                    targets[inv_id] = disposition
        if problems:
            raise DispositionFileError(problems, name)
        unchanged: dict[str, int] = {}
        moving = []
        for inv_id, disposition in targets.items():
            if advance(disposition, event) == disposition:
                unchanged[disposition] = unchanged.get(disposition, 0) + 1
            else:
                moving.append(inv_id)
        note = {"send_error": f"bounce uit / from {name}"[:2000]} if event == "bounce" else {}
        changed = store_samples.advance_dispositions(conn, moving, event, note)
    return DispositionImport(event, name, n_rows, changed, unchanged)


def counts_by_disposition(engine: Engine, wave_id: int) -> Mapping[str, int]:
    """Invitations per disposition (what a page shows before and after an import)."""
    with reading(engine) as conn:
        rows = conn.execute(
            select(invitations.c.disposition, func.count())
            .where(invitations.c.wave_id == wave_id)
            .group_by(invitations.c.disposition)
        ).all()
    return {d: int(n) for d, n in rows}
