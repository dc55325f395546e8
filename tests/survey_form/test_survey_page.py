"""The survey page in AppTest, on a real SQLite file: the flows of issue 3 (items 4 and 6)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from store import schema
from store.db import get_engine, utcnow
from tests.survey_form.helpers import (
    click,
    fill,
    header,
    invitation,
    next_page,
    responses,
    rows,
    survey_app,
    texts,
)
from tests.survey_form.world import PAGES_INVITED, PROFILE, STRATA, all_answers, make_world

TITLES_NL = {
    "gebruik": "Uw gebruik van het e-loket",
    "ervaring": "Uw ervaring met het e-loket",
    "gebruiksgemak": "Gebruiksgemak",
    "papier": "Vergelijking met de papieren procedure",
    "algemeen": "Algemene beoordeling",
    "resultaten": "Terugkoppeling",
    "profiel": "Over u",
}


@pytest.fixture
def world(app_env):
    return make_world(get_engine(app_env), invitations=("a", "b"))


def _complete(at, pages):
    for section, page in pages.items():
        assert header(at) == TITLES_NL[section]
        fill(at, page)
        next_page(at)
    return at


def test_an_invited_respondent_completes_and_the_row_holds_exactly_the_answers(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    assert not at.exception
    # A non-breaking hyphen: a phone does not break "e-" from "loket".
    assert at.title[0].value == "Hoe tevreden bent u over het e\u2011loket Zorgberoepen?"
    assert "Pagina 1 van" in texts(at) or at.get("progress")
    _complete(at, PAGES_INVITED)
    assert at.title[0].value == "Hartelijk dank!"
    assert any(link.label == "Wat doen we met uw feedback?" for link in at.get("page_link"))
    [row] = responses(app_env)
    assert row["status"] == "complete" and row["mode"] == "invited"
    assert row["answers"] == all_answers(PAGES_INVITED)
    assert row["strata"] == STRATA and row["design_weight"] == 4.0
    assert row["questionnaire_hash"] == world.questionnaire_hash
    assert row["language"] == "nl"
    inv = invitation(app_env, world.invitation_ids["a"])
    assert inv["disposition"] == "complete" and inv["completed_at"] is not None
    # The consent hook stored the frame's address apart from the answers.
    [consent] = rows(app_env, schema.consents)
    assert (consent["wave_id"], consent["email"]) == (world.wave_id, f"a.{world.email}")
    # The other invitation is untouched.
    assert invitation(app_env, world.invitation_ids["b"])["disposition"] == "invited"


def test_progress_bar_and_back_button(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    [bar] = at.get("progress")
    # The bar counts the page shown: 1 of 6 on the first, full on the last (issue 18).
    assert bar.proto.text == "Pagina 1 van 6" and bar.value == 100 // 6
    assert [b.key for b in at.button] == ["survey_next"]  # no back on the first page
    fill(at, PAGES_INVITED["gebruik"])
    next_page(at)
    [bar] = at.get("progress")
    assert bar.proto.text == "Pagina 2 van 6"
    click(at, "survey_back")
    assert header(at) == TITLES_NL["gebruik"]
    # What was answered is shown again.
    box = next(w for w in at.checkbox if w.key.endswith(":procedures:stagerapport"))
    assert box.value is True
    radio = next(w for w in at.radio if w.key.endswith(":gemak_stageplan"))
    assert radio.value == 4


def test_resumes_after_a_reload_at_the_page_where_the_respondent_left(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    _complete(at, {k: PAGES_INVITED[k] for k in ("gebruik", "ervaring")})
    assert header(at) == TITLES_NL["gebruiksgemak"]
    # A reload (or another day) is a new browser session with the same link.
    again = survey_app({"t": world.tokens["a"]})
    assert header(again) == TITLES_NL["gebruiksgemak"]
    [row] = responses(app_env)
    assert row["status"] == "partial"
    assert row["answers"] == {**PAGES_INVITED["gebruik"], **PAGES_INVITED["ervaring"]}
    assert invitation(app_env, world.invitation_ids["a"])["disposition"] == "partial"
    # Going back shows the stored answers of the earlier page.
    click(again, "survey_back")
    assert header(again) == TITLES_NL["ervaring"]
    assert next(w for w in again.radio if w.key.endswith(":formulieren")).value == 2
    assert next(w for w in again.radio if w.key.endswith(":opvolging")).value == "nvt"
    _complete(again, {k: v for k, v in PAGES_INVITED.items() if k not in ("gebruik",)})
    assert again.title[0].value == "Hartelijk dank!"
    assert responses(app_env)[0]["answers"] == all_answers(PAGES_INVITED)


def test_cannot_submit_twice_from_two_tabs_or_by_reopening_the_link(app_env, world):
    tab1 = survey_app({"t": world.tokens["a"]})
    _complete(tab1, {k: v for k, v in PAGES_INVITED.items() if k != "resultaten"})
    tab2 = survey_app({"t": world.tokens["a"]})  # a second tab at the last page
    assert header(tab1) == header(tab2) == TITLES_NL["resultaten"]
    fill(tab1, PAGES_INVITED["resultaten"])
    next_page(tab1)
    assert tab1.title[0].value == "Hartelijk dank!"
    # The second tab answers differently and sends, in one request (a replayed submission).
    next(r for r in tab2.radio if r.key.endswith(":terugkoppeling")).set_value("nee")
    tab2.button(key="survey_next").click().run()
    assert tab2.title[0].value == "U hebt deze bevraging al ingevuld"
    [row] = responses(app_env)
    assert row["status"] == "complete"
    assert row["answers"]["terugkoppeling"] == "ja"  # the second tab overwrote nothing
    revision = row["revision"]
    reopened = survey_app({"t": world.tokens["a"]})
    assert reopened.title[0].value == "U hebt deze bevraging al ingevuld"
    assert "u kunt ze niet meer wijzigen" in texts(reopened)
    assert not reopened.radio or all(r.key == "lang_switch" for r in reopened.radio)
    assert responses(app_env)[0]["revision"] == revision


def test_a_stale_tab_is_told_and_overwrites_nothing(app_env, world):
    tab1 = survey_app({"t": world.tokens["a"]})
    tab2 = survey_app({"t": world.tokens["a"]})
    fill(tab1, PAGES_INVITED["gebruik"])
    next_page(tab1)
    fill(tab2, {"procedures": ["geen"]})
    next_page(tab2)
    assert "in een ander venster of tabblad bewaard" in texts(tab2)
    # The second tab now shows what is stored, not its own stale page.
    assert header(tab2) == TITLES_NL["ervaring"]
    [row] = responses(app_env)
    assert row["answers"] == PAGES_INVITED["gebruik"]
    assert row["revision"] == 1


def test_routing_shows_and_stores_only_the_procedures_used(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    shown = lambda: sorted(w.key.rsplit(":", 1)[1] for w in at.radio if w.key != "lang_switch")  # noqa: E731
    assert shown() == []
    fill(at, {"procedures": ["stagerapport"]})
    assert shown() == ["gemak_stagerapport"]
    fill(at, {"procedures": ["stageplan", "erkenningsaanvraag"]})
    assert shown() == ["gemak_erkenning", "gemak_stageplan"]
    fill(at, {"procedures": ["geen"]})
    assert shown() == []
    next_page(at)
    # "None of these": the experience and ease-of-use pages are skipped.
    assert header(at) == TITLES_NL["papier"]
    assert at.get("progress")[0].proto.text == "Pagina 2 van 4"
    fill(at, {"kende_papier": "nee"})
    assert "vergelijking_papier" not in shown()
    fill(at, {"kende_papier": "ja"})
    assert "vergelijking_papier" in shown()
    fill(at, {"vergelijking_papier": "slechter"})
    fill(at, {"kende_papier": "nee"})  # changed her mind: the comparison disappears
    next_page(at)
    fill(at, {"tevredenheid": 3})
    next_page(at)
    fill(at, {"terugkoppeling": "nee"})
    next_page(at)
    assert at.title[0].value == "Hartelijk dank!"
    [row] = responses(app_env)
    assert row["answers"] == {
        "procedures": ["geen"],
        "kende_papier": "nee",
        "tevredenheid": 3,
        "terugkoppeling": "nee",
    }
    assert rows(app_env, schema.consents) == []


def test_an_open_link_respondent_answers_the_profile_questions(app_env, world):
    at = survey_app({"wave": str(world.wave_id), "lang": "en"})
    assert at.title[0].value == "How satisfied are you with the e\u2011loket Zorgberoepen?"
    pages = {k: v for k, v in PAGES_INVITED.items() if k != "resultaten"}
    pages["profiel"] = PROFILE
    for section, page in pages.items():
        assert header(at) == form_text(section, "en")
        fill(at, page)
        next_page(at)
    assert at.title[0].value == "Thank you!"
    [row] = responses(app_env)
    assert row["mode"] == "open" and row["invitation_id"] is None
    assert row["answers"] == all_answers(pages)
    assert row["strata"] == {
        "profession": "tandarts_specialist",
        "training_year": 3,
        "university": "ugent",
        "language": "en",
    }
    assert row["language"] == "en" and row["design_weight"] is None
    assert len(row["session_key"]) == 64  # a hash; the key itself stays in the browser session
    assert rows(app_env, schema.consents) == []


def test_the_profile_is_not_asked_of_invited_respondents(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    assert at.get("progress")[0].proto.text == "Pagina 1 van 6"
    _complete(at, {k: v for k, v in PAGES_INVITED.items() if k != "resultaten"})
    assert header(at) == TITLES_NL["resultaten"]  # last page: consent, no profile
    assert at.button(key="survey_next").label == "Verzenden"


def test_validation_messages_stand_next_to_their_items_and_nothing_is_stored(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    next_page(at)
    assert header(at) == TITLES_NL["gebruik"]
    assert [e.value for e in at.error] == ["Deze vraag is verplicht."]
    # The message sits right under the question it is about.
    nodes = list(_walk(at.main))
    i_error = next(i for i, n in enumerate(nodes) if n.type == "alert" or n.type == "error")
    assert nodes[i_error - 1].type == "checkbox" and "procedures:geen" in nodes[i_error - 1].key
    assert "zie de melding bij de vraag" in texts(at)
    fill(at, {"procedures": ["geen", "stageplan"]})
    next_page(at)
    assert "'Geen van deze' kan niet samen met een andere procedure." in [e.value for e in at.error]
    fill(at, {"procedures": ["stageplan"], "gemak_stageplan": 3})
    next_page(at)
    assert header(at) == TITLES_NL["ervaring"]


def test_text_is_held_to_its_maximum_length_by_the_widget(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    for section in ("gebruik", "ervaring", "gebruiksgemak", "papier"):
        fill(at, PAGES_INVITED[section])
        next_page(at)
    area = next(w for w in at.text_area if w.key.endswith(":verbetering"))
    assert area.proto.max_chars == 1000
    fill(at, {"tevredenheid": 8, "verbetering": "x" * 1500})
    next_page(at)
    assert len(responses(app_env)[0]["answers"]["verbetering"]) == 1000
    # (Over-long texts sent around the widget are refused by the store: tests/store.)


def test_a_save_refused_because_the_wave_closed_meanwhile_stores_nothing(app_env, world):
    import sqlalchemy as sa

    at = survey_app({"t": world.tokens["a"]})
    fill(at, PAGES_INVITED["gebruik"])
    next_page(at)
    fill(at, PAGES_INVITED["ervaring"])
    with get_engine(app_env).begin() as conn:
        conn.execute(sa.update(schema.waves).values(status="closed"))
    stored = responses(app_env)
    next_page(at)
    assert not at.exception
    assert "Deze bevraging is afgesloten" in texts(at)
    assert responses(app_env) == stored


def form_text(section_id: str, lang: str) -> str:
    from tests.survey_form.world import questionnaire

    return questionnaire().section(section_id).title[lang]


def _walk(node):
    for child in getattr(node, "children", {}).values():
        if child.type in ("block",) or not hasattr(child, "value") and hasattr(child, "children"):
            yield from _walk(child)
        else:
            yield child


def test_english_switch_translates_the_page_and_the_messages(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    at.radio(key="lang_switch").set_value("en").run()
    assert header(at) == "Your use of the e-loket"
    assert at.button(key="survey_next").label == "Next"
    next_page(at)
    assert [e.value for e in at.error] == ["This question is required."]
    fill(at, PAGES_INVITED["gebruik"])
    next_page(at)
    assert responses(app_env)[0]["language"] == "en"


@pytest.mark.parametrize(
    "case, title",
    [
        ("unknown", "Deze link werkt niet"),
        ("garbage", "Deze link werkt niet"),
        ("expired", "Deze link is verlopen"),
        ("closed", "Deze bevraging is niet open"),
        ("used", "U hebt deze bevraging al ingevuld"),
        ("open_closed", "Deze bevraging is niet open"),
        ("open_unknown", "Deze link werkt niet"),
    ],
)
def test_links_that_do_not_open_the_survey_get_a_friendly_page(app_env, case, title):
    engine = get_engine(app_env)
    if case == "expired":
        w = make_world(engine, expires_at=utcnow() - dt.timedelta(hours=1))
        params = {"t": w.tokens["a"]}
    elif case in ("closed", "open_closed"):
        w = make_world(engine, status="closed")
        params = {"t": w.tokens["a"]} if case == "closed" else {"wave": str(w.wave_id)}
    else:
        w = make_world(engine)
        params = {
            "unknown": {"t": "A" * 43},
            "garbage": {"t": "<script>alert(1)</script>"},
            "open_unknown": {"wave": "12345"},
            "used": {"t": w.tokens["a"]},
        }[case]
        if case == "used":
            from store import responses as R

            resp = R.start_or_resume(engine, invitation=w.invitation_ids["a"])
            rev = resp["revision"]
            for section, page in PAGES_INVITED.items():
                rev = R.save_page(engine, resp["id"], rev, page, {}, section_id=section)["revision"]
            R.complete(engine, resp["id"], rev)
    at = survey_app(params)
    assert not at.exception
    assert at.title[0].value == title
    assert at.info and not at.error
    assert not [r for r in at.radio if r.key != "lang_switch"] and not at.checkbox


def test_opt_out_is_confirmed_and_recorded(app_env, world):
    at = survey_app({"t": world.tokens["a"], "optout": "1"})
    # Opening the link (as a mail scanner does) changes nothing: the person confirms first.
    assert at.title[0].value == "Afmelden voor deze bevraging?"
    assert invitation(app_env, world.invitation_ids["a"])["disposition"] != "opted_out"
    at.button(key="optout_confirm").click().run()
    assert at.title[0].value == "U bent afgemeld"
    assert invitation(app_env, world.invitation_ids["a"])["disposition"] == "opted_out"
    assert responses(app_env) == []
    at = survey_app({"t": world.tokens["a"]})
    assert at.title[0].value == "U hebt zich afgemeld"


def test_without_a_link_the_page_explains_and_offers_the_team_login(app_env, world):
    at = survey_app({})
    assert at.title[0].value == "Tevredenheid over het e-loket"
    assert "persoonlijke link" in at.info[0].value
    labels = [link.label for link in at.get("page_link")]
    assert "Aanmelden voor teamleden" in labels


def test_the_invitation_language_from_the_frame_is_the_default(app_env, world):
    import sqlalchemy as sa

    with get_engine(app_env).begin() as conn:
        conn.execute(
            sa.update(schema.invitations)
            .where(schema.invitations.c.id == world.invitation_ids["b"])
            .values(strata={**STRATA, "language": "en"})
        )
    at = survey_app({"t": world.tokens["b"]})
    assert header(at) == "Your use of the e-loket"
    assert at.radio(key="lang_switch").value == "en"
    at.radio(key="lang_switch").set_value("nl").run()  # and the respondent may still switch
    assert header(at) == TITLES_NL["gebruik"]
    at.run()
    assert header(at) == TITLES_NL["gebruik"]


def test_a_rerun_of_a_refused_link_is_not_counted_as_another_guess(app_env, world):
    at = survey_app({"t": "B" * 43})
    assert at.title[0].value == "Deze link werkt niet"
    at.radio(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "This link does not work"
    [attempts] = rows_by_key(app_env)
    assert attempts["failures"] == 1


def rows_by_key(url):
    import sqlalchemy as sa

    with get_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(schema.token_attempts)).mappings()]


def test_after_many_wrong_links_a_guess_waits_but_a_good_link_opens(app_env, world):
    for i in range(10):  # ten wrong links from this address
        assert survey_app({"t": f"{i}" * 43}).title[0].value == "Deze link werkt niet"
    started = time.monotonic()
    at = survey_app({"t": "x" * 43})
    assert time.monotonic() - started >= 2  # the guesser is slowed down
    assert at.title[0].value == "Deze link werkt niet"
    assert "na 15 minuten gaat het weer sneller" in at.info[0].value
    assert responses(app_env) == []
    # Issue 19.1: a respondent behind the same address is not locked out.
    at = survey_app({"t": world.tokens["a"]})
    assert header(at) == TITLES_NL["gebruik"]
    assert len(responses(app_env)) == 1


def test_the_open_link_of_the_demo_wave_in_fieldwork_works(
    monkeypatch, tmp_path, team_password_hash, demo_url
):
    from store.waves import list_waves
    from tests.app.conftest import _environment

    _environment(monkeypatch, tmp_path, team_password_hash, demo_url)
    with get_engine(demo_url).connect() as conn:
        [wave] = [w for w in list_waves(conn) if w["status"] == "open"]
    before = len(responses(demo_url))
    at = survey_app({"wave": str(wave["id"])})
    assert header(at) == TITLES_NL["gebruik"]
    fill(at, PAGES_INVITED["gebruik"])
    next_page(at)
    assert header(at) == TITLES_NL["ervaring"]
    assert len(responses(demo_url)) == before + 1


def test_the_progress_bar_is_full_on_the_last_page(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    pages = list(PAGES_INVITED.items())
    _complete(at, dict(pages[:-1]))
    [bar] = at.get("progress")
    assert bar.proto.text == "Pagina 6 van 6" and bar.value == 100


def test_on_a_page_with_skip_logic_the_required_message_goes_once_the_question_is_answered(
    app_env, world
):
    at = survey_app({"t": world.tokens["a"]})
    # The procedures reveal questions: they are not in the page's form, so a tick reruns the
    # page at once; the questions they reveal change nothing more and wait for Next.
    assert all(not box.form_id for box in at.checkbox if ":procedures:" in box.key)
    next_page(at)  # nothing answered
    assert header(at) == TITLES_NL["gebruik"]
    assert [e.value for e in at.error] == ["Deze vraag is verplicht."]
    box = next(w for w in at.checkbox if w.key.endswith(":procedures:stageplan"))
    box.set_value(True).run()
    assert not at.error
    [revealed] = [w for w in at.radio if w.key.endswith(":gemak_stageplan")]  # at once
    assert revealed.form_id


def test_on_a_form_page_the_answers_and_the_messages_change_with_next(app_env, world):
    """A page whose answers change nothing on screen sends them with Next (issue 23: one
    script run per page, not one per answer); its messages are then those of the new answers."""
    at = survey_app({"t": world.tokens["a"]})
    _complete(at, {"gebruik": PAGES_INVITED["gebruik"]})
    assert header(at) == TITLES_NL["ervaring"]
    [page] = at.form
    assert {b.key for b in at.form_submit_button} == {"survey_back", "survey_next"}
    next_page(at)  # nothing answered: every required question says so
    assert header(at) == TITLES_NL["ervaring"]
    before = [e.value for e in at.error]
    assert before.count("Deze vraag is verplicht.") >= 2, before
    radio = next(w for w in at.radio if w.key.endswith(":aanmelden"))
    radio.set_value(4).run()  # answered, not yet sent: nothing changes on screen
    assert [e.value for e in at.error] == before
    assert "aanmelden" not in (responses(app_env)[0]["answers"] or {})
    radio = next(w for w in at.radio if w.key.endswith(":aanmelden"))
    radio.set_value(4)
    next_page(at)
    after = [e.value for e in at.error]
    assert len(after) == len(before) - 1, (before, after)
    assert next(w for w in at.radio if w.key.endswith(":aanmelden")).value == 4


def _in_english(at):
    at.radio(key="lang_switch").set_value("en").run()
    assert at.title[0].value != "Hoe tevreden bent u over het e-loket Zorgberoepen?"


def test_the_language_chosen_holds_on_resume_and_on_the_already_completed_page(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    _in_english(at)
    fill(at, PAGES_INVITED["gebruik"])
    next_page(at)
    # Another browser (a new session) with the same link: still English, on the next page.
    again = survey_app({"t": world.tokens["a"]})
    assert "Page 2 of 6" in [b.proto.text for b in again.get("progress")]
    for page in list(PAGES_INVITED.values())[1:]:
        fill(again, page)
        next_page(again)
    assert again.title[0].value == "Thank you!"
    later = survey_app({"t": world.tokens["a"]})
    assert later.title[0].value == "You have already completed this survey"


def test_an_english_invitation_gets_the_already_completed_page_in_english(app_env, world):
    from sqlalchemy import update

    at = survey_app({"t": world.tokens["b"]})
    _complete(at, PAGES_INVITED)
    assert at.title[0].value == "Hartelijk dank!"
    with get_engine(app_env).begin() as conn:  # the invitee's language, saved never changed
        conn.execute(
            update(schema.invitations)
            .where(schema.invitations.c.id == world.invitation_ids["b"])
            .values(strata={**STRATA, "language": "en"})
        )
        conn.execute(update(schema.responses).values(revision=0))
    later = survey_app({"t": world.tokens["b"]})
    assert later.title[0].value == "You have already completed this survey"
