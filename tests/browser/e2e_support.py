"""What the end-to-end browser tests (issue 12) add to tests/browser/conftest.py: an open
wave prepared before the app starts, several app processes per test (side by side, on one
database), one browser context per person with a screenshot of each page on failure, and the
steps a team member takes.

The browser and the app process come from conftest.py (Debian's Chromium, `streamlit run`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser import conftest as base
from tests.browser.conftest import ROOT, SERVER_START_S, TEAM_PASSWORD, TIMEOUT_MS

# CI publishes this folder; the test of the mechanism itself points it elsewhere.
ARTIFACTS = Path(os.environ.get("KTM_TEST_ARTIFACTS") or base.ARTIFACTS)
ELOKET = ROOT / "data" / "questionnaire" / "eloket.yaml"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# --- the database ---------------------------------------------------------------------------


def prepare_open_wave(db_url: str, name: str = "Meting e2e") -> int:
    """An open wave with the e-loket questionnaire (no frame, no sample), on an upgraded schema.

    With a wave in it the app does not seed the demo world on its first start.
    """
    from store.db import create, transaction, upgrade_schema
    from store.waves import create_wave, save_questionnaire_version
    from survey.loaders import load_questionnaire

    q = load_questionnaire(ELOKET)
    engine = create(db_url)
    try:
        upgrade_schema(engine)
        with transaction(engine) as conn:
            qhash = save_questionnaire_version(
                conn,
                hash=q.hash,
                questionnaire_id=q.id,
                version=q.version,
                definition=q.to_dict(),
            )
            return create_wave(
                conn,
                name,
                status="open",
                post_contact=False,
                design_type="stratified",
                min_response_rate=0.3,
                questionnaire_hash=qhash,
            )
    finally:
        engine.dispose()


def artifact_dir(node) -> Path:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", node.nodeid)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- the app --------------------------------------------------------------------------------


@dataclass
class AppServer(base.AppServer):
    """conftest's `streamlit run app.py` process, named, so that two can share a folder."""

    name: str = "app"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"


def warm_up(chromium, urls: list[str]) -> None:
    """One session on the main page of each app: its first run imports what the pages need,
    which takes seconds, so the timed steps of a test do not pay for it.

    (Streamlit resolves URL paths against a folder named pages/ (MPA v1) until the first run
    calls st.navigation; the pages live in views/ so that /team works on a fresh server: see
    test_team_url_right_after_a_start, which starts without this warm-up.)
    """
    context = chromium.new_context()
    try:
        pages = []
        for url in urls:  # all at once: each app runs its first script in its own process
            page = context.new_page()
            page.goto(url)
            pages.append(page)
        for page in pages:
            page.get_by_role("heading", name="Tevredenheid over het e-loket").wait_for(
                timeout=SERVER_START_S * 1000
            )
    finally:
        context.close()


@pytest.fixture
def start_app(tmp_path, request, chromium) -> Iterator:
    """start_app(db_url, *names, warm=True) -> the running AppServer(s) `names` (default one,
    "app") on that database, started side by side and stopped after the test (their logs
    kept in test-artifacts/ when the test failed)."""
    servers: list[AppServer] = []
    failed_before = request.session.testsfailed

    def start(db_url: str, *names: str, warm: bool = True):
        started = [AppServer(db_url, tmp_path, name=name) for name in names or ("app",)]
        servers.extend(started)
        with ThreadPoolExecutor(len(started)) as pool:  # side by side: each takes seconds
            list(pool.map(AppServer.start, started))
        if warm:
            warm_up(chromium, [server.url for server in started])
        return started if names else started[0]

    yield start
    for server in servers:
        server.stop()
    if request.session.testsfailed > failed_before:
        folder = artifact_dir(request.node)
        for server in servers:
            if server.log_path.exists():
                shutil.copyfile(server.log_path, folder / server.log_path.name)


# --- the browser ----------------------------------------------------------------------------


class Browsers:
    """Browser contexts of one test: one per person (team, trainee), each with its own cookies.
    Every page opened is remembered so that a failure leaves a screenshot of each."""

    def __init__(self, chromium):
        self._chromium = chromium
        self.contexts = []
        self.pages: list[tuple[str, object]] = []

    def new_page(self, who: str, viewport: dict | None = None, **kwargs):
        context = self._chromium.new_context(
            viewport=viewport or DESKTOP, locale="nl-BE", accept_downloads=True, **kwargs
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        return self.page_in(context, who)

    def page_in(self, context, who: str):
        page = context.new_page()
        self.pages.append((who, page))
        return page

    def screenshots(self, folder: Path) -> list[Path]:
        saved = []
        for i, (who, page) in enumerate(self.pages):
            if page.is_closed():
                continue
            path = folder / f"{i:02d}-{who}.png"
            try:
                page.screenshot(path=str(path), full_page=True, timeout=10_000)
            except Exception as exc:  # a crashed page: say so next to the others
                path.with_suffix(".txt").write_text(f"no screenshot: {exc}\n")
                continue
            saved.append(path)
        return saved

    def close(self) -> None:
        for context in self.contexts:
            with contextlib.suppress(Exception):  # already closed, or the browser is gone
                context.close()


@pytest.fixture
def browsers(chromium, request) -> Iterator[Browsers]:
    failed_before = request.session.testsfailed
    b = Browsers(chromium)
    yield b
    # The call phase's report is counted before the teardown of the fixtures starts.
    if request.session.testsfailed > failed_before:
        b.screenshots(artifact_dir(request.node))
    b.close()


# --- steps ----------------------------------------------------------------------------------


def settle(page, timeout: int = TIMEOUT_MS) -> None:
    """Wait until Streamlit's script run is over. The app's root carries the run state
    (rerunRequested, running, notRunning) from the moment a widget changes, as Streamlit's
    own end-to-end tests use it; the short pause lets the last deltas of the run arrive."""
    page.wait_for_load_state()
    page.locator(
        "[data-testid=stApp][data-test-connection-state=CONNECTED]"
        "[data-test-script-state=notRunning]"
    ).wait_for(timeout=timeout)
    page.wait_for_timeout(100)


def log_in(page, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/team")
    page.get_by_label("Teamwachtwoord").fill(TEAM_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()
    # The team lands on the dashboard, not on the public survey page.
    expect(page.get_by_role("heading", name="Overzicht", exact=True)).to_be_visible()
    settle(page)


# Building a file (the workbook of a wave: its figures and charts) is a script run, and a
# loaded 2-core CI machine takes a while for it: the button to wait for appears after it.
BUILD_TIMEOUT_MS = 120_000


def download(page, button: str, target: Path) -> Path:
    """Wait until the download button is there (its file built) and the page is idle, click it
    and save what the browser receives. A deferred download runs its callable on the click:
    a click during a run could meet a button that run is replacing."""
    from playwright.sync_api import expect

    found = page.get_by_role("button", name=button)
    expect(found).to_be_visible(timeout=BUILD_TIMEOUT_MS)
    settle(page, BUILD_TIMEOUT_MS)
    with page.expect_download(timeout=BUILD_TIMEOUT_MS) as info:
        found.click()
    info.value.save_as(target)
    return target
