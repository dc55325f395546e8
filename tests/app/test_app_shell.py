from __future__ import annotations

import pytest
import sqlalchemy as sa

from store import schema
from tests.app.conftest import login, new_app

TEAM_PAGES = [
    "views/overview.py",
    "views/response.py",
    "views/results.py",
    "views/improvements.py",
    "views/trend.py",
    "views/methodology.py",
    "views/waves.py",
    "views/sampling.py",
    "views/paper.py",
    "views/actions.py",
    "views/export.py",
]


def _titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_app_starts_on_an_empty_database_and_seeds_the_demo(empty_app_env):
    engine = sa.create_engine(empty_app_env)
    at = new_app().run()
    assert not at.exception, at.exception
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.waves)).scalar() == 3
    engine.dispose()
    assert any("e-loket" in t for t in _titles(at))  # the survey page is the default


def test_team_pages_are_refused_without_login(app_env):
    at = new_app().run()
    for page in TEAM_PAGES:
        # Without login the team pages are not in the navigation at all: no URL reaches them.
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert not at.sidebar.selectbox  # no wave selector, no team content


def test_team_page_run_directly_stops_without_login(app_env):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ROOT

    at = AppTest.from_file(str(ROOT / "views/overview.py"), default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Deze pagina is alleen voor het team."]
    assert not at.title


def test_wrong_password_is_refused_and_the_right_one_opens_the_team_pages(app_env):
    at = new_app().run()
    at.switch_page("views/login.py").run()
    at.text_input[0].input("not the password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Onjuist wachtwoord."]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/overview.py")

    login(at)
    for page in TEAM_PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
        assert at.sidebar.selectbox, page  # the wave selector is there
