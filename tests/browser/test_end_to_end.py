"""The whole flow in a real browser (issue 12): `streamlit run app.py` on a free port with a
temporary database, driven by Playwright in Debian's headless Chromium.

1. The team logs in, uploads a frame, draws a sample and downloads the mail-merge file; a
   trainee opens a personal link from it on a phone, answers in Dutch, leaves half-way, comes
   back with the same link and finishes; the link then says the survey is already completed.
2. Meanwhile the team's Overzicht counts that response within seconds without a reload; the
   team downloads the Excel export and the test reads the response back from its Data sheet.
3. Two app processes on one PostgreSQL database: a response submitted through one shows on
   the other's dashboard.
4. On failure, every page of the test is kept as a screenshot in test-artifacts/ (and the
   server logs with them).
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from tests.browser.e2e_support import (  # noqa: F401  (fixtures)
    PHONE,
    TIMEOUT_MS,
    browsers,
    download,
    log_in,
    prepare_open_wave,
    settle,
    start_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=TIMEOUT_MS)

# The answers of the trainee, page by page (labels as the trainee reads them, in Dutch).
EXPERIENCE = {
    "Het aanmelden (inloggen) op het e-loket": "Tevreden",
    "De informatie die u nodig had vinden": "Neutraal",
    "De duidelijkheid van de formulieren": "Ontevreden",
    "Documenten opladen": "Zeer tevreden",
    "De stand van uw dossier opvolgen": "Tevreden",
    "De tijd die nodig was om uw dossier te behandelen": "Zeer ontevreden",
    "De communicatie en feedback van de administratie": "Neutraal",
    "De hulp die u kreeg via 1700 of per e-mail": "Niet van toepassing / weet niet",
}
# The same answers as codes in the Data sheet (n.v.t. is an empty cell).
EXPERIENCE_CODES = {
    "aanmelden": 4,
    "informatie": 3,
    "formulieren": 2,
    "documenten": 5,
    "opvolging": 4,
    "doorlooptijd": 1,
    "communicatie": 3,
    "hulp": None,
}
PAGE_TITLES = [
    "Uw gebruik van het e-loket",
    "Uw ervaring met het e-loket",
    "Gebruiksgemak",
    "Vergelijking met de papieren procedure",
    "Algemene beoordeling",
    "Terugkoppeling",
]
FRAME_SIZES = {
    "huisarts": 30,
    "arts_specialist": 50,
    "algemeen_tandarts": 15,
    "tandarts_specialist": 10,
    "ziekenhuisapotheker": 8,
}


# --- the trainee's steps --------------------------------------------------------------------


def choose(page, question: str, option: str) -> None:
    """Tick `option` of the radio group whose label contains `question`."""
    group = page.get_by_role("radiogroup", name=question)
    tick(group.get_by_role("radio", name=option, exact=True))


def tick(control) -> None:
    """Check a radio button or checkbox. Streamlit draws its own control over the (visually
    hidden) input: the click lands where a finger would, and check() then verifies the state."""
    control.check(force=True)
    # A tap on Next while the rerun of this change is running can get lost: wait for it.
    settle(control.page)


def on_page(page, number: int) -> None:
    expect(page.get_by_role("heading", name=PAGE_TITLES[number - 1])).to_be_visible()
    expect(page.get_by_text(f"Pagina {number} van {len(PAGE_TITLES)}")).to_be_visible()


def next_page(page, number: int) -> None:
    """Next (or Send on the last page), then wait for page `number` + 1."""
    name = "Verzenden" if number == len(PAGE_TITLES) else "Volgende"
    # While a rerun draws the page, the last run's button is still there (stale) beside the
    # new one: wait until the run is over.
    settle(page)
    page.get_by_role("button", name=name).click()
    if number < len(PAGE_TITLES):
        on_page(page, number + 1)


def answer_first_half(page) -> None:
    """Pages 1-3; ends on page 4."""
    on_page(page, 1)
    tick(page.get_by_role("checkbox", name="Een stageplan indienen", exact=True))
    choose(page, "Hoe gemakkelijk was het om uw stageplan in te dienen?", "Gemakkelijk")
    next_page(page, 1)
    for question, option in EXPERIENCE.items():
        choose(page, question, option)
    next_page(page, 2)
    # A point of the one-row scale is named by its number and its word (issue 18): "6 Eens".
    choose(page, "De mogelijkheden van het e-loket voldoen", "6 Eens")
    choose(page, "Het e-loket is gemakkelijk te gebruiken", "5 Eerder eens")
    choose(page, "Het e-loket maakte het mij gemakkelijk", "6 Eens")
    next_page(page, 3)


def answer_second_half(page) -> None:
    """Pages 4-6 and Send."""
    on_page(page, 4)
    choose(page, "Hebt u vóór 2022 ook een aanvraag op papier ingediend?", "Ja")
    choose(page, "Hoe verhoudt het e-loket zich", "Het e-loket is beter")
    next_page(page, 4)
    choose(page, "Welk cijfer van 0 tot 10", "8")
    remark = page.get_by_label("Wat moeten wij in de eerste plaats verbeteren")
    remark.fill("Een duidelijker overzicht van mijn dossier.")
    remark.blur()  # a text area sends its value when it loses focus
    settle(page)
    next_page(page, 5)
    choose(page, "Wilt u per e-mail horen", "Nee")
    next_page(page, 6)
    expect(page.get_by_role("heading", name="Hartelijk dank!")).to_be_visible()


def answer_without_using_the_eloket(page) -> None:
    """The shortest complete response: 'none of these' skips the pages on the e-loket."""
    expect(page.get_by_text("Pagina 1 van 6")).to_be_visible()
    tick(page.get_by_role("checkbox", name=re.compile("^Geen van deze")))
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("Pagina 2 van 4")).to_be_visible()
    choose(page, "Hebt u vóór 2022 ook een aanvraag op papier ingediend?", "Nee")
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("Pagina 3 van 4")).to_be_visible()
    choose(page, "Welk cijfer van 0 tot 10", "6")
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("Pagina 4 van 4")).to_be_visible()
    page.get_by_role("button", name="Verzenden").click()
    expect(page.get_by_role("heading", name="Hartelijk dank!")).to_be_visible()


# --- the team's steps -----------------------------------------------------------------------


def go_to(page, title: str) -> None:
    page.get_by_role("link", name=title, exact=True).click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    settle(page)


def metric(page, label: str):
    """The value of the st.metric with this label."""
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


COMPLETES, PARTIALS = "Volledig ingevuld (alle manieren)", "Gedeeltelijk ingevuld"


def open_in_sidebar(page, title: str) -> None:
    """Click a team page in the sidebar (Streamlit folds long navigations: 'View n more')."""
    link = page.get_by_role("link", name=title, exact=True)
    if not link.is_visible():
        page.get_by_text(re.compile(r"^View \d+ more$")).click()
    link.click()
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
    settle(page)


# --- 1 and 2: sample, answer on a phone, watch it arrive, export ----------------------------


def test_sample_answer_on_phone_resume_dashboard_and_export(
    tmp_path,
    start_app,  # noqa: F811
    browsers,  # noqa: F811
):
    import pandas as pd

    from sampling.demo import synthetic_frame

    db_url = f"sqlite:///{tmp_path / 'ktm.sqlite3'}"
    prepare_open_wave(db_url, "Meting e2e")
    frame = synthetic_frame(12, FRAME_SIZES)
    frame_file = tmp_path / "kader.xlsx"
    frame.to_excel(frame_file, index=False)
    app = start_app(db_url)

    # The team: log in, import the frame, draw 30, make and download the mail-merge file.
    team = browsers.new_page("team")
    log_in(team, app.url)
    open_in_sidebar(team, "Steekproef")
    # The page's tabs keep every uploader in the DOM: take the one on the open tab.
    team.locator("[data-testid=stFileUploader] >> visible=true").locator(
        "input[type=file]"
    ).set_input_files(frame_file)
    import_button = team.get_by_role("button", name="Kader inlezen")
    expect(import_button).to_be_enabled()
    import_button.click()
    expect(team.get_by_text(f"{len(frame)} eenheden ingelezen uit kader.xlsx")).to_be_visible()
    settle(team)

    team.get_by_role("tab", name="2. Ontwerp en trekking").click()
    size = team.get_by_label("n", exact=True)
    size.fill("30")
    size.press("Enter")
    settle(team)
    team.get_by_role("button", name="Steekproef trekken").click()
    expect(team.get_by_text(re.compile(r"Steekproef getrokken: 30 eenheden"))).to_be_visible()
    settle(team)

    team.get_by_role("tab", name="3. Uitnodigingen").click()
    team.get_by_role("button", name="Bestand maken").click()
    expect(team.get_by_text("30 links uitgegeven.")).to_be_visible()
    mail_merge = download(team, "Download uitnodigingen_bevraging", tmp_path / "uitnodigingen.xlsx")
    links = pd.read_excel(mail_merge, dtype=str)
    assert len(links) == 30 and links["persoonlijke_link"].str.startswith(f"{app.url}/?t=").all()
    trainee_row = links[links["taal"] == "nl"].iloc[0]
    link = trainee_row["persoonlijke_link"]
    unit = frame.set_index("unit_id").loc[trainee_row["unit_id"]]

    # The team watches the Overzicht while the trainee answers.
    open_in_sidebar(team, "Overzicht")
    expect(metric(team, COMPLETES)).to_have_text("0")
    expect(metric(team, PARTIALS)).to_have_text("0")

    # The trainee, on a phone: half-way, then away.
    phone = dict(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    trainee = browsers.new_page("trainee", **phone)
    trainee.goto(link)
    answer_first_half(trainee)
    trainee.close()
    expect(metric(team, PARTIALS)).to_have_text("1", timeout=15_000)

    # Back with the same link, in a new tab: page 4, with what was answered kept.
    trainee = browsers.page_in(trainee.context, "trainee-back")
    trainee.goto(link)
    on_page(trainee, 4)
    trainee.get_by_role("button", name="Vorige").click()
    on_page(trainee, 3)
    expect(
        trainee.get_by_role(
            "radiogroup", name="Het e-loket is gemakkelijk te gebruiken"
        ).get_by_role("radio", name="5 Eerder eens", exact=True)
    ).to_be_checked()
    next_page(trainee, 3)
    answer_second_half(trainee)

    # The same link afterwards (a new session): already completed.
    again = browsers.page_in(trainee.context, "trainee-again")
    again.goto(link)
    expect(again.get_by_role("heading", name="U hebt deze bevraging al ingevuld")).to_be_visible()

    # The team's Overzicht, not reloaded, counts the response (live every few seconds).
    expect(metric(team, COMPLETES)).to_have_text("1", timeout=15_000)
    expect(metric(team, PARTIALS)).to_have_text("0")

    # The Excel export holds the response in its Data sheet.
    open_in_sidebar(team, "Excel-export")
    team.get_by_role("button", name="Bestanden maken").click()
    workbook = download(team, "Excel-werkmap downloaden", tmp_path / "export.xlsx")
    rows = data_rows(workbook)
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["mode"] == "invited" and row["status"] == "complete"
    assert row["response_language"] == "nl"
    assert row["stratum"] == unit["profession"]
    n_h = allocation(db_url)[unit["profession"]]
    assert row["design_weight"] == pytest.approx(FRAME_SIZES[unit["profession"]] / n_h)
    assert {k: row[k] for k in EXPERIENCE_CODES} == EXPERIENCE_CODES
    assert row["tevredenheid"] == 8


def data_rows(path: Path) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book["Data"]
    header, *rows = sheet.iter_rows(values_only=True)
    book.close()
    return [dict(zip(header, r, strict=True)) for r in rows]


def allocation(db_url: str) -> dict[str, int]:
    from store.db import create
    from store.samples import current_sample
    from store.waves import list_waves

    engine = create(db_url)
    try:
        with engine.connect() as conn:
            (wave,) = list_waves(conn)
            return current_sample(conn, wave["id"])["allocation"]
    finally:
        engine.dispose()


# --- 3: two app processes on one PostgreSQL database ----------------------------------------


@pytest.mark.postgres
def test_two_app_processes_on_one_postgresql_database(
    postgres_url,
    start_app,  # noqa: F811
    browsers,  # noqa: F811
):
    """The deployment for more than one server: the trainee is served by one process, the
    team watches through the other; the link's state is shared too."""
    from store.db import create, upgrade_schema
    from tests.survey_form.world import make_world

    engine = create(postgres_url)
    try:
        upgrade_schema(engine)
        world = make_world(engine, post_contact=False, invitations=("a",), name="Meting PG")
    finally:
        engine.dispose()
    token = world.tokens["a"]
    first, second = start_app(postgres_url, "app-1", "app-2")

    team = browsers.new_page("team-on-2")
    log_in(team, second.url)
    expect(metric(team, COMPLETES)).to_have_text("0")

    trainee = browsers.new_page("trainee-on-1", viewport=PHONE, is_mobile=True, has_touch=True)
    trainee.goto(f"{first.url}/?t={token}")
    answer_without_using_the_eloket(trainee)

    expect(metric(team, COMPLETES)).to_have_text("1", timeout=15_000)
    elsewhere = browsers.new_page("trainee-on-2", viewport=PHONE, is_mobile=True)
    elsewhere.goto(f"{second.url}/?t={token}")
    expect(
        elsewhere.get_by_role("heading", name="U hebt deze bevraging al ingevuld")
    ).to_be_visible()


# --- 4: what a failure leaves behind --------------------------------------------------------

BROKEN_TEST = """
from tests.browser.conftest import chromium  # noqa: F401
from tests.browser.e2e_support import browsers, start_app  # noqa: F401


def test_broken(tmp_path, start_app, browsers):
    start_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", warm=False)
    team = browsers.new_page("team")
    team.set_content("<h1>Overzicht</h1>")
    trainee = browsers.new_page("trainee", viewport={"width": 390, "height": 844})
    trainee.set_content("<h1>Pagina 4 van 6</h1>")
    assert "Hartelijk dank!" in trainee.content()


def test_fine(browsers):
    browsers.new_page("team").set_content("<h1>ok</h1>")
"""


def test_a_failing_browser_test_leaves_screenshots_and_server_logs(tmp_path, chromium):
    """A failing test keeps a screenshot of each of its pages and the app's log in the
    artifacts folder (test-artifacts/ in CI); a passing test leaves nothing."""
    import os
    import subprocess
    import sys

    from tests.browser.e2e_support import ROOT

    (tmp_path / "test_broken.py").write_text(BROKEN_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    artifacts = tmp_path / "artifacts"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "KTM_TEST_ARTIFACTS": str(artifacts)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 1 passed" in run.stdout, run.stdout
    (folder,) = artifacts.iterdir()
    assert folder.name == "test_broken.py_test_broken"
    assert sorted(p.name for p in folder.iterdir()) == ["00-team.png", "01-trainee.png", "app.log"]
    for shot, width in (("00-team.png", 1280), ("01-trainee.png", 390)):
        png = (folder / shot).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(png[16:20], "big") == width  # full page, device scale 1
    assert "Uvicorn server started" in (folder / "app.log").read_text()


# --- the team's URL on a fresh server -----------------------------------------------------


def test_team_url_right_after_a_start(tmp_path, start_app, browsers):  # noqa: F811
    db_url = f"sqlite:///{tmp_path / 'ktm.sqlite3'}"
    prepare_open_wave(db_url)
    app = start_app(db_url, warm=False)
    team = browsers.new_page("team")
    team.goto(f"{app.url}/team")
    expect(team.get_by_role("heading", name="Aanmelden voor het team")).to_be_visible()
    settle(team)
    expect(team.get_by_role("dialog")).to_have_count(0, timeout=1000)
