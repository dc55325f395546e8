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


def _count_waves(url: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(schema.waves)).scalar()
    engine.dispose()
    return n


def test_app_on_an_empty_database_stays_empty_and_shows_the_first_steps(empty_app_env):
    at = new_app().run()
    assert not at.exception, at.exception
    assert any("e-loket" in t for t in _titles(at))  # the survey page is the default
    login(at)
    assert _count_waves(empty_app_env) == 0  # never seeded with the demo world
    text = " ".join(m.value for m in at.markdown) + " ".join(s.value for s in at.subheader)
    assert "Welkom: uw eerste meting" in text
    assert "Publiceer de vragenlijst" in text and "Maak een bevraging" in text
    for page in ("views/waves.py", "views/sampling.py", "views/results.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
    assert _count_waves(empty_app_env) == 0


def test_serve_builds_the_demo_only_when_asked(empty_app_env, monkeypatch, capsys):
    from ktm.cli import main
    from ktm.commands import core

    started = []
    monkeypatch.setattr(core, "run_forwarding_signals", lambda cmd, **kw: started.append(cmd) or 0)
    assert main(["serve"]) == 0
    assert _count_waves(empty_app_env) == 0
    assert "ktm serve --demo" in capsys.readouterr().out
    assert main(["serve", "--demo"]) == 0
    assert _count_waves(empty_app_env) == 3
    assert "demowereld aangemaakt" in capsys.readouterr().out
    assert len(started) == 2  # Streamlit started both times


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
