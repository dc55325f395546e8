"""AppTest fixtures: the real app.py on a fresh SQLite file, with a known team password."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEAM_PASSWORD = "correct horse battery staple"


@functools.cache
def _team_password_hash() -> str:
    from ktm.auth import hash_password

    return hash_password(TEAM_PASSWORD)


@pytest.fixture(scope="session")
def team_password_hash() -> str:
    return _team_password_hash()


@pytest.fixture
def empty_app_env(monkeypatch, tmp_path, team_password_hash):
    """The app on an empty database file (it seeds the demo world itself)."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    _environment(monkeypatch, tmp_path, team_password_hash, url)
    return url


@pytest.fixture
def app_env(monkeypatch, tmp_path, team_password_hash, demo_url):
    """The app on a private copy of the demo world (built once per test session)."""
    _environment(monkeypatch, tmp_path, team_password_hash, demo_url)
    return demo_url


def _environment(monkeypatch, tmp_path, team_password_hash, url):
    monkeypatch.setenv("KTM_DATABASE_URL", url)
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KTM_TEAM_PASSWORD_HASH", team_password_hash)
    monkeypatch.chdir(ROOT)


def new_app(**kwargs):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60, **kwargs)


def login(at):
    """Log the team in through the login page; returns the AppTest after the rerun."""
    at.run()  # the navigation (which knows the login page) exists only after a first run
    at.switch_page("views/login.py").run()
    at.text_input[0].input(TEAM_PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def team_page(monkeypatch, tmp_path, url: str, page: str):
    """`page` (e.g. "views/trend.py") in AppTest on the database at `url`, the team logged in."""
    from ktm.webapp import TEAM_KEY

    _environment(monkeypatch, tmp_path, _team_password_hash(), url)
    at = new_app()
    at.session_state[TEAM_KEY] = "team"
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at
