"""Respons: the fieldwork view (completes over time, response per stratum against the minimum,
where a reminder helps, representativeness before and after weighting, R-indicator)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ktm import charts
from ktm import dashboard as D
from ktm.webapp import t

wave = D.page("Respons", "Response", "response")
if wave is None:
    st.stop()
key = D.current(wave["id"])
try:
    table = D.response_table(*key)
except LookupError as exc:
    st.warning(str(exc))
    st.stop()

# --- completes over time ----------------------------------------------------------------------
st.subheader(t("Volledige antwoorden in de tijd", "Completes over time"))
over_time = D.completes_over_time(*key)
if over_time.empty:
    st.info(t("Nog geen volledige antwoorden.", "No complete responses yet."))
else:
    over_time["mode_label"] = [D.mode_name(m) for m in over_time["mode"]]
    st.altair_chart(
        charts.completes_over_time(
            over_time,
            x_title=t("Dag", "Day"),
            y_title=t("Volledig ingevuld (cumulatief)", "Completes (cumulative)"),
            colours={
                D.mode_name(m): charts.MODE_COLOURS.get(m, charts.CONTEXT)
                for m in over_time["mode"].unique()
            },
        ),
        width="stretch",
    )
    st.caption(
        t(
            "Elke manier van antwoorden apart: open link en papier tellen niet mee in de "
            "responsgraad van de steekproef.",
            "Each mode apart: open-link and paper answers do not count in the sample's response "
            "rate.",
        )
    )

# --- per stratum against the minimum ------------------------------------------------------------
st.subheader(t("Responsgraad per stratum", "Response rate per stratum"))
if table.empty:
    st.info(
        t(
            "Deze bevraging heeft geen steekproef met uitnodigingen: geen responsgraad.",
            "This wave has no sample with invitations: no response rate.",
        )
    )
else:
    rate_name = table.attrs.get("rate", "RR2")
    view = table.copy()
    view["label"] = [D.group_label("stratum", s) for s in view["stratum"]]
    view["bar_text"] = [
        D.pct(r) + ("" if m else t(" · onder het minimum", " · below the minimum"))
        for r, m in zip(view["rate"], view["meets_rate"], strict=True)
    ]
    st.altair_chart(
        charts.rates_against_minimum(
            view,
            "label",
            text="bar_text",
            x_title=t(
                f"Responsgraad AAPOR {rate_name} (%)", f"Response rate AAPOR {rate_name} (%)"
            ),
        ),
        width="stretch",
    )
    st.caption(
        t(
            "Zwart streepje: de minimale responsgraad; een oranje balk ligt eronder. Of ook het "
            "minimum aantal volledige antwoorden gehaald is, staat in de tabel.",
            "Black tick: the minimum response rate; an orange bar is below it. Whether the "
            "minimum number of completes is reached as well is in the table.",
        )
    )
    shown = pd.DataFrame(
        {
            t("Stratum", "Stratum"): view["label"],
            t("Volledig (I)", "Complete (I)"): [D.fmt(x, 0) for x in view["I"]],
            t("Gedeeltelijk (P)", "Partial (P)"): [D.fmt(x, 0) for x in view["P"]],
            t(f"Responsgraad {rate_name}", f"Response rate {rate_name}"): [
                D.pct(x) for x in view["rate"]
            ],
            t("Minimum", "Minimum"): [D.pct(x, 0) for x in view["minimum_rate"]],
            t("Minimum volledig", "Minimum completes"): [
                D.fmt(x, 0) for x in view["minimum_completes"]
            ],
            t("In orde", "Meets"): [t("ja", "yes") if m else t("nee", "no") for m in view["meets"]],
            t("Nog nodig", "Still needed"): [D.fmt(x, 0) for x in view["shortfall"]],
            t("Nog bereikbaar", "Still reachable"): [D.fmt(x, 0) for x in view["reachable"]],
            t("Foutenmarge (95%)", "Margin of error (95%)"): [D.pct(x) for x in view["moe"]],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")
    st.caption(
        t(
            "Nog nodig: hoeveel volledige antwoorden er nog moeten bijkomen om zowel de minimale "
            "responsgraad als het minimum aantal volledige antwoorden te halen. Nog bereikbaar: "
            "uitgenodigden die nog niet (volledig) antwoordden en een herinnering kunnen krijgen. "
            "Foutenmarge: voor een aandeel van 50%, met eindigepopulatiecorrectie.",
            "Still needed: how many more completes are needed to reach both the minimum response "
            "rate and the minimum number of completes. Still reachable: invitees who have not "
            "(fully) answered yet and can get a reminder. Margin of error: for a share of 50%, "
            "with the finite population correction.",
        )
    )

    st.subheader(t("Waar helpt een herinnering?", "Where does a reminder help?"))
    strata = view[view["stratum"] != D.TOTAL_LABEL]
    short = strata[strata["shortfall"].fillna(10**9) > 0].sort_values(
        "shortfall", ascending=False, na_position="first"
    )
    if short.empty:
        st.success(
            t(
                "Alle strata halen hun minimum: een herinnering is niet nodig voor de minima.",
                "Every stratum meets its minimum: no reminder is needed for the minima.",
            ),
            icon=":material/check_circle:",
        )
    total = view[view["stratum"] == D.TOTAL_LABEL].iloc[0]
    if not total["meets_rate"]:
        need = "?" if pd.isna(total["shortfall"]) else D.fmt(total["shortfall"], 0)
        st.warning(
            t(
                f"**Totaal**: de responsgraad {D.pct(total['rate'])} ligt onder het minimum "
                f"{D.pct(total['minimum_rate'], 0)}; over alle strata samen zijn nog {need} "
                "volledige antwoorden nodig.",
                f"**Total**: the response rate {D.pct(total['rate'])} is below the minimum "
                f"{D.pct(total['minimum_rate'], 0)}; across all strata {need} more completes "
                "are needed.",
            ),
            icon=":material/notifications_active:",
        )
    for r in short.itertuples():
        if pd.isna(r.shortfall):
            st.error(
                t(
                    f"**{r.label}**: het minimum is niet meer haalbaar, zelfs als alle "
                    f"{D.fmt(r.reachable, 0)} bereikbare uitgenodigden antwoorden.",
                    f"**{r.label}**: the minimum can no longer be reached, even if all "
                    f"{D.fmt(r.reachable, 0)} reachable invitees answer.",
                )
            )
        elif r.attainable:
            share = r.shortfall / r.reachable if r.reachable else 1.0
            st.warning(
                t(
                    f"**{r.label}**: nog {D.fmt(r.shortfall, 0)} volledige antwoorden nodig; "
                    f"{D.fmt(r.reachable, 0)} uitgenodigden kunnen een herinnering krijgen "
                    f"({D.pct(share, 0)} van hen moet nog antwoorden).",
                    f"**{r.label}**: {D.fmt(r.shortfall, 0)} more completes needed; {D.fmt(r.reachable, 0)} invitees "
                    f"can get a reminder ({D.pct(share, 0)} of them still need to answer).",
                ),
                icon=":material/notifications_active:",
            )
        else:
            st.error(
                t(
                    f"**{r.label}**: nog {D.fmt(r.shortfall, 0)} volledige antwoorden nodig, maar slechts "
                    f"{D.fmt(r.reachable, 0)} uitgenodigden zijn nog bereikbaar.",
                    f"**{r.label}**: {D.fmt(r.shortfall, 0)} more completes needed, but only "
                    f"{D.fmt(r.reachable, 0)} invitees can still be reached.",
                )
            )

# --- representativeness ---------------------------------------------------------------------------
st.subheader(t("Representativiteit", "Representativeness"))
rep = D.representativeness(*key)
if rep.empty:
    st.info(
        t(
            "Nog geen vergelijking met het kader mogelijk.",
            "No comparison with the frame possible yet.",
        )
    )
else:
    wide = rep.pivot_table(
        index="variable", columns="weighted", values=["p_value", "max_abs_diff"], aggfunc="first"
    )
    order = list(dict.fromkeys(rep["variable"]))
    rows = []
    for v in order:
        rows.append(
            {
                t("Kenmerk", "Variable"): D.tr(D.BREAKDOWN_LABELS.get(v, (v, v))),
                t("p vóór weging", "p before weighting"): D.p_value(
                    wide.loc[v, ("p_value", False)]
                ),
                t("Grootste verschil vóór", "Largest difference before"): D.pct(
                    wide.loc[v, ("max_abs_diff", False)]
                ),
                t("p na weging", "p after weighting"): D.p_value(wide.loc[v, ("p_value", True)]),
                t("Grootste verschil na", "Largest difference after"): D.pct(
                    wide.loc[v, ("max_abs_diff", True)]
                ),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(
        t(
            "Chikwadraattoets van de respondenten tegen het kader per kenmerk; een kleine p "
            "(< 0,05) betekent dat de respondenten afwijken van de populatie. Grootste verschil: "
            "het grootste verschil in aandeel tussen respondenten en kader. Na weging sluiten "
            "de kenmerken waarop gewogen werd per constructie aan.",
            "Chi-square test of the respondents against the frame per variable; a small p "
            "(< 0.05) means the respondents differ from the population. Largest difference: the "
            "largest difference in share between respondents and frame. After weighting, the "
            "weighting variables match by construction.",
        )
    )

ri = D.r_indicator(*key)
if ri is not None:
    st.markdown(t("**R-indicator** (Schouten, Cobben en Bethlehem, 2009)", "**R-indicator**"))
    c1, c2, c3 = st.columns(3)
    c1.metric("R", D.fmt(ri["R"], 3))
    c2.metric(t("Variatiecoëfficiënt (CV)", "Coefficient of variation (CV)"), D.fmt(ri["cv"], 3))
    c3.metric(t("Maximale vertekening", "Maximal bias"), D.fmt(ri["max_bias"], 3))
    st.caption(
        t(
            "R = 1 − 2·S(ρ̂) uit een responsmodel op beroep en opleidingsjaar (gewogen met de "
            "designgewichten): 1 = iedereen antwoordt even waarschijnlijk. De maximale "
            "vertekening (1 − R)/(2·ρ̄) begrenst de vertekening van een gemiddelde door "
            "non-respons, in standaarddeviaties.",
            "R = 1 − 2·S(ρ̂) from a response model on profession and training year (weighted by "
            "the design weights): 1 = everyone equally likely to answer. The maximal bias "
            "(1 − R)/(2·ρ̄) bounds the nonresponse bias of a mean, in standard deviations.",
        )
    )
    part = ri["partial"].copy()
    part["Kenmerk"] = [D.tr(D.BREAKDOWN_LABELS.get(v, (v, v))) for v in part["variable"]]
    part["Categorie"] = [
        t("(geheel)", "(overall)") if pd.isna(c) else D.group_label(v, c)
        for v, c in zip(part["variable"], part["category"], strict=True)
    ]
    st.dataframe(
        pd.DataFrame(
            {
                t("Kenmerk", "Variable"): part["Kenmerk"],
                t("Categorie", "Category"): part["Categorie"],
                t("Aandeel", "Share"): [D.pct(x) for x in part["share"]],
                t("Responskans", "Response propensity"): [D.pct(x) for x in part["rho_mean"]],
                t("Partiële R (Pu)", "Partial R (Pu)"): [D.fmt(x, 3) for x in part["Pu"]],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        t(
            "Partiële R-indicatoren: hoe sterk een kenmerk (en elke categorie, met teken: "
            "negatief = antwoordt minder) bijdraagt aan de ongelijke respons. De categorieën "
            "met een negatieve waarde zijn de doelgroep van een herinnering.",
            "Partial R-indicators: how much a variable (and each category, with sign: negative "
            "= answers less) contributes to unequal response. Categories with a negative value "
            "are the target of a reminder.",
        )
    )
