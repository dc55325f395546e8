"""When the app server goes away, respondents see our words, not Streamlit's developer
dialog ("Is Streamlit still running? ... streamlit run yourscript.py") (issue 19.6)."""

from __future__ import annotations

import shutil

from tests.browser.conftest import AppServer, settle


def test_the_server_down_dialog_is_ours(demo_template, tmp_path, page):
    db = tmp_path / "app.sqlite3"
    shutil.copyfile(demo_template, db)
    server = AppServer(f"sqlite:///{db}", tmp_path).start()
    try:
        page.goto(f"{server.url}/feedback")
        settle(page)
        page.wait_for_function("window.__ktmOffline === true", timeout=120_000)
    finally:
        server.stop()
    notice = page.locator("[data-ktm-offline]")
    notice.wait_for(timeout=90_000)  # the frontend retries for a while before its dialog
    text = notice.inner_text()
    assert "Verbinding verbroken / Connection lost" in text
    assert "niet verloren" in text and "not lost" in text
    dialog = page.locator("[role=dialog]").first
    assert "streamlit run" not in dialog.inner_text()
    assert "Is Streamlit still running" not in dialog.inner_text()
