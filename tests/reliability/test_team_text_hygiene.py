"""Control characters are refused in what the team types too (issue 19.6: "on every input"):
a wave's facts and an improvement action, with the field named and nothing stored, on
SQLite and PostgreSQL (where a NUL would otherwise crash the statement)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ktm.services import waves as W
from store import actions as A
from store import schema
from store.db import transaction
from store.waves import create_wave

BAD = ["nul\x00byte", "esc\x1b[31m", "bell\x07"]


@pytest.fixture
def wave_id(engine):
    with transaction(engine) as conn:
        return create_wave(conn, "Meting 2026", status="draft")


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("bad", BAD)
def test_a_wave_fact_with_a_control_character_is_refused(engine, wave_id, bad):
    with pytest.raises(W.WaveRefused) as info:
        W.set_facts(engine, wave_id, {"objectives": f"Doel {bad}"})
    text = info.value.text("nl") + info.value.text("en")
    assert "objectives" in text and "stuurteken" in text and "control character" in text
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(schema.waves.c.objectives).where(schema.waves.c.id == wave_id)
        ).scalar_one()
    assert stored is None


def test_a_new_wave_named_with_a_nul_is_refused(engine, wave_id):
    with pytest.raises(W.WaveRefused, match="name"):
        W.create(engine, {"name": "Meting\x002027"})
    assert _count(engine, schema.waves) == 1


def test_a_wave_fact_may_hold_line_breaks(engine, wave_id):
    W.set_facts(engine, wave_id, {"objectives": "Eén\nTwee\r\nDrie\tvier"})


@pytest.mark.parametrize("field", ["description", "owner", "public_text_nl"])
def test_an_action_with_a_control_character_is_refused(engine, wave_id, field):
    fields = {"improvement_point": "gemak", "description": "Formulier korter"}
    with pytest.raises(A.ActionError, match="U\\+0000"):
        A.create_action(engine, wave_id, **{**fields, field: "x\x00y"})
    assert _count(engine, schema.improvement_actions) == 0
    action = A.create_action(engine, wave_id, **fields)
    with pytest.raises(A.ActionError, match="U\\+001B"):
        A.update_action(engine, action, **{field: "x\x1by"})
    (row,) = A.list_actions(engine, wave_id)
    assert row["description"] == "Formulier korter" and row.get("owner") is None
