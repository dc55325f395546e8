"""Waves (measurements) and the questionnaire versions they use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from store.db import utcnow
from store.schema import WAVE_STATUSES, questionnaire_versions, waves


class StoreError(ValueError):
    """A request the store refuses (unknown wave, invalid status...), with a message for people."""


def save_questionnaire_version(
    conn: Connection, *, hash: str, questionnaire_id: str, version: str, definition: Mapping
) -> str:
    """Store a questionnaire definition under its hash; storing the same hash again is a no-op."""
    exists = conn.execute(
        select(questionnaire_versions.c.hash).where(questionnaire_versions.c.hash == hash)
    ).first()
    if exists is None:
        conn.execute(
            insert(questionnaire_versions).values(
                hash=hash,
                questionnaire_id=questionnaire_id,
                version=version,
                definition=dict(definition),
                created_at=utcnow(),
            )
        )
    return hash


def get_questionnaire_definition(conn: Connection, hash: str) -> dict:
    row = conn.execute(
        select(questionnaire_versions.c.definition).where(questionnaire_versions.c.hash == hash)
    ).first()
    if row is None:
        raise StoreError(f"Onbekende vragenlijstversie {hash[:12]} / unknown questionnaire version")
    return row.definition


_WAVE_FIELDS = {c.name for c in waves.columns} - {"id", "created_at"}


def create_wave(conn: Connection, name: str, **fields: Any) -> int:
    unknown = set(fields) - _WAVE_FIELDS
    if unknown:
        raise StoreError(f"Unknown wave field(s): {', '.join(sorted(unknown))}")
    status = fields.get("status", "draft")
    if status not in WAVE_STATUSES:
        raise StoreError(f"Status {status!r} bestaat niet; kies uit {', '.join(WAVE_STATUSES)}")
    result = conn.execute(insert(waves).values(name=name, created_at=utcnow(), **fields))
    return int(result.inserted_primary_key[0])


def update_wave(conn: Connection, wave_id: int, **fields: Any) -> None:
    unknown = set(fields) - _WAVE_FIELDS
    if unknown:
        raise StoreError(f"Unknown wave field(s): {', '.join(sorted(unknown))}")
    if "status" in fields and fields["status"] not in WAVE_STATUSES:
        raise StoreError(f"Status {fields['status']!r} bestaat niet")
    n = conn.execute(update(waves).where(waves.c.id == wave_id).values(**fields)).rowcount
    if n == 0:
        raise StoreError(f"Bevraging {wave_id} bestaat niet / wave {wave_id} does not exist")


def get_wave(conn: Connection, wave_id: int) -> dict:
    row = conn.execute(select(waves).where(waves.c.id == wave_id)).mappings().first()
    if row is None:
        raise StoreError(f"Bevraging {wave_id} bestaat niet / wave {wave_id} does not exist")
    return dict(row)


def list_waves(conn: Connection) -> list[dict]:
    """All waves, oldest first (by fieldwork start, then id)."""
    rows = conn.execute(select(waves).order_by(waves.c.fieldwork_start, waves.c.id)).mappings()
    return [dict(r) for r in rows]


def resolve_wave(conn: Connection, ref: str | int) -> dict:
    """A wave by id, or by the words `open` (the wave in fieldwork) and `latest` (last closed)."""
    if isinstance(ref, int) or str(ref).isdigit():
        return get_wave(conn, int(ref))
    ref = str(ref).lower()
    all_waves = list_waves(conn)
    if ref == "open":
        found = [w for w in all_waves if w["status"] == "open"]
        if len(found) != 1:
            raise StoreError(
                f"Er zijn {len(found)} open bevragingen; geef een id op met --wave "
                f"/ {len(found)} waves are open; pass an id"
            )
        return found[0]
    if ref == "latest":
        found = [w for w in all_waves if w["status"] == "closed"]
        if not found:
            raise StoreError("Er is nog geen afgesloten bevraging / no closed wave yet")
        return found[-1]
    raise StoreError(f"--wave verwacht een nummer, 'open' of 'latest', niet {ref!r}")


def previous_wave(conn: Connection, wave_id: int) -> dict | None:
    """The closed wave before `wave_id` in time, for comparisons."""
    all_waves = list_waves(conn)
    ids = [w["id"] for w in all_waves]
    if wave_id not in ids:
        return None
    earlier = [w for w in all_waves[: ids.index(wave_id)] if w["status"] == "closed"]
    return earlier[-1] if earlier else None
