"""A consent (the e-mail address of a respondent who wants to hear about the results) cannot be
linked back to the response by the moment or the order of completion (issue 19.8: the review
found consents 0.19 s from their response's completed_at); SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from store import responses as R
from store import schema
from tests.store.test_responses import _answer_all, _start
from tests.survey_form.world import make_world


def test_a_consent_keeps_the_day_only_and_a_random_id(engine):
    labels = ("a", "b", "c")
    world = make_world(engine, invitations=labels)
    completed = []
    for label in labels:
        resp = _answer_all(engine, _start(engine, world, label))
        done = R.complete(engine, resp["id"], resp["revision"])
        assert R.record_consent(engine, done["id"]) is True
        completed.append(done)
    with engine.connect() as conn:
        consents = conn.execute(sa.select(schema.consents)).mappings().all()
        finished = conn.execute(sa.select(schema.responses.c.completed_at)).scalars().all()
    assert len(consents) == 3
    for consent in consents:
        at = consent["created_at"].replace(tzinfo=None)
        assert (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0)
        assert at.date() in {f.replace(tzinfo=None).date() for f in finished}
    ids = sorted(c["id"] for c in consents)
    assert ids != list(range(ids[0], ids[0] + 3))  # not in the order of completion
    assert max(ids) > 1000  # drawn from 2^31, not counted from 1
    assert {c["email"] for c in consents} == {f"{x}.{world.email}" for x in labels}
    assert dt.date.today() - consents[0]["created_at"].date() <= dt.timedelta(days=1)
