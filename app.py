"""Streamlit entry point: navigation between the pages, nothing else.

Respondents see only the public pages (the survey, the results page, the team login);
the team pages exist in the navigation only after login, and each also checks it itself.
"""

import streamlit as st

from ktm import webapp
from ktm.webapp import t

st.set_page_config(
    page_title="Tevredenheid e-loket", page_icon=":material/fact_check:", layout="wide"
)
webapp.engine()
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

if webapp.team_user() is None:
    login = st.Page(
        "views/login.py",
        title=t("Aanmelden (team)", "Log in (team)"),
        url_path="team",
        icon=":material/login:",
    )
    page = st.navigation([*public, login], position="hidden")
else:

    def team(path: str, nl: str, en: str, icon: str) -> st.Page:
        return st.Page(path, title=t(nl, en), icon=f":material/{icon}:")

    overview = team("views/overview.py", "Overzicht", "Overview", "dashboard")
    page = st.navigation(
        {
            t("Dashboard", "Dashboard"): [
                overview,
                team("views/response.py", "Respons", "Response", "how_to_reg"),
                team("views/results.py", "Resultaten", "Results", "bar_chart"),
                team(
                    "views/improvements.py", "Verbeterpunten", "Improvement points", "trending_up"
                ),
                team("views/trend.py", "Trend", "Trend", "timeline"),
                team("views/methodology.py", "Methodologie", "Methodology", "menu_book"),
            ],
            t("Beheer", "Management"): [
                team("views/waves.py", "Bevragingen", "Waves", "event_note"),
                team("views/sampling.py", "Steekproef", "Sample", "group_add"),
                team("views/paper.py", "Papieren antwoorden", "Paper answers", "keyboard"),
                team("views/actions.py", "Acties", "Actions", "checklist"),
                team("views/export.py", "Excel-export", "Excel export", "download"),
            ],
            t("Publiek", "Public"): public,
        },
        expanded=True,  # every team page in view (no "View N more" hiding the Excel export)
    )
    if st.session_state.pop(webapp.AFTER_LOGIN, False):
        st.switch_page(overview)
    webapp.language_switch()
    if st.sidebar.button(t("Afmelden", "Log out"), icon=":material/logout:"):
        webapp.logout()

page.run()
