"""A first real measurement in the browser, from an EMPTY database never seeded with the demo
(issue 16): the team sees the first steps, publishes the questionnaire by upload, creates the
wave, imports the frame and draws the sample, opens fieldwork (the open link and its QR code
appear), issues the links; a trainee answers; the open link `?wave=open` starts the survey; the
team closes the wave after confirming, and uploads a second version whose reworded overall
question the page names before it is published. No demo row exists at any point.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
import sqlalchemy as sa

from store import schema
from tests.browser.e2e_support import (  # noqa: F401  (fixtures)
    ELOKET,
    TIMEOUT_MS,
    browsers,
    log_in,
    settle,
    start_app,
)
from tests.browser.test_end_to_end import (
    FRAME_SIZES,
    answer_first_half,
    answer_second_half,
    download,
    open_in_sidebar,
)
from tests.realpath.test_cli_two_measurements import REWORDED_NL, no_demo, write_v2

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=TIMEOUT_MS)


def upload(page, path) -> None:
    # The page's tabs keep every uploader in the DOM: take the one on the open tab.
    page.locator("[data-testid=stFileUploader] >> visible=true").locator(
        "input[type=file]"
    ).set_input_files(path)
    settle(page)


def tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    settle(page)


def fill(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Tab")
    settle(page)


def fill_date(page, label: str, day_month_year: str) -> None:
    """Streamlit's date field is a group of segments (day, month, year): type into them."""
    group = page.get_by_role("group", name=label, exact=True)
    group.get_by_role("spinbutton").first.click()
    page.keyboard.type(day_month_year.replace("/", ""))
    page.keyboard.press("Tab")
    settle(page)


def test_first_real_measurement_on_the_team_pages(tmp_path, start_app, browsers):  # noqa: F811
    from sampling.demo import synthetic_frame

    db_url = f"sqlite:///{tmp_path / 'ktm.sqlite3'}"
    frame = synthetic_frame(21, FRAME_SIZES)
    frame_file = tmp_path / "kader.xlsx"
    frame.to_excel(frame_file, index=False)
    v2 = tmp_path / "eloket_v2.yaml"
    write_v2(v2)
    app = start_app(db_url)

    # An empty database: the first steps, and nothing seeded.
    team = browsers.new_page("team")
    log_in(team, app.url)
    expect(team.get_by_role("heading", name="Welkom: uw eerste meting")).to_be_visible()
    expect(team.get_by_text("Publiceer de vragenlijst", exact=False)).to_be_visible()
    no_demo(db_url)

    # 1. The questionnaire, by upload.
    open_in_sidebar(team, "Bevragingen")
    tab(team, "Vragenlijsten")
    upload(team, ELOKET)
    expect(team.get_by_text(re.compile(r"Geldig: 'eloket' versie 2025\.1"))).to_be_visible()
    team.get_by_role("button", name="Publiceren").click()
    expect(team.get_by_text("Vragenlijst eloket versie 2025.1 gepubliceerd.")).to_be_visible()
    settle(team)

    # 2. The wave, in draft.
    tab(team, "Nieuwe bevraging")
    fill(team, "Naam", "Meting 2026-2027")
    fill_date(team, "Begin veldwerk", "02/11/2026")
    fill_date(team, "Einde veldwerk", "29/01/2027")
    team.get_by_text("Korte bevraging na elk contact (open link, vraag 4f)").click()
    fill(team, "Min. responsgraad (%)", "30")
    choice = team.get_by_role("combobox", name=re.compile("^Vragenlijst"))
    choice.click()
    team.keyboard.type("eloket v2025")
    team.keyboard.press("Enter")
    settle(team)
    expect(choice).to_have_value(re.compile(r"^eloket v2025\.1 \("))
    team.get_by_role("button", name="Bewaren").click()
    expect(team.get_by_text("Bevraging aangemaakt.")).to_be_visible()
    settle(team)
    tab(team, "Deze bevraging")
    expect(team.get_by_text("Nog nodig om het veldwerk te openen")).to_be_visible()
    expect(team.get_by_role("button", name="Veldwerk openen")).to_be_disabled()
    no_demo(db_url)

    # 3. Frame and sample.
    open_in_sidebar(team, "Steekproef")
    upload(team, frame_file)
    team.get_by_role("button", name="Kader inlezen").click()
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

    # 4. Open fieldwork: the open link and its QR code.
    open_in_sidebar(team, "Bevragingen")
    team.get_by_role("button", name="Veldwerk openen").click()
    expect(team.get_by_text("Het veldwerk is geopend.")).to_be_visible()
    wave_id = _wave_ids(db_url)[0]
    open_link = f"{app.url}/?wave={wave_id}"
    expect(team.get_by_text(open_link, exact=True)).to_be_visible()
    qr = team.get_by_role("img", name=f"QR-code van de open link {open_link}")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 100  # the image really loaded
    expect(team.get_by_role("button", name="QR-code als PNG (affiche)")).to_be_visible()

    # 5. The links, and a trainee who answers.
    open_in_sidebar(team, "Steekproef")
    team.get_by_role("tab", name="3. Uitnodigingen").click()
    team.get_by_role("button", name="Bestand maken").click()
    expect(team.get_by_text("30 links uitgegeven.")).to_be_visible()
    links = pd.read_excel(
        download(team, "Download uitnodigingen_bevraging", tmp_path / "links.xlsx"), dtype=str
    )
    trainee = browsers.new_page("trainee")
    trainee.goto(links[links["taal"] == "nl"].iloc[0]["persoonlijke_link"])
    answer_first_half(trainee)
    answer_second_half(trainee)

    # The open link by the word `open` while this is the one wave in fieldwork.
    visitor = browsers.new_page("visitor")
    visitor.goto(f"{app.url}/?wave=open")
    expect(visitor.get_by_text(re.compile(r"Pagina 1 van \d"))).to_be_visible()

    # 6. Close, after confirming.
    open_in_sidebar(team, "Bevragingen")
    team.get_by_role("button", name="Bevraging afsluiten").click()
    settle(team)
    expect(team.get_by_text(re.compile("afsluiten\\? Respondenten"))).to_be_visible()
    assert _status(db_url) == ["open"]
    team.get_by_role("button", name="Ja, afsluiten").click()
    expect(team.get_by_text("De bevraging is afgesloten.")).to_be_visible()
    assert _status(db_url) == ["closed"]
    settle(team)

    # 7. The next version: the page names the reworded overall question before publishing.
    tab(team, "Vragenlijsten")
    upload(team, v2)
    expect(team.get_by_text(re.compile(r"Geldig: 'eloket' versie 2026\.1"))).to_be_visible()
    expect(team.get_by_text("Anders verwoord:")).to_be_visible()
    expect(team.get_by_text(REWORDED_NL).first).to_be_visible()
    team.get_by_role("button", name="Publiceren").click()
    expect(team.get_by_text("Vragenlijst eloket versie 2026.1 gepubliceerd.")).to_be_visible()

    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        completes = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.responses)
            .where(schema.responses.c.status == "complete")
        ).scalar()
        versions = conn.execute(
            sa.select(sa.func.count()).select_from(schema.questionnaire_versions)
        ).scalar()
    engine.dispose()
    assert completes == 1 and versions == 2
    no_demo(db_url)


def _wave_ids(url: str) -> list[int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        ids = list(conn.execute(sa.select(schema.waves.c.id)).scalars())
    engine.dispose()
    return ids


def _status(url: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = list(conn.execute(sa.select(schema.waves.c.status)).scalars())
    engine.dispose()
    return out
