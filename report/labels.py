"""The short labels of the analysis' codes, in Dutch (nl-BE) and English.

The analysis returns codes (a weighting step, a quadrant, a change, a judgement of alpha, the
total row of a response table); this module holds what a person reads for them:

    label("quadrant", "priority", "en")     "Priority: improve"
    score_label("item", "Doorlooptijd", None)  "Doorlooptijd (0-100)"
    worded(table)                           the table with quadrant_nl/_en, change_nl/_en, ...
                                            inserted after their code columns, and a score
                                            table's label_nl/_en in place of its subject_nl,
                                            subject_en and scale

``worded`` is applied where an analysis table leaves for a page, a workbook or a text (the
dashboard's reads, report.excel, report.accountability, ktm.services.feedback), as
``report.wording.with_languages`` is for the notes. An unknown code reads as itself; a missing
code as None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

#: kind -> code -> (Dutch, English)
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    # analysis.weighting: the steps of the weighting
    "weighting_step": {
        "design": ("Designgewichten (steekproef)", "Design weights (sample)"),
        "nonresponse": ("Correctie voor non-respons", "Nonresponse adjustment"),
        "raking": ("Raking naar kadermarges", "Raking to frame margins"),
        "trimming": ("Trimmen van gewichten", "Weight trimming"),
    },
    # analysis.drivers: the quadrants of the importance-performance analysis
    "quadrant": {
        "priority": ("Prioriteit: verbeteren", "Priority: improve"),
        "strength": ("Sterkte: behouden", "Strength: keep up"),
        "low_priority": ("Lage prioriteit", "Low priority"),
        "overkill": ("Mogelijke overinvestering", "Possible overkill"),
    },
    # analysis.trend: the change between two waves
    "change": {
        "improvement": ("significante verbetering", "significant improvement"),
        "decline": ("significante daling", "significant decline"),
        "none": ("geen significante verandering", "no significant change"),
    },
    # analysis.reliability: George & Mallery's (2003) judgement of Cronbach's alpha
    "alpha": {
        "excellent": ("uitstekend", "excellent"),
        "good": ("goed", "good"),
        "acceptable": ("aanvaardbaar", "acceptable"),
        "questionable": ("twijfelachtig", "questionable"),
        "poor": ("zwak", "poor"),
        "unacceptable": ("onaanvaardbaar", "unacceptable"),
    },
    # analysis.reliability: the scales that are not one dimension or instrument
    "scale": {
        "battery:driver": ("Alle aspecten samen", "All aspects together"),
    },
    # analysis.response.OVERALL: the all-strata row of a response table
    "stratum": {
        "__total__": ("Totaal / Total", "Totaal / Total"),
    },
    # analysis.disclosure.LEFT_OUT: a quasi-identifier left out of the published data
    "disclosure_cell": {
        "__left_out__": ("(weggelaten / left out)", "(weggelaten / left out)"),
    },
    # waves.design_type: the design of a wave (the wave form, the workbook's Steekproef)
    "design": {
        "stratified": ("Gestratificeerde aselecte steekproef", "Stratified random sample"),
        "census": ("Volledige telling", "Census"),
        "open": ("Open link (zelfselectie)", "Open link (self-selection)"),
    },
    # waves.execution: who carries the measurement out (question 6)
    "execution": {
        "in_house": ("Door de eigen diensten", "In-house"),
        "outsourced": ("Uitbesteed", "Outsourced"),
        "mixed": ("Gemengd (deels uitbesteed)", "Mixed (partly outsourced)"),
    },
    # responses.mode where a figure is estimated (weighted or not): the breakdown by mode
    "mode": {
        "invited": ("Uitgenodigd (steekproef, gewogen)", "Invited (sample, weighted)"),
        "open": ("Open link (zelfselectie, ongewogen)", "Open link (self-selected, unweighted)"),
        "post_contact": (
            "Na contact (open link, ongewogen)",
            "After contact (open link, unweighted)",
        ),
        "paper": (
            "Papier (buiten de steekproef, ongewogen)",
            "Paper (outside the sample, unweighted)",
        ),
    },
    # The same modes where answers are counted or listed, not estimated: a count is not
    # weighted, so "gewogen"/"ongewogen" would say something untrue or nothing.
    "mode_count": {
        "invited": ("Uitgenodigd (steekproef)", "Invited (sample)"),
        "open": ("Open link", "Open link"),
        "post_contact": ("Na contact (open link)", "After contact (open link)"),
        "paper": ("Papier", "Paper"),
    },
    # analysis.scores: a score's kind, as the pages name it (a metric, a filter)
    "score_kind": {
        "overall_0_100": ("Algemene tevredenheid (0-100)", "Overall satisfaction (0-100)"),
        "overall": ("Algemene tevredenheid (0-10)", "Overall satisfaction (0-10)"),
        "dimension": ("Aspecten (0-100)", "Aspects (0-100)"),
        "item": ("Vragen (0-100)", "Items (0-100)"),
        "top2": ("Top-2-box (aandeel tevreden)", "Top-2-box (share satisfied)"),
        "ces_mean": ("Customer Effort Score (1-7)", "Customer Effort Score (1-7)"),
        "ces_share_5_7": ("CES: aandeel 5-7", "CES: share 5-7"),
        "umux_lite": ("UMUX-Lite (0-100)", "UMUX-Lite (0-100)"),
        "umux_sus_eq": ("UMUX-Lite als SUS (0-100)", "UMUX-Lite as SUS (0-100)"),
        "sus": ("SUS (0-100)", "SUS (0-100)"),
    },
    # improvement_actions.status (store.schema.ACTION_STATUSES), in their order
    "action_status": {
        "planned": ("Gepland", "Planned"),
        "in_progress": ("In uitvoering", "In progress"),
        "done": ("Uitgevoerd", "Done"),
    },
    # analysis.wave.WaveAnalysis.counts: the counts of responses
    "response_count": {
        "responses": ("Antwoorden (volledig en gedeeltelijk)", "Responses (complete and partial)"),
        "complete": ("Volledig ingevuld", "Complete"),
        "partial": ("Gedeeltelijk ingevuld", "Partial"),
        "complete_invited": ("Volledig: uitgenodigd (steekproef)", "Complete: invited (sample)"),
        "complete_open": ("Volledig: open link", "Complete: open link"),
        "complete_post_contact": (
            "Volledig: na contact (open link)",
            "Complete: after contact (open link)",
        ),
        "complete_paper": ("Volledig: papier", "Complete: paper"),
        "invited_paper": (
            "Volledig uit de steekproef, op papier",
            "Complete from the sample, on paper",
        ),
    },
}

#: score kind -> (Dutch, English) label of a score (analysis.scores), with the questionnaire's
#: label of what is scored as {subject} and the item's own range as {scale}
SCORES: dict[str, tuple[str, str]] = {
    "overall": ("Algemene tevredenheid ({scale})", "Overall satisfaction ({scale})"),
    "overall_0_100": ("Algemene tevredenheid (0-100)", "Overall satisfaction (0-100)"),
    "top2": ("Top-2-box: {subject}", "Top-2-box: {subject}"),
    "item": ("{subject} (0-100)", "{subject} (0-100)"),
    "dimension": ("{subject} (0-100)", "{subject} (0-100)"),
    "ces_mean": ("Customer Effort Score (gemiddelde 1-7)", "Customer Effort Score (mean 1-7)"),
    "ces_share_5_7": (
        "Customer Effort Score: aandeel 5-7 (gemakkelijk)",
        "Customer Effort Score: share 5-7 (easy)",
    ),
    "umux_lite": ("UMUX-Lite (0-100)", "UMUX-Lite (0-100)"),
    "umux_sus_eq": (
        "UMUX-Lite als SUS-equivalent (0,65 × UMUX-Lite + 22,9)",
        "UMUX-Lite as SUS equivalent (0.65 × UMUX-Lite + 22.9)",
    ),
    "sus": ("System Usability Scale (SUS, 0-100)", "System Usability Scale (SUS, 0-100)"),
}
#: The columns of a score table that its label is written from (they give way to it).
SCORE_PARTS = ("subject_nl", "subject_en", "scale")


def score_label(kind: str, subject: Any, scale: Any, lang: str = "nl") -> str:
    """The label of a score: ``score_label("item", "Doorlooptijd", None)`` is
    "Doorlooptijd (0-100)"."""
    nl, en = SCORES[kind]
    return (en if lang == "en" else nl).format(subject=subject, scale=scale)


#: column -> kind of the codes among its values that worded() replaces by their words (the
#: same in both languages: the tables hold one language-neutral text there)
CODE_VALUES: dict[str, str] = {"stratum": "stratum"}

#: code column -> (kind of its labels, stem of the label columns: <stem>_nl, <stem>_en)
CODE_COLUMNS: dict[str, tuple[str, str]] = {
    "step": ("weighting_step", "label"),
    "quadrant": ("quadrant", "quadrant"),
    "change": ("change", "change"),
    "std_change": ("change", "std_change"),
    "judgement": ("alpha", "judgement"),
}


def _missing(code: Any) -> bool:
    return code is None or (isinstance(code, float) and code != code)


def label(kind: str, code: Any, lang: str = "nl") -> str | None:
    """The label of a code in a language; an unknown code as itself, a missing one as None."""
    if _missing(code):
        return None
    names = LABELS[kind].get(str(code))
    if names is None:
        return code
    return names[1 if lang == "en" else 0]


def worded(table: Any) -> Any:
    """A copy of an analysis table (DataFrame) or row (mapping) with the label columns of its
    code columns (:data:`CODE_COLUMNS`) inserted after them; columns already there are kept."""
    if table is None:
        return None
    if isinstance(table, pd.Series):
        return pd.Series(worded(table.to_dict()), name=table.name)
    if isinstance(table, Mapping):
        out: dict[str, Any] = {}
        for key, value in table.items():
            if key == "subject_nl" and "kind" in table:
                for lang in ("nl", "en"):
                    subject = table.get(f"subject_{lang}")
                    out[f"label_{lang}"] = score_label(
                        table["kind"], subject, table.get("scale"), lang
                    )
            if key in SCORE_PARTS and "kind" in table:
                continue
            out[key] = value
            if key in CODE_VALUES and value in LABELS[CODE_VALUES[key]]:
                out[key] = LABELS[CODE_VALUES[key]][value][0]
            if key in CODE_COLUMNS:
                kind, stem = CODE_COLUMNS[key]
                for lang in ("nl", "en"):
                    out.setdefault(f"{stem}_{lang}", label(kind, value, lang))
        return out
    t = table.copy()
    if "subject_nl" in t.columns and "kind" in t.columns:
        at = t.columns.get_loc("subject_nl")
        for i, lang in enumerate(("nl", "en")):
            values = [
                score_label(k, subject, scale, lang)
                for k, subject, scale in zip(
                    t["kind"], t[f"subject_{lang}"], t["scale"], strict=True
                )
            ]
            t.insert(at + i, f"label_{lang}", pd.Series(values, index=t.index, dtype=object))
        t = t.drop(columns=list(SCORE_PARTS))
    for col, kind in CODE_VALUES.items():
        if col in t.columns and t[col].isin(list(LABELS[kind])).any():
            t[col] = t[col].astype(object).map(lambda v, k=kind: LABELS[k].get(v, (v,))[0])
    for col, (kind, stem) in CODE_COLUMNS.items():
        if col not in t.columns or f"{stem}_nl" in t.columns:
            continue
        at = t.columns.get_loc(col) + 1
        for i, lang in enumerate(("nl", "en")):
            values = [label(kind, c, lang) for c in t[col]]
            t.insert(at + i, f"{stem}_{lang}", pd.Series(values, index=t.index, dtype=object))
    return t


def left_out(table: pd.DataFrame) -> pd.DataFrame:
    """The coarsened microdata (analysis.disclosure.coarsen_microdata) with the values left out
    written as such."""
    code = "__left_out__"
    words = LABELS["disclosure_cell"][code][0]
    out = table.copy()
    for col in out.columns:
        hit = out[col].astype(object) == code
        if hit.any():
            out[col] = out[col].astype(object).where(~hit, words)
    return out


def column(values: pd.Series, kind: str, lang: str = "nl") -> pd.Series:
    """A column of codes as their labels (an unknown code as itself)."""
    return values.map(lambda c: label(kind, c, lang) if not _missing(c) else c)


# --- a score table's breakdowns, groups and dimensions --------------------------------------

#: The words of a score table's overall rows (no breakdown), as the workbook has them.
TOTAL = ("Totaal / Total", "Totaal / Total")


def breakdown(var: Any, lang: str = "nl") -> str | None:
    """A breakdown (a score table's ``group_var``) by its name: "profession" is "Beroep";
    None (the overall rows) stays None."""
    from report import format as fmt

    return None if _missing(var) else fmt.capitalised(fmt.label("variable", var, lang))


def group(var: Any, value: Any, lang: str = "nl") -> Any:
    """A breakdown's group (a score table's ``group``) as a person reads it: a profession by its
    name, a training year as its number, another value (a university) as it is; the overall
    rows (no breakdown) "Totaal / Total"."""
    from report import format as fmt

    if _missing(var):
        return TOTAL[1 if lang == "en" else 0]
    if _missing(value):
        return None
    if var in ("profession", "stratum", "language"):
        return fmt.label("language" if var == "language" else "profession", value, lang)
    return value


def dimension(code: Any, lang: str = "nl") -> str | None:
    """An aspect (a score's ``dimension``) by its name: "wijziging_stageplan" is "Wijziging
    stageplan"; an unknown code capitalised, with its underscores as spaces; None stays None."""
    from report import format as fmt

    if _missing(code):
        return None
    name = fmt.label("dimension", code, lang)
    if name == str(code):
        name = str(code).replace("_", " ")
    return fmt.capitalised(name)


def score_table_worded(table: pd.DataFrame, lang: str = "nl") -> pd.DataFrame:
    """A copy of a score table with ``dimension_<lang>``, ``group_var_<lang>`` and
    ``group_<lang>``: its dimension, breakdown and group in words (the code columns kept)."""
    t = table.copy()
    n = len(t)
    dims = t["dimension"] if "dimension" in t else pd.Series([None] * n, index=t.index)
    gvs = t["group_var"] if "group_var" in t else pd.Series([None] * n, index=t.index)
    groups = t["group"] if "group" in t else pd.Series([None] * n, index=t.index)
    t[f"dimension_{lang}"] = pd.Series(
        [dimension(d, lang) for d in dims], index=t.index, dtype=object
    )
    t[f"group_var_{lang}"] = pd.Series(
        [breakdown(v, lang) for v in gvs], index=t.index, dtype=object
    )
    t[f"group_{lang}"] = pd.Series(
        [group(v, g, lang) for v, g in zip(gvs, groups, strict=True)], index=t.index, dtype=object
    )
    return t


def stratum(code: Any, strata_var: Any = None, lang: str = "nl") -> Any:
    """A stratum as the pages name it: a profession by its name (the strata of the e-loket are
    professions), the all-strata row "Totaal / Total"; another stratum as it is."""
    if _missing(code):
        return None
    if str(code) in LABELS["stratum"]:
        return LABELS["stratum"][str(code)][1 if lang == "en" else 0]
    return group(strata_var or "stratum", code, lang)


def named_aspects(table: pd.DataFrame) -> pd.DataFrame:
    """The aspects by their names in both languages (report.format), where the analysis only
    had the questionnaire's code ("doorlooptijd" became "Doorlooptijd" in English: the
    questionnaire names its dimensions by code only, and the analysis writes an unknown name as
    the code capitalised); a score's " (0-100)" stays. Applied wherever a table of aspects
    leaves for a person: the dashboard's pages and the workbook."""
    from report import format as fmt

    if table is None or "dimension" not in table or "label_en" not in table or table.empty:
        return table
    out = table.copy()
    is_aspect = out["kind"] == "dimension" if "kind" in out else pd.Series(True, out.index)
    for col, lang in (("label_nl", "nl"), ("label_en", "en")):
        if col not in out:
            continue
        out[col] = [
            fmt.label("dimension", dim, lang)
            + (" (0-100)" if str(old).endswith(" (0-100)") else "")
            if aspect and isinstance(dim, str) and fmt.label("dimension", dim, lang) != dim
            else old
            for dim, old, aspect in zip(out["dimension"], out[col], is_aspect, strict=True)
        ]
    return out


# --- the parameters of a drawn sample (samples.parameters) ----------------------------------


def _share(x: Any, lang: str) -> str:
    from report import format as fmt

    return fmt.percent(x, fmt.PERCENT_DECIMALS, lang)


def _plain(x: Any, lang: str) -> str:
    from report import format as fmt

    if isinstance(x, bool):
        return ("ja", "yes")[lang == "en"]
    if isinstance(x, int):
        return fmt.integer(x, lang)
    if isinstance(x, float):
        return fmt.number(x, 2, lang)
    if isinstance(x, Mapping):
        return ", ".join(f"{stratum(k, None, lang)}: {_plain(v, lang)}" for k, v in x.items())
    if isinstance(x, list | tuple):
        return ", ".join(fmt.label("variable", v, lang) for v in x)
    return fmt.label("variable", x, lang)


#: parameter -> (Dutch, English, how its value is written); see ktm.services.sampling
PARAMETERS: dict[str, tuple[str, str, Any]] = {
    "minimum": ("minimum per stratum", "minimum per stratum", _plain),
    "power": ("exponent van de machtsallocatie", "power of the allocation", _plain),
    "sd": ("verwachte standaardafwijking per stratum", "expected SD by stratum", _plain),
    "sort_by": ("gesorteerd op (impliciete stratificatie)", "sorted by (implicit strata)", _plain),
    "confidence": ("betrouwbaarheid", "confidence", _share),
    "response_rate": ("verwachte responsgraad", "expected response rate", _share),
    "deff": ("designeffect bij de planning", "design effect planned with", _plain),
    "deff_assumed": ("verondersteld designeffect", "assumed design effect", _plain),
    "deff_allocation": (
        "designeffect van de allocatie (Kish)",
        "design effect of the allocation (Kish)",
        _plain,
    ),
    "expected_moe": (
        "verwachte foutenmarge (proportie 50%)",
        "expected margin of error (proportion 50%)",
        _share,
    ),
    "target_moe": ("beoogde foutenmarge", "target margin of error", _share),
}


def parameters(params: Mapping[str, Any] | None, lang: str = "nl") -> str | None:
    """A sample's parameters in words: ``{"minimum": 40}`` is "minimum per stratum: 40"; an
    unknown parameter by its name; None or none: None."""
    if not params:
        return None
    parts = []
    for key, value in params.items():
        if value is None:
            continue
        nl, en, say = PARAMETERS.get(key, (str(key), str(key), _plain))
        parts.append(f"{en if lang == 'en' else nl}: {say(value, lang)}")
    return "; ".join(parts) or None
