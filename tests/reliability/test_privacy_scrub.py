"""Anonymisation leaves no personal data in the file, or says loudly that it could not
(issue 19.2): identifying auxiliary variables and a checkpoint blocked by a reader."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from store import privacy, schema
from store.db import get_engine, transaction
from tests.reliability.test_privacy_anonymisation import _close, _complete, _file_bytes
from tests.survey_form.world import make_world

RRN = "85.07.30-033.28"  # a well-formed national register number (check digits 28)


def _give_aux(engine, wave_id, aux):
    with transaction(engine) as conn:
        snaps = sa.select(schema.frame_snapshots.c.id).where(
            schema.frame_snapshots.c.wave_id == wave_id
        )
        conn.execute(
            sa.update(schema.frame_units)
            .where(schema.frame_units.c.snapshot_id.in_(snaps))
            .values(aux=aux)
        )


def test_identifying_aux_of_an_older_frame_is_removed_at_anonymisation(db_url):
    """Frames imported before import refused such columns still lose them."""
    engine = get_engine(db_url)
    world = make_world(engine, invitations=("a", "b"))
    _give_aux(
        engine,
        world.wave_id,
        {"telefoon": "+32 470 00 00 00", "nr": RRN, "iban_x": "x", "aanvragen": 3, "o": "ok"},
    )
    _close(engine, world.wave_id)
    privacy.anonymise_wave(engine, world.wave_id)
    with engine.connect() as conn:
        auxes = conn.execute(sa.select(schema.frame_units.c.aux)).scalars().all()
    assert auxes == [{"aanvragen": 3, "o": "ok"}] * 2
    if db_url.startswith("sqlite"):
        raw = _file_bytes(db_url)
        assert RRN.encode() not in raw and b"+32 470" not in raw


def test_a_checkpoint_blocked_by_a_reader_fails_loudly_and_a_rerun_finishes(
    sqlite_url, monkeypatch
):
    monkeypatch.setattr(privacy, "CHECKPOINT_WAIT_MS", 100)
    engine = get_engine(sqlite_url)
    world = make_world(engine, invitations=("a", "b"))
    _complete(engine, world, "a")
    _close(engine, world.wave_id)
    email = f"b.{world.email}".encode()
    assert email in _file_bytes(sqlite_url)

    # Another process's reader (the running app, a long export) holds an old snapshot.
    reader = sa.create_engine(sqlite_url)
    with reader.connect() as held:
        held.exec_driver_sql("BEGIN")
        held.exec_driver_sql("SELECT count(*) FROM frame_units").all()
        with pytest.raises(privacy.ScrubIncomplete, match="ktm anonymise --wave"):
            privacy.anonymise_wave(engine, world.wave_id)
        assert email in _file_bytes(sqlite_url)  # this is what was reported as done before
        held.exec_driver_sql("ROLLBACK")
    reader.dispose()

    again = privacy.anonymise_wave(engine, world.wave_id)
    assert again.already  # the database part was done; the file is clean only now
    assert email not in _file_bytes(sqlite_url)


def test_the_command_exits_non_zero_when_the_file_cannot_be_scrubbed(
    sqlite_url, monkeypatch, capsys
):
    from ktm.cli import main

    monkeypatch.setattr(privacy, "CHECKPOINT_WAIT_MS", 100)
    engine = get_engine(sqlite_url)
    world = make_world(engine, invitations=("a",))
    _close(engine, world.wave_id)
    reader = sa.create_engine(sqlite_url)
    with reader.connect() as held:
        held.exec_driver_sql("BEGIN")
        held.exec_driver_sql("SELECT count(*) FROM frame_units").all()
        rc = main(["--database", sqlite_url, "anonymise", "--wave", str(world.wave_id), "--yes"])
        held.exec_driver_sql("ROLLBACK")
    reader.dispose()
    out = capsys.readouterr()
    assert rc != 0
    assert "oude kopieën" in out.err and "geanonimiseerd / wave anonymised" not in out.out
