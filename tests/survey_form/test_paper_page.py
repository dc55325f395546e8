"""Keying in paper questionnaires (team page), in AppTest on a real SQLite file."""

from __future__ import annotations

from store.db import get_engine
from tests.app.conftest import login, new_app
from tests.survey_form.helpers import click, fill, responses, texts
from tests.survey_form.world import PAGES_INVITED, PROFILE, all_answers, make_world


def _paper_page(app_env):
    at = login(new_app().run())
    at.switch_page("views/paper.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Papieren antwoorden"
    return at


def test_a_paper_questionnaire_is_stored_complete_with_mode_paper(app_env):
    world = make_world(get_engine(app_env))
    at = _paper_page(app_env)
    # Every question is on the page, the profile included and the e-mail consent left out.
    keys = {w.key.split(":", 1)[1] for w in [*at.radio, *at.text_area] if ":" in (w.key or "")}
    assert {"gemak_erkenning", "vergelijking_papier", "beroep", "universiteit"} <= keys
    assert "terugkoppeling" not in keys
    answers = {**all_answers(PAGES_INVITED), **PROFILE}
    del answers["terugkoppeling"]
    fill(at, {**answers, "gemak_erkenning": 2})  # keyed in, but erkenning was not ticked
    at.radio(key="paper_lang_0").set_value("en").run()
    click(at, "paper_save")
    assert "Papieren vragenlijst bewaard als antwoord nr. 1." in texts(at)
    [row] = responses(app_env)
    assert row["wave_id"] == world.wave_id
    assert (row["mode"], row["status"], row["language"]) == ("paper", "complete", "en")
    assert row["answers"] == answers  # the answer that did not apply is dropped
    assert row["strata"] == {
        "language": "en",
        "profession": "tandarts_specialist",
        "training_year": 3,
        "university": "ugent",
    }
    assert row["invitation_id"] is None and row["design_weight"] is None
    # The form is empty again for the next questionnaire.
    assert all(r.value is None for r in at.radio if (r.key or "").startswith("paper1:"))


def test_an_incomplete_paper_questionnaire_shows_the_messages_and_stores_nothing(app_env):
    make_world(get_engine(app_env))
    at = _paper_page(app_env)
    answers = {**all_answers(PAGES_INVITED), **PROFILE}
    del answers["terugkoppeling"], answers["tevredenheid"], answers["beroep"]
    fill(at, answers)
    click(at, "paper_save")
    assert responses(app_env) == []
    assert "Er werd niets bewaard." in texts(at)
    assert [e.value for e in at.error][1:] == ["Deze vraag is verplicht."] * 2
    # What was keyed in is still there, to correct and save.
    assert next(r for r in at.radio if r.key.endswith(":universiteit")).value == "ugent"
    fill(at, {"tevredenheid": 6, "beroep": "huisarts"})
    click(at, "paper_save")
    [row] = responses(app_env)
    assert row["answers"]["tevredenheid"] == 6 and row["strata"]["profession"] == "huisarts"
