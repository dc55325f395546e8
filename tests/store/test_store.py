from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from store import schema
from store.db import (
    create,
    current_revision,
    get_engine,
    reading,
    transaction,
    upgrade_schema,
    writing,
)
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
    assert sorted(sa.inspect(engine).get_table_names()) == []
    upgrade_schema(engine)
    assert set(sa.inspect(engine).get_table_names()) == set(schema.metadata.tables) | {
        "alembic_version"
    }
    from alembic.script import ScriptDirectory

    from store.db import alembic_config

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1  # one linear chain of migrations
    assert current_revision(engine) == heads[0]
    upgrade_schema(engine)  # a second upgrade changes nothing
    assert current_revision(engine) == heads[0]
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


def _other_writer_gets_in(path: str) -> bool:
    """Whether a second connection can take the write lock at once (no busy wait)."""
    import sqlite3

    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE waves SET cost_eur = 1")
        other.execute("COMMIT")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_on_sqlite_a_read_transaction_leaves_the_write_lock_to_writers(sqlite_url):
    """A dashboard query must not make respondents' saves wait; a write transaction still
    holds the lock from its first statement (so two writers queue instead of failing)."""
    engine = get_engine(sqlite_url)
    path = sa.engine.make_url(sqlite_url).database
    with transaction(engine) as conn:
        create_wave(conn, name="Meting")
    with reading(engine) as conn:
        before = conn.execute(sa.select(schema.waves.c.cost_eur)).scalar()
        assert _other_writer_gets_in(path)
        # The snapshot stays what it was when the read began.
        assert conn.execute(sa.select(schema.waves.c.cost_eur)).scalar() == before
    with engine.begin() as conn:
        conn.execute(sa.select(schema.waves.c.id)).all()
        assert not _other_writer_gets_in(path)
    with engine.connect() as conn:  # autobegin: a write transaction too
        conn.execute(sa.select(schema.waves.c.id)).all()
        assert not _other_writer_gets_in(path)


def test_reading_and_writing_take_a_callers_connection_as_it_is(engine):
    with transaction(engine) as conn:
        wave_id = create_wave(conn, name="Meting")
    with engine.connect() as conn:
        with writing(conn) as c:  # no transaction yet: one of its own, committed
            c.execute(sa.update(schema.waves).values(cost_eur=3.0))
        assert not conn.in_transaction()
        with reading(conn) as c:
            assert c.execute(sa.select(schema.waves.c.cost_eur)).scalar() == 3.0
        assert not conn.in_transaction()
        with conn.begin():
            conn.execute(sa.update(schema.waves).values(cost_eur=4.0))
            # inside: a savepoint, rolled back alone
            with pytest.raises(RuntimeError), writing(conn) as c:
                c.execute(sa.update(schema.waves).values(cost_eur=5.0))
                raise RuntimeError("refused")
            with reading(conn) as c:  # inside: the owner's transaction, uncommitted work seen
                assert c.execute(sa.select(schema.waves.c.cost_eur)).scalar() == 4.0
    with reading(engine) as c:
        assert (
            c.execute(
                sa.select(schema.waves.c.cost_eur).where(schema.waves.c.id == wave_id)
            ).scalar()
            == 4.0
        )


def test_sqlite_writers_of_one_process_take_turns_and_never_hang(sqlite_url, monkeypatch):
    """The process's writer lock is let go when a transaction fails, and a writer that finds it
    held past the busy timeout goes ahead (SQLite's own lock still keeps writes apart)."""
    import threading

    from store import db

    engine = get_engine(sqlite_url)
    lock = db._writer_locks[engine]
    with pytest.raises(RuntimeError), writing(engine):
        raise RuntimeError("refused")
    free = []
    probe = threading.Thread(target=lambda: free.append(lock.acquire(blocking=False)))
    probe.start()
    probe.join()
    assert free == [True]  # let go after the failure (the probe now holds it)

    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    done = []

    def write():
        with transaction(engine) as conn:
            done.append(create_wave(conn, name="Na de wachttijd"))

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=30)
    assert not writer.is_alive() and len(done) == 1
    unlocked = db.create(sqlite_url, writer_lock=False)
    assert unlocked not in db._writer_locks
    unlocked.dispose()


def test_the_connection_pool_size_is_set_by_the_environment(db_url, monkeypatch):
    """$KTM_DB_POOL_SIZE reaches the engines through ktm.config; the store takes it as a
    parameter and never reads the environment."""
    from ktm import config, database
    from store import db

    monkeypatch.setenv(config.POOL_SIZE_ENV, "3")
    engine = database.create(db_url)
    assert engine.pool.size() == 3 and engine.pool._max_overflow == 3
    engine.dispose()
    engine = db.create(db_url)  # the store alone: its default, whatever the environment
    assert engine.pool.size() == db.DEFAULT_POOL_SIZE == config.DEFAULT_POOL_SIZE
    engine.dispose()
    monkeypatch.delenv(config.POOL_SIZE_ENV)
    engine = database.create(db_url)
    assert engine.pool.size() == db.DEFAULT_POOL_SIZE
    engine.dispose()
    for bad in ("vijf", "0", "2.5"):
        monkeypatch.setenv(config.POOL_SIZE_ENV, bad)
        with pytest.raises(ValueError, match=config.POOL_SIZE_ENV):
            database.create(db_url)
    with pytest.raises(ValueError, match="pool_size"):
        db.create(db_url, pool_size=0)
