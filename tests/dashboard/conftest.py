"""AppTest fixtures for the dashboard: the real app.py on a private copy of the demo world."""

from __future__ import annotations

import pytest

from tests.app.conftest import ROOT, TEAM_PASSWORD, new_app


@pytest.fixture(scope="session")
def team_hash() -> str:
    from ktm.auth import hash_password

    return hash_password(TEAM_PASSWORD)


@pytest.fixture(scope="session")
def shared_demo_url(demo_template, tmp_path_factory) -> str:
    """One copy of the demo world for the tests that only read: they share the dashboard's
    caches (keyed on the database url), as sessions of the app do."""
    import shutil

    target = tmp_path_factory.mktemp("dash") / "demo.sqlite3"
    shutil.copyfile(demo_template, target)
    return f"sqlite:///{target}"


def _env(monkeypatch, url, tmp_path, team_hash) -> str:
    monkeypatch.setenv("KTM_DATABASE_URL", url)
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KTM_TEAM_PASSWORD_HASH", team_hash)
    monkeypatch.chdir(ROOT)
    return url


@pytest.fixture
def dash_env(monkeypatch, demo_url, tmp_path, team_hash):
    """KTM_DATABASE_URL points at a private copy of the demo world (for tests that write)."""
    return _env(monkeypatch, demo_url, tmp_path, team_hash)


@pytest.fixture
def shared_env(monkeypatch, shared_demo_url, tmp_path, team_hash):
    """KTM_DATABASE_URL points at the shared, read-only copy of the demo world."""
    return _env(monkeypatch, shared_demo_url, tmp_path, team_hash)


def _team(_url: str):
    from ktm.webapp import TEAM_KEY

    at = new_app()
    at.session_state[TEAM_KEY] = "team"
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def team_app(shared_env):
    """The app with a team member logged in (the login form itself is tested in tests/app),
    on the shared demo world: for tests that only read. The first run shows the overview."""
    return _team(shared_env)


@pytest.fixture
def team_app_rw(dash_env):
    """As `team_app`, on a private copy of the demo world the test may change."""
    return _team(dash_env)


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


def chart_data(at) -> list:
    """The data drawn in the page's charts (one DataFrame per dataset of each chart)."""
    from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

    out = []
    for chart in at.get("vega_lite_chart"):
        out += [convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
        if chart.proto.data.data:
            out.append(convert_arrow_bytes_to_pandas_df(chart.proto.data.data))
    return out


def chart_labels(at) -> list[str]:
    """The category labels the page's charts print (ktm.charts writes each above its row,
    wrapped over lines: joined again here), in the order drawn."""
    out = []
    for df in chart_data(at):
        if "label_text" in df:
            out += [" ".join(str(v).split()) for v in df["label_text"] if isinstance(v, str)]
    return out


def live_caches_expire() -> None:
    """What LIVE_TTL seconds do to the live caches (fingerprint, live counts), without waiting
    on the clock: the pages run in this process (AppTest), so they see the cleared caches."""
    from ktm import dashboard

    dashboard.fingerprint.clear()
    dashboard.live_counts.clear()
