"""The wording of refused designs and weighting choices: a code with its parameters (the
sampling core's `sampling.errors.DesignError`, the weighting service's own checks) said to
people, Dutch (nl-BE) first, English second, numbers in the language's format (report.format).

    text("minimum_above_n", "nl", minimum=30, needed=110, n=100, strata=5)
    worded(exc)     # "Dutch / English" for a DesignError, the form SamplingError carries

Each message says what is wrong and what to do. Every code the core raises has its wording
here (tests/sampling_shell/test_core_errors_worded.py checks that).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from report import format as fmt
from sampling.errors import DesignError


def _given(x: Any, lang: str) -> str:
    """A number as the person typed it, in the language's format: 1,5; 95; -0,05."""
    try:
        value = float(x)
    except (TypeError, ValueError):
        return str(x)
    if value != value or value in (float("inf"), float("-inf")):
        return str(x)
    out = fmt.number(value, 4, lang)
    sep = "." if lang == "en" else ","
    if sep in out:
        out = out.rstrip("0").rstrip(sep)
    return out


def _list(values: Sequence[Any], limit: int = 8) -> str:
    names = [str(v) for v in values]
    shown = ", ".join(names[:limit])
    return shown + (", …" if len(names) > limit else "")


def _minimum_above_n(p, lang):
    minimum, needed, n = p["minimum"], fmt.integer(p["needed"], lang), fmt.integer(p["n"], lang)
    strata = fmt.integer(p["strata"], lang)
    if lang == "nl":
        return (
            f"Een minimum van {fmt.integer(minimum)} per stratum vraagt {needed} uitnodigingen "
            f"over de {strata} strata, meer dan n = {n}: verhoog n tot minstens {needed}, of "
            "verlaag het minimum per stratum"
        )
    return (
        f"a minimum of {fmt.integer(minimum, 'en')} per stratum needs {needed} invitations "
        f"over the {strata} strata, more than n = {n}: raise n to at least {needed}, or lower "
        "the minimum per stratum"
    )


def _n_above_population(p, lang):
    n, N = fmt.integer(p["n"], lang), fmt.integer(p["population"], lang)
    if lang == "nl":
        return (
            f"n = {n} is groter dan de populatie ({N} eenheden in het kader): verlaag n tot "
            "hoogstens dat aantal, of kies een volledige telling (census)"
        )
    return f"n = {n} exceeds the population ({N} units in the frame): lower n, or take a census"


def _sd_missing(p, lang):
    strata = _list(p["strata"])
    if lang == "nl":
        return (
            "Neyman-allocatie (en machtsallocatie met S_h) verdeelt naar de spreiding per "
            f"stratum: geef de standaardafwijking S_h (stratum=waarde) ook voor {strata}, of "
            "kies een andere methode (proportioneel, gelijk)"
        )
    return (
        "Neyman allocation (and power allocation with S_h) allocates by the spread per "
        f"stratum: give the standard deviation S_h (stratum=value) also for {strata}, or "
        "choose another method (proportional, equal)"
    )


def _sd_invalid(p, lang):
    strata = _list(p["strata"])
    if lang == "nl":
        return (
            "De standaardafwijking S_h moet een getal zijn van 0 of meer; verbeter ze voor "
            f"{strata} (bv. huisarts=1,2)"
        )
    return f"the standard deviation S_h must be a number of 0 or more; correct it for {strata}"


def _sd_all_zero(p, lang):
    if lang == "nl":
        return (
            "Elke standaardafwijking S_h is 0, dus Neyman-allocatie kan niets verdelen: geef "
            "minstens één stratum een S_h groter dan 0, of kies een andere methode"
        )
    return (
        "every standard deviation S_h is 0, so Neyman allocation has nothing to allocate by: "
        "give at least one stratum an S_h above 0, or choose another method"
    )


def _power_invalid(p, lang):
    a = _given(p["power"], lang)
    if lang == "nl":
        return (
            f"De exponent a van de machtsallocatie moet tussen 0 en 1 liggen, niet {a}: bv. 0,5 "
            "(0 verdeelt gelijk, 1 proportioneel)"
        )
    return (
        f"the exponent a of the power allocation must be between 0 and 1, not {a}: e.g. 0.5 "
        "(0 allocates equally, 1 proportionally)"
    )


def _response_rate_invalid(p, lang):
    r = _given(p["response_rate"], lang)
    if lang == "nl":
        return (
            f"De verwachte responsgraad moet groter dan 0 en hoogstens 1 zijn, niet {r}: geef een "
            "aandeel, bv. 0,4 voor 40%"
        )
    return (
        f"the expected response rate must be above 0 and at most 1, not {r}: give a share, "
        "e.g. 0.4 for 40%"
    )


def _confidence_invalid(p, lang):
    c = _given(p["confidence"], lang)
    if lang == "nl":
        return (
            f"De betrouwbaarheid moet tussen 0 en 1 liggen, niet {c}: geef een aandeel, bv. 0,95 "
            "voor 95%"
        )
    return f"the confidence level must be between 0 and 1, not {c}: give a share, e.g. 0.95 for 95%"


def _moe_invalid(p, lang):
    e = _given(p["moe"], lang)
    if lang == "nl":
        return (
            f"De foutenmarge moet groter dan 0 zijn, niet {e}: geef een aandeel, bv. 0,05 voor ±5%"
        )
    return f"the margin of error must be above 0, not {e}: give a share, e.g. 0.05 for ±5%"


def _deff_invalid(p, lang):
    d = _given(p["deff"], lang)
    if lang == "nl":
        return f"Het designeffect moet groter dan 0 zijn, niet {d}: bv. 1 (geen effect)"
    return f"the design effect must be above 0, not {d}: e.g. 1 (no effect)"


def _strata_none(p, lang):
    if lang == "nl":
        return "Geef minstens één stratificatievariabele, bv. profession"
    return "give at least one strata variable, e.g. profession"


def _frame_columns(columns: Sequence[str]) -> str:
    # The store's own row id travels with the frame it loads; it is no variable of the team's.
    return _list([c for c in columns if c != "frame_unit_id"], 20)


def _strata_unknown(p, lang):
    cols, available = _list(p["columns"]), _frame_columns(p["available"])
    if lang == "nl":
        return f"Stratificatievariabele {cols} staat niet in het kader; kies uit {available}"
    return f"strata variable {cols} is not in the frame; choose from {available}"


def _strata_blank(p, lang):
    units = fmt.integer(p["units"], lang)
    names = ", ".join(fmt.label("variable", c, lang) for c in (p["empty"] or p["columns"]))
    first = p.get("first_unit")
    if lang == "nl":
        one = p["units"] == 1
        return (
            f"{units} {'eenheid' if one else 'eenheden'} van het kader {'heeft' if one else 'hebben'} "
            f"geen waarde voor {names}"
            + (f" (de eerste: {first})" if first else "")
            + "; elke eenheid heeft een stratum nodig: kies een andere stratificatievariabele, of "
            "vul de kolom aan in het kaderbestand en lees het opnieuw in"
        )
    return (
        f"{units} {'unit' if p['units'] == 1 else 'units'} of the frame have no value for {names}"
        + (f" (the first: {first})" if first else "")
        + "; every unit needs a stratum: choose another strata variable, or fill in the column "
        "in the frame file and import it again"
    )


def _sort_by_unknown(p, lang):
    cols, available = _list(p["columns"]), _frame_columns(p["available"])
    if lang == "nl":
        return f"Sorteervariabele {cols} staat niet in het kader; kies uit {available}"
    return f"sort variable {cols} is not in the frame; choose from {available}"


# The weighting service's own refusals (ktm.services.weighting._check).
TRIM_NAMES = {
    "lower": ("ondergrens", "lower bound"),
    "upper": ("bovengrens", "upper bound"),
    "lower_ratio": ("ondergrens maal het gemiddelde gewicht", "lower bound times the mean weight"),
    "upper_ratio": ("bovengrens maal het gemiddelde gewicht", "upper bound times the mean weight"),
}


def _trim_name(key: str, lang: str, value: Any = None) -> str:
    """The bound by its name, its value, and the option that sets it: "ondergrens 5
    (--trim-lower)"."""
    names = TRIM_NAMES.get(key)
    name = names[1 if lang == "en" else 0] if names else str(key)
    shown = "" if value is None else f" {_given(value, lang)}"
    return f"{name}{shown} (--trim-{str(key).replace('_', '-')})"


def _margins_unknown(p, lang):
    unknown, allowed = _list(p["unknown"]), _list(p["allowed"], 20) or "-"
    if lang == "nl":
        return f"Geen kadervariabele van deze steekproef: {unknown}; kies de marges uit {allowed}"
    return f"not a frame variable of this sample: {unknown}; choose the margins from {allowed}"


def _trim_unknown(p, lang):
    known = ", ".join(TRIM_NAMES)
    if lang == "nl":
        return f"Onbekende trimgrens {p['key']!r}; kies uit {known}"
    return f"unknown trimming bound {p['key']!r}; choose from {known}"


def _trim_not_positive(p, lang):
    v = _given(p["value"], lang)
    if lang == "nl":
        return (
            f"De {_trim_name(p['key'], lang)} moet een getal groter dan 0 zijn, niet {v}: bv. 3,5; "
            "laat de grens weg voor geen grens"
        )
    return (
        f"the {_trim_name(p['key'], lang)} must be a number above 0, not {v}: e.g. 3.5; leave "
        "the bound out for none"
    )


def _trim_order(p, lang):
    lo = _trim_name(p["lower_key"], lang, p["lower"])
    hi = _trim_name(p["upper_key"], lang, p["upper"])
    if lang == "nl":
        return (
            f"De {lo} moet kleiner zijn dan de {hi}: verlaag de ondergrens of verhoog de bovengrens"
        )
    return f"the {lo} must be below the {hi}: lower the lower bound or raise the upper bound"


WORDING: dict[str, Callable[[dict, str], str]] = {
    "minimum_above_n": _minimum_above_n,
    "n_above_population": _n_above_population,
    "sd_missing": _sd_missing,
    "sd_invalid": _sd_invalid,
    "sd_all_zero": _sd_all_zero,
    "power_invalid": _power_invalid,
    "response_rate_invalid": _response_rate_invalid,
    "confidence_invalid": _confidence_invalid,
    "moe_invalid": _moe_invalid,
    "deff_invalid": _deff_invalid,
    "strata_none": _strata_none,
    "strata_unknown": _strata_unknown,
    "strata_blank": _strata_blank,
    "sort_by_unknown": _sort_by_unknown,
    "margins_unknown": _margins_unknown,
    "trim_unknown": _trim_unknown,
    "trim_not_positive": _trim_not_positive,
    "trim_order": _trim_order,
}


def text(code: str, lang: str, **params: Any) -> str:
    """One message in one language; an unknown code raises KeyError."""
    return WORDING[code](params, lang)


def both(code: str, **params: Any) -> str:
    """Dutch / English in one text, the form the services' errors carry (CLI and pages show it)."""
    return f"{text(code, 'nl', **params)} / {text(code, 'en', **params)}"


def worded(exc: BaseException) -> str:
    """The message for people of a design the core refused: a DesignError by its code.

    Another core error (an input the pages and the CLI never give, or a code without wording
    here, which the tests forbid) keeps the core's English behind a Dutch lead, so a person
    still reads first what happened."""
    if isinstance(exc, DesignError) and exc.code in WORDING:
        return both(exc.code, **exc.params)
    return (
        f"Dit ontwerp kan niet worden gemaakt (melding van de rekenmodule, in het Engels): "
        f"{exc} / this design cannot be made: {exc}"
    )
