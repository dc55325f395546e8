"""Overzicht: the wave at a glance; the response counts refresh live (every few seconds).

The live part reads one small cached query (ktm.dashboard.live_counts, a few seconds' cache
shared by every session); the score and the improvement points come from the shared analysis,
recomputed when the responses changed since it was last computed.
"""

from __future__ import annotations

import streamlit as st

from ktm import dashboard as D
from ktm.config import database_url
from ktm.webapp import lang, t
from report import format as F
from report.comparability import not_compared

wave = D.page("Overzicht", "Overview", "overview")
if wave is None:
    st.stop()
url, wave_id = database_url(), wave["id"]


st.markdown(
    t(
        f"**Veldwerk**: {D.date(wave['fieldwork_start'])} tot {D.date(wave['fieldwork_end'])}",
        f"**Fieldwork**: {D.date(wave['fieldwork_start'])} to {D.date(wave['fieldwork_end'])}",
    )
)


@st.fragment(run_every=D.LIVE_EVERY if wave["status"] == "open" else None)
def live() -> None:
    counts = D.live_counts(url, wave_id)
    c1, c2, c3 = st.columns(3)
    c1.metric(
        t("Volledig ingevuld (alle manieren)", "Completes (all modes)"),
        D.fmt(counts["complete"], 0),
    )
    c2.metric(t("Gedeeltelijk ingevuld", "Partials"), D.fmt(counts["partial"], 0))
    if counts["rate"] is not None:
        minimum = counts["minimum_rate"]
        delta = None
        if minimum is not None:
            gap = F.points(counts["rate"] - minimum, F.PERCENT_DECIMALS, lang())
            # Short: a metric's delta is one line, cut with an ellipsis where the column ends,
            # and the part that matters (which minimum) is at its end.
            delta = t(
                f"{gap} pp t.o.v. minimum {D.pct(minimum, 0)}",
                f"{gap} pp vs minimum {D.pct(minimum, 0)}",
            )
        c3.metric(
            t("Responsgraad (AAPOR RR2, steekproef)", "Response rate (AAPOR RR2, sample)"),
            D.pct(counts["rate"]),
            delta=delta,
            delta_color="normal",
        )
        if counts.get("strata_short"):
            short = counts["strata_short"]
            # A closed wave's fieldwork is over: no "still"/"nog", the minimum was not reached.
            if wave.get("status") == "closed":
                st.caption(
                    t(
                        f"{short} strata haalden hun minimum niet: zie Respons.",
                        f"{short} strata did not reach their minimum: see Response.",
                    )
                )
            else:
                st.caption(
                    t(
                        f"{short} strata halen hun minimum nog niet: zie Respons.",
                        f"{short} strata are still short of their minimum: see Response.",
                    )
                )
    else:
        c3.metric(t("Responsgraad", "Response rate"), "–")
        st.caption(t("Geen steekproef: geen responsgraad.", "No sample: no response rate."))
    modes = counts["by_mode"]
    apart = [m for m in modes if m != "invited" and modes[m].get("complete")]
    if apart:
        st.caption(
            t("Apart geteld, niet in de gewogen resultaten: ", "Counted apart, not weighted: ")
            + "; ".join(
                f"{D.group_label('mode', m)}: {D.fmt(modes[m]['complete'], 0)}"
                for m in sorted(apart)
            )
        )
    if counts["last_update"] is not None:
        st.caption(
            t("Laatste antwoord: ", "Last answer: ")
            + D.moment(counts["last_update"])
            + (t(" · wordt live bijgewerkt", " · updates live") if wave["status"] == "open" else "")
        )


live()

key = D.current(wave_id)
st.subheader(t("Algemene tevredenheid", "Overall satisfaction"))
try:
    head = D.headline(*key)
except LookupError as exc:
    st.warning(str(exc))
    st.stop()
if head is None:
    st.info(t("Nog geen volledige antwoorden.", "No complete responses yet."))
elif head["suppressed"]:
    st.metric(t("Score op 100", "Score out of 100"), "x")
    D.suppression_caption(D.k_of(*key))
else:
    change = D.change_since_previous(*key)
    delta = None
    if change and not change["suppressed"] and not change.get("comparable", True):
        pass  # the question changed: no delta, the reason below
    elif change and not change["suppressed"]:
        # Short, as the response rate's: the verdict and p stand in the caption beside it (a
        # metric's delta is one line, cut where its third of the page ends).
        delta = t(
            f"{D.fmt(change['difference'], signed=True)} t.o.v. {change['wave']['name']}",
            f"{D.fmt(change['difference'], signed=True)} against {change['wave']['name']}",
        )
    c1, c2 = st.columns([1, 2])
    c1.metric(
        t("Score op 100 (gewogen)", "Score out of 100 (weighted)"),
        D.fmt(head["estimate"]),
        delta=delta,
        delta_color="normal" if change and change.get("change") != "none" else "off",
    )
    c2.markdown(
        t(
            f"95%-betrouwbaarheidsinterval **{D.interval(head['ci_low'], head['ci_high'])}**"
            f" (n = {D.fmt(head['n'], 0)}).",
            f"95% confidence interval **{D.interval(head['ci_low'], head['ci_high'])}**"
            f" (n = {D.fmt(head['n'], 0)}).",
        )
    )
    if change and not change.get("comparable", True):
        c2.caption(
            t(
                f"Vorige meting ({change['wave']['name']}): {D.fmt(change['prev_estimate'])}; "
                f"{not_compared(change, 'nl')}.",
                f"Previous wave ({change['wave']['name']}): {D.fmt(change['prev_estimate'])}; "
                f"{not_compared(change, 'en')}.",
            )
        )
    elif change and not change["suppressed"]:
        c2.caption(
            t(
                f"Vorige meting ({change['wave']['name']}): {D.fmt(change['prev_estimate'])}: "
                f"{change['change_nl']} ({F.p_text(change['p'], 'nl')}). Verschil getoetst met "
                "een design-gebaseerde t-toets (onafhankelijke metingen).",
                f"Previous wave ({change['wave']['name']}): {D.fmt(change['prev_estimate'])}: "
                f"{change['change_en']} ({F.p_text(change['p'], 'en')}). Difference tested with "
                "a design-based t-test (independent waves).",
            )
        )
    elif change is None:
        c2.caption(t("Geen vorige afgesloten meting.", "No previous closed wave."))

st.subheader(t("Drie belangrijkste verbeterpunten", "Three main improvement points"))
ip = D.improvement_points(*key, with_open_answers=False)
if ip is None or ip["points"].empty:
    st.info(
        t(
            "Nog te weinig antwoorden voor een sleutelanalyse.",
            "Too few answers for a key-driver analysis yet.",
        )
    )
else:
    label = D.label_col()
    evidence = "evidence_en" if label == "label_en" else "evidence_nl"
    quadrant = "quadrant_en" if label == "label_en" else "quadrant_nl"
    for p in ip["points"].head(3).itertuples():
        st.markdown(f"**{p.rank}. {getattr(p, label)}** · {getattr(p, quadrant)}")
        st.caption(getattr(p, evidence))
    st.page_link(
        "views/improvements.py",
        label=t(
            "Alle verbeterpunten en open antwoorden", "All improvement points and open answers"
        ),
        icon=":material/trending_up:",
    )
