"""Cached data access for the dashboard pages: one computation shared by every open session.

Caching, from cheap to dear:
- `live_counts` and `fingerprint`: one small query each, cached a few seconds (`LIVE_TTL`), so
  ten sessions polling the live Overzicht every 5 s cost the database one query per period.
- `wave_analysis`: the wave read from the store and its lazy `WaveAnalysis`, one shared object
  (`st.cache_resource`) per (database url, wave id, activity fingerprint). A new response
  changes the fingerprint, so the next view computes afresh; a closed wave never changes.
- The tables the pages show (`st.cache_data`), keyed on the same triple and built from that
  object: each part (headline, drivers, breakdowns...) is computed only when a page asks.

Every figure a page shows comes from here after disclosure control (k = the wave's
`disclosure_k`). Pages stay thin: they lay out what these functions return.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import func, select

from analysis.disclosure import SUPPRESSED
from ktm import webapp
from ktm.config import database_url, organisation
from ktm.webapp import t
from report import format as F
from report import labels, wording
from store import schema
from store.db import reading

LIVE_TTL = 2  # seconds: the live count's cache (the overview polls every LIVE_EVERY)
LIVE_EVERY = "5s"
TTL = 3600  # the analysis caches; a new response invalidates them via the fingerprint
TOTAL_LABEL = "Totaal / Total"

# The words of the modes and score kinds live in report.labels (one vocabulary with the workbook).
MODE_LABELS = labels.LABELS["mode"]
MODE_NAMES = labels.LABELS["mode_count"]
BREAKDOWN_LABELS = {
    "profession": ("Beroep", "Profession"),
    "training_year": ("Opleidingsjaar", "Training year"),
    "university": ("Universiteit", "University"),
    "language": ("Taal", "Language"),
    "eloket_use_12m": ("Gebruik e-loket (12 maanden)", "E-loket use (12 months)"),
    "mode": ("Manier van antwoorden", "Mode"),
}
KIND_LABELS = labels.LABELS["score_kind"]
STATUS_LABELS = {
    "draft": ("ontwerp", "draft"),
    "open": ("veldwerk loopt", "in fieldwork"),
    "closed": ("afgesloten", "closed"),
}


def tr(pair: tuple[str, str]) -> str:
    return t(*pair)


def mode_name(mode: str) -> str:
    """A mode's name where its answers are counted, not estimated (MODE_NAMES)."""
    return tr(MODE_NAMES.get(mode, (str(mode), str(mode))))


def group_label(var: str | None, value: Any) -> str:
    """A breakdown's category as a person reads it (professions by name)."""
    from survey.schema import PROFESSIONS

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("Totaal", "Total")
    if var == "profession" and value in PROFESSIONS:
        return PROFESSIONS[value][webapp.lang()]
    if var == "mode":
        return tr(MODE_LABELS.get(value, (str(value), str(value))))
    if var == "stratum" and value == TOTAL_LABEL:
        return t("Totaal", "Total")
    if var == "stratum" and value in PROFESSIONS:
        return PROFESSIONS[value][webapp.lang()]
    return str(value)


named_aspects = labels.named_aspects


def label_col() -> str:
    return "label_en" if webapp.lang() == "en" else "label_nl"


# --- the page frame -------------------------------------------------------------------------


def page(title_nl: str, title_en: str, name: str) -> dict | None:
    """Login and role check (ktm.roles.PAGES[name]), wave selector, title and the demo note:
    the top of every dashboard page."""
    webapp.require_page(name)
    wave = webapp.wave_selector()
    st.title(t(title_nl, title_en))
    if wave is not None:
        status = tr(STATUS_LABELS.get(wave["status"], (wave["status"], wave["status"])))
        st.caption(f"{wave['name']} · {status}")
        if wave.get("demo"):
            from ktm.demo import DEMO_NOTE_EN, DEMO_NOTE_NL

            st.info(t(DEMO_NOTE_NL, DEMO_NOTE_EN), icon=":material/science:")
    return wave


def engine():
    return webapp.engine()


@st.cache_data(ttl=60, show_spinner=False)
def frame_info(url: str, wave_id: int) -> dict | None:
    from store.frames import latest_snapshot

    with reading(engine()) as conn:
        return latest_snapshot(conn, wave_id)


# --- live, cheap ----------------------------------------------------------------------------


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def fingerprint(url: str, wave_id: int) -> tuple:
    """What the pages depend on, cheaply (ktm.services.results.activity_fingerprint): the
    wave's own version (responses, dispositions, its settings and status) and that of every
    other wave, so closing another wave is seen at once by the comparisons with it."""
    from ktm.services.results import activity_fingerprint

    return activity_fingerprint(engine(), wave_id)


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def live_counts(url: str, wave_id: int) -> dict:
    """Completes and partials per mode, and the invited sample's response so far."""
    from analysis.response import response_table

    r, inv = schema.responses, schema.invitations
    with reading(engine()) as conn:
        by_mode = conn.execute(
            select(r.c.mode, r.c.status, func.count(), func.max(r.c.updated_at))
            .where(r.c.wave_id == wave_id)
            .group_by(r.c.mode, r.c.status)
        ).all()
        disp = conn.execute(
            select(inv.c.stratum, inv.c.disposition, func.count())
            .where(inv.c.wave_id == wave_id, inv.c.mode == "invited")
            .group_by(inv.c.stratum, inv.c.disposition)
        ).all()
        wave = conn.execute(
            select(
                schema.waves.c.min_response_rate,
                schema.waves.c.min_response_rate_stratum,
                schema.waves.c.min_completes_stratum,
            ).where(schema.waves.c.id == wave_id)
        ).one()
    out = {"complete": 0, "partial": 0, "by_mode": {}, "last_update": None}
    for mode, status, n, last in by_mode:
        out[status] = out.get(status, 0) + int(n)
        out["by_mode"].setdefault(mode, {"complete": 0, "partial": 0})[status] = int(n)
        if last is not None and (out["last_update"] is None or last > out["last_update"]):
            out["last_update"] = last
    out["rate"] = out["minimum_rate"] = None
    if disp:
        rows = pd.DataFrame(disp, columns=["stratum", "disposition", "n"])
        rows = rows.loc[rows.index.repeat(rows["n"])].reset_index(drop=True)
        table = response_table(
            rows[["stratum", "disposition"]],
            "stratum",
            wave.min_response_rate or 0.0,
            wave.min_response_rate_stratum,
            wave.min_completes_stratum or 0,
        )
        total = table.iloc[-1]
        out["rate"] = float(total["rate"])
        out["minimum_rate"] = wave.min_response_rate
        out["invited"] = int(len(rows))
        out["strata_short"] = int((~table.iloc[:-1]["meets"]).sum())
    return out


# --- the analysis, shared -------------------------------------------------------------------


@st.cache_resource(ttl=TTL, max_entries=8, show_spinner=False)
def _analysis_of(url: str, wave_id: int, own: tuple):
    from ktm.services.results import analyse

    return analyse(engine(), wave_id)


def _analysis(url: str, wave_id: int, fp: tuple):
    """The wave's own analysis depends only on its own version (fp[0]): another wave changing
    re-runs the comparisons, never this wave's weighting and estimates."""
    return _analysis_of(url, wave_id, fp[0])


def wave_analysis(url: str, wave_id: int):
    """(WaveData, WaveAnalysis) of the wave as it is now (shared by every session)."""
    return _analysis(url, wave_id, fingerprint(url, wave_id))


def current(wave_id: int) -> tuple[str, int, tuple]:
    """The cache key of the wave's tables: (database url, wave id, activity fingerprint)."""
    url = database_url()
    return url, wave_id, fingerprint(url, wave_id)


def k_of(url: str, wave_id: int, fp: tuple) -> int:
    return int(_analysis(url, wave_id, fp)[1].settings.k)


def _row_disclosed(row: pd.Series | None, k: int) -> dict | None:
    if row is None:
        return None
    out = {c: row[c] for c in ("estimate", "se", "ci_low", "ci_high", "df", "n")}
    out["suppressed"] = bool(row["n"] < k)
    if out["suppressed"]:
        out.update(estimate=None, se=None, ci_low=None, ci_high=None, df=None, n=None)
    return out


@st.cache_data(ttl=TTL, show_spinner=False)
def headline(url: str, wave_id: int, fp: tuple, kind: str = "overall_0_100") -> dict | None:
    _data, a = _analysis(url, wave_id, fp)
    if a.analysed is None:
        return None
    return _row_disclosed(a.headline(kind), a.settings.k)


def previous_wave(url: str, wave_id: int) -> dict | None:
    from store.waves import previous_wave as _prev

    with reading(engine()) as conn:
        return _prev(conn, wave_id)


@st.cache_data(ttl=TTL, show_spinner=False)
def change_since_previous(url: str, wave_id: int, fp: tuple) -> dict | None:
    """The overall score against the previous closed wave (design-based test of the change)."""
    from analysis.trend import difference_test

    prev = previous_wave(url, wave_id)
    if prev is None:
        return None
    _d, a = _analysis(url, wave_id, fp)
    _pd, pa = wave_analysis(url, prev["id"])
    if a.analysed is None or pa.analysed is None:
        return None
    last, before = a.headline(), pa.headline()
    if last is None or before is None:
        return None
    if min(last["n"], before["n"]) < a.settings.k:
        return {"wave": prev, "suppressed": True}
    # Only a question asked the same way in both versions is compared (analysis.trend).
    from analysis.trend import comparability

    same = comparability(_pd.inputs.columns, _d.inputs.columns).set_index("score_id")
    if last["score_id"] in same.index and not same.loc[last["score_id"], "comparable"]:
        verdict = same.loc[last["score_id"]].to_dict()
        return {
            "wave": prev,
            "suppressed": False,
            "comparable": False,
            "prev_estimate": float(before["estimate"]),
            **verdict,
            "changed_in": getattr(_d.questionnaire, "version", None),
        }
    test = difference_test(
        (before["estimate"], before["se"], before["df"]), (last["estimate"], last["se"], last["df"])
    )
    return {
        "wave": prev,
        "suppressed": False,
        "comparable": True,
        "prev_estimate": float(before["estimate"]),
        **labels.worded(test),
    }


@st.cache_data(ttl=TTL, show_spinner=False)
def driver_shortfall(url: str, wave_id: int, fp: tuple) -> tuple[int, int] | None:
    """(found, needed) respondents who rated every aspect, when too few for the key-driver
    analysis (analysis.wave.WaveAnalysis.drivers_shortfall)."""
    return _analysis(url, wave_id, fp)[1].drivers_shortfall


@st.cache_data(ttl=TTL, show_spinner=False)
def improvement_points(
    url: str, wave_id: int, fp: tuple, with_open_answers: bool = True
) -> dict | None:
    """The ranked improvement points, the driver table and the open answers (disclosed).

    ``with_open_answers=False`` ranks the points without reading the open answers (the
    overview shows only the top three; matching thousands of answers costs seconds)."""
    from analysis.drivers import improvement_points as rank

    _d, a = _analysis(url, wave_id, fp)
    if a.drivers is None:
        return None
    if with_open_answers:
        ip = a.improvement_points
    else:
        ip = rank(a.drivers, text_columns=[], k=a.settings.k, group_cols=[a.settings.strata])
    k = a.settings.k
    points = named_aspects(labels.worded(wording.with_languages(ip.points, "evidence")))
    drivers = named_aspects(labels.worded(a.drivers.table))
    small = points["n"] < k
    for c in (
        "performance",
        "performance_ci_low",
        "performance_ci_high",
        "importance_share",
        "importance_share_ci_low",
        "importance_share_ci_high",
        "next_order_share",
        "distinct_from_next",
    ):
        points[c] = points[c].astype(object).where(~small, None)
    drivers = drivers[drivers["n"] >= k]
    return {
        "points": points,
        "drivers": drivers,
        "open_answers": ip.open_answers,
        "r2": a.drivers.r2,
        "n": a.drivers.n_complete,
        "excluded": wording.with_languages(a.drivers.excluded, "reason"),
        "k": k,
        "replicates": a.drivers.replicates,
    }


# --- the fieldwork view ---------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def response_table(url: str, wave_id: int, fp: tuple) -> pd.DataFrame:
    return labels.worded(_analysis(url, wave_id, fp)[1].response)


@st.cache_data(ttl=TTL, show_spinner=False)
def completes_over_time(url: str, wave_id: int, fp: tuple) -> pd.DataFrame:
    """Cumulative completes per day and mode (day, mode, completes)."""
    data, _a = _analysis(url, wave_id, fp)
    r = data.inputs.responses
    r = r[(r["status"] == "complete") & r["completed_at"].notna()]
    if r.empty:
        return pd.DataFrame(columns=["day", "mode", "completes"])
    days = r["completed_at"].dt.tz_convert("Europe/Brussels").dt.tz_localize(None).dt.normalize()
    daily = r.assign(day=days).groupby(["mode", "day"]).size().rename("n").reset_index()
    parts = []
    for mode, part in daily.groupby("mode"):
        span = pd.date_range(part["day"].min(), part["day"].max(), freq="D")
        s = part.set_index("day")["n"].reindex(span, fill_value=0).cumsum()
        parts.append(pd.DataFrame({"day": span, "mode": mode, "completes": s.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


@st.cache_data(ttl=TTL, show_spinner=False)
def representativeness(url: str, wave_id: int, fp: tuple) -> pd.DataFrame:
    return _analysis(url, wave_id, fp)[1].representativeness


@st.cache_data(ttl=TTL, show_spinner=False)
def r_indicator(url: str, wave_id: int, fp: tuple) -> dict | None:
    ri = _analysis(url, wave_id, fp)[1].r_indicator
    if ri is None:
        return None
    return {
        "R": ri.R,
        "cv": ri.cv,
        "rho_mean": ri.rho_mean,
        "max_bias": ri.max_bias,
        "n": ri.n,
        "partial": ri.partial,
    }


@st.cache_data(ttl=TTL, show_spinner=False)
def weighting(url: str, wave_id: int, fp: tuple) -> dict:
    a = _analysis(url, wave_id, fp)[1]
    notes = list(a.weighting.notes) if a.weighting is not None else []
    return {
        "steps": labels.worded(a.weighting_steps),
        "notes": [wording.both(n) for n in notes + list(a.notes)],
    }


# --- scores ---------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def scores(url: str, wave_id: int, fp: tuple, weighted: bool = True) -> pd.DataFrame:
    """Every score overall and per breakdown, under disclosure control."""
    from analysis.wave import disclosed

    a = _analysis(url, wave_id, fp)[1]
    table = a.scores if weighted else a.scores_unweighted
    return named_aspects(labels.worded(disclosed(table, a.settings.k)))


@st.cache_data(ttl=TTL, show_spinner=False)
def scores_by_mode(url: str, wave_id: int, fp: tuple) -> pd.DataFrame:
    """Per mode apart (never pooled), unweighted; a mode with fewer than k answers is hidden."""
    from analysis.wave import disclosed

    a = _analysis(url, wave_id, fp)[1]
    table = a.scores_by_mode
    if table.empty:
        return labels.worded(table)
    return labels.worded(
        pd.concat(
            [
                disclosed(part.drop(columns="mode"), a.settings.k).assign(mode=m)
                for m, part in table.groupby("mode", sort=False)
            ],
            ignore_index=True,
        )
    )


# --- trend ----------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def trend_table(url: str, wave_id: int, fp: tuple) -> tuple[dict, pd.DataFrame] | None:
    """Every score of the wave against the previous closed wave, crude and standardized."""
    from analysis.trend import compare_waves

    prev = previous_wave(url, wave_id)
    if prev is None:
        return None
    data, a = _analysis(url, wave_id, fp)
    pdata, pa = wave_analysis(url, prev["id"])
    if a.analysed is None or pa.analysed is None:
        return None
    reference = data.inputs.composition("profession")
    table = compare_waves(
        pa.analysed,
        a.analysed,
        data.inputs.columns,
        reference=reference,
        columns_prev=pdata.inputs.columns,
        version=getattr(data.questionnaire, "version", None),
    )
    k = a.settings.k
    small = (table["prev_n"] < k) | (table["last_n"] < k)
    return prev, named_aspects(
        labels.worded(wording.with_languages(table[~small].reset_index(drop=True), "note"))
    )


TREND_KINDS = ("overall_0_100", "dimension")


@st.cache_data(ttl=TTL, show_spinner=False)
def trend_series(url: str, upto_wave_id: int, fp: tuple) -> pd.DataFrame:
    """The overall and aspect scores of every wave up to this one, crude and standardized to
    this wave's frame composition by profession (one row per wave and score).

    A real wave's trend holds only real waves, a demo wave's only demo waves (as
    `store.waves.previous_wave`). Each row carries `segment` (per score, counting from 0 in
    time order) and the verdict of analysis.trend.comparability against the score's previous
    wave in the series (`comparable`, `not_compared`, `changed_items`, `changed_languages`,
    `changed_in` = this wave's questionnaire version): a score whose question changed starts a
    new segment, so the chart never joins figures of two different questions."""
    from analysis import scores as sc
    from analysis.trend import _standardized

    waves = [w for w in webapp.list_waves(url)]
    ids = [w["id"] for w in waves]
    if upto_wave_id in ids:
        demo = bool(waves[ids.index(upto_wave_id)].get("demo"))
        waves = [w for w in waves[: ids.index(upto_wave_id) + 1] if bool(w.get("demo")) == demo]
    this_data, _ = _analysis(url, upto_wave_id, fp)
    reference = this_data.inputs.composition("profession")
    parts = []
    for w in waves:
        if w["status"] == "draft":
            continue
        try:
            data, a = wave_analysis(url, w["id"])
        except LookupError:
            continue
        design = a.analysed
        if design is None:
            continue
        table = labels.worded(a.headline_scores(TREND_KINDS))
        table = table[table["n"] >= a.settings.k].copy()
        if table.empty:
            continue
        rs = sc.respondent_scores(design.data, data.inputs.columns).only(TREND_KINDS)
        std = {}
        if reference is not None and "profession" in design.data:
            for sid in table["score_id"]:
                est, missing = _standardized(design, rs.values[sid], "profession", reference)
                std[sid] = (math.nan,) * 3 if missing else (est.estimate, est.se, est.df)
        # t on the design df, as every other interval of a wave (not a normal quantile).
        nan3 = (math.nan,) * 3
        table["std_estimate"] = [std.get(s, nan3)[0] for s in table["score_id"]]
        table["std_se"] = [std.get(s, nan3)[1] for s in table["score_id"]]
        q = pd.Series(
            [sc._quantile(0.95, std.get(s, nan3)[2]) for s in table["score_id"]], index=table.index
        )
        table["std_ci_low"] = table["std_estimate"] - q * table["std_se"]
        table["std_ci_high"] = table["std_estimate"] + q * table["std_se"]
        table["wave_id"] = w["id"]
        table["wave"] = w["name"]
        table["start"] = pd.Timestamp(w["fieldwork_start"]) if w["fieldwork_start"] else pd.NaT
        parts.append((table, data.inputs.columns, getattr(data.questionnaire, "version", None)))
    if not parts:
        return pd.DataFrame()
    return named_aspects(pd.concat(_segments(parts), ignore_index=True))


def _segments(parts: list[tuple[pd.DataFrame, Any, Any]]) -> list[pd.DataFrame]:
    """Mark, per score, where its question changed against the score's previous wave in the
    series (`parts` in time order: each wave's table, questionnaire columns and version)."""
    from analysis.trend import comparability

    verdicts: dict[tuple[int, int], dict] = {}  # (earlier part, later part) -> per score
    last_seen: dict[str, int] = {}  # score -> index of the last part that has it
    segment: dict[str, int] = {}
    out = []
    for i, (table, columns, version) in enumerate(parts):
        table = table.copy()
        marks = []
        for sid in table["score_id"]:
            j = last_seen.get(sid)
            verdict = None
            if j is not None:
                if (j, i) not in verdicts:
                    verdicts[(j, i)] = (
                        comparability(parts[j][1], columns).set_index("score_id").to_dict("index")
                    )
                verdict = verdicts[(j, i)].get(sid, {"comparable": False, "not_compared": "items"})
            if verdict is not None and not verdict["comparable"]:
                segment[sid] = segment.get(sid, 0) + 1
            last_seen[sid] = i
            ok = verdict is None or bool(verdict["comparable"])
            marks.append(
                {
                    "segment": segment.get(sid, 0),
                    "comparable": ok,
                    "not_compared": None if ok else verdict.get("not_compared"),
                    "changed_items": None if ok else verdict.get("changed_items"),
                    "changed_languages": None if ok else verdict.get("changed_languages"),
                    "changed_in": None if ok else version,
                }
            )
        out.append(pd.concat([table.reset_index(drop=True), pd.DataFrame(marks)], axis=1))
    return out


# --- formatting -----------------------------------------------------------------------------


def fmt(x: Any, decimals: int = F.SCORE_DECIMALS, *, signed: bool = False) -> str:
    """A number in the page's language (report.format); the suppression marker as is."""
    return F.number(x, decimals, webapp.lang(), signed=signed)


def pct(x: Any, decimals: int = F.PERCENT_DECIMALS) -> str:
    return F.percent(x, decimals, webapp.lang())


def p_value(p: Any) -> str:
    return F.p_value(p, webapp.lang())


def interval(low: Any, high: Any, decimals: int = F.SCORE_DECIMALS) -> str:
    return F.interval(low, high, decimals, webapp.lang())


def date(d: Any) -> str:
    return F.date(d, webapp.lang())


def moment(m: Any) -> str:
    return F.moment(m, webapp.lang())


def suppression_caption(k: int, table: pd.DataFrame | None = None) -> None:
    """The footnote under a table that may hide cells (always when some are hidden)."""
    if table is None or ("suppressed" in table and table["suppressed"].any()):
        st.caption(wording.suppression_note(k, webapp.lang()))


__all__ = ["SUPPRESSED"]


# --- methodology ------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, show_spinner=False)
def accountability(url: str, wave_id: int, fp: tuple) -> list[dict]:
    """The answers to the parliamentary questions (report.accountability, shared with Excel)."""
    from report import accountability as acc

    data, a = _analysis(url, wave_id, fp)
    trend = trend_table(url, wave_id, fp)
    comparison = acc.comparison_of(trend[0], trend[1]) if trend is not None else None
    from ktm.services.export import audit_rows

    return acc.answer_rows(
        data.wave,
        a if a.analysed is not None else None,
        comparison,
        (),
        data.sample_info,
        organisation(),
        audit=audit_rows(engine(), wave_id),
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def design_facts(url: str, wave_id: int, fp: tuple) -> dict:
    """The stored sample and frame of the wave, and the weighting's diagnostics."""
    data, a = _analysis(url, wave_id, fp)
    design = a.design
    return {
        "wave": data.wave,
        "sample": data.sample_info,
        "frame": data.frame_info,
        "n_eff": None if design is None else float(design.n_eff),
        "deff_kish": None if design is None else float(design.deff_kish),
        "margins": list(a.applied_margins) if a.weighting is not None else [],
        "trim": a.settings.trim,
        "rate_name": a.settings.rate,
    }
