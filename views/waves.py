"""Bevragingen: create a wave, edit the facts it stores (the Methodologie page and the Excel
export read them, and they answer the parliamentary questions), open, close or delete it
(ktm.services.waves, the same checks as `ktm wave`), show the open link with its QR code,
publish questionnaire versions with what changed, and remove the demo world."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st
from sqlalchemy import select

from ktm import dashboard as D
from ktm import webapp
from ktm.config import database_url, public_base_url
from ktm.services import waves as W
from ktm.services.waves import WaveRefused
from ktm.webapp import t
from report import format as fmt
from report import labels
from store import schema
from store.db import reading

webapp.require_page("waves")
wave = webapp.wave_selector()
st.title(t("Bevragingen", "Waves"))
engine = webapp.engine()
FLASH = "waves_flash"

# Always one container here, with or without a message: the tabs below keep their place in
# the page, so the next rerun (an upload) does not send the team back to the first tab.
with st.container():
    if st.session_state.get(FLASH):
        st.success(t(*st.session_state.pop(FLASH)), icon=":material/check_circle:")

DESIGNS = labels.LABELS["design"]
EXECUTIONS = labels.LABELS["execution"]


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
        format="%g",  # 30, not Streamlit's 30.00 (its input writes a decimal point, never a comma)
        key=key,
    )
    return None if v is None else v / 100


def _text(widget, form: tuple, name: str, nl: str, en: str, key: str | None = None) -> None:
    """One text widget of the facts form (st.text_input, st.text_area or a column's) for the
    fact ``name``; ``form`` is the part's (facts, prefix, fields). Empty when not set."""
    c, prefix, fields = form
    fields[name] = widget(t(nl, en), c.get(name) or "", key=f"{prefix}_{key or name}")


def _identity_part(c: dict, prefix: str, fields: dict) -> None:
    """Name, fieldwork dates, objectives, frequency, population (questions 1, 2, 4a)."""
    fields["name"] = st.text_input(t("Naam", "Name"), c.get("name", ""), key=f"{prefix}_name")
    c1, c2 = st.columns(2)
    fields["fieldwork_start"] = c1.date_input(
        t("Begin veldwerk", "Fieldwork start"),
        c.get("fieldwork_start"),
        format=fmt.DATE_INPUT_FORMAT,
        key=f"{prefix}_start",
    )
    fields["fieldwork_end"] = c2.date_input(
        t("Einde veldwerk", "Fieldwork end"),
        c.get("fieldwork_end"),
        format=fmt.DATE_INPUT_FORMAT,
        key=f"{prefix}_end",
    )
    form = (c, prefix, fields)
    _text(st.text_area, form, "objectives", "Doelstellingen (vraag 4a)", "Objectives (question 4a)")
    _text(st.text_input, form, "frequency", "Frequentie (vraag 2)", "Frequency (question 2)")
    _text(st.text_area, form, "population", "Populatie", "Population")


def _design_part(c: dict, prefix: str, fields: dict) -> None:
    """Design, mode and the post-contact open link (questions 4e, 5, 4f)."""
    c1, c2 = st.columns(2)
    fields["design_type"] = c1.selectbox(
        t("Ontwerp (vraag 4e)", "Design (question 4e)"),
        list(DESIGNS),
        index=list(DESIGNS).index(c.get("design_type") or "stratified"),
        format_func=lambda d: D.tr(DESIGNS[d]),
        key=f"{prefix}_design",
    )
    mode = ("Wijze van bevragen (vraag 5)", "Mode (question 5)")
    _text(c2.text_input, (c, prefix, fields), "mode", *mode)
    fields["post_contact"] = st.checkbox(
        t(
            "Korte bevraging na elk contact (open link, vraag 4f)",
            "Short survey after each contact (open link, question 4f)",
        ),
        bool(c.get("post_contact")),
        key=f"{prefix}_post_contact",
    )


def _minima_part(c: dict, prefix: str, fields: dict) -> None:
    """Minimum response rates and completes, and the disclosure threshold (question 4d)."""
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


def _execution_part(c: dict, prefix: str, fields: dict) -> None:
    """In-house or outsourced, cost, why, and how the aspects were chosen (6, 4g)."""
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
        format="%.0f",
        key=f"{prefix}_cost",
    )
    form = (c, prefix, fields)
    why = ("Waarom zo uitgevoerd", "Why carried out this way")
    _text(st.text_area, form, "execution_rationale", *why, key="exec_why")
    how = ("Hoe de aspecten gekozen zijn (vraag 4g)", "How the aspects were chosen (4g)")
    _text(st.text_area, form, "aspects_rationale", *how, key="aspects")


def _methods_part(c: dict, prefix: str) -> tuple[str, pd.DataFrame]:
    """Other methods and yearly complaint counts (question 3): the raw widget values."""
    other = c.get("other_methods") or {}
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
    return methods_text, complaints_df


def _other_methods(methods_text: str, complaints_df: pd.DataFrame) -> dict:
    return {
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


def _follow_up_part(c: dict, prefix: str, fields: dict) -> None:
    """Feedback to respondents and the next measurement (questions 10, 11)."""
    form = (c, prefix, fields)
    told = (
        "Terugkoppeling aan de respondenten (vraag 10)",
        "Feedback to respondents (question 10)",
    )
    _text(st.text_area, form, "communication", *told)
    next_ = ("Volgende meting gepland (vraag 11)", "Next wave planned (question 11)")
    _text(st.text_input, form, "next_wave_planned", *next_, key="next")


def _questionnaire_part(c: dict, prefix: str, fields: dict) -> None:
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
        help=t(
            "Een nieuwe versie publiceert u op het tabblad Vragenlijsten.",
            "Publish a new version on the Questionnaires tab.",
        ),
    )


def facts_form(current: dict | None, prefix: str) -> tuple[dict, bool]:
    """The form for a wave's facts, in its named parts; returns (fields, submitted)."""
    c = current or {}
    with st.form(f"{prefix}_form"):
        fields: dict = {}
        _identity_part(c, prefix, fields)
        _design_part(c, prefix, fields)
        _minima_part(c, prefix, fields)
        _execution_part(c, prefix, fields)
        methods_text, complaints_df = _methods_part(c, prefix)
        _follow_up_part(c, prefix, fields)
        _questionnaire_part(c, prefix, fields)
        submitted = st.form_submit_button(t("Bewaren", "Save"), type="primary")
    fields["other_methods"] = _other_methods(methods_text, complaints_df)
    for k in list(fields):
        if isinstance(fields[k], str):
            fields[k] = fields[k].strip() or None
    return fields, submitted


def _refusal(exc: WaveRefused, title: tuple[str, str]) -> None:
    st.error(
        t(*title) + "\n" + "\n".join(f"- {r}" for r in exc.text(webapp.lang()).splitlines()),
        icon=":material/error:",
    )


def _changed(flash: tuple[str, str]) -> None:
    webapp.list_waves.clear()
    D.fingerprint.clear()
    st.session_state[FLASH] = flash
    st.rerun()


def save(fields: dict, wave_id: int | None) -> None:
    try:
        if wave_id is None:
            new_id = W.create(engine, fields)
            webapp.show_wave(new_id)  # the sidebar shows the new wave
        else:
            W.set_facts(engine, wave_id, fields)
    except WaveRefused as exc:
        _refusal(exc, ("Niet bewaard:", "Not saved:"))
        return
    _changed(
        ("Bevraging aangemaakt.", "Wave created.")
        if wave_id is None
        else ("Gegevens bewaard.", "Facts saved.")
    )


def _open_link(wave: dict) -> None:
    """The open link of a wave in fieldwork (question 4f), to copy or print as a QR code."""
    import segno

    st.markdown(t("**Open link** (bevraging na contact)", "**Open link** (post-contact survey)"))
    if not wave.get("post_contact"):
        st.caption(
            t(
                "Deze bevraging heeft geen open link: zet 'Korte bevraging na elk contact' aan "
                "in de gegevens hieronder.",
                "This wave has no open link: turn on 'Short survey after each contact' in the "
                "facts below.",
            )
        )
        return
    link = f"{public_base_url()}/?wave={wave['id']}"
    st.code(link, language=None)  # Streamlit's code block has a copy button
    qr = segno.make(link, error="m")
    alt = t(f"QR-code van de open link {link}", f"QR code of the open link {link}")
    c1, c2 = st.columns([1, 2])
    # A data URI in an <img>: the QR code with its alternative text (st.html strips SVG).
    c1.markdown(
        f'<img src="{qr.svg_data_uri(scale=5)}" alt="{alt}" width="{qr.symbol_size(scale=5)[0]}">',
        unsafe_allow_html=True,
    )
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=10, border=4)
    webapp.download_button(
        t("QR-code als PNG (affiche)", "QR code as PNG (poster)"),
        buf.getvalue,
        file_name=f"open-link-bevraging-{wave['id']}.png",
        mime="image/png",
        key="w_qr_png",
        where=c2,
    )
    svg_file = io.BytesIO()
    qr.save(svg_file, kind="svg", scale=10, border=4)
    webapp.download_button(
        t("QR-code als SVG", "QR code as SVG"),
        svg_file.getvalue,
        file_name=f"open-link-bevraging-{wave['id']}.svg",
        mime="image/svg+xml",
        key="w_qr_svg",
        where=c2,
    )
    c2.caption(
        t(
            f"Zolang alleen deze bevraging loopt, werkt ook {public_base_url()}/?wave=open "
            "(bv. op de bevestigingspagina van het e-loket).",
            f"While only this wave is open, {public_base_url()}/?wave=open works too (e.g. on "
            "the e-loket's confirmation page).",
        )
    )


def _confirmed(action: str, wave: dict, warning: tuple[str, str], yes: tuple[str, str]) -> bool:
    """A second click, after a warning, confirms `action` (close, delete)."""
    key = f"w_confirm_{action}"
    if st.session_state.get(key) != wave["id"]:
        return False
    st.warning(t(*warning), icon=":material/warning:")
    c1, c2 = st.columns(2)
    if c2.button(t("Annuleren", "Cancel"), key=f"w_{action}_no"):
        st.session_state.pop(key, None)
        st.rerun()
    if c1.button(t(*yes), type="primary", key=f"w_{action}_yes"):
        st.session_state.pop(key, None)
        return True
    return False


def lifecycle(wave: dict) -> None:
    """Status, what the wave still needs, and the buttons that move it on."""
    state = W.state(engine, wave["id"])
    status = wave["status"]
    st.markdown(
        t("**Status**: ", "**Status**: ") + D.tr(D.STATUS_LABELS.get(status, (status, status)))
    )
    st.caption(
        t(
            f"Kader: {state.frame_units} eenheden · steekproef: {state.sample_n or '–'} · "
            f"links uitgegeven: {state.issued} · antwoorden: {state.responses} "
            f"({state.completes} volledig)",
            f"Frame: {state.frame_units} units · sample: {state.sample_n or '–'} · links "
            f"issued: {state.issued} · responses: {state.responses} ({state.completes} complete)",
        )
    )
    others_open = [
        w["name"]
        for w in webapp.list_waves(database_url())
        if w["status"] == "open" and w["id"] != wave["id"]
    ]
    c1, c2, c3 = st.columns(3)
    if status != "open":
        if state.opening_problems:
            st.info(
                t("Nog nodig om het veldwerk te openen:", "Still needed to open fieldwork:")
                + "\n"
                + "\n".join(f"- {t(nl, en)}" for nl, en in state.opening_problems),
                icon=":material/checklist:",
            )
        for nl, en in W.date_warnings(wave):
            st.warning(t(nl, en), icon=":material/event:")
        if others_open:
            c1.caption(
                t(
                    f"Let op: ook {', '.join(others_open)} loopt nog.",
                    f"Note: {', '.join(others_open)} is also open.",
                )
            )
        if c1.button(
            t("Veldwerk openen", "Open fieldwork"),
            icon=":material/play_arrow:",
            key="w_open",
            disabled=bool(state.opening_problems),
        ):
            try:
                W.open_wave(engine, wave["id"])
            except WaveRefused as exc:
                _refusal(exc, ("Niet geopend:", "Not opened:"))
            else:
                _changed(("Het veldwerk is geopend.", "Fieldwork is open."))
    if status == "open":
        for nl, en in W.date_warnings(wave):
            st.warning(t(nl, en), icon=":material/event:")
        _open_link(wave)
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
            st.session_state["w_confirm_close"] = wave["id"]
        if _confirmed(
            "close",
            wave,
            (
                f"'{wave['name']}' afsluiten? Respondenten kunnen daarna niet meer via het web "
                "antwoorden.",
                f"Close '{wave['name']}'? Respondents can then no longer answer on the web.",
            ),
            ("Ja, afsluiten", "Yes, close"),
        ):
            try:
                W.close_wave(engine, wave["id"])
            except WaveRefused as exc:
                _refusal(exc, ("Niet afgesloten:", "Not closed:"))
            else:
                _changed(("De bevraging is afgesloten.", "The wave is closed."))
    if status == "draft" or wave.get("demo"):
        if c3.button(t("Bevraging verwijderen", "Delete the wave"), icon=":material/delete:",
                     key="w_delete"):  # fmt: skip
            st.session_state["w_confirm_delete"] = wave["id"]
        if _confirmed(
            "delete",
            wave,
            (
                f"'{wave['name']}' verwijderen, met haar kader en steekproef? Dit kan niet "
                "ongedaan worden.",
                f"Delete '{wave['name']}' with its frame and sample? This cannot be undone.",
            ),
            ("Ja, verwijderen", "Yes, delete"),
        ):
            try:
                W.delete_wave(engine, wave["id"])
            except WaveRefused as exc:
                _refusal(exc, ("Niet verwijderd:", "Not deleted:"))
            else:
                webapp.show_wave(None)
                _changed(("De bevraging is verwijderd.", "The wave is deleted."))
    else:
        c3.caption(
            t(
                "Alleen een bevraging in ontwerp kan worden verwijderd.",
                "Only a draft wave can be deleted.",
            )
        )


def _diff_view(old, new) -> None:
    from survey.diff import compare_questionnaires

    diff = compare_questionnaires(old, new)
    st.markdown(
        t(
            f"**Verschil met {old.id} versie {old.version}** (in gebruik)",
            f"**Changes against {old.id} version {old.version}** (in use)",
        )
    )
    if diff.same:
        st.caption(t("Geen verschil in de vragen.", "No difference in the items."))
        return
    if diff.added:
        st.markdown(t("Nieuwe vragen: ", "Items added: ") + ", ".join(f"`{i}`" for i in diff.added))
    if diff.removed:
        st.markdown(
            t("Weggelaten vragen: ", "Items removed: ") + ", ".join(f"`{i}`" for i in diff.removed)
        )
    if diff.reworded:
        st.markdown(t("Anders verwoord:", "Reworded:"))
        st.table(  # a plain table: long labels wrap, and every reader reaches them
            pd.DataFrame(
                [(r.item, r.language, r.old, r.new) for r in diff.reworded],
                columns=[
                    t("Vraag", "Item"),
                    t("Taal", "Language"),
                    t("Was", "Was"),
                    t("Nu", "Now"),
                ],  # fmt: skip
            ).set_index(t("Vraag", "Item")),
        )
    if diff.rescaled:
        st.markdown(
            t("Ander antwoordtype of andere schaal: ", "Other answer type or scale: ")
            + ", ".join(f"`{i}`" for i in diff.rescaled)
        )


def questionnaires_tab(wave: dict | None) -> None:
    st.caption(
        t(
            "Een vragenlijst (YAML of XLSForm) wordt een versie, herkend aan haar hash: "
            "dezelfde versie opnieuw publiceren verandert niets. Hetzelfde als "
            "`ktm questionnaire publish BESTAND`.",
            "A questionnaire (YAML or XLSForm) becomes a version, known by its hash: "
            "publishing the same version again changes nothing. The same as "
            "`ktm questionnaire publish FILE`.",
        )
    )
    upload = st.file_uploader(
        t("Vragenlijst (YAML of XLSForm)", "Questionnaire (YAML or XLSForm)"),
        type=["yaml", "yml", "xlsx"],
        key="w_q_upload",
    )
    if upload is not None:
        q, message = W.load_uploaded_questionnaire(upload.name, upload.getvalue())
        if q is None:
            st.error(
                t(
                    "De vragenlijst is niet geldig; niets opgeslagen.\n\n",
                    "The questionnaire is not valid; nothing stored.\n\n",
                )  # fmt: skip
                + f"```\n{message}\n```",
                icon=":material/error:",
            )
        else:
            st.success(
                t(
                    f"Geldig: '{q.id}' versie {q.version}, {len(q.items())} vragen, talen "
                    f"{', '.join(q.languages)} (hash {q.hash[:12]}).",
                    f"Valid: '{q.id}' version {q.version}, {len(q.items())} items, languages "
                    f"{', '.join(q.languages)} (hash {q.hash[:12]}).",
                ),
                icon=":material/check_circle:",
            )
            in_use = (wave or {}).get("questionnaire_hash")
            if in_use is None:
                own = W.questionnaire_versions(engine, with_demo=False)
                in_use = own[-1]["hash"] if own else None
            if in_use is not None and in_use != q.hash:
                _diff_view(W.questionnaire(engine, in_use), q)
            use_it = (
                wave is not None
                and wave["status"] == "draft"
                and st.checkbox(
                    t(f"Gebruiken voor {wave['name']}", f"Use it for {wave['name']}"),
                    value=True,
                    key="w_q_use",
                )
            )
            if st.button(t("Publiceren", "Publish"), type="primary", key="w_q_publish"):
                result = W.publish_questionnaire(engine, q)
                if use_it:
                    W.set_facts(engine, wave["id"], {"questionnaire_hash": result.hash})
                _changed(
                    (
                        f"Vragenlijst {q.id} versie {q.version} gepubliceerd."
                        if result.new
                        else f"Vragenlijst {q.id} versie {q.version} was al gepubliceerd.",
                        f"Questionnaire {q.id} version {q.version} published."
                        if result.new
                        else f"Questionnaire {q.id} version {q.version} was already published.",
                    )
                )
    versions = W.questionnaire_versions(engine)
    any_demo = any(v["demo"] for v in versions)
    if versions:
        st.dataframe(
            pd.DataFrame(
                [
                    (
                        v["questionnaire_id"],
                        v["version"],
                        v["hash"][:12],
                        v["n_waves"],
                        *(("demo" if v["demo"] else "",) if any_demo else ()),
                    )
                    for v in versions
                ],  # fmt: skip
                columns=[
                    t("Vragenlijst", "Questionnaire"),
                    t("Versie", "Version"),
                    t("Kenmerk (hash)", "Fingerprint (hash)"),
                    t("Bevragingen", "Waves"),
                    # a column for the demo mark only when a demo version is listed
                    *((t("Demo", "Demo"),) if any_demo else ()),
                ],  # fmt: skip
            ),
            hide_index=True,
        )


def demo_part() -> None:
    steps = W.first_steps(engine)
    if not steps.demo_waves:
        return
    st.divider()
    st.markdown(t("**Demowereld**", "**Demo world**"))
    st.caption(
        t(
            f"Deze databank bevat {steps.demo_waves} demobevragingen met synthetische gegevens. "
            "Ze worden nooit met uw eigen bevragingen vergeleken. Verwijderen wist elke rij van "
            "de demo en niets anders (hetzelfde als `ktm demo --remove`).",
            f"This database holds {steps.demo_waves} demo waves with synthetic data. They are "
            "never compared with your own waves. Removing deletes every demo row and nothing "
            "else (the same as `ktm demo --remove`).",
        )
    )
    sure = st.checkbox(
        t("Ja, verwijder de demowereld", "Yes, remove the demo world"), key="w_demo_sure"
    )
    if st.button(
        t("Demowereld verwijderen", "Remove the demo world"),
        icon=":material/delete_sweep:",
        disabled=not sure,
        key="w_demo_remove",
    ):
        from ktm.demo import remove_demo

        remove_demo(engine)
        webapp.show_wave(None)
        _changed(("De demowereld is verwijderd.", "The demo world is removed."))


tab_edit, tab_new, tab_q = st.tabs(
    [
        t("Deze bevraging", "This wave"),
        t("Nieuwe bevraging", "New wave"),
        t("Vragenlijsten", "Questionnaires"),
    ]
)

with tab_edit:
    if wave is None:
        st.info(t("Er is nog geen bevraging.", "There is no wave yet."))
    else:
        if wave.get("demo"):
            from ktm.demo import DEMO_NOTE_EN, DEMO_NOTE_NL

            st.info(t(DEMO_NOTE_NL, DEMO_NOTE_EN), icon=":material/science:")
        lifecycle(wave)
        fields, submitted = facts_form(wave, f"edit{wave['id']}")
        if submitted:
            save(fields, wave["id"])
    demo_part()

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
        template = W.copyable_facts(wave)
        st.caption(
            t(
                "Niet overgenomen: naam, veldwerkdata, bewaartermijn en de volgende meting "
                "(vraag 11): vul die hieronder in.",
                "Not copied: name, fieldwork dates, retention date and the next wave "
                "(question 11): fill them in below.",
            )
        )
    fields, submitted = facts_form(template, "new")
    if submitted:
        save(fields, None)

with tab_q:
    questionnaires_tab(wave)
