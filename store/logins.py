"""Failed team logins in the database, so the limiter holds across replicas (issue 19.7).

One row per failure, keyed by the client's HMAC key (ktm.clientkey), never an address; rows
older than the longest window are deleted at every failure, so the table holds minutes only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, func, insert, select

from store.db import reading, writing
from store.schema import login_attempts


def _client(key: str) -> str:
    return (key or "")[:64]


def counts(
    bind: Engine | Connection,
    client_key: str,
    now: datetime,
    window: timedelta,
    overall_window: timedelta,
) -> tuple[int, datetime | None, int, datetime | None]:
    """(failures of this client within `window`, its oldest one, failures of everyone within
    `overall_window`, the oldest of those)."""
    c = login_attempts.c
    with reading(bind) as conn:
        mine = conn.execute(
            select(func.count(), func.min(c.at)).where(
                c.client_key == _client(client_key), c.at > now - window
            )
        ).one()
        everyone = conn.execute(
            select(func.count(), func.min(c.at)).where(c.at > now - overall_window)
        ).one()
    return int(mine[0]), _aware(mine[1]), int(everyone[0]), _aware(everyone[1])


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def failed(bind: Engine | Connection, client_key: str, now: datetime, keep: timedelta) -> int:
    """Count a failure; the failures of this client still within `keep`."""
    c = login_attempts.c
    with writing(bind) as conn:
        conn.execute(delete(login_attempts).where(c.at <= now - keep))
        conn.execute(insert(login_attempts).values(client_key=_client(client_key), at=now))
        return int(
            conn.execute(
                select(func.count()).where(c.client_key == _client(client_key))
            ).scalar_one()
        )


def succeeded(bind: Engine | Connection, client_key: str) -> None:
    with writing(bind) as conn:
        conn.execute(
            delete(login_attempts).where(login_attempts.c.client_key == _client(client_key))
        )


def purge(bind: Engine | Connection, now: datetime, keep: timedelta) -> int:
    with writing(bind) as conn:
        return conn.execute(
            delete(login_attempts).where(login_attempts.c.at <= now - keep)
        ).rowcount
