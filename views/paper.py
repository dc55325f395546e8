"""Paper answers (team): key in one paper questionnaire, stored as a complete response, mode paper.

Every section on one page, with the profile the team reads from the paper form. The skip
rules are applied when saving (answers to questions that did not apply are dropped), and the
store validates everything as it does for the web form.
"""

from __future__ import annotations

import streamlit as st

from ktm import webapp
from ktm.services import response_files as file_svc
from ktm.services.problems import problems_csv_bytes, problems_table
from ktm.webapp import t
from store import responses as R
from store.db import reading
from survey import flow, form

STATE = "paper"

webapp.require_page("paper")
wave = webapp.wave_selector()
st.title(t("Papieren antwoorden", "Paper answers"))
engine = webapp.engine()

if wave is None:
    st.stop()
if not wave.get("questionnaire_hash"):
    st.info(
        t(
            "Deze bevraging heeft nog geen vragenlijst; koppel er eerst een aan de bevraging.",
            "This wave has no questionnaire yet; attach one to the wave first.",
        )
    )
    st.stop()

state = st.session_state.setdefault(STATE, {"gen": 0, "errors": {}, "saved": None, "draft": {}})
with reading(engine) as conn:
    q = R.questionnaire_for(conn, wave["questionnaire_hash"])

st.markdown(
    t(
        "Neem één papieren vragenlijst over zoals ze werd ingevuld. Laat een vraag leeg als ze "
        "niet beantwoord werd. Vragen die volgens de antwoorden niet van toepassing waren, "
        "worden niet bewaard.",
        "Key in one paper questionnaire as it was filled in. Leave a question empty when it was "
        "not answered. Questions that did not apply, given the answers, are not stored.",
    )
)
if wave["status"] != "open":
    st.caption(
        t(
            "Deze bevraging loopt niet meer; papieren antwoorden kunnen nog worden ingevoerd.",
            "This wave is no longer in fieldwork; paper answers can still be keyed in.",
        )
    )
with st.expander(
    t(
        "Een bestand met antwoorden inlezen (Excel of CSV)",
        "Import a file of answers (Excel or CSV)",
    ),
    icon=":material/upload_file:",
):
    st.markdown(
        t(
            "In de kolommen van het blad **Data** van de Excel-export (een export leest dus "
            "opnieuw in); open vragen mogen als extra kolom, en een kolom **unit_id** koppelt "
            "een formulier aan de uitnodiging van iemand uit de steekproef. Elke rij wordt "
            "gecontroleerd zoals het webformulier; bij één probleem wordt niets bewaard.",
            "In the columns of the **Data** sheet of the Excel export (so an export imports "
            "again); open questions may be added as columns, and a **unit_id** column links a "
            "form to a sampled person's invitation. Every row is checked as the web form is; "
            "with one problem nothing is stored.",
        )
    )
    template_columns = file_svc.preview_columns(engine, wave["id"])
    webapp.download_button(
        t("Leeg sjabloon (kolommen)", "Empty template (columns)"),
        lambda cols=template_columns: ";".join(cols).encode("utf-8-sig") + b"\r\n",
        file_name="antwoorden_sjabloon.csv",
        mime="text/csv",
        key="import_template",
    )
    import_mode = st.radio(
        t("Hoe kwamen deze antwoorden binnen?", "How did these answers come in?"),
        ["paper", "open", "post_contact", file_svc.FROM_FILE],
        format_func=lambda m: {
            "paper": t("Papier", "Paper"),
            "open": t("Open link (ander instrument)", "Open link (other tool)"),
            "post_contact": t("Na contact", "Post-contact"),
            file_svc.FROM_FILE: t("Volgens de kolom mode", "As the mode column says"),
        }[m],
        horizontal=True,
        key="import_mode",
    )
    answers_file = st.file_uploader(
        t("Bestand (.xlsx of .csv)", "File (.xlsx or .csv)"),
        type=["xlsx", "csv"],
        key="import_file",
    )
    if st.button(
        t("Antwoorden inlezen", "Import answers"), key="import_run", disabled=answers_file is None
    ):
        st.session_state.pop("import_problems", None)
        try:
            done = file_svc.import_responses(
                engine,
                wave["id"],
                answers_file.getvalue(),
                mode=import_mode,
                filename=answers_file.name,
            )
        except file_svc.ResponseFileError as exc:
            st.session_state["import_problems"] = {
                "message": t(
                    f"{answers_file.name}: {len(exc.problems)} probleem/problemen; er is niets "
                    "bewaard. Verbeter het bestand en probeer opnieuw.",
                    f"{answers_file.name}: {len(exc.problems)} problem(s); nothing was stored. "
                    "Fix the file and try again.",
                ),
                "table": problems_table(exc.problems),
                "csv": problems_csv_bytes(exc.problems),
            }
        else:
            st.session_state["import_result"] = done.summary()
    stored = st.session_state.get("import_problems")
    if stored:
        st.error(stored["message"])
        st.dataframe(stored["table"], hide_index=True, width="stretch")
        webapp.download_button(
            t("Alle problemen downloaden (CSV)", "Download every problem (CSV)"),
            lambda csv=stored["csv"]: csv,
            file_name="problemen.csv",
            mime="text/csv",
            key="import_problems_download",
        )
    if "import_result" in st.session_state:
        st.success(st.session_state.pop("import_result"))

if state["saved"]:
    st.success(
        t(
            f"Papieren vragenlijst bewaard als antwoord nr. {state['saved']}.",
            f"Paper questionnaire saved as response no. {state['saved']}.",
        ),
        icon=":material/check_circle:",
    )

languages = list(q.languages)
answer_lang = st.radio(
    t("Taal van de papieren vragenlijst", "Language of the paper questionnaire"),
    languages,
    format_func=lambda c: webapp.LANGS.get(c, c),
    horizontal=True,
    key=f"paper_lang_{state['gen']}",
)
lang = webapp.lang()
errors = {k: v[1] if lang == "en" else v[0] for k, v in state["errors"].items()}
if errors:
    st.error(
        t(
            f"{len(errors)} antwoord(en) niet in orde; zie de melding bij de vraag. "
            "Er werd niets bewaard.",
            f"{len(errors)} answer(s) need attention; see the message at the question. "
            "Nothing was saved.",
        )
    )

answers: dict = {}
for section in flow.sections_asked(q, "paper"):
    st.header(form._text(section.title, lang))
    answers.update(
        form.render_section(
            q,
            section,
            state["draft"],
            lang,
            f"paper{state['gen']}",
            errors,
            skip_logic=False,  # everything on paper is keyed in; the rules apply when saving
        )
    )
state["draft"] = answers

if st.button(t("Bewaren", "Save"), type="primary", icon=":material/save:", key="paper_save"):
    try:
        saved = R.save_paper_response(engine, wave["id"], answers, language=answer_lang)
    except R.InvalidAnswers as exc:
        state.update(errors=exc.errors, saved=None)
    except R.ResponseError as exc:
        state.update(errors={}, saved=None)
        st.error(exc.text(lang))
        st.stop()
    else:  # a clean form for the next questionnaire
        state.update(errors={}, saved=saved["id"], draft={}, gen=state["gen"] + 1)
    st.rerun()
