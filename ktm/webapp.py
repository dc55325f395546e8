"""What every page of the app shares: the database, the language, the login, the wave selector.

Pages stay thin: they call this module and the packages (survey, sampling, analysis, store)
and lay out the result. Only this module and the pages import Streamlit.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from ktm import auth
from ktm.config import database_url

LANGS = {"nl": "Nederlands", "en": "English"}
TEAM_KEY = "team_user"
# Set by the login: the next run opens the dashboard (the login page is gone from the
# navigation then, and Streamlit would fall back to the public survey page).
AFTER_LOGIN = "after_login"


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> Engine:
    from store.db import get_engine

    return get_engine(url)  # upgrades the schema on first use; never seeds the demo world


def engine() -> Engine:
    """The app's engine, its schema upgraded (an empty database stays empty)."""
    with st.spinner("Databank voorbereiden… / Preparing the database…"):
        return _engine(database_url())


# --- language -------------------------------------------------------------------------------


def lang() -> str:
    if "lang" not in st.session_state:
        requested = st.query_params.get("lang", "nl")
        st.session_state["lang"] = requested if requested in LANGS else "nl"
    return st.session_state["lang"]


def t(nl: str, en: str) -> str:
    """The text in the chosen language (Dutch first)."""
    return en if lang() == "en" else nl


def _language_chosen() -> None:
    st.session_state["lang"] = st.session_state["lang_switch"]


def language_switch(where: Any = None) -> None:
    """The NL/EN switch. The language itself lives in session_state["lang"], which survives
    pages without the switch; the widget is re-synced to it on every run, so a language set
    elsewhere (a link's ?lang=, a test) is never overwritten by the widget's old value."""
    where = where or st.sidebar
    st.session_state["lang_switch"] = lang()
    where.radio(
        "Taal / Language",
        list(LANGS),
        format_func=LANGS.get,
        horizontal=True,
        key="lang_switch",
        on_change=_language_chosen,
    )


# Streamlit's own widget texts are English and it has no setting for them; in Dutch the page
# replaces them (the file uploader's drop zone and button, the date inputs' placeholder).
_STREAMLIT_NL = {
    "Drag and drop a file here": "Sleep een bestand hierheen",
    "Drag and drop directories here": "Sleep mappen hierheen",
    "Upload directories": "Mappen kiezen",
    "Drag and drop files here": "Sleep bestanden hierheen",
    "Browse files": "Bestand kiezen",
    "Upload": "Bestand kiezen",
    "per file": "per bestand",
    "Limit": "Maximaal",
    "DD/MM/YYYY": "DD/MM/JJJJ",
    "Choose an option": "Kies een optie",
    "No results": "Geen resultaten",
}

_PAGE_SCRIPT = """<script>
(() => {
  const doc = window.parent ? window.parent.document : document;
  doc.documentElement.lang = %(lang)s;
  const words = %(words)s;
  const keys = Object.keys(words).sort((a, b) => b.length - a.length);
  const swap = (text) => keys.reduce((t, k) => t.split(k).join(words[k]), text);
  const fix = (root) => {
    if (!keys.length) return;
    const zones = root.querySelectorAll(
      '[data-testid="stFileUploaderDropzone"], [data-testid="stFileUploader"] button'
    );
    zones.forEach((zone) => {
      const walker = doc.createTreeWalker(zone, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const t = swap(n.nodeValue);
        if (t !== n.nodeValue) n.nodeValue = t;
      }
    });
    root.querySelectorAll('input[placeholder]').forEach((input) => {
      const t = swap(input.placeholder);
      if (t !== input.placeholder) input.placeholder = t;
    });
  };
  fix(doc);
  if (doc.__ktmObserver) doc.__ktmObserver.disconnect();
  const observer = new MutationObserver(() => fix(doc));
  observer.observe(doc.body, { childList: true, subtree: true });
  doc.__ktmObserver = observer;
})();
</script>"""


def page_language(where: str = "app") -> None:
    """The page's language for screen readers (WCAG 3.1.1; Streamlit leaves <html lang="en">)
    and, in Dutch, Dutch for Streamlit's own widget texts. app.py draws it on every run; a page
    that settles its language during the run (the survey: the invitation's language) draws it
    again at its end, and the last one wins."""
    import json

    words = _STREAMLIT_NL if lang() == "nl" else {}
    st.html('<style>[class*="st-key-ktm_page_language"]{display:none}</style>')
    with st.container(key=f"ktm_page_language_{where}"):
        st.html(
            _PAGE_SCRIPT % {"lang": json.dumps(lang()), "words": json.dumps(words)},
            unsafe_allow_javascript=True,
        )


# --- login ----------------------------------------------------------------------------------


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def _secrets_section() -> dict | None:
    try:
        return dict(st.secrets.get("ktm", {}))
    except Exception:
        return None


def team_user() -> str | None:
    """Who of the team is logged in, or None."""
    if oidc_configured():
        user = getattr(st, "user", None)
        if user is not None and user.get("is_logged_in"):
            return str(user.get("email") or user.get("name") or "team")
        return None
    return st.session_state.get(TEAM_KEY)


def login_form() -> None:
    """The login: OIDC when `[auth]` is configured, else the team password."""
    st.title(t("Aanmelden voor het team", "Team login"))
    if oidc_configured():
        st.write(
            t(
                "Meld u aan met uw account van de Vlaamse overheid.",
                "Log in with your Flemish government account.",
            )
        )
        if st.button(t("Aanmelden", "Log in"), type="primary"):
            st.login()
        return
    stored = auth.configured_hash(_secrets_section())
    if stored is None:
        st.error(
            t(
                "Er is geen teamwachtwoord ingesteld. Stel er een in met `ktm team-password`.",
                "No team password is configured. Set one with `ktm team-password`.",
            )
        )
        return
    with st.form("login"):
        password = st.text_input(t("Teamwachtwoord", "Team password"), type="password")
        submitted = st.form_submit_button(t("Aanmelden", "Log in"), type="primary")
    if submitted:
        if auth.verify_password(password, stored):
            st.session_state[TEAM_KEY] = "team"
            st.session_state[AFTER_LOGIN] = True
            st.rerun()
        st.error(t("Onjuist wachtwoord.", "Wrong password."))


def logout() -> None:
    if oidc_configured():
        st.logout()
    st.session_state.pop(TEAM_KEY, None)
    st.rerun()


def require_team() -> str:
    """Stop the page unless a team member is logged in (a page may be run directly)."""
    user = team_user()
    if user is None:
        st.error(t("Deze pagina is alleen voor het team.", "This page is for the team only."))
        st.stop()
    return user


# --- waves ----------------------------------------------------------------------------------


@st.cache_data(ttl=5, show_spinner=False)
def list_waves(url: str) -> list[dict]:
    from store.db import get_engine, reading
    from store.waves import list_waves as _list

    with reading(get_engine(url)) as conn:
        return _list(conn)


def wave_selector() -> dict | None:
    """The wave chosen in the sidebar (default: the latest), shared by every team page."""
    engine()
    waves = list_waves(database_url())
    if not waves:
        first_run()
        return None
    ids = [w["id"] for w in waves]
    by_id = {w["id"]: w for w in waves}
    current = st.session_state.get("wave_id")
    index = ids.index(current) if current in ids else len(ids) - 1
    status = {
        "draft": t("ontwerp", "draft"),
        "open": t("loopt", "open"),
        "closed": t("afgesloten", "closed"),
    }
    chosen = st.sidebar.selectbox(
        t("Bevraging", "Wave"),
        ids,
        index=index,
        format_func=lambda i: f"{by_id[i]['name']} ({status.get(by_id[i]['status'], '')})",
        key="wave_select",
    )
    st.session_state["wave_id"] = chosen
    return by_id[chosen]


def first_run() -> None:
    """What to do first on an empty database: the steps of a first real measurement."""
    from ktm.services.waves import first_steps

    steps = first_steps(engine())
    st.subheader(t("Welkom: uw eerste meting", "Welcome: your first measurement"))
    st.write(
        t(
            "Deze databank is nog leeg. Zo zet u een echte meting op; elke stap kan op de "
            "pagina's hieronder of met het commando `ktm`.",
            "This database is still empty. This is how you set up a real measurement; each "
            "step can be done on the pages below or with the `ktm` command.",
        )
    )
    done = ":material/check_circle:", ":material/radio_button_unchecked:"
    rows = [
        (
            steps.questionnaires > 0,
            "**Publiceer de vragenlijst** (Bevragingen → Vragenlijsten, of "
            "`ktm questionnaire publish data/questionnaire/eloket.yaml`).",
            "**Publish the questionnaire** (Waves → Questionnaires, or "
            "`ktm questionnaire publish data/questionnaire/eloket.yaml`).",
        ),
        (
            steps.waves > 0,
            "**Maak een bevraging** met haar veldwerkdata en vragenlijst (Bevragingen → Nieuwe "
            "bevraging, of `ktm wave create --name ... --start ... --end ...`).",
            "**Create a wave** with its fieldwork dates and questionnaire (Waves → New wave, or "
            "`ktm wave create --name ... --start ... --end ...`).",
        ),
        (
            False,
            "**Lees het steekproefkader in en trek de steekproef** (Steekproef, of "
            "`ktm frame import` en `ktm sample draw`).",
            "**Import the frame and draw the sample** (Sample, or `ktm frame import` and "
            "`ktm sample draw`).",
        ),
        (
            False,
            "**Open het veldwerk en verstuur de links** (Bevragingen → Veldwerk openen, dan "
            "Steekproef → Uitnodigingen, of `ktm wave open` en `ktm invitations export`).",
            "**Open fieldwork and issue the links** (Waves → Open fieldwork, then Sample → "
            "Invitations, or `ktm wave open` and `ktm invitations export`).",
        ),
    ]
    for i, (ok, nl, en) in enumerate(rows, 1):
        st.markdown(f"{done[0] if ok else done[1]} {i}. {t(nl, en)}")
    st.caption(
        t(
            "Eerst rondkijken met synthetische gegevens? `ktm demo` bouwt een demowereld naast "
            "uw eigen bevragingen; `ktm demo --remove` (of de knop op Bevragingen) haalt ze weer "
            "weg. De README beschrijft elke stap: 'Your first real measurement'.",
            "Look around with synthetic data first? `ktm demo` builds a demo world beside your "
            "own waves; `ktm demo --remove` (or the button on Waves) removes it again. The "
            "README walks every step: 'Your first real measurement'.",
        )
    )


def client_key() -> str:
    """A non-identifying key for the client's address, to slow down guessing of links.

    Behind a reverse proxy (KTM_TRUSTED_PROXY=1) the first X-Forwarded-For address is the
    client; otherwise the header could be forged, and the connection's own address counts.
    Only a hash is kept.
    """
    address = None
    if os.environ.get("KTM_TRUSTED_PROXY") == "1":
        forwarded = (getattr(st.context, "headers", {}) or {}).get("X-Forwarded-For", "")
        address = forwarded.split(",")[0].strip() or None
    if not address:
        address = getattr(st.context, "ip_address", None)
    if not isinstance(address, str) or not address:  # unknown (e.g. in AppTest)
        address = "unknown"
    return hashlib.sha256(address.encode()).hexdigest()
