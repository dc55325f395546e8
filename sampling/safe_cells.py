"""Formula neutralisation for spreadsheet cells (CSV and Excel injection).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be
executed as a formula when the file is opened in a spreadsheet program. Following the OWASP
advice on CSV injection, such text is prefixed with a single quote so that it is shown as the
literal text it is. Numbers, dates and other non-text values are left alone: a real negative
number is not a formula.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Return ``value`` with a leading single quote if it is text that a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every text cell (and the column headers) neutralised."""
    out = df.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        series = out[col]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.map(neutralise, na_action="ignore").astype(object)
    return out
