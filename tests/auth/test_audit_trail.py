"""The audit trail (issue 24): every listed action leaves exactly one row, with who did it,
when and on which wave; the app cannot change or delete a row; `ktm audit` shows them; the
command line records the operating-system user or --as. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import getpass
from collections import Counter

import pytest
import sqlalchemy as sa

from ktm import ledger, roles
from ktm.cli import main as ktm
from ktm.services import audit as audit_svc
from ktm.services import feedback as F
from ktm.services import response_files as files
from ktm.services import sampling as S
from ktm.services import waves as W
from store import audit as store_audit
from store import schema
from store.db import transaction
from store.waves import create_wave, update_wave
from tests.reliability.test_privacy_anonymisation import _complete
from tests.sampling_shell.conftest import frame_table, smtp  # noqa: F401
from tests.survey_form.world import make_world

ALICE = roles.Actor("alice@vlaanderen.be", "manager", "oidc")
READER = roles.Actor("kabinet@vlaanderen.be", "reader", "oidc")


def _rows(engine) -> list[dict]:
    return list(reversed(store_audit.entries(engine)))


def _wave(engine, name="Meting audit") -> int:
    with transaction(engine) as conn:
        return create_wave(conn, name, status="open", fieldwork_end=dt.date(2030, 3, 31))


def test_each_listed_action_leaves_exactly_one_row_with_the_right_person(
    engine,
    db_url,
    tmp_path,
    smtp,  # noqa: F811
):
    handler, config = smtp
    frame = tmp_path / "kader.xlsx"
    frame_table().to_excel(frame, index=False)
    wave_id = _wave(engine)
    world = make_world(engine, invitations=("a",), name="Meting met antwoorden")
    _complete(engine, world, "a")
    draft = _wave(engine, "Ontwerp")
    with transaction(engine) as conn:
        update_wave(conn, draft, status="draft")

    expected = []
    with roles.acting_as(ALICE):
        S.import_frame(engine, wave_id, frame)
        expected.append(("frame_import", wave_id))
        S.import_frame(engine, wave_id, frame)  # the same file again changes nothing: no row
        S.draw_sample(engine, wave_id, "profession", "proportional", n=6, seed=5)
        expected.append(("sample_draw", wave_id))
        summary = S.send_invitations(engine, wave_id, config, batch_size=4)
        assert summary.sent == 6 and len(handler.messages) == 6
        expected.append(("smtp_send", wave_id))  # one row for the send, not one per batch
        S.export_invitations(engine, wave_id, tmp_path / "herinnering.xlsx", reminder=True)
        expected.append(("link_export", wave_id))
        W.close_wave(engine, wave_id)
        expected.append(("wave_close", wave_id))
        files.export_responses(engine, world.wave_id, tmp_path / "antwoorden.xlsx")
        expected.append(("internal_export", world.wave_id))
        F.publish(engine, wave_id, None)
        expected.append(("publish", wave_id))
        ledger.anonymise_and_record(engine, db_url, wave_id)
        expected.append(("anonymise", wave_id))
        ledger.anonymise_and_record(engine, db_url, wave_id)  # already anonymised: no row
        W.delete_wave(engine, draft)
        expected.append(("wave_delete", draft))
    assert audit_svc.note_role(engine, ALICE, "list")
    assert not audit_svc.note_role(engine, ALICE, "list")  # the same role again: no row
    expected.append(("role_change", None))

    rows = _rows(engine)
    assert [(r["action"], r["wave_id"]) for r in rows] == expected
    assert {r["actor"] for r in rows} == {ALICE.name}
    assert {r["role"] for r in rows} == {"manager"} and {r["source"] for r in rows} == {"oidc"}
    listed = set(store_audit.ACTIONS) - {"restore"}  # restore: the command line, below
    assert Counter(r["action"] for r in rows) == Counter(dict.fromkeys(listed, 1))
    now = dt.datetime.now(dt.UTC)
    for r in rows:
        at = r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=dt.UTC)
        assert now - dt.timedelta(minutes=5) < at <= now
    deleted = next(r for r in rows if r["action"] == "wave_delete")
    assert deleted["wave_name"] == "Ontwerp"  # the wave is gone, its name stays
    assert rows[-1]["details"] == {"from": None, "to": "manager", "by": "list"}
    # No personal data of respondents in the trail.
    text = str(rows)
    assert "@example.org" not in text and world.email not in text


def test_a_refused_or_failed_action_leaves_no_row(engine, tmp_path):
    frame = tmp_path / "kader.xlsx"
    frame_table().to_excel(frame, index=False)
    wave_id = _wave(engine)
    with roles.acting_as(READER), pytest.raises(roles.Refused):
        S.import_frame(engine, wave_id, frame)
    with roles.acting_as(ALICE), pytest.raises(W.WaveRefused):
        W.delete_wave(engine, wave_id)  # open: refused by the service's own rule
    assert _rows(engine) == []
    with transaction(engine) as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.frame_units)).scalar() == 0
        )


def test_the_trail_is_append_only_for_the_app(engine):
    row = store_audit.record(engine, "publish", actor="x", role="manager", source="cli")
    for statement in (
        sa.update(schema.audit_log).values(actor="someone else"),
        sa.delete(schema.audit_log),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    assert [r["id"] for r in store_audit.entries(engine)] == [row]
    assert not hasattr(store_audit, "update") and not hasattr(store_audit, "delete")


def test_the_command_line_records_the_user_or_as_and_ktm_audit_shows_it(db_url, engine, capsys):
    first, second = _wave(engine, "Eerste"), _wave(engine, "Tweede")
    assert ktm(["--database", db_url, "wave", "close", str(first), "--yes"]) == 0
    assert ktm(["--as", "An Peeters", "--database", db_url, "wave", "close", str(second),
                "--yes"]) == 0  # fmt: skip
    rows = _rows(engine)
    assert [(r["action"], r["wave_id"], r["actor"], r["source"]) for r in rows] == [
        ("wave_close", first, f"{getpass.getuser()} (cli)", "cli"),
        ("wave_close", second, "An Peeters", "cli"),
    ]
    capsys.readouterr()
    assert ktm(["--database", db_url, "audit", "--wave", str(second)]) == 0
    out = capsys.readouterr().out
    assert "An Peeters [manager]  wave_close  wave 2 Tweede" in out
    assert "(cli)" not in out  # only the second wave's row
    assert ktm(["--database", db_url, "audit", "--action", "nonsense"]) == 2


def test_restore_is_recorded_in_the_restored_database(db_url, engine, tmp_path, capsys):
    import shutil

    from store.db import dispose_all, get_engine

    if db_url.startswith("postgresql") and not shutil.which("pg_restore"):
        pytest.skip("pg_dump/pg_restore are not installed")
    wave_id = _wave(engine)
    backup = tmp_path / "kopie.db"
    assert ktm(["--database", db_url, "backup", "--out", str(backup)]) == 0
    assert ktm(["--database", db_url, "wave", "close", str(wave_id), "--yes"]) == 0
    dispose_all()
    assert ktm(["--as", "Beheerder B", "--database", db_url, "restore", str(backup)]) == 0
    rows = _rows(get_engine(db_url))
    # The backup was made before the close: the restored trail holds the restore only.
    assert [(r["action"], r["actor"]) for r in rows] == [("restore", "Beheerder B")]
    assert rows[0]["details"] == {"file": "kopie.db"}
    # The trigger came back with the table: still append-only after a restore.
    with (
        pytest.raises(sa.exc.DatabaseError, match="append-only"),
        get_engine(db_url).begin() as conn,
    ):
        conn.execute(sa.delete(schema.audit_log))


def test_the_verantwoording_cites_the_trail_under_questions_6_and_9(demo_url, tmp_path):
    import io

    import openpyxl

    from ktm.services import export as E
    from report import accountability
    from store.db import get_engine
    from store.waves import resolve_wave

    engine = get_engine(demo_url)
    with engine.connect() as conn:
        wave = resolve_wave(conn, "latest")
    with roles.acting_as(ALICE):
        F.publish(engine, wave["id"], None)
    with roles.acting_as(roles.Actor("bob@vlaanderen.be", "manager", "oidc")):
        xlsx, _ = E.export_bytes(engine, wave["id"], profile="publication")
    rows = {}
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))["Verantwoording"]
    for row in ws.iter_rows(values_only=True):
        if row and row[0] in ("6", "9", "7a"):
            rows[row[0]] = " ".join(str(v) for v in row if v)
    assert "auditlogboek" in rows["6"] and "audit_log" in rows["6"]
    assert "geen van deze handelingen" in rows["6"]  # the demo's steps predate the trail
    assert "resultaten gepubliceerd op" in rows["9"] and "door 1 teamlid" in rows["9"]
    assert "results published on" in rows["9"]
    assert "auditlogboek" not in rows["7a"]
    assert ALICE.name not in str(rows)  # counts and dates, never the names

    at = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)
    audit = [
        {"action": "frame_import", "actor": "a", "at": at},
        {"action": "sample_draw", "actor": "b", "at": at},
        {"action": "link_export", "actor": "a", "at": at},
        {"action": "link_export", "actor": "a", "at": at + dt.timedelta(days=14)},
    ]
    six = {r["number"]: r for r in accountability.answer_rows(wave, audit=audit)}["6"]
    assert six["answer_nl"].endswith(
        "Volgens het auditlogboek (wie, wat, wanneer; niet te wijzigen): kader ingelezen op "
        "3 november 2026; steekproef getrokken op 3 november 2026; links uitgegeven op "
        "17 november 2026 (2×); door 2 teamleden."
    )
    assert "by 2 team members." in six["answer_en"]
    plain = {r["number"]: r for r in accountability.answer_rows(wave)}["6"]
    assert "auditlogboek" not in plain["answer_nl"]  # without the trail: as before
