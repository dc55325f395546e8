"""AppTest fixtures for the dashboard: the real app.py on a private copy of the demo world."""

from __future__ import annotations

import pytest

from tests.app.conftest import ROOT, TEAM_PASSWORD, new_app


@pytest.fixture(scope="session")
def team_hash() -> str:
    from ktm.auth import hash_password

    return hash_password(TEAM_PASSWORD)


@pytest.fixture
def dash_env(monkeypatch, demo_url, tmp_path, team_hash):
    """KTM_DATABASE_URL points at a copy of the demo world (no rebuild per test)."""
    monkeypatch.setenv("KTM_DATABASE_URL", demo_url)
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KTM_TEAM_PASSWORD_HASH", team_hash)
    monkeypatch.chdir(ROOT)
    return demo_url


@pytest.fixture
def team_app(dash_env):
    """The app with a team member logged in (the login form itself is tested in tests/app),
    on the demo world. The first run shows the overview, not the public survey page."""
    from ktm.webapp import TEAM_KEY

    at = new_app()
    at.session_state[TEAM_KEY] = "team"
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    return at


def open_page(at, page: str, wave_name: str | None = None):
    """Switch to a dashboard page (optionally choosing a wave in the sidebar) and run it."""
    at.switch_page(page).run()
    if wave_name is not None:
        box = at.sidebar.selectbox(key="wave_select")
        ids = [o for o in box.options]
        match = [o for o in ids if o.startswith(wave_name)]
        assert match, (wave_name, ids)
        box.select(match[0]).run()
    assert not at.exception, (page, at.exception)
    return at


def texts(at) -> str:
    """Everything the page wrote, as one string (markdown, captions, metrics, alerts)."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "subheader"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label}: {m.value} {m.delta or ''}" for m in at.metric]
    return "\n".join(parts)


def metric(at, label_start: str):
    found = [m for m in at.metric if m.label.startswith(label_start)]
    assert found, (label_start, [m.label for m in at.metric])
    return found[0]


def charts(at) -> list[dict]:
    """The Vega-Lite specs of the page's charts (Altair)."""
    import json

    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
