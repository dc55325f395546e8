"""Shared fixtures of the browser tests: Debian's headless Chromium, the app as a real
`streamlit run app.py` process on a free port with a prepared SQLite database, fresh personal
links, and a screenshot of every page in test-artifacts/ when a test fails.

Without /usr/bin/chromium the browser tests are skipped, unless KTM_BROWSER_TESTS=required (as
.ci/run sets): then they fail. Every test here is marked `browser`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TEAM_PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 30_000  # a loaded 2-core CI machine is slow to rerun a script
SERVER_START_S = 90


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(getattr(node, f"rep_{w}", None) is not None and getattr(node, f"rep_{w}").failed
               for w in ("setup", "call"))  # fmt: skip


def artifact_dir(node) -> Path:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", node.nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the browser -----------------------------------------------------------------------------


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("KTM_BROWSER_TESTS") == "required":
            pytest.fail(f"{CHROMIUM} is missing and KTM_BROWSER_TESTS=required")
        pytest.skip(f"{CHROMIUM} is missing (apt install chromium); browser tests skipped")


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless (never a downloaded browser)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser context (own cookies, nl-BE) and page; screenshot on failure."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    context.set_default_timeout(TIMEOUT_MS)
    p = context.new_page()
    yield p
    if _failed(request.node) and not p.is_closed():
        try:
            p.screenshot(path=str(artifact_dir(request.node) / "page.png"), full_page=True)
        except Exception as exc:  # a crashed page: leave a note instead
            (artifact_dir(request.node) / "page.txt").write_text(f"no screenshot: {exc}\n")
    context.close()


def settle(p, timeout: int = TIMEOUT_MS) -> None:
    """Wait until Streamlit has drawn the page and its script run is over."""
    p.wait_for_load_state()
    p.get_by_test_id("stApp").wait_for(timeout=timeout)
    running = p.get_by_test_id("stStatusWidget").get_by_text("Running", exact=False)
    running.wait_for(state="detached", timeout=timeout)
    p.wait_for_timeout(300)  # the last delta of a rerun


# --- the app ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    """`streamlit run app.py` on a free port with its own database and data folder."""

    db_url: str
    workdir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    env: dict = field(default_factory=dict)  # more of the server's environment (KTM_...)
    # The checkout to run (benchmarks run an older commit beside this one), what starts
    # Streamlit (a profiling launcher instead of `-m streamlit`), and further options.
    root: Path = ROOT
    launcher: tuple[str, ...] = ("-m", "streamlit")
    options: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "streamlit.log"

    def start(self) -> AppServer:
        from ktm.auth import hash_password

        env = {
            **os.environ,
            "KTM_DATABASE_URL": self.db_url,
            "KTM_DATA_DIR": str(self.workdir / "var"),
            "KTM_PUBLIC_URL": self.url,
            "KTM_TEAM_PASSWORD_HASH": hash_password(TEAM_PASSWORD),
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            **self.env,
        }
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                *self.launcher,
                "run",
                "app.py",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--global.developmentMode",
                "false",
                *self.options,
            ],  # fmt: skip
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit stopped at start:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within {SERVER_START_S} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclass
class SurveyWorld:
    """The app's database: the demo world (waves, responses, actions), the latest closed wave
    published, and personal links made on demand in the wave in fieldwork."""

    server: AppServer
    open_wave_id: int
    published_wave_id: int | None

    @property
    def url(self) -> str:
        return self.server.url

    def new_link(self, language: str = "nl", profession: str = "huisarts") -> str:
        """A fresh personal link (`?t=...`) of the wave in fieldwork."""
        return f"{self.url}/?t={self.new_token(language, profession)}"

    def new_token(self, language: str = "nl", profession: str = "huisarts") -> str:
        from sqlalchemy import insert

        from sampling.invitations import hash_token, new_token
        from store import schema
        from store.db import create, utcnow

        token = new_token()
        engine = create(self.server.db_url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    insert(schema.invitations).values(
                        wave_id=self.open_wave_id,
                        token_hash=hash_token(token),
                        mode="invited",
                        stratum=profession,
                        strata={
                            "profession": profession,
                            "training_year": 2,
                            "university": "KU Leuven",
                            "language": language,
                        },
                        design_weight=1.0,
                        disposition="invited",
                        created_at=utcnow(),
                        sent_at=utcnow(),
                    )
                )
        finally:
            engine.dispose()
        return token


def _prepare(template: str, target: Path) -> tuple[int, int | None]:
    import sqlalchemy as sa

    from store import schema
    from store.db import create

    shutil.copyfile(template, target)
    engine = create(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            waves = conn.execute(
                sa.select(schema.waves.c.id, schema.waves.c.status).order_by(schema.waves.c.id)
            ).all()
        open_id = next(w.id for w in waves if w.status == "open")
        closed = [w.id for w in waves if w.status == "closed"]
        published = None
        if closed:
            try:
                from store import actions

                with engine.begin() as conn:
                    actions.publish_wave(conn, closed[-1])
                published = closed[-1]
            except Exception:  # the public page then says there is nothing published yet
                published = None
    finally:
        engine.dispose()
    return open_id, published


@pytest.fixture(scope="session")
def survey_world(demo_template, tmp_path_factory) -> Iterator[SurveyWorld]:
    """One app server for the session's browser tests (started once: it takes seconds)."""
    require_chromium()
    workdir = tmp_path_factory.mktemp("browser-app")
    db = workdir / "app.sqlite3"
    open_id, published = _prepare(demo_template, db)
    server = AppServer(f"sqlite:///{db}", workdir).start()
    try:
        yield SurveyWorld(server, open_id, published)
    finally:
        server.stop()
        failed = ARTIFACTS.exists() and any(ARTIFACTS.iterdir())
        if failed and server.log_path.exists():
            shutil.copyfile(server.log_path, ARTIFACTS / "streamlit-browser.log")
