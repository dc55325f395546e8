"""The survey page leaves no trace of a visit that saves nothing, and sends the browser no
sequential id (issue 19.7, 19.8)."""

from __future__ import annotations

import pytest

from store.db import get_engine
from tests.survey_form.helpers import fill, header, next_page, responses, survey_app
from tests.survey_form.test_survey_page import TITLES_NL
from tests.survey_form.world import PAGES_INVITED, make_world


@pytest.fixture
def world(app_env):
    return make_world(get_engine(app_env), invitations=("a",))


def test_an_open_link_visit_creates_a_response_only_with_the_first_saved_answer(app_env, world):
    for _ in range(5):  # anonymous visits that answer nothing
        at = survey_app({"wave": str(world.wave_id)})
        assert header(at) == TITLES_NL["gebruik"]
    assert responses(app_env) == []
    next_page(at)  # "Next" on an empty first page: refused, nothing stored
    assert responses(app_env) == []
    fill(at, PAGES_INVITED["gebruik"])
    next_page(at)
    assert header(at) == TITLES_NL["ervaring"]
    [row] = responses(app_env)
    assert row["mode"] == "open" and row["answers"]["procedures"] == ["stageplan", "stagerapport"]
    fill(at, PAGES_INVITED["ervaring"])
    next_page(at)
    assert len(responses(app_env)) == 1  # the same row goes on


def test_widget_keys_carry_no_response_id(app_env, world):
    at = survey_app({"t": world.tokens["a"]})
    [row] = responses(app_env)
    keys = [w.key for w in (*at.radio, *at.checkbox) if w.key and ":" in w.key]
    assert keys
    assert not any(k.startswith(f"r{row['id']}g") or f"r{row['id']}" in k for k in keys)


def test_the_survey_page_says_try_again_when_the_database_stays_away(app_env, monkeypatch):
    import sqlalchemy as sa

    from store import responses as R

    def _lost():
        return sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    world = make_world(get_engine(app_env))

    def down(*args, **kwargs):
        raise _lost()

    monkeypatch.setattr(R, "open_invitation", down)
    at = survey_app({"t": world.tokens["a"]})
    assert not at.exception
    assert at.title[0].value == "Even geduld"
    assert "Probeer het over een minuut opnieuw" in at.warning[0].value
    at.radio(key="lang_switch").set_value("en").run()
    assert "Please try again in a minute" in at.warning[0].value


def test_a_click_whose_save_cannot_reach_the_database_says_try_again_and_loses_nothing(
    app_env, monkeypatch
):
    """The save runs in the button's callback (issue 23): a lost connection there is the same
    polite page, and the answers already saved stay; after it, the same link goes on."""
    import sqlalchemy as sa

    from store import responses as R

    world = make_world(get_engine(app_env))
    at = survey_app({"t": world.tokens["a"]})
    fill(at, PAGES_INVITED["gebruik"])
    next_page(at)
    saved = responses(app_env)[0]["answers"]
    fill(at, PAGES_INVITED["ervaring"])
    real = R.save_page

    def down(*args, **kwargs):
        raise sa.exc.OperationalError("UPDATE", {}, Exception("server closed the connection"))

    monkeypatch.setattr(R, "save_page", down)
    next_page(at)
    assert at.title[0].value == "Even geduld"
    assert responses(app_env)[0]["answers"] == saved
    monkeypatch.setattr(R, "save_page", real)
    at = survey_app({"t": world.tokens["a"]})  # the respondent opens the link again
    assert header(at) == TITLES_NL["ervaring"]
    fill(at, PAGES_INVITED["ervaring"])
    next_page(at)
    assert header(at) == TITLES_NL["gebruiksgemak"]
