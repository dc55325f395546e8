"""Answers: relevance (skip logic), page validation, and the flat answer table.

An *answers* dict maps answer keys to values, as the form stores them:

- ``scale5``/``rating10``/``ces``: an int; "niet van toepassing / weet niet" is ``None`` with
  the key present (so it counts as answered but is never a number);
- ``umux_lite``/``sus``: one int per statement under ``<id>_1``, ``<id>_2``, ...;
- ``select_one``: the code; ``select_multiple``: a list of codes; ``yesno``: ``'ja'``/``'nee'``;
  ``text``: the string.

A key that is absent means "not answered". Answers to items that are not relevant (skipped)
are ignored everywhere: :func:`effective_answers` drops them, in questionnaire order, so that
a chain of conditions resolves the way the respondent saw it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from survey import expr
from survey.schema import ACKNOWLEDGED, Item, Questionnaire, Section

MESSAGES = {
    "required": {"nl": "Deze vraag is verplicht.", "en": "This question is required."},
    "required_all": {
        "nl": "Beantwoord elke uitspraak.",
        "en": "Please answer every statement.",
    },
    "range": {
        "nl": "Kies een waarde van {lo} tot {hi}.",
        "en": "Choose a value from {lo} to {hi}.",
    },
    "choice": {
        "nl": "Kies een van de gegeven antwoorden.",
        "en": "Choose one of the given answers.",
    },
    "text_type": {"nl": "Vul hier tekst in.", "en": "Please enter text here."},
    "control": {
        "nl": "Uw antwoord bevat een onzichtbaar stuurteken ({code}); verwijder het.",
        "en": "Your answer contains an invisible control character ({code}); remove it.",
    },
    "duplicate": {
        "nl": "Elke keuze mag maar één keer voorkomen.",
        "en": "Each choice may occur only once.",
    },
    "too_long": {
        "nl": "Uw antwoord telt {n} tekens; het maximum is {max}.",
        "en": "Your answer has {n} characters; the maximum is {max}.",
    },
    "constraint": {"nl": "Dit antwoord is niet geldig.", "en": "This answer is not valid."},
    "integer": {"nl": "Vul een geheel getal in.", "en": "Please enter a whole number."},
    "decimal": {"nl": "Vul een getal in.", "en": "Please enter a number."},
    "date": {
        "nl": "Vul een datum in (jjjj-mm-dd).",
        "en": "Please enter a date (yyyy-mm-dd).",
    },
    "acknowledge": {"nl": "Vink dit aan om te bevestigen.", "en": "Tick this to confirm."},
}


def message(key: str, lang: str, **kw) -> str:
    texts = MESSAGES[key]
    return texts.get(lang, texts["nl"]).format(**kw)


@lru_cache(maxsize=2048)
def compiled(text: str) -> expr.Expression:
    """Parsed expression, cached (the questionnaire was validated, so this does not fail)."""
    return expr.parse(text)


# --- relevance ----------------------------------------------------------------------------


def _evaluate(text: str | None, answers: dict[str, Any]) -> bool:
    if not text:
        return True
    try:
        return compiled(text).evaluate(answers)
    except expr.ExpressionError:
        # Only reachable for an unvalidated definition: show rather than hide the item.
        return True


def is_relevant(item: Item, answers: dict[str, Any]) -> bool:
    """Whether `item` is shown given `answers` (its own `relevant` condition only)."""
    return _evaluate(item.relevant, answers)


def is_section_relevant(section: Section, answers: dict[str, Any]) -> bool:
    return _evaluate(section.relevant, answers)


def calculated_value(item: Item, answers: dict[str, Any]) -> Any:
    """The value of a calculate item given the answers before it (None when empty)."""
    try:
        v = compiled(item.calculation or "").value(answers)
    except (expr.ExpressionError, ValueError, OverflowError):
        return None
    if v is None or v == "" or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def effective_answers(q: Questionnaire, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers that count: known keys of items that are relevant, in questionnaire order.

    Items in a nested group count only while the group is relevant; calculate items get
    their value from the answers before them."""
    out: dict[str, Any] = {}
    for section in q.sections:
        section_on = is_section_relevant(section, out)
        groups_on: dict[str | None, bool] = {}
        for item in section.items:
            on = section_on and groups_on.get(item.group, True) and is_relevant(item, out)
            if item.type == "group":
                groups_on[item.id] = on
                continue
            if not on:
                continue
            if item.type == "calculate":
                v = calculated_value(item, out)
                if v is not None:
                    out[item.id] = v
                continue
            for key in item.answer_keys():
                if key in answers:
                    out[key] = answers[key]
    return out


def visible_items(
    q: Questionnaire,
    section: Section,
    answers: dict[str, Any],
    *,
    effective: dict[str, Any] | None = None,
) -> list[Item]:
    """The items of `section` to show, given the answers so far (skip logic applied).

    `effective` is ``effective_answers(q, answers)`` when the caller has it already (it
    looks at several sections of the same answers)."""
    eff = effective_answers(q, answers) if effective is None else effective
    # Items on this page are judged on the answers before them, including earlier ones
    # on the same page.
    before: dict[str, Any] = {}
    for s in q.sections:
        if s.id == section.id:
            break
        for it in s.items:
            for key in it.answer_keys():
                if key in eff:
                    before[key] = eff[key]
    if not is_section_relevant(section, before):
        return []
    shown = []
    groups_on: dict[str | None, bool] = {}
    for item in section.items:
        on = groups_on.get(item.group, True) and is_relevant(item, before)
        if item.type == "group":
            groups_on[item.id] = on
        if not on:
            continue
        shown.append(item)
        if item.type == "calculate":
            v = calculated_value(item, before)
            if v is not None:
                before[item.id] = v
            continue
        for key in item.answer_keys():
            if key in answers:
                before[key] = answers[key]
    return shown


# --- validation ---------------------------------------------------------------------------


def _is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, list) and not v)


def is_answered(item: Item, answers: dict[str, Any]) -> bool:
    """Answered means every answer key holds a value; n.v.t. (None, key present) counts."""
    for key in item.answer_keys():
        if key not in answers:
            return False
        v = answers[key]
        if v is None and item.na:
            continue
        if _is_blank(v):
            return False
    return True


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v.strip())
    return None


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, str):
        try:
            n = float(v.strip().replace(",", ".", 1) if v.count(",") == 1 else v.strip())
        except ValueError:
            return None
        return n if math.isfinite(n) else None
    return None


def _as_date(v: Any) -> str | None:
    """An ISO date (YYYY-MM-DD) from a date, a datetime at midnight or such a text."""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else None
    if isinstance(v, dt.date):
        return v.isoformat()
    m = (
        re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00)?)?", v.strip())
        if isinstance(v, str)
        else None
    )
    if m:
        try:
            return dt.date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            return None
    return None


def normalise_value(item: Item, value: Any) -> Any:
    """The stored form of a valid answer: an int for integer, a float for decimal, an ISO text
    for a date (a spreadsheet cell may hold "30", "2,5" or a datetime). Anything that is not
    valid is returned as it is, for check_value to report."""
    if item.type == "integer":
        n = _as_int(value)
        return value if n is None else n
    if item.type == "decimal":
        x = _as_number(value)
        return value if x is None else x
    if item.type == "date":
        d = _as_date(value)
        return value if d is None else d
    if item.type in ("scale5", "rating10", "ces", "umux_lite", "sus"):
        n = _as_int(value)  # a number, not "7" (issue 19.8)
        return value if n is None else n
    return value


def _control_character(text: str) -> str | None:
    # NUL breaks PostgreSQL's JSON operators; no person types these (newlines are fine).
    found = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def check_value(
    q: Questionnaire,
    item: Item,
    value: Any,
    lang: str = "nl",
    answers: dict[str, Any] | None = None,
) -> str | None:
    """Type/range message for one non-blank value of `item`, or None if it is valid.

    The one check of a value against its item, for the web form, the store, paper answers and
    imported answers alike. `answers` (the effective answers) applies a choice_filter."""
    if item.type == "integer":
        return None if _as_int(value) is not None else message("integer", lang)
    if item.type == "decimal":
        return None if _as_number(value) is not None else message("decimal", lang)
    if item.type == "date":
        return None if _as_date(value) is not None else message("date", lang)
    if item.type == "acknowledge":
        return None if value == ACKNOWLEDGED else message("acknowledge", lang)
    if item.type in ("calculate", "note", "group"):
        return None
    if item.type in ("scale5", "rating10", "ces", "umux_lite", "sus"):
        lo, hi = item.scale_range  # type: ignore[misc]
        n = _as_int(value)
        if n is None or not lo <= n <= hi:
            return message("range", lang, lo=lo, hi=hi)
        return None
    if item.type in ("select_one", "yesno"):
        codes = [c for c, _ in q.choice_options(item, answers)]
        return None if isinstance(value, str) and value in codes else message("choice", lang)
    if item.type == "select_multiple":
        codes = [c for c, _ in q.choice_options(item, answers)]
        ok = isinstance(value, list | tuple) and all(
            isinstance(v, str) and v in codes for v in value
        )
        if ok and len(set(value)) != len(value):
            return message("duplicate", lang)
        return None if ok else message("choice", lang)
    if item.type == "text":
        if not isinstance(value, str):
            return message("text_type", lang)
        code = _control_character(value)
        if code is not None:
            return message("control", lang, code=code)
        if len(value) > item.text_max_length:
            return message("too_long", lang, n=len(value), max=item.text_max_length)
        return None
    return None  # pragma: no cover (types are validated)


def validate_item(
    q: Questionnaire, item: Item, answers: dict[str, Any], lang: str = "nl"
) -> str | None:
    """The message to show next to `item`, or None if its answer is acceptable."""
    if item.type == "calculate":
        return None  # computed, never typed
    if not is_answered(item, answers):
        missing_all = all(
            _is_blank(answers.get(k)) and not (item.na and k in answers) for k in item.answer_keys()
        )
        if item.required:
            if item.composite and not missing_all:
                return message("required_all", lang)
            return item.required_message.get(lang) or message("required", lang)
        if missing_all:
            return None
    eff = effective_answers(q, answers) if item.constraint or item.choice_filter else answers
    for key in item.answer_keys():
        v = answers.get(key)
        if _is_blank(v):
            continue
        msg = check_value(q, item, v, lang, eff if item.choice_filter else None)
        if msg:
            return msg
    if item.constraint and not item.composite and not _is_blank(answers.get(item.id)):
        ok = compiled(item.constraint).evaluate(eff, current=answers.get(item.id))
        if not ok:
            return item.constraint_message.get(lang) or message("constraint", lang)
    return None


def validate_page(
    q: Questionnaire,
    section: Section,
    answers: dict[str, Any],
    lang: str = "nl",
    *,
    effective: dict[str, Any] | None = None,
) -> dict[str, str]:
    """{item_id: message} for every visible item on the page whose answer is not acceptable
    (`effective` as for :func:`visible_items`)."""
    errors: dict[str, str] = {}
    for item in visible_items(q, section, answers, effective=effective):
        msg = validate_item(q, item, answers, lang)
        if msg:
            errors[item.id] = msg
    return errors


# --- the flat table -----------------------------------------------------------------------


def to_frame(
    q: Questionnaire, answers: list[dict[str, Any]], *, trusted: bool = False
) -> pd.DataFrame:
    """One row per answers dict, one column per :meth:`Questionnaire.columns` entry.

    Numeric scales are float (NaN for unanswered, n.v.t. or skipped); choice, yes/no and text
    columns hold the code or text (NaN when missing); a multiple-choice item gives one 0/1
    column per option, NaN for all of them when the question was not answered.
    A value that does not fit its column raises ValueError naming the row and column.

    ``trusted=True`` is for answers that the store checked when it saved them against this
    questionnaire version (store.responses: every value validated, answers to items that are
    not relevant dropped): the skip logic and the validation are not run again, so a value
    that does not fit its column is not caught. It gives the same frame as the checked path
    on such answers, about ten times faster.
    """
    columns = q.columns()
    if trusted:
        data = _trusted_columns(columns, [raw or {} for raw in answers])
    else:
        data = _checked_columns(q, columns, answers)
    frame = pd.DataFrame(data, columns=[c.name for c in columns])
    for col in columns:
        if col.kind in ("scale", "rating", "multi", "number"):
            frame[col.name] = frame[col.name].astype("float64")
        else:
            frame[col.name] = frame[col.name].astype("str").where(frame[col.name].notna())
    return frame


def _checked_columns(q: Questionnaire, columns, answers: list[dict[str, Any]]) -> dict[str, list]:
    data: dict[str, list] = {c.name: [] for c in columns}
    items = {it.id: it for it in q.items()}
    for r, raw in enumerate(answers):
        eff = effective_answers(q, raw or {})
        for col in columns:
            if col.kind == "metadata":  # from the response's timestamps (ktm.services)
                data[col.name].append(None)
                continue
            item = items[col.item_id]
            if col.kind == "multi":
                v = eff.get(item.id)
                if _is_blank(v):
                    data[col.name].append(np.nan)
                else:
                    if check_value(q, item, v):
                        raise ValueError(f"row {r}: {item.id} = {v!r} is not a valid answer")
                    data[col.name].append(1.0 if col.choice_code in v else 0.0)
                continue
            v = eff.get(col.name)
            if _is_blank(v):
                data[col.name].append(np.nan if col.kind in ("scale", "rating", "number") else None)
                continue
            if check_value(q, item, v, answers=eff if item.choice_filter else None):
                raise ValueError(f"row {r}: {col.name} = {v!r} is not a valid answer")
            if col.kind in ("scale", "rating"):
                data[col.name].append(float(_as_int(v)))  # type: ignore[arg-type]
            elif col.kind == "number":
                data[col.name].append(_as_number(v))
            elif col.kind == "date":
                data[col.name].append(_as_date(v))
            else:
                data[col.name].append(str(v))
    return data


def _trusted_columns(columns, answers: list[dict[str, Any]]) -> dict[str, list]:
    """The columns of answers that are valid and relevant already: one pass per column.

    A valid number is an int, an integral float or a string of digits, so float() of it is
    float(_as_int()) of it; blanks (None, "", []) are missing, as on the checked path."""
    nan = np.nan
    data: dict[str, list] = {}
    for col in columns:
        name = col.name
        if col.kind == "multi":
            code, key = col.choice_code, col.item_id
            data[name] = [
                nan if _is_blank(v := a.get(key)) else (1.0 if code in v else 0.0) for a in answers
            ]
        elif col.kind in ("scale", "rating"):
            data[name] = [
                nan if (v := a.get(name)) is None or _is_blank(v) else float(v) for a in answers
            ]
        elif col.kind == "metadata":
            data[name] = [None] * len(answers)
        elif col.kind == "number":
            data[name] = [nan if _is_blank(v := a.get(name)) else _as_number(v) for a in answers]
        else:
            data[name] = [None if _is_blank(v := a.get(name)) else str(v) for a in answers]
    return data


def from_frame(q: Questionnaire, frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Back from the flat table to answers dicts (e.g. keyed-in paper forms).

    A missing numeric value of an item with n.v.t. becomes unanswered (absent), since the
    table cannot tell "n.v.t." from "skipped"; everything else round-trips.
    """
    columns = [c for c in q.columns() if c.kind != "metadata"]
    missing = [c.name for c in columns if c.name not in frame.columns]
    if missing:
        raise ValueError("columns missing from the table: " + ", ".join(missing))
    out: list[dict[str, Any]] = []
    for _, row in frame.iterrows():
        ans: dict[str, Any] = {}
        for col in columns:
            if col.kind == "metadata":
                continue
            v = row[col.name]
            if col.kind == "multi":
                if pd.isna(v):
                    continue
                codes = ans.setdefault(col.item_id, [])
                if float(v) == 1.0:
                    codes.append(col.choice_code)
                continue
            if pd.isna(v):
                continue
            if col.kind in ("scale", "rating") or col.type == "integer":
                ans[col.name] = int(v)
            elif col.kind == "number":
                ans[col.name] = float(v)
            else:
                ans[col.name] = str(v)
        out.append(ans)
    return out
