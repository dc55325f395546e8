"""What every page of the app shares: the database, the language, the login, the wave selector.

Pages stay thin: they call this module and the packages (survey, sampling, analysis, store)
and lay out the result. Only this module and the pages import Streamlit.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from ktm import auth
from ktm.config import database_url, team_session_hours

LANGS = {"nl": "Nederlands", "en": "English"}
TEAM_KEY = "team_user"
# Set by the login: the next run opens the dashboard (the login page is gone from the
# navigation then, and Streamlit would fall back to the public survey page).
AFTER_LOGIN = "after_login"
# The password login's session across reloads (see auth.make_session).
EXPIRES = "team_expires"  # when this login ends (epoch seconds)
EXPIRED = "team_expired"  # the cookie this browser sent had expired: say so at the login
LOGGED_OUT = "team_logged_out"  # in this session: ignore the cookie the browser sent
COOKIE_CHECKED = "team_cookie_checked"
COOKIE_WRITTEN = "team_cookie_written"  # the value last given to the browser


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
    "Show password": "Wachtwoord tonen",  # the password field's eye (its aria-label)
    "Hide password": "Wachtwoord verbergen",
}

_STREAMLIT_EN = {nl: en for en, nl in reversed(_STREAMLIT_NL.items())}  # first English wins

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
    root.querySelectorAll('[data-testid="stTextInput"] button[aria-label]').forEach((b) => {
      const t = swap(b.getAttribute('aria-label'));
      if (t !== b.getAttribute('aria-label')) { b.setAttribute('aria-label', t); b.title = t; }
    });
  };
  fix(doc);
  if (doc.__ktmObserver) doc.__ktmObserver.disconnect();
  const observer = new MutationObserver(() => fix(doc));
  // Attributes too: the password eye says "Show"/"Hide password" anew on every press.
  observer.observe(doc.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ['aria-label'],
  });
  doc.__ktmObserver = observer;
  // On a phone the sidebar lies over the page: close it once a page is chosen in our own
  // links (Streamlit's own navigation did that; ours are page links).
  if (!doc.__ktmNavClose) {
    doc.__ktmNavClose = true;
    doc.addEventListener('click', (event) => {
      const link = event.target.closest && event.target.closest(
        '[class*="st-key-team_navigation"] a');
      if (!link || doc.defaultView.innerWidth > 768) return;
      setTimeout(() => {
        const close = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (close) close.click();
      }, 50);
    }, true);
  }
})();
</script>"""


def page_language(where: str = "app") -> None:
    """The page's language for screen readers (WCAG 3.1.1; Streamlit leaves <html lang="en">)
    and, in Dutch, Dutch for Streamlit's own widget texts. app.py draws it on every run; a page
    that settles its language during the run (the survey: the invitation's language) draws it
    again at its end, and the last one wins."""
    import json

    # In English the replaced texts go back: a placeholder the Dutch run rewrote stays in the
    # page after a switch to English (Streamlit does not redraw an unchanged widget).
    words = _STREAMLIT_NL if lang() == "nl" else _STREAMLIT_EN
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


def _secret() -> bytes:
    return auth.session_secret(_secrets_section())


def _cookie_session() -> auth.Session | None:
    try:
        value = st.context.cookies.get(auth.SESSION_COOKIE)
    except Exception:  # no browser request (AppTest)
        return None
    return auth.read_session(_secret(), value)


def team_user() -> str | None:
    """Who of the team is logged in, or None. The password login survives a reload through
    the signed cookie until it expires (a working day); OIDC keeps Streamlit's own cookie."""
    if oidc_configured():
        user = getattr(st, "user", None)
        if user is not None and user.get("is_logged_in"):
            return str(user.get("email") or user.get("name") or "team")
        return None
    state = st.session_state
    if TEAM_KEY not in state and not state.get(LOGGED_OUT) and not state.get(COOKIE_CHECKED):
        state[COOKIE_CHECKED] = True  # once per browser session: its cookies do not change
        found = _cookie_session()
        kept_lang = found is not None and found.lang in LANGS
        if kept_lang and "lang" not in state and "lang" not in st.query_params:
            state["lang"] = found.lang  # an expired login still says so in its language
        if found is not None and found.expired(time.time()):
            state[EXPIRED] = True
        elif found is not None:
            state[TEAM_KEY], state[EXPIRES] = found.user, found.expires
            state[COOKIE_WRITTEN] = (found.user, found.lang, found.expires)
    if TEAM_KEY in state and state.get(EXPIRES) is not None and time.time() >= state[EXPIRES]:
        _forget_login()
        state[EXPIRED] = True
    return state.get(TEAM_KEY)


def _forget_login() -> None:
    for key in (TEAM_KEY, EXPIRES, COOKIE_WRITTEN):
        st.session_state.pop(key, None)
    st.session_state[LOGGED_OUT] = True


def sync_session_cookie() -> None:
    """Give the browser the cookie of this login (again when the language changed), or take
    it away after a logout or expiry. Streamlit sets no cookies itself: a small script does,
    with SameSite=Strict (and Secure over https)."""
    if oidc_configured():
        return
    state = st.session_state
    user = state.get(TEAM_KEY)
    if user is not None and state.get(EXPIRES) is not None:
        wanted = (user, lang(), state[EXPIRES])
        if state.get(COOKIE_WRITTEN) == wanted:
            return
        value = auth.make_session(_secret(), *wanted)
        max_age = max(0, int(state[EXPIRES] - time.time()))
        state[COOKIE_WRITTEN] = wanted
    elif state.get(LOGGED_OUT) and not state.get("team_cookie_cleared"):
        value, max_age = "", 0
        state["team_cookie_cleared"] = True
    else:
        return
    cookie = json.dumps(
        f"{auth.SESSION_COOKIE}={value}; Max-Age={max_age}; Path=/; SameSite=Strict"
    )
    st.iframe(
        "<script>const d = window.parent.document;"
        f"d.cookie = {cookie} + (d.location.protocol === 'https:' ? '; Secure' : '');</script>",
        height=1,
        tab_index=-1,
        alt=t("Aanmelding bewaren", "Keep the login"),
    )


def login_form(target: str | None = None) -> None:
    """The login: OIDC when `[auth]` is configured, else the team password. `target`: the
    team page asked for (its URL), shown once logged in; else the dashboard's overview."""
    st.title(t("Aanmelden voor het team", "Team login"))
    if st.session_state.get(EXPIRED):
        st.warning(
            t(
                "Uw aanmelding is verlopen. Meld u opnieuw aan"
                + (" om verder te gaan op deze pagina." if target else "."),
                "Your login has expired. Please log in again"
                + (" to continue on this page." if target else "."),
            ),
            icon=":material/schedule:",
        )
    elif target:
        st.info(
            t(
                "Deze pagina is voor het team. Meld u aan om ze te zien.",
                "This page is for the team. Log in to see it.",
            ),
            icon=":material/lock:",
        )
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
        client = client_key()
        wait = auth.LIMITER.wait_s(client)
        if wait:
            minutes = int(wait // 60) + 1
            st.error(
                t(
                    f"Te veel mislukte aanmeldingen. Probeer het over {minutes} minuten opnieuw.",
                    f"Too many failed logins. Please try again in {minutes} minutes.",
                )
            )
            return
        ok = auth.LIMITER.verify(password, stored)
        if ok is None:
            st.error(t("Het is even druk; probeer het zo opnieuw.", "Busy; please try again."))
            return
        if ok:
            auth.LIMITER.succeeded(client)
            for key in (EXPIRED, LOGGED_OUT, "team_cookie_cleared"):
                st.session_state.pop(key, None)
            st.session_state[TEAM_KEY] = "team"
            st.session_state[EXPIRES] = time.time() + 3600 * team_session_hours()
            st.session_state[AFTER_LOGIN] = target is None
            st.rerun()
        auth.LIMITER.failed(client)
        st.error(t("Onjuist wachtwoord.", "Wrong password."))


def logout() -> None:
    if oidc_configured():
        st.logout()
    _forget_login()
    st.session_state.pop("team_cookie_cleared", None)
    # The cookie that kept the language goes with the login: the address keeps it instead,
    # so a reload of the login page is still in the language the team chose.
    st.query_params["lang"] = lang()
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

    The address is taken KTM_TRUSTED_PROXY hops from the right of X-Forwarded-For (see
    ktm.clientkey.client_address), and only a keyed hash of it is kept.
    """
    from ktm import clientkey, config

    headers = getattr(st.context, "headers", {}) or {}
    address = clientkey.client_address(
        headers.get("X-Forwarded-For"),
        getattr(st.context, "ip_address", None),
        config.trusted_proxies(),
    )
    return clientkey.keyed(address, config.client_key_secret())


# --- downloads ------------------------------------------------------------------------------

_DOWNLOADS_PROTECTED = False


def protect_downloads() -> None:
    """Files of download buttons expire: Streamlit serves them at /media/<id> to anyone with
    the URL, for as long as it keeps them (minutes). Our pages hand them out on the click
    only (a callable as `data`, run after the page checked the login), and from then on the
    URL answers for `download_ttl_seconds()` and then never again. Images and other media
    are untouched. Once per process."""
    global _DOWNLOADS_PROTECTED
    if _DOWNLOADS_PROTECTED:
        return
    import threading
    import time

    from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from ktm.config import download_ttl_seconds

    ttl = download_ttl_seconds()
    handed_out: dict[str, float] = {}
    lock = threading.Lock()
    load, get = MemoryMediaFileStorage.load_and_get_id, MemoryMediaFileStorage.get_file

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        if kind == MediaFileKind.DOWNLOADABLE:
            with lock:
                handed_out[file_id] = time.monotonic()
        return file_id

    def get_file(self, filename):
        file_id = os.path.splitext(filename)[0]
        with lock:
            since = handed_out.get(file_id)
            expired = since is not None and time.monotonic() - since > ttl
            if expired:
                handed_out.pop(file_id, None)
        if expired:
            self.delete_file(file_id)
            raise MediaFileStorageError(f"download {file_id} expired")
        return get(self, filename)

    MemoryMediaFileStorage.load_and_get_id = load_and_get_id
    MemoryMediaFileStorage.get_file = get_file
    _DOWNLOADS_PROTECTED = True


# --- when the server cannot be reached -------------------------------------------------------

_OFFLINE_TEXT = {
    "title": "Verbinding verbroken / Connection lost",
    "nl": (
        "De bevraging is even niet bereikbaar. Wat u al bewaarde, is niet verloren. Wacht even "
        "(de pagina probeert opnieuw) of herlaad ze; lukt het niet, open uw link later opnieuw."
    ),
    "en": (
        "The survey cannot be reached right now. What you saved is not lost. Wait a moment "
        "(the page keeps trying) or reload it; if that fails, open your link again later."
    ),
}
# Streamlit's own dialog speaks to developers ("Is Streamlit still running? ... streamlit run
# yourscript.py") and cannot be configured (streamlit/streamlit#12661). A script installed once
# per browser tab watches for it and shows our words instead; it keeps running while the
# server is down, as the page does.
_OFFLINE_SCRIPT = """<script>
(function () {
  const w = window.parent, d = w.document;
  if (w.__ktmOffline) return;
  w.__ktmOffline = true;
  const T = %(text)s;
  const theirs = ["Connection error", "Is Streamlit still running", "streamlit run",
                  "Streamlit server is not responding"];
  function ours(dialog) {
    if (dialog.querySelector("[data-ktm-offline]")) return;
    const text = dialog.textContent || "";
    if (!theirs.some(s => text.includes(s))) return;
    for (const child of dialog.children) child.style.display = "none";
    const box = d.createElement("div");
    box.setAttribute("data-ktm-offline", "1");
    box.setAttribute("role", "alert");
    box.style.cssText = "padding:1.5rem;max-width:34rem;font-family:inherit;line-height:1.5";
    const h = d.createElement("h2"); h.textContent = T.title; h.style.marginTop = "0";
    const nl = d.createElement("p"); nl.lang = "nl"; nl.textContent = T.nl;
    const en = d.createElement("p"); en.lang = "en"; en.textContent = T.en;
    box.append(h, nl, en);
    dialog.appendChild(box);
  }
  function scan() { d.querySelectorAll("[role=dialog]").forEach(ours); }
  new MutationObserver(scan).observe(d.body, {childList: true, subtree: true});
  scan();
})();
</script>"""


def offline_dialog() -> None:
    """Install (once per tab) the replacement of Streamlit's connection-error dialog."""
    import json

    st.iframe(
        _OFFLINE_SCRIPT % {"text": json.dumps(_OFFLINE_TEXT)},
        height=1,
        tab_index=-1,
        alt=t("Melding bij verbroken verbinding", "Notice when the connection is lost"),
    )
