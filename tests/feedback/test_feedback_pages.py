"""AppTest for the public page "Wat doen we met uw feedback?" and the team page "Acties"."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from store import actions as A
from store import schema
from store.db import get_engine, transaction
from tests.app.conftest import login, new_app
from tests.feedback.conftest import answered_wave, get_action

PUBLIC_NL = "We publiceren de behandeltermijn per procedure elke maand."
PUBLIC_EN = "We publish the processing time per procedure every month."
INTERNAL = "Intern: herverdeling dossiers tussen Jan en Els"
OWNER = "Jan Janssens"


@pytest.fixture
def demo_env(app_env, demo_url, monkeypatch):
    """The app on a private copy of the demo world (three waves, the last still open), with
    its actions register emptied and nothing published, so each test sets up its own."""
    monkeypatch.setenv("KTM_DATABASE_URL", demo_url)
    engine = get_engine(demo_url)
    _clear_register(engine)
    return engine


def _clear_register(engine):
    with transaction(engine) as conn:
        conn.execute(sa.delete(schema.action_history))
        conn.execute(sa.delete(schema.improvement_actions))
        conn.execute(sa.update(schema.waves).values(published_at=None))


def public_page(**query):
    at = new_app()
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("views/feedback.py").run()
    assert not at.exception, at.exception
    return at


def page_text(at) -> str:
    parts = [
        e.value
        for kind in ("title", "header", "subheader", "markdown", "caption", "info")
        for e in getattr(at, kind)
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


def test_the_public_page_is_friendly_when_nothing_is_published(demo_env):
    at = public_page()
    assert at.title[0].value == "Wat doen we met uw feedback?"
    assert "nog geen resultaten gepubliceerd" in at.info[0].value
    assert not at.metric and not at.selectbox
    at.radio(key="lang_switch").set_value("en").run()
    assert at.title[0].value == "What we do with your feedback"
    assert "No results have been published yet" in at.info[0].value


def test_the_public_page_shows_published_waves_only_with_public_texts(demo_env):
    engine = demo_env
    A.create_action(
        engine,
        2,
        improvement_point="doorlooptijd",
        description=INTERNAL,
        owner=OWNER,
        status="in_progress",
        due_date=dt.date(2026, 6, 30),
        public_text_nl=PUBLIC_NL,
        public_text_en=PUBLIC_EN,
    )
    A.create_action(engine, 2, improvement_point="opvolging", description=INTERNAL, owner=OWNER)
    A.publish_wave(engine, 1)
    A.publish_wave(engine, 2)

    at = public_page()
    text = page_text(at)
    # Default: the latest published wave; the open wave 3 is not offered.
    assert at.header[0].value == "Meting 2025-2026"
    assert at.selectbox(key="feedback_wave").options == ["Meting 2025-2026", "Meting 2024-2025"]
    assert at.metric[0].value.endswith("/ 100")
    assert "95%-betrouwbaarheidsinterval" in text and "respondenten" in text
    assert (
        PUBLIC_NL in text and "In uitvoering" in text and "30 juni 2026" in text
    )  # report.format.date
    assert "Doorlooptijd" in text and "We werken hiervoor een actie uit." in text
    assert "November 2026 - januari 2027" in text  # the next measurement
    # Nothing internal or identifying.
    assert INTERNAL not in text and OWNER not in text and "@" not in text

    at.radio(key="lang_switch").set_value("en").run()
    text = page_text(at)
    assert PUBLIC_EN in text and PUBLIC_NL not in text and "In progress" in text
    assert "95% confidence interval" in text

    at.selectbox(key="feedback_wave").set_value(1).run()
    assert at.header[0].value == "Meting 2024-2025"
    assert PUBLIC_EN not in page_text(at)


def test_the_link_in_the_e_mail_opens_its_wave_and_language(demo_env):
    A.publish_wave(demo_env, 1)
    A.publish_wave(demo_env, 2)
    at = public_page(wave="1", lang="en")
    assert at.header[0].value == "Meting 2024-2025"
    assert at.title[0].value == "What we do with your feedback"
    at = public_page(wave="3")  # not published: the latest published instead
    assert at.header[0].value == "Meting 2025-2026"


def test_a_wave_with_fewer_than_k_respondents_shows_no_figure(app_env):
    engine = get_engine(app_env)
    _clear_register(engine)
    w = answered_wave(engine, {"a": ("nee", "nl"), "b": ("nee", "nl"), "c": ("nee", "en")})
    A.create_action(
        engine, w.wave_id, improvement_point="algemeen", description="x", public_text_nl="Actie"
    )
    A.publish_wave(engine, w.wave_id)
    from ktm.services.results import analyse

    estimate = analyse(engine, w.wave_id)[1].headline()["estimate"]  # what must not leak
    at = public_page()
    text = page_text(at)
    assert at.header[0].value == "Meting test"
    assert not at.metric
    assert "Te weinig antwoorden (minder dan 5)" in text
    assert f"{estimate:.0f}" not in text.replace("minder dan 5", "")
    assert "Actie" in text  # what is done is still told


def _consent(engine, wave_id, email, language="nl"):
    with transaction(engine) as conn:
        conn.execute(
            sa.insert(schema.consents).values(
                wave_id=wave_id, email=email, language=language, created_at=A.utcnow()
            )
        )


def test_the_team_registers_edits_and_publishes_actions(demo_env, smtp, monkeypatch):
    engine = demo_env
    handler, config = smtp
    monkeypatch.setenv("KTM_SMTP_HOST", config.host)
    monkeypatch.setenv("KTM_SMTP_PORT", str(config.port))
    monkeypatch.setenv("KTM_SMTP_SECURITY", "none")
    monkeypatch.setenv("KTM_SMTP_SENDER", config.sender)
    _consent(engine, 2, "a.peeters@example.org")
    _consent(engine, 2, "b.claes@example.org", "en")

    at = login(new_app())
    at.switch_page("views/actions.py").run()
    at.sidebar.selectbox(key="wave_select").set_value(2).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Acties"
    assert "Nog geen acties" in at.info[0].value
    # The ranked improvement points come first in the choice.
    points = at.selectbox(key="new_point")
    assert points.options[0].startswith("1. ") and "Prioriteit" in points.options[0]

    # Add: a missing description is refused and nothing is stored.
    at.button(key="FormSubmitter:new_action-Actie toevoegen").click().run()
    assert "Beschrijving ontbreekt" in at.error[0].value
    assert A.list_actions(engine, 2) == []
    at.selectbox(key="new_point").set_value("doorlooptijd")
    at.text_area(key="new_description").input(INTERNAL)
    at.text_input(key="new_owner").input(OWNER)
    at.text_area(key="new_nl").input(PUBLIC_NL)
    at.button(key="FormSubmitter:new_action-Actie toevoegen").click().run()
    assert not at.exception, at.exception
    [action] = A.list_actions(engine, 2)
    assert action["improvement_point"] == "doorlooptijd" and action["owner"] == OWNER
    assert "Actie #" in at.success[0].value
    assert at.dataframe[0].value.shape[0] == 1

    # Edit: the status, with the change in the history shown under the form.
    aid = action["id"]
    status = next(
        s
        for s in at.selectbox
        if s.key and s.key.startswith(f"edit_{aid}_") and s.key.endswith("_status")
    )
    status.set_value("done")
    at.button(key=f"FormSubmitter:edit_action_{aid}-Wijzigingen bewaren").click().run()
    assert not at.exception, at.exception
    assert get_action(engine, aid)["status"] == "done"
    history = A.history(engine, aid)
    # The shared password is one account, named as such (issue 24).
    assert [h["changed_by"] for h in history] == ["team (gedeeld wachtwoord)"] * 2
    assert history[1]["change"] == {"status": ["planned", "done"]}
    shown = at.dataframe[-1].value
    assert "Uitgevoerd" in shown.to_string() and "Gepland" in shown.to_string()

    # Publish: the button says how many will get an e-mail.
    button = at.button(key="publish")
    assert button.label == "Publiceren en 2 e-mail(s) versturen"
    button.click().run()
    assert not at.exception, at.exception
    # It cannot be undone: the page asks first, and nothing has gone out yet.
    assert any("niet ongedaan" in w.value for w in at.warning)
    assert handler.to() == [] and A.published_waves(engine) == []
    at.button(key="publish_confirm").click().run()
    assert not at.exception, at.exception
    assert sorted(handler.to()) == ["a.peeters@example.org", "b.claes@example.org"]
    assert A.consent_count(engine, 2) == 0
    assert [w["id"] for w in A.published_waves(engine)] == [2]
    assert "e-mails sent and addresses deleted: 2" in at.success[0].value


def test_an_open_wave_cannot_be_published_from_the_page(demo_env):
    at = login(new_app())
    at.switch_page("views/actions.py").run()  # default wave: the latest, still open
    assert not at.exception, at.exception
    assert any("veldwerk" in w.value for w in at.warning)
    assert at.button(key="publish").disabled
