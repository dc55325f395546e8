"""Accessibility (issue 11 item 6, a legal duty for Flemish government sites): axe-core audits
in headless Chromium of every survey page (so every item type), the error states (validation
messages, the pages for unknown and used links) and the public page. Any serious or critical
WCAG 2.1 A/AA violation fails; so does a page whose <html lang> is not the chosen language."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.conftest import artifact_dir, settle

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
NEXT = re.compile(r"(Volgende|Verzenden|Next|Send)$")  # after the icon's name, if any


class Auditor:
    """Runs axe on each state of a page and keeps the blocking violations of all of them."""

    def __init__(self, request):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.request = request
        self.audited: list[str] = []
        self.problems: list[str] = []
        self.reports: dict[str, dict] = {}

    def __call__(self, page, state: str, lang: str) -> None:
        settle(page)
        # The page sets <html lang> from a small script once it is drawn (Streamlit itself
        # always says "en"): wait for it, then audit.
        try:
            page.wait_for_function(
                "lang => document.documentElement.lang === lang", arg=lang, timeout=15_000
            )
        except Exception:
            found = page.evaluate("document.documentElement.lang")
            raise AssertionError(f"[{state}] <html lang> is {found!r}, not {lang!r}") from None
        results = self.axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        self.audited.append(state)
        self.reports[state] = results.response
        for v in results.response["violations"]:
            if v.get("impact") in BLOCKING:
                targets = [", ".join(map(str, n["target"])) for n in v["nodes"][:3]]
                self.problems.append(
                    f"[{state}] {v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} "
                    f"element(s), e.g. {targets} — {v['helpUrl']}"
                )

    def check(self) -> None:
        if self.problems:
            folder = artifact_dir(self.request.node)
            (folder / "axe.json").write_text(json.dumps(self.reports, indent=1, default=str))
        assert self.problems == [], "\n".join(self.problems)


@pytest.fixture
def audit(request) -> Auditor:
    return Auditor(request)


def _header(page) -> str:
    headers = page.locator("h2")
    return headers.first.inner_text() if headers.count() else ""


def _errors(page):
    return page.get_by_test_id("stMain").get_by_test_id("stAlertContentError")


def _fill_page(page) -> None:
    """Answer whatever the page asks: the first option of every question, a short text."""
    main = page.get_by_test_id("stMain")
    boxes = main.get_by_test_id("stCheckbox")
    if boxes.count() and not main.locator("input[type=checkbox]:checked").count():
        boxes.first.locator("label").click()
        settle(page)
    for _ in range(3):  # questions shown by an earlier answer (skip logic) appear after a rerun
        groups = main.locator("[role=radiogroup]")
        unanswered = [
            groups.nth(i)
            for i in range(groups.count())
            if not groups.nth(i).locator("input:checked").count()
        ]
        if not unanswered:
            break
        for group in unanswered:
            group.locator("label").first.click()
        settle(page)
    texts = main.locator("textarea")
    for i in range(texts.count()):
        if not texts.nth(i).input_value():
            texts.nth(i).fill("Een duidelijker overzicht van mijn dossier.")
            texts.nth(i).blur()
    settle(page)


THANKS = re.compile("Hartelijk dank|Thank you")


def _next(page) -> None:
    """Press Next and wait for what follows: another page, the thanks, or messages."""
    before = _header(page)
    had_errors = _errors(page).count() > 0
    page.get_by_test_id("stMain").get_by_role("button", name=NEXT).click()
    page.wait_for_function(
        """([before, hadErrors]) => {
            const h = document.querySelector('h2');
            const main = document.querySelector('[data-testid=stMain]');
            const errors = document.querySelector(
                '[data-testid=stMain] [data-testid=stAlertContentError]');
            return (h && h.innerText !== before)
                || (main && /Hartelijk dank|Thank you/.test(main.innerText))
                || (!hadErrors && errors !== null);
        }""",
        arg=[before, had_errors],
    )
    settle(page)


def test_every_survey_page_and_its_validation_messages(survey_world, page, audit):
    """The open link asks every section, the profile too: each item type is on some page."""
    page.goto(f"{survey_world.url}/?wave={survey_world.open_wave_id}")
    # Wait for the form itself: the page sets <html lang> before the form is drawn (issue 18),
    # so the language check alone would audit an empty page.
    page.get_by_role("button", name=NEXT).wait_for(timeout=90_000)
    audit(page, "page 1", "nl")
    seen = [_header(page)]
    for _ in range(15):
        if "validation messages" not in " ".join(audit.audited) and page.get_by_text("*").count():
            _next(page)  # a page with required questions, nothing answered yet
            if _header(page) == seen[-1] and _errors(page).count():
                audit(page, f"page {len(seen)} with validation messages", "nl")
        _fill_page(page)
        _next(page)
        if page.get_by_text(THANKS).count():
            break
        header = _header(page)
        assert header != seen[-1], f"stuck on page {header!r}"
        seen.append(header)
        audit(page, f"page {len(seen)}: {header}", "nl")
    audit(page, "thank-you page", "nl")
    assert len(seen) >= 6, seen  # every section of the e-loket questionnaire was shown
    assert any("validation messages" in a for a in audit.audited), audit.audited
    print("audited:", audit.audited)
    audit.check()


def test_a_personal_link_in_english(survey_world, page, audit):
    page.goto(survey_world.new_link(language="en"))
    # Wait for the form itself: Streamlit's own <html lang> is "en" already, so on a cold
    # server the language check alone would pass on the loading spinner.
    page.get_by_role("button", name=NEXT).wait_for(timeout=90_000)
    audit(page, "personal link (en): first page", "en")
    assert page.get_by_role("button", name=NEXT).count()
    audit.check()


def test_refusal_pages_and_the_landing_page(survey_world, page, audit):
    page.goto(f"{survey_world.url}/?t={'x' * 43}")
    audit(page, "unknown link", "nl")
    assert page.get_by_text("Deze link werkt niet").count()

    token = survey_world.new_token()
    from store import responses as R
    from store.db import create

    engine = create(survey_world.server.db_url)
    try:
        opened = R.open_invitation(engine, token, "a11y")
        resp = R.start_or_resume(engine, invitation=opened)
        with engine.begin() as conn:  # mark it complete as a respondent would have
            import sqlalchemy as sa

            from store import schema

            conn.execute(
                sa.update(schema.invitations)
                .where(schema.invitations.c.id == opened.invitation_id)
                .values(disposition="complete")
            )
            conn.execute(
                sa.update(schema.responses)
                .where(schema.responses.c.id == resp["id"])
                .values(status="complete")
            )
    finally:
        engine.dispose()
    page.goto(f"{survey_world.url}/?t={token}&lang=en")
    audit(page, "used link (en)", "en")
    assert page.get_by_text("You have already completed this survey").count()

    page.goto(f"{survey_world.url}/")
    audit(page, "landing page", "nl")
    audit.check()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_public_feedback_page(survey_world, page, audit, lang):
    page.goto(f"{survey_world.url}/feedback?lang={lang}")
    page.locator("h1").first.wait_for(timeout=90_000)  # the page, not the loading spinner
    audit(page, f"public page ({lang})", lang)
    assert page.locator("h1").count()
    audit.check()


# --- the names a screen reader reads for the questions ---------------------------------------

CONTROLS = ("radiogroup", "radio", "checkbox", "textbox", "combobox", "spinbutton")
LANGUAGE_SWITCH = {"Taal / Language", "Nederlands", "English"}
MARKDOWN = re.compile(r"\*\*|\\\*|(?<![\w*])\*\S[^*]*\*(?![\w*])|__|\\")


def control_names(page) -> list[tuple[str, str]]:
    """(role, name) of every form control in the page's main area, as Chromium's accessibility
    tree computes them (what a screen reader announces), the language switch left out."""
    cdp = page.context.new_cdp_session(page)
    try:
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        main = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "[data-testid=stMain]"})
        found = []
        for role in CONTROLS:
            nodes = cdp.send("Accessibility.queryAXTree", {"nodeId": main["nodeId"], "role": role})
            for node in nodes["nodes"]:
                name = (node.get("name") or {}).get("value", "")
                if not node.get("ignored") and name not in LANGUAGE_SWITCH:
                    found.append((role, name))
        return found
    finally:
        cdp.detach()


def expected_names(q, section, lang: str) -> tuple[dict[str, str], set[str]]:
    """The names of the section's questions and options, from the questionnaire itself:
    {name: item id} of the groups and fields (the question, " *" when it is required; the
    statements of a UMUX/SUS item), and the names of the options (radios, checkboxes)."""
    from survey import form

    def text(t) -> str:
        return form._text(t, lang)

    groups: dict[str, str] = {}
    options: set[str] = set()
    for item in section.items:
        if item.composite:
            for statement in item.statement_texts():
                groups[text(statement)] = item.id
        elif item.type != "select_multiple":
            groups[text(item.label) + (" *" if item.required else "")] = item.id
        if item.type in ("select_one", "yesno", "select_multiple"):
            options |= {text(lbl) for _, lbl in q.choice_options(item)}
        for v, lbl in item.scale_points():
            options.add(
                f"{v} {text(lbl)}" if lbl and item.type != "scale5" else text(lbl) or str(v)
            )
        if item.na:
            options.add(text(form.NA_LABEL))
    return groups, options


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_questions_are_read_as_plain_text(survey_world, page, lang):
    """On every survey page, each question's group or field is named by the question's own
    text (no "**", "\\*" or "*...*" of the Markdown the page draws it with) and every question
    of the page has one; the options are named by their own words."""
    import sqlalchemy as sa

    from store import responses as R
    from store import schema
    from store.db import create
    from survey import form

    engine = create(survey_world.server.db_url)
    try:
        with engine.connect() as conn:
            qhash = conn.execute(
                sa.select(schema.waves.c.questionnaire_hash).where(
                    schema.waves.c.id == survey_world.open_wave_id
                )
            ).scalar_one()
        q = R.questionnaire_for(engine, qhash)
    finally:
        engine.dispose()
    by_title = {form._text(s.title, lang): s for s in q.sections}

    page.goto(f"{survey_world.url}/?wave={survey_world.open_wave_id}&lang={lang}")
    page.get_by_role("button", name=NEXT).wait_for(timeout=90_000)
    problems, named = [], 0
    for _ in range(15):
        settle(page)
        header = _header(page)
        section = by_title[header]
        groups, option_names = expected_names(q, section, lang)
        names = control_names(page)
        for role, name in names:
            if MARKDOWN.search(name):
                problems.append(f"[{header}] {role} {name!r} has Markdown in its name")
            elif role in ("radio", "checkbox") and name in option_names:
                continue
            elif name not in groups:
                problems.append(f"[{header}] {role} {name!r} is no question of this page")
        shown = {name for role, name in names}
        for name, item_id in groups.items():
            item = next(it for it in section.items if it.id == item_id)
            if not item.relevant and name not in shown:  # a conditional one may be hidden
                problems.append(f"[{header}] question {name!r} ({item_id}) has no named control")
        named += len(shown & set(groups))
        # The look: a question above its widget in bold, as its **Markdown** drew it; the
        # statements of a UMUX/SUS item and the labels of checkboxes not.
        plain = option_names | {n for n, i in groups.items() if q.item(i).composite}
        for text, weight in page.evaluate(
            """() => [...document.querySelectorAll(
                "[data-testid=stMain] [data-testid=stWidgetLabel] p")]
                .map(p => [p.innerText, getComputedStyle(p).fontWeight])"""
        ):
            if text not in LANGUAGE_SWITCH and weight != ("400" if text in plain else "600"):
                problems.append(f"[{header}] the label {text!r} has font-weight {weight}")
        _fill_page(page)
        _next(page)
        if page.get_by_text(THANKS).count():
            break
    assert problems == [], "\n".join(problems)
    print("named questions:", named)
    assert named >= 17, named  # the questions of every page were seen


XLSFORM_APP = """
import pathlib

import streamlit as st

from survey import loaders
from survey.form import render_section

q = loaders.loads_yaml(pathlib.Path(__file__).with_name("q.yaml").read_text())
render_section(q, q.sections[0], {}, st.query_params.get("lang", "nl"), "k", skip_logic=False)
"""
XLSFORM_ITEMS = """
id: t
version: "1"
languages: [nl, en]
title: {nl: T, en: T}
choices:
  land:
    - {code: be, label: {nl: België, en: Belgium}}
    - {code: nl, label: {nl: Nederland, en: Netherlands}}
sections:
  - id: p
    title: {nl: P, en: P}
    items:
      - {id: age, type: integer, required: true, label: {nl: Uw leeftijd, en: Your age},
         hint: {nl: In jaren, en: In years}}
      - {id: km, type: decimal, label: {nl: Afstand in km, en: Distance in km}}
      - {id: born, type: date, required: true, label: {nl: Geboortedatum, en: Date of birth}}
      - {id: ok, type: acknowledge, required: true, label: {nl: Ik ga akkoord, en: I agree}}
      - {id: land, type: select_one, choices: land, appearance: minimal, required: true,
         label: {nl: Uw land, en: Your country}}
      - {id: land2, type: select_one, choices: land, appearance: likert,
         label: {nl: Tweede land, en: Second country}}
      - {id: landen, type: select_multiple, choices: land, appearance: minimal, required: true,
         label: {nl: Welke landen, en: Which countries}}
      - {id: landen2, type: select_multiple, choices: land, appearance: columns,
         label: {nl: Welke landen nog, en: Which other countries}}
      - {id: uitleg, type: text, required: true, label: {nl: Uw uitleg, en: Your explanation},
         hint: {nl: Kort, en: Briefly}}
"""


@pytest.mark.parametrize(
    "lang,names",
    [
        (
            "nl",
            {
                ("spinbutton", "Uw leeftijd *"),
                ("spinbutton", "Afstand in km"),
                ("checkbox", "Ik ga akkoord *"),
                ("combobox", "Uw land *"),
                ("radiogroup", "Tweede land"),
                ("combobox", "Welke landen *"),
                ("checkbox", "België"),
                ("checkbox", "Nederland"),
                ("radio", "België"),
                ("radio", "Nederland"),
                ("textbox", "Uw uitleg *"),
            },
        ),
        (
            "en",
            {
                ("spinbutton", "Your age *"),
                ("spinbutton", "Distance in km"),
                ("checkbox", "I agree *"),
                ("combobox", "Your country *"),
                ("radiogroup", "Second country"),
                ("combobox", "Which countries *"),
                ("checkbox", "Belgium"),
                ("checkbox", "Netherlands"),
                ("radio", "Belgium"),
                ("radio", "Netherlands"),
                ("textbox", "Your explanation *"),
            },
        ),
    ],
)
def test_the_xlsform_widgets_are_named_by_their_questions(chromium, tmp_path, lang, names):
    """Numbers, dates, selects, multiselects, an acknowledgement and a text with its hint above
    it: each named by its question in plain text, and its label drawn in bold."""
    from tests.browser.conftest import AppServer

    (tmp_path / "app.py").write_text(XLSFORM_APP)
    (tmp_path / "q.yaml").write_text(XLSFORM_ITEMS)
    server = AppServer(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path, root=tmp_path)
    server.start()
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/?lang={lang}")
        page.get_by_test_id("stMain").get_by_role("checkbox").first.wait_for(timeout=90_000)
        settle(page)
        found = control_names(page)
        date = "Geboortedatum *" if lang == "nl" else "Date of birth *"
        # The date field's day, month and year are spinbuttons named "day, <question>" etc.
        dates = {n for r, n in found if r == "spinbutton" and n.endswith(", " + date)}
        assert len(dates) == 3, found
        assert set(found) - {("spinbutton", n) for n in dates} == names
        weights = page.evaluate(
            """() => [...document.querySelectorAll("[class*='st-key-ktmquestion']"
                + " [data-testid=stWidgetLabel] p")].map(p => getComputedStyle(p).fontWeight)"""
        )
        assert weights and set(weights) == {"600"}, weights  # as **bold** Markdown drew it
        # An empty dropdown asks in the page's language, not Streamlit's "Choose an option".
        shown = page.get_by_test_id("stMain").inner_text() + " ".join(
            page.eval_on_selector_all("input[placeholder]", "els => els.map(e => e.placeholder)")
        )
        if lang == "nl":
            assert "Kies een antwoord" in shown and "Kies een of meer antwoorden" in shown, shown
            assert "Choose" not in shown, shown
        else:
            assert "Choose an answer" in shown and "Choose one or more answers" in shown, shown
    finally:
        context.close()
        server.stop()
