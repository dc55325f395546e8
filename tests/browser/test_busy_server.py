"""When the server cannot serve a page in time (overload), the respondent reads our own "a moment
please" in the page's language, the same websocket carries on, and Streamlit's developer dialog
never appears (issue 23.4).

The overload is real as far as the browser can tell: the server process is frozen (SIGSTOP)
right before the click, so the run of the page does not even start, then thawed (SIGCONT)."""

from __future__ import annotations

import os
import signal

import pytest

from tests.browser.conftest import AppServer, settle

FROZEN_MS = 12_000  # longer than the notice's delay (2.5 s), shorter than any ping timeout


@pytest.fixture(scope="module")
def busy_world(tmp_path_factory):
    from store.db import create, upgrade_schema
    from tests.survey_form.world import make_world

    workdir = tmp_path_factory.mktemp("busy")
    url = f"sqlite:///{workdir / 'app.sqlite3'}"
    engine = create(url)
    upgrade_schema(engine)
    world = make_world(engine, invitations=("nl", "en"))
    engine.dispose()
    server = AppServer(url, workdir).start()
    try:
        yield server, world
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)  # never leave it frozen
        server.stop()


@pytest.mark.parametrize(
    ("lang", "title", "button"),
    [("nl", "Even geduld", "Volgende"), ("en", "A moment please", "Next")],
)
def test_a_page_that_cannot_be_served_in_time_says_a_moment_please(
    busy_world, page, lang, title, button
):
    server, world = busy_world
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"{server.url}/?t={world.tokens[lang]}&lang={lang}")
    settle(page)
    page.wait_for_function("window.parent.__ktmOffline === true || window.__ktmOffline === true")
    # Any Streamlit dialog that shows up while frozen is recorded, even if it goes away again.
    page.evaluate(
        """() => { window.__dialogs = [];
        new MutationObserver(() => document.querySelectorAll('[role=dialog]').forEach(
          d => window.__dialogs.push(d.textContent))).observe(document.body,
          {childList: true, subtree: true}); }"""
    )
    # The whole first page is drawn (its button comes last) before the server is frozen.
    page.get_by_role("button", name=button).wait_for(timeout=90_000)
    page.wait_for_timeout(500)
    heading = page.get_by_role("heading", level=2).first.inner_text()
    assert not page.locator("[data-ktm-busy]").count()

    os.kill(server.proc.pid, signal.SIGSTOP)
    try:
        page.get_by_role("button", name=button).click()
        notice = page.locator(f"[data-ktm-busy={lang}]")
        notice.wait_for(timeout=FROZEN_MS - 2000)
        text = notice.inner_text()
        assert title in text
        assert notice.get_attribute("role") == "status"
        assert notice.get_attribute("lang") == lang
        page.wait_for_timeout(FROZEN_MS - 6000)
        assert notice.is_visible()  # stays as long as the page is not served
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)

    # Served at last: the notice goes, the same session answers (the click was received: the
    # page moved on, or says what is missing), over the same websocket.
    page.locator("[data-ktm-busy]").wait_for(state="detached", timeout=30_000)
    settle(page)
    after = page.get_by_role("heading", level=2).first.inner_text()
    moved = after != heading
    missing = page.get_by_text(
        "Sommige antwoorden" if lang == "nl" else "Some answers", exact=False
    ).count()
    assert moved or missing, (heading, after)
    assert len([s for s in sockets if s.endswith("/_stcore/stream")]) == 1, sockets
    dialogs = page.evaluate("window.__dialogs")
    assert not any("streamlit run" in d or "Is Streamlit still running" in d for d in dialogs)
    assert not page.locator("[role=dialog]").count()
