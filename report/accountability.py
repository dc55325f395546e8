"""The answers to the Flemish Parliament's written question no. 192 (15 January 2024), questions
1 to 11, generated from what the tool holds about a wave.

    rows = answer_rows(wave, figures_of(result), comparison, actions, sample_info=...)

Each row is a plain dict: ``number`` ("1", "4", "4b", ...), ``question_nl``, ``question_en``,
``answer_nl``, ``answer_en`` and ``source`` (which stored fact or computation the answer comes
from, so a reader can check it). Question 12 (the minister's own evaluation) is not a fact the
tool holds and is left out.

Inputs, all plain data (the dashboard's Methodologie page and the Excel export share them):

- ``wave``: the wave's stored facts, a row of the ``waves`` table as a dict (name, status,
  fieldwork_start/end, frequency, objectives, population, design_type, min_response_rate,
  min_response_rate_stratum, min_completes_stratum, disclosure_k, mode, post_contact,
  execution, cost_eur, execution_rationale, aspects_rationale, other_methods
  ``{"methods": [{"nl", "en"}], "complaints": {year: n}}``, communication, next_wave_planned).
- ``figures``: the wave's results as plain figures, from :func:`figures_of` (which accepts an
  :class:`analysis.wave.WaveAnalysis`) or built by hand (keys documented there); None = no
  results yet.
- ``comparison``: the previous wave against this one, from :func:`comparison_of` (the trend
  table of :func:`analysis.trend.compare_waves`); None = no previous wave.
- ``actions``: the improvement actions (dicts with improvement_point, description, owner,
  status, due_date, public_text_nl, public_text_en); empty is fine.
- ``sample_info``: the stored sample (strata_var, method, seed, n, allocation, population,
  parameters); None = no sample.

A missing fact gives an answer that says so ("niet vastgelegd"), never an empty cell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from report import format as fmt
from report import labels, wording
from report.organisation import Organisation

QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "1",
        "Wanneer werd de laatste klanttevredenheidsmeting uitgevoerd?",
        "When was the last customer satisfaction measurement carried out?",
    ),
    (
        "2",
        "Om de hoeveel tijd is er een meting van de klanttevredenheid?",
        "How often is customer satisfaction measured?",
    ),
    (
        "3",
        "Worden er andere methodes dan een bevraging gebruikt om klanttevredenheid te meten? "
        "Zo ja, welke?",
        "Are methods other than a survey used to measure customer satisfaction? If so, which?",
    ),
    (
        "4",
        "Op basis van welke criteria worden de tevredenheidsmetingen gehouden?",
        "On the basis of which criteria are the satisfaction measurements held?",
    ),
    ("4a", "Wat zijn de doelstellingen?", "What are the objectives?"),
    ("4b", "Hoeveel respondenten werden er bevraagd?", "How many respondents were surveyed?"),
    (
        "4c",
        "Hoe zorgt men ervoor dat de steekproef representatief is voor de klant?",
        "How is the sample kept representative of the customers?",
    ),
    ("4d", "Is er een minimumresponsgraad?", "Is there a minimum response rate?"),
    (
        "4e",
        "Gaat het om een gestratificeerde steekproef, een willekeurige steekproef of wordt er "
        "gewerkt via zelfselectie?",
        "Is it a stratified sample, a random sample, or self-selection?",
    ),
    (
        "4f",
        "Wordt na een klantencontact standaard een bevraging gedaan?",
        "Is a survey done as standard after a customer contact?",
    ),
    (
        "4g",
        "Hoe wordt bepaald welke aspecten van de dienstverlening al dan niet bevraagd worden?",
        "How is it decided which aspects of the service are surveyed?",
    ),
    ("4h", "Worden de resultaten gestandaardiseerd?", "Are the results standardized?"),
    (
        "5",
        "Verloopt het klanttevredenheidsonderzoek digitaal of fysiek?",
        "Is the customer satisfaction survey digital or physical?",
    ),
    (
        "6",
        "Worden de metingen volledig door de eigen diensten uitgevoerd, of wordt er "
        "samengewerkt met of uitbesteed aan gespecialiseerde adviesbureaus?",
        "Are the measurements carried out entirely in-house, or with or by specialised "
        "consultancies?",
    ),
    (
        "6a",
        "In het laatste geval, hoeveel bedroeg de kostprijs voor die meting per jaar?",
        "In the latter case, what did the measurement cost per year?",
    ),
    ("6b", "Vanwaar de keuze voor deze manier van aanpak?", "Why was this approach chosen?"),
    (
        "7",
        "Wat waren de belangrijkste resultaten van de laatste klanttevredenheidsmeting?",
        "What were the main results of the last customer satisfaction measurement?",
    ),
    (
        "7a",
        "Wat is de algemene tevredenheid(sscore)?",
        "What is the overall satisfaction (score)?",
    ),
    (
        "7b",
        "Wat zijn de (voornaamste) verbeterpunten?",
        "What are the (main) points for improvement?",
    ),
    (
        "7c",
        "Werd er specifiek ook gepeild naar de tevredenheid over digitale dienstverlening? "
        "Zo ja, wat waren de resultaten?",
        "Was satisfaction with the digital service asked about specifically? If so, with "
        "what results?",
    ),
    (
        "8",
        "Hoe verhouden zich de resultaten van de laatste meting ten opzichte van de voorlaatste?",
        "How do the results of the last measurement compare with the one before?",
    ),
    (
        "8a",
        "Wat was de algemene tevredenheid(sscore) van de voorlaatste meting en wanneer werd "
        "die uitgevoerd?",
        "What was the overall satisfaction (score) of the previous measurement, and when was "
        "it carried out?",
    ),
    ("8b", "Is er een positieve of negatieve evolutie?", "Is the change positive or negative?"),
    (
        "9",
        "Op welke wijze werd gevolg gegeven aan de laatste klanttevredenheidsmeting?",
        "How was the last customer satisfaction measurement followed up?",
    ),
    (
        "9a",
        "Hoe zullen de resultaten in de werking geïmplementeerd worden?",
        "How will the results be implemented in the organisation's work?",
    ),
    (
        "9b",
        "Heeft de minister daartoe specifieke instructies gegeven?",
        "Did the minister give specific instructions to that end?",
    ),
    (
        "9c",
        "Op welke manier volgt de minister de doorvoering van mogelijke verbeterpunten op?",
        "How does the minister follow up the implementation of improvement points?",
    ),
    (
        "10",
        "Wordt er na het onderzoek nog naar de respondent gecommuniceerd over wat men doet met "
        "de resultaten?",
        "Are respondents told afterwards what is done with the results?",
    ),
    (
        "11",
        "Is er op korte termijn een nieuwe klanttevredenheidsmeting gepland? Zo ja, wanneer "
        "worden de resultaten verwacht?",
        "Is a new measurement planned soon? If so, when are the results expected?",
    ),
)

ROW_KEYS = ("number", "question_nl", "question_en", "answer_nl", "answer_en", "source")

#: Score kinds that measure the digital service itself (the e-loket); see analysis.scores.
DIGITAL_KINDS = ("umux_lite", "umux_sus_eq", "ces_mean", "ces_share_5_7", "sus")
#: Score kinds that are shares (0-1) rather than points.
SHARE_KINDS = ("top2", "ces_share_5_7")

_STATUS = {
    "planned": ("gepland", "planned"),
    "in_progress": ("lopend", "in progress"),
    "done": ("afgerond", "done"),
}
_NOT_SET = ("Niet vastgelegd in het meetinstrument.", "Not recorded in the measurement tool.")


# --- formatting -----------------------------------------------------------------------------


def _missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x))
    except TypeError:
        return False


def _period(start: Any, end: Any, lang: str) -> str:
    if _missing(start) and _missing(end):
        return "(geen veldwerkdata)" if lang == "nl" else "(no fieldwork dates)"
    word = "tot" if lang == "nl" else "to"
    return f"{fmt.date(start, lang)} {word} {fmt.date(end, lang)}"


def _text(value: Any) -> tuple[str, str]:
    """A stored free text (written in Dutch) for both columns, or the 'not recorded' answer."""
    if _missing(value) or not str(value).strip():
        return _NOT_SET
    return str(value).strip(), str(value).strip()


def _estimate(row: Mapping[str, Any] | None, lang: str, share: bool = False, unit: str = "") -> str:
    """'67,0 op 100 (95%-BI 65,1 - 68,9; n = 432)' from a row with estimate, ci_low/high, n."""
    if not row or _missing(row.get("estimate")):
        return "(geen schatting)" if lang == "nl" else "(no estimate)"
    write = fmt.percent if share else fmt.number
    out = write(row["estimate"], 1, lang) + unit
    if not _missing(row.get("ci_low")) and not _missing(row.get("ci_high")):
        ends = fmt.RANGE_DASH.join(write(row[k], 1, lang) for k in ("ci_low", "ci_high"))
        out += f" ({'95%-BI' if lang == 'nl' else '95% CI'} {ends}"
        out += f"; n = {fmt.integer(row['n'], lang)})" if not _missing(row.get("n")) else ")"
    return out


def _plural(n: int, one: str, many: str, lang: str = "nl") -> str:
    return f"{fmt.integer(n, lang)} {one if n == 1 else many}"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", ":")) else text + "."


# --- figures from an analysis -------------------------------------------------------------


def _records(df) -> list[dict]:
    return [] if df is None or len(df) == 0 else df.to_dict("records")


def _overall_rows(result, kinds: Sequence[str]) -> dict[str, dict]:
    # Re-use the full score table when it is computed already; otherwise ask only the kinds.
    table = result.__dict__.get("scores")
    if table is None:
        table = result.headline_scores(tuple(kinds))
    if table is None or len(table) == 0:
        return {}
    table = labels.worded(table)
    overall = table[table["group_var"].isna()] if "group_var" in table else table
    rows = overall.to_dict("records")
    out: dict[str, dict] = {}
    for row in rows:
        if row["kind"] in kinds and row["kind"] != "top2" and row["kind"] not in out:
            out[row["kind"]] = row
    head_item = out.get("overall_0_100", {}).get("item")
    for row in rows:  # the top-2-box of the overall satisfaction question, not of an aspect
        if row["kind"] == "top2" and head_item is not None and row["item"] == head_item:
            out["top2"] = row
    return out


def figures_of(result: Any) -> dict[str, Any] | None:
    """The plain figures the answers need, from a WaveAnalysis (a Mapping is returned as is).

    Keys: ``counts`` (WaveAnalysis.counts), ``weighted`` (bool), ``k``, ``scores`` {kind: overall
    row dict with estimate, se, ci_low, ci_high, n, label_nl, label_en} for overall_0_100,
    overall, top2 of the overall item and the DIGITAL_KINDS, ``response`` (the overall row of
    the AAPOR table as a dict, or None), ``strata_response`` (its stratum rows), ``r_indicator``
    (float or None), ``representativeness`` (rows of the weighted chi-square tests),
    ``improvement_points`` (rows of ImprovementPoints.points), ``n_eff``, ``deff_kish``,
    ``n_sample`` (invited units), ``margins`` (the raking variables).
    """
    if result is None or isinstance(result, Mapping):
        return None if result is None else dict(result)
    kinds = ("overall_0_100", "overall", "top2", *DIGITAL_KINDS)
    scores = _overall_rows(result, kinds)
    response = labels.worded(result.response)
    resp_rows = _records(response)
    overall_resp = resp_rows[-1] if resp_rows else None
    rep = result.representativeness
    rep_rows = _records(rep[rep["weighted"]] if len(rep) and "weighted" in rep else rep)
    ri = result.r_indicator
    points = result.improvement_points
    design = result.design
    return {
        "counts": dict(result.counts),
        "weighted": design is not None,
        "k": result.settings.k,
        "scores": scores,
        "response": overall_resp,
        "strata_response": resp_rows[:-1],
        "rate_name": result.settings.rate,
        "r_indicator": None if ri is None else float(ri.R),
        "representativeness": rep_rows,
        "improvement_points": (
            _records(labels.worded(wording.with_languages(points.points, "evidence")))
            if points is not None
            else []
        ),
        "n_eff": None if design is None else float(design.n_eff),
        "deff_kish": None if design is None else float(design.deff_kish),
        "n_sample": None if result.sample is None else len(result.sample),
        "margins": list(result.applied_margins) if result.weighting is not None else [],
    }


def comparison_of(
    previous_wave: Mapping[str, Any] | None, trend_table, kind: str = "overall_0_100"
) -> dict[str, Any] | None:
    """The previous wave against this one for one score kind, as a plain dict: the previous
    wave's name and fieldwork dates, and the trend row (prev_/last_ estimate, se, n;
    difference, ci_low, ci_high, p, change, change_nl/en and the std_ columns)."""
    if previous_wave is None or trend_table is None or len(trend_table) == 0:
        return None
    rows = trend_table[trend_table["kind"] == kind]
    if rows.empty:
        return None
    out = labels.worded(dict(rows.iloc[0]))
    out["prev_name"] = previous_wave.get("name")
    out["prev_fieldwork_start"] = previous_wave.get("fieldwork_start")
    out["prev_fieldwork_end"] = previous_wave.get("fieldwork_end")
    return out


# --- the answers ----------------------------------------------------------------------------


def _q1(wave, f, c, actions, si, org):
    period = {
        lang: _period(wave.get("fieldwork_start"), wave.get("fieldwork_end"), lang)
        for lang in ("nl", "en")
    }
    name = wave.get("name", "?")
    if wave.get("status") == "open":
        nl = f"De meting '{name}' loopt (veldwerk van {period['nl']})."
        en = f"The measurement '{name}' is in fieldwork ({period['en']})."
    else:
        nl = f"De laatste meting, '{name}', liep van {period['nl']}."
        en = f"The last measurement, '{name}', ran from {period['en']}."
    return nl, en, "waves.name, waves.status, waves.fieldwork_start, waves.fieldwork_end"


def _q2(wave, f, c, actions, si, org):
    return (*_text(wave.get("frequency")), "waves.frequency")


def _q3(wave, f, c, actions, si, org):
    other = wave.get("other_methods") or {}
    methods = other.get("methods") or []
    complaints = other.get("complaints") or {}
    nl_parts, en_parts = [], []
    for m in methods:
        nl_parts.append(f"- {m.get('nl') or m.get('en') or m.get('method', '')}")
        en_parts.append(f"- {m.get('en') or m.get('nl') or m.get('method', '')}")
    if complaints:
        years = sorted(complaints, reverse=True)
        nl_parts.append(
            "- Klachten (eerstelijnsklachten) als signaal: "
            + ", ".join(f"{fmt.integer(complaints[y])} ({y})" for y in years)
        )
        en_parts.append(
            "- Complaints (first-line) as a signal: "
            + ", ".join(f"{fmt.integer(complaints[y], 'en')} ({y})" for y in years)
        )
    if not nl_parts:
        return (
            "Nee: er zijn geen andere methodes vastgelegd dan deze bevraging.",
            "No: no methods other than this survey are recorded.",
            "waves.other_methods",
        )
    return (
        "Ja:\n" + "\n".join(nl_parts),
        "Yes:\n" + "\n".join(en_parts),
        "waves.other_methods",
    )


def _q4(wave, f, c, actions, si, org):
    design = {
        "stratified": ("een gestratificeerde aselecte steekproef", "a stratified random sample"),
        "census": ("een volledige telling van de populatie", "a census of the population"),
        "open": ("een open link (zelfselectie)", "an open link (self-selection)"),
    }.get(wave.get("design_type") or "", (wave.get("design_type") or "?",) * 2)
    pop = wave.get("population")
    nl = (
        f"De meting volgt een vooraf vastgelegd ontwerp: {design[0]}, met vastgelegde "
        "doelstellingen, een minimumresponsgraad, weging naar het kader en gestandaardiseerde "
        "scores (zie 4a tot 4h)."
    )
    en = (
        f"The measurement follows a design fixed in advance: {design[1]}, with stated objectives, "
        "a minimum response rate, weighting to the frame and standardized scores (see 4a to 4h)."
    )
    if not _missing(pop) and str(pop).strip():
        nl += f" Populatie: {str(pop).strip()}"
        en += f" Population (as recorded in Dutch): {str(pop).strip()}"
    return nl, en, "waves.design_type, waves.population"


def _q4a(wave, f, c, actions, si, org):
    return (*_text(wave.get("objectives")), "waves.objectives")


def _q4b(wave, f, c, actions, si, org):
    if not f:
        return "Nog geen antwoorden.", "No responses yet.", "responses"
    counts = f.get("counts", {})
    resp = f.get("response") or {}
    n_sample = f.get("n_sample") or (si or {}).get("n")
    population = resp.get("population") or (
        sum((si or {}).get("population", {}).values()) if si else None
    )
    nl, en = [], []
    if n_sample:
        pop_nl = f" uit een populatie (kader) van {fmt.integer(population)}" if population else ""
        pop_en = (
            f" from a population (frame) of {fmt.integer(population, 'en')}" if population else ""
        )
        nl.append(f"{fmt.integer(n_sample)} personen werden uitgenodigd (steekproef{pop_nl}).")
        en.append(f"{fmt.integer(n_sample, 'en')} people were invited (sample{pop_en}).")
    invited = counts.get("complete_invited")
    if invited is not None:
        partial = resp.get("P")
        nl.append(
            f"{fmt.integer(invited)} van hen vulden de vragenlijst volledig in"
            + (f", {fmt.integer(partial)} gedeeltelijk" if partial else "")
            + "."
        )
        en.append(
            f"{fmt.integer(invited, 'en')} of them completed the questionnaire"
            + (f", {fmt.integer(partial, 'en')} partially" if partial else "")
            + "."
        )
    other = {m: counts.get(f"complete_{m}") for m in ("open", "post_contact", "paper")}
    other = {m: v for m, v in other.items() if v}
    labels = {
        "open": ("via de open link", "through the open link"),
        "post_contact": ("na een contact (post-contact)", "after a contact (post-contact)"),
        "paper": ("op papier (buiten de steekproef)", "on paper (outside the sample)"),
    }
    if other:
        nl.append(
            "Daarnaast, apart en ongewogen geanalyseerd: "
            + ", ".join(f"{fmt.integer(v)} {labels[m][0]}" for m, v in other.items())
            + "."
        )
        en.append(
            "In addition, analysed apart and unweighted: "
            + ", ".join(f"{fmt.integer(v, 'en')} {labels[m][1]}" for m, v in other.items())
            + "."
        )
    nl.append(f"In totaal {fmt.integer(counts.get('complete', 0))} volledige antwoorden.")
    en.append(f"In total {fmt.integer(counts.get('complete', 0), 'en')} complete responses.")
    size_nl, size_en = _sample_size_sentences(si)
    nl += size_nl
    en += size_en
    return (
        " ".join(nl),
        " ".join(en),
        "samples.n, samples.parameters, responses (status, mode), AAPOR table",
    )


def _sample_size_sentences(si) -> tuple[list[str], list[str]]:
    """How the sample size was chosen: the target margin of error after the design effect of
    the allocation (samples.parameters, stored by the draw)."""
    params = (si or {}).get("parameters") or {}
    target, deff = params.get("target_moe"), params.get("deff_allocation")
    if _missing(target) or _missing(deff):
        return [], []
    conf = params.get("confidence", 0.95)
    without = params.get("invitations_without_deff")
    n = (si or {}).get("n")
    nl = (
        f"De steekproefgrootte werd bepaald voor een foutenmarge van ±{fmt.percent(target, 1)} "
        f"({fmt.percent(conf, 0)} betrouwbaarheid, proportie 50%), na het designeffect van de "
        f"allocatie (Kish {fmt.number(deff, 2)})"
    )
    en = (
        f"The sample size was set for a margin of error of ±{fmt.percent(target, 1, 'en')} "
        f"({fmt.percent(conf, 0, 'en')} confidence, proportion 50%), after the design effect of the "
        f"allocation (Kish {fmt.number(deff, 2, 'en')})"
    )
    if without and n:
        nl += f": {fmt.integer(n)} uitnodigingen, {fmt.integer(without)} zonder dat designeffect."
        en += (
            f": {fmt.integer(n, 'en')} invitations, {fmt.integer(without, 'en')} without that "
            "design effect."
        )
    else:
        nl, en = nl + ".", en + "."
    return [nl], [en]


def _q4c(wave, f, c, actions, si, org):
    nl, en = [], []
    strata = (si or {}).get("strata_var")
    if strata:
        nl.append(
            f"De steekproef wordt per stratum ({fmt.label('variable', strata, 'nl')}) aselect getrokken uit het volledige "
            "kader van de populatie, met een vaste seed (herhaalbaar)."
        )
        en.append(
            f"The sample is drawn at random within strata ({fmt.label('variable', strata, 'en')}) from the full frame of the "
            "population, with a fixed seed (reproducible)."
        )
    params = (si or {}).get("parameters") or {}
    if not _missing(params.get("deff_allocation")) and not _missing(params.get("expected_moe")):
        conf = params.get("confidence", 0.95)
        nl.append(
            "Designeffect van de allocatie (Kish, uit de geplande gewichten N_h/n_h): "
            f"{fmt.number(params['deff_allocation'], 2)}; verwachte foutenmarge na dat effect "
            f"±{fmt.percent(params['expected_moe'], 1)} ({fmt.percent(conf, 0)}, proportie 50%)."
        )
        en.append(
            "Design effect of the allocation (Kish, from the planned weights N_h/n_h): "
            f"{fmt.number(params['deff_allocation'], 2, 'en')}; expected margin of error after it "
            f"±{fmt.percent(params['expected_moe'], 1, 'en')} ({fmt.percent(conf, 0, 'en')}, proportion 50%)."
        )
    if f and f.get("weighted"):
        margins = f.get("margins") or []
        if margins:
            nl.append(
                "De antwoorden worden gewogen: designgewichten N_h/n_h, correctie voor "
                "non-respons en raking naar de kadermarges ("
                + ", ".join(fmt.label("variable", m, "nl") for m in margins)
                + ")."
            )
            en.append(
                "The responses are weighted: design weights N_h/n_h, a nonresponse adjustment "
                "and raking to the frame margins ("
                + ", ".join(fmt.label("variable", m, "en") for m in margins)
                + ")."
            )
        else:
            nl.append(
                "De antwoorden worden gewogen: designgewichten N_h/n_h en correctie voor "
                "non-respons per stratum; geen raking naar kadermarges."
            )
            en.append(
                "The responses are weighted: design weights N_h/n_h and a nonresponse "
                "adjustment per stratum; no raking to frame margins."
            )
        if f.get("deff_kish"):
            nl.append(
                f"Designeffect van de weging (Kish) {fmt.number(f['deff_kish'], 2)}, effectieve "
                f"steekproefgrootte {fmt.number(f['n_eff'], 0)}."
            )
            en.append(
                f"Design effect of the weights (Kish) {fmt.number(f['deff_kish'], 2, 'en')}, "
                f"effective sample size {fmt.number(f['n_eff'], 0, 'en')}."
            )
    if f and f.get("r_indicator") is not None:
        nl.append(
            f"R-indicator van de respons (Schouten e.a., 2009; 1 = volledig representatief): "
            f"{fmt.number(f['r_indicator'], 2)}."
        )
        en.append(
            "R-indicator of the response (Schouten et al., 2009; 1 = fully representative): "
            f"{fmt.number(f['r_indicator'], 2, 'en')}."
        )
    rep = (f or {}).get("representativeness") or []
    if rep:
        off = [r for r in rep if not _missing(r.get("p_value")) and r["p_value"] < 0.05]
        ok = [r["variable"] for r in rep if r not in off]
        if ok:
            nl.append(
                "Na weging wijkt de samenstelling niet significant af van het kader voor: "
                + ", ".join(fmt.label("variable", v, "nl") for v in ok)
                + "."
            )
            en.append(
                "After weighting, the composition does not differ significantly from the frame "
                "for: " + ", ".join(fmt.label("variable", v, "en") for v in ok) + "."
            )
        if off:
            nl.append(
                "Wel een significant verschil (chi-kwadraat, p < 0,05) voor: "
                + ", ".join(
                    f"{fmt.label('variable', r['variable'], 'nl')} (grootste verschil {fmt.percent(r['max_abs_diff'], 1)})"
                    for r in off
                )
                + "."
            )
            en.append(
                "A significant difference (chi-square, p < 0.05) remains for: "
                + ", ".join(
                    f"{fmt.label('variable', r['variable'], 'en')} (largest difference {fmt.percent(r['max_abs_diff'], 1, 'en')})"
                    for r in off
                )
                + "."
            )
    if not nl:
        return (
            "Zonder steekproef is er geen representativiteitscontrole (zelfselectie).",
            "Without a sample there is no representativeness check (self-selection).",
            "waves.design_type",
        )
    return (
        " ".join(nl),
        " ".join(en),
        "samples.strata_var, samples.parameters (deff_allocation, expected_moe), weighting "
        "diagnostics, WaveAnalysis.r_indicator, WaveAnalysis.representativeness",
    )


def _q4d(wave, f, c, actions, si, org):
    minimum = wave.get("min_response_rate")
    if _missing(minimum):
        return (
            "Nee, er is geen minimumresponsgraad vastgelegd.",
            "No, no minimum response rate is recorded.",
            "waves.min_response_rate",
        )
    rate_name = (f or {}).get("rate_name", "RR2")
    nl = [
        f"Ja: minstens {fmt.percent(minimum, 0)} ({rate_name} volgens AAPOR) voor de hele steekproef"
    ]
    en = [
        f"Yes: at least {fmt.percent(minimum, 0, 'en')} ({rate_name}, AAPOR) for the whole sample"
    ]
    per = wave.get("min_response_rate_stratum")
    if not _missing(per):
        nl[-1] += f", {fmt.percent(per, 0)} per stratum"
        en[-1] += f", {fmt.percent(per, 0, 'en')} per stratum"
    mc = wave.get("min_completes_stratum")
    if not _missing(mc) and mc:
        nl[-1] += f" en {fmt.integer(mc)} volledige antwoorden per stratum"
        en[-1] += f" and {fmt.integer(mc, 'en')} complete responses per stratum"
    nl[-1] += "."
    en[-1] += "."
    resp = (f or {}).get("response")
    if resp and not _missing(resp.get("rate")):
        met = bool(resp.get("meets_rate"))
        nl.append(f"Behaald: {fmt.percent(resp['rate'])} ({'gehaald' if met else 'niet gehaald'}).")
        en.append(
            f"Achieved: {fmt.percent(resp['rate'], 1, 'en')} ({'met' if met else 'not met'})."
        )
        short = [r["stratum"] for r in (f or {}).get("strata_response", []) if not r.get("meets")]
        if short:
            names = [[fmt.label("profession", h, lang) for h in short] for lang in ("nl", "en")]
            nl.append("Strata onder het minimum (graad of aantal): " + ", ".join(names[0]) + ".")
            en.append("Strata below the minimum (rate or count): " + ", ".join(names[1]) + ".")
    return (
        " ".join(nl),
        " ".join(en),
        "waves.min_response_rate(_stratum), waves.min_completes_stratum, AAPOR table",
    )


def _q4e(wave, f, c, actions, si, org):
    kind = wave.get("design_type")
    method = (si or {}).get("method")
    if kind == "stratified":
        nl = "Een gestratificeerde aselecte steekproef zonder teruglegging"
        en = "A stratified random sample without replacement"
        if si:
            nl += (
                f" (strata naar {fmt.label('variable', si.get('strata_var'), 'nl')}; allocatie: "
                f"{fmt.label('allocation', method, 'nl')}; seed {si.get('seed')})"
            )
            en += (
                f" (strata by {fmt.label('variable', si.get('strata_var'), 'en')}; allocation: "
                f"{fmt.label('allocation', method, 'en')}; seed {si.get('seed')})"
            )
        nl += "."
        en += "."
    elif kind == "census":
        nl, en = (
            "Een volledige telling: de hele populatie wordt uitgenodigd.",
            ("A census: the whole population is invited."),
        )
    elif kind == "open":
        nl, en = (
            "Zelfselectie via een open link (geen steekproef).",
            ("Self-selection through an open link (no sample)."),
        )
    else:
        nl, en = _text(kind)
    counts = (f or {}).get("counts", {})
    if kind != "open" and (counts.get("complete_open") or counts.get("complete_post_contact")):
        nl += " Antwoorden via de open link (zelfselectie) worden apart gerapporteerd, niet samengeteld."
        en += " Answers through the open link (self-selection) are reported apart, never pooled."
    return nl, en, "waves.design_type, samples.method, samples.seed"


def _q4f(wave, f, c, actions, si, org):
    if wave.get("post_contact"):
        n = (f or {}).get("counts", {})
        n_pc = (n.get("complete_open") or 0) + (n.get("complete_post_contact") or 0)
        return (
            "Ja: na een indiening in het e-loket krijgt de aanvrager (hoogstens één keer per "
            f"periode) een uitnodiging voor een korte bevraging. Volledige antwoorden: {fmt.integer(n_pc)}; "
            "ze worden apart en ongewogen gerapporteerd.",
            "Yes: after a submission in the e-loket the applicant is invited (at most once per "
            f"period) to a short survey. Complete responses: {fmt.integer(n_pc, 'en')}; they are reported apart and "
            "unweighted.",
            "waves.post_contact, responses.mode",
        )
    return (
        "Nee, er is geen standaardbevraging na een contact.",
        "No, there is no standard survey after a contact.",
        "waves.post_contact",
    )


def _q4g(wave, f, c, actions, si, org):
    return (*_text(wave.get("aspects_rationale")), "waves.aspects_rationale")


def _q4h(wave, f, c, actions, si, org):
    return (
        "Ja. Elk item wordt lineair omgezet naar een score van 0 tot 100 ('niet van toepassing' "
        "telt niet mee); daarnaast het aandeel (zeer) tevredenen (top-2-box), de Customer Effort "
        "Score en de UMUX-Lite met hun gepubliceerde scoring. De schattingen zijn gewogen naar "
        "het kader, met 95%-betrouwbaarheidsintervallen. Bij de vergelijking tussen metingen "
        "wordt ook direct gestandaardiseerd naar één samenstelling per beroep, zodat een "
        "andere mix van beroepen niet als een verandering in tevredenheid doorgaat.",
        "Yes. Every item is mapped linearly to a 0-100 score ('not applicable' excluded); in "
        "addition the share of (very) satisfied (top-2-box), the Customer Effort Score and the "
        "UMUX-Lite with their published scoring. Estimates are weighted to the frame, with 95% "
        "confidence intervals. Comparisons between measurements are also directly standardized "
        "to one composition by profession, so a different mix of professions does not pass for "
        "a change in satisfaction.",
        "analysis.scores, analysis.trend (method)",
    )


def _q5(wave, f, c, actions, si, org):
    nl, en = _text(wave.get("mode"))
    counts = (f or {}).get("counts", {})
    by_mode = {k[len("complete_") :]: v for k, v in counts.items() if k.startswith("complete_")}
    names = {
        "invited": ("web (uitgenodigd)", "web (invited)"),
        "open": ("web (open link)", "web (open link)"),
        "post_contact": ("web (na contact)", "web (after a contact)"),
        "paper": ("papier", "paper"),
    }
    # Sampled people's paper forms are the sample's responses (mode invited, weighted with
    # it) but were answered on paper: counted here as paper (counts["invited_paper"]).
    on_paper = counts.get("invited_paper") or 0
    if on_paper and by_mode.get("invited"):
        split: dict[str, int] = {}
        for m, v in by_mode.items():
            if m == "invited":
                if v - on_paper:
                    split["invited"] = v - on_paper
                split["invited_paper"] = on_paper
            else:
                split[m] = v
        by_mode = split
        names["invited_paper"] = ("papier (uit de steekproef)", "paper (from the sample)")
        names["paper"] = ("papier (buiten de steekproef)", "paper (outside the sample)")
    if by_mode:
        nl = (
            _sentence(nl)
            + " Volledige antwoorden per wijze: "
            + ", ".join(f"{names.get(m, (m, m))[0]} {fmt.integer(v)}" for m, v in by_mode.items())
        )
        en = (
            _sentence(en)
            + " Complete responses by mode: "
            + ", ".join(
                f"{names.get(m, (m, m))[1]} {fmt.integer(v, 'en')}" for m, v in by_mode.items()
            )
        )
        nl, en = nl + ".", en + "."
    return nl, en, "waves.mode, responses.mode, responses.progress (channel)"


def _q6(wave, f, c, actions, si, org):
    how = {
        "in_house": (
            f"Volledig door de eigen diensten (team {org.team}), zonder adviesbureau.",
            f"Entirely in-house (team {org.team}), without a consultancy.",
        ),
        "outsourced": (
            "Uitbesteed aan een gespecialiseerd bureau.",
            "Outsourced to a specialised agency.",
        ),
        "mixed": (
            "Door de eigen diensten, in samenwerking met een gespecialiseerd bureau.",
            "In-house, in cooperation with a specialised agency.",
        ),
    }.get(wave.get("execution") or "", _NOT_SET)
    return (*how, "waves.execution")


def _q6a(wave, f, c, actions, si, org):
    cost = wave.get("cost_eur")
    if _missing(cost):
        nl, en = "De kostprijs is niet vastgelegd.", "The cost is not recorded."
    elif cost == 0:
        nl = "Geen externe kosten: € 0 (uitgevoerd door de eigen diensten)."
        en = "No external cost: €0 (carried out in-house)."
    else:
        nl = f"{fmt.euro(cost, 'nl')} voor deze meting."
        en = f"{fmt.euro(cost, 'en')} for this measurement."
    return nl, en, "waves.cost_eur"


def _q6b(wave, f, c, actions, si, org):
    return (*_text(wave.get("execution_rationale")), "waves.execution_rationale")


def _scores(f) -> dict:
    return (f or {}).get("scores") or {}


def _q7a(wave, f, c, actions, si, org):
    s = _scores(f)
    head = s.get("overall_0_100")
    if not head:
        return (
            "Nog geen algemene tevredenheidsscore (geen volledige antwoorden).",
            "No overall satisfaction score yet (no complete responses).",
            "WaveAnalysis.scores (overall_0_100)",
        )
    w_nl = "gewogen" if (f or {}).get("weighted") else "ongewogen"
    w_en = "weighted" if (f or {}).get("weighted") else "unweighted"
    nl = f"Algemene tevredenheid ({w_nl}): {_estimate(head, 'nl', unit=' op 100')}."
    en = f"Overall satisfaction ({w_en}): {_estimate(head, 'en', unit=' out of 100')}."
    raw = s.get("overall")
    if raw and not _missing(raw.get("estimate")):
        nl += f" Op de vraag van 0 tot 10: gemiddeld {fmt.number(raw['estimate'], 1)}."
        en += f" On the 0 to 10 question: mean {fmt.number(raw['estimate'], 1, 'en')}."
    top2 = s.get("top2")
    if top2 and not _missing(top2.get("estimate")):
        nl += f" Aandeel dat 9 of 10 geeft (top-2-box): {fmt.percent(top2['estimate'])}."
        en += f" Share giving 9 or 10 (top-2-box): {fmt.percent(top2['estimate'], 1, 'en')}."
    return nl, en, "WaveAnalysis.scores (overall_0_100, overall, top2; group overall)"


def _points(f, only_priority: bool = True, limit: int = 3) -> list[dict]:
    pts = (f or {}).get("improvement_points") or []
    prio = [p for p in pts if p.get("is_priority")]
    return (prio if (only_priority and prio) else pts)[:limit]


def _q7b(wave, f, c, actions, si, org):
    pts = _points(f)
    if not pts:
        return (
            "Nog geen verbeterpunten (te weinig antwoorden voor de sleutelanalyse).",
            "No improvement points yet (too few responses for the key-driver analysis).",
            "WaveAnalysis.improvement_points",
        )
    nl = "Volgens de sleutelanalyse (belang voor de algemene tevredenheid tegenover de score):\n"
    en = "From the key-driver analysis (importance for overall satisfaction against the score):\n"
    nl += "\n".join(f"{p['rank']}. {p.get('label_nl')}: {p.get('evidence_nl')}" for p in pts)
    en += "\n".join(f"{p['rank']}. {p.get('label_en')}: {p.get('evidence_en')}" for p in pts)
    return nl, en, "WaveAnalysis.improvement_points (analysis.drivers)"


def _q7(wave, f, c, actions, si, org):
    a_nl, a_en, _ = _q7a(wave, f, c, actions, si, org)
    pts = _points(f)
    if pts:
        a_nl += " Voornaamste verbeterpunten: " + ", ".join(p["label_nl"] for p in pts) + "."
        a_en += " Main improvement points: " + ", ".join(p["label_en"] for p in pts) + "."
    return a_nl, a_en, "see 7a, 7b, 7c"


def _q7c(wave, f, c, actions, si, org):
    s = _scores(f)
    found = [s[k] for k in DIGITAL_KINDS if k in s and not _missing(s[k].get("estimate"))]
    if not found:
        return (
            "De vragenlijst van deze meting bevat geen aparte schaal voor de digitale "
            "dienstverlening (UMUX-Lite, SUS of klantinspanning).",
            "This measurement's questionnaire has no separate scale for the digital service "
            "(UMUX-Lite, SUS or customer effort).",
            "WaveAnalysis.scores (usability and effort kinds)",
        )
    nl = "Ja: de bevraging gaat over het e-loket, de digitale dienstverlening zelf. "
    en = "Yes: the survey is about the e-loket, the digital service itself. "
    nl += "; ".join(
        f"{r.get('label_nl')}: {_estimate(r, 'nl', r['kind'] in SHARE_KINDS)}" for r in found
    )
    en += "; ".join(
        f"{r.get('label_en')}: {_estimate(r, 'en', r['kind'] in SHARE_KINDS)}" for r in found
    )
    return nl + ".", en + ".", "WaveAnalysis.scores (" + ", ".join(r["kind"] for r in found) + ")"


def _q8a(wave, f, c, actions, si, org):
    if not c:
        return (
            "Er is geen voorlaatste (afgesloten) meting om mee te vergelijken.",
            "There is no earlier (closed) measurement to compare with.",
            "waves (previous closed wave)",
        )
    # The previous wave's own interval (t on its design df), the one its own Overzicht and
    # Verantwoording 7a show: one wave, one interval.
    prev = {
        "estimate": c.get("prev_estimate"),
        "n": c.get("prev_n"),
        "ci_low": c.get("prev_ci_low"),
        "ci_high": c.get("prev_ci_high"),
    }
    nl = (
        f"De voorlaatste meting, '{c.get('prev_name')}', liep van "
        f"{_period(c.get('prev_fieldwork_start'), c.get('prev_fieldwork_end'), 'nl')}; algemene "
        f"tevredenheid {_estimate(prev, 'nl', unit=' op 100')}."
    )
    en = (
        f"The previous measurement, '{c.get('prev_name')}', ran from "
        f"{_period(c.get('prev_fieldwork_start'), c.get('prev_fieldwork_end'), 'en')}; overall "
        f"satisfaction {_estimate(prev, 'en', unit=' out of 100')}."
    )
    return nl, en, "previous wave: waves.fieldwork_start/end; analysis.trend.compare_waves"


def _not_compared(c) -> tuple[str, str] | None:
    """The sentence for an overall question that changed between the versions."""
    if not c or bool(c.get("comparable", True)):
        return None
    from report.comparability import not_compared

    return (
        f"De vraag naar de algemene tevredenheid is niet vergelijkbaar met de voorlaatste "
        f"meting ({not_compared(c, 'nl')}): er wordt geen evolutie gerapporteerd.",
        f"The overall satisfaction question is not comparable with the previous measurement "
        f"({not_compared(c, 'en')}): no change is reported.",
    )


def _q8b(wave, f, c, actions, si, org):
    if (changed := _not_compared(c)) is not None:
        return (*changed, "analysis.trend.comparability (wording and scale per version)")
    if not c or _missing(c.get("difference")):
        return (
            "Geen vergelijking mogelijk (geen voorlaatste meting met resultaten).",
            "No comparison possible (no previous measurement with results).",
            "analysis.trend.compare_waves",
        )
    up = c["difference"] > 0
    direction = ("positief", "positive") if up else ("negatief", "negative")
    evolution = ("positieve", "positive") if up else ("negatieve", "negative")
    nl = (
        f"Verschil {fmt.number(c['difference'], signed=True)} punten (95%-BI {fmt.number(c['ci_low'], 1)} tot "
        f"{fmt.number(c['ci_high'], 1)}; {fmt.p_text(c['p'], 'nl')}): {c.get('change_nl')}"
    )
    en = (
        f"Difference {fmt.number(c['difference'], 1, 'en', signed=True)} points (95% CI "
        f"{fmt.number(c['ci_low'], 1, 'en')} to {fmt.number(c['ci_high'], 1, 'en')}; "
        f"{fmt.p_text(c['p'], 'en')}): {c.get('change_en')}"
    )
    if c.get("change") == "none":
        nl += f" (de puntschatting is {direction[0]}, maar binnen de toevalsmarge)."
        en += f" (the point estimate is {direction[1]}, but within the margin of chance)."
    else:
        nl += f": een {evolution[0]} evolutie."
        en += f": a {evolution[1]} change."
    if not _missing(c.get("std_difference")):
        nl += (
            f" Gestandaardiseerd naar dezelfde samenstelling per beroep: "
            f"{fmt.number(c['std_difference'], signed=True)} ({fmt.p_text(c['std_p'], 'nl')}; {c.get('std_change_nl')})."
        )
        en += (
            f" Standardized to the same composition by profession: "
            f"{fmt.number(c['std_difference'], 1, 'en', signed=True)} ({fmt.p_text(c['std_p'], 'en')}; "
            f"{c.get('std_change_en')})."
        )
    return nl, en, "analysis.trend.compare_waves (overall_0_100, crude and standardized)"


def _q8(wave, f, c, actions, si, org):
    if not c:
        return (*_q8a(wave, f, c, actions, si, org)[:2], "waves (previous closed wave)")
    a = _q8b(wave, f, c, actions, si, org)
    head = _scores(f).get("overall_0_100") or {"estimate": c.get("last_estimate")}
    if _not_compared(c) is not None:
        return (
            f"Algemene tevredenheid {fmt.number(head['estimate'], 1)} nu; "
            f"{fmt.number(c['prev_estimate'], 1)} in '{c.get('prev_name')}'. {a[0]}",
            f"Overall satisfaction {fmt.number(head['estimate'], 1, 'en')} now; "
            f"{fmt.number(c['prev_estimate'], 1, 'en')} in '{c.get('prev_name')}'. {a[1]}",
            "analysis.trend.compare_waves, analysis.trend.comparability",
        )
    nl = (
        f"Algemene tevredenheid {fmt.number(head['estimate'], 1)} nu tegenover "
        f"{fmt.number(c['prev_estimate'], 1)} in '{c.get('prev_name')}'. {a[0]}"
    )
    en = (
        f"Overall satisfaction {fmt.number(head['estimate'], 1, 'en')} now against "
        f"{fmt.number(c['prev_estimate'], 1, 'en')} in '{c.get('prev_name')}'. {a[1]}"
    )
    return nl, en, "analysis.trend.compare_waves"


def _action_counts(actions) -> dict[str, int]:
    out = {k: 0 for k in _STATUS}
    for a in actions:
        out[a.get("status") or "planned"] = out.get(a.get("status") or "planned", 0) + 1
    return out


def _q9(wave, f, c, actions, si, org):
    if not actions:
        return (
            "Er zijn (nog) geen verbeteracties geregistreerd voor deze meting.",
            "No improvement actions are registered (yet) for this measurement.",
            "improvement_actions (actions register)",
        )
    n = _action_counts(actions)
    nl = (
        f"{_plural(len(actions), 'verbeteractie', 'verbeteracties')} geregistreerd, gekoppeld aan de verbeterpunten: "
        + ", ".join(f"{fmt.integer(v)} {_STATUS[k][0]}" for k, v in n.items() if k in _STATUS)
        + "."
    )
    en = (
        f"{_plural(len(actions), 'improvement action', 'improvement actions', 'en')} registered, tied to the improvement points: "
        + ", ".join(f"{fmt.integer(v, 'en')} {_STATUS[k][1]}" for k, v in n.items() if k in _STATUS)
        + "."
    )
    return nl, en, "improvement_actions (actions register)"


def _action_line(a: Mapping, lang: str) -> str:
    text = a.get(f"public_text_{lang}") or a.get("description") or ""
    status = _STATUS.get(a.get("status") or "planned", (a.get("status"),) * 2)
    status = status[0] if lang == "nl" else status[1]
    bits = [status]
    if a.get("owner"):
        bits.append(("verantwoordelijke: " if lang == "nl" else "owner: ") + str(a["owner"]))
    if not _missing(a.get("due_date")):
        bits.append(("tegen " if lang == "nl" else "due ") + fmt.date(a["due_date"], lang))
    return f"- {a.get('improvement_point')}: {text} ({'; '.join(bits)})"


def _q9a(wave, f, c, actions, si, org):
    if not actions:
        nl, en, src = _q9(wave, f, c, actions, si, org)
        pts = _points(f)
        if pts:
            nl += " Te behandelen verbeterpunten: " + ", ".join(p["label_nl"] for p in pts) + "."
            en += " Improvement points to address: " + ", ".join(p["label_en"] for p in pts) + "."
        return nl, en, src
    nl = "\n".join(_action_line(a, "nl") for a in actions)
    en = "\n".join(_action_line(a, "en") for a in actions)
    return nl, en, "improvement_actions (point, description/public text, owner, status, due date)"


def _q9b(wave, f, c, actions, si, org):
    return (
        "Het meetinstrument registreert geen instructies van de minister; de acties (9a) zijn "
        "die van de administratie.",
        "The measurement tool records no instructions from the minister; the actions (9a) are "
        "the administration's.",
        "(geen opgeslagen gegeven / no stored fact)",
    )


def _q9c(wave, f, c, actions, si, org):
    n = _action_counts(actions)
    return (
        "Elke actie staat in het actieregister met verantwoordelijke, status en streefdatum, en "
        "elke wijziging wordt bijgehouden; de volgende meting toont of de score van het "
        f"verbeterpunt verandert. Stand: {fmt.integer(n['done'])} van {fmt.integer(len(actions))} acties afgerond.",
        "Every action is in the actions register with an owner, status and due date, and every "
        "change is kept; the next measurement shows whether the improvement point's score "
        f"changes. Status: {fmt.integer(n['done'], 'en')} of {fmt.integer(len(actions), 'en')} actions done.",
        "improvement_actions, action_history",
    )


def _q10(wave, f, c, actions, si, org):
    nl, en = (_sentence(t) for t in _text(wave.get("communication")))
    public = sum(1 for a in actions if a.get("public_text_nl") or a.get("public_text_en"))
    if public:
        nl += f" {_plural(public, 'actie heeft', 'acties hebben')} een publieke tekst voor de respondenten."
        en += (
            f" {_plural(public, 'action has', 'actions have', 'en')} a public text for respondents."
        )
    return nl, en, "waves.communication, improvement_actions.public_text_nl/en"


def _q11(wave, f, c, actions, si, org):
    return (*_text(wave.get("next_wave_planned")), "waves.next_wave_planned")


_ANSWERS = {
    "1": _q1,
    "2": _q2,
    "3": _q3,
    "4": _q4,
    "4a": _q4a,
    "4b": _q4b,
    "4c": _q4c,
    "4d": _q4d,
    "4e": _q4e,
    "4f": _q4f,
    "4g": _q4g,
    "4h": _q4h,
    "5": _q5,
    "6": _q6,
    "6a": _q6a,
    "6b": _q6b,
    "7": _q7,
    "7a": _q7a,
    "7b": _q7b,
    "7c": _q7c,
    "8": _q8,
    "8a": _q8a,
    "8b": _q8b,
    "9": _q9,
    "9a": _q9a,
    "9b": _q9b,
    "9c": _q9c,
    "10": _q10,
    "11": _q11,
}


# What the audit trail (table audit_log) adds to an answer: under 6 who carried out the
# measurement's steps and when, under 9 when the results were published and the data
# anonymised.
_AUDIT_STEPS = {
    "6": ("frame_import", "sample_draw", "link_export", "smtp_send", "wave_close"),
    # Not the internal exports: every export adds one, so no two files would agree.
    "9": ("publish", "anonymise"),
}
_AUDIT_WORDS = {
    "frame_import": ("kader ingelezen", "frame imported"),
    "sample_draw": ("steekproef getrokken", "sample drawn"),
    "link_export": ("links uitgegeven", "links issued"),
    "smtp_send": ("uitnodigingen gemaild", "invitations e-mailed"),
    "wave_close": ("veldwerk afgesloten", "fieldwork closed"),
    "publish": ("resultaten gepubliceerd", "results published"),
    "internal_export": ("interne export van de microdata", "internal export of the microdata"),
    "anonymise": ("geanonimiseerd", "anonymised"),
}


def _audit_sentence(number: str, audit: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """The audit trail's part of answer 6 or 9: each step's last date and how many times, and
    how many people acted; never their names (the workbook may leave the team)."""
    steps = [r for r in audit if r.get("action") in _AUDIT_STEPS[number]]
    if not steps:
        return (
            "Het auditlogboek bevat voor deze meting (nog) geen van deze handelingen.",
            "The audit trail holds none of these actions for this measurement (yet).",
        )
    out = {}
    for lang in ("nl", "en"):
        parts = []
        for action in _AUDIT_STEPS[number]:
            mine = [r for r in steps if r.get("action") == action]
            if not mine:
                continue
            last = fmt.date(max(r["at"] for r in mine), lang)
            word = _AUDIT_WORDS[action][0 if lang == "nl" else 1]
            times = f" ({fmt.integer(len(mine), lang)}×)" if len(mine) > 1 else ""
            parts.append(f"{word} {'op' if lang == 'nl' else 'on'} {last}{times}")
        people = len({r.get("actor") for r in steps})
        if lang == "nl":
            out[lang] = (
                "Volgens het auditlogboek (wie, wat, wanneer; niet te wijzigen): "
                + "; ".join(parts)
                + f"; door {_plural(people, 'teamlid', 'teamleden')}."
            )
        else:
            out[lang] = (
                "According to the audit trail (who, what, when; cannot be changed): "
                + "; ".join(parts)
                + f"; by {_plural(people, 'team member', 'team members', 'en')}."
            )
    return out["nl"], out["en"]


def answer_rows(
    wave: Mapping[str, Any],
    figures: Any = None,
    comparison: Mapping[str, Any] | None = None,
    actions: Sequence[Mapping[str, Any]] = (),
    sample_info: Mapping[str, Any] | None = None,
    organisation: Organisation | None = None,
    audit: Sequence[Mapping[str, Any]] | None = None,
) -> list[dict[str, str]]:
    """The answers to questions 1-11 (with their sub-questions), one dict per row in the order
    of the parliamentary question; see the module docstring for the inputs. ``figures`` may be
    a WaveAnalysis (converted with :func:`figures_of`). ``audit``: the wave's rows of the audit
    trail (action, actor, at), cited under 6 and 9; None leaves them out."""
    f = figures_of(figures)
    org = organisation or Organisation()
    actions = [dict(a) for a in (actions or [])]
    rows = []
    for number, q_nl, q_en in QUESTIONS:
        nl, en, source = _ANSWERS[number](wave, f, comparison, actions, sample_info, org)
        if audit is not None and number in _AUDIT_STEPS:
            extra_nl, extra_en = _audit_sentence(number, audit)
            nl, en, source = f"{nl} {extra_nl}", f"{en} {extra_en}", f"{source}, audit_log"
        rows.append(
            {
                "number": number,
                "question_nl": q_nl,
                "question_en": q_en,
                "answer_nl": nl,
                "answer_en": en,
                "source": source,
            }
        )
    return rows


__all__ = [
    "DIGITAL_KINDS",
    "QUESTIONS",
    "ROW_KEYS",
    "answer_rows",
    "comparison_of",
    "figures_of",
]
