"""The team logs in through a real OIDC provider running on this machine (issue 24).

The provider is oidc-provider-mock (PyPI; Authlib and Flask, in a thread of this test): a
complete OpenID provider (discovery, authorisation code flow, signed ID tokens, end session)
with a login form that accepts any subject and claims set over its HTTP API. Chosen over
Debian's dex because it needs no package of the system, no configuration file and no port
fixed in advance, and the test sets each user's claims (e-mail, groups) itself.

The test writes Streamlit's `[auth]` secrets (a secrets.toml in the test's folder, given to
`streamlit run` as STREAMLIT_SECRETS_FILES), then walks the round trip in Chromium: the login
button, the redirect to the provider, the callback, the identity and role shown, a reload that
keeps the login, a typed manager URL, logout through the provider's end-session endpoint, a
reader whose role comes from a claim of the ID token, and an unknown account refused.
"""

from __future__ import annotations

import re
import shutil
from urllib.parse import quote

import pytest

from tests.browser.conftest import AppServer, settle

MANAGER = ("an.peeters", {"email": "an.peeters@vlaanderen.be", "name": "An Peeters"})
READER = ("kabinet", {"email": "kabinet@vlaanderen.be", "name": "Kabinet", "groups": ["ktm-lezer"]})
STRANGER = ("iemand", {"email": "iemand@example.org", "name": "Iemand"})


@pytest.fixture
def provider():
    oidc_provider_mock = pytest.importorskip("oidc_provider_mock")
    import httpx

    with oidc_provider_mock.run_server_in_thread() as server:
        url = f"http://localhost:{server.server_port}"
        for sub, claims in (MANAGER, READER, STRANGER):
            r = httpx.put(f"{url}/users/{quote(sub)}", json=claims, timeout=10)
            assert r.status_code == 204, r.text
        yield url


@pytest.fixture
def oidc_app(provider, demo_template, tmp_path, monkeypatch):
    db = tmp_path / "app.sqlite3"
    shutil.copyfile(demo_template, db)
    server = AppServer(f"sqlite:///{db}", tmp_path)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{server.url}/oauth2callback"\n'
        'cookie_secret = "a long random test secret, the same on every replica"\n'
        'client_id = "ktm-test"\n'
        'client_secret = "geheim"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("STREAMLIT_SECRETS_FILES", str(secrets))
    monkeypatch.setenv("KTM_MANAGERS", MANAGER[1]["email"])
    monkeypatch.setenv("KTM_ROLE_CLAIM", "groups")
    monkeypatch.setenv("KTM_ROLE_CLAIM_VALUES", "ktm-lezer=reader,ktm-beheer=manager")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if not (tmp_path / "ok").exists():
            print(server.log())


def log_in(page, app, provider, sub: str, path: str = "/team") -> None:
    page.goto(app.url + path)
    settle(page)
    page.get_by_text("Meld u aan met uw account van de Vlaamse overheid.").wait_for()
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(re.compile(re.escape(provider) + r"/oauth2/authorize"))  # the redirect
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(re.escape(app.url)))  # the callback, then the app
    settle(page)


def log_out(page, app, provider) -> None:
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url(re.compile(re.escape(provider) + r"/oauth2/end_session"))
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(re.compile(re.escape(app.url)))
    settle(page)


def caption(page, text: str):
    return page.get_by_test_id("stSidebar").get_by_text(text, exact=False)


def test_the_team_logs_in_and_out_through_oidc(page, oidc_app, provider, tmp_path):
    app = oidc_app
    # A manager, listed by e-mail address: the dashboard after the callback.
    log_in(page, app, provider, MANAGER[0])
    caption(page, "Aangemeld als an.peeters@vlaanderen.be (beheerder)").wait_for()
    page.get_by_role("heading", name="Overzicht").wait_for()
    assert "/oauth2callback" not in page.url
    # A reload keeps the login (Streamlit's identity cookie); a typed manager URL opens.
    page.reload()
    settle(page)
    caption(page, "Aangemeld als an.peeters@vlaanderen.be (beheerder)").wait_for()
    page.goto(app.url + "/waves")
    settle(page)
    page.get_by_role("heading", name="Bevragingen").wait_for()
    assert not page.get_by_text("Geen toegang").count()
    # Logout, through the provider's end-session endpoint: the team page asks to log in again.
    log_out(page, app, provider)
    page.goto(app.url + "/waves")
    settle(page)
    page.get_by_text("Deze pagina is voor het team. Meld u aan om ze te zien.").wait_for()
    assert not caption(page, "Aangemeld als").count()

    # A reader, by the "groups" claim of the ID token: results yes, the sample no.
    log_in(page, app, provider, READER[0])
    caption(page, "Aangemeld als kabinet@vlaanderen.be (lezer)").wait_for()
    assert not page.get_by_test_id("stSidebar").get_by_role("link", name="Steekproef").count()
    page.goto(app.url + "/results")
    settle(page)
    page.get_by_role("heading", name="Resultaten").wait_for()
    page.goto(app.url + "/sampling")
    settle(page)
    page.get_by_text("Geen toegang: deze pagina is voor beheerders", exact=False).wait_for()
    assert not page.get_by_test_id("stFileUploader").count()
    log_out(page, app, provider)

    # An account the configuration does not know: logged in at the provider, refused here.
    log_in(page, app, provider, STRANGER[0])
    page.get_by_text(
        "U bent aangemeld als iemand@example.org, maar dit account heeft geen toegang",
        exact=False,
    ).wait_for()
    page.goto(app.url + "/results")
    settle(page)
    page.get_by_text("heeft geen toegang tot deze toepassing", exact=False).wait_for()
    # The page's title above the refusal, and nothing of the page itself.
    assert not page.get_by_test_id("stDataFrame").count()
    assert not page.get_by_test_id("stVegaLiteChart").count()

    # Each first login is in the audit trail, with the role it was given.
    from store import audit
    from store.db import create

    engine = create(app.db_url)
    try:
        rows = audit.entries(engine, action="role_change")
    finally:
        engine.dispose()
    assert {(r["actor"], r["details"]["to"], r["details"]["by"]) for r in rows} == {
        ("an.peeters@vlaanderen.be", "manager", "list"),
        ("kabinet@vlaanderen.be", "reader", "claim"),
        ("iemand@example.org", None, "none"),
    }
    (tmp_path / "ok").touch()
