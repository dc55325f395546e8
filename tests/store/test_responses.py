"""The response store on SQLite and PostgreSQL: links, pages, completion, refusals, faults."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from store import responses as R
from store import schema
from store.db import transaction, utcnow
from tests.survey_form.world import PAGES_INVITED, PROFILE, STRATA, all_answers, make_world

CLIENT = "client-1"


def _row(engine, table, id_):
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(table).where(table.c.id == id_)).mappings().one())


def _snapshot(engine):
    """Everything the store holds that a respondent's request may touch."""
    with engine.connect() as conn:
        return {
            t.name: sorted(
                (tuple(sorted((k, repr(v)) for k, v in r.items())))
                for r in conn.execute(sa.select(t)).mappings()
            )
            for t in (schema.responses, schema.invitations, schema.consents)
        }


def _start(engine, world, label="a"):
    opened = R.open_invitation(engine, world.tokens[label], CLIENT)
    assert isinstance(opened, R.OpenedInvitation), opened
    return R.start_or_resume(engine, invitation=opened, language="nl")


def _answer_all(engine, resp, pages=PAGES_INVITED):
    rev = resp["revision"]
    for i, (section, page) in enumerate(pages.items()):
        resp = R.save_page(
            engine, resp["id"], rev, page, {"page": i + 1, "done": []}, section_id=section
        )
        rev = resp["revision"]
    return resp


# --- links -----------------------------------------------------------------------------------


def test_an_invitation_opens_and_copies_strata_and_weight_but_no_identity(engine):
    world = make_world(engine)
    opened = R.open_invitation(engine, world.tokens["a"], CLIENT)
    assert isinstance(opened, R.OpenedInvitation)
    assert opened.wave["id"] == world.wave_id
    assert opened.questionnaire_hash == world.questionnaire_hash
    resp = R.start_or_resume(engine, invitation=opened, language="en")
    assert resp["status"] == "partial" and resp["mode"] == "invited"
    assert resp["strata"] == STRATA
    assert resp["stratum"] == "huisarts" and resp["design_weight"] == 4.0
    assert resp["questionnaire_hash"] == world.questionnaire_hash
    assert resp["answers"] == {} and resp["language"] == "en"
    stored = repr(resp)
    assert world.tokens["a"] not in stored and "example.org" not in stored
    inv = _row(engine, schema.invitations, world.invitation_ids["a"])
    assert inv["disposition"] == "opened" and inv["opened_at"] is not None
    # Opening again resumes the same row.
    again = R.start_or_resume(engine, invitation=opened.invitation_id)
    assert again["id"] == resp["id"]


@pytest.mark.parametrize(
    "token",
    ["", None, 42, "x" * 31, "x" * 129, "abc def" * 6, "../../etc/passwd" * 3, "é" * 40, ["t"]],
)
def test_garbage_tokens_are_refused_as_unknown(engine, token):
    make_world(engine)
    refused = R.open_invitation(engine, token, CLIENT)
    assert refused == R.Refused(R.Refusal.UNKNOWN)


def test_unknown_token_is_refused(engine):
    make_world(engine)
    from sampling.invitations import new_token

    assert R.open_invitation(engine, new_token(), CLIENT).reason is R.Refusal.UNKNOWN


def test_expired_closed_and_draft_links_are_refused(engine):
    past = utcnow() - dt.timedelta(days=1)
    expired = make_world(engine, expires_at=past, name="w1")
    closed = make_world(engine, status="closed", name="w2")
    draft = make_world(engine, status="draft", name="w3")
    assert R.open_invitation(engine, expired.tokens["a"], CLIENT).reason is R.Refusal.EXPIRED
    assert R.open_invitation(engine, closed.tokens["a"], CLIENT).reason is R.Refusal.NOT_OPEN
    assert R.open_invitation(engine, draft.tokens["a"], CLIENT).reason is R.Refusal.NOT_OPEN
    # The expiry is a moment: just before it, the link opens.
    ok = R.open_invitation(engine, expired.tokens["a"], CLIENT, now=past - dt.timedelta(hours=1))
    assert ok.ok


def test_repeated_guessing_is_slowed_down_then_forgiven(engine):
    world = make_world(engine)
    t0 = utcnow()
    for i in range(R.MAX_FAILURES):
        r = R.open_invitation(engine, "g" * 43, CLIENT, now=t0 + dt.timedelta(seconds=i))
        assert r.reason is R.Refusal.UNKNOWN
    # Now this client's next guess is answered with the time to wait...
    r = R.open_invitation(engine, "h" * 43, CLIENT, now=t0 + dt.timedelta(minutes=1))
    assert r.reason is R.Refusal.THROTTLED
    assert dt.timedelta(minutes=13) < r.retry_after <= dt.timedelta(minutes=14)
    # ...but another client's guess is only unknown,
    assert R.open_invitation(engine, "h" * 43, "client-2", now=t0).reason is R.Refusal.UNKNOWN
    # and once the window has passed the client may guess again, counted from one.
    later = t0 + R.WINDOW + dt.timedelta(seconds=1)
    assert R.open_invitation(engine, "g" * 43, CLIENT, now=later).reason is R.Refusal.UNKNOWN
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.token_attempts)).all()
    assert [r.failures for r in rows] == [1]  # client-2's count had expired too: deleted
    assert CLIENT not in rows[0].client_key  # stored as a hash
    assert R.open_invitation(engine, world.tokens["a"], CLIENT, now=later).ok


def test_a_valid_link_opens_after_others_behind_the_same_address_failed(engine):
    """Issue 19.1: a hospital NAT shares one address; ten mistyped links by others (or a
    guesser) never lock out a respondent whose link is right."""
    world = make_world(engine, invitations=("a", "b"))
    t0 = utcnow()
    for i in range(3 * R.MAX_FAILURES):
        R.open_invitation(engine, f"{i:02d}" * 22, CLIENT, now=t0 + dt.timedelta(seconds=i))
    opened = R.open_invitation(engine, world.tokens["a"], CLIENT, now=t0 + dt.timedelta(minutes=1))
    assert opened.ok
    assert R.record_opt_out(engine, world.tokens["b"], CLIENT, now=t0) is None
    with engine.connect() as conn:
        [row] = conn.execute(sa.select(schema.token_attempts)).all()
    assert row.failures == 3 * R.MAX_FAILURES  # the guessing is still counted


@pytest.mark.parametrize(
    "broken",
    [
        "{t}.",  # a full stop after the link in a sentence
        "{t}>",  # <link> in plain-text mail
        " {t}",  # a leading %20
        "{head}\n{tail}",  # a line wrapped in the middle of the token
        "{head} {tail}",
        "({t})",
    ],
)
def test_a_link_broken_by_an_e_mail_client_is_repaired_and_not_counted(engine, broken):
    world = make_world(engine)
    token = world.tokens["a"]
    link = broken.format(t=token, head=token[:20], tail=token[20:])
    assert link != token
    assert R.open_invitation(engine, link, CLIENT).ok
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.token_attempts)).scalar()
            == 0
        )


def test_failure_counts_expire(engine):
    make_world(engine)
    t0 = utcnow()
    for i, client in enumerate(("c1", "c2", "c3")):
        R.open_invitation(engine, "g" * 43, client, now=t0 + dt.timedelta(minutes=i))
    assert R.purge_token_attempts(engine, now=t0 + R.WINDOW + dt.timedelta(seconds=30)) == 1
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.token_attempts)).scalar()
            == 2
        )
    assert R.purge_token_attempts(engine, now=t0 + R.WINDOW + dt.timedelta(minutes=3)) == 2


def test_opt_out_is_recorded_and_then_refuses_the_link(engine):
    world = make_world(engine, invitations=("a", "b"))
    assert R.record_opt_out(engine, world.tokens["a"], CLIENT) is None
    assert R.record_opt_out(engine, world.tokens["a"], CLIENT) is None  # idempotent
    assert _row(engine, schema.invitations, world.invitation_ids["a"])["disposition"] == "opted_out"
    assert R.open_invitation(engine, world.tokens["a"], CLIENT).reason is R.Refusal.OPTED_OUT
    # A completed response is not turned into a refusal.
    resp = _answer_all(engine, _start(engine, world, "b"))
    R.complete(engine, resp["id"], resp["revision"])
    assert R.record_opt_out(engine, world.tokens["b"], CLIENT).reason is R.Refusal.USED
    assert _row(engine, schema.invitations, world.invitation_ids["b"])["disposition"] == "complete"


# --- pages and completion --------------------------------------------------------------------


def test_an_invited_respondent_completes_and_the_row_holds_exactly_the_answers(engine):
    world = make_world(engine)
    resp = _start(engine, world)
    resp = _answer_all(engine, resp)
    assert resp["revision"] == len(PAGES_INVITED)
    assert _row(engine, schema.invitations, world.invitation_ids["a"])["disposition"] == "partial"
    done = R.complete(engine, resp["id"], resp["revision"])
    assert done["status"] == "complete" and done["completed_at"] is not None
    stored = _row(engine, schema.responses, resp["id"])
    assert stored["answers"] == all_answers(PAGES_INVITED)
    assert stored["strata"] == STRATA  # the profile comes from the frame, not asked
    inv = _row(engine, schema.invitations, world.invitation_ids["a"])
    assert inv["disposition"] == "complete" and inv["completed_at"] is not None
    # The link is now used.
    assert R.open_invitation(engine, world.tokens["a"], CLIENT).reason is R.Refusal.USED


def test_double_complete_makes_one_complete_response(engine):
    world = make_world(engine)
    resp = _answer_all(engine, _start(engine, world))
    first = R.complete(engine, resp["id"], resp["revision"])
    second = R.complete(engine, resp["id"], resp["revision"])  # replayed request
    assert first["completed_at"] == second["completed_at"]
    assert second["revision"] == resp["revision"] + 1
    with pytest.raises(R.AlreadyCompleted):
        R.save_page(engine, resp["id"], first["revision"], {}, {}, section_id="algemeen")
    with engine.connect() as conn:
        n = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.responses)
            .where(schema.responses.c.status == "complete")
        ).scalar()
    assert n == 1


def test_concurrent_completes_and_saves_make_one_response(engine):
    world = make_world(engine)
    resp = _answer_all(engine, _start(engine, world))
    results: list = []

    def go(kind):
        try:
            if kind == "complete":
                results.append(R.complete(engine, resp["id"], resp["revision"])["revision"])
            else:
                page = {"tevredenheid": 2, "verbetering": "later"}
                R.save_page(engine, resp["id"], resp["revision"], page, {}, section_id="algemeen")
                results.append("saved")
        except R.ResponseError as exc:
            results.append(type(exc).__name__)

    threads = [threading.Thread(target=go, args=(k,)) for k in ["complete"] * 6 + ["save"] * 2]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    final = _row(engine, schema.responses, resp["id"])
    assert final["revision"] == resp["revision"] + 1  # exactly one writer won
    if final["status"] == "complete":
        assert final["answers"]["tevredenheid"] == 7
        assert "saved" not in results
    else:  # a save won the race: every complete saw a stale revision
        assert results.count("saved") == 1 and "StaleRevision" in results


def test_a_stale_revision_is_refused_and_stores_nothing(engine):
    world = make_world(engine)
    resp = _start(engine, world)
    page = PAGES_INVITED["gebruik"]
    tab1 = R.save_page(engine, resp["id"], 0, page, {"page": 1}, section_id="gebruik")
    before = _snapshot(engine)
    with pytest.raises(R.StaleRevision) as info:  # a second tab still at revision 0
        R.save_page(engine, resp["id"], 0, {"procedures": ["geen"]}, {}, section_id="gebruik")
    assert "ander venster" in info.value.nl and "another window" in info.value.en
    with pytest.raises(R.StaleRevision):
        R.complete(engine, resp["id"], 0)
    assert _snapshot(engine) == before
    assert _row(engine, schema.responses, resp["id"])["revision"] == tab1["revision"] == 1


@pytest.mark.parametrize(
    "section, page, key",
    [
        ("ervaring", {**PAGES_INVITED["ervaring"], "aanmelden": 6}, "aanmelden"),
        ("ervaring", {**PAGES_INVITED["ervaring"], "informatie": "3; DROP TABLE"}, "informatie"),
        ("algemeen", {"tevredenheid": 11}, "tevredenheid"),
        ("algemeen", {"tevredenheid": 5, "verbetering": "x" * 1001}, "verbetering"),
        ("algemeen", {"tevredenheid": True}, "tevredenheid"),
        ("gebruik", {"procedures": ["stageplan", "hack"]}, "procedures"),
        ("gebruik", {"procedures": ["geen", "stageplan"]}, "procedures"),
        ("gebruik", {"procedures": ["stageplan"], "unknown_item": 1}, "unknown_item"),
        ("gebruik", {}, "procedures"),  # required
        ("gebruiksgemak", {"umux_1": 5, "ces": 4}, "umux"),  # every statement required
    ],
)
def test_invalid_answers_are_refused_with_a_message_and_nothing_stored(engine, section, page, key):
    world = make_world(engine)
    resp = _start(engine, world)
    resp = R.save_page(
        engine, resp["id"], 0, PAGES_INVITED["gebruik"], {"page": 1}, section_id="gebruik"
    )
    before = _snapshot(engine)
    with pytest.raises(R.InvalidAnswers) as info:
        R.save_page(engine, resp["id"], resp["revision"], page, {"page": 2}, section_id=section)
    assert key in info.value.errors
    nl, en = info.value.errors[key]
    assert nl and en and nl != en
    assert _snapshot(engine) == before


def test_a_failure_in_the_middle_of_a_save_leaves_the_store_as_it_was(engine, monkeypatch):
    world = make_world(engine)
    resp = _start(engine, world)
    before = _snapshot(engine)
    # The answers are written first; the disposition update then fails.
    broken = sa.Table(
        "no_such_table", sa.MetaData(), sa.Column("id", sa.Integer), sa.Column("disposition")
    )
    monkeypatch.setattr(R, "invitations", broken)
    with pytest.raises(sa.exc.DBAPIError):
        R.save_page(engine, resp["id"], 0, PAGES_INVITED["gebruik"], {}, section_id="gebruik")
    monkeypatch.undo()
    assert _snapshot(engine) == before
    # The next request works.
    assert R.save_page(engine, resp["id"], 0, PAGES_INVITED["gebruik"], {}, section_id="gebruik")


def test_inside_a_callers_transaction_a_refused_save_rolls_back_only_itself(engine):
    world = make_world(engine)
    resp = _start(engine, world)
    with transaction(engine) as conn:
        conn.execute(sa.update(schema.waves).values(cost_eur=12.5))
        with pytest.raises(R.InvalidAnswers):
            R.save_page(conn, resp["id"], 0, {"procedures": ["x"]}, {}, section_id="gebruik")
        saved = R.save_page(conn, resp["id"], 0, PAGES_INVITED["gebruik"], {}, section_id="gebruik")
    assert saved["revision"] == 1
    assert _row(engine, schema.waves, world.wave_id)["cost_eur"] == 12.5


def test_skip_logic_drops_answers_of_procedures_not_used(engine):
    world = make_world(engine)
    resp = _start(engine, world)
    page = {
        "procedures": ["stagerapport"],
        "gemak_stagerapport": 5,
        "gemak_stageplan": 2,  # not relevant: stageplan not ticked
        "gemak_erkenning": 1,
    }
    resp = R.save_page(engine, resp["id"], 0, page, {}, section_id="gebruik")
    assert resp["answers"] == {"procedures": ["stagerapport"], "gemak_stagerapport": 5}
    resp = R.save_page(
        engine,
        resp["id"],
        1,
        {"kende_papier": "ja", "vergelijking_papier": "gelijk"},
        {},
        section_id="papier",
    )
    # Going back to say "no" to the paper procedure drops the comparison answered before.
    resp = R.save_page(engine, resp["id"], 2, {"kende_papier": "nee"}, {}, section_id="papier")
    assert "vergelijking_papier" not in resp["answers"]
    # "None of these": the whole experience section is no longer relevant and is dropped.
    resp = R.save_page(engine, resp["id"], 3, PAGES_INVITED["ervaring"], {}, section_id="ervaring")
    assert resp["answers"]["aanmelden"] == 4
    resp = R.save_page(engine, resp["id"], 4, {"procedures": ["geen"]}, {}, section_id="gebruik")
    assert resp["answers"] == {"procedures": ["geen"], "kende_papier": "nee"}


def test_completion_requires_every_required_answer(engine):
    world = make_world(engine)
    resp = _start(engine, world)
    resp = R.save_page(engine, resp["id"], 0, PAGES_INVITED["gebruik"], {}, section_id="gebruik")
    with pytest.raises(R.InvalidAnswers) as info:
        R.complete(engine, resp["id"], resp["revision"])
    assert {"aanmelden", "umux", "kende_papier", "tevredenheid"} <= set(info.value.errors)
    assert _row(engine, schema.responses, resp["id"])["status"] == "partial"


def test_the_profile_page_is_not_accepted_from_an_invited_respondent(engine):
    world = make_world(engine)
    resp = _start(engine, world)
    with pytest.raises(R.InvalidAnswers):
        R.save_page(engine, resp["id"], 0, PROFILE, {}, section_id="profiel")


# --- the open link ---------------------------------------------------------------------------


def test_open_link_keeps_a_hashed_session_key_and_the_profile_as_strata(engine):
    world = make_world(engine)
    assert R.open_wave_link(engine, str(world.wave_id))["id"] == world.wave_id
    key = R.new_session_key()
    resp = R.start_or_resume(engine, wave_id=world.wave_id, session_key=key, language="en")
    assert resp["mode"] == "open" and resp["invitation_id"] is None
    assert resp["session_key"] == R.hash_session_key(key) != key
    pages = {k: v for k, v in PAGES_INVITED.items() if k != "resultaten"}
    pages["profiel"] = PROFILE
    resp = _answer_all(engine, resp, pages)
    resp = R.complete(engine, resp["id"], resp["revision"])
    assert resp["strata"] == {
        "profession": "tandarts_specialist",
        "training_year": 3,
        "university": "ugent",
        "language": "en",
    }
    assert resp["answers"] == {**all_answers(pages)}
    assert resp["design_weight"] is None
    assert resp["stratum"] == "tandarts_specialist"  # the profile's value of the strata variable
    # The same key resumes the same response; the consent section is not asked on the open link.
    assert R.start_or_resume(engine, wave_id=world.wave_id, session_key=key)["id"] == resp["id"]
    assert R.record_consent(engine, resp["id"]) is False


def test_open_link_refusals(engine):
    closed = make_world(engine, status="closed", name="w1")
    no_link = make_world(engine, post_contact=False, name="w2")
    assert R.open_wave_link(engine, "999").reason is R.Refusal.UNKNOWN
    assert R.open_wave_link(engine, "1; drop").reason is R.Refusal.UNKNOWN
    assert R.open_wave_link(engine, None).reason is R.Refusal.UNKNOWN
    assert R.open_wave_link(engine, str(closed.wave_id)).reason is R.Refusal.NOT_OPEN
    assert R.open_wave_link(engine, str(no_link.wave_id)).reason is R.Refusal.NO_OPEN_LINK


# --- consent and paper -----------------------------------------------------------------------


def test_record_consent_stores_the_frame_email_apart_once(engine):
    world = make_world(engine, invitations=("a", "b"))
    yes = R.complete(
        engine,
        *(lambda r: (r["id"], r["revision"]))(_answer_all(engine, _start(engine, world, "a"))),
    )
    pages = {**PAGES_INVITED, "resultaten": {"terugkoppeling": "nee"}}
    no = _answer_all(engine, _start(engine, world, "b"), pages)
    assert R.record_consent(engine, no["id"]) is False  # not complete yet, and said no
    no = R.complete(engine, no["id"], no["revision"])
    assert R.record_consent(engine, no["id"]) is False
    assert R.record_consent(engine, yes["id"]) is True
    assert R.record_consent(engine, yes["id"]) is True  # idempotent
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.consents)).mappings().all()
    assert [(r["wave_id"], r["email"], r["language"]) for r in rows] == [
        (world.wave_id, f"a.{world.email}", "nl")
    ]


def test_paper_response_is_complete_with_the_profile_keyed_in(engine):
    world = make_world(engine)
    answers = {**all_answers(PAGES_INVITED), **PROFILE}
    del answers["terugkoppeling"]  # not on paper: no address to write to
    resp = R.save_paper_response(engine, world.wave_id, answers, language="nl")
    assert resp["mode"] == "paper" and resp["status"] == "complete"
    assert resp["answers"] == answers
    assert resp["strata"]["profession"] == "tandarts_specialist"
    assert resp["strata"]["training_year"] == 3
    assert resp["stratum"] == "tandarts_specialist"
    before = _snapshot(engine)
    with pytest.raises(R.InvalidAnswers) as info:
        R.save_paper_response(engine, world.wave_id, {**answers, "tevredenheid": 12})
    assert "tevredenheid" in info.value.errors
    with pytest.raises(R.InvalidAnswers) as info:
        R.save_paper_response(engine, world.wave_id, {**answers, "terugkoppeling": "ja"})
    assert "terugkoppeling" in info.value.errors
    assert _snapshot(engine) == before


def test_no_web_answers_are_stored_once_the_wave_is_closed(engine):
    world = make_world(engine)
    resp = _answer_all(engine, _start(engine, world))
    with transaction(engine) as conn:
        conn.execute(sa.update(schema.waves).values(status="closed"))
    before = _snapshot(engine)
    with pytest.raises(R.WaveNotOpen):
        R.save_page(
            engine, resp["id"], resp["revision"], {"tevredenheid": 1}, {}, section_id="algemeen"
        )
    with pytest.raises(R.WaveNotOpen):
        R.complete(engine, resp["id"], resp["revision"])
    assert _snapshot(engine) == before
    # Paper questionnaires can still be keyed in after fieldwork.
    answers = {**all_answers(PAGES_INVITED), **PROFILE}
    del answers["terugkoppeling"]
    assert R.save_paper_response(engine, world.wave_id, answers)["status"] == "complete"


# --- a change between reading and writing ----------------------------------------------------

_CHANGES = {
    # what another request does while this one validates, and what this one must then say
    "saved in another tab": (
        lambda c, rid, wid: c.execute(
            sa.update(schema.responses)
            .where(schema.responses.c.id == rid)
            .values(revision=schema.responses.c.revision + 1)
        ),
        R.StaleRevision,
    ),
    "completed in another tab": (
        lambda c, rid, wid: c.execute(
            sa.update(schema.responses)
            .where(schema.responses.c.id == rid)
            .values(status="complete")
        ),
        R.AlreadyCompleted,
    ),
    "wave closed by the team": (
        lambda c, rid, wid: c.execute(
            sa.update(schema.waves).where(schema.waves.c.id == wid).values(status="closed")
        ),
        R.WaveNotOpen,
    ),
}


def _meanwhile(monkeypatch, engine, check: str, change: str, resp, world) -> None:
    """Make `change` happen, in a transaction of its own, while R.<check> validates."""
    act = _CHANGES[change][0]
    real = getattr(R, check)

    def check_while_another_request_writes(*args, **kwargs):
        with transaction(engine) as c:
            act(c, resp["id"], world.wave_id)
        return real(*args, **kwargs)

    monkeypatch.setattr(R, check, check_while_another_request_writes)


@pytest.mark.parametrize("change", list(_CHANGES))
def test_a_change_while_a_page_is_validated_is_caught_and_nothing_is_stored(
    engine, monkeypatch, change
):
    """A page is read and validated outside the write transaction (so SQLite's write lock is
    held only for the writes); the write itself is conditional on what was read."""
    world = make_world(engine)
    resp = _start(engine, world)
    _meanwhile(monkeypatch, engine, "check_page", change, resp, world)
    with pytest.raises(_CHANGES[change][1]):
        R.save_page(engine, resp["id"], 0, PAGES_INVITED["gebruik"], {}, section_id="gebruik")
    assert _row(engine, schema.responses, resp["id"])["answers"] == {}
    assert _row(engine, schema.invitations, world.invitation_ids["a"])["disposition"] == "opened"


@pytest.mark.parametrize("change", list(_CHANGES))
def test_a_change_while_completion_is_checked_is_caught(engine, monkeypatch, change):
    world = make_world(engine)
    resp = _answer_all(engine, _start(engine, world))
    _meanwhile(monkeypatch, engine, "check_all", change, resp, world)
    error = _CHANGES[change][1]
    if error is R.AlreadyCompleted:  # completion is idempotent: the completed row comes back
        assert R.complete(engine, resp["id"], resp["revision"])["status"] == "complete"
        return
    with pytest.raises(error):
        R.complete(engine, resp["id"], resp["revision"])
    row = _row(engine, schema.responses, resp["id"])
    assert row["status"] == "partial" and row["completed_at"] is None
    assert _row(engine, schema.invitations, world.invitation_ids["a"])["disposition"] == "partial"


def test_starting_from_a_just_opened_link_does_not_overwrite_a_newer_disposition(engine):
    """start_or_resume takes the invitation that open_invitation read; the disposition is
    moved to `opened` in SQL, so what changed in between is kept."""
    world = make_world(engine)
    opened = R.open_invitation(engine, world.tokens["a"], CLIENT)
    with transaction(engine) as c:
        c.execute(
            sa.update(schema.invitations)
            .where(schema.invitations.c.id == world.invitation_ids["a"])
            .values(disposition="opted_out")
        )
    resp = R.start_or_resume(engine, invitation=opened, language="nl")
    assert resp["status"] == "partial" and resp["strata"] == STRATA
    invitation = _row(engine, schema.invitations, world.invitation_ids["a"])
    assert invitation["disposition"] == "opted_out" and invitation["opened_at"] is None
    # A fresh invitation is marked opened, with the moment it was first opened.
    world2 = make_world(engine, name="Tweede meting")
    R.start_or_resume(
        engine, invitation=R.open_invitation(engine, world2.tokens["a"], CLIENT), language="nl"
    )
    invitation = _row(engine, schema.invitations, world2.invitation_ids["a"])
    assert invitation["disposition"] == "opened" and invitation["opened_at"] is not None


def test_open_link_by_the_word_open_while_exactly_one_wave_is_open(engine):
    from store import responses as R
    from store.db import transaction
    from store.waves import create_wave, save_questionnaire_version
    from survey import load_questionnaire
    from tests.realpath.test_cli_two_measurements import QUESTIONNAIRE

    q = load_questionnaire(QUESTIONNAIRE)
    with transaction(engine) as conn:
        h = save_questionnaire_version(
            conn, hash=q.hash, questionnaire_id=q.id, version=q.version, definition=q.to_dict()
        )
        first = create_wave(conn, "A", status="open", post_contact=True, questionnaire_hash=h)
    assert R.open_wave_link(engine, "open")["id"] == first
    with transaction(engine) as conn:
        create_wave(conn, "B", status="open", post_contact=True, questionnaire_hash=h)
    refused = R.open_wave_link(engine, "open")
    assert isinstance(refused, R.Refused) and refused.reason is R.Refusal.NOT_OPEN
