"""The survey trainees fill in: `?t=<token>` (personal link) or `?wave=<id>` (open link).

One page per section, saved to the store when the respondent goes on (a partial response),
so the same link resumes at the page where they left. The store validates every page again,
refuses stale tabs and makes completion idempotent; this page words its answers for people.
"""

from __future__ import annotations

import streamlit as st

from ktm import webapp
from ktm.webapp import t
from store import responses as R
from store.db import reading
from survey import flow, form

STATE = "survey"
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
            "Zorgberoepen via 1700.",
            "You told us you do not wish to take part in this survey; you will not receive "
            "reminders about it. Would you like to take part after all? Contact team "
            "Zorgberoepen through 1700.",
        ),
    ),
    R.Refusal.THROTTLED: (
        ("Even geduld", "Please wait a moment"),
        (
            "Er werden te veel ongeldige links geprobeerd. Probeer het over {minutes} minuten "
            "opnieuw met de volledige link uit uw uitnodiging.",
            "Too many invalid links were tried. Please try again in {minutes} minutes with the "
            "complete link from your invitation.",
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
    st.title(t(title_nl, title_en))
    st.info(t(body_nl, body_en).format(minutes=minutes))
    if refused.reason in (R.Refusal.USED, R.Refusal.NOT_OPEN, R.Refusal.EXPIRED):
        feedback_link()


def landing_page() -> None:
    st.title(t("Tevredenheid over het e-loket", "Satisfaction with the e-loket"))
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
    if done != token:
        refused = R.record_opt_out(engine, token, webapp.client_key())
        if refused is not None and refused.reason is not R.Refusal.OPTED_OUT:
            refusal_page(refused)
            return
        st.session_state["optout_done"] = token
    st.title(t("U bent afgemeld", "You have opted out"))
    st.success(
        t(
            "Wij hebben genoteerd dat u niet wenst deel te nemen aan deze bevraging. U krijgt "
            "er geen herinneringen meer over.",
            "We have noted that you do not wish to take part in this survey. You will not "
            "receive reminders about it.",
        )
    )


# --- the session's response ------------------------------------------------------------------


def begin(ctx: str, response: dict, strata_language: str | None) -> dict:
    """A fresh state for this link in this browser session (after a reload: resume)."""
    if "lang" not in st.query_params and strata_language in webapp.LANGS:
        st.session_state["lang"] = strata_language
    state = {
        "ctx": ctx,
        "response_id": response["id"],
        "revision": response["revision"],
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
        opened = R.open_invitation(engine, token, webapp.client_key())
        if not opened.ok:
            if opened.reason is not R.Refusal.THROTTLED:
                st.session_state[STATE] = {"ctx": ctx, "refused": opened}
            refusal_page(opened)
            return None
        response = R.start_or_resume(engine, invitation=opened, language=webapp.lang())
        return begin(ctx, response, (opened.invitation.get("strata") or {}).get("language"))
    ctx = f"wave:{wave_ref}"
    if state and state["ctx"] == ctx:
        return state
    wave = R.open_wave_link(engine, wave_ref)
    if isinstance(wave, R.Refused):
        refusal_page(wave)
        return None
    keys = st.session_state.setdefault("open_keys", {})
    key = keys.setdefault(str(wave["id"]), R.new_session_key())
    response = R.start_or_resume(
        engine, wave_id=wave["id"], session_key=key, language=webapp.lang()
    )
    return begin(ctx, response, None)


def reload(state: dict) -> None:
    response = R.load_response(engine, state["response_id"])
    state.update(
        revision=response["revision"],
        draft=dict(response["answers"] or {}),
        section=(response["progress"] or {}).get("section"),
        errors={},
        gen=state["gen"] + 1,
    )


def thank_you(q, state: dict, response: dict) -> None:
    if response["invitation_id"] is not None:
        R.record_consent(engine, response["id"])  # issue 10 sends what was done, then deletes
    st.title(t("Hartelijk dank!", "Thank you!"))
    st.success(
        form._text(q.closing, webapp.lang())
        or t("Uw antwoorden zijn goed ontvangen.", "Your answers have been received.")
    )
    feedback_link()


def survey(state: dict) -> None:
    lang = webapp.lang()
    response = R.load_response(engine, state["response_id"])
    with reading(engine) as conn:
        q = R.questionnaire_for(conn, response["questionnaire_hash"])
    if response["status"] == "complete":
        if state["completed_here"]:
            thank_you(q, state, response)
        else:  # completed in another tab or session
            refusal_page(R.Refused(R.Refusal.USED))
        return

    nav_slot = st.container()
    mode = R.questionnaire_mode(response)
    draft = state["draft"]
    here = flow.position(q, mode, draft, state["section"])
    section, index, count, last = here.section, here.index, len(here.sections), here.last

    st.title(form._text(q.title, lang))
    st.progress(
        here.fraction,
        text=t(f"Pagina {index + 1} van {count}", f"Page {index + 1} of {count}"),
    )
    if index == 0 and q.intro:
        st.markdown(form._text(q.intro, lang))
    if state["notice"]:
        st.warning(t(*state["notice"]), icon=":material/warning:")
    st.header(form._text(section.title, lang))
    if section.intro:
        st.markdown(form._text(section.intro, lang))
    if any(it.required for it in section.items):
        st.caption(form.required_note(lang))
    errors = {k: v[1] if lang == "en" else v[0] for k, v in state["errors"].items()}
    page = form.render_section(
        q, section, draft, lang, f"r{state['response_id']}g{state['gen']}", errors
    )
    # Keep what is on screen, so going back and forth in this session loses nothing.
    own = {k for it in section.items for k in it.answer_keys()}
    state["draft"] = {**{k: v for k, v in draft.items() if k not in own}, **page}

    with nav_slot:  # first on the page, so a rerun while answering does not run it again
        marker = f"{state['response_id']}-{state['gen']}"
        if state["errors"]:
            form.show_from_top(f"{marker}-{state.get('attempt', 0)}", first_error=True)
        elif state["gen"]:
            form.show_from_top(marker)
    back_col, next_col = st.columns(2)
    back = index > 0 and back_col.button(
        t("Vorige", "Back"), icon=":material/arrow_back:", key="survey_back", width="stretch"
    )
    forward = next_col.button(
        t("Verzenden", "Send") if last else t("Volgende", "Next"),
        icon=":material/send:" if last else ":material/arrow_forward:",
        type="primary",
        key="survey_next",
        width="stretch",
    )
    if back:
        go(state, q, mode, page, section, -1, check=False)
    elif forward:
        go(state, q, mode, page, section, 0 if last else 1, check=True, finish=last)


def go(state, q, mode, page, section, move: int, *, check: bool, finish: bool = False):
    """Save the page and move `move` pages; on errors stay and show them next to the items."""
    state["notice"] = None
    # The pages that follow depend on the answers of this page (skip logic).
    target = flow.step(q, mode, state["draft"], section.id, move)
    next_id = target.section.id
    try:
        response = R.save_page(
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
            state["attempt"] = state.get("attempt", 0) + 1
            state["notice"] = (
                "Sommige antwoorden zijn nog niet in orde; zie de melding bij de vraag.",
                "Some answers need your attention; see the message at the question.",
            )
        else:  # going back keeps the unsaved page in this session only
            state.update(section=next_id, errors={}, gen=state["gen"] + 1)
        st.rerun()
    except R.ResponseError as exc:  # stale tab, completed elsewhere, wave closed
        reload(state)
        state["notice"] = (exc.nl, exc.en)
        st.rerun()
    state.update(revision=response["revision"], draft=dict(response["answers"]), errors={})
    if finish:
        try:
            R.complete(engine, state["response_id"], state["revision"])
        except R.InvalidAnswers as exc:  # an earlier page lacks an answer: go there
            first = flow.first_with_errors(target.sections, exc.errors) or target.sections[0]
            state.update(section=first.id, errors=exc.errors, gen=state["gen"] + 1)
            state["notice"] = (
                "Er ontbreken nog antwoorden op deze pagina.",
                "Some answers on this page are still missing.",
            )
            st.rerun()
        except R.ResponseError as exc:
            reload(state)
            state["notice"] = (exc.nl, exc.en)
            st.rerun()
        state["completed_here"] = True
        st.rerun()
    state.update(section=next_id, gen=state["gen"] + 1)
    st.rerun()


# --- the page --------------------------------------------------------------------------------

engine = webapp.engine()
top = st.container()  # the language switch, drawn last: an invitation may set the language
params = st.query_params
if params.get("t") and params.get("optout"):
    opt_out_page(params.get("t"))
elif params.get("t") or params.get("wave"):
    state = open_link(params)
    if state is not None:
        survey(state)
else:
    landing_page()
if webapp.team_user() is None:  # the team has the switch in the sidebar
    webapp.language_switch(top)
webapp.page_language("survey")
