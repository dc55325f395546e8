"""The shared vocabulary of the tool: terms that every layer uses and that imports nothing of ours.

Dispositions of an invitation and their AAPOR codes (Standard Definitions, "Internet surveys of
specifically named persons"; ``analysis.response`` explains the mapping), the modes a response
comes in by, the statuses of a wave, month names, and the neutralisation of spreadsheet cells.
The store's check constraints, the response rates and the pages all take their lists from here,
so a new term is added in one place.
"""

from __future__ import annotations

from typing import Any

#: AAPOR final disposition codes used by the tool.
AAPOR_CODES: tuple[str, ...] = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")

#: Disposition -> AAPOR code; ``None`` = not in the sample (not yet invited: in no denominator).
DISPOSITION_TO_AAPOR: dict[str, str | None] = {
    "not_invited": None,
    "invited": "UH",
    "bounced": "UO",
    "opted_out": "R",
    "opened": "R",
    "partial": "P",
    "complete": "I",
    "ineligible": "NE",
}

#: Every disposition an invitation can have (the store's check constraint uses this list).
DISPOSITIONS: tuple[str, ...] = tuple(DISPOSITION_TO_AAPOR)

#: The same when the frame establishes eligibility: no contact is then a known-eligible nonresponse.
DISPOSITION_TO_AAPOR_ELIGIBLE: dict[str, str | None] = {
    **DISPOSITION_TO_AAPOR,
    "invited": "NC",
    "bounced": "NC",
}

#: Dispositions a reminder can still turn into a complete.
REACHABLE_DISPOSITIONS: tuple[str, ...] = ("invited", "opened", "partial")

#: How a response came in: personal link, open link (self-selection), paper, post-contact survey.
RESPONSE_MODES: tuple[str, ...] = ("invited", "open", "paper", "post_contact")

#: The life of a wave: prepared, in fieldwork, closed.
WAVE_STATUSES: tuple[str, ...] = ("draft", "open", "closed")

#: English month names, locale-free (strftime would follow the server's locale).
MONTHS_EN: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

#: A text cell starting with one of these may run as a formula in a spreadsheet program.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` with a leading single quote if it is text that a spreadsheet would run.

    Following the OWASP advice on CSV injection; numbers, dates and other non-text values are
    left alone (a real negative number is not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df):
    """A copy of the DataFrame ``df`` with every text cell (and the column headers) neutralised."""
    import pandas as pd

    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.map(neutralise, na_action="ignore").astype(object)
    return out
