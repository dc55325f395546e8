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
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

from ktm import auth
from tests.browser.conftest import TIMEOUT_MS, AppServer
from tests.browser.e2e_support import BUILD_TIMEOUT_MS, DESKTOP, log_in, settle

# The login checks run on a server whose downloads outlive them however slow the machine; the
# expiry is checked on a second one with a short TTL, side by side (no minute of waiting).
LONG_TTL_S, SHORT_TTL_S = 900, 12
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
    expect(button).to_be_visible(timeout=BUILD_TIMEOUT_MS)
    settle(page, BUILD_TIMEOUT_MS)
    with page.expect_download(timeout=BUILD_TIMEOUT_MS) as info:
        button.click()
    download = info.value
    with open(download.path(), "rb") as f:
        return download.url, f.read()


def cookie_header(context) -> str:
    (value,) = [c["value"] for c in context.cookies() if c["name"] == auth.SESSION_COOKIE]
    return f"{auth.SESSION_COOKIE}={value}"


def start_servers(demo_template, tmp_path) -> tuple[AppServer, AppServer]:
    servers = []
    for name, ttl in (("long", LONG_TTL_S), ("short", SHORT_TTL_S)):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copyfile(demo_template, folder / "app.sqlite3")
        env = {"KTM_DOWNLOAD_TTL_S": str(ttl), "KTM_SESSION_SECRET": SECRET}
        servers.append(AppServer(f"sqlite:///{folder / 'app.sqlite3'}", folder, env=env))
    with ThreadPoolExecutor(2) as pool:  # each takes seconds
        list(pool.map(AppServer.start, servers))
    return servers[0], servers[1]


def test_the_export_download_answers_its_own_login_only(chromium, demo_template, tmp_path):
    server, short = start_servers(demo_template, tmp_path)
    contexts = []
    try:
        a, page_a = team_page(chromium, server.url)
        b, page_b = team_page(chromium, server.url)  # a second login of the team
        c, page_c = team_page(chromium, short.url)  # a login on the short-TTL server
        contexts += [a, b, c]
        assert cookie_header(a) != cookie_header(b)

        # The download on the short-TTL server first: its TTL runs out during the rest.
        url_c, _ = make_export(page_c)
        clicked = time.monotonic()
        assert c.request.get(url_c).status == 200

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
        # The other login's own download is its own, and still there.
        url_b, _ = make_export(page_b)
        assert b.request.get(url_b).status == 200

        # The download expires KTM_DOWNLOAD_TTL_S after its click, for its own login too.
        time.sleep(max(0.0, SHORT_TTL_S + 1 - (time.monotonic() - clicked)))
        assert c.request.get(url_c).status == 404
        assert plain_get(url_c, cookie_header(c)) == 404
    finally:
        for context in contexts:
            context.close()
        for running in (server, short):
            running.stop()
    for running in (server, short):
        log = running.log()
        assert "Traceback" not in log, log
