"""From a consenting response to a sent e-mail and a deleted address, against a local SMTP
server; failures kept for a retry; nothing published without a mail server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from ktm.services import feedback as F
from sampling.mailer import SmtpConfig
from store import actions as A
from store import schema
from store.db import get_engine, transaction
from store.waves import get_wave
from tests.feedback.conftest import answered_wave, free_port

BASE = "https://tevredenheid.example.be"


def _consents(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.consents))
        # Sorted by content: consent ids are random on purpose (not linkable by order).
        return sorted((r.wave_id, r.email, r.language) for r in rows)


def _published_at(engine, wave_id):
    with engine.connect() as conn:
        return get_wave(conn, wave_id)["published_at"]


@pytest.fixture
def sqlite_engine(sqlite_url):
    return get_engine(sqlite_url)


def test_consenting_respondents_get_the_link_and_their_address_is_deleted(engine, smtp):
    handler, config = smtp
    w = answered_wave(engine, {"a": ("ja", "nl"), "b": ("nee", "nl"), "c": ("ja", "en")})
    # The thank-you hook kept the two addresses apart from the answers, each in its language.
    assert _consents(engine) == [(w.wave_id, w.emails["a"], "nl"), (w.wave_id, w.emails["c"], "en")]
    with engine.connect() as conn:
        answers = conn.execute(sa.select(schema.responses.c.answers, schema.responses.c.strata))
        assert "example.org" not in repr(answers.all())

    summary = F.publish(engine, w.wave_id, config, base_url=BASE)

    assert summary.sent == 2 and summary.remaining == 0 and summary.error is None
    assert sorted(handler.to()) == sorted([w.emails["a"], w.emails["c"]])  # never b
    assert _consents(engine) == []
    assert _published_at(engine, w.wave_id) is not None
    by_to = {str(m["To"]): m for m in handler.messages}
    nl_body = by_to[w.emails["a"]].get_content()
    en_body = by_to[w.emails["c"]].get_content()
    # The respondent's language first, the other second; each with the link in its language.
    assert nl_body.index("Beste,") < nl_body.index("Dear colleague,")
    assert en_body.index("Dear colleague,") < en_body.index("Beste,")
    assert f"{BASE}/feedback?wave={w.wave_id}\r\n" in nl_body
    assert f"{BASE}/feedback?wave={w.wave_id}&lang=en" in en_body
    assert str(by_to[w.emails["a"]]["Subject"]).startswith("Wat doen we met uw feedback")
    assert str(by_to[w.emails["c"]]["Subject"]).startswith("What we do with your feedback")
    assert "Meting test" in nl_body


def test_a_failed_address_stays_for_a_retry_and_the_retry_keeps_the_publication_date(
    sqlite_engine, smtp
):
    engine = sqlite_engine
    handler, config = smtp
    w = answered_wave(engine, {"a": ("ja", "nl"), "c": ("ja", "en"), "d": ("ja", "nl")})
    handler.later.add(w.emails["a"])
    handler.refuse.add(w.emails["d"])

    first = F.publish(engine, w.wave_id, config)

    assert first.sent == 1 and handler.to() == [w.emails["c"]]
    assert {(u.email, u.status) for u in first.undelivered} == {
        (w.emails["a"], "failed"),
        (w.emails["d"], "bounced"),
    }
    assert any(w.emails["a"] in line for line in first.lines())  # reported to the team
    assert sorted(e for _, e, _ in _consents(engine)) == sorted([w.emails["a"], w.emails["d"]])
    published = _published_at(engine, w.wave_id)

    handler.later.clear()
    handler.refuse.clear()
    retry = F.publish(engine, w.wave_id, config)

    assert retry.sent == 2 and retry.remaining == 0
    assert sorted(handler.to()) == sorted(w.emails.values())  # c was not mailed twice
    assert _consents(engine) == []
    assert _published_at(engine, w.wave_id) == published


def test_each_batch_is_deleted_as_soon_as_it_is_sent(sqlite_engine, smtp):
    engine = sqlite_engine
    _handler, config = smtp
    w = answered_wave(engine, {"a": ("ja", "nl"), "c": ("ja", "en"), "d": ("ja", "nl")})
    left = []

    def progress(done, total):
        left.append((done, total, A.consent_count(engine, w.wave_id)))

    F.publish(engine, w.wave_id, config, batch_size=1, progress=progress)
    assert left == [(1, 3, 2), (2, 3, 1), (3, 3, 0)]


def test_a_mail_server_out_of_reach_sends_nothing_and_keeps_every_address(sqlite_engine):
    engine = sqlite_engine
    w = answered_wave(engine, {"a": ("ja", "nl"), "c": ("ja", "en")})
    dead = SmtpConfig(
        host="127.0.0.1", port=free_port(), security="none", sender="z@example.org", timeout=2
    )
    summary = F.publish(engine, w.wave_id, dead)
    assert summary.sent == 0 and summary.error and "127.0.0.1" in summary.error
    assert {u.status for u in summary.undelivered} == {"not_tried"}
    assert len(_consents(engine)) == 2


def test_without_a_mail_server_nothing_is_published_while_respondents_wait(sqlite_engine):
    engine = sqlite_engine
    w = answered_wave(engine, {"a": ("ja", "nl")})
    with pytest.raises(F.FeedbackError, match="KTM_SMTP_HOST"):
        F.publish(engine, w.wave_id, None)
    assert _published_at(engine, w.wave_id) is None
    assert len(_consents(engine)) == 1


def test_a_wave_nobody_asked_about_is_published_without_a_mail_server(sqlite_engine):
    engine = sqlite_engine
    w = answered_wave(engine, {"b": ("nee", "nl")})
    summary = F.publish(engine, w.wave_id, None)
    assert summary.sent == 0 and summary.remaining == 0
    assert _published_at(engine, w.wave_id) is not None


def test_an_open_wave_is_not_published(sqlite_engine, smtp):
    from tests.survey_form.world import make_world

    engine = sqlite_engine
    handler, config = smtp
    world = make_world(engine)  # status open
    with transaction(engine) as conn:
        conn.execute(
            sa.insert(schema.consents).values(
                wave_id=world.wave_id, email="x@example.org", language="nl", created_at=A.utcnow()
            )
        )
    with pytest.raises(A.ActionError, match="niet afgesloten"):
        F.publish(engine, world.wave_id, config)
    assert handler.messages == [] and _published_at(engine, world.wave_id) is None
    assert len(_consents(engine)) == 1
