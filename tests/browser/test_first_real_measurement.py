"""Two real measurements in the browser, from an EMPTY database never seeded with the demo
(issue 16), with only the team pages (no line of Python touches the store):

1. The team sees the first steps, publishes the questionnaire by upload, creates the wave with
   the facts the parliamentary questions need, imports the frame and draws the sample, opens
   fieldwork (the open link and its QR code appear), issues the links; a trainee answers in
   the browser; `?wave=open` starts the survey; the paper forms of fourteen sampled people are
   imported from a file, the bounces of the mail merge on the Steekproef page, the weighting
   is set on its tab; the wave is closed after confirming.
2. The next wave takes over the facts; its questionnaire is a second version whose overall
   question is reworded, uploaded on the Bevragingen page, which names the change before it is
   published; the same steps again, with higher marks.
3. The Trend page does not compare the reworded question (a row per version in the chart, "niet
   vergeleken" in the table); the Excel workbook, read back with openpyxl, answers questions
   1-11 from this data alone, its Trend sheet and question 8 name the change.

The test reads the database file only read-only; no demo row exists at any point. Few
respondents answer in the browser (that path has its own test in test_end_to_end.py); the
rest come in from the file, as paper forms of people in the sample.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from store import schema
from tests.browser.e2e_support import (  # noqa: F401  (fixtures)
    ELOKET,
    TIMEOUT_MS,
    browsers,
    download,
    log_in,
    settle,
    start_app,
)
from tests.browser.test_end_to_end import FRAME_SIZES, open_in_sidebar, tick
from tests.realpath.test_cli_two_measurements import REWORDED_NL, no_demo, write_v2
from tests.store.test_response_import import _form

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

expect = pytest.importorskip("playwright.sync_api").expect
expect.set_options(timeout=TIMEOUT_MS)

IMPORTED = 14  # paper forms per wave, linked to sampled people by unit_id
BOUNCED = 3  # addresses per wave the mail merge could not deliver
SAMPLE_N = 30
WAVES = [
    {"name": "Meting 2026-2027", "start": "02/11/2026", "end": "29/01/2027", "seed": 21,
     "mark": 6, "lift": 0},
    {"name": "Meting 2027-2028", "start": "02/11/2027", "end": "29/01/2028", "seed": 22,
     "mark": 9, "lift": 3},
]  # fmt: skip
FACTS = {  # the wave's facts, as the team types them (questions 2, 4a, 4g, 5, 6, 10, 11)
    "Doelstellingen (vraag 4a)": "Meten hoe tevreden artsen in opleiding zijn over het e-loket.",
    "Frequentie (vraag 2)": "Jaarlijks, in het najaar",
    "Populatie": "Alle zorgbeoefenaars in opleiding met een lopend dossier.",
    "Wijze van bevragen (vraag 5)": "Digitaal (webbevraging), papier op vraag",
    "Waarom zo uitgevoerd": "Door het team zelf, met open-sourcesoftware.",
    "Hoe de aspecten gekozen zijn (vraag 4g)": "De stappen van een aanvraag in het e-loket.",
    "Eén methode per regel: Nederlands | English": "Klachtenbehandeling | Complaints handling",
    "Terugkoppeling aan de respondenten (vraag 10)": "Een e-mail aan wie dat vroeg.",
    "Volgende meting gepland (vraag 11)": "Najaar 2028",
}


# --- the database, read only ----------------------------------------------------------------


def read_only(db_file: Path) -> str:
    """The database file opened read-only: the test looks, the app alone writes."""
    return f"sqlite:///file:{db_file}?mode=ro&uri=true"


def query(url: str, statement):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(statement).all()
    finally:
        engine.dispose()


def waves_in(url: str) -> list:
    w = schema.waves.c
    return query(url, sa.select(w.id, w.name, w.status, w.questionnaire_hash, w.weighting)
                 .order_by(w.id))  # fmt: skip


# --- the team's steps -----------------------------------------------------------------------


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
    # Both forms (this wave's and the new one) are in the DOM: the one on the open tab.
    box = page.get_by_label(label, exact=True).filter(visible=True)
    box.fill(value)
    box.press("Tab")
    settle(page)


def fill_date(page, label: str, day_month_year: str) -> None:
    """Streamlit's date field is a group of segments (day, month, year): type into them."""
    group = page.get_by_role("group", name=label, exact=True).filter(visible=True)
    group.get_by_role("spinbutton").first.click()
    page.keyboard.type(day_month_year.replace("/", ""))
    page.keyboard.press("Tab")
    settle(page)


def new_wave(page, spec: dict, *, facts: bool, questionnaire: str | None) -> None:
    """The Nieuwe bevraging form: name and fieldwork dates; the facts for the first wave
    (the next one takes them over from the wave chosen in the sidebar)."""
    tab(page, "Nieuwe bevraging")
    fill(page, "Naam", spec["name"])
    fill_date(page, "Begin veldwerk", spec["start"])
    fill_date(page, "Einde veldwerk", spec["end"])
    if facts:
        for label, text in FACTS.items():
            fill(page, label, text)
        page.get_by_text("Korte bevraging na elk contact (open link, vraag 4f)").click()
        fill(page, "Min. responsgraad (%)", "30")
        fill(page, "Kosten (euro)", "0")
    else:
        # Question 11 describes the wave itself: never taken over, the page asks for it.
        expect(page.get_by_text("de volgende meting (vraag 11)").first).to_be_visible()
        fill(page, "Volgende meting gepland (vraag 11)", "Najaar 2029")
    if questionnaire:
        choice = page.get_by_role("combobox", name=re.compile("^Vragenlijst")).filter(visible=True)
        choice.click()
        page.keyboard.type(questionnaire)
        page.keyboard.press("Enter")
        settle(page)
        expect(choice).to_have_value(re.compile(rf"^{re.escape(questionnaire)}\.1 \("))
    page.get_by_role("button", name="Bewaren").filter(visible=True).click()
    expect(page.get_by_text("Bevraging aangemaakt.")).to_be_visible()
    settle(page)
    # The sidebar now shows the new wave.
    expect(page.get_by_role("combobox", name="Bevraging", exact=True)).to_have_value(
        f"{spec['name']} (ontwerp)"
    )


def frame_and_sample(page, frame_file: Path, n_units: int) -> None:
    open_in_sidebar(page, "Steekproef")
    upload(page, frame_file)
    page.get_by_role("button", name="Kader inlezen").click()
    expect(page.get_by_text(f"{n_units} eenheden ingelezen uit {frame_file.name}")).to_be_visible()
    settle(page)
    tab(page, "2. Ontwerp en trekking")
    size = page.get_by_label("n", exact=True)
    size.fill(str(SAMPLE_N))
    size.press("Enter")
    settle(page)
    page.get_by_role("button", name="Steekproef trekken").click()
    expect(
        page.get_by_text(re.compile(rf"Steekproef getrokken: {SAMPLE_N} eenheden"))
    ).to_be_visible()
    settle(page)


def open_fieldwork(page) -> None:
    open_in_sidebar(page, "Bevragingen")
    page.get_by_role("button", name="Veldwerk openen").click()
    expect(page.get_by_text("Het veldwerk is geopend.")).to_be_visible()
    settle(page)


def issue_links(page, wave_id: int, target: Path) -> pd.DataFrame:
    open_in_sidebar(page, "Steekproef")
    tab(page, "3. Uitnodigingen")
    # The file of an earlier wave is not offered here (its links are not this wave's).
    expect(page.get_by_role("button", name=re.compile("^Download uitnodigingen"))).to_have_count(0)
    page.get_by_role("button", name="Bestand maken").click()
    expect(page.get_by_text(f"{SAMPLE_N} links uitgegeven.")).to_be_visible()
    name = f"Download uitnodigingen_bevraging{wave_id}.xlsx"
    return pd.read_excel(download(page, name, target), dtype=str)


def import_answers(page, path: Path) -> None:
    """Papieren antwoorden: the file of answers, in the Data sheet's layout."""
    open_in_sidebar(page, "Papieren antwoorden")
    page.get_by_text("Een bestand met antwoorden inlezen (Excel of CSV)").click()
    settle(page)
    upload(page, path)
    page.get_by_role("button", name="Antwoorden inlezen").click()
    # Sampled people's forms: said as paper forms counted in the sample, not "invited 14".
    linked = rf"{IMPORTED} antwoorden ingelezen .*{IMPORTED} papieren formulieren, gekoppeld"
    expect(page.get_by_text(re.compile(linked))).to_be_visible()
    settle(page)


def import_bounces(page, path: Path) -> None:
    open_in_sidebar(page, "Steekproef")
    tab(page, "5. Onbestelbaar en afmeldingen")
    upload(page, path)
    page.get_by_role("button", name="Lijst toepassen").click()
    expect(
        page.get_by_text(f"{path.name}: {BOUNCED} uitnodigingen nu onbestelbaar", exact=False)
    ).to_be_visible()
    settle(page)


def set_weighting(page, raking: str, upper: str) -> None:
    """The weighting tab: a choice, its preview, then stored with the wave."""
    tab(page, "6. Weging")
    tick(page.get_by_role("radio", name=raking, exact=True))
    # The bound is chosen as the page writes it (3 × gemiddeld gewicht), not typed as 3.00.
    bound = page.get_by_role("combobox", name="Bovengrens van de gewichten")
    bound.click()
    page.keyboard.type(f"{upper} × gemiddeld gewicht")
    page.keyboard.press("Enter")
    settle(page)
    expect(bound).to_have_value(f"{upper} × gemiddeld gewicht")
    page.get_by_role("button", name="Voorbeeld tonen").click()
    settle(page)
    # The preview (a data grid: its cells are drawn, not visible text) and the save button.
    expect(page.locator("td[role=gridcell]", has_text="Designeffect (Kish)")).to_have_count(1)
    page.get_by_role("button", name="Weging bewaren").click()
    expect(page.get_by_text("Weging bewaard bij de bevraging.")).to_be_visible()
    settle(page)


def close_wave(page, url: str, wave_id: int) -> None:
    open_in_sidebar(page, "Bevragingen")
    page.get_by_role("button", name="Bevraging afsluiten").click()
    settle(page)
    expect(page.get_by_text(re.compile("afsluiten\\? Respondenten"))).to_be_visible()
    assert dict((w.id, w.status) for w in waves_in(url))[wave_id] == "open"  # not before yes
    page.get_by_role("button", name="Ja, afsluiten").click()
    expect(page.get_by_text("De bevraging is afgesloten.")).to_be_visible()
    settle(page)
    assert dict((w.id, w.status) for w in waves_in(url))[wave_id] == "closed"


# --- the respondents ------------------------------------------------------------------------


def answer_briefly(page, mark: int) -> None:
    """A complete response by the shortest route: 'none of these' skips the pages on the
    e-loket; the overall mark is asked in either wording."""
    expect(page.get_by_text("Pagina 1 van 6")).to_be_visible()
    tick(page.get_by_role("checkbox", name=re.compile("^Geen van deze")))
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("Pagina 2 van 4")).to_be_visible()
    group = page.get_by_role("radiogroup", name="Hebt u vóór 2022 ook een aanvraag op papier")
    tick(group.get_by_role("radio", name="Nee", exact=True))
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("Pagina 3 van 4")).to_be_visible()
    group = page.get_by_role("radiogroup", name=re.compile("cijfer van 0 tot 10"))
    tick(group.get_by_role("radio", name=re.compile(rf"^{mark}\b")))
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_text("Pagina 4 van 4")).to_be_visible()
    page.get_by_role("button", name="Verzenden").click()
    expect(page.get_by_role("heading", name="Hartelijk dank!")).to_be_visible()


def paper_forms(units: list[str], lift: int) -> bytes:
    """Paper forms of sampled people, keyed in elsewhere, in the Data sheet's columns: a
    unit_id links each to its invitation (the profile is then known, not asked)."""
    rows = []
    for i, unit in enumerate(units):
        row = _form(i, tevredenheid=min(10, 4 + lift + i % 4))
        row.pop("response_id")
        row.update(unit_id=unit, beroep=None, opleidingsjaar=None, universiteit=None,
                   terugkoppeling="nee")  # fmt: skip
        rows.append(row)
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False)
    return buffer.getvalue()


# --- reading what came out ------------------------------------------------------------------


def chart_marks(page) -> list[str]:
    """The text alternative of every dot of the page's charts ('row, wave: value')."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg')]
            .flatMap(svg => [...svg.querySelectorAll('[aria-roledescription]')])
            .filter(e => ['point', 'circle'].includes(e.getAttribute('aria-roledescription')))
            .map(e => e.getAttribute('aria-label') || '')"""
    )


def sheet_rows(book, name: str) -> list[tuple]:
    return list(book[name].iter_rows(values_only=True))


def accountability_answers(book) -> dict[str, str]:
    """Verantwoording: question number -> the Dutch answer."""
    rows = sheet_rows(book, "Verantwoording")
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Nr")
    col = list(rows[start]).index("Antwoord")
    return {str(r[0]): str(r[col]) for r in rows[start + 1 :] if r and r[0]}


# --- the test -------------------------------------------------------------------------------


def test_two_real_measurements_on_the_team_pages(tmp_path, start_app, browsers):  # noqa: F811
    from sampling.demo import synthetic_frame

    db_file = tmp_path / "ktm.sqlite3"
    ro = read_only(db_file)
    v2 = tmp_path / "eloket_v2.yaml"
    write_v2(v2)
    app = start_app(f"sqlite:///{db_file}")

    # An empty database: the first steps, and nothing seeded.
    team = browsers.new_page("team")
    log_in(team, app.url)
    expect(team.get_by_role("heading", name="Welkom: uw eerste meting")).to_be_visible()
    expect(team.get_by_text("Publiceer de vragenlijst", exact=False)).to_be_visible()
    no_demo(ro)

    # The questionnaire, by upload.
    open_in_sidebar(team, "Bevragingen")
    tab(team, "Vragenlijsten")
    upload(team, ELOKET)
    expect(team.get_by_text(re.compile(r"Geldig: 'eloket' versie 2025\.1"))).to_be_visible()
    team.get_by_role("button", name="Publiceren").click()
    expect(team.get_by_text("Vragenlijst eloket versie 2025.1 gepubliceerd.")).to_be_visible()
    settle(team)

    wave_ids = []
    for k, spec in enumerate(WAVES):
        # The wave, in draft: it cannot open before it has a sample.
        if k == 0:
            new_wave(team, spec, facts=True, questionnaire="eloket v2025")
        else:
            new_wave(team, spec, facts=False, questionnaire=None)  # facts taken over
            # The second version, uploaded for this wave: the page names what changed first.
            tab(team, "Vragenlijsten")
            upload(team, v2)
            expect(team.get_by_text(re.compile(r"Geldig: 'eloket' versie 2026\.1"))).to_be_visible()
            expect(team.get_by_text("Anders verwoord:")).to_be_visible()
            expect(team.get_by_text(REWORDED_NL).first).to_be_visible()
            expect(team.get_by_label(f"Gebruiken voor {spec['name']}")).to_be_checked()
            team.get_by_role("button", name="Publiceren").click()
            expect(
                team.get_by_text("Vragenlijst eloket versie 2026.1 gepubliceerd.")
            ).to_be_visible()
            settle(team)
        (wave_id,) = [w.id for w in waves_in(ro) if w.name == spec["name"]]
        wave_ids.append(wave_id)
        tab(team, "Deze bevraging")
        expect(team.get_by_text("Nog nodig om het veldwerk te openen")).to_be_visible()
        expect(team.get_by_role("button", name="Veldwerk openen")).to_be_disabled()
        no_demo(ro)

        # Frame, sample, fieldwork, links.
        frame = synthetic_frame(spec["seed"], FRAME_SIZES)
        frame_file = tmp_path / f"kader_{k + 1}.xlsx"
        frame.to_excel(frame_file, index=False)
        frame_and_sample(team, frame_file, len(frame))
        open_fieldwork(team)
        if k == 0:  # the open link and its QR code, for a poster
            open_link = f"{app.url}/?wave={wave_id}"
            expect(team.get_by_text(open_link, exact=True)).to_be_visible()
            qr = team.get_by_role("img", name=f"QR-code van de open link {open_link}")
            expect(qr).to_be_visible()
            assert qr.evaluate("img => img.naturalWidth") > 100  # the image really loaded
            expect(team.get_by_role("button", name="QR-code als PNG (affiche)")).to_be_visible()
        links = issue_links(team, wave_id, tmp_path / f"links_{k + 1}.xlsx")
        assert len(links) == SAMPLE_N

        # One trainee answers in the browser with the personal link.
        online = links[links["taal"] == "nl"].iloc[0]
        trainee = browsers.new_page(f"trainee-{k + 1}")
        trainee.goto(online["persoonlijke_link"])
        answer_briefly(trainee, spec["mark"])
        trainee.close()
        if k == 0:  # the open link by the word `open`, while this is the one wave open
            visitor = browsers.new_page("visitor")
            visitor.goto(f"{app.url}/?wave=open")
            expect(visitor.get_by_text(re.compile(r"Pagina 1 van \d"))).to_be_visible()
            visitor.close()

        # Paper forms of fourteen other sampled people, and three bounced addresses.
        others = links[links["unit_id"] != online["unit_id"]]
        forms = tmp_path / f"papier_{k + 1}.xlsx"
        forms.write_bytes(paper_forms(list(others["unit_id"][:IMPORTED]), spec["lift"]))
        import_answers(team, forms)
        bounces = tmp_path / f"bounces_{k + 1}.csv"
        bounces.write_text("email\n" + "\n".join(others["email"].tail(BOUNCED)) + "\n")
        import_bounces(team, bounces)
        if k == 0:
            set_weighting(team, "Geen raking", "3")
        else:
            set_weighting(team, "Automatisch (onevenwichtige variabelen)", "4")
        close_wave(team, ro, wave_id)
        no_demo(ro)

    # What the store holds: two closed waves, each with its own version and weighting.
    stored = waves_in(ro)
    assert [(w.name, w.status) for w in stored] == [(s["name"], "closed") for s in WAVES]
    assert stored[0].questionnaire_hash != stored[1].questionnaire_hash
    weighting = [w.weighting if isinstance(w.weighting, dict) else json.loads(w.weighting)
                 for w in stored]  # fmt: skip
    assert weighting[0]["margins"] == [] and weighting[0]["trim"] == {"upper_ratio": 3.0}
    # "Automatisch", fixed when the wave closed (anonymising could not redo the choice)
    assert weighting[1]["auto"] is True and isinstance(weighting[1]["margins"], list)
    assert weighting[1]["trim"] == {"upper_ratio": 4.0}
    inv, resp = schema.invitations.c, schema.responses.c
    for wave_id in wave_ids:
        by_disposition = dict(
            query(
                ro,
                sa.select(inv.disposition, sa.func.count())
                .where(inv.wave_id == wave_id)
                .group_by(inv.disposition),
            )
        )
        assert by_disposition.get("bounced") == BOUNCED, by_disposition
        (completes,) = query(
            ro,
            sa.select(sa.func.count()).where(
                resp.wave_id == wave_id, resp.status == "complete", resp.mode == "invited"
            ),
        )[0]
        assert completes == 1 + IMPORTED

    # The trend: the reworded overall question is not compared, on the chart nor in the table.
    open_in_sidebar(team, "Trend")
    expect(team.get_by_role("combobox", name="Bevraging", exact=True)).to_have_value(
        f"{WAVES[1]['name']} (afgesloten)"
    )
    warning = team.get_by_text("Niet vergeleken, omdat de vraag veranderde", exact=False)
    expect(warning).to_be_visible()
    expect(
        team.get_by_text("vraagtekst gewijzigd in versie 2026.1", exact=False).first
    ).to_be_visible()
    # The table of the last change: its Verandering cell (a data grid's cell, drawn, so not
    # visible as text) says the overall question is not compared; no other score is affected.
    changed = team.locator("td[role=gridcell]", has_text=re.compile("niet vergeleken$"))
    expect(changed).to_have_count(1)
    assert changed.text_content().startswith("vraagtekst gewijzigd in versie 2026.1")
    marks = chart_marks(team)
    old = [m for m in marks if m.startswith("Algemene tevredenheid (0-100) (vóór versie 2026.1)")]
    new = [m for m in marks if m.startswith("Algemene tevredenheid (0-100): vraagtekst gewijzigd")]
    assert [m.split(", ")[-1].split(":")[0] for m in old] == [WAVES[0]["name"]], marks
    assert len(new) == 1 and WAVES[1]["name"] in new[0] and "niet vergeleken" in new[0], marks
    assert not [m for m in marks if m.startswith("Algemene tevredenheid (0-100),")], marks
    # An aspect asked the same way in both versions keeps one row with both waves.
    same = [m.split(", ")[1].split(":")[0] for m in marks if m.startswith("Aanmelden (0-100),")]
    assert same == [WAVES[0]["name"], WAVES[1]["name"]], marks

    # The Excel workbook, read back.
    open_in_sidebar(team, "Excel-export")
    team.get_by_role("button", name="Bestanden maken").click()
    workbook = download(team, "Excel-werkmap downloaden", tmp_path / "export.xlsx")
    book = openpyxl.load_workbook(workbook, read_only=True)
    answers = accountability_answers(book)
    numbers = {k.split(".")[0].rstrip("abcdefgh") for k in answers}
    assert {str(i) for i in range(1, 12)} <= numbers, sorted(answers)
    unset = {k: v for k, v in answers.items() if "niet vastgelegd" in v.lower()}
    assert not unset, unset  # every answer from what the team entered on the pages
    assert WAVES[1]["name"] in answers["1"] and "Najaar 2029" in answers["11"]  # typed for wave 2
    assert "Klachtenbehandeling" in answers["3"]
    assert str(SAMPLE_N) in answers["4b"]
    assert WAVES[0]["name"] in answers["8"]  # the previous wave is the team's own
    assert "vraagtekst gewijzigd in versie 2026.1" in answers["8"], answers["8"]
    header, *trend = sheet_rows(book, "Trend")
    trend = [dict(zip(header, r, strict=False)) for r in trend]
    overall = next(r for r in trend if r.get("Score-id") == "overall_0_100:tevredenheid")
    assert str(overall["Niet vergeleken"]).endswith("niet vergeleken"), overall
    assert overall["Verschil / Difference"] in (None, "")
    header, *data = sheet_rows(book, "Data")
    assert len(data) == 1 + IMPORTED
    book.close()
    no_demo(ro)
