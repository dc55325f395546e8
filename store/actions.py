"""The improvement actions register, the publication of a wave's results, and the consents.

Every action belongs to a wave and to one of its improvement points (a dimension or item id of
the questionnaire, as ranked by `analysis.drivers.improvement_points`). Each creation and each
change is one transaction that writes the action and a row in `action_history`
({field: [old, new]}, who, when), so the register can account for itself afterwards.

Publishing a wave sets `waves.published_at`: from then on the public page shows the wave.
The e-mails of consenting respondents (`consents`, kept apart from the answers) are read and
deleted here; sending them is `ktm.services.feedback`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from sampling.identifiers import control_character, control_message
from store.db import reading, utcnow, writing
from store.schema import (
    ACTION_STATUSES,
    action_history,
    consents,
    improvement_actions,
    waves,
)
from store.waves import StoreError, get_wave

#: What a caller may set on an action (also the keys of the history's changes).
FIELDS = (
    "improvement_point",
    "description",
    "owner",
    "status",
    "due_date",
    "public_text_nl",
    "public_text_en",
)
REQUIRED = ("improvement_point", "description")
MAX_LENGTH = {"improvement_point": 100, "owner": 200}
FIELD_LABELS = {
    "improvement_point": ("Verbeterpunt", "Improvement point"),
    "description": ("Beschrijving", "Description"),
    "owner": ("Verantwoordelijke", "Owner"),
    "status": ("Status", "Status"),
    "due_date": ("Streefdatum", "Due date"),
    "public_text_nl": ("Publieke tekst (NL)", "Public text (NL)"),
    "public_text_en": ("Publieke tekst (EN)", "Public text (EN)"),
}


class ActionError(StoreError):
    """An action the store refuses, with what is wrong and what to do (Dutch / English)."""


class ConflictError(ActionError):
    """The action changed since the caller read it: reload, then apply the change again."""


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise the fields a caller passed (texts stripped, '' is no value)."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ActionError(f"Onbekend(e) veld(en) / unknown field(s): {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        nl, en = FIELD_LABELS[name]
        if name == "due_date":
            if isinstance(value, str) and value.strip():
                try:
                    value = dt.date.fromisoformat(value.strip())
                except ValueError as exc:
                    raise ActionError(
                        f"{nl}: {value!r} is geen datum; schrijf JJJJ-MM-DD "
                        f"/ {en}: not a date, write YYYY-MM-DD"
                    ) from exc
            elif isinstance(value, dt.datetime):
                value = value.date()
            elif value in ("", None):
                value = None
            elif not isinstance(value, dt.date):
                raise ActionError(f"{nl}: geen datum / {en}: not a date ({value!r})")
        elif value is not None:
            if not isinstance(value, str):
                raise ActionError(f"{nl}: tekst verwacht / {en}: text expected ({value!r})")
            value = value.strip() or None
            code = control_character(value)
            if code is not None:  # PostgreSQL cannot store NUL; nobody types the others
                cnl, cen = control_message(code)
                raise ActionError(f"{nl}: {cnl} / {en}: {cen}")
        if name == "status" and value not in ACTION_STATUSES:
            raise ActionError(
                f"Status {value!r} bestaat niet; kies uit {', '.join(ACTION_STATUSES)} "
                f"/ unknown status, choose from {', '.join(ACTION_STATUSES)}"
            )
        if name in MAX_LENGTH and value is not None and len(value) > MAX_LENGTH[name]:
            raise ActionError(
                f"{nl}: hoogstens {MAX_LENGTH[name]} tekens / {en}: at most "
                f"{MAX_LENGTH[name]} characters (now {len(value)})"
            )
        if name in REQUIRED and value is None:
            raise ActionError(f"{nl} ontbreekt; vul het in / {en} is missing; fill it in")
        out[name] = value
    return out


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _history(conn: Connection, action_id: int, change: dict, by: str | None, now) -> None:
    conn.execute(
        insert(action_history).values(
            action_id=action_id,
            changed_at=now,
            changed_by=by,
            change={k: [_jsonable(a), _jsonable(b)] for k, (a, b) in change.items()},
        )
    )


def create_action(
    bind: Engine | Connection,
    wave_id: int,
    *,
    changed_by: str | None = None,
    now: dt.datetime | None = None,
    **fields: Any,
) -> int:
    """A new action for `wave_id` (improvement_point and description required; status
    `planned` by default); its creation is the first history row ({field: [None, value]})."""
    now = now or utcnow()
    values = _clean({"status": "planned", **fields})
    for name in REQUIRED:
        if name not in values:
            values |= _clean({name: None})  # raises the "missing" message
    with writing(bind) as conn:
        get_wave(conn, wave_id)  # a clear error for an unknown wave
        action_id = int(
            conn.execute(
                insert(improvement_actions).values(
                    wave_id=wave_id, created_at=now, updated_at=now, **values
                )
            ).inserted_primary_key[0]
        )
        change = {k: (None, v) for k, v in values.items() if v is not None}
        _history(conn, action_id, change, changed_by, now)
    return action_id


def update_action(
    bind: Engine | Connection,
    action_id: int,
    *,
    changed_by: str | None = None,
    now: dt.datetime | None = None,
    expected_updated_at: dt.datetime | None = None,
    **fields: Any,
) -> dict[str, list]:
    """Change an action; returns the changes made ({field: [old, new]}), empty when nothing
    differed (then nothing is written, not even history).

    `expected_updated_at`: the `updated_at` the caller read; if the action changed since (a
    colleague saved first), ConflictError and nothing is written.
    """
    now = now or utcnow()
    values = _clean(fields)
    with writing(bind) as conn:
        row = (
            conn.execute(
                select(improvement_actions)
                .where(improvement_actions.c.id == action_id)
                .with_for_update()
            )
            .mappings()
            .first()
        )
        if row is None:
            raise ActionError(f"Actie {action_id} bestaat niet / action {action_id} does not exist")
        if expected_updated_at is not None and _same_moment(row["updated_at"]) != _same_moment(
            expected_updated_at
        ):
            raise ConflictError(
                "Deze actie werd intussen door iemand anders gewijzigd; herlaad en pas opnieuw "
                "aan / this action was changed by someone else meanwhile; reload and try again"
            )
        change = {k: (row[k], v) for k, v in values.items() if row[k] != v}
        if not change:
            return {}
        conn.execute(
            update(improvement_actions)
            .where(improvement_actions.c.id == action_id)
            .values(updated_at=now, **{k: new for k, (_old, new) in change.items()})
        )
        _history(conn, action_id, change, changed_by, now)
    return {k: [_jsonable(a), _jsonable(b)] for k, (a, b) in change.items()}


def _same_moment(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes (stored in UTC), PostgreSQL aware ones.
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


_LIST_COLUMNS = (
    "id",
    "wave_id",
    *FIELDS,
    "created_at",
    "updated_at",
)


def list_actions(bind: Engine | Connection, wave_id: int) -> list[dict]:
    """The wave's actions, oldest first, as plain dicts: id, wave_id, improvement_point,
    description, owner, status, due_date (date or None), public_text_nl, public_text_en,
    created_at, updated_at (aware UTC datetimes). What the Verantwoording and pages read."""
    with reading(bind) as conn:
        rows = conn.execute(
            select(*(improvement_actions.c[c] for c in _LIST_COLUMNS))
            .where(improvement_actions.c.wave_id == wave_id)
            .order_by(improvement_actions.c.created_at, improvement_actions.c.id)
        ).mappings()
        out = []
        for r in rows:
            d = dict(r)
            d["created_at"] = _same_moment(d["created_at"])
            d["updated_at"] = _same_moment(d["updated_at"])
            out.append(d)
        return out


def history(bind: Engine | Connection, action_id: int) -> list[dict]:
    """The action's changes, oldest first: changed_at, changed_by, change {field: [old, new]}."""
    with reading(bind) as conn:
        rows = conn.execute(
            select(action_history)
            .where(action_history.c.action_id == action_id)
            .order_by(action_history.c.changed_at, action_history.c.id)
        ).mappings()
        return [{**dict(r), "changed_at": _same_moment(r["changed_at"])} for r in rows]


# --- publication ---------------------------------------------------------------------------


def publish_wave(
    bind: Engine | Connection, wave_id: int, *, now: dt.datetime | None = None
) -> dt.datetime:
    """Make a closed wave's results public; returns `published_at`.

    Publishing again keeps the first date (a retry of the e-mails is not a new publication).
    An open or draft wave is refused: its figures are not final.
    """
    now = now or utcnow()
    with writing(bind) as conn:
        wave = get_wave(conn, wave_id)
        if wave["status"] != "closed":
            raise ActionError(
                f"Bevraging {wave['name']} is niet afgesloten ({wave['status']}); sluit het "
                "veldwerk af voor u de resultaten publiceert / the wave is not closed; close "
                "fieldwork before publishing its results"
            )
        if wave["published_at"] is not None:
            return _same_moment(wave["published_at"])
        conn.execute(update(waves).where(waves.c.id == wave_id).values(published_at=now))
    return now


def unpublish_wave(bind: Engine | Connection, wave_id: int) -> None:
    """Take a wave off the public page (e.g. an error found in its figures)."""
    with writing(bind) as conn:
        get_wave(conn, wave_id)
        conn.execute(update(waves).where(waves.c.id == wave_id).values(published_at=None))


def published_waves(bind: Engine | Connection) -> list[dict]:
    """The published waves, oldest first (by fieldwork start, then id)."""
    with reading(bind) as conn:
        rows = conn.execute(
            select(waves)
            .where(waves.c.published_at.is_not(None))
            .order_by(waves.c.fieldwork_start, waves.c.id)
        ).mappings()
        return [dict(r) for r in rows]


# --- consents (e-mail kept apart from the answers, deleted once sent) ------------------------


def consent_count(bind: Engine | Connection, wave_id: int) -> int:
    with reading(bind) as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(consents).where(consents.c.wave_id == wave_id)
            ).scalar_one()
        )


def pending_consents(bind: Engine | Connection, wave_id: int) -> list[dict]:
    """Who still waits for the e-mail: id, email, language (oldest first)."""
    with reading(bind) as conn:
        rows = conn.execute(
            select(consents.c.id, consents.c.email, consents.c.language)
            .where(consents.c.wave_id == wave_id)
            .order_by(consents.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def delete_consents(bind: Engine | Connection, consent_ids: Iterable[int]) -> int:
    """Forget these e-mail addresses (after their message went out); returns how many."""
    ids = [int(i) for i in consent_ids]
    if not ids:
        return 0
    with writing(bind) as conn:
        return conn.execute(delete(consents).where(consents.c.id.in_(ids))).rowcount
