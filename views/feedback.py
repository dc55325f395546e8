"""Public page "Wat doen we met uw feedback?": no login, Dutch and English.

Per published wave (default: the latest; `?wave=ID` from the e-mail picks one): the overall
satisfaction with its interval and n (disclosure-controlled), the improvement points and what
is being done about each (the actions' public texts and status only), and when the next
measurement is planned. Nothing identifying: no e-mail, owner, open answer or small cell.
"""

from __future__ import annotations

import streamlit as st

from ktm import webapp
from ktm.config import database_url, organisation
from ktm.services import feedback as F
from ktm.webapp import t
from report import format as fmt
from report import labels
from report.wording import weighted_by
from store import actions as A

STATUS_ICONS = {
    "planned": ":material/event:",
    "in_progress": ":material/construction:",
    "done": ":material/check_circle:",
}


@st.cache_data(ttl=600, show_spinner=False, max_entries=20)
def _results(url: str, wave_id: int, published_at: str, fingerprint: tuple) -> dict:
    from ktm.database import get_engine

    return F.public_results(get_engine(url), wave_id)


def _num(x: float) -> str:
    """A score as the dashboard and the workbook write it (report.format)."""
    return fmt.number(x, fmt.SCORE_DECIMALS, webapp.lang())


def _date(d) -> str:
    return fmt.date(d, webapp.lang())


def _status(status: str) -> str:
    nl, en = labels.LABELS["action_status"].get(status, (status, status))
    return f"{STATUS_ICONS.get(status, '')} {t(nl, en)}"


def _text(item: dict) -> str:
    """The action's public text in the reader's language, else the other one."""
    first, second = ("text_en", "text_nl") if webapp.lang() == "en" else ("text_nl", "text_en")
    return item.get(first) or item.get(second) or ""


def _label(item: dict) -> str:
    return item["label_en"] if webapp.lang() == "en" else item["label_nl"]


def show_actions(actions: list[dict]) -> None:
    for a in actions:
        due = _date(a["due_date"]) if a["due_date"] else ""
        when = t(f" · streefdatum {due}", f" · due {due}") if due else ""
        st.markdown(f"- {_text(a)}  \n  *{_status(a['status'])}{when}*")


def show_wave(view: dict) -> None:
    lang = webapp.lang()
    wave = view["wave"]
    period = ""
    if wave["fieldwork_start"] and wave["fieldwork_end"]:
        period = fmt.period(wave["fieldwork_start"], wave["fieldwork_end"], lang)
    st.header(wave["name"])
    st.caption(
        t("Bevraging van ", "Survey from ")
        + period
        + t(" · gepubliceerd op ", " · published on ")
        + _date(wave["published_at"])
    )

    st.subheader(t("Resultaat", "Result"))
    head = view["headline"]

    def _weighted(lang: str) -> str:
        return weighted_by(view.get("margins", []), view.get("strata"), lang)

    if head is None:
        st.info(t("Voor deze bevraging is nog geen resultaat.", "No result for this survey yet."))
    elif head["suppressed"]:
        st.info(
            t(
                f"Te weinig antwoorden (minder dan {view['k']}) om een resultaat te tonen "
                "zonder de anonimiteit van de deelnemers in gevaar te brengen.",
                f"Too few answers (fewer than {view['k']}) to show a result without putting "
                "the participants' anonymity at risk.",
            )
        )
    else:
        st.metric(
            t("Algemene tevredenheid met het e-loket", "Overall satisfaction with the e-loket"),
            f"{_num(head['estimate'])} / 100",
        )
        st.caption(
            t(
                f"95%-betrouwbaarheidsinterval {_num(head['ci_low'])} tot "
                f"{_num(head['ci_high'])}; {fmt.integer(head['n'], 'nl')} respondenten, {_weighted('nl')}.",
                f"95% confidence interval {_num(head['ci_low'])} to {_num(head['ci_high'])}; "
                f"{fmt.integer(head['n'], 'en')} respondents, {_weighted('en')}.",
            )
        )

    st.subheader(t("Verbeterpunten en wat we eraan doen", "Improvement points and what we do"))
    points = view["points"]
    main = [p for p in points if p["priority"] or p["actions"]]
    if not main and not view["other_actions"]:
        st.write(t("Er zijn nog geen verbeterpunten bekend.", "No improvement points yet."))
    for p in main:
        with st.container(border=True):
            st.markdown(f"**{p['rank']}. {_label(p)}**")
            if p["score"] is not None:
                st.caption(
                    t(
                        f"Score {_num(p['score'])} op 100 (95%-BI {_num(p['ci_low'])} tot "
                        f"{_num(p['ci_high'])})",
                        f"Score {_num(p['score'])} out of 100 (95% CI {_num(p['ci_low'])} to "
                        f"{_num(p['ci_high'])})",
                    )
                )
            if p["actions"]:
                show_actions(p["actions"])
            else:
                st.write(t("We werken hiervoor een actie uit.", "We are working out an action."))
    if view["other_actions"]:
        with st.container(border=True):
            st.markdown(t("**Andere acties**", "**Other actions**"))
            show_actions(view["other_actions"])
    rest = [p for p in points if p not in main]
    if rest:
        with st.expander(t("De andere aspecten", "The other aspects")):
            for p in rest:
                score = (
                    f"{_num(p['score'])} / 100"
                    if p["score"] is not None
                    else t("niet getoond (te weinig antwoorden)", "not shown (too few answers)")
                )
                st.markdown(f"- {_label(p)}: {score}")

    st.subheader(t("Volgende meting", "Next measurement"))
    nxt = view["next"]
    if nxt["text"]:
        st.write(nxt["text"])
    elif nxt["start"]:
        st.write(fmt.period(nxt["start"], nxt["end"], lang) if nxt["end"] else _date(nxt["start"]))
    else:
        st.write(t("Nog niet gepland.", "Not planned yet."))


# --- the page --------------------------------------------------------------------------------

engine = webapp.engine()
top = st.container()  # the language switch, drawn last (the link may set the language)
st.title(t("Wat doen we met uw feedback?", "What we do with your feedback"))
st.write(
    t(
        "Het {department} bevraagt artsen, tandartsen en ziekenhuisapothekers in opleiding "
        "over het e-loket. Hier leest u de resultaten en wat we ermee doen.",
        "The {department_en} surveys doctors, dentists and hospital pharmacists in "
        "training about the e-loket. Here you find the results and what we do with them.",
    ).format(**organisation().names())
)
published = A.published_waves(engine)
if not published:
    st.info(
        t(
            "Er zijn nog geen resultaten gepubliceerd. Zodra de bevraging is afgesloten en "
            "verwerkt, leest u hier de resultaten en wat we ermee doen. Bedankt voor uw geduld!",
            "No results have been published yet. Once the survey has closed and been analysed, "
            "you will find the results here, and what we do with them. Thank you for your "
            "patience!",
        ),
        icon=":material/hourglass_empty:",
    )
else:
    ids = [w["id"] for w in published]
    by_id = {w["id"]: w for w in published}
    asked = st.query_params.get("wave")
    default = int(asked) if asked and asked.isdigit() and int(asked) in ids else ids[-1]
    chosen = default
    if len(ids) > 1:
        chosen = st.selectbox(
            t("Bevraging", "Survey"),
            list(reversed(ids)),
            index=list(reversed(ids)).index(default),
            format_func=lambda i: by_id[i]["name"],
            key="feedback_wave",
        )
    from ktm.services.results import activity_fingerprint

    with st.spinner(t("Resultaten laden…", "Loading the results…")):
        results = _results(
            database_url(),
            chosen,
            str(by_id[chosen]["published_at"]),
            activity_fingerprint(engine, chosen),
        )
    view = F.public_view(engine, chosen, results)
    if view is not None:
        show_wave(view)
if webapp.team_user() is None:  # the team has the switch in the sidebar
    webapp.language_switch(top)
webapp.page_language("feedback")
