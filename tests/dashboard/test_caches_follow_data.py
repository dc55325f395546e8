"""Caches follow the data: a page never shows a figure older than what it depends on, also
when another wave changes (issue 16, point 10)."""

from __future__ import annotations

import time

import sqlalchemy as sa

from ktm.cli import main
from ktm.dashboard import LIVE_TTL
from store import schema
from tests.dashboard.conftest import metric, open_page


def _wave_id(url: str, name: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        wid = conn.execute(
            sa.select(schema.waves.c.id).where(schema.waves.c.name == name)
        ).scalar_one()
    engine.dispose()
    return wid


def _set_status(url: str, wave_id: int, status: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(schema.waves).where(schema.waves.c.id == wave_id).values(status=status)
        )
    engine.dispose()


def test_closing_another_wave_changes_the_overview_of_the_next_one(team_app_rw, dash_env):
    middle = _wave_id(dash_env, "Meting 2025-2026")
    _set_status(dash_env, middle, "open")  # the middle wave still in fieldwork
    time.sleep(LIVE_TTL + 0.5)
    at = open_page(team_app_rw, "views/overview.py", "Meting 2026-2027")
    assert "t.o.v. Meting 2024-2025" in metric(at, "Score op 100").delta

    # Closed elsewhere (the command line, another process's way of changing the store).
    assert main(["wave", "close", str(middle), "--yes", "--database", dash_env]) == 0
    time.sleep(LIVE_TTL + 0.5)
    at.run()
    assert not at.exception, at.exception
    assert "t.o.v. Meting 2025-2026" in metric(at, "Score op 100").delta


def test_a_wave_deleted_and_recreated_is_not_read_from_the_cache(tmp_path):
    """The fingerprint also holds every other wave's row: deleting a wave changes it."""
    from ktm.services.results import activity_fingerprint
    from store.db import get_engine, transaction
    from store.waves import create_wave, delete_waves

    engine = get_engine(f"sqlite:///{tmp_path / 'k.sqlite3'}")
    with transaction(engine) as conn:
        a = create_wave(conn, "A", status="closed")
        b = create_wave(conn, "B")
    before = activity_fingerprint(engine, b)
    with transaction(engine) as conn:
        delete_waves(conn, [a])
    after = activity_fingerprint(engine, b)
    assert before[0] == after[0]  # B itself did not change: its own analysis stays cached
    assert before[1] != after[1]  # but what B is compared with did
