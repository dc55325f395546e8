"""Methodologie: the wave's design, from stored facts and the computed diagnostics; the answer
to the parliamentary questions 1 to 8 and 11 (texts from report.accountability, shared with
the Excel "Verantwoording" sheet)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ktm import dashboard as D
from ktm.webapp import lang, t
from report import format as F

wave = D.page("Methodologie", "Methodology", "methodology")
if wave is None:
    st.stop()
key = D.current(wave["id"])
try:
    facts = D.design_facts(*key)
    answers = D.accountability(*key)
except LookupError as exc:
    st.warning(str(exc))
    st.stop()
en = lang() == "en"
w = facts["wave"]
NOT_SET = t("niet vastgelegd", "not recorded")


def _date(d) -> str:
    return NOT_SET if F.is_missing(d) else D.date(d)


# --- the parliamentary questions -----------------------------------------------------------------
st.subheader(
    t(
        "Antwoord op de parlementaire vragen 1 tot 8 en 11",
        "Answer to the parliamentary questions 1 to 8 and 11",
    )
)
st.caption(
    t(
        "Schriftelijke vraag nr. 192 van 15 januari 2024. Elk antwoord komt uit de opgeslagen "
        "gegevens van deze bevraging of wordt eruit berekend (bron onder elk antwoord); dezelfde "
        "teksten staan op het werkblad 'Verantwoording' van de Excel-export.",
        "Written question no. 192 of 15 January 2024. Every answer comes from the stored facts "
        "of this wave or is computed from them (source under each answer); the same texts are "
        "on the 'Verantwoording' sheet of the Excel export.",
    )
)
shown = [r for r in answers if r["number"].rstrip("abcdefgh") in {*map(str, range(1, 9)), "11"}]
for r in shown:
    question = r["question_en"] if en else r["question_nl"]
    answer = r["answer_en"] if en else r["answer_nl"]
    with st.expander(f"{r['number']}. {question}", expanded=r["number"] in ("1", "7a", "11")):
        st.markdown(answer.replace("\n", "  \n"))
        st.caption(t("Bron: ", "Source: ") + r["source"])

# --- the design in detail ------------------------------------------------------------------------
st.subheader(t("Ontwerp van de meting", "Design of the measurement"))
frame, sample = facts["frame"], facts["sample"]
design_type = {
    "stratified": t("gestratificeerde aselecte steekproef", "stratified random sample"),
    "census": t("volledige telling", "census"),
    "open": t("open link (zelfselectie)", "open link (self-selection)"),
}.get(w["design_type"], w["design_type"])
lines = [
    (t("Doelstellingen", "Objectives"), w["objectives"] or NOT_SET),
    (t("Populatie", "Population"), w["population"] or NOT_SET),
    (
        t("Kader", "Frame"),
        t(
            f"{D.fmt(frame['n_units'], 0)} personen, stand op {_date(frame['frame_date'])} "
            f"(bestand {frame['source_name']})",
            f"{D.fmt(frame['n_units'], 0)} people, as of {_date(frame['frame_date'])} "
            f"(file {frame['source_name']})",
        )
        if frame
        else NOT_SET,
    ),
    (t("Ontwerp", "Design"), design_type),
    (t("Frequentie", "Frequency"), w["frequency"] or NOT_SET),
    (
        t("Veldwerk", "Fieldwork"),
        f"{_date(w['fieldwork_start'])} – {_date(w['fieldwork_end'])}",
    ),
    (t("Wijze van bevragen", "Mode"), w["mode"] or NOT_SET),
    (
        t("Minimale responsgraad", "Minimum response rate"),
        t(
            f"{D.pct(w['min_response_rate'], 0)} ({facts['rate_name']}, AAPOR) voor de hele "
            f"steekproef, {D.pct(w['min_response_rate_stratum'], 0)} per stratum, minstens "
            f"{D.fmt(w['min_completes_stratum'] or 0, 0)} volledige antwoorden per stratum",
            f"{D.pct(w['min_response_rate'], 0)} ({facts['rate_name']}, AAPOR) for the whole "
            f"sample, {D.pct(w['min_response_rate_stratum'], 0)} per stratum, at least "
            f"{D.fmt(w['min_completes_stratum'] or 0, 0)} completes per stratum",
        ),
    ),
    (
        t("Anonimiteit", "Anonymity"),
        t(
            f"geen cijfer of open antwoord uit een cel met minder dan {w['disclosure_k']} "
            "respondenten",
            f"no figure or open answer from a cell with fewer than {w['disclosure_k']} respondents",
        ),
    ),
    (t("Volgende meting", "Next wave"), w["next_wave_planned"] or NOT_SET),
]
st.markdown("\n".join(f"- **{k}**: {v}" for k, v in lines))

if sample:
    st.markdown(
        t(
            f"**Steekproef**: {D.fmt(sample['n'], 0)} personen, gestratificeerd naar "
            f"{F.label('variable', sample['strata_var'], 'nl')}, "
            f"allocatie {F.label('allocation', sample['method'], 'nl')}, seed {sample['seed']} "
            "(herhaalbaar).",
            f"**Sample**: {D.fmt(sample['n'], 0)} people, stratified by "
            f"{F.label('variable', sample['strata_var'], 'en')}, "
            f"{F.label('allocation', sample['method'], 'en')} allocation, seed {sample['seed']} "
            "(reproducible).",
        )
    )
    response = D.response_table(*key)
    completes = dict(zip(response["stratum"], response["completes"], strict=True))
    strata = list(sample["allocation"])
    st.dataframe(
        pd.DataFrame(
            {
                t("Stratum", "Stratum"): [D.group_label("stratum", s) for s in strata],
                t("Populatie N_h", "Population N_h"): [
                    D.fmt(sample["population"].get(s), 0) for s in strata
                ],
                t("Steekproef n_h", "Sample n_h"): [
                    D.fmt(sample["allocation"][s], 0) for s in strata
                ],
                t("Designgewicht N_h/n_h", "Design weight N_h/n_h"): [
                    D.fmt(sample["population"][s] / sample["allocation"][s], 2)
                    if sample["allocation"][s]
                    else "–"
                    for s in strata
                ],
                t("Volledig ingevuld", "Completes"): [
                    D.fmt(completes.get(s, 0), 0) for s in strata
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info(
        t(
            "Geen steekproef: de resultaten zijn ongewogen (zelfselectie).",
            "No sample: results are unweighted (self-selection).",
        )
    )

st.markdown(t("**Weging**", "**Weighting**"))
weighting = D.weighting(*key)
steps = weighting["steps"]
if steps.empty:
    st.write(t("Geen weging (nog geen antwoorden uit een steekproef).", "No weighting."))
else:
    step_label = "label_en" if en else "label_nl"
    st.dataframe(
        pd.DataFrame(
            {
                t("Stap", "Step"): steps[step_label],
                "n": [D.fmt(x, 0) for x in steps["n"]],
                t("Som gewichten", "Sum of weights"): [D.fmt(x, 0) for x in steps["sum_weights"]],
                t("Kleinste", "Smallest"): [D.fmt(x, 2) for x in steps["min_weight"]],
                t("Grootste", "Largest"): [D.fmt(x, 2) for x in steps["max_weight"]],
                t("Designeffect (Kish)", "Design effect (Kish)"): [
                    D.fmt(x, 3) for x in steps["deff_kish"]
                ],
                t("Effectieve n", "Effective n"): [D.fmt(x, 0) for x in steps["n_eff"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
for note in weighting["notes"]:
    st.caption(note["en"] if en else note["nl"])

st.markdown(t("**Standaardisatie en schattingen**", "**Standardization and estimates**"))
st.markdown(
    t(
        "Elke vraag wordt lineair omgezet naar 0-100 ('niet van toepassing' en 'weet niet' "
        "tellen niet mee); daarnaast top-2-box, Customer Effort Score en UMUX-Lite met hun "
        "gepubliceerde scoring. Gemiddelden en aandelen zijn gewogen, met "
        "95%-betrouwbaarheidsintervallen uit design-gebaseerde standaardfouten (Taylor-"
        "linearisatie, zoals R survey). Trends worden ook direct gestandaardiseerd naar de "
        "samenstelling naar beroep van het kader, zodat een andere mix van beroepen niet "
        "doorgaat voor een verandering in tevredenheid. Antwoorden via de open link en op "
        "papier buiten de steekproef worden apart en ongewogen gerapporteerd.",
        "Every item is mapped linearly to 0-100 ('not applicable' and 'don't know' excluded); "
        "also the top-2-box, Customer Effort Score and UMUX-Lite with their published scoring. "
        "Means and shares are weighted, with 95% confidence intervals from design-based "
        "standard errors (Taylor linearisation, as R survey). Trends are also directly "
        "standardized to the frame's mix of professions, so a different mix does not pass for "
        "a change in satisfaction. Open-link answers and paper answers outside the sample are "
        "reported apart, unweighted.",
    )
)

st.markdown(t("**Uitvoering en kosten**", "**Execution and cost**"))
execution = {
    "in_house": t("door de eigen diensten", "in-house"),
    "outsourced": t("uitbesteed", "outsourced"),
    "mixed": t("gemengd (deels uitbesteed)", "mixed (partly outsourced)"),
}.get(w["execution"], w["execution"])
cost = NOT_SET if w["cost_eur"] is None else F.euro(w["cost_eur"], lang())
st.markdown(
    f"- **{t('Uitvoering', 'Execution')}**: {execution}\n"
    f"- **{t('Kosten', 'Cost')}**: {cost}\n"
    f"- **{t('Waarom zo', 'Rationale')}**: {w['execution_rationale'] or NOT_SET}"
)

other = w["other_methods"] or {}
methods = other.get("methods") or []
complaints = other.get("complaints") or {}
st.markdown(t("**Andere methodes**", "**Other methods**"))
if methods:
    st.markdown("\n".join(f"- {m.get('en' if en else 'nl') or m.get('nl')}" for m in methods))
else:
    st.write(NOT_SET)
if complaints:
    st.dataframe(
        pd.DataFrame(
            {
                t("Jaar", "Year"): [str(y) for y in complaints],
                t("Klachten", "Complaints"): [D.fmt(complaints[y], 0) for y in complaints],
            }
        ).sort_values(t("Jaar", "Year")),
        hide_index=True,
    )
st.markdown(
    f"**{t('Hoe de aspecten gekozen zijn', 'How the aspects were chosen')}**: "
    f"{w['aspects_rationale'] or NOT_SET}"
)
