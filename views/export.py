"""Team page: download a wave's Excel workbook and its data and codebook as CSV."""

import streamlit as st

from ktm import webapp
from ktm.config import database_url
from ktm.webapp import t


@st.cache_data(show_spinner=False, max_entries=4)
def _files(url: str, wave_id: int, fingerprint: tuple, profile: str) -> tuple[bytes, bytes]:
    # fingerprint: part of the cache key only, so a new response makes a new file.
    from ktm.services.export import export_bytes

    return export_bytes(webapp.engine(), wave_id, profile=profile)


webapp.require_page("export")
wave = webapp.wave_selector()
st.title(t("Excel-export", "Excel export"))
if wave is not None:
    from ktm.services.export import file_stem
    from ktm.services.results import activity_fingerprint

    st.write(
        t(
            "Eén werkmap met de antwoorden op de parlementaire vragen, alle gewogen scores, de "
            "trend, de verbeterpunten, respons, weging, steekproef, de gegevens (één rij per "
            "antwoord, zonder namen of e-mailadressen) en het codeboek. Cellen met minder dan "
            f"{wave.get('disclosure_k', 5)} respondenten staan als x.",
            "One workbook with the answers to the parliamentary questions, every weighted score, "
            "the trend, improvement points, response, weighting, sample, the data (one row per "
            "response, without names or e-mail addresses) and the codebook. Cells with fewer "
            f"than {wave.get('disclosure_k', 5)} respondents show x.",
        )
    )
    from ktm import roles
    from ktm.services.audit import hand_out

    # A reader makes the publication profile only (the services refuse the other anyway).
    actor = webapp.team_actor()
    profiles = [
        p
        for p in ("internal", "publication")
        if roles.allowed(
            actor, "publication_export" if p == "publication" else "internal_export"
        )  # fmt: skip
    ]
    profile = st.radio(
        t("Profiel", "Profile"),
        profiles,
        format_func=lambda p: {
            "internal": t(
                "Intern (vertrouwelijk): volledige microdata en open antwoorden",
                "Internal (confidential): full microdata and open answers",
            ),
            "publication": t(
                "Publicatie: cijfers, vergroofde microdata (elke combinatie ≥ k), "
                "geen open antwoorden",
                "Publication: figures, coarsened microdata (every combination ≥ k), "
                "no open answers",
            ),
        }[p],
        key="export_profile",
    )
    key = f"export_ready_{wave['id']}_{profile}"
    if st.button(t("Bestanden maken", "Build the files"), type="primary"):
        st.session_state[key] = True
    if st.session_state.get(key):
        engine = webapp.engine()
        fingerprint = activity_fingerprint(engine, wave["id"])
        try:
            with st.spinner(t("Werkmap maken…", "Building the workbook…")):
                xlsx, csv_zip = _files(database_url(), wave["id"], fingerprint, profile)
        except LookupError as exc:
            st.error(str(exc))
        else:
            stem = file_stem(wave) + ("-publicatie" if profile == "publication" else "-intern")
            webapp.download_button(
                t("Excel-werkmap downloaden", "Download the Excel workbook"),
                # handed out only on the click (an internal one recorded then), then expires
                lambda xlsx=xlsx: hand_out(engine, xlsx, wave["id"], "workbook", profile, actor),
                file_name=f"{stem}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="download_xlsx",
            )
            webapp.download_button(
                t("Data en codeboek als CSV (zip)", "Data and codebook as CSV (zip)"),
                lambda csv_zip=csv_zip: hand_out(
                    engine, csv_zip, wave["id"], "csv", profile, actor
                ),
                file_name=f"{stem}-csv.zip",
                mime="application/zip",
                key="download_csv",
            )
            st.caption(
                t(
                    "CSV: UTF-8 met BOM, scheidingsteken ';', decimaalteken ','.",
                    "CSV: UTF-8 with BOM, separator ';', decimal mark ','.",
                )
            )

    st.subheader(t("Voor analisten en het kabinet", "For analysts and the cabinet"))
    st.write(
        t(
            "De gegevens voor SPSS, Stata, R of Python, met variabele- en waardelabels, n.v.t. als "
            "ontbrekende waarde, de gewichten en het steekproefontwerp (ontwerp.R, ontwerp.sps); "
            "en het ontwerp van antwoord op de schriftelijke vraag als Word-document.",
            "The data for SPSS, Stata, R or Python, with variable and value labels, n.v.t. as a "
            "missing value, the weights and the sample design (ontwerp.R, ontwerp.sps); and the "
            "draft answer to the written question as a Word document.",
        )
    )
    formats = {
        "sav": t("SPSS (.sav)", "SPSS (.sav)"),
        "dta": t("Stata (.dta)", "Stata (.dta)"),
        "parquet": t("Parquet", "Parquet"),
        "csv": t("CSV", "CSV"),
        "docx": t("Ontwerp van antwoord (Word)", "Draft answer (Word)"),
    }
    fmt = st.selectbox(
        t("Formaat", "Format"), list(formats), format_func=formats.get, key="export_format"
    )
    label_lang = webapp.lang()
    if st.button(t("Bestand maken", "Build the file"), key="build_other"):
        from ktm.services.export import answer_docx, stats_export
        from report.exports import zip_bytes

        engine = webapp.engine()
        stem = file_stem(wave)
        try:
            with st.spinner(t("Bestand maken…", "Building the file…")):
                if fmt == "docx":
                    data = answer_docx(engine, wave["id"], label_lang, profile)
                    name = f"{stem}-antwoord-192.docx"
                    mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                else:
                    data = zip_bytes(
                        stats_export(engine, wave["id"], fmt, label_lang, profile).files
                    )
                    name, mime = f"{stem}-{fmt}.zip", "application/zip"
        except LookupError as exc:
            st.error(str(exc))
        else:
            webapp.download_button(
                t("Downloaden", "Download") + f": {name}",
                lambda data=data: data,
                file_name=name,
                mime=mime,
                key="download_other",
            )
