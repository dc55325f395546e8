"""Answers are stored in one form and without bytes a person never types (issue 19.6, 19.8),
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from store import responses as R
from store import schema
from tests.survey_form.world import PAGES_INVITED, make_world


def _started(engine):
    world = make_world(engine)
    opened = R.open_invitation(engine, world.tokens["a"], "c")
    return R.start_or_resume(engine, invitation=opened, language="nl")


def _save(engine, resp, section, page):
    return R.save_page(engine, resp["id"], resp["revision"], page, {}, section_id=section)


def _stored(engine, rid):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(schema.responses.c.answers).where(schema.responses.c.id == rid)
        ).scalar_one()


def test_a_rating_given_as_text_is_stored_as_a_number(engine):
    resp = _started(engine)
    saved = _save(engine, resp, "algemeen", {"tevredenheid": "7"})
    assert saved["answers"]["tevredenheid"] == 7
    assert _stored(engine, resp["id"])["tevredenheid"] == 7
    assert isinstance(_stored(engine, resp["id"])["tevredenheid"], int)


def test_duplicate_choices_in_a_multi_select_are_refused(engine):
    resp = _started(engine)
    page = dict(PAGES_INVITED["gebruik"], procedures=["stageplan", "stageplan"])
    with pytest.raises(R.InvalidAnswers) as info:
        _save(engine, resp, "gebruik", page)
    assert "procedures" in info.value.errors
    assert "één keer" in info.value.errors["procedures"][0]
    assert _stored(engine, resp["id"]) == {}


@pytest.mark.parametrize("bad", ["nul\x00byte", "esc\x1b", "bell\x07"])
def test_an_open_answer_with_a_control_character_is_refused(engine, bad):
    resp = _started(engine)
    with pytest.raises(R.InvalidAnswers) as info:
        _save(engine, resp, "algemeen", {"tevredenheid": 7, "verbetering": bad})
    nl, en = info.value.errors["verbetering"]
    assert "stuurteken" in nl and "control character" in en
    assert _stored(engine, resp["id"]) == {}


def test_an_open_answer_may_hold_line_breaks(engine):
    resp = _started(engine)
    text = "Eerste punt.\nTweede punt.\r\n\tDerde."
    saved = _save(engine, resp, "algemeen", {"tevredenheid": 7, "verbetering": text})
    assert saved["answers"]["verbetering"] == text


def test_a_consent_cannot_be_linked_to_its_response_by_time_or_order(engine):

    from store.db import utcnow
    from tests.survey_form.world import all_answers  # noqa: F401 (the world's pages)

    world = make_world(engine, invitations=("a", "b", "c"), name="consent")
    done = []
    for label in ("a", "b", "c"):
        opened = R.open_invitation(engine, world.tokens[label], "c")
        resp = R.start_or_resume(engine, invitation=opened)
        for section, page in PAGES_INVITED.items():
            resp = R.save_page(engine, resp["id"], resp["revision"], page, {}, section_id=section)
        done.append(R.complete(engine, resp["id"], resp["revision"]))
        assert R.record_consent(engine, resp["id"], now=utcnow())
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.consents)).mappings().all()
    assert len(rows) == 3
    for r in rows:
        created = r["created_at"]
        assert (created.hour, created.minute, created.second, created.microsecond) == (0, 0, 0, 0)
    ids = [r["id"] for r in rows]
    assert ids != sorted(ids) or max(ids) > 1000  # random, not 1, 2, 3 in completion order
