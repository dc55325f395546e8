"""The audit trail: who did what, when, on which wave (issue 24). Append-only for the app.

This module can only add a row (`record`) and read rows (`entries`): there is no update or
delete here, and the database refuses both with a trigger (migration audit_a). A row never
holds personal data of respondents (no e-mail address, name or token): counts, file names,
profiles and the like only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from store.db import reading, utcnow, writing
from store.schema import audit_log, waves

# The actions recorded, with their Dutch and English names (for the page and `ktm audit`).
ACTIONS: dict[str, tuple[str, str]] = {
    "frame_import": ("kader ingelezen", "frame imported"),
    "sample_draw": ("steekproef getrokken", "sample drawn"),
    "link_export": ("links geëxporteerd", "links exported"),
    "smtp_send": ("uitnodigingen gemaild", "invitations e-mailed"),
    "wave_close": ("bevraging afgesloten", "wave closed"),
    "wave_delete": ("bevraging verwijderd", "wave deleted"),
    "anonymise": ("bevraging geanonimiseerd", "wave anonymised"),
    "restore": ("back-up teruggezet", "backup restored"),
    "publish": ("resultaten gepubliceerd", "results published"),
    "internal_export": ("interne export (microdata)", "internal export (microdata)"),
    "role_change": ("rol gewijzigd", "role changed"),
}


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    bind: Engine | Connection,
    action: str,
    *,
    actor: str,
    role: str | None,
    source: str,
    wave_id: int | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Add one row; its id. The wave's name is copied, so the row still says which wave once
    the wave is deleted."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with writing(bind) as conn:
        name = None
        if wave_id is not None:
            name = conn.execute(select(waves.c.name).where(waves.c.id == wave_id)).scalar()
        return conn.execute(
            insert(audit_log)
            .values(
                at=at or utcnow(),
                actor=str(actor)[:320],
                role=role,
                source=source,
                action=action,
                wave_id=wave_id,
                wave_name=name,
                details=_json_safe(dict(details or {})),
            )
            .returning(audit_log.c.id)
        ).scalar_one()


def entries(
    bind: Engine | Connection,
    *,
    wave_id: int | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int | None = None,
) -> list[dict]:
    """The rows, newest first, optionally of one wave, action or person."""
    q = select(audit_log).order_by(audit_log.c.id.desc())
    if wave_id is not None:
        q = q.where(audit_log.c.wave_id == wave_id)
    if action is not None:
        q = q.where(audit_log.c.action == action)
    if actor is not None:
        q = q.where(audit_log.c.actor == actor)
    if limit is not None:
        q = q.limit(limit)
    with reading(bind) as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def last_role(bind: Engine | Connection, actor: str) -> tuple[bool, str | None]:
    """(whether a role was ever recorded for `actor`, the last one recorded)."""
    q = (
        select(audit_log.c.details)
        .where(audit_log.c.action == "role_change", audit_log.c.actor == actor)
        .order_by(audit_log.c.id.desc())
        .limit(1)
    )
    with reading(bind) as conn:
        row = conn.execute(q).first()
    if row is None:
        return False, None
    return True, (row.details or {}).get("to")
