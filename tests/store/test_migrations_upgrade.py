"""Upgrading a database that is in use: the migrations after 0001 run on tables whose rows other
tables point at (SQLite's foreign keys are on), and keep every row."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa


def _fill_at_0001(engine) -> None:
    now = dt.datetime(2025, 11, 3, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO questionnaire_versions (hash, questionnaire_id, version, definition,"
                " created_at) VALUES ('h1', 'eloket', '1', '{}', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO waves (id, name, questionnaire_hash, created_at)"
                " VALUES (1, 'Meting 2025', 'h1', :now), (2, 'Echte meting', 'h1', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO frame_snapshots (wave_id, source_name, source_sha256, n_units,"
                " aux_columns, imported_at) VALUES (1, 'demo-2025.csv', 'x', 0, '[]', :now),"
                " (2, 'kader.xlsx', 'y', 0, '[]', :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO responses (wave_id, mode, questionnaire_hash, strata, answers,"
                " progress, started_at, updated_at) VALUES (2, 'paper', 'h1', '{}', :a, '{}',"
                " :now, :now)"
            ),
            {"a": json.dumps({"tevredenheid": 8}), "now": now},
        )


def test_an_in_use_database_at_0001_upgrades_to_head(db_url):
    from store.db import create, current_revision, upgrade_schema

    engine = create(db_url)  # not get_engine: that upgrades to the head on opening
    upgrade_schema(engine, "0001")
    assert current_revision(engine) == "0001"
    _fill_at_0001(engine)
    upgrade_schema(engine)  # batch mode failed here: "FOREIGN KEY constraint failed" (SQLite)
    from alembic.script import ScriptDirectory

    from store.db import alembic_config

    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
    assert current_revision(engine) == head
    with engine.connect() as conn:
        demo = dict(conn.execute(sa.text("SELECT id, demo FROM waves ORDER BY id")).all())
        assert {k: bool(v) for k, v in demo.items()} == {1: True, 2: False}
        assert conn.execute(sa.text("SELECT count(*) FROM responses")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM questionnaire_versions")).scalar() == 1
    # The import key is unique per wave after the upgrade, as on a new database.
    insert = sa.text(
        "INSERT INTO responses (wave_id, mode, questionnaire_hash, strata, answers, progress,"
        " started_at, updated_at, import_key) VALUES (2, 'paper', 'h1', '{}', '{}', '{}',"
        " :now, :now, 'k1')"
    )
    now = dt.datetime(2025, 11, 4, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(insert, {"now": now})
    try:
        with engine.begin() as conn:
            conn.execute(insert, {"now": now})
    except sa.exc.IntegrityError:
        pass
    else:
        raise AssertionError("a second response with the same import key was stored")
