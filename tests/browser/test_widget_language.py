"""Streamlit's own words and the phone's sidebar (issue 18), on the shared app server:

- on the Dutch login page the password field's eye button is named in Dutch (its English
  "Show password" / "Hide password" were read out by a screen reader), and so is the sidebar's
  own close button; the English page keeps Streamlit's English;
- on a phone the sidebar closes once a page is chosen in it (it stayed open over the page);
- the English sidebar names the waves' status in English ("(open)", never "(loopt)").

Screenshots land in test-artifacts/widget_language/ on failure (or with KTM_KEEP_SCREENSHOTS=1).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.browser.conftest import ARTIFACTS, TEAM_PASSWORD, TIMEOUT_MS
from tests.browser.e2e_support import settle

PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
DESK = dict(viewport={"width": 1280, "height": 900})


@pytest.fixture
def shots(tmp_path, request):
    folder = tmp_path / "shots"
    folder.mkdir()
    yield folder
    failed = any(
        getattr(request.node, f"rep_{w}", None) is not None
        and getattr(request.node, f"rep_{w}").failed
        for w in ("setup", "call")
    )
    if failed or os.environ.get("KTM_KEEP_SCREENSHOTS") == "1":
        shutil.copytree(
            folder, ARTIFACTS / "widget_language" / request.node.name, dirs_exist_ok=True
        )


def _context(chromium, size):
    context = chromium.new_context(locale="nl-BE", **size)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _eye(page):
    return page.get_by_test_id("stTextInputRootElement").get_by_role("button")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_password_button_speaks_the_page_language(survey_world, chromium, shots, lang):
    from playwright.sync_api import expect

    context = _context(chromium, DESK)
    page = context.new_page()
    try:
        page.goto(f"{survey_world.url}/team?lang={lang}")
        settle(page)
        field = page.get_by_label("Teamwachtwoord" if lang == "nl" else "Team password")
        field.fill("abc")
        eye = _eye(page)
        shown, hidden = (
            ("Wachtwoord tonen", "Wachtwoord verbergen")
            if lang == "nl"
            else ("Show password", "Hide password")
        )
        expect(eye).to_have_attribute("aria-label", shown)
        eye.click()
        expect(eye).to_have_attribute("aria-label", hidden)
        page.wait_for_timeout(300)
        page.screenshot(path=str(shots / f"login-{lang}.png"))
        said = page.get_by_test_id("InputInstructions").inner_text()
        assert ("Druk op Enter" in said) == (lang == "nl"), said
    finally:
        context.close()


def _log_in(page, url: str, lang: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{url}/team?lang={lang}")
    page.get_by_label("Teamwachtwoord" if lang == "nl" else "Team password").fill(TEAM_PASSWORD)
    page.get_by_role("button", name="Aanmelden" if lang == "nl" else "Log in").click()
    heading = "Overzicht" if lang == "nl" else "Overview"
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=90_000)
    settle(page)


def _sidebar_open(page) -> bool:
    box = page.get_by_test_id("stSidebar").bounding_box()
    return box is not None and box["x"] + box["width"] > 10


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_on_a_phone_the_sidebar_closes_after_choosing_a_page(survey_world, chromium, shots, lang):
    from playwright.sync_api import expect

    context = _context(chromium, PHONE)
    page = context.new_page()
    try:
        _log_in(page, survey_world.url, lang)
        assert not _sidebar_open(page)  # "auto": a phone starts with the sidebar closed
        page.get_by_test_id("stExpandSidebarButton").click()
        page.wait_for_timeout(600)
        assert _sidebar_open(page)
        page.screenshot(path=str(shots / f"phone-{lang}-sidebar.png"))
        # The chosen wave: the select box's text, or the value of its search field.
        waves = (
            page.get_by_test_id("stSidebar")
            .get_by_test_id("stSelectbox")
            .evaluate(
                "e => e.textContent + ' ' + [...e.querySelectorAll('input')].map(i => i.value)"
                ".join(' ')"
            )
        )
        if lang == "en":
            assert "(open)" in waves and "loopt" not in waves, waves
        else:
            assert "(loopt)" in waves, waves
            close = page.get_by_test_id("stSidebarCollapseButton").get_by_role("button")
            expect(close).to_have_attribute("aria-label", "Zijbalk sluiten")
        results = "Resultaten" if lang == "nl" else "Results"
        page.get_by_test_id("stSidebar").get_by_role("link", name=results).click()
        expect(page.get_by_role("heading", name=results, exact=True)).to_be_visible(timeout=60_000)
        page.wait_for_timeout(600)
        page.screenshot(path=str(shots / f"phone-{lang}-after.png"))
        assert not _sidebar_open(page)
    finally:
        context.close()
