"""The audit trail from the shell's side: each listed action writes one row with who acted
(ktm.roles.current(): the browser session's person, or the command line's user).

The services call `record` where the action runs, after it succeeded (a refused or failed
action leaves no row); exports that reveal personal data record when the data is handed out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from ktm import roles
from store import audit as store_audit

log = logging.getLogger("ktm.audit")
ACTIONS = store_audit.ACTIONS


def record(
    bind, action: str, wave_id: int | None = None, details: Mapping[str, Any] | None = None
) -> int:
    actor = roles.current()
    name = actor.name if actor is not None else "onbekend / unknown"
    role = actor.role if actor is not None else None
    source = actor.source if actor is not None else "unknown"
    row = store_audit.record(
        bind, action, actor=name, role=role, source=source, wave_id=wave_id, details=details
    )
    log.info("audit %s: %s by %s (wave %s)", row, action, name, wave_id)
    return row


def note_role(engine: Engine, actor: roles.Actor, where: str) -> bool:
    """Record a role change when `actor`'s role differs from the last one recorded for them
    (a first login counts: from none to its role). Whether a row was written."""
    seen, last = store_audit.last_role(engine, actor.name)
    if seen and last == actor.role:
        return False
    store_audit.record(
        engine,
        "role_change",
        actor=actor.name,
        role=actor.role,
        source=actor.source,
        details={"from": last, "to": actor.role, "by": where},
    )
    log.info("role of %s: %s -> %s (%s)", actor.name, last, actor.role, where)
    return True


def entries(engine: Engine, **filters) -> list[dict]:
    """The audit trail, newest first (managers only: it names who did what)."""
    roles.require("audit")
    return store_audit.entries(engine, **filters)


def hand_out(
    engine: Engine, data: bytes, wave_id: int, what: str, profile: str, actor: roles.Actor | None
) -> bytes:
    """Give the bytes of an internal export to `actor` clicking the download, recording it:
    one row per download (a publication export holds no microdata and is not recorded).
    Streamlit runs a download's callable outside the page's script run, so the page passes
    who it checked."""
    if profile == "publication":
        return data
    if actor is None:
        raise roles.Refused(roles.refusal("internal_export", None))
    with roles.acting_as(actor):
        roles.require("internal_export")
        record(engine, "internal_export", wave_id, {"what": what, "profile": profile})
    return data


def export_permission(profile: str) -> str:
    return "publication_export" if profile == "publication" else "internal_export"
