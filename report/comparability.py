"""Words for the scores that are not compared between two waves because their question
changed (analysis.trend.comparability gives the codes), in Dutch and English."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

REASONS: dict[str, tuple[str, str]] = {
    "wording": ("vraagtekst gewijzigd", "wording changed"),
    "scale": ("antwoordschaal gewijzigd", "answer scale changed"),
    "items": ("andere vragen", "other questions"),
}


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def not_compared(row: Mapping[str, Any], lang: str = "nl") -> str | None:
    """'vraagtekst gewijzigd in versie 2025.2 (tevredenheid; nl): niet vergeleken', or None for
    a score that is compared."""
    reason = row.get("not_compared")
    if _missing(reason) or bool(row.get("comparable", True)):
        return None
    nl, en = REASONS.get(str(reason), (str(reason), str(reason)))
    version = row.get("changed_in")
    what = [str(row[k]) for k in ("changed_items", "changed_languages") if not _missing(row.get(k))]
    detail = f" ({'; '.join(what)})" if what else ""
    if lang == "en":
        where = f" in version {version}" if not _missing(version) else ""
        return f"{en}{where}{detail}: not compared"
    where = f" in versie {version}" if not _missing(version) else ""
    return f"{nl}{where}{detail}: niet vergeleken"


def not_compared_lines(trend: pd.DataFrame | None, lang: str = "nl") -> list[str]:
    """One line per score left out of the comparison: '<label>: <reason>: not compared'."""
    if trend is None or len(trend) == 0 or "comparable" not in trend:
        return []
    label = "label_en" if lang == "en" else "label_nl"
    out = []
    for rec in trend[trend["comparable"] == False].to_dict("records"):  # noqa: E712
        out.append(f"{rec.get(label)}: {not_compared(rec, lang)}")
    return out
