from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from store import schema
from store.db import create, current_revision, get_engine, table_names, transaction, upgrade_schema
from store.waves import (
    StoreError,
    create_wave,
    get_questionnaire_definition,
    get_wave,
    previous_wave,
    resolve_wave,
    save_questionnaire_version,
    update_wave,
)


def test_migrations_build_every_table_from_an_empty_database(db_url):
    engine = create(db_url)
    assert table_names(engine) == []
    upgrade_schema(engine)
    assert set(table_names(engine)) == set(schema.metadata.tables) | {"alembic_version"}
    assert current_revision(engine) == "0001"
    upgrade_schema(engine)  # a second upgrade changes nothing
    assert current_revision(engine) == "0001"
    engine.dispose()


def test_wave_and_questionnaire_round_trip(engine):
    definition = {"id": "eloket", "version": "1", "sections": [{"id": "s", "items": []}]}
    with transaction(engine) as conn:
        h = save_questionnaire_version(
            conn, hash="a" * 64, questionnaire_id="eloket", version="1", definition=definition
        )
        save_questionnaire_version(  # idempotent
            conn, hash="a" * 64, questionnaire_id="eloket", version="1", definition=definition
        )
        w1 = create_wave(
            conn,
            "Meting 2025",
            status="closed",
            fieldwork_start=dt.date(2025, 3, 1),
            min_response_rate=0.3,
            other_methods={"complaints": {"2023": 127}},
            questionnaire_hash=h,
        )
        w2 = create_wave(conn, "Meting 2026", status="open", fieldwork_start=dt.date(2026, 3, 1))
    with engine.connect() as conn:
        wave = get_wave(conn, w1)
        assert wave["name"] == "Meting 2025"
        assert wave["fieldwork_start"] == dt.date(2025, 3, 1)
        assert wave["min_response_rate"] == 0.3
        assert wave["other_methods"] == {"complaints": {"2023": 127}}
        assert wave["disclosure_k"] == 5
        assert wave["post_contact"] is False
        assert get_questionnaire_definition(conn, h) == definition
        assert resolve_wave(conn, "open")["id"] == w2
        assert resolve_wave(conn, "latest")["id"] == w1
        assert resolve_wave(conn, str(w1))["id"] == w1
        assert previous_wave(conn, w2)["id"] == w1
        assert previous_wave(conn, w1) is None
        with pytest.raises(StoreError, match="999"):
            get_wave(conn, 999)
        with pytest.raises(StoreError, match="'nope'"):
            resolve_wave(conn, "nope")


def test_a_transaction_that_fails_half_way_leaves_nothing_behind(engine):
    with pytest.raises(StoreError), transaction(engine) as conn:
        create_wave(conn, "Half")
        update_wave(conn, 12345, status="open")  # fails after the insert
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.waves)).scalar() == 0


def test_constraints_hold_on_both_databases(engine):
    with pytest.raises(sa.exc.IntegrityError), transaction(engine) as conn:
        create_wave(conn, "A", status="draft")
        conn.execute(sa.update(schema.waves).values(status="bogus"))
    with pytest.raises(sa.exc.IntegrityError), transaction(engine) as conn:
        conn.execute(
            sa.insert(schema.frame_snapshots).values(
                wave_id=424242,  # no such wave: foreign keys are on
                source_name="x.csv",
                source_sha256="0" * 64,
                n_units=0,
                aux_columns=[],
                imported_at=dt.datetime.now(dt.UTC),
            )
        )


def test_sqlite_is_opened_with_wal_busy_timeout_and_foreign_keys(sqlite_url):
    engine = get_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
