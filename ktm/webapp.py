"""What every page of the app shares: the database, the language, the login, the wave selector.

Pages stay thin: they call this module and the packages (survey, sampling, analysis, store)
and lay out the result. Only this module and the pages import Streamlit.
"""

from __future__ import annotations

import json
import time
from typing import Any

import streamlit as st
from sqlalchemy import Engine

from ktm import auth, roles
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


# The spinner shows only while the engine is made (the first run of a process): a
# `with st.spinner` around every call started a timer thread on every rerun (issue 23).
@st.cache_resource(show_spinner="Databank voorbereiden… / Preparing the database…")
def _engine(url: str) -> Engine:
    from ktm.database import get_engine

    return get_engine(url)  # upgrades the schema on first use; never seeds the demo world


_ENGINES: dict[str, Engine] = {}


def engine() -> Engine:
    """The app's engine, its schema upgraded (an empty database stays empty)."""
    # A dict before the cache: st.cache_resource hashes its arguments and keeps statistics on
    # every call, twice a rerun (issue 23).
    url = database_url()
    made = _ENGINES.get(url)
    if made is None:
        made = _ENGINES[url] = _engine(url)
    return made


# --- language -------------------------------------------------------------------------------


def lang() -> str:
    # One lookup, not two: t() asks for every text, some twenty times a rerun (issue 23).
    current = st.session_state.get("lang")
    if current is None:
        requested = st.query_params.get("lang", "nl")
        current = st.session_state["lang"] = requested if requested in LANGS else "nl"
    return current


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
    "Collapse sidebar": "Zijbalk sluiten",  # the sidebar's buttons (their aria-labels)
    "Expand sidebar": "Zijbalk openen",
    # the instruction under a text input once something is typed
    "Press Enter to submit form": "Druk op Enter om te verzenden",
    "Press Enter to apply": "Druk op Enter om toe te passen",
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
      '[data-testid="stFileUploaderDropzone"], [data-testid="stFileUploader"] button,'
      + ' [data-testid="InputInstructions"]'
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
    root.querySelectorAll(
      '[data-testid="stTextInput"] button[aria-label], [data-testid="stSidebarCollapseButton"]'
      + ' button[aria-label], [data-testid="stExpandSidebarButton"][aria-label],'
      + ' [data-testid="stExpandSidebarButton"] button[aria-label]'
    ).forEach((b) => {
      const t = swap(b.getAttribute('aria-label'));
      if (t !== b.getAttribute('aria-label')) { b.setAttribute('aria-label', t); b.title = t; }
    });
  };
  fix(doc);
  if (doc.__ktmObserver) doc.__ktmObserver.disconnect();
  const observer = new MutationObserver(() => fix(doc));
  // Attributes too: the password eye says "Show"/"Hide password" anew on every press.
  observer.observe(doc.body, {
    childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ['aria-label', 'placeholder'],
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
    # Once per session: without a secrets.toml, Streamlit looks for the files again on every
    # access, several times a rerun (issue 23). A new session sees a changed file.
    known = st.session_state.get("_ktm_oidc")
    if known is None:
        try:
            known = "auth" in st.secrets
        except Exception:  # no secrets.toml at all
            known = False
        st.session_state["_ktm_oidc"] = known
    return known


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
    # Written on every run until the browser is known to hold it (it sent it back): a script
    # frame removed by the next rerun before it ran sets nothing, which happened under load
    # right after the login's st.rerun() (no login across reloads, downloads refused).
    if user is not None and state.get(EXPIRES) is not None:
        wanted = (user, lang(), state[EXPIRES])
        if state.get(COOKIE_WRITTEN) == wanted:  # what the browser sent at connection
            return
        value = auth.make_session(_secret(), *wanted)
        max_age = max(0, int(state[EXPIRES] - time.time()))
    elif state.get(LOGGED_OUT):
        value, max_age = "", 0
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
        limiter = auth.LIMITER.bind(engine())
        wait = limiter.wait_s(client)
        if wait:
            minutes = int(wait // 60) + 1
            st.error(
                t(
                    f"Te veel mislukte aanmeldingen. Probeer het over {minutes} minuten opnieuw.",
                    f"Too many failed logins. Please try again in {minutes} minutes.",
                )
            )
            return
        ok = limiter.verify(password, stored)
        if ok is None:
            st.error(t("Het is even druk; probeer het zo opnieuw.", "Busy; please try again."))
            return
        if ok:
            limiter.succeeded(client)
            for key in (EXPIRED, LOGGED_OUT):
                st.session_state.pop(key, None)
            st.session_state[TEAM_KEY] = "team"
            st.session_state[EXPIRES] = time.time() + 3600 * team_session_hours()
            st.session_state[AFTER_LOGIN] = target is None
            st.rerun()
        limiter.failed(client)
        st.error(t("Onjuist wachtwoord.", "Wrong password."))


def logout() -> None:
    from ktm import downloads

    owner = _download_owner()
    if owner is not None:
        downloads.REGISTRY.end(owner)  # its download URLs stop answering, also with a copied cookie
    if oidc_configured():
        # Streamlit clears the identity and sends the browser to /auth/logout (the provider's
        # end-session endpoint, then back): a rerun here could overtake that redirect.
        _forget_login()
        st.logout()
        st.stop()
    _forget_login()
    # The cookie that kept the language goes with the login: the address keeps it instead,
    # so a reload of the login page is still in the language the team chose.
    st.query_params["lang"] = lang()
    st.rerun()


def team_actor(note: bool = True) -> roles.Actor | None:
    """Who of the team is logged in, with their role (ktm.roles), or None. An OIDC identity
    that the configuration gives no role is an Actor with role None: logged in, refused.
    `note`: record a changed role in the audit trail (app.py does, once per session)."""
    name = team_user()
    if name is None:
        return None
    if not oidc_configured():
        return roles.password_actor()
    claims = {}
    try:
        claims = dict(st.user.to_dict())
    except Exception:  # an older st.user without to_dict
        claims = {k: st.user.get(k) for k in ("email", "name", "sub")}
    role, where = roles.role_for_identity(claims.get("email"), claims)
    actor = roles.Actor(name, role, "oidc")
    if note:
        _note_role(actor, where)
    return actor


def _note_role(actor: roles.Actor, where: str) -> None:
    """Once per browser session: a role that differs from the last one recorded for this
    person (or a first one) is written to the audit trail as a role change."""
    seen = st.session_state.get("ktm_role_noted")
    if seen == (actor.name, actor.role):
        return
    st.session_state["ktm_role_noted"] = (actor.name, actor.role)
    from ktm.services import audit as audit_svc

    audit_svc.note_role(engine(), actor, where)


def _session_actor() -> object:
    """ktm.roles' view of the browser session running this script (see roles.current)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return roles.NOT_IN_SESSION
    return team_actor(note=False)  # a service may be inside a transaction: no write here


def _in_server() -> bool:
    from streamlit import runtime

    return runtime.exists()


roles.install_session_actor(_session_actor, _in_server)


def refuse(permission: str, actor: roles.Actor | None) -> None:
    """The page's refusal, Dutch and English, and the end of the run."""
    if actor is None:
        st.error(t("Deze pagina is alleen voor het team.", "This page is for the team only."))
    elif actor.role is None:
        st.error(
            t(
                f"U bent aangemeld als {actor.name}, maar dit account heeft geen toegang tot "
                "deze toepassing. Vraag een beheerder om u toe te voegen.",
                f"You are logged in as {actor.name}, but this account has no access to this "
                "tool. Ask a manager to add you.",
            ),
            icon=":material/block:",
        )
    else:
        nl, en = roles.PERMISSIONS.get(permission, (permission, permission))
        role_nl, role_en = roles.ROLE_NAMES.get(actor.role, (actor.role, actor.role))
        st.error(
            t(
                f"Geen toegang: deze pagina is voor beheerders ({nl}). U bent aangemeld als "
                f"{actor.name}, met de rol {role_nl}.",
                f"No access: this page is for managers ({en}). You are logged in as "
                f"{actor.name}, with the role {role_en}.",
            ),
            icon=":material/block:",
        )
    st.stop()


def require_team(permission: str | None = None) -> str:
    """Stop the page unless a team member is logged in whose role holds `permission` (a page
    may be run directly, or its URL typed); the name of who is logged in."""
    actor = team_actor()
    if actor is None or actor.role is None:
        refuse(permission or "dashboard", actor)
    if permission is not None and not actor.may(permission):
        refuse(permission, actor)
    return actor.name


def page_allowed(actor: roles.Actor | None, path: str) -> bool:
    from pathlib import Path

    return roles.allowed(actor, roles.PAGES[Path(path).stem])


_REFUSALS: set[str] = set()


def refused_page(actor: roles.Actor | None, path: str, title: str) -> st.Page:
    """A refusal in place of a team page the role does not allow, under that page's URL (a
    typed URL, a bookmark of a manager): says who is logged in and what the page needs."""
    from pathlib import Path

    stem = Path(path).stem

    def refused() -> None:
        st.title(title)
        refuse(roles.PAGES[stem], actor)

    refused.__name__ = f"refused_{stem}"
    _REFUSALS.add(refused.__name__)
    return st.Page(refused, title=title, url_path=stem)


def is_refusal(page: st.Page) -> bool:
    return (
        getattr(page, "_page", None) is not None
        and getattr(page._page, "__name__", "") in _REFUSALS
    )


def who_is_logged_in(actor: roles.Actor | None) -> None:
    """Above the team's links: who is logged in, and as what."""
    if actor is None:
        return
    if actor.role is None:
        role = t("geen toegang", "no access")
    else:
        role = t(*roles.ROLE_NAMES.get(actor.role, (actor.role, actor.role)))
    # The shared password's account is named in Dutch in the audit trail; here in the page's language.
    name = (
        t("team (gedeeld wachtwoord)", "team (shared password)")
        if actor.name == roles.SHARED_PASSWORD_ACCOUNT
        else actor.name
    )
    st.caption(t(f"Aangemeld als {name} ({role})", f"Logged in as {name} ({role})"))


def first_oidc_run(on_default_page: bool) -> bool:
    """After an OIDC login Streamlit opens the home page (the public survey) in a new
    session: the first run of that session opens the dashboard instead, unless a link with
    parameters (a survey link) was opened."""
    if not oidc_configured() or st.session_state.get("ktm_oidc_landed"):
        return False
    st.session_state["ktm_oidc_landed"] = True
    return on_default_page and not dict(st.query_params)


def require_page(page: str) -> str:
    """require_team with the permission ktm.roles.PAGES gives the page (its file's stem)."""
    return require_team(roles.PAGES[page])


# --- waves ----------------------------------------------------------------------------------


@st.cache_data(ttl=5, show_spinner=False)
def list_waves(url: str) -> list[dict]:
    from ktm.database import get_engine
    from store.db import reading
    from store.waves import list_waves as _list

    with reading(get_engine(url)) as conn:
        return _list(conn)


#: Session key a page sets (to a wave id, or None for the latest) before st.rerun() to make
#: the sidebar show that wave: see `show_wave`.
WAVE_PENDING = "wave_pending"
WAVE_SELECT = "wave_select"


def show_wave(wave_id: int | None) -> None:
    """Make the sidebar show this wave (None: the latest) from the next run on, e.g. the wave
    just created. The selector's own value is set before it is drawn: a browser keeps what
    its select box shows for a widget it already has, whatever `index` the script passes."""
    st.session_state[WAVE_PENDING] = wave_id
    st.session_state.pop("wave_id", None)


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
    if WAVE_PENDING in st.session_state:
        pending = st.session_state.pop(WAVE_PENDING)
        # Set as the widget's value (the browser follows it), not as its index; an index
        # besides it would only draw Streamlit's duplicate-value warning.
        st.session_state[WAVE_SELECT] = pending if pending in ids else ids[-1]
        index = 0
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
        key=WAVE_SELECT,
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


def protect_downloads() -> None:
    """Bind the server's downloads to the login that clicked (ktm.downloads): the /media/...
    URL of a file of ours answers only a request with that login's cookie, for
    `download_ttl_seconds()` after the click, and not after a logout. Once per process."""
    from ktm import downloads
    from ktm.config import download_ttl_seconds

    downloads.install(download_ttl_seconds())


def _download_owner():
    """The login of this session, as a download's owner; None when nobody is logged in."""
    from ktm import downloads

    user = team_user()
    if user is None:
        return None
    if oidc_configured():
        try:
            cookies = dict(st.context.cookies)
        except Exception:  # no browser request (AppTest)
            return None
        sent = downloads.oidc_cookies(cookies)
        return downloads.Owner("oidc", user, oidc_cookies=sent) if sent else None
    expires = st.session_state.get(EXPIRES)
    if expires is None:
        return None
    return downloads.Owner("password", user, int(expires), secret=_secret())


def download_button(
    label: str,
    make: Any,
    *,
    file_name: str,
    mime: str,
    key: str,
    where: Any = None,
    **kwargs: Any,
) -> None:
    """st.download_button whose file is made on the click only (`make()`, bytes or str) and
    can be fetched only by this session's login, for a short time (see ktm.downloads). Every
    download of the app goes through here: a file nobody claimed is refused to everyone."""
    from ktm import downloads

    owner = _download_owner()

    def data() -> bytes:
        if owner is None or not downloads.REGISTRY.may_claim(owner):
            raise PermissionError("no team login for this download")
        content = make()
        if isinstance(content, str):
            content = content.encode()
        downloads.REGISTRY.claim(downloads.REGISTRY.file_id(content, mime, file_name), owner)
        return content

    # No rerun on the click: the file comes from the callable, and a rerun started while its
    # answer waits to be sent clears Streamlit's outgoing queue, answer included (1.67:
    # ForwardMsgQueue.clear keeps only lifecycle messages), so the button spins for ever.
    kwargs.setdefault("on_click", "ignore")
    (where or st).download_button(label, data, file_name=file_name, mime=mime, key=key, **kwargs)


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
# While a script run takes longer than this, the page says "a moment please" (issue 23.4).
BUSY_AFTER_MS = 2500
_BUSY_TEXT = {
    "nl": {
        "title": "Even geduld",
        "body": (
            "Het is nu erg druk. Uw pagina wordt klaargemaakt: houd dit venster open en klik "
            "niet opnieuw. Wat u al bewaarde, is niet verloren."
        ),
    },
    "en": {
        "title": "A moment please",
        "body": (
            "It is very busy right now. Your page is being prepared: please keep this window "
            "open and do not click again. What you saved is not lost."
        ),
    },
}
# Streamlit's own dialog speaks to developers ("Is Streamlit still running? ... streamlit run
# yourscript.py") and cannot be configured (streamlit/streamlit#12661). A script installed once
# per browser tab watches for it and shows our words instead; it keeps running while the
# server is down, as the page does. The same script says "a moment please" in the page's
# language (<html lang>, see page_language) while a run of the page takes long: an overloaded
# server that has not started the run yet shows nothing at all, so respondents click again
# or leave.
_OFFLINE_SCRIPT = """<script>
(function () {
  const w = window.parent, d = w.document;
  if (w.__ktmOffline) return;
  w.__ktmOffline = true;
  const T = %(text)s, BUSY = %(busy)s, BUSY_AFTER = %(busy_after)d;
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

  // A run is pending from the moment the tab asks for one (BackMsg rerun_script, field 11) or
  // the server starts one (ForwardMsg new_session, 4) until the server says it finished
  // (script_finished, 6). The frontend shows nothing while an overloaded server has not even
  // started the run; the socket's own messages tell. Only the top-level protobuf fields are
  // read (which ones are present), nothing of their content.
  function fields(data) {
    // The socket's buffers belong to the page's window, not this frame's: no instanceof.
    const whole = Object.prototype.toString.call(data) === "[object ArrayBuffer]";
    const b = whole ? new Uint8Array(data) : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : null;
    const out = new Set();
    if (!b) return out;
    let i = 0;
    const varint = () => {
      let r = 0, s = 1, c;
      do { c = b[i++]; r += (c & 127) * s; s *= 128; } while (c & 128 && i < b.length);
      return r;
    };
    while (i < b.length) {
      const key = varint(), wt = key %% 8;
      out.add(Math.floor(key / 8));
      if (wt === 0) varint(); else if (wt === 1) i += 8; else if (wt === 5) i += 4;
      else if (wt === 2) i += varint(); else break;
    }
    return out;
  }
  let pending = null, box = null;
  function received(ev) {
    const f = fields(ev.data);
    if (f.has(6)) pending = null; else if (f.has(4)) pending = pending || Date.now();
  }
  const WS = w.WebSocket, send = WS.prototype.send;
  WS.prototype.send = function (data) {
    if (!this.__ktmWatched) {
      this.__ktmWatched = true;
      this.addEventListener("message", received);
      this.addEventListener("close", () => { pending = null; });
    }
    try { if (fields(data).has(11)) pending = pending || Date.now(); } catch (e) { /* keep */ }
    return send.apply(this, arguments);
  };
  function busy() {
    if (pending === null || Date.now() - pending < BUSY_AFTER) {
      if (box) { box.remove(); box = null; }
      return;
    }
    if (box) return;
    const lang = d.documentElement.lang === "en" ? "en" : "nl";
    box = d.createElement("div");
    box.setAttribute("data-ktm-busy", lang);
    box.setAttribute("role", "status");
    box.lang = lang;
    box.style.cssText = "position:fixed;top:4rem;left:50%%;transform:translateX(-50%%);" +
      "z-index:1000100;max-width:34rem;padding:1rem 1.25rem;border-radius:0.5rem;" +
      "background:#e8f0fe;color:#1a1a1a;border:1px solid #0055cc;" +
      "box-shadow:0 2px 8px rgba(0,0,0,.2);font-family:inherit;line-height:1.5";
    const h = d.createElement("strong"); h.textContent = BUSY[lang].title;
    const p = d.createElement("p"); p.textContent = BUSY[lang].body; p.style.margin = "0.25rem 0 0";
    box.append(h, p);
    d.body.appendChild(box);
  }
  w.setInterval(busy, 250);
})();
</script>"""


def offline_dialog() -> None:
    """Install (once per tab) the replacement of Streamlit's connection-error dialog and the
    "a moment please" notice of a slow page."""
    import json

    st.iframe(
        _OFFLINE_SCRIPT
        % {
            "text": json.dumps(_OFFLINE_TEXT),
            "busy": json.dumps(_BUSY_TEXT),
            "busy_after": BUSY_AFTER_MS,
        },
        height=1,
        tab_index=-1,
        alt=t("Melding bij verbroken verbinding", "Notice when the connection is lost"),
    )
