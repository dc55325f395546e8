"""The survey trainees fill in: `?t=<token>` (personal link) or `?wave=<id>` (open link).

One page per section, saved to the store when the respondent goes on (a partial response),
so the same link resumes at the page where they left. The store validates every page again,
refuses stale tabs and makes completion idempotent; this page words its answers for people.
"""

from __future__ import annotations

import re
import secrets
import time

import streamlit as st

from ktm import config, webapp
from ktm.webapp import t
from store import responses as R
from store.db import connection_lost, retry_once
from survey import flow, form

STATE = "survey"
# A phone breaks a line at a hyphen: "e-" and "loket" on two lines. A non-breaking hyphen
# (U+2011) where the title is shown; the stored text keeps its plain hyphen.
ELOKET = re.compile(r"\b([eE])-(loket)")
# Streamlit's h1 is 2.75rem and its h2 2.25rem: on a phone the questionnaire title took four
# lines and a section's title, under it, was larger than the title.
NARROW_TITLE = (
    "<style>@media (max-width: 640px) {"
    "[data-testid=stHeading] h1 {font-size: 1.75rem !important; line-height: 1.25 !important}"
    " [data-testid=stHeading] h2 {font-size: 1.375rem !important; line-height: 1.3 !important}"
    "}</style>"
)


def shown_title(text: str) -> str:
    return ELOKET.sub("\\1\u2011\\2", text)


# How long a client over the guessing limit waits for each further unknown link.
THROTTLED_DELAY_S = 2.0
refusals = {
    R.Refusal.UNKNOWN: (
        ("Deze link werkt niet", "This link does not work"),
        (
            "Wij vinden geen bevraging bij deze link. Gebruik de volledige persoonlijke link uit "
            "uw uitnodiging (kopieer hem eventueel in zijn geheel in de adresbalk).",
            "We cannot find a survey for this link. Use the complete personal link from your "
            "invitation (if need be, copy all of it into the address bar).",
        ),
    ),
    R.Refusal.USED: (
        ("U hebt deze bevraging al ingevuld", "You have already completed this survey"),
        (
            "Uw antwoorden zijn goed ontvangen; u kunt ze niet meer wijzigen. "
            "Hartelijk dank voor uw medewerking!",
            "Your answers have been received; they can no longer be changed. "
            "Thank you very much for taking part!",
        ),
    ),
    R.Refusal.EXPIRED: (
        ("Deze link is verlopen", "This link has expired"),
        (
            "De termijn om deze bevraging in te vullen is voorbij. Dank voor uw interesse.",
            "The period to fill in this survey is over. Thank you for your interest.",
        ),
    ),
    R.Refusal.NOT_OPEN: (
        ("Deze bevraging is niet open", "This survey is not open"),
        (
            "Deze bevraging is afgesloten of nog niet begonnen. Dank voor uw interesse.",
            "This survey is closed or has not started yet. Thank you for your interest.",
        ),
    ),
    R.Refusal.OPTED_OUT: (
        ("U hebt zich afgemeld", "You have opted out"),
        (
            "U hebt aangegeven niet deel te nemen aan deze bevraging; u krijgt er geen "
            "herinneringen meer over. Wilt u toch deelnemen? Neem contact op met team "
            "{team} via {contact}.",
            "You told us you do not wish to take part in this survey; you will not receive "
            "reminders about it. Would you like to take part after all? Contact team "
            "{team} through {contact}.",
        ),
    ),
    R.Refusal.THROTTLED: (
        ("Deze link werkt niet", "This link does not work"),
        (
            "Wij vinden geen bevraging bij deze link, en van op dit adres werden veel ongeldige "
            "links geprobeerd: daarom duurt het even voor u dit antwoord krijgt. Gebruik de "
            "volledige persoonlijke link uit uw uitnodiging; na {minutes} minuten gaat het "
            "weer sneller.",
            "We cannot find a survey for this link, and many invalid links were tried from "
            "this address: that is why this answer takes a while. Use the complete personal "
            "link from your invitation; after {minutes} minutes it is quick again.",
        ),
    ),
    R.Refusal.NO_OPEN_LINK: (
        ("Deze link werkt niet", "This link does not work"),
        (
            "Deze bevraging is alleen bereikbaar via de persoonlijke link uit uw uitnodiging.",
            "This survey can only be reached through the personal link in your invitation.",
        ),
    ),
}


def feedback_link() -> None:
    st.page_link(
        "views/feedback.py",
        label=t("Wat doen we met uw feedback?", "What do we do with your feedback?"),
        icon=":material/campaign:",
    )


def refusal_page(refused: R.Refused) -> None:
    (title_nl, title_en), (body_nl, body_en) = refusals[refused.reason]
    minutes = 1
    if refused.retry_after is not None:
        minutes = max(1, int(refused.retry_after.total_seconds() // 60) + 1)
    st.title(t(title_nl, title_en), anchor=False)
    st.info(t(body_nl, body_en).format(minutes=minutes, **config.organisation().names()))
    if refused.reason in (R.Refusal.USED, R.Refusal.NOT_OPEN, R.Refusal.EXPIRED):
        feedback_link()


def landing_page() -> None:
    st.title(t("Tevredenheid over het e-loket", "Satisfaction with the e-loket"), anchor=False)
    st.info(
        t(
            "Deze bevraging is bereikbaar via de persoonlijke link in uw uitnodiging.",
            "This survey is reached through the personal link in your invitation.",
        )
    )
    feedback_link()
    if webapp.team_user() is None:
        st.page_link(
            "views/login.py",
            label=t("Aanmelden voor teamleden", "Log in for team members"),
            icon=":material/login:",
        )


def opt_out_page(token: str) -> None:
    done = st.session_state.get("optout_done")
    if done != token and not st.session_state.get("optout_confirm"):
        # Nothing happens on opening the link: mail scanners open links too (issue 19.8).
        st.title(t("Afmelden voor deze bevraging?", "Opt out of this survey?"), anchor=False)
        st.write(
            t(
                "Als u zich afmeldt, krijgt u geen herinneringen meer over deze bevraging en "
                "kunt u ze niet meer invullen.",
                "If you opt out, you will not receive reminders about this survey and can no "
                "longer fill it in.",
            )
        )
        st.button(t("Ja, afmelden", "Yes, opt out"), type="primary", key="optout_confirm")
        return
    if done != token:
        refused = retry_once(R.record_opt_out, engine, token, webapp.client_key())
        if refused is not None and refused.reason is not R.Refusal.OPTED_OUT:
            refusal_page(refused)
            return
        st.session_state["optout_done"] = token
    st.title(t("U bent afgemeld", "You have opted out"), anchor=False)
    st.success(
        t(
            "Wij hebben genoteerd dat u niet wenst deel te nemen aan deze bevraging. U krijgt "
            "er geen herinneringen meer over.",
            "We have noted that you do not wish to take part in this survey. You will not "
            "receive reminders about it.",
        )
    )


# --- the session's response ------------------------------------------------------------------


def adopt_language(*choices: str | None) -> None:
    """The page's language for a link opened in this session: ?lang= in the link wins, else
    the first known of `choices` (the respondent's last choice, the invitation's language)."""
    if "lang" in st.query_params:
        return
    chosen = next((c for c in choices if c in webapp.LANGS), None)
    if chosen:
        st.session_state["lang"] = chosen


def begin(ctx: str, response: dict, strata_language: str | None, pending=None) -> dict:
    """A fresh state for this link in this browser session (after a reload: resume).

    `pending` (open link): the response row is created only with the first saved answer, so
    a visit that answers nothing leaves nothing in the store (issue 19.7)."""
    # A response saved before carries the language the respondent last answered in.
    adopt_language(response.get("language") if response.get("revision") else None, strata_language)
    state = {
        "ctx": ctx,
        # Widget keys reach the browser: a random label, not the sequential response id.
        "wkey": "w" + secrets.token_hex(6),
        "pending": pending,
        "response_id": response["id"],
        "revision": response["revision"],
        # What the page needs of the response, kept for the session: a rerun reads nothing
        # from the store; the save at Next finds out whether it changed elsewhere (issue 23).
        "questionnaire_hash": response["questionnaire_hash"],
        "mode": R.questionnaire_mode(response),
        "invitation_id": response["invitation_id"],
        "status": response["status"],
        "draft": dict(response["answers"] or {}),
        "section": (response["progress"] or {}).get("section"),
        "errors": {},
        "gen": 0,
        "notice": None,
        "completed_here": False,
    }
    st.session_state[STATE] = state
    return state


def open_link(params) -> dict | None:
    """The state for the link in the URL, or None when a refusal page was shown."""
    state = st.session_state.get(STATE)
    token, wave_ref = params.get("t"), params.get("wave")
    if token:
        ctx = "t:" + R.hash_token(token) if isinstance(token, str) and len(token) < 200 else "t:?"
        if state and state["ctx"] == ctx:
            if state.get("refused"):  # asked once per session: a rerun is not a new guess
                refusal_page(state["refused"])
                return None
            return state
        opened = retry_once(R.open_invitation, engine, token, webapp.client_key())
        if not opened.ok:
            adopt_language(opened.language)
            if opened.reason is R.Refusal.THROTTLED:
                time.sleep(THROTTLED_DELAY_S)  # slows the guesser only: valid links open
            else:
                st.session_state[STATE] = {"ctx": ctx, "refused": opened}
            refusal_page(opened)
            return None
        response = retry_once(R.start_or_resume, engine, invitation=opened, language=webapp.lang())
        return begin(ctx, response, (opened.invitation.get("strata") or {}).get("language"))
    ctx = f"wave:{wave_ref}"
    if state and state["ctx"] == ctx:
        return state
    wave = retry_once(R.open_wave_link, engine, wave_ref)
    if isinstance(wave, R.Refused):
        refusal_page(wave)
        return None
    keys = st.session_state.setdefault("open_keys", {})
    key = keys.setdefault(str(wave["id"]), R.new_session_key())
    pending = {
        "wave_id": wave["id"],
        "session_key": key,
        "questionnaire_hash": wave["questionnaire_hash"],
    }
    return begin(ctx, _unsaved(pending), None, pending=pending)


def _unsaved(pending: dict) -> dict:
    """The open-link response as it will be stored once something is saved."""
    return {
        "id": None,
        "wave_id": pending["wave_id"],
        "invitation_id": None,
        "mode": "open",
        "status": "partial",
        "questionnaire_hash": pending["questionnaire_hash"],
        "strata": {},
        "answers": {},
        "progress": {"page": 0, "done": []},
        "revision": 0,
    }


def ensure_stored(state: dict, q, mode: str, section_id: str, page: dict) -> None:
    """Create the open-link response row at the first save, once the page is valid."""
    if state["response_id"] is not None:
        return
    errors = flow.check_page(q, section_id, {}, page, mode).errors
    if errors:
        raise R.InvalidAnswers(errors)
    pending = state["pending"]
    response = retry_once(
        R.start_or_resume,
        engine,
        wave_id=pending["wave_id"],
        session_key=pending["session_key"],
        language=webapp.lang(),
    )
    state.update(response_id=response["id"], revision=response["revision"])


def reload(state: dict) -> None:
    response = retry_once(R.load_response, engine, state["response_id"])
    state.update(
        status=response["status"],
        revision=response["revision"],
        draft=dict(response["answers"] or {}),
        section=(response["progress"] or {}).get("section"),
        errors={},
        gen=state["gen"] + 1,
    )


def thank_you(q, state: dict) -> None:
    if state["invitation_id"] is not None:
        # issue 10 sends what was done, then deletes
        retry_once(R.record_consent, engine, state["response_id"])
    st.title(t("Hartelijk dank!", "Thank you!"), anchor=False)
    st.success(
        form._text(q.closing, webapp.lang())
        or t("Uw antwoorden zijn goed ontvangen.", "Your answers have been received.")
    )
    feedback_link()


def survey(state: dict) -> None:
    lang = webapp.lang()
    q = R.questionnaire_for(engine, state["questionnaire_hash"])
    if state["status"] == "complete":
        if state["completed_here"]:
            thank_you(q, state)
        else:  # completed in another tab or session
            refusal_page(R.Refused(R.Refusal.USED))
        return

    nav_slot = st.container()
    mode = state["mode"]
    draft = state["draft"]
    here = flow.position(q, mode, draft, state["section"])
    section, index, count, last = here.section, here.index, len(here.sections), here.last

    st.html(NARROW_TITLE)
    st.title(shown_title(form._text(q.title, lang)), anchor=False)
    st.progress(
        here.fraction,
        text=t(f"Pagina {index + 1} van {count}", f"Page {index + 1} of {count}"),
    )
    if index == 0 and q.intro:
        st.markdown(form._text(q.intro, lang))
    if state["notice"]:
        st.warning(t(*state["notice"]), icon=":material/warning:")
    # Answers that change nothing on screen wait for Next or Back in an st.form: one script
    # run for them instead of one per answer (issue 23). The items before them (skip logic:
    # what they reveal must appear at once) are drawn above the form and rerun the page.
    head = st.container()
    tail = st.form(f"{state['wkey']}f{state['gen']}", border=False, enter_to_submit=False)
    with head:
        page = _page(q, section, draft, lang, state, (flow.form_start(q, section), head, tail))
    with tail:
        back_col, next_col = st.columns(2)
        # The click saves in its callback, before the script runs: that run draws the next
        # page at once (no second run after the save). The page is the one drawn here.
        state["shown"] = (section.id, f"{state['wkey']}g{state['gen']}")
        with back_col:
            if index > 0:
                st.form_submit_button(
                    t("Vorige", "Back"),
                    icon=":material/arrow_back:",
                    key="survey_back",
                    width="stretch",
                    on_click=clicked,
                    args=(-1, False, False),
                )
        with next_col:
            st.form_submit_button(
                t("Verzenden", "Send") if last else t("Volgende", "Next"),
                icon=":material/send:" if last else ":material/arrow_forward:",
                type="primary",
                key="survey_next",
                width="stretch",
                on_click=clicked,
                args=(0 if last else 1, True, last),
            )
    # Keep what is on screen, so going back and forth in this session loses nothing.
    keep(state, section, page)

    with nav_slot:  # first on the page, so a rerun while answering does not run it again
        marker = f"{state['wkey']}-{state['gen']}"
        if state["errors"]:
            form.show_from_top(f"{marker}-{state.get('attempt', 0)}", first_error=True)
        elif state["gen"]:
            form.show_from_top(marker)


def keep(state: dict, section, page: dict) -> None:
    own = {k for it in section.items for k in it.answer_keys()}
    state["draft"] = {**{k: v for k, v in state["draft"].items() if k not in own}, **page}


def clicked(move: int, check: bool, finish: bool) -> None:
    """Next or Back (a button's callback, before the script runs): read the page drawn from its
    widgets, save it and move. A lost database connection is shown by the run that follows."""
    state = st.session_state.get(STATE)
    if not state or not state.get("shown"):
        return
    section_id, key_prefix = state["shown"]
    if state["status"] == "complete":
        return
    try:
        q = R.questionnaire_for(engine, state["questionnaire_hash"])
        section = q.section(section_id)
        page = form.read_section(q, section, state["draft"], key_prefix, st.session_state)
        keep(state, section, page)
        go(
            state,
            q,
            state["mode"],
            page,
            section,
            move,
            check=check,
            finish=finish,
        )
    except Exception as exc:
        if not connection_lost(exc):
            raise
        state["connection_lost"] = True


def _page(q, section, draft: dict, lang: str, state: dict, split) -> dict:
    """The section's title, introduction and items; the answers on screen."""
    st.header(form._text(section.title, lang), anchor=False)
    if section.intro:
        st.markdown(form._text(section.intro, lang))
    if any(it.required for it in section.items):
        st.caption(form.required_note(lang))
    errors = {k: v[1] if lang == "en" else v[0] for k, v in state["errors"].items()}
    return form.render_section(
        q,
        section,
        draft,
        lang,
        f"{state['wkey']}g{state['gen']}",
        errors,
        failed=state.get("failed"),
        split=split,
    )


def go(state, q, mode, page, section, move: int, *, check: bool, finish: bool = False):
    """Save the page and move `move` pages; on errors stay and show them next to the items.
    The state says what the next run draws."""
    state["notice"] = None
    # The pages that follow depend on the answers of this page (skip logic).
    target = flow.step(q, mode, state["draft"], section.id, move)
    next_id = target.section.id
    try:
        ensure_stored(state, q, mode, section.id, page)
        response = retry_once(
            R.save_page,
            engine,
            state["response_id"],
            state["revision"],
            page,
            target.progress,
            section_id=section.id,
            language=webapp.lang(),
        )
    except R.InvalidAnswers as exc:
        if check:
            state["errors"] = exc.errors
            state["failed"] = dict(page)
            state["attempt"] = state.get("attempt", 0) + 1
            state["notice"] = (
                "Sommige antwoorden zijn nog niet in orde; zie de melding bij de vraag.",
                "Some answers need your attention; see the message at the question.",
            )
        else:  # going back keeps the unsaved page in this session only
            state.update(section=next_id, errors={}, gen=state["gen"] + 1)
        return
    except R.ResponseError as exc:  # stale tab, completed elsewhere, wave closed
        reload(state)
        state["notice"] = (exc.nl, exc.en)
        return
    state.update(revision=response["revision"], draft=dict(response["answers"]), errors={})
    if finish:
        try:
            retry_once(R.complete, engine, state["response_id"], state["revision"])
        except R.InvalidAnswers as exc:  # an earlier page lacks an answer: go there
            first = flow.first_with_errors(target.sections, exc.errors) or target.sections[0]
            state.update(
                section=first.id,
                errors=exc.errors,
                failed=dict(state["draft"]),
                gen=state["gen"] + 1,
            )
            state["notice"] = (
                "Er ontbreken nog antwoorden op deze pagina.",
                "Some answers on this page are still missing.",
            )
            return
        except R.ResponseError as exc:
            reload(state)
            state["notice"] = (exc.nl, exc.en)
            return
        state.update(completed_here=True, status="complete")
        return
    state.update(section=next_id, gen=state["gen"] + 1)


def try_again_page() -> None:
    """The database could not be reached twice in a row: nothing was lost, say so."""
    st.title(t("Even geduld", "Please wait a moment"), anchor=False)
    st.warning(
        t(
            "We kunnen uw antwoorden nu even niet bereiken. Wat u al bewaarde, is niet "
            "verloren. Probeer het over een minuut opnieuw: herlaad de pagina of open uw link "
            "nog eens.",
            "We cannot reach your answers right now. What you saved is not lost. Please try "
            "again in a minute: reload the page or open your link again.",
        ),
        icon=":material/wifi_off:",
    )


@st.fragment
def survey_fragment(state: dict) -> None:
    """The questionnaire's pages. A fragment: an answer or a click reruns this part only, not
    app.py and the rest of the page (issue 23); nothing outside it changes from page to page."""
    try:
        if state.pop("connection_lost", False):
            try_again_page()  # the click's save could not reach the database
        else:
            survey(state)
    except Exception as exc:  # the page's own handler does not wrap a fragment's rerun
        if not connection_lost(exc):
            raise
        try_again_page()


# --- the page --------------------------------------------------------------------------------

engine = webapp.engine()
drawn_language = webapp.lang()  # app.py set the page's language in it
top = st.container()  # the language switch, drawn last: an invitation may set the language
params = st.query_params
try:
    if params.get("t") and params.get("optout"):
        opt_out_page(params.get("t"))
    elif params.get("t") or params.get("wave"):
        state = open_link(params)
        if state is not None:
            survey_fragment(state)
    else:
        landing_page()
except Exception as exc:  # st.rerun/st.stop are not Exceptions: they pass
    if not connection_lost(exc):
        raise
    try_again_page()
if webapp.team_user() is None:  # the team has the switch in the sidebar
    webapp.language_switch(top)
if webapp.lang() != drawn_language:  # an invitation's language, adopted during this run
    webapp.page_language("survey")
