"""Faults (issue 11 item 2): a process killed with SIGKILL while saving leaves whole pages or
nothing and a sound SQLite file; the next request works. `ktm backup` takes a consistent copy
while respondents write, `ktm restore` brings it back (and refuses while the app has it open)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from ktm.cli import main as ktm
from store import responses as R
from store import schema
from store.db import dispose_all, get_engine
from tests.reliability.respondents import make_respondents, respond, run_load

ROOT = Path(__file__).resolve().parents[2]

# The child saves the last page of the questionnaire over and over; save k stores a pair of
# answers that belong together (k % 11, "save k") and the progress page k, in one transaction.
WRITER = textwrap.dedent(
    """
    import sys
    import types

    # Load only the sampling modules the store needs (the package's __init__ pulls in scipy,
    # seconds of start-up that are not what is tested here).
    pkg = types.ModuleType("sampling")
    pkg.__path__ = [sys.argv[3] + "/sampling"]
    sys.modules["sampling"] = pkg
    from store import responses as R
    from store.db import get_engine

    url, token = sys.argv[1], sys.argv[2]
    engine = get_engine(url)
    opened = R.open_invitation(engine, token, "writer")
    resp = R.start_or_resume(engine, invitation=opened)
    rev = resp["revision"]
    k = 0
    while True:
        k += 1
        page = {"tevredenheid": k % 11, "verbetering": f"save {k}"}
        resp = R.save_page(engine, resp["id"], rev, page, {"page": k}, section_id="algemeen")
        rev = resp["revision"]
        if k == 3:
            print("saving", flush=True)
    """
)


def _sqlite_file(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" else None


def _integrity(path: Path) -> list:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchall()
    finally:
        con.close()


@pytest.mark.timeout(120)
def test_sigkill_while_saving_leaves_whole_pages_and_a_sound_store(db_url):
    """Three writers, each killed at its own random moment while it saves page after page."""
    engine = get_engine(db_url)
    labels = ("r0", "r1", "r2")
    world = make_respondents(engine, len(labels) + 1, name="Meting kill")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    rng = random.Random(11)
    children = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", WRITER, db_url, world.tokens[label], str(ROOT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for label in labels
    ]
    try:
        for child in children:
            line = child.stdout.readline()
            assert line.strip() == "saving", child.stderr.read()
        for child in children:
            time.sleep(rng.uniform(0.05, 0.3))  # somewhere in the middle of a save
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            assert child.returncode == -signal.SIGKILL
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()

    path = _sqlite_file(db_url)
    if path is not None:
        assert _integrity(path) == [("ok",)]
    rows = {}
    with engine.connect() as conn:
        for label in labels:
            inv_id = world.invitation_ids[label]
            row = conn.execute(
                sa.select(schema.responses).where(schema.responses.c.invitation_id == inv_id)
            ).mappings().one()  # fmt: skip
            disposition = conn.execute(
                sa.select(schema.invitations.c.disposition).where(schema.invitations.c.id == inv_id)
            ).scalar_one()
            answers, k = row["answers"], row["progress"]["page"]
            # The whole page of save k or nothing of it: the answers, the progress and the
            # revision always come from the same save.
            assert answers == {"tevredenheid": k % 11, "verbetering": f"save {k}"}
            assert row["revision"] == k and k >= 3
            assert disposition == "partial"
            rows[label] = row

    # The next requests work: a killed respondent goes on, another one completes.
    row = rows["r0"]
    resp = R.save_page(
        engine,
        row["id"],
        row["revision"],
        {"tevredenheid": 9, "verbetering": "na de crash"},
        {"page": 99},
        section_id="algemeen",
    )
    assert resp["answers"]["verbetering"] == "na de crash"
    rid = respond(engine, world.tokens["r3"], "after-crash")
    assert R.load_response(engine, rid)["status"] == "complete"


def _rows(engine, table) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def _consistent(engine, wave_id: int) -> int:
    """Each invitation's disposition agrees with its response (they change in one
    transaction): a copy taken between the two writes would break this. Returns #responses."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                schema.invitations.c.disposition,
                schema.responses.c.status,
                schema.responses.c.revision,
                schema.responses.c.answers,
            )
            .select_from(
                schema.invitations.outerjoin(
                    schema.responses,
                    schema.responses.c.invitation_id == schema.invitations.c.id,
                )
            )
            .where(schema.invitations.c.wave_id == wave_id)
        ).all()
    n = 0
    for disposition, status, revision, answers in rows:
        if status is None:
            expected = "invited"
        else:
            n += 1
            expected = (
                "complete" if status == "complete" else "partial" if revision > 0 else "opened"
            )
            # Each save adds one section's answers: revision and answers come together.
            assert (revision == 0) == (not answers)
        assert disposition == expected, (disposition, status, revision)
    return n


@pytest.mark.timeout(180)
def test_backup_while_respondents_write_then_restore(db_url, tmp_path):
    engine = get_engine(db_url)
    world = make_respondents(engine, 60, name="Meting back-up")
    if engine.dialect.name == "postgresql" and not shutil_which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    backups: list[Path] = []
    done = threading.Event()
    load: list = []

    def writers():
        load.append(run_load(engine, world))
        done.set()

    thread = threading.Thread(target=writers, daemon=True)
    thread.start()
    i = 0
    finished = False
    # Copies while they write, and one more after the last write: a copy that began just
    # before the last completion does not hold it (seen under load).
    while not finished or i < 2:
        finished = done.is_set()
        out = tmp_path / f"backup-{i}.db"
        assert ktm(["--database", db_url, "backup", "--out", str(out)]) == 0
        backups.append(out)
        i += 1
    thread.join(timeout=120)
    assert load and load[0].errors == []
    final = _rows(engine, schema.responses), _rows(engine, schema.invitations)

    # Every copy is sound and consistent; pick one taken mid-run to restore.
    url_of = {}
    seen = []
    for b in backups:
        if engine.dialect.name == "sqlite":
            assert _integrity(b) == [("ok",)]
            url_of[b] = f"sqlite:///{b}"
            copy = sa.create_engine(url_of[b])
            seen.append(_consistent(copy, world.wave_id))
            copy.dispose()
    if engine.dialect.name == "sqlite":
        assert max(seen) == 60 and seen == sorted(seen)  # later copies hold more
    chosen = backups[len(backups) // 2]
    if engine.dialect.name == "sqlite":
        copy = sa.create_engine(url_of[chosen])
        expected = _rows(copy, schema.responses), _rows(copy, schema.invitations)
        copy.dispose()

        # While another process (the app) has the database open, restore refuses.
        path = _sqlite_file(db_url)
        holder = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-c",
                "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1]);"
                "c.execute('select 1 from waves').fetchall(); print('open',flush=True);"
                "time.sleep(60)",
                str(path),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "open"
            assert ktm(["--database", db_url, "restore", str(chosen)]) == 2
        finally:
            holder.kill()
            holder.wait()
        dispose_all()
        engine = get_engine(db_url)
        assert (_rows(engine, schema.responses), _rows(engine, schema.invitations)) == final
    assert ktm(["--database", db_url, "restore", str(chosen)]) == 0
    dispose_all()
    engine = get_engine(db_url)
    restored = _rows(engine, schema.responses), _rows(engine, schema.invitations)
    assert _consistent(engine, world.wave_id) >= 0
    if engine.dialect.name == "sqlite":
        assert restored == expected
        assert _integrity(_sqlite_file(db_url)) == [("ok",)]
        assert list(path.parent.glob(f"{path.name}.before-restore-*"))
    else:
        assert len(restored[1]) == 60
    # And the restored store takes answers again, for a respondent it had not seen yet.
    with engine.connect() as conn:
        waiting = set(
            conn.execute(
                sa.select(schema.invitations.c.id).where(
                    schema.invitations.c.wave_id == world.wave_id,
                    schema.invitations.c.disposition == "invited",
                )
            ).scalars()
        )
    label = next((k for k, v in world.invitation_ids.items() if v in waiting), None)
    if label is not None:
        rid = respond(engine, world.tokens[label], "after-restore")
        assert R.load_response(engine, rid)["status"] == "complete"


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def test_backup_and_restore_refuse_bad_input(sqlite_url, tmp_path, capsys):
    engine = get_engine(sqlite_url)
    make_respondents(engine, 1)
    out = tmp_path / "b.db"
    assert ktm(["--database", sqlite_url, "backup", "--out", str(out)]) == 0
    assert ktm(["--database", sqlite_url, "backup", "--out", str(out)]) == 2  # exists
    assert "--force" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    before = _rows(engine, schema.invitations)
    assert ktm(["--database", sqlite_url, "restore", str(junk)]) == 2
    assert "SQLite" in capsys.readouterr().err
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t(x)").connection.close()
    assert ktm(["--database", sqlite_url, "restore", str(other)]) == 2
    assert "geen ktm-databank" in capsys.readouterr().err
    assert ktm(["--database", sqlite_url, "restore", str(tmp_path / "missing.db")]) == 2
    dispose_all()
    assert _rows(get_engine(sqlite_url), schema.invitations) == before
