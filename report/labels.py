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
