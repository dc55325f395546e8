"""THE one way numbers and dates are written for people, in Dutch (nl-BE) and English.

Every output a person reads (the pages, the Excel workbook, the Verantwoording, the e-mails and
the mail-merge file) writes its numbers, percentages, intervals, p-values and dates through this
module, so one value reads the same everywhere. The locale data (separators, month names, the
order of day and month) come from Babel (CLDR), not from hand-written tables or the server's
locale.

Rounding is half away from zero on the value's shortest decimal text (71.25 -> 71,3), as a
reader rounds by hand; Python's float formatting would give 71,2 (half to even on the binary
value), which is how one score used to read 71,3 on one page and 71,2 on another.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel import dates as _dates
from babel import numbers as _numbers

#: The languages of the tool and the locale each is written in.
LOCALES = {"nl": "nl_BE", "en": "en_GB"}
#: What a missing value reads as (an en dash, never Python's None or nan).
MISSING = "–"
#: The marker of a value withheld by disclosure control; passed through as is.
SUPPRESSED = "x"
#: Decimals of a 0-100 score, a percentage and a p-value, wherever they are shown.
SCORE_DECIMALS = 1
PERCENT_DECIMALS = 1
P_DECIMALS = 3
#: The dash between the ends of an interval or a period.
RANGE_DASH = " – "


def _locale(lang: str) -> str:
    return LOCALES.get(lang, LOCALES["nl"])


def is_missing(x: Any) -> bool:
    """None, NaN, pandas' NA/NaT, or an empty text."""
    if x is None:
        return True
    if isinstance(x, str):
        return not x.strip()
    try:
        if x != x:  # NaN, NaT
            return True
    except (TypeError, ValueError):  # pd.NA refuses comparisons
        return True
    return False


def _decimal(x: Any, decimals: int) -> Decimal:
    """x rounded half away from zero at ``decimals`` on its shortest decimal text."""
    if isinstance(x, Decimal):
        d = x
    elif isinstance(x, int | bool):
        d = Decimal(int(x))
    else:
        d = Decimal(repr(float(x)))
    return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def number(
    x: Any, decimals: int = SCORE_DECIMALS, lang: str = "nl", *, signed: bool = False
) -> str:
    """1.234,5 (nl) or 1,234.5 (en); a text (such as the suppression marker) as is; missing as
    an en dash. ``signed`` puts a + before a positive value (a difference)."""
    if isinstance(x, str) and x.strip():
        return x
    if is_missing(x):
        return MISSING
    try:
        if not math.isfinite(float(x)):
            return MISSING
        d = _decimal(x, decimals)
    except (TypeError, ValueError, InvalidOperation):
        return str(x)
    if d == 0:
        d = abs(d)  # never "-0,0"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = _numbers.format_decimal(d, pattern, locale=_locale(lang), decimal_quantization=False)
    return ("+" + text) if signed and d > 0 else text


def integer(n: Any, lang: str = "nl") -> str:
    """A count: 5.360 (nl), 5,360 (en)."""
    return number(n, 0, lang)


def percent(share: Any, decimals: int = PERCENT_DECIMALS, lang: str = "nl") -> str:
    """A share (0.439) as a percentage: 43,9% (nl), 43.9% (en)."""
    if isinstance(share, str) and share.strip():
        return share
    if is_missing(share):
        return MISSING
    try:
        hundred = Decimal(repr(float(share))) * 100
    except (TypeError, ValueError, InvalidOperation):
        return str(share)
    if not hundred.is_finite():
        return MISSING
    return number(hundred, decimals, lang) + "%"


def points(difference: Any, decimals: int = PERCENT_DECIMALS, lang: str = "nl") -> str:
    """A difference of two shares in percentage points, signed: +2,4 (nl), +2.4 (en)."""
    if is_missing(difference) or isinstance(difference, str):
        return number(difference, decimals, lang)
    return number(Decimal(repr(float(difference))) * 100, decimals, lang, signed=True)


def interval(low: Any, high: Any, decimals: int = SCORE_DECIMALS, lang: str = "nl") -> str:
    """The two ends of a confidence interval: 67,5 – 71,2; the suppression marker if either end
    is withheld."""
    if SUPPRESSED in (low, high):
        return SUPPRESSED
    if is_missing(low) and is_missing(high):
        return MISSING
    return number(low, decimals, lang) + RANGE_DASH + number(high, decimals, lang)


def ci(
    low: Any, high: Any, decimals: int = SCORE_DECIMALS, lang: str = "nl", level: int = 95
) -> str:
    """95%-BI 67,5 – 71,2 (nl) or 95% CI 67.5 – 71.2 (en)."""
    word = f"{level}%-BI" if lang == "nl" else f"{level}% CI"
    return f"{word} {interval(low, high, decimals, lang)}"


def p_value(p: Any, lang: str = "nl") -> str:
    """A p-value as it is read: "< 0,001" below a thousandth (never "0,000"), else 0,023."""
    if is_missing(p) or isinstance(p, str):
        return number(p, P_DECIMALS, lang)
    smallest = Decimal(1).scaleb(-P_DECIMALS)
    if _decimal(p, P_DECIMALS + 3) < smallest:
        return "< " + number(smallest, P_DECIMALS, lang)
    return number(p, P_DECIMALS, lang)


def p_text(p: Any, lang: str = "nl") -> str:
    """'p < 0,001' or 'p = 0,023'."""
    value = p_value(p, lang)
    return "p " + value if value.startswith("<") else "p = " + value


def euro(amount: Any, lang: str = "nl") -> str:
    """An amount in euros: € 12.500 (nl), €12,500 (en); cents only where there are any
    (€ 12.500,50)."""
    if is_missing(amount):
        return MISSING
    cents = _decimal(amount, 2)
    decimals = 0 if cents == cents.to_integral_value() else 2
    pattern = ("¤ #,##0" if lang == "nl" else "¤#,##0") + (".00" if decimals else "")
    return _numbers.format_currency(
        _decimal(amount, decimals),
        "EUR",
        pattern,
        locale=_locale(lang),
        currency_digits=False,
        decimal_quantization=False,
    )


# --- dates ----------------------------------------------------------------------------------


def _as_date(d: Any) -> dt.date | None:
    if is_missing(d):
        return None
    if isinstance(d, str):
        try:
            return dt.date.fromisoformat(d.strip()[:10])
        except ValueError:
            return None
    if hasattr(d, "to_pydatetime"):  # pandas Timestamp
        d = d.to_pydatetime()
    if isinstance(d, dt.datetime):
        return d.date()
    if isinstance(d, dt.date):
        return d
    return None


def date(d: Any, lang: str = "nl") -> str:
    """A day as a person reads it: 3 december 2026 (nl), 3 December 2026 (en). Missing: –.
    An ISO text (2026-12-03) is read as that day; any other text is returned as it is."""
    day = _as_date(d)
    if day is None:
        return d.strip() if isinstance(d, str) and d.strip() else MISSING
    return _dates.format_date(day, "long", locale=_locale(lang))


def short_date(d: Any, lang: str = "nl") -> str:
    """A day where room is short (chart axes): 3 dec (nl), 3 Dec (en)."""
    day = _as_date(d)
    if day is None:
        return MISSING
    return _dates.format_skeleton("MMMd", day, locale=_locale(lang))


def moment(m: Any, lang: str = "nl", *, utc: bool = True) -> str:
    """A point in time: 1 december 2026 07:28 UTC. Stored moments are UTC, and say so."""
    if is_missing(m):
        return MISSING
    if hasattr(m, "to_pydatetime"):
        m = m.to_pydatetime()
    if isinstance(m, str):
        try:
            m = dt.datetime.fromisoformat(m.strip())
        except ValueError:
            return m
    if not isinstance(m, dt.datetime):
        return date(m, lang)
    clock = _dates.format_time(m.time(), "HH:mm", locale=_locale(lang))
    return f"{date(m, lang)} {clock}" + (" UTC" if utc else "")


def period(start: Any, end: Any, lang: str = "nl") -> str:
    """Fieldwork from start to end: 3 november 2026 – 15 december 2026."""
    return date(start, lang) + RANGE_DASH + date(end, lang)


def month_names(lang: str = "nl") -> list[str]:
    """January..December in the language (wide, stand-alone)."""
    names = _dates.get_month_names("wide", "stand-alone", locale=_locale(lang))
    return [names[i] for i in range(1, 13)]


#: The date input's display format in Streamlit (its own token syntax), the same day-month-year
#: order as the dates above.
DATE_INPUT_FORMAT = "DD/MM/YYYY"


def excel_number_format(decimals: int, *, percent_: bool = False) -> str:
    """The workbook's number format with the same decimals as the pages (Excel shows the
    reader's own separators)."""
    body = "0" + ("." + "0" * decimals if decimals > 0 else "")
    return body + ("%" if percent_ else "")


# --- labels of codes ------------------------------------------------------------------------
# Where a person reads a stored code (a profession, a frame column, an allocation method), they
# read its name. Unknown codes stay as they are (a frame's own auxiliary column, say).

_ALLOCATION = {
    "census": ("volledige telling", "census"),
    "proportional": ("proportioneel", "proportional"),
    "neyman": ("Neyman (optimaal)", "Neyman (optimal)"),
    "equal": ("gelijk per stratum", "equal per stratum"),
    "minimum": ("proportioneel met minimum", "proportional with a minimum"),
    "power": ("machtsallocatie", "power allocation"),
}
_VARIABLES = {
    "profession": ("beroep", "profession"),
    "training_year": ("opleidingsjaar", "training year"),
    "university": ("universiteit", "university"),
    "language": ("taal", "language"),
    "unit_id": ("id", "id"),
    "email": ("e-mailadres", "e-mail address"),
    "stratum": ("stratum", "stratum"),
    "design_weight": ("designgewicht", "design weight"),
    "weight": ("gewicht", "weight"),
    "mode": ("manier van antwoorden", "mode"),
    "eloket_use_12m": ("gebruik e-loket (12 maanden)", "e-loket use (12 months)"),
}
# The aspects (dimensions) of the e-loket questionnaire: the questionnaire names them by code.
_DIMENSIONS = {
    "aanmelden": ("Aanmelden", "Logging in"),
    "communicatie": ("Communicatie", "Communication"),
    "documenten": ("Documenten", "Documents"),
    "doorlooptijd": ("Doorlooptijd", "Processing time"),
    "erkenningsaanvraag": ("Erkenningsaanvraag", "Application for recognition"),
    "formulieren": ("Formulieren", "Forms"),
    "gebruik": ("Gebruik", "Use"),
    "gebruiksgemak": ("Gebruiksgemak", "Ease of use"),
    "globaal": ("Globaal", "Overall"),
    "hulp": ("Hulp", "Help"),
    "informatie": ("Informatie", "Information"),
    "inspanning": ("Inspanning", "Effort"),
    "opvolging": ("Opvolging", "Follow-up"),
    "stageplan": ("Stageplan", "Training plan"),
    "stagerapport": ("Stagerapport", "Training report"),
    "terugkoppeling": ("Terugkoppeling", "Feedback"),
    "verbetering": ("Verbetering", "Improvement"),
    "vergelijking": ("Vergelijking", "Comparison"),
    "wijziging_stageplan": ("Wijziging stageplan", "Change of training plan"),
}
_LANGUAGES = {"nl": ("Nederlands", "Dutch"), "en": ("Engels", "English")}
_DISPOSITIONS = {
    "not_invited": ("nog niet uitgenodigd", "not yet invited"),
    "invited": ("uitgenodigd", "invited"),
    "bounced": ("onbestelbaar", "undeliverable"),
    "opened": ("geopend zonder antwoord", "opened, no answer"),
    "partial": ("gedeeltelijk ingevuld", "partial"),
    "opted_out": ("afgemeld", "opted out"),
    "complete": ("volledig ingevuld", "complete"),
    "ineligible": ("niet in aanmerking", "not eligible"),
}


def label(kind: str, code: Any, lang: str = "nl") -> str:
    """The name of a code: ``label("profession", "tandarts_specialist")`` is
    "Tandarts-specialist in opleiding"; kinds: profession, allocation, variable, language,
    disposition, dimension."""
    if is_missing(code):
        return MISSING
    i = 1 if lang == "en" else 0
    if kind == "profession":
        from survey.schema import PROFESSIONS

        names = PROFESSIONS.get(str(code))
        return names[lang if lang in names else "nl"] if names else str(code)
    table = {
        "allocation": _ALLOCATION,
        "variable": _VARIABLES,
        "language": _LANGUAGES,
        "disposition": _DISPOSITIONS,
        "dimension": _DIMENSIONS,
    }[kind]
    names = table.get(str(code))
    return names[i] if names else str(code)


def labeller(kind: str, lang: str) -> Callable[[Any], str]:
    """label() of one kind and language, capitalised: a widget's format_func (it holds no
    reference to the page, so it also works where Streamlit calls it after the run)."""

    def name(code: Any) -> str:
        return capitalised(label(kind, code, lang))

    return name


def capitalised(text: str) -> str:
    """The first letter upper-case (a label at the start of a line or as a column title)."""
    return text[:1].upper() + text[1:]
