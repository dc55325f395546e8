"""Trend: every wave on one chart per aspect (crude or standardized to this wave's mix of
professions), and the significance of the last change (design-based test)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ktm import charts
from ktm import dashboard as D
from ktm.webapp import lang, t
from report import format as F
from report.comparability import not_compared, not_compared_lines, segment_labels

wave = D.page("Trend", "Trend", "trend")
if wave is None:
    st.stop()
key = D.current(wave["id"])
label = D.label_col()
en = label == "label_en"

standardized = (
    st.segmented_control(
        t("Cijfers", "Figures"),
        ["crude", "std"],
        default="crude",
        format_func=lambda v: (
            t("Ruw", "Crude") if v == "crude" else t("Gestandaardiseerd", "Standardized")
        ),
        key="trend_kind",
    )
    == "std"
)
st.caption(
    t(
        "Gestandaardiseerd: elke meting herwogen naar de samenstelling naar beroep van het kader "
        "van deze meting (directe standaardisatie), zodat een andere mix van beroepen niet "
        "doorgaat voor een verandering in tevredenheid.",
        "Standardized: every wave re-weighted to the profession mix of this wave's frame (direct "
        "standardization), so a different mix of professions does not pass for a change in "
        "satisfaction.",
    )
)

try:
    series = D.trend_series(*key)
except LookupError as exc:
    st.warning(str(exc))
    st.stop()
if series.empty:
    st.info(t("Nog geen resultaten om te vergelijken.", "No results to compare yet."))
    st.stop()
# A score whose question changed between versions gets a row per version (named), never one
# row that sets figures of two different questions side by side.
series = series.assign(label=segment_labels(series, label, "en" if en else "nl"))
est, low, high = (
    ("std_estimate", "std_ci_low", "std_ci_high")
    if standardized
    else ("estimate", "ci_low", "ci_high")
)
st.altair_chart(
    charts.trend_rows(
        series,
        estimate=est,
        low=low,
        high=high,
        label="label",
        fmt=D.fmt,
        x_title=t("Score (0-100)", "Score (0-100)"),
        legend_title=t("Meting", "Wave"),
        group="score_id",
        segment="segment" if "segment" in series else None,
    ),
    width="stretch",
)
if "segment" in series and (series["segment"] > 0).any():
    st.caption(
        t(
            "Een score waarvan de vraag veranderde tussen twee vragenlijstversies staat per "
            "versie op een eigen rij: de metingen ervoor en erna worden niet vergeleken.",
            "A score whose question changed between two questionnaire versions has a row of its "
            "own per version: the waves before and after the change are not compared.",
        )
    )
st.caption(
    t(
        f"{series['wave'].nunique()} metingen · gewogen scores met 95%-betrouwbaarheidsinterval.",
        f"{series['wave'].nunique()} waves · weighted scores with 95% confidence interval.",
    )
)

st.subheader(t("De laatste verandering", "The last change"))
result = D.trend_table(*key)
if result is None:
    st.info(
        t(
            "Er is geen vorige afgesloten meting om mee te vergelijken.",
            "There is no previous closed wave to compare with.",
        )
    )
    st.stop()
prev, table = result
rows = table[table["kind"].isin(["overall_0_100", "dimension"])]
left_out = not_compared_lines(rows, "en" if en else "nl")
if left_out:
    st.warning(
        t(
            "Niet vergeleken, omdat de vraag veranderde tussen de twee vragenlijstversies:",
            "Not compared, because the question changed between the two questionnaire versions:",
        )
        + "\n\n"
        + "\n".join(f"- {line}" for line in left_out)
    )
prefix = "std_" if standardized else ""
change = f"{prefix}change_en" if en else f"{prefix}change_nl"
shown = pd.DataFrame(
    {
        t("Score", "Score"): rows[label],
        prev["name"]: [
            D.fmt(x) for x in rows["std_prev_estimate" if standardized else "prev_estimate"]
        ],
        wave["name"]: [
            D.fmt(x) for x in rows["std_last_estimate" if standardized else "last_estimate"]
        ],
        t("Verschil", "Difference"): [
            F.number(x, F.SCORE_DECIMALS, lang(), signed=True) for x in rows[f"{prefix}difference"]
        ],
        t("95%-BI van het verschil", "95% CI of the difference"): [
            D.interval(lo, hi)
            for lo, hi in zip(rows[f"{prefix}ci_low"], rows[f"{prefix}ci_high"], strict=True)
        ],
        "p": [D.p_value(x) for x in rows[f"{prefix}p"]],
        t("Verandering", "Change"): [
            c if ok else not_compared(r, "en" if en else "nl")
            for c, ok, r in zip(
                rows[change], rows["comparable"], rows.to_dict("records"), strict=True
            )
        ],
    }
)
st.dataframe(shown, hide_index=True, width="stretch")
st.caption(
    t(
        f"Vergeleken met {prev['name']}: verschil = laatste − vorige meting; t-toets voor twee "
        "onafhankelijke steekproeven met design-gebaseerde standaardfouten "
        "(Welch-Satterthwaite), significant bij p < 0,05. "
        + ("Gestandaardiseerde cijfers." if standardized else "Ruwe cijfers."),
        f"Compared with {prev['name']}: difference = last − previous wave; t-test for two "
        "independent samples with design-based standard errors (Welch-Satterthwaite), "
        "significant at p < 0.05. "
        + ("Standardized figures." if standardized else "Crude figures."),
    )
)
notes = [n for n in table[t("note_nl", "note_en")].dropna().unique()]
for n in notes:
    st.caption(n)
