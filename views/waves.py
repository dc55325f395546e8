"""Bevragingen: create a wave, edit the facts it stores (the Methodologie page and the Excel
export read them, and they answer the parliamentary questions), and open or close it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy import select

from ktm import dashboard as D
from ktm import webapp
from ktm.config import database_url
from ktm.webapp import t
from store import schema
from store.db import reading
from store.waves import StoreError, create_wave, update_wave

webapp.require_team()
wave = webapp.wave_selector()
st.title(t("Bevragingen", "Waves"))
engine = webapp.engine()
FLASH = "waves_flash"

if st.session_state.get(FLASH):
    st.success(t(*st.session_state.pop(FLASH)), icon=":material/check_circle:")

DESIGNS = {
    "stratified": ("Gestratificeerde aselecte steekproef", "Stratified random sample"),
    "census": ("Volledige telling", "Census"),
    "open": ("Open link (zelfselectie)", "Open link (self-selection)"),
}
EXECUTIONS = {
    "in_house": ("Door de eigen diensten", "In-house"),
    "outsourced": ("Uitbesteed", "Outsourced"),
    "mixed": ("Gemengd (deels uitbesteed)", "Mixed (partly outsourced)"),
}


def _questionnaires() -> dict[str, str]:
    with reading(engine) as conn:
        rows = conn.execute(
            select(
                schema.questionnaire_versions.c.hash,
                schema.questionnaire_versions.c.questionnaire_id,
                schema.questionnaire_versions.c.version,
            ).order_by(schema.questionnaire_versions.c.created_at)
        ).all()
    return {h: f"{qid} v{v} ({h[:8]})" for h, qid, v in rows}


def _pct_in(label: str, value: float | None, key: str) -> float | None:
    v = st.number_input(
        label,
        min_value=0.0,
        max_value=100.0,
        value=None if value is None else round(100 * value, 1),
        step=1.0,
        key=key,
    )
    return None if v is None else v / 100


def facts_form(current: dict | None, prefix: str) -> tuple[dict, bool]:
    """The form for a wave's facts; returns (fields, submitted)."""
    c = current or {}
    other = c.get("other_methods") or {}
    with st.form(f"{prefix}_form"):
        fields: dict = {}
        fields["name"] = st.text_input(t("Naam", "Name"), c.get("name", ""), key=f"{prefix}_name")
        c1, c2 = st.columns(2)
        fields["fieldwork_start"] = c1.date_input(
            t("Begin veldwerk", "Fieldwork start"),
            c.get("fieldwork_start"),
            format="DD/MM/YYYY",
            key=f"{prefix}_start",
        )
        fields["fieldwork_end"] = c2.date_input(
            t("Einde veldwerk", "Fieldwork end"),
            c.get("fieldwork_end"),
            format="DD/MM/YYYY",
            key=f"{prefix}_end",
        )
        fields["objectives"] = st.text_area(
            t("Doelstellingen (vraag 4a)", "Objectives (question 4a)"),
            c.get("objectives") or "",
            key=f"{prefix}_objectives",
        )
        fields["frequency"] = st.text_input(
            t("Frequentie (vraag 2)", "Frequency (question 2)"),
            c.get("frequency") or "",
            key=f"{prefix}_frequency",
        )
        fields["population"] = st.text_area(
            t("Populatie", "Population"), c.get("population") or "", key=f"{prefix}_population"
        )
        c1, c2 = st.columns(2)
        fields["design_type"] = c1.selectbox(
            t("Ontwerp (vraag 4e)", "Design (question 4e)"),
            list(DESIGNS),
            index=list(DESIGNS).index(c.get("design_type") or "stratified"),
            format_func=lambda d: D.tr(DESIGNS[d]),
            key=f"{prefix}_design",
        )
        fields["mode"] = c2.text_input(
            t("Wijze van bevragen (vraag 5)", "Mode (question 5)"),
            c.get("mode") or "",
            key=f"{prefix}_mode",
        )
        fields["post_contact"] = st.checkbox(
            t(
                "Korte bevraging na elk contact (open link, vraag 4f)",
                "Short survey after each contact (open link, question 4f)",
            ),
            bool(c.get("post_contact")),
            key=f"{prefix}_post_contact",
        )
        st.markdown(t("**Minima (vraag 4d)**", "**Minima (question 4d)**"))
        c1, c2, c3, c4 = st.columns(4)
        with c1:
            fields["min_response_rate"] = _pct_in(
                t("Min. responsgraad (%)", "Min. response rate (%)"),
                c.get("min_response_rate"),
                f"{prefix}_minrr",
            )
        with c2:
            fields["min_response_rate_stratum"] = _pct_in(
                t("Min. per stratum (%)", "Min. per stratum (%)"),
                c.get("min_response_rate_stratum"),
                f"{prefix}_minrr_h",
            )
        fields["min_completes_stratum"] = c3.number_input(
            t("Min. volledig per stratum", "Min. completes per stratum"),
            min_value=0,
            value=int(c.get("min_completes_stratum") or 0),
            key=f"{prefix}_minc",
        )
        fields["disclosure_k"] = c4.number_input(
            t("Anonimiteitsdrempel k", "Disclosure threshold k"),
            min_value=1,
            value=int(c.get("disclosure_k") or 5),
            help=t(
                "Geen cijfer of open antwoord uit een cel met minder dan k respondenten.",
                "No figure or open answer from a cell with fewer than k respondents.",
            ),
            key=f"{prefix}_k",
        )
        st.markdown(t("**Uitvoering (vraag 6)**", "**Execution (question 6)**"))
        c1, c2 = st.columns(2)
        fields["execution"] = c1.selectbox(
            t("Uitvoering", "Execution"),
            list(EXECUTIONS),
            index=list(EXECUTIONS).index(c.get("execution") or "in_house"),
            format_func=lambda e: D.tr(EXECUTIONS[e]),
            key=f"{prefix}_execution",
        )
        fields["cost_eur"] = c2.number_input(
            t("Kosten (euro)", "Cost (euro)"),
            min_value=0.0,
            value=c.get("cost_eur"),
            step=100.0,
            key=f"{prefix}_cost",
        )
        fields["execution_rationale"] = st.text_area(
            t("Waarom zo uitgevoerd", "Why carried out this way"),
            c.get("execution_rationale") or "",
            key=f"{prefix}_exec_why",
        )
        fields["aspects_rationale"] = st.text_area(
            t("Hoe de aspecten gekozen zijn (vraag 4g)", "How the aspects were chosen (4g)"),
            c.get("aspects_rationale") or "",
            key=f"{prefix}_aspects",
        )
        st.markdown(t("**Andere methodes (vraag 3)**", "**Other methods (question 3)**"))
        methods_text = st.text_area(
            t(
                "Eén methode per regel: Nederlands | English",
                "One method per line: Dutch | English",
            ),
            "\n".join(
                f"{m.get('nl', '')} | {m.get('en', '')}".rstrip(" |")
                for m in other.get("methods") or []
            ),
            key=f"{prefix}_methods",
        )
        complaints = other.get("complaints") or {}
        complaints_df = st.data_editor(
            pd.DataFrame(
                {
                    t("Jaar", "Year"): [str(y) for y in complaints],
                    t("Klachten", "Complaints"): [int(n) for n in complaints.values()],
                }
            ).astype({t("Klachten", "Complaints"): "Int64"}),
            num_rows="dynamic",
            key=f"{prefix}_complaints",
        )
        fields["communication"] = st.text_area(
            t(
                "Terugkoppeling aan de respondenten (vraag 10)",
                "Feedback to respondents (question 10)",
            ),
            c.get("communication") or "",
            key=f"{prefix}_communication",
        )
        fields["next_wave_planned"] = st.text_input(
            t("Volgende meting gepland (vraag 11)", "Next wave planned (question 11)"),
            c.get("next_wave_planned") or "",
            key=f"{prefix}_next",
        )
        qs = _questionnaires()
        hashes = [None, *qs]
        fields["questionnaire_hash"] = st.selectbox(
            t("Vragenlijst", "Questionnaire"),
            hashes,
            index=hashes.index(c.get("questionnaire_hash"))
            if c.get("questionnaire_hash") in hashes
            else 0,
            format_func=lambda h: t("(nog geen)", "(none yet)") if h is None else qs[h],
            key=f"{prefix}_q",
        )
        submitted = st.form_submit_button(t("Bewaren", "Save"), type="primary")
    fields["other_methods"] = {
        "methods": [
            {"nl": nl.strip(), "en": (en or nl).strip()}
            for line in methods_text.splitlines()
            if line.strip()
            for nl, _sep, en in [line.partition("|")]
        ],
        "complaints": {
            str(y).strip(): int(n)
            for y, n in zip(complaints_df.iloc[:, 0], complaints_df.iloc[:, 1], strict=True)
            if isinstance(y, str) and y.strip() and pd.notna(n)
        },
    }
    for k in list(fields):
        if isinstance(fields[k], str):
            fields[k] = fields[k].strip() or None
    return fields, submitted


def problems(fields: dict, wave_id: int | None) -> list[str]:
    out = []
    if not fields.get("name"):
        out.append(t("Geef de bevraging een naam.", "Give the wave a name."))
    else:
        with reading(engine) as conn:
            clash = conn.execute(
                select(schema.waves.c.id).where(schema.waves.c.name == fields["name"])
            ).scalar()
        if clash is not None and clash != wave_id:
            out.append(
                t(
                    f"Er bestaat al een bevraging met de naam '{fields['name']}'.",
                    f"A wave named '{fields['name']}' already exists.",
                )
            )
    start, end = fields.get("fieldwork_start"), fields.get("fieldwork_end")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        out.append(
            t(
                "Het einde van het veldwerk ligt vóór het begin.",
                "The fieldwork ends before it starts.",
            )
        )
    for y in (fields.get("other_methods") or {}).get("complaints", {}):
        if not y.isdigit():
            out.append(
                t(f"Jaar '{y}' bij de klachten is geen jaartal.", f"Year '{y}' is not a year.")
            )
    return out


def save(fields: dict, wave_id: int | None) -> None:
    bad = problems(fields, wave_id)
    if bad:
        st.error(
            t("Niet bewaard:", "Not saved:") + "\n" + "\n".join(f"- {b}" for b in bad),
            icon=":material/error:",
        )
        return
    try:
        with engine.begin() as conn:
            if wave_id is None:
                new_id = create_wave(conn, **fields)
                # The sidebar shows the new wave: its selector starts again from wave_id.
                st.session_state["wave_id"] = new_id
                st.session_state.pop("wave_select", None)
            else:
                update_wave(conn, wave_id, **fields)
    except StoreError as exc:
        st.error(str(exc))
        return
    webapp.list_waves.clear()
    D.fingerprint.clear()
    st.session_state[FLASH] = (
        ("Bevraging aangemaakt.", "Wave created.")
        if wave_id is None
        else ("Gegevens bewaard.", "Facts saved.")
    )
    st.rerun()


def set_status(wave: dict, status: str) -> None:
    with engine.begin() as conn:
        update_wave(conn, wave["id"], status=status)
    webapp.list_waves.clear()
    D.fingerprint.clear()
    st.session_state[FLASH] = {
        "open": ("Het veldwerk is geopend.", "Fieldwork is open."),
        "closed": ("De bevraging is afgesloten.", "The wave is closed."),
        "draft": ("De bevraging staat weer in ontwerp.", "The wave is back in draft."),
    }[status]
    st.rerun()


tab_edit, tab_new = st.tabs([t("Deze bevraging", "This wave"), t("Nieuwe bevraging", "New wave")])

with tab_edit:
    if wave is None:
        st.info(t("Er is nog geen bevraging.", "There is no wave yet."))
    else:
        if wave.get("demo"):
            from ktm.demo import DEMO_NOTE_EN, DEMO_NOTE_NL

            st.info(t(DEMO_NOTE_NL, DEMO_NOTE_EN), icon=":material/science:")
        status = wave["status"]
        st.markdown(
            t("**Status**: ", "**Status**: ") + D.tr(D.STATUS_LABELS.get(status, (status, status)))
        )
        others_open = [
            w["name"]
            for w in webapp.list_waves(database_url())
            if w["status"] == "open" and w["id"] != wave["id"]
        ]
        c1, c2 = st.columns(2)
        if status != "open":
            if others_open:
                c1.caption(
                    t(
                        f"Let op: ook {', '.join(others_open)} loopt nog.",
                        f"Note: {', '.join(others_open)} is also open.",
                    )
                )
            if c1.button(
                t("Veldwerk openen", "Open fieldwork"), icon=":material/play_arrow:", key="w_open"
            ):
                set_status(wave, "open")
        if status == "open":
            st.caption(
                t(
                    "Na het afsluiten weigert de bevraging nieuwe antwoorden via het web; "
                    "papieren antwoorden kunnen nog worden ingevoerd.",
                    "After closing, the wave refuses new web answers; paper answers can still "
                    "be keyed in.",
                )
            )
            if c2.button(
                t("Bevraging afsluiten", "Close the wave"), icon=":material/stop:", key="w_close"
            ):
                set_status(wave, "closed")
        fields, submitted = facts_form(wave, f"edit{wave['id']}")
        if submitted:
            save(fields, wave["id"])

with tab_new:
    st.caption(
        t(
            "Een nieuwe bevraging start in ontwerp. Neem de vaste gegevens over van de gekozen "
            "bevraging en pas aan wat verandert.",
            "A new wave starts in draft. Take over the fixed facts of the chosen wave and change "
            "what differs.",
        )
    )
    template = None
    if wave is not None and st.checkbox(
        t(f"Gegevens overnemen van {wave['name']}", f"Copy the facts of {wave['name']}"),
        value=True,
        key="w_copy",
    ):
        template = {
            k: v
            for k, v in wave.items()
            if k not in ("id", "name", "status", "fieldwork_start", "fieldwork_end", "created_at")
            and k in {c.name for c in schema.waves.columns}
        }
    fields, submitted = facts_form(template, "new")
    if submitted:
        save({**fields, "status": "draft"}, None)
