"""Verbeterpunten: the importance-performance chart, the ranked improvement points with their
evidence, and the open answers per point (under disclosure control)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ktm import charts
from ktm import dashboard as D
from ktm.webapp import t

wave = D.page("Verbeterpunten", "Improvement points")
if wave is None:
    st.stop()
key = D.current(wave["id"])
try:
    ip = D.improvement_points(*key)
except LookupError as exc:
    st.warning(str(exc))
    st.stop()
if ip is None:
    st.info(
        t(
            "Nog te weinig volledige antwoorden voor een sleutelanalyse (minstens 10).",
            "Too few complete answers for a key-driver analysis yet (at least 10).",
        )
    )
    st.stop()

label = D.label_col()
en = label == "label_en"
quadrant = "quadrant_en" if en else "quadrant_nl"

st.subheader(t("Belang en prestatie", "Importance and performance"))
drivers = ip["drivers"].assign(label=ip["drivers"][label])
st.altair_chart(
    charts.importance_performance(
        drivers,
        "label",
        x_title=t("Belang (% van de verklaarde variantie)", "Importance (% of explained variance)"),
        y_title=t("Prestatie (score 0-100)", "Performance (score 0-100)"),
        quadrant_col=quadrant,
        quadrant_title=t("Kwadrant", "Quadrant"),
    ),
    width="stretch",
)
st.caption(
    t(
        f"Belang: het aandeel van elk aspect in de verklaarde variantie van de algemene "
        f"tevredenheid (LMG/Shapley uit een gewogen regressie; R² = {D.fmt(ip['r2'], 2)}, "
        f"n = {D.fmt(ip['n'], 0)}). Prestatie: de gewogen score van het aspect. De stippellijnen zijn de "
        "gemiddelden: rechtsonder (belangrijk, zwak) staan de prioriteiten.",
        f"Importance: each aspect's share of the explained variance of overall satisfaction "
        f"(LMG/Shapley from a weighted regression; R² = {D.fmt(ip['r2'], 2)}, n = {D.fmt(ip['n'], 0)}). "
        "Performance: the aspect's weighted score. The dashed lines are the means: bottom right "
        "(important, weak) are the priorities.",
    )
)
excluded = ip["excluded"]
if excluded is not None and not excluded.empty:
    reason = "reason_en" if en else "reason_nl"
    st.caption(
        t("Niet in de regressie: ", "Not in the regression: ")
        + "; ".join(f"{r.dimension} ({getattr(r, reason)})" for r in excluded.itertuples())
    )

st.subheader(t("Verbeterpunten, gerangschikt", "Improvement points, ranked"))
points = ip["points"]
st.dataframe(
    pd.DataFrame(
        {
            "#": points["rank"],
            t("Aspect", "Aspect"): points[label],
            t("Kwadrant", "Quadrant"): points[quadrant],
            t("Belang", "Importance"): [D.pct(x, 0) for x in points["importance_share"]],
            t("Score", "Score"): [D.fmt(x) for x in points["performance"]],
            t("95%-BI", "95% CI"): [
                D.SUPPRESSED if lo is None else D.interval(lo, hi)
                for lo, hi in zip(
                    points["performance_ci_low"], points["performance_ci_high"], strict=True
                )
            ],
            "n": [D.fmt(x, 0) for x in points["n"]],
            t("Open antwoorden", "Open answers"): [D.fmt(x, 0) for x in points["n_open_answers"]],
        }
    ),
    hide_index=True,
    width="stretch",
)
st.caption(
    t(
        "Rangorde: eerst de prioriteiten, dan de rest; binnen elke groep volgens belang × "
        "(100 − score), wat er op het spel staat.",
        "Ranking: priorities first, then the others; within each group by importance × "
        "(100 − score), what is at stake.",
    )
)

st.subheader(t("Open antwoorden per verbeterpunt", "Open answers per improvement point"))
answers = ip["open_answers"]
evidence = "evidence_en" if en else "evidence_nl"
for p in points.itertuples():
    mine = answers[answers["dimension"] == p.dimension] if len(answers) else answers
    with st.expander(f"{p.rank}. {getattr(p, label)} ({len(mine)})", expanded=p.rank == 1):
        st.caption(getattr(p, evidence))
        if mine.empty:
            st.write(t("Geen open antwoorden bij dit punt.", "No open answers for this point."))
        else:
            counted = mine["text"].value_counts()
            st.dataframe(
                pd.DataFrame(
                    {
                        t("Antwoord", "Answer"): counted.index,
                        t("Aantal", "Count"): counted.to_numpy(),
                    }
                ),
                hide_index=True,
                width="stretch",
            )
st.caption(
    t(
        f"Open antwoorden worden enkel getoond uit cellen (per beroep) met minstens {ip['k']} "
        "respondenten, en zonder naam of andere identiteit. Een antwoord hoort bij een aspect "
        "als het er een trefwoord van bevat, anders bij het aspect dat de respondent het "
        "laagst scoorde.",
        f"Open answers are shown only from cells (per profession) with at least {ip['k']} "
        "respondents, and without name or other identity. An answer belongs to an aspect when "
        "it contains one of its keywords, otherwise to the aspect the respondent rated lowest.",
    )
)
