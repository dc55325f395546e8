"""The wording of the analysis' notes: codes and numbers (analysis.notes.Note) said to people,
in Dutch (nl-BE) and English.

    text(note, "en")                  one note in a language
    both(note)                        {"nl": ..., "en": ...}
    with_languages(table, "evidence") the table with evidence_nl and evidence_en added

A cell may hold one Note, a tuple of Notes (joined with "; ", as the trend table's ``note``)
or None. An unknown code raises KeyError: every code the analysis returns has its wording here
(tests/report/test_wording.py checks that).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import disclosure
from analysis.notes import Note
from report import format as fmt

LANGS = ("nl", "en")


def _bound(x: float, lang: str) -> str:
    """A weight bound to 4 significant digits, in the language's number format: 194,4; 3,5."""
    x = float(x)
    digits = 3 - int(np.floor(np.log10(abs(x)))) if x else 0
    out = fmt.number(x, max(0, digits), lang)
    sep = "," if lang != "en" else "."
    if sep in out:
        out = out.rstrip("0").rstrip(sep)
    return out


def _trimmed(a: Mapping[str, Any], lang: str) -> str:
    nl = lang != "en"
    bounds = []
    if a["lower"] is not None:
        bounds.append(f"{'ondergrens' if nl else 'lower bound'} {_bound(a['lower'], lang)}")
    if a["upper"] is not None:
        bounds.append(f"{'bovengrens' if nl else 'upper bound'} {_bound(a['upper'], lang)}")
    limits = f" ({'; '.join(bounds)})" if bounds else ""
    changed, misfit = a["changed"], a["misfit"]
    if nl:
        head = (
            f"Geen gewichten afgetopt{limits}"
            if not changed
            else f"{fmt.integer(changed)} {'gewicht' if changed == 1 else 'gewichten'} "
            f"afgetopt{limits}"
        )
        tail = (
            "."
            if misfit is None or not changed
            else f"; marges nu tot {fmt.percent(misfit, 2)} naast hun doel."
        )
        return head + tail
    head = (
        f"No weights trimmed{limits}"
        if not changed
        else f"{fmt.integer(changed, 'en')} {'weight' if changed == 1 else 'weights'} "
        f"trimmed{limits}"
    )
    tail = (
        "."
        if misfit is None or not changed
        else f"; margins now up to {fmt.percent(misfit, 2, 'en')} off target."
    )
    return head + tail


def _class_name(code: Any, lang: str) -> str:
    """A response class by its name: a profession's label (the strata are professions), the
    parts of a class of several columns ("a | b") each; another code as it is."""
    return " | ".join(fmt.label("profession", part, lang) for part in str(code).split(" | "))


def _classes_merged(a: Mapping[str, Any], lang: str) -> str:
    nl = lang != "en"
    small, counts = a["small"], a["respondents"]
    professions = all(fmt.label("profession", c) != str(c) for c in small)
    noun = (
        ("beroepen" if nl else "professions") if professions else ("klassen" if nl else "classes")
    )
    k, n = fmt.integer(len(small), lang), fmt.integer(a["classes"], lang)
    if all(c == 0 for c in counts):
        names = ", ".join(_class_name(c, lang) for c in small)
        head = (
            f"Geen respondenten in {k} van de {n} {noun} ({names})"
            if nl
            else f"No respondents in {k} of the {n} {noun} ({names})"
        )
    else:
        names = ", ".join(
            f"{_class_name(c, lang)}: {fmt.integer(r, lang)}"
            for c, r in zip(small, counts, strict=True)
        )
        m = fmt.integer(a["minimum"], lang)
        head = (
            f"Minder dan {m} respondenten in {k} van de {n} {noun} ({names})"
            if nl
            else f"Fewer than {m} respondents in {k} of the {n} {noun} ({names})"
        )
    if a["left"] == 1:
        tail = (
            f"de non-responscorrectie gebeurt over alle {noun} samen."
            if nl
            else f"the nonresponse adjustment is made over all {noun} together."
        )
    else:
        tail = (
            "voor de non-responscorrectie zijn ze samengevoegd met een naburige klasse."
            if nl
            else "for the nonresponse adjustment they were merged with a neighbouring class."
        )
    return f"{head}: {tail}"


def _level_name(variable: Any, level: Any, lang: str) -> str:
    if variable == "profession":
        return fmt.label("profession", level, lang)
    if variable == "language":
        return fmt.label("language", level, lang)
    return str(level)


def _no_raking(a: Mapping[str, Any], lang: str) -> str:
    nl = lang != "en"
    margins = _names(a["margins"], lang)
    problem, variable = a.get("problem"), a.get("variable")
    var = fmt.label("variable", variable, lang) if variable is not None else ""
    if problem == "level_without_respondents":
        lvl = _level_name(variable, a["level"], lang)
        target = fmt.number(a["target"], 0, lang)
        why = (
            f"{var} '{lvl}' (doel {target}) heeft nog geen respondenten; raking naar deze marges "
            "wacht tot elk niveau respondenten heeft"
            if nl
            else f"{var} '{lvl}' (target {target}) has no respondents yet; raking to these "
            "margins waits until every level has respondents"
        )
    elif problem == "not_converged":
        why = (
            "de marges zijn met deze respondenten niet samen te halen"
            if nl
            else "these respondents cannot meet the margins together"
        )
    elif problem == "totals_disagree":
        why = (
            "de marges tellen niet op tot hetzelfde populatietotaal"
            if nl
            else "the margins do not add up to the same population total"
        )
    else:
        why = (
            f"de marge {var or '?'} past niet bij de gegevens"
            if nl
            else f"the margin {var or '?'} does not fit the data"
        )
    if nl:
        return (
            f"Geen raking naar de kadermarges ({margins}): {why}. De gewichten zijn "
            "designgewichten met non-responscorrectie."
        )
    return (
        f"No raking to the frame margins ({margins}): {why}. The weights are design weights "
        "with the nonresponse adjustment."
    )


def _evidence(a: Mapping[str, Any], lang: str) -> str:
    lvl = round(100 * a["level"])
    share, r2, perf = 100 * a["importance_share"], a["r2"], a["performance"]
    low, high, n = a["ci_low"], a["ci_high"], a["n"]
    d = fmt.number
    ends = fmt.interval(low, high, fmt.SCORE_DECIMALS, lang)
    if lang == "nl":
        return (
            f"Belang {d(share, 0, lang)}% van de verklaarde variantie (R² {d(r2, 2, lang)}); "
            f"score {d(perf, 1, lang)} op 100 ({lvl}%-BI {ends}; n = {fmt.integer(n, lang)})"
        )
    return (
        f"Importance {d(share, 0, lang)}% of the explained variance (R² {d(r2, 2, lang)}); "
        f"score {d(perf, 1, lang)} out of 100 ({lvl}% CI {ends}; n = {fmt.integer(n, lang)})"
    )


def _list(values) -> str:
    return ", ".join(map(str, values))


def _names(variables, lang: str) -> str:
    """Frame columns by their names (beroep, opleidingsjaar), not their codes."""
    return ", ".join(fmt.label("variable", v, lang) for v in variables)


# code -> {lang: wording(args)}; the args are the Note's parameters.
Wording = Callable[[Mapping[str, Any]], str]
WORDINGS: dict[str, dict[str, Wording]] = {
    # analysis.weighting
    "design_weights": {
        "nl": lambda a: f"Designgewichten uit de selectie ({fmt.label('variable', a['column'])}).",
        "en": lambda a: (
            f"Design weights from the selection ({fmt.label('variable', a['column'], 'en')})."
        ),
    },
    "design_weights_from_population": {
        "nl": lambda a: (
            f"Designgewichten uit de selectie (N_h/n_h uit {fmt.label('variable', a['column'])})."
        ),
        "en": lambda a: (
            "Design weights from the selection (N_h/n_h from "
            f"{fmt.label('variable', a['column'], 'en')})."
        ),
    },
    "classes_merged": {
        "nl": lambda a: _classes_merged(a, "nl"),
        "en": lambda a: _classes_merged(a, "en"),
    },
    "single_class_small": {
        "nl": lambda a: (
            f"Ook na samenvoegen heeft de enige klasse minder dan {a['minimum']} respondenten."
        ),
        "en": lambda a: (
            f"Even after merging, the single class has fewer than {a['minimum']} respondents."
        ),
    },
    "single_respondent_strata": {
        "nl": lambda a: (
            f"Strata met één respondent ({_list(a['strata'])}): variantie volgens "
            f"lonely_psu={a['lonely_psu']!r}."
        ),
        "en": lambda a: (
            f"Strata with one respondent ({_list(a['strata'])}): variance by "
            f"lonely_psu={a['lonely_psu']!r}."
        ),
    },
    "raked": {
        "nl": lambda a: (
            f"Raking naar de kadermarges {_names(a['margins'], 'nl')}: geconvergeerd na "
            f"{a['iterations']} rondes."
        ),
        "en": lambda a: (
            f"Raked to the frame margins {_names(a['margins'], 'en')}: converged after "
            f"{a['iterations']} passes."
        ),
    },
    "trimmed": {"nl": lambda a: _trimmed(a, "nl"), "en": lambda a: _trimmed(a, "en")},
    # analysis.wave
    "no_sample": {
        "nl": lambda a: (
            "Geen steekproef: de resultaten zijn ongewogen en gelden enkel voor wie "
            "antwoordde (zelfselectie)."
        ),
        "en": lambda a: (
            "No sample: results are unweighted and hold only for those who answered "
            "(self-selection)."
        ),
    },
    "no_sample_responses": {
        "nl": lambda a: "Nog geen volledige antwoorden uit de steekproef.",
        "en": lambda a: "No complete responses from the sample yet.",
    },
    "no_raking": {"nl": lambda a: _no_raking(a, "nl"), "en": lambda a: _no_raking(a, "en")},
    "margins_auto": {
        "nl": lambda a: (
            f"Raking naar de kadervariabelen waarop de respons onevenwichtig is "
            f"(chikwadraattoets van de responsgraad, p < 0,05): {_names(a['margins'], 'nl')}."
            if a["margins"]
            else "Geen raking: de respons is op geen enkele kadervariabele onevenwichtig "
            "(chikwadraattoets van de responsgraad, p < 0,05); de gewichten zijn "
            "designgewichten met non-responscorrectie per stratum."
        ),
        "en": lambda a: (
            f"Raked to the frame variables the response is unbalanced on (chi-square test "
            f"of the response rate, p < 0.05): {_names(a['margins'], 'en')}."
            if a["margins"]
            else "No raking: the response is unbalanced on no frame variable (chi-square test "
            "of the response rate, p < 0.05); the weights are design weights with the "
            "nonresponse adjustment per stratum."
        ),
    },
    "stratum_margin_only": {
        "nl": lambda a: (
            f"Geen raking naar enkel {_names([a['margin']], 'nl')}: na de non-responscorrectie per stratum "
            "verandert die stap niets."
        ),
        "en": lambda a: (
            f"No raking to {_names([a['margin']], 'en')} alone: after the nonresponse adjustment per stratum "
            "that step changes nothing."
        ),
    },
    "no_drivers": {
        "nl": lambda a: f"Geen sleutelanalyse: {a['reason']}",
        "en": lambda a: f"No key-driver analysis: {a['reason']}",
    },
    # analysis.trend
    "not_standardized": {
        "nl": lambda a: (
            f"niet gestandaardiseerd: geen respondenten in {_list(a['groups'])} "
            f"({'vorige meting' if a['wave'] == 'previous' else 'laatste meting'})"
        ),
        "en": lambda a: (
            f"not standardized: no respondents in {_list(a['groups'])} "
            f"({'previous wave' if a['wave'] == 'previous' else 'last wave'})"
        ),
    },
    "no_answers": {
        "nl": lambda a: "geen antwoorden in een van beide metingen",
        "en": lambda a: "no answers in one of the two waves",
    },
    # analysis.drivers
    "missing_too_often": {
        "nl": lambda a: (
            f"ontbreekt bij {fmt.percent(a['missing'], 0)} van de respondenten "
            f"(meer dan {fmt.percent(a['limit'], 0)})"
        ),
        "en": lambda a: (
            f"missing for {fmt.percent(a['missing'], 0, 'en')} of the respondents "
            f"(more than {fmt.percent(a['limit'], 0, 'en')})"
        ),
    },
    "driver_evidence": {"nl": lambda a: _evidence(a, "nl"), "en": lambda a: _evidence(a, "en")},
}


def text(note: Note | tuple[Note, ...] | None, lang: str) -> str | None:
    """A note (or notes, joined with "; ") in `lang` ("nl" or "en"); None for none."""
    if note is None:
        return None
    if isinstance(note, tuple):
        return "; ".join(text(n, lang) for n in note) or None
    return WORDINGS[note.code]["en" if lang == "en" else "nl"](note.args)


def both(note: Note) -> dict[str, str]:
    """{"nl": ..., "en": ...}: the note in both languages."""
    return {lang: text(note, lang) for lang in LANGS}


def with_languages(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """A copy of `table` with `column`'s notes worded in `column`_nl and `column`_en."""
    out = table.copy()
    for lang in LANGS:
        values = [text(n, lang) if isinstance(n, Note | tuple) else None for n in table[column]]
        out[f"{column}_{lang}"] = pd.Series(values, index=table.index, dtype=object)
    return out


# --- disclosure control (analysis.disclosure) ---------------------------------------------

#: The footnote under a table with suppressed cells (the marker disclosure.SUPPRESSED);
#: fill in k with ``suppression_note(k, language)``.
SUPPRESSION_NOTE_NL = (
    "x = niet gepubliceerd om de anonimiteit van de respondenten te beschermen: minder dan "
    "{k} respondenten in deze cel, of ook weggelaten zodat de waarde niet uit een totaal kan "
    "worden afgeleid."
)
SUPPRESSION_NOTE_EN = (
    "x = not published to protect the respondents' anonymity: fewer than {k} respondents in "
    "this cell, or also withheld so that the value cannot be derived from a total."
)

REASON_LABELS = {
    "nl": {
        disclosure.REASON_PRIMARY: "minder dan k respondenten",
        disclosure.REASON_COMPLEMENTARY: "aanvullend weggelaten (afleidbaar uit een totaal)",
    },
    "en": {
        disclosure.REASON_PRIMARY: "fewer than k respondents",
        disclosure.REASON_COMPLEMENTARY: "also withheld (derivable from a total)",
    },
}


def suppression_note(k: int = disclosure.DEFAULT_K, language: str = "nl") -> str:
    """The footnote that explains the marker, in Dutch ("nl") or English ("en")."""
    template = {"nl": SUPPRESSION_NOTE_NL, "en": SUPPRESSION_NOTE_EN}.get(language)
    if template is None:
        raise ValueError(f"language must be 'nl' or 'en', got {language!r}")
    return template.format(k=k)


VARIABLE_NAMES = {
    "profession": ("beroep", "profession"),
    "training_year": ("opleidingsjaar", "training year"),
    "university": ("universiteit", "university"),
    "language": ("taal", "language"),
}


def weighted_by(margins: Sequence[str] | None, strata: str | None, lang: str) -> str:
    """How a headline was weighted, for the public: 'gewogen naar beroep en universiteit'
    (the frame margins raked to); no margins: weighted by the strata (design weights and the
    nonresponse adjustment per stratum); None: unweighted."""
    i = 1 if lang == "en" else 0
    if margins is None:
        return ("ongewogen", "unweighted")[i]
    names = [VARIABLE_NAMES.get(m, (m, m))[i] for m in margins] or [
        VARIABLE_NAMES.get(strata or "profession", (strata, strata))[i]
    ]
    last = (
        names[-1] if len(names) == 1 else f"{', '.join(names[:-1])} {('en', 'and')[i]} {names[-1]}"
    )
    return ("gewogen naar ", "weighted by ")[i] + last
