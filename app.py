"""Streamlit entry point: navigation between the pages, nothing else.

Respondents see only the public pages (the survey, the results page, the team login);
the team pages exist in the navigation only after login, and each also checks it itself.
Before login, a team page's URL (a reload, a bookmark) shows the login, and after it that page.
"""

from pathlib import Path

import streamlit as st

from ktm import webapp
from ktm.webapp import t

# The favicon is a file of ours (a material icon would be fetched from Google's font host).
st.set_page_config(
    page_title="Tevredenheid e-loket",
    page_icon=str(Path(__file__).parent / "ktm" / "assets" / "favicon.png"),
    layout="wide",
)
# First, before any text is chosen (t() fixes the language on its first call): a kept login
# also brings back its language.
user = webapp.team_user()
webapp.engine()
webapp.protect_downloads()
webapp.offline_dialog()
# A disabled uploader greys its label to 2.5:1 (WCAG 1.4.3 asks 4.5:1): the label stays
# readable, the greyed drop zone and button still say it is disabled.
# Links in captions keep the link colour at full strength: a caption fades by its opacity
# (0.6), which a link inside cannot undo (3.2:1), so a caption with a link is grey instead.
st.html(
    "<style>[data-testid=stFileUploader] [data-testid=stWidgetLabel] p"
    " {color: #4d4d4d !important}"
    " [data-testid=stCaptionContainer]:has(a) {opacity: 1; color: #666666}"
    " [data-testid=stCaptionContainer] a {color: #0047ab !important; opacity: 1}</style>"
)
webapp.page_language()

survey = st.Page(
    "views/survey.py",
    title=t("Bevraging", "Survey"),
    url_path="survey",
    icon=":material/edit_note:",
    default=True,
)
feedback = st.Page(
    "views/feedback.py",
    title=t("Wat doen we met uw feedback?", "What we do with your feedback"),
    url_path="feedback",
    icon=":material/campaign:",
)
public = [survey, feedback]

# (file, Dutch title, English title, icon), per section of the navigation.
TEAM_PAGES = {
    ("Dashboard", "Dashboard"): [
        ("views/overview.py", "Overzicht", "Overview", "dashboard"),
        ("views/response.py", "Respons", "Response", "how_to_reg"),
        ("views/results.py", "Resultaten", "Results", "bar_chart"),
        ("views/improvements.py", "Verbeterpunten", "Improvement points", "trending_up"),
        ("views/trend.py", "Trend", "Trend", "timeline"),
        ("views/methodology.py", "Methodologie", "Methodology", "menu_book"),
    ],
    ("Beheer", "Management"): [
        ("views/waves.py", "Bevragingen", "Waves", "event_note"),
        ("views/sampling.py", "Steekproef", "Sample", "group_add"),
        ("views/paper.py", "Papieren antwoorden", "Paper answers", "keyboard"),
        ("views/actions.py", "Acties", "Actions", "checklist"),
        ("views/export.py", "Excel-export", "Excel export", "download"),
    ],
}


def login_at(path: str, nl: str, en: str) -> st.Page:
    """The login in place of a team page, under that page's URL: once logged in, the same
    URL is that page (Streamlit knows a page by its URL path)."""

    def login() -> None:
        webapp.language_switch()
        webapp.login_form(target=path)

    url_path = Path(path).stem
    login.__name__ = f"login_{url_path}"
    return st.Page(login, title=t(nl, en), url_path=url_path)


if user is None:
    login = st.Page(
        "views/login.py",
        title=t("Aanmelden (team)", "Log in (team)"),
        url_path="team",
        icon=":material/login:",
    )
    stand_ins = [login_at(p, nl, en) for pages in TEAM_PAGES.values() for p, nl, en, _ in pages]
    page = st.navigation([*public, login, *stand_ins], position="hidden")
else:

    def team(path: str, nl: str, en: str, icon: str) -> st.Page:
        return st.Page(path, title=t(nl, en), icon=f":material/{icon}:")

    sections = {t(*name): [team(*spec) for spec in pages] for name, pages in TEAM_PAGES.items()}
    overview = sections[t("Dashboard", "Dashboard")][0]
    sections[t("Publiek", "Public")] = public
    page = st.navigation(sections, position="hidden")
    if st.session_state.pop(webapp.AFTER_LOGIN, False):
        st.switch_page(overview)
    # Our own links, not Streamlit's navigation menu: that one's list markup fails axe-core
    # (a <ul> holding <div>s) and folds pages away behind an English "View more".
    with st.sidebar.container(key="team_navigation"):
        for name, links in sections.items():
            st.markdown(f"**{name}**")
            for link in links:
                st.page_link(link)
    webapp.language_switch()
    if st.sidebar.button(t("Afmelden", "Log out"), icon=":material/logout:"):
        webapp.logout()
webapp.sync_session_cookie()

page.run()
