"""Sending, reminders and post-contact invitations against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
import sqlalchemy as sa

from ktm.services import sampling as svc
from sampling.mailer import SmtpConfig
from store import samples as store_samples
from store import schema
from store.db import transaction
from store.waves import update_wave
from tests.sampling_shell.conftest import counts, free_port

DEADLINE = dt.date(2025, 3, 31)
LINK = re.compile(r"\?t=([A-Za-z0-9_-]{43})")


def _tokens(handler) -> dict[str, str]:
    """{recipient: token of the personal link} of the messages received."""
    return {m["To"]: LINK.search(_body(m)).group(1) for m in handler.messages}


def _body(message) -> str:
    return message.get_content()


@pytest.fixture
def drawn(engine, wave_id, frame_xlsx):
    with transaction(engine) as conn:
        update_wave(conn, wave_id, fieldwork_end=DEADLINE)
    svc.import_frame(engine, wave_id, frame_xlsx)
    svc.draw_sample(engine, wave_id, "profession", "proportional", n=12, seed=5)
    return wave_id


def _sampled_emails(engine, wave_id) -> list[str]:
    with engine.connect() as conn:
        invites = store_samples.invitations_frame(conn, wave_id, contacts=True)
    return invites["email"].tolist()


def test_send_updates_dispositions_and_a_refused_address_bounces(engine, drawn, smtp):
    handler, config = smtp
    emails = _sampled_emails(engine, drawn)
    handler.refuse = {emails[0]}
    seen = []
    summary = svc.send_invitations(
        engine, drawn, config, progress=lambda d, t: seen.append((d, t)), batch_size=5
    )
    assert (summary.total, summary.sent, summary.bounced, summary.failed) == (12, 11, 1, 0)
    assert seen[-1] == (12, 12) and len(seen) == 12
    assert summary.problems["email"].tolist() == [emails[0]]
    assert len(handler.messages) == 11
    with engine.connect() as conn:
        invites = store_samples.invitations_frame(conn, drawn, contacts=True)
        by_email = invites.set_index("email")
        assert by_email.loc[emails[0], "disposition"] == "bounced"
        assert (
            "550" in by_email.loc[emails[0], "send_error"]
            or "rejected" in by_email.loc[emails[0], "send_error"]
        )
        assert (invites["disposition"] == "invited").sum() == 11
        assert invites.loc[invites["disposition"] == "invited", "sent_at"].notna().all()
        # Every received link works, and points at the addressee's own invitation.
        for to, token in _tokens(handler).items():
            found = store_samples.find_by_token(conn, token)
            assert found is not None and by_email.loc[to, "id"] == found["id"]
    body = _body(handler.messages[0])
    assert "31 maart 2025" in body and "optout=1" in body and "/feedback" in body
    # Nothing left: a second plain send refuses and sends nothing.
    with pytest.raises(svc.SamplingError):
        svc.send_invitations(engine, drawn, config)
    assert len(handler.messages) == 11


def test_reminders_go_only_to_those_who_may_still_answer(engine, drawn, smtp):
    handler, config = smtp
    emails = _sampled_emails(engine, drawn)
    handler.refuse = {emails[0]}
    svc.send_invitations(engine, drawn, config)
    first_tokens = _tokens(handler)
    with transaction(engine) as conn:
        store_samples.opt_out(conn, first_tokens[emails[1]])
        for address, disposition in ((emails[2], "complete"), (emails[3], "partial")):
            found = store_samples.find_by_token(conn, first_tokens[address])
            conn.execute(
                sa.update(schema.invitations)
                .where(schema.invitations.c.id == found["id"])
                .values(disposition=disposition)
            )
    handler.messages.clear()
    summary = svc.send_invitations(engine, drawn, config, reminder=True)
    reminded = {m["To"] for m in handler.messages}
    assert reminded == set(emails) - {emails[0], emails[1], emails[2]}
    assert summary.sent == 9 and "Herinnering" in handler.messages[0]["Subject"]
    with engine.connect() as conn:
        invites = store_samples.invitations_frame(conn, drawn, contacts=True).set_index("email")
        assert invites.loc[emails[3], "disposition"] == "partial"  # a reminder never moves back
        assert invites.loc[list(reminded), "reminded_at"].notna().all()
        # The reminder's link is the valid one now; the first one was replaced.
        new_tokens = _tokens(handler)
        assert store_samples.find_by_token(conn, new_tokens[emails[3]]) is not None
        assert store_samples.find_by_token(conn, first_tokens[emails[3]]) is None


def test_an_unreachable_server_sends_nothing_and_keeps_the_links(engine, drawn, smtp):
    handler, config = smtp
    with engine.connect() as conn:
        before = set(conn.execute(sa.select(schema.invitations.c.token_hash)).scalars())
    dead = SmtpConfig(host="127.0.0.1", port=free_port(), security="none", sender="a@example.org")
    with pytest.raises(svc.SamplingError, match="niet bereiken"):
        svc.send_invitations(engine, drawn, dead)
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(schema.invitations.c.token_hash)).scalars()) == before
        assert store_samples.issued_count(conn, drawn) == 0


def _submissions(tmp_path, rows, name="indieningen.csv"):
    path = tmp_path / name
    pd.DataFrame(rows, columns=["dossiernummer", "procedure", "datum"]).to_csv(
        path, index=False, sep=";"
    )
    return path


def test_post_contact_invites_at_most_once_per_person_per_period(
    engine, wave_id, frame_xlsx, tmp_path, smtp
):
    handler, config = smtp
    with transaction(engine) as conn:
        update_wave(conn, wave_id, post_contact=True, fieldwork_end=DEADLINE)
    svc.import_frame(engine, wave_id, frame_xlsx)
    today = dt.date(2025, 2, 10)
    export = _submissions(
        tmp_path,
        [
            ("P00001", "stageplan", "05/02/2025"),
            ("P00001", "stagerapport", "06/02/2025"),  # same person, same period
            ("P00002", "erkenningsaanvraag", "2025-02-01"),
            ("P00003", "stageplan", "09/02/2025"),  # due on 12/02: later
            ("X99999", "stageplan", "05/02/2025"),  # not in the frame
        ],
    )
    result = svc.post_contact(engine, export, wave_id, today=today, smtp_config=config)
    assert result.created == 2 and result.sent.sent == 2
    assert result.counts() == {"due": 2, "same_period": 1, "scheduled": 1, "unknown_unit": 1}
    assert {m["To"] for m in handler.messages} == {"persoon1@example.org", "persoon2@example.org"}
    with engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(schema.invitations).where(schema.invitations.c.mode == "post_contact")
            )
            .mappings()
            .all()
        )
        log = conn.execute(sa.select(schema.post_contact_log)).mappings().all()
    assert {r["disposition"] for r in rows} == {"invited"}
    assert all(r["email"] is None for r in rows)  # the address is dropped once sent
    assert {r["strata"]["procedure"] for r in rows} == {"stageplan", "erkenningsaanvraag"}
    assert all(r["sample_unit_id"] is None and r["design_weight"] is None for r in rows)
    assert len(log) == 2 and all("P0000" not in r["person_hash"] for r in log)

    # The same export a few days later: P00003 is due now; P00001 and P00002 are not again.
    later = svc.post_contact(engine, export, wave_id, today=dt.date(2025, 2, 13))
    assert later.created == 1 and later.counts()["recent_invitation"] == 3
    # A new contact five months on is still inside the period; seven months on is not.
    five = _submissions(tmp_path, [("P00001", "stagerapport", "2025-07-01")], "five.csv")
    assert svc.post_contact(engine, five, wave_id, today=dt.date(2025, 7, 5)).created == 0
    seven = _submissions(tmp_path, [("P00001", "stagerapport", "2025-09-10")], "seven.csv")
    assert svc.post_contact(engine, seven, wave_id, today=dt.date(2025, 9, 14)).created == 1
    # The sample's own invitations were never touched by post-contact sending.
    assert counts(engine)["samples"] == 0


def test_an_invalid_submissions_export_changes_nothing(engine, wave_id, frame_xlsx, tmp_path):
    from sampling.postcontact import SubmissionsError

    with transaction(engine) as conn:
        update_wave(conn, wave_id, post_contact=True)
    svc.import_frame(engine, wave_id, frame_xlsx)
    before = counts(engine)
    bad = _submissions(
        tmp_path, [("P00001", "stageplan", "31/02/2025"), ("", "stageplan", "01/02/2025")]
    )
    with pytest.raises(SubmissionsError) as caught:
        svc.post_contact(engine, bad, wave_id, today=dt.date(2025, 3, 1))
    assert {p.row for p in caught.value.problems} == {2, 3}
    assert counts(engine) == before
