"""Responses collected outside the tool (paper forms keyed in a spreadsheet, another tool's
export), stored in one transaction: every row or none.

The rows arrive validated (ktm.services.response_files). Here: the link of a row to its
invitation (a sampled person's paper form, by unit id), the duplicate checks that need the
store (an invitation that already has a response, a row imported before), and the inserts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from store.db import utcnow
from store.responses import _stratum
from store.schema import frame_units, invitations, responses, sample_units


@dataclass
class ImportRow:
    """One validated row: where it came from (Excel row), what to store."""

    row: int
    mode: str
    status: str
    language: str
    strata: dict
    answers: dict
    source_id: str | None = None  # the file's response_id (a form number), if any
    unit_id: str | None = None  # a sampled person's paper form: links it to the invitation

    def content(self) -> dict:
        return {
            "mode": self.mode,
            "status": self.status,
            "language": self.language,
            "strata": self.strata,
            "answers": self.answers,
        }

    def key(self) -> str:
        """The fingerprint an identical re-import is recognised by (the source id included,
        so two numbered forms with the same answers stay two responses)."""
        return fingerprint({**self.content(), "source_id": self.source_id})


def fingerprint(content: Mapping[str, Any]) -> str:
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def invitations_by_unit(conn: Connection, wave_id: int) -> dict[str, dict]:
    """The wave's sample invitations by unit id: id, disposition, stratum, strata, weight,
    and whether a response exists already."""
    rows = conn.execute(
        select(
            frame_units.c.unit_id,
            invitations.c.id,
            invitations.c.disposition,
            invitations.c.stratum,
            invitations.c.strata,
            invitations.c.design_weight,
            responses.c.id.label("response_id"),
        )
        .select_from(
            invitations.join(sample_units, sample_units.c.id == invitations.c.sample_unit_id)
            .join(frame_units, frame_units.c.id == sample_units.c.frame_unit_id)
            .outerjoin(responses, responses.c.invitation_id == invitations.c.id)
        )
        .where(invitations.c.wave_id == wave_id, invitations.c.mode == "invited")
    ).mappings()
    return {str(r["unit_id"]): dict(r) for r in rows}


def existing_keys(conn: Connection, wave_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(responses.c.import_key, responses.c.id).where(
            responses.c.wave_id == wave_id, responses.c.import_key.is_not(None)
        )
    ).all()
    return {k: int(i) for k, i in rows}


def existing_contents(conn: Connection, wave_id: int, ids: Sequence[int]) -> dict[int, str]:
    """Content fingerprints of the wave's responses with these ids (an export re-imported
    into its own wave carries their ids)."""
    if not ids:
        return {}
    rows = conn.execute(
        select(
            responses.c.id,
            responses.c.mode,
            responses.c.status,
            responses.c.language,
            responses.c.strata,
            responses.c.answers,
        ).where(responses.c.wave_id == wave_id, responses.c.id.in_(list(ids)))
    ).mappings()
    return {
        int(r["id"]): fingerprint(
            {
                "mode": r["mode"],
                "status": r["status"],
                "language": r["language"],
                "strata": r["strata"],
                "answers": r["answers"],
            }
        )
        for r in rows
    }


def insert_rows(
    conn: Connection,
    wave_id: int,
    qhash: str,
    rows: Sequence[ImportRow],
    linked: Mapping[int, dict],
    done_sections: Sequence[str],
) -> list[int]:
    """Insert every row (the caller's transaction); `linked`: Excel row -> its invitation.
    A linked row is the sampled person's response: mode invited, the invitation's strata and
    design weight, and the invitation's disposition moves to complete/partial; the row's own
    mode (paper) is kept as progress["channel"]."""
    from sampling.invitations import advance

    now = utcnow()
    ids = []
    for r in rows:
        inv = linked.get(r.row)
        strata = dict(inv["strata"] or {}) if inv else r.strata
        values = {
            "wave_id": wave_id,
            "invitation_id": inv["id"] if inv else None,
            "mode": "invited" if inv else r.mode,
            "status": r.status,
            "questionnaire_hash": qhash,
            "language": r.language,
            "stratum": inv["stratum"] if inv else _stratum(conn, wave_id, strata),
            "strata": strata,
            "design_weight": inv["design_weight"] if inv else None,
            "answers": r.answers,
            # How the response came in (the file's or the import's mode): a sampled person's
            # paper form is the sample's response (mode invited) but was answered on paper.
            "progress": {
                "page": None,
                "done": list(done_sections),
                "imported": True,
                "channel": r.mode,
            },
            "revision": 1,
            "started_at": now,
            "updated_at": now,
            "completed_at": now if r.status == "complete" else None,
            "import_key": r.key(),
        }
        new_id = conn.execute(
            responses.insert().values(**values).returning(responses.c.id)
        ).scalar_one()
        ids.append(int(new_id))
        if inv:
            event = "complete" if r.status == "complete" else "partial"
            conn.execute(
                update(invitations)
                .where(invitations.c.id == inv["id"])
                .values(
                    disposition=advance(inv["disposition"], event),
                    completed_at=now if r.status == "complete" else None,
                )
            )
    return ids
