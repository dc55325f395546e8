"""Resultaten: every score by aspect and by item with its 95% interval; breakdowns by
profession, training year, university and mode (each mode apart, never pooled); the
weighted/unweighted switch shows what the weighting changes. Every cell passes disclosure
control (k = the wave's disclosure_k)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.disclosure import SUPPRESSED
from ktm import charts
from ktm import dashboard as D
from ktm.webapp import t

wave = D.page("Resultaten", "Results", "results")
if wave is None:
    st.stop()
key = D.current(wave["id"])
try:
    k = D.k_of(*key)
except LookupError as exc:
    st.warning(str(exc))
    st.stop()

weighted = st.toggle(
    t("Gewogen resultaten", "Weighted results"),
    value=True,
    key="results_weighted",
    help=t(
        "Gewogen: de uitgenodigde steekproef, gewogen naar de populatie (designgewicht, "
        "non-responscorrectie, raking naar het kader). Ongewogen: het gewone gemiddelde van "
        "wie antwoordde.",
        "Weighted: the invited sample, weighted to the population (design weight, nonresponse "
        "adjustment, raking to the frame). Unweighted: the plain mean of those who answered.",
    ),
)
table = D.scores(*key, weighted=weighted)
if table.empty:
    st.info(t("Nog geen volledige antwoorden.", "No complete responses yet."))
    st.stop()
label = D.label_col()
st.caption(
    t("Gewogen" if weighted else "Ongewogen", "Weighted" if weighted else "Unweighted")
    + t(
        " · uitgenodigde steekproef · 95%-betrouwbaarheidsintervallen · scores op 0-100 tenzij "
        "anders vermeld",
        " · invited sample · 95% confidence intervals · scores on 0-100 unless stated otherwise",
    )
)


def _shown(part: pd.DataFrame, first: str, first_values, proportion: bool = False) -> pd.DataFrame:
    """A score table as a person reads it: estimate, interval, n; "x" where suppressed."""

    def num(v):
        if v is None or v is SUPPRESSED or v == SUPPRESSED:
            return SUPPRESSED
        return D.pct(v) if proportion else D.fmt(v)

    return pd.DataFrame(
        {
            first: list(first_values),
            t("Score", "Score"): [num(v) for v in part["estimate"]],
            t("95%-BI van", "95% CI from"): [num(v) for v in part["ci_low"]],
            t("tot", "to"): [num(v) for v in part["ci_high"]],
            "n": [SUPPRESSED if v == SUPPRESSED else D.fmt(v, 0) for v in part["n"]],
        }
    )


def _overall(kind: str) -> pd.DataFrame:
    return table[(table["kind"] == kind) & table["group_var"].isna()]


# --- the headline scores --------------------------------------------------------------------
cols = st.columns(3)
for col, kind in zip(cols, ("overall_0_100", "umux_lite", "ces_mean"), strict=True):
    row = _overall(kind)
    if row.empty:
        continue
    r = row.iloc[0]
    value = r["estimate"] if r["estimate"] == SUPPRESSED else D.fmt(r["estimate"])
    col.metric(D.tr(D.KIND_LABELS[kind]), value)
    if r["estimate"] != SUPPRESSED:
        col.caption(
            t("95%-BI", "95% CI")
            + f" {D.interval(r['ci_low'], r['ci_high'])} · n = {D.fmt(r['n'], 0)}"
        )

# --- by aspect and by item --------------------------------------------------------------------
for kind, nl, en in (
    ("dimension", "Per aspect", "By aspect"),
    ("item", "Per vraag", "By item"),
):
    part = _overall(kind)
    if part.empty:
        continue
    st.subheader(t(nl, en))
    chart_data = part.assign(label=part[label])
    st.altair_chart(
        charts.score_bars(
            chart_data, "label", fmt=D.fmt, x_title=t("Score (0-100)", "Score (0-100)")
        ),
        width="stretch",
    )
    with st.expander(t("Tabel", "Table")):
        st.dataframe(
            _shown(part, t("Score", "Score") + " ", part[label]).rename(
                columns={t("Score", "Score") + " ": t("Omschrijving", "Description")}
            ),
            hide_index=True,
            width="stretch",
        )

other = table[
    table["group_var"].isna() & table["kind"].isin(["top2", "ces_share_5_7", "umux_sus_eq", "sus"])
]
if not other.empty:
    with st.expander(
        t("Andere maten (top-2-box, CES, SUS)", "Other measures (top-2-box, CES, SUS)")
    ):
        shares = other["kind"].isin(["top2", "ces_share_5_7"])
        st.dataframe(
            pd.concat(
                [
                    _shown(other[~shares], t("Maat", "Measure"), other.loc[~shares, label]),
                    _shown(other[shares], t("Maat", "Measure"), other.loc[shares, label], True),
                ]
            ),
            hide_index=True,
            width="stretch",
        )

ORDERED = ("training_year", "mode")

# --- breakdowns -------------------------------------------------------------------------------
st.subheader(t("Uitsplitsingen", "Breakdowns"))
present = [v for v in ("profession", "training_year", "university") if v in set(table["group_var"])]
by_mode = D.scores_by_mode(*key)
options = [*present, *(["mode"] if not by_mode.empty else [])]
c1, c2 = st.columns(2)
var = c1.selectbox(
    t("Uitsplitsen naar", "Break down by"),
    options,
    format_func=lambda v: D.tr(D.BREAKDOWN_LABELS[v]),
    key="results_by",
)
overall_rows = table[table["group_var"].isna() & table["kind"].isin(["overall_0_100", "dimension"])]
score_ids = list(dict.fromkeys(overall_rows["score_id"]))
labels = dict(zip(overall_rows["score_id"], overall_rows[label], strict=False))
score_id = c2.selectbox(
    t("Score", "Score"), score_ids, format_func=lambda s: labels.get(s, s), key="results_score"
)
if var == "mode":
    part = by_mode[by_mode["score_id"] == score_id]
    groups = [D.group_label("mode", m) for m in part["mode"]]
    st.warning(
        t(
            "Elke manier van antwoorden apart en ongewogen: de open link en de papieren "
            "vragenlijsten zijn geen steekproef (zelfselectie) en worden nooit samengeteld met "
            "de uitgenodigden.",
            "Each mode apart and unweighted: open-link and paper answers are not a sample "
            "(self-selection) and are never pooled with the invited.",
        ),
        icon=":material/call_split:",
    )
else:
    part = table[(table["score_id"] == score_id) & (table["group_var"] == var)]
    groups = [D.group_label(var, g) for g in part["group"]]
if part.empty:
    st.info(t("Geen antwoorden voor deze uitsplitsing.", "No answers for this breakdown."))
else:
    chart_data = part.assign(label=groups)
    st.altair_chart(
        charts.score_bars(
            chart_data,
            "label",
            fmt=D.fmt,
            x_title=labels.get(score_id, score_id),
            sort=var not in ORDERED,  # years and modes keep their own order
        ),
        width="stretch",
    )
    st.dataframe(
        _shown(part, D.tr(D.BREAKDOWN_LABELS[var]), groups), hide_index=True, width="stretch"
    )
    if (part["suppressed"]).any():
        D.suppression_caption(k)
    else:
        st.caption(
            t(
                f"Cellen met minder dan {k} antwoorden worden niet getoond (x).",
                f"Cells with fewer than {k} answers are not shown (x).",
            )
        )

# --- what the weighting changes ----------------------------------------------------------------
st.subheader(t("Wat verandert de weging?", "What does the weighting change?"))
w_table = D.scores(*key, weighted=True)
u_table = D.scores(*key, weighted=False)


def _overall_of(tab: pd.DataFrame) -> pd.DataFrame:
    rows = tab[tab["group_var"].isna() & tab["kind"].isin(["overall_0_100", "dimension"])]
    return rows.set_index("score_id")


w, u = _overall_of(w_table), _overall_of(u_table)
common = [s for s in w.index if s in u.index]
rows = []
for s in common:
    we, ue = w.loc[s, "estimate"], u.loc[s, "estimate"]
    hidden = SUPPRESSED in (we, ue)
    rows.append(
        {
            t("Score", "Score"): w.loc[s, label],
            t("Ongewogen", "Unweighted"): SUPPRESSED if hidden else D.fmt(ue),
            t("Gewogen", "Weighted"): SUPPRESSED if hidden else D.fmt(we),
            t("Verschil", "Difference"): SUPPRESSED
            if hidden
            else D.fmt(float(we) - float(ue), signed=True),
        }
    )
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.caption(
    t(
        "Het verschil toont hoeveel de samenstelling van wie antwoordde het resultaat zou "
        "vertekenen zonder weging. Zie Methodologie voor de wegingsstappen.",
        "The difference shows how much the make-up of those who answered would bias the result "
        "without weighting. See Methodology for the weighting steps.",
    )
)
