"""The actions register on SQLite and PostgreSQL: one transaction per change, history kept."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from store import actions as A
from store import schema
from store.db import transaction
from store.waves import create_wave
from tests.feedback.conftest import get_action

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 3, 9, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def wave_id(engine):
    with transaction(engine) as conn:
        return create_wave(conn, "Meting 2025-2026", status="closed")


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_create_and_update_keep_who_changed_what_and_when(engine, wave_id):
    aid = A.create_action(
        engine,
        wave_id,
        improvement_point="doorlooptijd",
        description="  Termijnen per procedure opvolgen  ",
        owner="Cel erkenningen",
        public_text_nl="We volgen de behandeltermijnen per procedure op.",
        changed_by="an@zorg.example",
        now=T0,
    )
    changes = A.update_action(
        engine,
        aid,
        status="in_progress",
        due_date="2026-06-30",
        owner="Cel erkenningen",  # unchanged: not in the history
        changed_by="bert@zorg.example",
        now=T1,
    )
    assert changes == {"status": ["planned", "in_progress"], "due_date": [None, "2026-06-30"]}
    history = A.history(engine, aid)
    assert [(h["changed_at"], h["changed_by"]) for h in history] == [
        (T0, "an@zorg.example"),
        (T1, "bert@zorg.example"),
    ]
    assert history[0]["change"] == {
        "improvement_point": [None, "doorlooptijd"],
        "description": [None, "Termijnen per procedure opvolgen"],  # stripped
        "owner": [None, "Cel erkenningen"],
        "status": [None, "planned"],
        "public_text_nl": [None, "We volgen de behandeltermijnen per procedure op."],
    }
    assert history[1]["change"] == changes
    action = get_action(engine, aid)
    assert action["status"] == "in_progress" and action["due_date"] == dt.date(2026, 6, 30)
    assert action["created_at"] == T0 and action["updated_at"] == T1


def test_an_update_that_changes_nothing_writes_nothing(engine, wave_id):
    aid = A.create_action(engine, wave_id, improvement_point="hulp", description="FAQ", now=T0)
    assert A.update_action(engine, aid, description=" FAQ ", now=T1) == {}
    assert len(A.history(engine, aid)) == 1
    assert get_action(engine, aid)["updated_at"] == T0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"improvement_point": "hulp"}, "Beschrijving ontbreekt"),
        ({"improvement_point": " ", "description": "x"}, "Verbeterpunt ontbreekt"),
        ({"improvement_point": "hulp", "description": "x", "status": "klaar"}, "bestaat niet"),
        ({"improvement_point": "hulp", "description": "x", "due_date": "30/06"}, "JJJJ-MM-DD"),
        ({"improvement_point": "hulp", "description": "x", "colour": "red"}, "colour"),
        ({"improvement_point": "h" * 101, "description": "x"}, "hoogstens 100"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(
    engine, wave_id, fields, message
):
    with pytest.raises(A.ActionError, match=message):
        A.create_action(engine, wave_id, **fields)
    assert _count(engine, schema.improvement_actions) == 0
    assert _count(engine, schema.action_history) == 0


def test_a_failed_update_leaves_the_action_and_its_history_as_they_were(engine, wave_id):
    aid = A.create_action(engine, wave_id, improvement_point="hulp", description="FAQ", now=T0)
    with pytest.raises(A.ActionError):
        A.update_action(engine, aid, description="nieuw", status="weg")
    assert get_action(engine, aid)["description"] == "FAQ"
    assert len(A.history(engine, aid)) == 1
    with pytest.raises(A.ActionError, match="bestaat niet"):
        A.update_action(engine, 9999, description="x")
    with pytest.raises(A.StoreError, match="bestaat niet"):
        A.create_action(engine, 9999, improvement_point="hulp", description="x")


def test_a_stale_edit_is_refused(engine, wave_id):
    aid = A.create_action(engine, wave_id, improvement_point="hulp", description="FAQ", now=T0)
    read = get_action(engine, aid)["updated_at"]
    A.update_action(engine, aid, status="done", changed_by="an", now=T1)  # a colleague first
    with pytest.raises(A.ConflictError):
        A.update_action(engine, aid, description="FAQ v2", expected_updated_at=read)
    assert get_action(engine, aid)["description"] == "FAQ"
    fresh = get_action(engine, aid)["updated_at"]
    assert A.update_action(engine, aid, description="FAQ v2", expected_updated_at=fresh)


def test_list_actions_gives_the_keys_the_verantwoording_reads(engine, wave_id):
    with transaction(engine) as conn:
        other = create_wave(conn, "Andere meting")
    A.create_action(engine, wave_id, improvement_point="opvolging", description="Status", now=T1)
    A.create_action(
        engine,
        wave_id,
        improvement_point="doorlooptijd",
        description="Termijnen",
        status="done",
        due_date=dt.date(2026, 5, 1),
        public_text_en="We track processing times.",
        now=T0,
    )
    A.create_action(engine, other, improvement_point="hulp", description="FAQ", now=T0)
    rows = A.list_actions(engine, wave_id)
    assert [r["improvement_point"] for r in rows] == ["doorlooptijd", "opvolging"]  # oldest first
    keys = {
        "improvement_point",
        "description",
        "owner",
        "status",
        "due_date",
        "public_text_nl",
        "public_text_en",
        "created_at",
        "updated_at",
    }
    assert keys <= set(rows[0])
    assert rows[0]["due_date"] == dt.date(2026, 5, 1) and rows[0]["status"] == "done"
    assert rows[0]["created_at"] == T0 and rows[0]["public_text_nl"] is None
    with engine.connect() as conn:  # on a connection too
        assert len(A.list_actions(conn, other)) == 1


def test_publish_sets_the_date_once_and_only_for_a_closed_wave(engine, wave_id):
    with transaction(engine) as conn:
        open_wave = create_wave(conn, "Lopend", status="open")
    assert A.published_waves(engine) == []
    assert A.publish_wave(engine, wave_id, now=T0) == T0
    assert A.publish_wave(engine, wave_id, now=T1) == T0  # a retry is not a new publication
    assert [w["id"] for w in A.published_waves(engine)] == [wave_id]
    with pytest.raises(A.ActionError, match="niet afgesloten"):
        A.publish_wave(engine, open_wave)
    A.unpublish_wave(engine, wave_id)
    assert A.published_waves(engine) == []


def test_deleting_an_action_with_its_wave_takes_its_history(engine, wave_id):
    aid = A.create_action(engine, wave_id, improvement_point="hulp", description="FAQ")
    A.update_action(engine, aid, status="done")
    with transaction(engine) as conn:
        conn.execute(sa.delete(schema.waves).where(schema.waves.c.id == wave_id))
    assert _count(engine, schema.action_history) == 0
