"""Every team page and every action checks the role on the server (issue 24): a reader sees
results, trend, methodology and the publication export; a manager everything; a reader who
types a manager page's URL, or runs a manager page directly, gets a refusal in Dutch and
English; every service action refuses a reader, whoever calls it. The pages run as the real
app in AppTest, logged in through OIDC as st.user says (the browser test does the real round
trip)."""

from __future__ import annotations

import pytest

from ktm import ledger, roles
from ktm.services import audit as audit_svc
from ktm.services import bounces, weighting
from ktm.services import export as E
from ktm.services import feedback as F
from ktm.services import response_files as files
from ktm.services import sampling as S
from ktm.services import waves as W
from store import audit as store_audit
from tests.app.conftest import ROOT, new_app

MANAGER = "an.peeters@vlaanderen.be"
READER = "kabinet@vlaanderen.be"
STRANGER = "iemand@example.org"

# Every team page in app.py, by file; the reader's pages.
TEAM_PAGES = [
    "overview", "response", "results", "improvements", "trend", "methodology",
    "waves", "sampling", "paper", "actions", "export", "audit",
]  # fmt: skip
READER_PAGES = {"overview", "response", "results", "improvements", "trend", "methodology",
                "export"}  # fmt: skip
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a test cookie secret of some length",
    "client_id": "ktm",
    "client_secret": "geheim",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def test_app_py_lists_exactly_these_pages():
    import ast

    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    files_in_app = {
        node.value.removeprefix("views/").removesuffix(".py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and str(node.value).startswith("views/")
    } - {"survey", "feedback", "login"}
    assert files_in_app == set(TEAM_PAGES) == set(roles.PAGES)


@pytest.fixture
def configured(app_env, monkeypatch):
    monkeypatch.setenv("KTM_MANAGERS", MANAGER)
    monkeypatch.setenv("KTM_READERS", READER)
    return app_env


def logged_in(email: str, path: str = "app.py"):
    at = new_app() if path == "app.py" else _page_app(path)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0]}
    return at.run()


def _page_app(path):
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(ROOT / path), default_timeout=60)


def goto(at, page: str):
    """Open a team page as its typed URL would: a refused page is a stand-in registered under
    the page's URL, which AppTest.switch_page (by file) cannot name."""
    try:
        at.switch_page(f"views/{page}.py")
    except ValueError:
        at._page_hash = next(
            h for h, info in at._registered_pages.items() if info.get("url_pathname") == page
        )
    return at.run()


def refusal(at) -> str | None:
    for e in at.error:
        if "Geen toegang" in e.value or "geen toegang" in e.value:
            return e.value
    return None


@pytest.mark.parametrize("email", [READER, MANAGER])
def test_each_page_is_open_to_its_roles_and_refused_to_the_others(configured, email):
    at = logged_in(email)
    assert not at.exception, at.exception
    assert refusal(at) is None  # the dashboard's overview, after the login
    for page in TEAM_PAGES:
        goto(at, page)
        assert not at.exception, (page, at.exception)
        refused = refusal(at)
        if email == MANAGER or page in READER_PAGES:
            assert refused is None, (page, refused)
        else:
            assert refused == (
                f"Geen toegang: deze pagina is voor beheerders "
                f"({roles.PERMISSIONS[roles.PAGES[page]][0]}). U bent aangemeld als "
                f"{READER}, met de rol lezer."
            ), page
    # Who is logged in, and as what, above the team's links.
    role = "lezer" if email == READER else "beheerder"
    assert f"Aangemeld als {email} ({role})" in [c.value for c in at.sidebar.caption]


def test_a_reader_gets_the_refusal_in_english_too(configured):
    at = logged_in(READER)
    at.session_state["lang"] = "en"
    goto(at, "sampling")
    assert [e.value for e in at.error] == [
        "No access: this page is for managers (import the frame and draw the sample). You are "
        f"logged in as {READER}, with the role reader."
    ]


@pytest.mark.parametrize("page", sorted(set(TEAM_PAGES) - READER_PAGES))
def test_a_manager_page_run_directly_refuses_a_reader_itself(configured, page):
    """The second guard: at the top of the page, whatever the navigation did."""
    at = logged_in(READER, f"views/{page}.py")
    assert not at.exception, at.exception
    assert refusal(at) is not None
    assert not at.button and not at.file_uploader  # nothing of the page drawn


def test_the_export_page_offers_a_reader_the_publication_profile_only(configured):
    at = logged_in(READER)
    at.switch_page("views/export.py").run()
    assert at.radio(key="export_profile").options == [
        "Publicatie: cijfers, vergroofde microdata (elke combinatie ≥ k), geen open antwoorden"
    ]
    at = logged_in(MANAGER)
    at.switch_page("views/export.py").run()
    assert len(at.radio(key="export_profile").options) == 2


def test_an_unknown_account_is_refused_and_its_first_login_recorded(configured):
    from store.db import get_engine

    at = logged_in(STRANGER)
    assert not at.exception, at.exception
    assert "heeft geen toegang tot deze toepassing" in at.error[0].value
    goto(at, "results")
    assert "heeft geen toegang tot deze toepassing" in at.error[0].value
    logged_in(READER)
    rows = store_audit.entries(get_engine(configured), action="role_change")
    assert {(r["actor"], r["details"]["to"]) for r in rows} == {
        (STRANGER, None),
        (READER, "reader"),
    }


def test_the_shared_password_is_a_manager_account_named_as_such(configured):
    from tests.app.conftest import login

    at = login(new_app())
    assert "Aangemeld als team (gedeeld wachtwoord) (beheerder)" in [
        c.value for c in at.sidebar.caption
    ]
    at.switch_page("views/audit.py").run()
    assert refusal(at) is None and not at.exception
    at.session_state["lang"] = "en"
    at.run()
    assert any(
        c.value.startswith("Logged in as team (shared password)") for c in at.sidebar.caption
    )


# --- every action, in the services --------------------------------------------------------------


def _actions(url, tmp_path):
    """(permission, the action) for every action the services run."""
    out = tmp_path / "x.xlsx"
    return [
        ("waves", lambda e: W.create(e, {"name": "x"})),
        ("waves", lambda e: W.set_facts(e, 1, {"name": "x"})),
        ("waves", lambda e: W.open_wave(e, 1)),
        ("waves", lambda e: W.close_wave(e, 1)),
        ("waves", lambda e: W.delete_wave(e, 1)),
        ("waves", lambda e: W.publish_questionnaire(e, None)),
        ("waves", lambda e: weighting.save(e, 1, weighting.WeightingChoice("none"))),
        ("sampling", lambda e: S.import_frame(e, 1, b"")),
        ("sampling", lambda e: S.draw_sample(e, 1, "profession")),
        ("invitations", lambda e: S.export_invitations(e, 1, out)),
        ("invitations", lambda e: S.send_invitations(e, 1, None)),
        ("invitations", lambda e: S.post_contact(e, b"", 1)),
        ("invitations", lambda e: bounces.import_dispositions(e, 1, b"")),
        ("paper_answers", lambda e: files.import_responses(e, 1, b"")),
        ("internal_export", lambda e: files.export_responses(e, 1, out)),
        ("internal_export", lambda e: E.export_wave(e, 1, out)),
        ("internal_export", lambda e: E.export_bytes(e, 1)),
        ("internal_export", lambda e: E.stats_export(e, 1, "csv")),
        ("internal_export", lambda e: E.answer_docx(e, 1)),
        (
            "internal_export",
            lambda e: audit_svc.hand_out(e, b"", 1, "workbook", "internal", roles.current()),
        ),  # fmt: skip
        ("publish", lambda e: F.publish(e, 1, None)),
        ("anonymise", lambda e: ledger.anonymise_and_record(e, url, 1)),
        ("audit", lambda e: audit_svc.entries(e)),
    ]


def test_every_action_refuses_a_reader_and_changes_nothing(demo_url, tmp_path):
    from store.db import get_engine

    engine = get_engine(demo_url)
    before = _dump(engine)
    reader = roles.Actor(READER, "reader", "oidc")
    for permission, action in _actions(demo_url, tmp_path):
        assert permission not in roles.permissions_of("reader")
        with roles.acting_as(reader), pytest.raises(roles.Refused, match="als lezer mag u niet"):
            action(engine)
    nobody = roles.Actor(STRANGER, None, "oidc")
    for _permission, action in _actions(demo_url, tmp_path):
        with roles.acting_as(nobody), pytest.raises(roles.Refused, match="geen toegang"):
            action(engine)
    assert _dump(engine) == before
    assert not (tmp_path / "x.xlsx").exists()


def test_a_reader_may_make_the_publication_export(demo_url):
    from store.db import get_engine
    from store.waves import resolve_wave

    engine = get_engine(demo_url)
    with engine.connect() as conn:
        wave = resolve_wave(conn, "latest")
    with roles.acting_as(roles.Actor(READER, "reader", "oidc")):
        xlsx, _csv = E.export_bytes(engine, wave["id"], profile="publication")
        assert audit_svc.hand_out(engine, xlsx, wave["id"], "workbook", "publication",
                                  roles.current()) == xlsx  # fmt: skip
    assert xlsx[:2] == b"PK"
    assert store_audit.entries(engine) == []  # no microdata, nothing to record


def test_inside_the_web_server_nobody_acts_without_a_session(monkeypatch):
    """A service called from a thread of the running server without a browser session (or
    a page that forgot its check) acts as nobody, never as the process's user."""
    monkeypatch.setattr(roles, "_in_server", lambda: True)
    assert roles.current() is None
    with pytest.raises(roles.Refused, match="Niet aangemeld"):
        roles.require("waves")


def _dump(engine) -> dict:
    import sqlalchemy as sa

    from store.schema import metadata

    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in metadata.sorted_tables
        }


def test_an_action_on_a_page_is_recorded_as_the_logged_in_person(configured):
    """The services take the person from the browser session: closing a wave on the page
    Bevragingen leaves one row with the manager's address, not the server's user."""
    import sqlalchemy as sa

    from store import schema
    from store.db import get_engine

    engine = get_engine(configured)
    with engine.connect() as conn:
        wave_id = conn.execute(
            sa.select(schema.waves.c.id).where(schema.waves.c.name == "Meting 2026-2027")
        ).scalar_one()
    at = logged_in(MANAGER)
    goto(at, "waves")
    at.button(key="w_close").click().run()
    at.button(key="w_close_yes").click().run()
    assert not at.exception, at.exception
    [row] = store_audit.entries(engine, action="wave_close")
    assert (row["actor"], row["role"], row["source"], row["wave_id"]) == (
        MANAGER,
        "manager",
        "oidc",
        wave_id,
    )
