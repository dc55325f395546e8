"""Team page "Acties": the improvement actions register of a wave, and its publication.

Each action is tied to one of the wave's improvement points (the ranked list of the key-driver
analysis, or any other aspect of the questionnaire); every change is kept with who and when.
Publishing puts the wave on the public page and e-mails the link to the respondents who asked.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from ktm import webapp
from ktm.config import database_url, settings
from ktm.services import feedback as F
from ktm.webapp import t
from report import format as fmt
from report import labels
from store import actions as A
from store.db import reading
from store.schema import ACTION_STATUSES

FLASH = "actions_flash"


@st.cache_data(ttl=600, show_spinner=False, max_entries=10)
def _ranked_points(url: str, wave_id: int, fingerprint: tuple) -> list[dict]:
    """The wave's improvement points, ranked (empty when the analysis cannot rank them)."""
    from ktm.database import get_engine
    from ktm.services.results import analyse

    try:
        _data, analysis = analyse(get_engine(url), wave_id)
        ranked = analysis.improvement_points
    except (LookupError, ValueError):
        return []
    if ranked is None:
        return []
    cols = ["rank", "dimension", "label_nl", "label_en", "quadrant_nl", "quadrant_en"]
    return labels.worded(ranked.points)[cols].to_dict("records")


@st.cache_data(ttl=600, show_spinner=False, max_entries=10)
def _dimensions(url: str, wave_id: int) -> dict[str, tuple[str, str]]:
    """Every aspect (dimension) of the wave's questionnaire: {dimension: (label nl, en)}."""
    from ktm.database import get_engine
    from ktm.services.results import questionnaire_of
    from store.waves import get_wave

    with reading(get_engine(url)) as conn:
        qhash = get_wave(conn, wave_id)["questionnaire_hash"]
        if qhash is None:
            return {}
        columns = questionnaire_of(conn, qhash).columns()
    out: dict[str, tuple[str, str]] = {}
    for c in columns:
        if c.dimension and c.role != "consent" and c.dimension not in out:
            nl = F.point_label(c.dimension, "nl")
            out[c.dimension] = (nl, F.point_label(c.dimension, "en"))
    return out


def point_options(wave_id: int) -> dict[str, str]:
    """{improvement point: what the team reads}: the ranked points first, then the others."""
    from ktm.services.results import activity_fingerprint

    with st.spinner(t("Verbeterpunten berekenen…", "Computing the improvement points…")):
        ranked = _ranked_points(database_url(), wave_id, activity_fingerprint(engine, wave_id))
    en = webapp.lang() == "en"
    options: dict[str, str] = {}
    for p in ranked:
        label = p["label_en"] if en else p["label_nl"]
        quadrant = p["quadrant_en"] if en else p["quadrant_nl"]
        options[p["dimension"]] = f"{p['rank']}. {label} ({quadrant})"
    for dim, (nl, en_label) in _dimensions(database_url(), wave_id).items():
        options.setdefault(dim, t(f"Aspect: {nl}", f"Aspect: {en_label}"))
    options.setdefault(F.GENERAL_POINT, t("Algemeen (geen enkel aspect)", "General (no aspect)"))
    return options


def status_label(status: str) -> str:
    nl, en = labels.LABELS["action_status"].get(status, (status, status))
    return t(nl, en)


def fmt_date(value) -> str:
    return fmt.date(value, webapp.lang()) if value else ""


def fmt_moment(value: dt.datetime | None) -> str:
    return fmt.moment(value, webapp.lang()) if value else ""


def action_fields(prefix: str, current: dict, options: dict[str, str]) -> dict:
    """The inputs of one action (new or existing); returns the values entered."""
    points = list(options)
    if current.get("improvement_point") and current["improvement_point"] not in options:
        points.append(current["improvement_point"])
    point = st.selectbox(
        t("Verbeterpunt", "Improvement point"),
        points,
        index=points.index(current["improvement_point"]) if current.get("improvement_point") else 0,
        format_func=lambda p: options.get(p, p),
        key=f"{prefix}_point",
    )
    description = st.text_area(
        t("Beschrijving (intern)", "Description (internal)"),
        value=current.get("description") or "",
        key=f"{prefix}_description",
    )
    c1, c2, c3 = st.columns(3)
    owner = c1.text_input(
        t("Verantwoordelijke", "Owner"), value=current.get("owner") or "", key=f"{prefix}_owner"
    )
    status = c2.selectbox(
        t("Status", "Status"),
        ACTION_STATUSES,
        index=ACTION_STATUSES.index(current.get("status") or "planned"),
        format_func=status_label,
        key=f"{prefix}_status",
    )
    due = c3.date_input(
        t("Streefdatum", "Due date"),
        value=current.get("due_date"),
        format=fmt.DATE_INPUT_FORMAT,
        key=f"{prefix}_due",
    )
    st.caption(
        t(
            "De publieke teksten verschijnen op de pagina 'Wat doen we met uw feedback?'. "
            "Een actie zonder publieke tekst blijft intern. Schrijf niets dat een persoon "
            "herkenbaar maakt.",
            "The public texts appear on the page 'What we do with your feedback'. An action "
            "without a public text stays internal. Write nothing that identifies a person.",
        )
    )
    p1, p2 = st.columns(2)
    text_nl = p1.text_area(
        t("Publieke tekst (Nederlands)", "Public text (Dutch)"),
        value=current.get("public_text_nl") or "",
        key=f"{prefix}_nl",
    )
    text_en = p2.text_area(
        t("Publieke tekst (Engels)", "Public text (English)"),
        value=current.get("public_text_en") or "",
        key=f"{prefix}_en",
    )
    return {
        "improvement_point": point,
        "description": description,
        "owner": owner,
        "status": status,
        "due_date": due,
        "public_text_nl": text_nl,
        "public_text_en": text_en,
    }


def register_table(actions: list[dict], options: dict[str, str]) -> None:
    if not actions:
        st.info(t("Nog geen acties voor deze bevraging.", "No actions for this wave yet."))
        return
    table = pd.DataFrame(
        {
            "#": [a["id"] for a in actions],
            t("Verbeterpunt", "Improvement point"): [
                options.get(a["improvement_point"], a["improvement_point"]) for a in actions
            ],
            t("Beschrijving", "Description"): [a["description"] for a in actions],
            t("Verantwoordelijke", "Owner"): [a["owner"] or "" for a in actions],
            t("Status", "Status"): [status_label(a["status"]) for a in actions],
            t("Streefdatum", "Due date"): [fmt_date(a["due_date"]) for a in actions],
            t("Publiek", "Public"): [
                t("ja", "yes") if (a["public_text_nl"] or a["public_text_en"]) else t("nee", "no")
                for a in actions
            ],
            t("Laatst gewijzigd", "Last changed"): [fmt_moment(a["updated_at"]) for a in actions],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")


def history_table(action_id: int) -> None:
    rows = []
    for h in A.history(engine, action_id):
        for field, (old, new) in h["change"].items():
            nl, en = A.FIELD_LABELS.get(field, (field, field))
            if field == "status":
                old, new = (status_label(v) if v else v for v in (old, new))
            rows.append(
                {
                    t("Wanneer", "When"): fmt_moment(h["changed_at"]),
                    t("Door", "By"): h["changed_by"] or "",
                    t("Veld", "Field"): t(nl, en),
                    t("Was", "Was"): "" if old is None else str(old),
                    t("Wordt", "Becomes"): "" if new is None else str(new),
                }
            )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def new_action(wave_id: int, options: dict[str, str]) -> None:
    with st.form("new_action", clear_on_submit=False):
        values = action_fields("new", {}, options)
        submitted = st.form_submit_button(t("Actie toevoegen", "Add action"), type="primary")
    if submitted:
        try:
            action_id = A.create_action(engine, wave_id, changed_by=user, **values)
        except A.ActionError as exc:
            st.error(str(exc))
            return
        for key in [k for k in st.session_state if str(k).startswith("new_")]:
            del st.session_state[key]
        st.session_state[FLASH] = t(
            f"Actie #{action_id} toegevoegd.", f"Action #{action_id} added."
        )
        st.rerun()


def edit_action(actions: list[dict], options: dict[str, str]) -> None:
    if not actions:
        st.write(t("Er is nog geen actie om te wijzigen.", "There is no action to edit yet."))
        return
    by_id = {a["id"]: a for a in actions}
    chosen = st.selectbox(
        t("Actie", "Action"),
        list(by_id),
        format_func=lambda i: f"#{i} – {by_id[i]['description'][:60]}",
        key="edit_choice",
    )
    current = by_id[chosen]
    prefix = f"edit_{chosen}_{current['updated_at'].timestamp():.6f}"  # fresh inputs per version
    with st.form(f"edit_action_{chosen}"):
        values = action_fields(prefix, current, options)
        submitted = st.form_submit_button(t("Wijzigingen bewaren", "Save changes"), type="primary")
    if submitted:
        try:
            changes = A.update_action(
                engine,
                chosen,
                changed_by=user,
                expected_updated_at=current["updated_at"],
                **values,
            )
        except A.ActionError as exc:
            st.error(str(exc))
        else:
            st.session_state[FLASH] = (
                t(f"Actie #{chosen} bewaard.", f"Action #{chosen} saved.")
                if changes
                else t("Er was niets gewijzigd.", "Nothing was changed.")
            )
            st.rerun()
    st.markdown(t("**Geschiedenis van deze actie**", "**History of this action**"))
    history_table(chosen)


def publish_section(wave: dict) -> None:
    from store.waves import get_wave

    st.subheader(t("Publiceren", "Publish"))
    with reading(engine) as conn:
        wave = get_wave(conn, wave["id"])  # fresh: the sidebar's list is cached
    waiting = A.consent_count(engine, wave["id"])
    if wave.get("published_at"):
        st.success(
            t(
                f"Gepubliceerd op {fmt_moment(A._same_moment(wave['published_at']))}.",
                f"Published on {fmt_moment(A._same_moment(wave['published_at']))}.",
            )
        )
    st.write(
        t(
            f"**{waiting}** respondent(en) vroegen om te horen wat we met de resultaten doen "
            "en krijgen bij het publiceren een e-mail met de link naar de publieke pagina. "
            "Hun e-mailadres wordt gewist zodra het bericht vertrokken is.",
            f"**{waiting}** respondent(s) asked to hear what we do with the results and will "
            "receive an e-mail with the link to the public page. Their address is deleted as "
            "soon as the message has gone out.",
        )
    )
    st.page_link(
        "views/feedback.py",
        label=t("Publieke pagina bekijken", "View the public page"),
        icon=":material/open_in_new:",
    )
    blocked = None
    if wave["status"] != "closed":
        blocked = t(
            "Publiceren kan pas als het veldwerk van deze bevraging is afgesloten.",
            "You can publish only once this wave's fieldwork is closed.",
        )
    elif waiting and not settings().smtp_configured:
        blocked = t(
            "Er is geen mailserver ingesteld (KTM_SMTP_HOST, KTM_SMTP_SENDER): de e-mails "
            "kunnen niet vertrekken.",
            "No mail server is configured (KTM_SMTP_HOST, KTM_SMTP_SENDER): the e-mails "
            "cannot go out.",
        )
    if blocked:
        st.warning(blocked)
    if wave.get("published_at"):
        label = (
            t(f"E-mails opnieuw versturen ({waiting})", f"Send the e-mails again ({waiting})")
            if waiting
            else None
        )
    else:
        label = (
            t(
                f"Publiceren en {waiting} e-mail(s) versturen",
                f"Publish and send {waiting} e-mail(s)",
            )
            if waiting
            else t("Publiceren", "Publish")
        )
    if label and st.button(label, type="primary", disabled=bool(blocked), key="publish"):
        st.session_state["publish_asked"] = wave["id"]
    if st.session_state.get("publish_asked") != wave["id"] or blocked:
        confirmed = False
    else:  # publishing puts the results in public and sends e-mails: it cannot be undone
        st.warning(
            t(
                f"De resultaten van {wave['name']} komen op de publieke pagina"
                + (f" en {waiting} e-mail(s) vertrekken meteen" if waiting else "")
                + ". Dat kan niet ongedaan gemaakt worden. Doorgaan?",
                f"The results of {wave['name']} go on the public page"
                + (f" and {waiting} e-mail(s) leave at once" if waiting else "")
                + ". This cannot be undone. Go ahead?",
            ),
            icon=":material/warning:",
        )
        yes, no = st.columns(2)
        confirmed = yes.button(
            t("Ja, publiceren", "Yes, publish"), type="primary", key="publish_confirm"
        )
        if no.button(t("Annuleren", "Cancel"), key="publish_cancel"):
            st.session_state.pop("publish_asked", None)
            st.rerun()
    if confirmed:
        st.session_state.pop("publish_asked", None)
        config = None
        if waiting:
            from ktm.services.sampling import SamplingError, smtp_config_from_env

            try:
                config = smtp_config_from_env()
            except SamplingError as exc:
                st.error(str(exc))
                return
        bar = st.progress(0.0)
        try:
            summary = F.publish(
                engine,
                wave["id"],
                config,
                progress=lambda done, total: bar.progress(done / total, text=f"{done}/{total}"),
            )
        except (F.FeedbackError, A.ActionError) as exc:
            st.error(str(exc))
            return
        webapp.list_waves.clear()
        st.session_state[FLASH] = "\n\n".join(summary.lines())
        st.rerun()
    if wave.get("published_at") and st.button(
        t("Van de publieke pagina halen", "Take off the public page"), key="unpublish"
    ):
        A.unpublish_wave(engine, wave["id"])
        webapp.list_waves.clear()
        st.rerun()


# --- the page --------------------------------------------------------------------------------

user = webapp.require_page("actions")
wave = webapp.wave_selector()
st.title(t("Acties", "Actions"))
if wave is None:
    st.stop()
engine = webapp.engine()
st.caption(
    t(
        f"Verbeteracties voor {wave['name']}, elk bij een verbeterpunt van deze bevraging.",
        f"Improvement actions for {wave['name']}, each tied to an improvement point of this wave.",
    )
)
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))
options = point_options(wave["id"])
actions = A.list_actions(engine, wave["id"])
register_table(actions, options)
new_tab, edit_tab = st.tabs([t("Nieuwe actie", "New action"), t("Actie wijzigen", "Edit action")])
with new_tab:
    new_action(wave["id"], options)
with edit_tab:
    edit_action(actions, options)
publish_section(wave)
