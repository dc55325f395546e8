"""Verbeterpunten: the importance-performance chart, the ranked improvement points with their
evidence, and the open answers per point (under disclosure control)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ktm import charts
from ktm import dashboard as D
from ktm.webapp import t

wave = D.page("Verbeterpunten", "Improvement points", "improvements")
if wave is None:
    st.stop()
key = D.current(wave["id"])
try:
    ip = D.improvement_points(*key)
except LookupError as exc:
    st.warning(str(exc))
    st.stop()
if ip is None:
    # The analysis needs respondents who rated every aspect (complete cases without n.v.t.),
    # not completed questionnaires: say so, with how many there are and how many it needs.
    short = D.driver_shortfall(*key)
    if short is not None:
        found, needed = (D.fmt(v, 0) for v in short)
        st.info(
            t(
                "Nog te weinig respondenten die elk aspect beoordeelden (zonder n.v.t.) voor een "
                f"sleutelanalyse: {found} van de {needed} nodig.",
                "Too few respondents who rated every aspect (without n/a) for a key-driver "
                f"analysis yet: {found} of the {needed} needed.",
            )
        )
    else:
        st.info(t("Nog geen sleutelanalyse mogelijk.", "No key-driver analysis possible yet."))
    st.stop()

label = D.label_col()
en = label == "label_en"
quadrant = "quadrant_en" if en else "quadrant_nl"

st.subheader(t("Belang en prestatie", "Importance and performance"))
points = ip["points"]
shown_points = points.assign(
    _text=[
        f"{D.fmt(s)} · " + t("belang", "importance") + f" {D.pct(i, 0)}"
        for s, i in zip(points["performance"], points["importance_share"], strict=True)
    ]
)
st.altair_chart(
    charts.improvement_rows(
        shown_points,
        label,
        quadrant_col=quadrant,
        text="_text",
        x_title=t("Prestatie (score 0-100)", "Performance (score 0-100)"),
    ),
    width="stretch",
)
st.caption(
    t(
        f"In volgorde van de rangschikking. Belang: het aandeel van elk aspect in de verklaarde "
        f"variantie van de algemene tevredenheid (LMG/Shapley uit een gewogen regressie; "
        f"R² = {D.fmt(ip['r2'], 2)}, n = {D.fmt(ip['n'], 0)}). Prestatie: de gewogen score van het aspect, "
        "met 95%-betrouwbaarheidsinterval. Oranje: een prioriteit (belangrijker en zwakker dan "
        "gemiddeld).",
        f"In rank order. Importance: each aspect's share of the explained variance of overall "
        f"satisfaction (LMG/Shapley from a weighted regression; R² = {D.fmt(ip['r2'], 2)}, "
        f"n = {D.fmt(ip['n'], 0)}). Performance: the aspect's weighted score, with 95% confidence interval. "
        "Orange: a priority (more important and weaker than average).",
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
st.dataframe(
    pd.DataFrame(
        {
            "#": points["rank"],
            t("Aspect", "Aspect"): points[label],
            t("Kwadrant", "Quadrant"): points[quadrant],
            t("Belang", "Importance"): [D.pct(x, 0) for x in points["importance_share"]],
            t("95%-BI belang", "95% CI importance"): [
                "–" if lo is None or pd.isna(lo) else f"{D.pct(lo, 0)} – {D.pct(hi, 0)}"
                for lo, hi in zip(
                    points["importance_share_ci_low"],
                    points["importance_share_ci_high"],
                    strict=True,
                )
            ],
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
ties = [
    (p.rank, getattr(p, label), getattr(nxt, label))
    for p, nxt in zip(points.itertuples(), points.iloc[1:].itertuples(), strict=False)
    if p.distinct_from_next is False
]
if ip.get("replicates"):
    method = t(
        f"bootstrap binnen de strata, {ip['replicates']} replicaties",
        f"bootstrap within the strata, {ip['replicates']} replicates",
    )
    if ties:
        pairs = "; ".join(
            t(f"{r} en {r + 1} ({a}, {b})", f"{r} and {r + 1} ({a}, {b})") for r, a, b in ties
        )
        st.warning(
            t(
                f"Niet van elkaar te onderscheiden: de rangen {pairs}. Het 95%-interval van het "
                f"verschil in belang × (100 − score) bevat 0 ({method}): behandel ze als even "
                "belangrijk.",
                f"Cannot be told apart: ranks {pairs}. The 95% interval of the difference in "
                f"importance × (100 − score) contains 0 ({method}): treat them as equally "
                "important.",
            )
        )
    else:
        st.caption(
            t(
                f"Elke rang verschilt van de volgende in zijn groep: het 95%-interval van het "
                f"verschil in belang × (100 − score) bevat 0 niet ({method}).",
                f"Every rank differs from the next one in its group: the 95% interval of the "
                f"difference in importance × (100 − score) excludes 0 ({method}).",
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
