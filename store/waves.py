"""Waves (measurements) and the questionnaire versions they use."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, exists, func, insert, or_, select, update

from store import schema
from store.db import utcnow
from store.schema import WAVE_STATUSES, questionnaire_versions, waves


class StoreError(ValueError):
    """A request the store refuses (unknown wave, invalid status...), with a message for people."""


def save_questionnaire_version(
    conn: Connection,
    *,
    hash: str,
    questionnaire_id: str,
    version: str,
    definition: Mapping,
    demo: bool = False,
) -> str:
    """Store a questionnaire definition under its hash; storing the same hash again is a no-op
    (except that the team publishing a version the demo stored makes it the team's own)."""
    found = conn.execute(
        select(questionnaire_versions.c.demo).where(questionnaire_versions.c.hash == hash)
    ).first()
    if found is None:
        conn.execute(
            insert(questionnaire_versions).values(
                hash=hash,
                questionnaire_id=questionnaire_id,
                version=version,
                definition=dict(definition),
                created_at=utcnow(),
                demo=demo,
            )
        )
    elif found.demo and not demo:
        conn.execute(
            update(questionnaire_versions)
            .where(questionnaire_versions.c.hash == hash)
            .values(demo=False)
        )
    return hash


def list_questionnaire_versions(conn: Connection, *, with_demo: bool = True) -> list[dict]:
    """Every stored version, oldest first, with how many waves use it (no definitions)."""
    qv = questionnaire_versions
    n_waves = select(func.count()).where(waves.c.questionnaire_hash == qv.c.hash).scalar_subquery()
    query = select(
        qv.c.hash, qv.c.questionnaire_id, qv.c.version, qv.c.created_at, qv.c.demo,
        n_waves.label("n_waves"),
    ).order_by(qv.c.created_at, qv.c.hash)  # fmt: skip
    if not with_demo:
        query = query.where(~qv.c.demo)
    return [dict(r) for r in conn.execute(query).mappings()]


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
    """A wave by id, or by the words `open` (the wave in fieldwork) and `latest` (last closed).

    The words look at the team's own waves when there are any: a demo world left beside them
    never makes `open` ambiguous."""
    if isinstance(ref, int) or str(ref).isdigit():
        return get_wave(conn, int(ref))
    ref = str(ref).lower()
    all_waves = list_waves(conn)
    real = [w for w in all_waves if not w.get("demo")]
    if real:
        all_waves = real
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
    """The closed wave before `wave_id` in time, for comparisons: a real wave is compared only
    with real waves, a demo wave only with demo waves."""
    all_waves = list_waves(conn)
    ids = [w["id"] for w in all_waves]
    if wave_id not in ids:
        return None
    demo = bool(all_waves[ids.index(wave_id)].get("demo"))
    earlier = [
        w
        for w in all_waves[: ids.index(wave_id)]
        if w["status"] == "closed" and bool(w.get("demo")) == demo
    ]
    return earlier[-1] if earlier else None


def delete_waves(conn: Connection, wave_ids: list[int]) -> dict[str, int]:
    """Delete the waves and every row that belongs to them (children first, so no foreign key
    trips, whatever the database's cascade settings); returns the rows deleted per table."""
    s = schema
    ids = list(wave_ids)
    if not ids:
        return {}
    snapshots = select(s.frame_snapshots.c.id).where(s.frame_snapshots.c.wave_id.in_(ids))
    samples = select(s.samples.c.id).where(s.samples.c.wave_id.in_(ids))
    actions = select(s.improvement_actions.c.id).where(s.improvement_actions.c.wave_id.in_(ids))
    invitations = select(s.invitations.c.id).where(s.invitations.c.wave_id.in_(ids))
    steps = [
        (s.action_history, s.action_history.c.action_id.in_(actions)),
        (s.improvement_actions, s.improvement_actions.c.wave_id.in_(ids)),
        (s.consents, s.consents.c.wave_id.in_(ids)),
        (
            s.responses,
            or_(s.responses.c.wave_id.in_(ids), s.responses.c.invitation_id.in_(invitations)),
        ),
        (s.invitations, s.invitations.c.wave_id.in_(ids)),
        (s.disposition_counts, s.disposition_counts.c.wave_id.in_(ids)),
        (s.sample_units, s.sample_units.c.sample_id.in_(samples)),
        (s.samples, s.samples.c.wave_id.in_(ids)),
        (s.frame_units, s.frame_units.c.snapshot_id.in_(snapshots)),
        (s.frame_snapshots, s.frame_snapshots.c.wave_id.in_(ids)),
        (s.waves, s.waves.c.id.in_(ids)),
    ]
    return {table.name: conn.execute(delete(table).where(cond)).rowcount for table, cond in steps}


def delete_unused_demo_questionnaires(conn: Connection) -> int:
    """Questionnaire versions only the demo stored and nothing uses any more."""
    qv = questionnaire_versions
    used = or_(
        exists().where(waves.c.questionnaire_hash == qv.c.hash),
        exists().where(schema.responses.c.questionnaire_hash == qv.c.hash),
    )
    return conn.execute(delete(qv).where(qv.c.demo, ~used)).rowcount
