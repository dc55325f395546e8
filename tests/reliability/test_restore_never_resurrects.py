"""`ktm restore` never brings an anonymised wave's personal data back, even when the database
is damaged or gone; a file that is not a backup gets a clear error and leaves nothing behind
(issue 19.5)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ktm.cli import main as ktm
from store import schema
from store.db import dispose_all, get_engine
from tests.reliability.test_privacy_anonymisation import _close, _complete, _file_bytes
from tests.survey_form.world import make_world


@pytest.fixture
def anonymised_after_backup(sqlite_url, tmp_path):
    """A wave closed and backed up, then anonymised with `ktm anonymise`."""
    engine = get_engine(sqlite_url)
    world = make_world(engine, invitations=("a", "b"))
    _complete(engine, world, "a")
    _close(engine, world.wave_id)
    backup = tmp_path / "before.db"
    assert ktm(["--database", sqlite_url, "backup", "--out", str(backup)]) == 0
    assert f"b.{world.email}".encode() in backup.read_bytes()
    rc = ktm(["--database", sqlite_url, "anonymise", "--wave", str(world.wave_id), "--yes"])
    assert rc == 0
    dispose_all()
    return world, backup


def _path(url):
    return sa.engine.make_url(url).database


def test_anonymisations_are_recorded_beside_the_database(sqlite_url, anonymised_after_backup):
    import json
    from pathlib import Path

    world, _ = anonymised_after_backup
    record = Path(_path(sqlite_url) + ".anonymised.json")
    [entry] = json.loads(record.read_text())["sqlite"]
    assert entry["id"] == world.wave_id and entry["name"] == "Meting test"
    assert world.email not in record.read_text()


@pytest.mark.parametrize("what", ["deleted", "damaged"])
def test_restore_after_the_database_was_lost_anonymises_again(
    sqlite_url, anonymised_after_backup, what, capsys
):
    from pathlib import Path

    world, backup = anonymised_after_backup
    db = Path(_path(sqlite_url))
    if what == "deleted":
        db.unlink()
    else:
        db.write_bytes(b"\x00garbage" * 4096)
    assert ktm(["--database", sqlite_url, "restore", str(backup)]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert "anonymised again" in out.out
    dispose_all()
    assert f"b.{world.email}".encode() not in _file_bytes(sqlite_url)
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(sa.select(schema.waves.c.anonymised_at)).scalar() is not None
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.invitations)).scalar() == 0
        )
    if what == "damaged":
        assert list(db.parent.glob(db.name + ".before-restore-*.damaged"))


def test_a_file_that_is_not_a_backup_leaves_no_database_behind(sqlite_url, tmp_path, capsys):
    from pathlib import Path

    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    assert ktm(["--database", sqlite_url, "restore", str(junk)]) == 2
    err = capsys.readouterr().err
    assert "geen bruikbare SQLite-databank" in err and "Traceback" not in err
    db = Path(_path(sqlite_url))
    assert not db.exists() and not list(db.parent.glob(db.name + "*"))
