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


#: A language code as the adjective of its text: "de Nederlandse tekst", "the Dutch text".
_TEXTS: dict[str, tuple[str, str]] = {
    "nl": ("Nederlandse", "Dutch"),
    "en": ("Engelse", "English"),
    "fr": ("Franse", "French"),
    "de": ("Duitse", "German"),
}


def _codes(v: Any) -> list[str]:
    return [] if _missing(v) else [p.strip() for p in str(v).split(",") if p.strip()]


def _detail(row: Mapping[str, Any], lang: str) -> str:
    """What changed, in words: how many questions (not their column ids; the score's label
    already names a single question) and in which language's text."""
    en = lang == "en"
    items = _codes(row.get("changed_items"))
    own = str(row.get("score_id") or "").partition(":")[2]
    parts = []
    if items and items != [own] and not (len(items) == 1 and not own):
        k = len(items)
        noun = ("question" if en else "vraag") if k == 1 else ("questions" if en else "vragen")
        parts.append(f"{k} {noun}")
    languages = _codes(row.get("changed_languages"))
    if languages:
        i = 1 if en else 0
        names = [_TEXTS[c][i] if c in _TEXTS else c for c in languages]
        if en:
            head = ", ".join(names[:-1])
            both = f"{head} and {names[-1]} texts" if head else f"{names[-1]} text"
            parts.append(f"the {both}")
        else:
            parts.append(f"de {' en de '.join(names)} tekst")
    return f" ({'; '.join(parts)})" if parts else ""


def not_compared(row: Mapping[str, Any], lang: str = "nl") -> str | None:
    """'vraagtekst gewijzigd in versie 2025.2 (de Nederlandse tekst): niet vergeleken', or None
    for a score that is compared."""
    reason = row.get("not_compared")
    if _missing(reason) or bool(row.get("comparable", True)):
        return None
    nl, en = REASONS.get(str(reason), (str(reason), str(reason)))
    version = row.get("changed_in")
    detail = _detail(row, lang)
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


def segment_labels(series: pd.DataFrame, label: str, lang: str = "nl") -> list[str]:
    """The label of each row of a trend series (ktm.dashboard.trend_series: one row per wave
    and score, with `segment` and the comparability verdict), per stretch of waves over which
    the score's question stayed the same: a score whose question never changed keeps its
    label; otherwise the stretch before a change reads '<label> (vóór versie 2026.1)' and the
    one after it '<label>: vraagtekst gewijzigd in versie 2026.1 (...): niet vergeleken'."""
    if len(series) == 0 or "segment" not in series:
        return [str(v) for v in series.get(label, [])]
    sid = series["score_id"]
    first = {}  # (score, segment) -> the row that opens the stretch (time order as given)
    for rec in series.sort_values("start", na_position="first", kind="stable").to_dict("records"):
        first.setdefault((rec["score_id"], rec["segment"]), rec)
    stretches = series.groupby("score_id")["segment"].max().to_dict()
    out = []
    for name, score, seg in zip(series[label], sid, series["segment"], strict=True):
        if seg > 0:
            out.append(f"{name}: {not_compared(first[(score, seg)], lang)}")
        elif stretches.get(score, 0) > 0:
            version = first[(score, 1)].get("changed_in")
            if _missing(version):
                before = "before the change" if lang == "en" else "vóór de wijziging"
            else:
                before = f"before version {version}" if lang == "en" else f"vóór versie {version}"
            out.append(f"{name} ({before})")
        else:
            out.append(str(name))
    return out
