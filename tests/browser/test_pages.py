"""Every page as a civil servant and a trainee see it (issue 18), in headless Chromium at
1280x900 and 390x844, in Dutch and English: a screenshot of each page (kept in
test-artifacts/ when a test fails), and on each page

- every category of every chart has its label (the text alternative of each bar or dot names
  a category; that name must be written in the chart);
- each rating scale of the survey is one row, also on the phone;
- the team stays logged in from page to page, each opened by its URL (a new browser session:
  the same as a reload or a bookmark);
- no request leaves the app's own host (favicon and fonts included);
- axe-core finds no serious or critical WCAG 2.1 A/AA violation.
"""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import ARTIFACTS, TEAM_PASSWORD, TIMEOUT_MS
from tests.browser.e2e_support import settle
from tests.browser.test_accessibility import WCAG_TAGS

VIEWPORTS = {
    "desk": dict(viewport={"width": 1280, "height": 900}),
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
}
# (url path, Dutch title, English title)
TEAM_PAGES = [
    ("overview", "Overzicht", "Overview"),
    ("response", "Respons", "Response"),
    ("results", "Resultaten", "Results"),
    ("improvements", "Verbeterpunten", "Improvement points"),
    ("trend", "Trend", "Trend"),
    ("methodology", "Methodologie", "Methodology"),
    ("waves", "Bevragingen", "Waves"),
    ("sampling", "Steekproef", "Sample"),
    ("paper", "Papieren antwoorden", "Paper answers"),
    ("actions", "Acties", "Actions"),
    ("export", "Excel-export", "Excel export"),
]
NEXT = re.compile(r"(Volgende|Verzenden|Next|Send)$")


class Visit:
    """One person's browser: records every request, audits and photographs each page."""

    def __init__(self, chromium, tmp_path, request, kind: str, lang: str):
        from axe_playwright_python.sync_playwright import Axe

        self.context = chromium.new_context(locale="nl-BE", **VIEWPORTS[kind])
        self.context.set_default_timeout(TIMEOUT_MS)
        self.requests: list[str] = []
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page = self.context.new_page()
        self.axe = Axe()
        self.folder = tmp_path / f"{kind}-{lang}"
        self.folder.mkdir()
        self.request, self.kind, self.lang = request, kind, lang
        self.problems: list[str] = []
        self.reports: dict[str, dict] = {}
        self.shots = 0

    def check_page(self, name: str) -> None:
        """Screenshot the whole page, check its charts and run axe on it."""
        page = self.page
        settle(page)
        # Uploaders, tables and charts load their code after the script run: wait for them.
        # Nothing faded as stale from the previous run either (axe would measure the fade).
        page.wait_for_function(
            "() => !document.querySelector('[data-testid^=stSkeleton], [data-stale=true]')",
            timeout=TIMEOUT_MS,
        )
        page.wait_for_timeout(400)
        self.shots += 1
        self.screenshot(f"{self.shots:02d}-{name}")
        for problem in chart_label_problems(page):
            self.problems.append(f"[{name}] {problem}")
        # A violation counts when two audits in a row find it: the Overview redraws itself
        # every few seconds, and axe would measure an element fading during a redraw.
        first, second = (
            self.axe.run(
                page,
                options={
                    "runOnly": {"type": "tag", "values": WCAG_TAGS},
                    "resultTypes": ["violations"],
                },
            ).response
            for _ in range(2)
        )
        self.reports[name] = second

        def blocking(report) -> dict[tuple, dict]:
            return {
                (v["id"], str(n["target"])): v
                for v in report["violations"]
                if v.get("impact") in ("serious", "critical")
                for n in v["nodes"]
            }

        again = blocking(second)
        for key, v in blocking(first).items():
            if key in again:
                self.problems.append(
                    f"[{name}] axe {v['id']} ({v['impact']}): {v['help']}, {key[1]}"
                )

    def screenshot(self, name: str) -> None:
        """The whole page: Streamlit scrolls inside its main area, so the window is made as
        tall as the content for the picture."""
        page = self.page
        size = page.viewport_size
        height = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain] *')]"
            ".slice(0, 60).map(e => e.scrollHeight))"
        )
        page.set_viewport_size({"width": size["width"], "height": min(max(height, 200), 8000)})
        page.wait_for_timeout(300)
        page.screenshot(path=str(self.folder / f"{name}.png"))
        page.set_viewport_size(size)

    def foreign_requests(self, base_url: str) -> list[str]:
        own = urlsplit(base_url).netloc
        return sorted(
            {u for u in self.requests if urlsplit(u).scheme in ("http", "https", "ws", "wss")
             and urlsplit(u).netloc != own}
        )  # fmt: skip

    def close(self, failed: bool) -> None:
        import os

        if failed or os.environ.get("KTM_KEEP_SCREENSHOTS") == "1":  # 1: to look at them
            target = ARTIFACTS / "pages" / f"{self.request.node.name}"
            shutil.copytree(self.folder, target, dirs_exist_ok=True)
            (target / "axe.json").write_text(json.dumps(self.reports, indent=1, default=str))
        self.context.close()


def chart_label_problems(page) -> list[str]:
    """For every chart on the page: the categories its marks stand for (their text
    alternative, 'category: value' or 'category, wave: value') that are not written in it."""
    found = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart] svg')].map(svg => ({
            texts: [...svg.querySelectorAll('text')].map(t => {
                const lines = [...t.querySelectorAll('tspan')];
                return lines.length ? lines.map(l => l.textContent).join(' ') : t.textContent;
            }).join(' '),
            marks: [...svg.querySelectorAll('[aria-roledescription]')]
                .filter(e => ['bar', 'point', 'circle', 'line', 'line mark'].includes(
                    e.getAttribute('aria-roledescription')))
                .map(e => e.getAttribute('aria-label') || ''),
        }))"""
    )
    problems = []
    for i, chart in enumerate(found):
        written = " ".join(chart["texts"].split())
        if not chart["marks"]:
            problems.append(f"chart {i + 1} draws no bars or dots")
        for mark in chart["marks"]:
            category = re.split(r"[:,] ", mark, maxsplit=1)[0].strip()
            if " ".join(category.split()) not in written:
                problems.append(f"chart {i + 1}: {category!r} has no label (written: {written!r})")
    return problems


@pytest.fixture
def visit(chromium, tmp_path, request):
    made: list[Visit] = []

    def open_visit(kind: str, lang: str) -> Visit:
        v = Visit(chromium, tmp_path, request, kind, lang)
        made.append(v)
        return v

    yield open_visit
    failed = any(
        getattr(request.node, f"rep_{w}", None) is not None
        and getattr(request.node, f"rep_{w}").failed
        for w in ("setup", "call")
    )
    for v in made:
        v.close(failed)


def _log_in(v: Visit, base_url: str) -> None:
    from playwright.sync_api import expect

    page = v.page
    page.goto(f"{base_url}/team?lang={v.lang}")
    label = "Teamwachtwoord" if v.lang == "nl" else "Team password"
    page.get_by_label(label).fill(TEAM_PASSWORD)
    page.get_by_role("button", name="Aanmelden" if v.lang == "nl" else "Log in").click()
    expect(
        page.get_by_role("heading", name=TEAM_PAGES[0][1 if v.lang == "nl" else 2])
    ).to_be_visible(timeout=90_000)
    # The pages below are typed URLs: they need the login's cookie, which the page's script
    # sets just after the login's run is drawn (a person does not type a URL within that second).
    from ktm import auth

    page.wait_for_function(f"() => document.cookie.includes('{auth.SESSION_COOKIE}=ey')")


@pytest.mark.parametrize("kind", ["desk", "phone"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_team_page(survey_world, visit, kind, lang):
    from playwright.sync_api import expect

    v = visit(kind, lang)
    _log_in(v, survey_world.url)
    for path, nl, en in TEAM_PAGES:
        # Typed into the address bar: a new browser session, still logged in, same language.
        v.page.goto(f"{survey_world.url}/{path}")
        expect(
            v.page.get_by_role("heading", name=nl if lang == "nl" else en, exact=True)
        ).to_be_visible(timeout=60_000)
        v.check_page(path)
    assert v.foreign_requests(survey_world.url) == []
    assert v.problems == [], "\n".join(v.problems)


def _scale_rows(page) -> list[str]:
    """The scales on the page whose points do not stand on one row."""
    return page.evaluate(
        """() => [...document.querySelectorAll("[class*='st-key-ktmscale'] [role=radiogroup]")]
            .map(group => {
                const wrap = group.closest("[class*='st-key-ktmscale']");
                const na = /st-key-ktmscalena/.test(wrap.className);
                let circles = [...group.querySelectorAll('label[data-testid=stRadioOption]')];
                if (na) circles = circles.slice(0, -1);
                const tops = circles.map(c => Math.round(c.getBoundingClientRect().top));
                const label = group.getAttribute('aria-label') || '';
                return new Set(tops).size === 1 ? null : `${label}: rows at ${tops}`;
            }).filter(x => x)"""
    )


def _answer_everything(page) -> None:
    main = page.get_by_test_id("stMain")
    boxes = main.get_by_test_id("stCheckbox")
    if boxes.count() and not main.locator("input[type=checkbox]:checked").count():
        boxes.first.locator("label").click()
        settle(page)
    for _ in range(3):  # questions shown by an earlier answer appear after a rerun
        groups = main.locator("[role=radiogroup]")
        open_ = [
            groups.nth(i)
            for i in range(groups.count())
            if not groups.nth(i).locator("input:checked").count()
        ]
        if not open_:
            break
        for group in open_:
            group.locator("label").first.click()
        settle(page)
    texts = main.locator("textarea")
    for i in range(texts.count()):
        if not texts.nth(i).input_value():
            texts.nth(i).fill("Sneller antwoord.")
            texts.nth(i).blur()
    settle(page)


@pytest.mark.parametrize("kind", ["desk", "phone"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_survey_page(survey_world, visit, kind, lang):
    v = visit(kind, lang)
    page = v.page
    page.goto(f"{survey_world.url}/?wave={survey_world.open_wave_id}&lang={lang}")
    page.get_by_role("button", name=NEXT).wait_for(timeout=90_000)
    rows_checked = 0
    for number in range(1, 12):
        settle(page)
        v.check_page(f"survey-page-{number}")
        bad = _scale_rows(page)
        assert bad == [], bad
        rows_checked += page.locator("[class*='st-key-ktmscale'] [role=radiogroup]").count()
        # A respondent's headings carry no link icon: a link into a survey page leads nowhere.
        assert page.get_by_test_id("stMain").locator("h1 a, h2 a, h3 a").count() == 0
        bar = page.get_by_test_id("stProgress")
        if not page.get_by_role("button", name=re.compile("(Verzenden|Send)$")).count():
            _answer_everything(page)
            page.get_by_role("button", name=NEXT).click()
            continue
        # The last page: the bar is full before sending.
        assert bar.get_by_role("progressbar").get_attribute("aria-valuenow") == "100"
        _answer_everything(page)
        page.get_by_role("button", name=NEXT).click()
        break
    page.get_by_text(re.compile("Hartelijk dank|Thank you")).first.wait_for(timeout=60_000)
    v.check_page("thank-you")
    assert rows_checked >= 10  # the 5-, 7- and 11-point scales were all on some page
    assert v.foreign_requests(survey_world.url) == []
    assert v.problems == [], "\n".join(v.problems)


def test_a_reload_keeps_the_team_logged_in_and_an_expired_login_says_so(survey_world, visit):
    import time

    from playwright.sync_api import expect

    from ktm import auth

    v = visit("desk", "en")
    _log_in(v, survey_world.url)
    # The page's script sets the cookie once the login's run is drawn: a URL typed before
    # that instant finds no login yet (the same for a person, within a second of logging in).
    v.page.wait_for_function(f"() => document.cookie.includes('{auth.SESSION_COOKIE}=ey')")
    v.page.goto(f"{survey_world.url}/results")
    results = v.page.get_by_role("heading", name="Results", exact=True)
    expect(results).to_be_visible(timeout=60_000)
    v.page.reload()
    expect(results).to_be_visible(timeout=60_000)
    [cookie] = [c for c in v.context.cookies() if c["name"] == auth.SESSION_COOKIE]
    assert cookie["sameSite"] == "Strict" and cookie["expires"] > time.time() + 8 * 3600
    # A cookie past its time: the login page, saying why, and then the page asked for.
    secret = (survey_world.server.workdir / "var" / "session_secret").read_text().strip()
    old = auth.make_session(secret.encode(), "team", "en", time.time() - 60)
    v.context.add_cookies([{**cookie, "value": old}])
    v.page.goto(f"{survey_world.url}/trend")
    expect(v.page.get_by_text("Your login has expired")).to_be_visible()
    v.page.get_by_label("Team password").fill(TEAM_PASSWORD)
    v.page.get_by_role("button", name="Log in").click()
    expect(v.page.get_by_role("heading", name="Trend", exact=True)).to_be_visible()
    # The language chosen in the sidebar is kept by the cookie too: a typed URL after the
    # switch is in that language (QA finding 12), once the rewritten cookie is there.
    english_cookie = v.page.evaluate("() => document.cookie")
    v.page.get_by_role("radiogroup", name="Taal / Language").get_by_text("Nederlands").click()
    v.page.wait_for_function(f"() => document.cookie !== {json.dumps(english_cookie)}")
    v.page.goto(f"{survey_world.url}/results")
    expect(v.page.get_by_role("heading", name="Resultaten", exact=True)).to_be_visible()
    # Logging out takes the cookie away: a reload is logged out.
    v.page.get_by_role("button", name="Afmelden").click()
    expect(v.page.get_by_role("heading", name="Aanmelden voor het team")).to_be_visible()
    v.page.wait_for_function(f"() => !document.cookie.includes('{auth.SESSION_COOKIE}=ey')")
    v.page.reload()
    expect(v.page.get_by_role("heading", name="Aanmelden voor het team")).to_be_visible()
    assert v.foreign_requests(survey_world.url) == []
