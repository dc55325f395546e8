"""The page flow of a questionnaire: the one definition of which pages are asked and shown.

Pure (no database, no Streamlit): the store calls it to validate what it writes, the pages
(views/survey.py, views/paper.py) to navigate.

- :func:`sections_asked`: the sections asked in a mode (the pages of the paper form);
- :func:`sections_to_show`: those that have something to show given the answers so far (skip
  logic): the web form's pages, in order;
- :func:`position` / :func:`step`: where a respondent is, the next or previous page, and the
  progress stored with the response;
- :func:`check_page`, :func:`check_all`, :func:`check_full`: a page, a whole response or a paper
  form checked against the questionnaire, with errors per answer key in (nl, en);
- :func:`form_start`: from which item on a page nothing on screen depends on the answers, so
  they can wait for Next instead of redrawing the page on every answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from survey import expr
from survey.data import effective_answers, normalise_value, validate_page, visible_items
from survey.schema import Questionnaire, Section

Errors = dict[str, tuple[str, str]]  # answer key -> (nl, en)


def sections_asked(q: Questionnaire, mode: str) -> list[Section]:
    """The sections asked in `mode`. On paper the team also keys in the profile, which the
    web form asks only on the open link (invited respondents' profile comes from the frame)."""
    return [
        s
        for s in q.sections
        if s.asked_in(mode)
        or (mode == "paper" and s.items and all(it.role == "profile" for it in s.items))
    ]


def sections_to_show(q: Questionnaire, mode: str, answers: Mapping) -> list[Section]:
    """The sections asked in `mode` that have something to show given `answers` (the form's
    pages, in order)."""
    answers = dict(answers)
    effective = effective_answers(q, answers)
    # A page of only calculate items (XLSForm) has nothing to show.
    return [
        s
        for s in sections_asked(q, mode)
        if any(it.type != "calculate" for it in visible_items(q, s, answers, effective=effective))
    ]


def form_start(q: Questionnaire, section: Section) -> int:
    """The index of the first item of `section` whose answers can wait for Next: the one after
    the last item whose answer changes what the form shows (an item on this page through skip
    logic, a choice_filter or an "other" field; the pages that follow; which page is the last).
    The web form redraws the page on every answer to the items before it; from it on, the
    answers travel with the click (one script run, not one per answer). 0: the whole page."""
    drivers = _DRIVERS.get(q.hash)
    if drivers is None:
        if len(_DRIVERS) > 64:
            _DRIVERS.clear()
        drivers = _DRIVERS[q.hash] = _drivers(q)
    start = 0
    for index, item in enumerate(section.items):
        if item.type != "calculate" and drivers & {item.id, *item.answer_keys()}:
            start = index + 1
    return start


_DRIVERS: dict[str, frozenset[str]] = {}  # by questionnaire version


def _drivers(q: Questionnaire) -> frozenset[str]:
    """Every name a condition or choice_filter refers to, through calculate items to the
    answers they are computed from ("*": an expression that does not parse, all of them)."""

    def refs(text: str | None, choice_fields: bool = False) -> set[str]:
        if not text:
            return set()
        try:
            return {name for name, _ in expr.parse(text, choice_fields).references()}
        except expr.ExpressionError:  # an unvalidated definition: assume it depends on all
            return {"*"}

    feeds = {it.id: refs(it.calculation) for _, it in q.iter_items() if it.type == "calculate"}
    used: set[str] = set()
    for section in q.sections:
        used |= refs(section.relevant)
        for it in section.items:
            used |= refs(it.relevant) | refs(it.choice_filter, choice_fields=True)
    todo = [name for name in used if name in feeds]
    while todo:
        for name in feeds.pop(todo.pop(), set()):
            if name not in used:
                used.add(name)
                todo.append(name)
    if "*" in used:
        return frozenset(k for _, it in q.iter_items() for k in (it.id, *it.answer_keys()))
    return frozenset(used)


# --- navigation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Position:
    """The pages shown for the answers so far and the index of the current one."""

    sections: tuple[Section, ...]
    index: int

    @property
    def section(self) -> Section:
        return self.sections[self.index]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.sections]

    @property
    def last(self) -> bool:
        return self.index == len(self.sections) - 1

    @property
    def fraction(self) -> float:
        """The progress bar: the pages up to and including this one (full on the last)."""
        return (self.index + 1) / len(self.sections)

    @property
    def progress(self) -> dict[str, Any]:
        """What the store keeps of the position, so the same link resumes here."""
        return {"page": self.index, "section": self.section.id, "done": self.ids[: self.index]}


def position(q: Questionnaire, mode: str, answers: Mapping, section_id: str | None) -> Position:
    """Where a respondent on `section_id` is; the first page when that page is not shown (any
    more: an answer changed the skip logic, or nothing was stored yet)."""
    sections = tuple(sections_to_show(q, mode, answers))
    ids = [s.id for s in sections]
    return Position(sections, ids.index(section_id) if section_id in ids else 0)


def step(q: Questionnaire, mode: str, answers: Mapping, section_id: str, move: int) -> Position:
    """The page `move` pages on from `section_id` (+1 next, -1 previous, 0 stay), within the
    pages shown. `answers` include the page being left: the pages that follow depend on them."""
    here = position(q, mode, answers, section_id)
    return Position(here.sections, min(max(here.index + move, 0), len(here.sections) - 1))


def first_with_errors(sections, errors: Mapping) -> Section | None:
    """The first of `sections` that holds an answer key (or item) with an error."""
    for section in sections:
        keys = {k for it in section.items for k in it.answer_keys()}
        if set(errors) & (keys | {it.id for it in section.items}):
            return section
    return None


# --- checking answers before they are stored ----------------------------------------------------


@dataclass
class PageCheck:
    """What validating a page gives: the answers to store and the errors per answer key."""

    answers: dict[str, Any]
    errors: Errors = field(default_factory=dict)


def _blank(item, value: Any) -> bool:
    if value is None:
        return not item.na  # None is n.v.t. on an item that offers it
    return (isinstance(value, str) and not value.strip()) or (
        isinstance(value, list | tuple) and not value
    )


def _clean(sections, raw: Mapping[str, Any]) -> tuple[dict, Errors]:
    """Keep the keys of `sections`' items, dropping blanks; unknown keys are errors."""
    owners = {k: it for s in sections for it in s.items for k in it.answer_keys()}
    out: dict[str, Any] = {}
    errors: Errors = {}
    for key, value in raw.items():
        item = owners.get(key)
        if item is None:
            errors[str(key)[:100]] = (
                "Onbekende vraag op deze pagina.",
                "Unknown question on this page.",
            )
        elif not _blank(item, value):
            value = normalise_value(item, value)
            out[key] = list(value) if isinstance(value, tuple) else value
    return out, errors


def _errors(q, sections, answers: dict, effective: dict) -> Errors:
    """Errors per answer key (nl, en); `effective` is effective_answers(q, answers)."""
    errors: Errors = {}
    for section in sections:
        nl = validate_page(q, section, answers, "nl", effective=effective)
        if nl:
            en = validate_page(q, section, answers, "en", effective=effective)
            errors.update({k: (v, en.get(k, v)) for k, v in nl.items()})
    return errors


def _asked(sections, effective: dict) -> dict:
    """Only answers to items that are asked in this mode (and relevant: `effective`)."""
    asked = {k for s in sections for it in s.items for k in it.answer_keys()}
    return {k: v for k, v in effective.items() if k in asked}


def check_page(q, section_id: str, stored: Mapping, page_answers: Mapping, mode: str) -> PageCheck:
    """Merge a page into the stored answers, validate it, drop answers that are not relevant.

    The page replaces everything stored for its section (an item cleared is removed); answers
    to items that are not relevant, on this page or later ones, are dropped.
    """
    sections = sections_asked(q, mode)
    section = next((s for s in sections if s.id == section_id), None)
    if section is None:
        return PageCheck(
            dict(stored),
            {
                "_page": (
                    "Deze pagina hoort niet bij de vragenlijst.",
                    "This page is not part of the questionnaire.",
                )
            },
        )
    page, errors = _clean([section], page_answers)
    own = {k for it in section.items for k in it.answer_keys()}
    merged = {k: v for k, v in stored.items() if k not in own}
    merged.update(page)
    effective = effective_answers(q, merged)
    errors.update(_errors(q, [section], merged, effective))
    return PageCheck(_asked(sections, effective), errors)


def check_all(q, answers: Mapping, mode: str) -> Errors:
    """Errors on every section asked (required items unanswered, values out of range)."""
    answers = dict(answers)
    return _errors(q, sections_asked(q, mode), answers, effective_answers(q, answers))


def check_full(q, answers: Mapping, mode: str) -> tuple[dict, Errors]:
    """A whole questionnaire at once (paper): the answers to store and the errors."""
    sections = sections_asked(q, mode)
    cleaned, errors = _clean(sections, answers)
    effective = effective_answers(q, cleaned)
    errors.update(_errors(q, sections, cleaned, effective))
    return _asked(sections, effective), errors
