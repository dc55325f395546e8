"""The Excel export is no bearer URL (issue 19.4), on the real server (`streamlit run app.py`,
Chromium): the /media/... URL of a download answers the login that clicked, and nobody else:
not a client without cookies, not another team login, not a forged cookie, not the same
browser or a copy of its cookie after "Afmelden", and not the login itself once
KTM_DOWNLOAD_TTL_S has passed since the click.
"""

from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.request

from playwright.sync_api import expect

from ktm import auth
from tests.browser.conftest import TIMEOUT_MS, AppServer
from tests.browser.e2e_support import DESKTOP, log_in, settle

# Long enough for the checks between a click and its expiry on a loaded CI machine (with 30 s,
# the copy-of-the-cookie check once came after the file had expired: 404 for the wrong reason).
TTL_S = 60
SECRET = "test-session-secret-" + "0" * 32


def plain_get(url: str, cookie: str | None = None) -> int:
    """A plain HTTP client (no browser): the status it gets."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def team_page(chromium, url: str):
    context = chromium.new_context(viewport=DESKTOP, locale="nl-BE", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, url)
    return context, page


def make_export(page) -> tuple[str, bytes]:
    """On the Excel-export page: build the files, click the download; (its URL, its bytes)."""
    link = page.get_by_role("link", name="Excel-export", exact=True)
    link.click()
    expect(page.get_by_role("heading", name="Excel-export", exact=True)).to_be_visible()
    settle(page)
    page.get_by_role("button", name="Bestanden maken").click()
    button = page.get_by_role("button", name="Excel-werkmap downloaden")
    expect(button).to_be_visible(timeout=120_000)
    with page.expect_download() as info:
        button.click()
    download = info.value
    with open(download.path(), "rb") as f:
        return download.url, f.read()


def cookie_header(context) -> str:
    (value,) = [c["value"] for c in context.cookies() if c["name"] == auth.SESSION_COOKIE]
    return f"{auth.SESSION_COOKIE}={value}"


def test_the_export_download_answers_its_own_login_only(chromium, demo_template, tmp_path):
    db = tmp_path / "app.sqlite3"
    shutil.copyfile(demo_template, db)
    env = {"KTM_DOWNLOAD_TTL_S": str(TTL_S), "KTM_SESSION_SECRET": SECRET}
    server = AppServer(f"sqlite:///{db}", tmp_path, env=env).start()
    contexts = []
    try:
        a, page_a = team_page(chromium, server.url)
        b, page_b = team_page(chromium, server.url)  # a second login of the team
        contexts += [a, b]
        assert cookie_header(a) != cookie_header(b)

        url, workbook = make_export(page_a)
        assert url.startswith(f"{server.url}/media/") and workbook[:2] == b"PK"
        # The browser that clicked fetches it again (its cookies go with the request).
        again = a.request.get(url)
        assert again.status == 200 and again.body() == workbook
        # Any other client with the URL: refused.
        assert plain_get(url) == 404
        assert b.request.get(url).status == 404  # another login of the same team
        forged = auth.make_session(b"another secret", "team", "nl", time.time() + 3600)
        assert plain_get(url, f"{auth.SESSION_COOKIE}={forged}") == 404
        # The login's cookie is what counts, not the browser: a copy of it still works...
        copied = cookie_header(a)
        assert plain_get(url, copied) == 200

        # ... until that login ends with "Afmelden": then neither the browser nor the copy.
        page_a.get_by_role("button", name="Afmelden").click()
        expect(page_a.get_by_role("button", name="Afmelden")).to_have_count(0)
        settle(page_a)
        assert a.request.get(url).status == 404
        assert plain_get(url, copied) == 404

        # The other login's own download expires KTM_DOWNLOAD_TTL_S after its click.
        url_b, _ = make_export(page_b)
        clicked = time.monotonic()
        assert b.request.get(url_b).status == 200
        time.sleep(max(0.0, TTL_S + 1 - (time.monotonic() - clicked)))
        assert b.request.get(url_b).status == 404
        assert plain_get(url_b, cookie_header(b)) == 404
    finally:
        for context in contexts:
            context.close()
        server.stop()
        log = server.log()
    assert "Traceback" not in log, log
