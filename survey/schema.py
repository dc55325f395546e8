"""The questionnaire as data: pydantic models, validation with locations, answer columns.

A questionnaire has metadata, choice lists and sections (a page each) of items. Validation
(:func:`build_questionnaire`) reports every problem at once, each with where it is; the
loaders turn the path of a problem into a YAML line or an XLSForm sheet and row.

This module is part of the functional core: no Streamlit, no database.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from survey import expr

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English", "fr": "Français", "de": "Deutsch"}
DEFAULT_LANGUAGES = ["nl", "en"]

ITEM_TYPES = (
    "scale5",
    "rating10",
    "select_one",
    "select_multiple",
    "text",
    "yesno",
    "umux_lite",
    "sus",
    "ces",
    # Standard XLSForm types (xlsform.org) beyond the selects and text.
    "integer",
    "decimal",
    "date",
    "note",
    "acknowledge",
    "calculate",
    # A group inside a section's group: a heading within the page; `group` on the items
    # after it names it.
    "group",
)
# Types that show something but take no answer.
NO_ANSWER_TYPES = ("note", "group")
# Metadata an XLSForm may ask for, recorded from the response's own timestamps.
METADATA_TYPES = ("start", "end", "today")
METADATA_LABELS = {
    "start": {"nl": "Begin van het antwoord (UTC)", "en": "Response started (UTC)"},
    "end": {"nl": "Einde van het antwoord (UTC)", "en": "Response completed (UTC)"},
    "today": {"nl": "Dag van het antwoord", "en": "Day of the response"},
}
ROLES = (
    "overall",
    "driver",
    "usability",
    "effort",
    "open",
    "profile",
    "routing",
    "consent",
    "other",
)
MODES = ("invited", "open", "paper")
KINDS = (
    "scale",
    "rating",
    "choice",
    "multi",
    "text",
    "yesno",
    "number",
    "date",
    "calculated",
    "metadata",
)
OTHER_CODE = "other"
OTHER_LABEL = {"nl": "Andere", "en": "Other", "fr": "Autre", "de": "Andere"}
OTHER_TEXT_LABEL = {
    "nl": "Welke andere?",
    "en": "Specify other.",
    "fr": "Précisez autre.",
    "de": "Andere, nämlich:",
}
ACKNOWLEDGED = "OK"
ACKNOWLEDGE_LABEL = {"nl": "Bevestigd", "en": "Acknowledged"}
DEFAULT_TEXT_MAX_LENGTH = 2000

# Profession codes shared with the sampling frame.
PROFESSIONS: dict[str, dict[str, str]] = {
    "huisarts": {"nl": "Huisarts in opleiding", "en": "General practitioner in training"},
    "arts_specialist": {
        "nl": "Arts-specialist in opleiding",
        "en": "Medical specialist in training",
    },
    "algemeen_tandarts": {
        "nl": "Algemeen tandarts in opleiding",
        "en": "General dentist in training",
    },
    "tandarts_specialist": {
        "nl": "Tandarts-specialist in opleiding",
        "en": "Specialist dentist in training",
    },
    "ziekenhuisapotheker": {
        "nl": "Ziekenhuisapotheker in opleiding",
        "en": "Hospital pharmacist in training",
    },
}

NA_CODE = "nvt"
NA_LABEL = {"nl": "Niet van toepassing / weet niet", "en": "Not applicable / don't know"}
YESNO = [("ja", {"nl": "Ja", "en": "Yes"}), ("nee", {"nl": "Nee", "en": "No"})]
MULTI_VALUES = [
    ("0", {"nl": "Niet aangeduid", "en": "Not selected"}),
    ("1", {"nl": "Aangeduid", "en": "Selected"}),
]


def _points(labels_nl: list[str], labels_en: list[str], start: int = 1):
    return [
        (start + i, {"nl": nl, "en": en})
        for i, (nl, en) in enumerate(zip(labels_nl, labels_en, strict=True))
    ]


# Response scales: value -> label per language. The 5-point scales used by `scale5`
# are chosen with the item's `scale` attribute.
SCALES: dict[str, list[tuple[int, dict[str, str] | None]]] = {
    "satisfaction": _points(
        ["Zeer ontevreden", "Ontevreden", "Neutraal", "Tevreden", "Zeer tevreden"],
        ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"],
    ),
    "agreement": _points(
        ["Helemaal oneens", "Oneens", "Neutraal", "Eens", "Helemaal eens"],
        ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
    ),
    "ease": _points(
        ["Zeer moeilijk", "Moeilijk", "Neutraal", "Gemakkelijk", "Zeer gemakkelijk"],
        ["Very difficult", "Difficult", "Neutral", "Easy", "Very easy"],
    ),
    "agreement7": _points(
        [
            "Helemaal oneens",
            "Oneens",
            "Eerder oneens",
            "Neutraal",
            "Eerder eens",
            "Eens",
            "Helemaal eens",
        ],
        [
            "Strongly disagree",
            "Disagree",
            "Somewhat disagree",
            "Neither agree nor disagree",
            "Somewhat agree",
            "Agree",
            "Strongly agree",
        ],
    ),
    "rating10": [
        (0, {"nl": "Helemaal niet tevreden", "en": "Not at all satisfied"}),
        *[(i, None) for i in range(1, 10)],
        (10, {"nl": "Helemaal tevreden", "en": "Completely satisfied"}),
    ],
}
SCALE5_VARIANTS = ("satisfaction", "agreement", "ease")
NA_TYPES = ("scale5", "rating10", "ces")
COMPOSITE_SIZE = {"umux_lite": 2, "sus": 10}

# Standard wording (Lestari et al. UMUX-Lite; Brooke 1996 SUS, with a common Dutch rendering).
# A questionnaire normally names its system in its own `statements`.
DEFAULT_STATEMENTS: dict[str, list[dict[str, str]]] = {
    "umux_lite": [
        {
            "nl": "De mogelijkheden van dit systeem voldoen aan mijn behoeften.",
            "en": "This system's capabilities meet my requirements.",
        },
        {"nl": "Dit systeem is gemakkelijk te gebruiken.", "en": "This system is easy to use."},
    ],
    "sus": [
        {
            "nl": "Ik denk dat ik dit systeem graag regelmatig zou gebruiken.",
            "en": "I think that I would like to use this system frequently.",
        },
        {
            "nl": "Ik vond het systeem onnodig complex.",
            "en": "I found the system unnecessarily complex.",
        },
        {
            "nl": "Ik vond het systeem makkelijk te gebruiken.",
            "en": "I thought the system was easy to use.",
        },
        {
            "nl": "Ik denk dat ik ondersteuning nodig heb van een technisch persoon om dit systeem te kunnen gebruiken.",
            "en": "I think that I would need the support of a technical person to be able to use this system.",
        },
        {
            "nl": "Ik vond dat de verschillende functies in dit systeem goed geïntegreerd zijn.",
            "en": "I found the various functions in this system were well integrated.",
        },
        {
            "nl": "Ik vond dat er te veel inconsistentie in dit systeem zit.",
            "en": "I thought there was too much inconsistency in this system.",
        },
        {
            "nl": "Ik kan me voorstellen dat de meeste mensen zeer snel leren om dit systeem te gebruiken.",
            "en": "I would imagine that most people would learn to use this system very quickly.",
        },
        {
            "nl": "Ik vond het systeem erg omslachtig in het gebruik.",
            "en": "I found the system very cumbersome to use.",
        },
        {
            "nl": "Ik voelde me erg zeker tijdens het gebruik van het systeem.",
            "en": "I felt very confident using the system.",
        },
        {
            "nl": "Ik moest veel leren voordat ik aan de slag kon met dit systeem.",
            "en": "I needed to learn a lot of things before I could get going with this system.",
        },
    ],
}

NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def _number_as_text(v):
    # A label typed as a bare number in YAML or a spreadsheet is still a label.
    if isinstance(v, int | float) and not isinstance(v, bool):
        return str(int(v)) if float(v).is_integer() else str(v)
    return v


LangText = dict[str, Annotated[str, BeforeValidator(_number_as_text)]]


# --- models -------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Choice(_Model):
    code: str
    label: LangText
    # Other columns of the choices sheet (for a choice_filter such as ``region = ${region}``).
    extra: dict[str, Annotated[str, BeforeValidator(_number_as_text)]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _name_alias(cls, data):
        # XLSForm calls the code `name`; accept both, and numbers as codes.
        if isinstance(data, dict):
            data = dict(data)
            if "code" not in data and "name" in data:
                data["code"] = data.pop("name")
            if isinstance(data.get("code"), int | float) and not isinstance(data.get("code"), bool):
                c = data["code"]
                data["code"] = str(int(c)) if float(c).is_integer() else str(c)
        return data

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not CODE_RE.match(v):
            raise ValueError(
                f"choice code {v!r} may only hold letters, digits, '_', '-' and '.' (no spaces)"
            )
        return v


class Item(_Model):
    id: str
    type: str
    label: LangText = Field(default_factory=dict)  # required except on calculate items
    hint: LangText = Field(default_factory=dict)
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: LangText = Field(default_factory=dict)
    dimension: str | None = None
    role: str = "other"
    choices: str | None = None
    na: bool = False
    scale: str | None = None
    max_length: int | None = None
    statements: list[LangText] | None = None
    required_message: LangText = Field(default_factory=dict)
    appearance: str | None = None
    default: str | None = None
    read_only: bool = False
    calculation: str | None = None
    choice_filter: str | None = None
    or_other: bool = False
    # The text item that XLSForm's `or_other` adds after its select (``<id>_other``).
    other_of: str | None = None
    # The nested group (an item of type group) this item is part of.
    group: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data):
        if isinstance(data, dict):
            data = dict(data)
            t = data.get("type")
            # XLSForm shorthand: "select_one listname".
            if isinstance(t, str) and t.split()[:1] in (["select_one"], ["select_multiple"]):
                parts = t.split()
                if len(parts) == 2 and not data.get("choices"):
                    data["type"], data["choices"] = parts
            for key in (
                "relevant",
                "constraint",
                "dimension",
                "choices",
                "scale",
                "appearance",
                "default",
                "calculation",
                "choice_filter",
                "group",
            ):
                if isinstance(data.get(key), str) and not data[key].strip():
                    data[key] = None
            if data.get("type") == "scale5" and not data.get("scale"):
                data["scale"] = "satisfaction"
        return data

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(
                f"id {v!r} must start with a letter and hold only letters, digits and '_'"
            )
        return v

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        if v not in ITEM_TYPES:
            raise ValueError(f"unknown item type {v!r}; known types: {', '.join(ITEM_TYPES)}")
        return v

    @field_validator("role")
    @classmethod
    def _role(cls, v: str) -> str:
        if v not in ROLES:
            raise ValueError(f"unknown role {v!r}; known roles: {', '.join(ROLES)}")
        return v

    # -- derived -------------------------------------------------------------------------

    @property
    def composite(self) -> bool:
        return self.type in COMPOSITE_SIZE

    def answer_keys(self) -> list[str]:
        """The keys this item fills in an answers dict (one, or one per statement)."""
        if self.type in NO_ANSWER_TYPES:
            return []
        if self.composite:
            return [f"{self.id}_{i}" for i in range(1, COMPOSITE_SIZE[self.type] + 1)]
        return [self.id]

    def statement_texts(self) -> list[LangText]:
        if not self.composite:
            return []
        return self.statements or DEFAULT_STATEMENTS[self.type]

    def scale_name(self) -> str | None:
        return {
            "scale5": self.scale,
            "rating10": "rating10",
            "ces": "agreement7",
            "umux_lite": "agreement7",
            "sus": "agreement",
        }.get(self.type)

    def scale_points(self) -> list[tuple[int, LangText | None]]:
        """(value, label) for every point of a numeric item's scale, low to high."""
        name = self.scale_name()
        return list(SCALES.get(name or "", []))

    @property
    def scale_range(self) -> tuple[int, int] | None:
        pts = self.scale_points()
        return (pts[0][0], pts[-1][0]) if pts else None

    @property
    def text_max_length(self) -> int:
        return self.max_length or DEFAULT_TEXT_MAX_LENGTH


class Section(_Model):
    id: str
    title: LangText
    intro: LangText = Field(default_factory=dict)
    relevant: str | None = None
    ask_only_in: list[str] | None = None
    items: list[Item] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(
                f"id {v!r} must start with a letter and hold only letters, digits and '_'"
            )
        return v

    @field_validator("ask_only_in")
    @classmethod
    def _modes(cls, v):
        for m in v or []:
            if m not in MODES:
                raise ValueError(f"unknown mode {m!r} in ask_only_in; use {', '.join(MODES)}")
        return v or None

    @property
    def profile(self) -> bool:
        """True for a section only asked in some modes (the profile questions)."""
        return bool(self.ask_only_in)

    def asked_in(self, mode: str) -> bool:
        return not self.ask_only_in or mode in self.ask_only_in


class Column(BaseModel):
    """One column of the flat answer table (analysis, Excel codebook)."""

    name: str
    item_id: str
    section_id: str
    type: str
    kind: str
    scale_min: float | None = None
    scale_max: float | None = None
    reverse: bool = False
    na: bool = False
    dimension: str | None = None
    role: str = "other"
    label: LangText
    choice_code: str | None = None
    choices: list[tuple[str, LangText]] = Field(default_factory=list)


class Questionnaire(_Model):
    id: str
    version: str
    title: LangText
    intro: LangText = Field(default_factory=dict)
    closing: LangText = Field(default_factory=dict)
    languages: list[str] = Field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    # XLSForm metadata columns (name -> start, end or today): filled from the response's
    # started_at / completed_at, never asked.
    metadata: dict[str, str] = Field(default_factory=dict)
    choices: dict[str, list[Choice]] = Field(default_factory=dict)
    sections: list[Section]

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v):
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v

    # -- persistence -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able definition (defaults left out) for files and the database."""
        return self.model_dump(mode="json", exclude_defaults=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<definition>") -> Questionnaire:
        """Validate a stored definition; raises :class:`QuestionnaireError`."""
        return build_questionnaire(data, source=source)

    def canonical_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @cached_property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON definition: the version a response answered."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    # -- navigation ------------------------------------------------------------------------

    def iter_items(self) -> Iterator[tuple[Section, Item]]:
        for section in self.sections:
            for item in section.items:
                yield section, item

    def items(self) -> list[Item]:
        return [item for _, item in self.iter_items()]

    def item(self, item_id: str) -> Item:
        for it in self.items():
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def sections_for_mode(self, mode: str) -> list[Section]:
        """The sections asked in `mode` (invited, open, paper)."""
        return [s for s in self.sections if s.asked_in(mode)]

    def choice_options(
        self, item: Item, answers: dict[str, Any] | None = None
    ) -> list[tuple[str, LangText]]:
        """(code, label) of a choice item (select_one, select_multiple, yesno, acknowledge).

        With `answers`, a choice_filter keeps only the options it allows given those answers."""
        if item.type == "yesno":
            return list(YESNO)
        if item.type == "acknowledge":
            return [(ACKNOWLEDGED, dict(ACKNOWLEDGE_LABEL))]
        out: list[tuple[str, LangText]] = []
        if item.choices and item.choices in self.choices:
            opts = self.choices[item.choices]
            if item.choice_filter and answers is not None:
                f = expr.parse(item.choice_filter, choice_fields=True)
                opts = [c for c in opts if f.evaluate(answers, choice={"name": c.code, **c.extra})]
            out = [(c.code, c.label) for c in opts]
        if item.or_other:
            out.append((OTHER_CODE, {lg: OTHER_LABEL.get(lg, "Other") for lg in self.languages}))
        return out

    def group_items(self) -> dict[str, Item]:
        """Nested groups (headings within a page) by id."""
        return {it.id: it for it in self.items() if it.type == "group"}

    def answer_keys(self) -> list[str]:
        return [k for it in self.items() for k in it.answer_keys()]

    def columns(self) -> list[Column]:
        """The flat answer columns, in questionnaire order (XLSForm metadata first)."""
        cols: list[Column] = [
            Column(
                name=name,
                item_id=name,
                section_id="",
                type=kind,
                kind="metadata",
                label=dict(METADATA_LABELS[kind]),
            )
            for name, kind in self.metadata.items()
        ]
        for section, it in self.iter_items():
            base = {
                "item_id": it.id,
                "section_id": section.id,
                "type": it.type,
                "dimension": it.dimension,
                "role": it.role,
                "na": it.na,
            }
            if it.type in ("scale5", "rating10", "ces"):
                lo, hi = it.scale_range  # type: ignore[misc]
                cols.append(
                    Column(
                        name=it.id,
                        kind="rating" if it.type == "rating10" else "scale",
                        scale_min=lo,
                        scale_max=hi,
                        label=dict(it.label),
                        choices=_value_labels(it),
                        **base,
                    )
                )
            elif it.composite:
                lo, hi = it.scale_range  # type: ignore[misc]
                for i, (key, stmt) in enumerate(
                    zip(it.answer_keys(), it.statement_texts(), strict=True), start=1
                ):
                    cols.append(
                        Column(
                            name=key,
                            kind="scale",
                            scale_min=lo,
                            scale_max=hi,
                            reverse=it.type == "sus" and i % 2 == 0,
                            label=dict(stmt),
                            choices=_value_labels(it),
                            **base,
                        )
                    )
            elif it.type == "select_multiple":
                for code, clabel in self.choice_options(it):
                    cols.append(
                        Column(
                            name=f"{it.id}/{code}",
                            kind="multi",
                            label={
                                lang: f"{it.label.get(lang, '')}: {clabel.get(lang, '')}"
                                for lang in self.languages
                            },
                            choice_code=code,
                            choices=list(MULTI_VALUES),
                            **base,
                        )
                    )
            elif it.type in NO_ANSWER_TYPES:
                continue
            else:
                kind = {
                    "select_one": "choice",
                    "yesno": "yesno",
                    "text": "text",
                    "acknowledge": "choice",
                    "integer": "number",
                    "decimal": "number",
                    "date": "date",
                    "calculate": "calculated",
                }[it.type]
                cols.append(
                    Column(
                        name=it.id,
                        kind=kind,
                        label=dict(it.label),
                        choices=self.choice_options(it),
                        **base,
                    )
                )
        return cols


def _value_labels(item: Item) -> list[tuple[str, LangText]]:
    return [(str(v), dict(lbl)) for v, lbl in item.scale_points() if lbl is not None]


# --- validation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    text: str
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    field: str | None = None


Path = tuple  # of str | int: ("sections", 0, "items", 2, "relevant")
Locator = Callable[[Path], Location]


@dataclass(frozen=True)
class QuestionnaireIssue:
    """One problem in a questionnaire definition, with where it is."""

    file: str
    location: str
    field: str
    message: str
    line: int | None = None
    sheet: str | None = None
    row: int | None = None
    path: Path = ()

    def __str__(self) -> str:
        where = f"{self.file}, {self.location}" if self.location else self.file
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{field}: {self.message}"


class QuestionnaireError(ValueError):
    """An invalid questionnaire; `.errors` lists every problem found."""

    def __init__(self, errors: list[QuestionnaireIssue], file: str = ""):
        self.errors = list(errors)
        self.file = file
        n = len(self.errors)
        head = f"{file or 'questionnaire'}: {n} error{'s' if n != 1 else ''}"
        super().__init__(head + "\n" + "\n".join(f"  - {e}" for e in self.errors))


def path_text(path: Path) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def default_locator(path: Path) -> Location:
    # Name a problem by the item/section id when the path reaches one.
    return Location(text=path_text(path))


class _Collector:
    def __init__(self, source: str, locate: Locator):
        self.source = source
        self.locate = locate
        self.issues: list[QuestionnaireIssue] = []

    def add(self, path: Path, message: str, field: str | None = None):
        loc = self.locate(tuple(path))
        if field is None:
            field = next((p for p in reversed(path) if isinstance(p, str)), "")
        self.issues.append(
            QuestionnaireIssue(
                file=self.source,
                location=loc.text,
                field=loc.field or field,
                message=message,
                line=loc.line,
                sheet=loc.sheet,
                row=loc.row,
                path=tuple(path),
            )
        )

    def pydantic(self, prefix: Path, exc: ValidationError):
        for err in exc.errors():
            loc = tuple(prefix) + tuple(err["loc"])
            msg = err["msg"]
            if msg.startswith("Value error, "):
                msg = msg[len("Value error, ") :]
            if err["type"] == "missing":
                msg = f"'{err['loc'][-1]}' is required"
            elif err["type"] == "extra_forbidden":
                msg = f"unknown field '{err['loc'][-1]}'"
            self.add(loc, msg, field=str(err["loc"][-1]) if err["loc"] else None)


def build_questionnaire(
    raw: Any, source: str = "<definition>", locate: Locator | None = None
) -> Questionnaire:
    """Validate a raw definition (as read from YAML/XLSForm/JSON) into a Questionnaire.

    Every problem is collected and raised together as :class:`QuestionnaireError`.
    """
    c = _Collector(source, locate or default_locator)
    if not isinstance(raw, dict):
        c.add((), "the file must hold a mapping with id, version, title and sections", field="")
        raise QuestionnaireError(c.issues, source)

    # Metadata, choice lists and sections are validated piece by piece, so that one bad
    # item does not hide the problems of the others.
    meta_fields = ("id", "version", "title", "intro", "closing", "languages", "metadata")
    meta = {k: raw[k] for k in meta_fields if k in raw}
    for key in raw:
        if key not in (*meta_fields, "choices", "sections"):
            c.add((key,), f"unknown field '{key}'")
    try:
        head = Questionnaire.model_validate({**meta, "sections": []})
    except ValidationError as exc:
        c.pydantic((), exc)
        head = None
    languages = head.languages if head else list(DEFAULT_LANGUAGES)
    if head is not None:
        if not languages:
            c.add(("languages",), "declare at least one language")
        if len(set(languages)) != len(languages):
            c.add(("languages",), "a language is listed twice")

    choices = _parse_choices(c, raw)

    raw_sections, sections, section_paths, item_paths = _parse_sections(c, raw, languages)

    _check_semantics(c, languages, head, choices, sections, section_paths, item_paths, raw_sections)
    if c.issues:
        issues = c.issues
        if all(e.line is not None or e.row is not None for e in issues):
            # In file order; XLSForm sheets in their usual order.
            sheets = {"survey": 0, "choices": 1, "settings": 2}
            issues = sorted(
                issues, key=lambda e: (sheets.get(e.sheet or "", 3), e.line or e.row or 0)
            )
        raise QuestionnaireError(issues, source)
    assert head is not None
    return Questionnaire.model_validate(
        {
            **head.model_dump(exclude={"sections", "choices"}),
            "choices": choices,
            "sections": sections,
        }
    )


def _parse_choices(c: _Collector, raw: dict) -> dict[str, list[Choice]]:
    """The choice lists, option by option (a bad option is reported, the others kept)."""
    choices: dict[str, list[Choice]] = {}
    raw_choices = raw.get("choices") or {}
    if not isinstance(raw_choices, dict):
        c.add(("choices",), "choices must map a list name to its options")
        raw_choices = {}
    for list_name, options in raw_choices.items():
        if not isinstance(options, list) or not options:
            c.add(("choices", list_name), f"choice list '{list_name}' has no options")
            continue
        parsed: list[Choice] = []
        seen: set[str] = set()
        for k, opt in enumerate(options):
            try:
                ch = Choice.model_validate(opt)
            except ValidationError as exc:
                c.pydantic(("choices", list_name, k), exc)
                continue
            if ch.code in seen:
                c.add(
                    ("choices", list_name, k, "code"),
                    f"duplicate code '{ch.code}' in list '{list_name}'",
                )
            seen.add(ch.code)
            parsed.append(ch)
        choices[str(list_name)] = parsed
    return choices


def _parse_sections(c: _Collector, raw: dict, languages: list[str]):
    """(raw sections, sections, their paths, their items' paths), item by item, so that one
    bad item does not hide the problems of the others; an or_other select gets its text
    question."""
    raw_sections = raw.get("sections")
    sections: list[Section] = []
    section_paths: list[Path] = []
    item_paths: list[list[Path]] = []
    if not isinstance(raw_sections, list) or not raw_sections:
        c.add(("sections",), "the questionnaire needs at least one section with items")
        raw_sections = []
    for i, rs in enumerate(raw_sections):
        if not isinstance(rs, dict):
            c.add(("sections", i), "a section must be a mapping with id, title and items")
            continue
        raw_items = rs.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            c.add(("sections", i, "items"), "a section needs at least one item")
            raw_items = []
        try:
            sec = Section.model_validate({**rs, "items": []})
        except ValidationError as exc:
            c.pydantic(("sections", i), exc)
            sec = None
        items: list[Item] = []
        paths: list[Path] = []
        for j, ri in enumerate(raw_items):
            try:
                it = Item.model_validate(ri)
            except ValidationError as exc:
                c.pydantic(("sections", i, "items", j), exc)
                _check_broken_item(c, ("sections", i, "items", j), ri, exc, languages)
                continue
            items.append(it)
            paths.append(("sections", i, "items", j))
            if it.or_other and it.type in ("select_one", "select_multiple"):
                # XLSForm's or_other: an 'other' option and, after the select, a text
                # question asked when it is chosen (as pyxform builds it), unless written out.
                nxt = raw_items[j + 1] if j + 1 < len(raw_items) else None
                if not (isinstance(nxt, dict) and nxt.get("other_of") == it.id):
                    items.append(other_item(it, languages))
                    paths.append(("sections", i, "items", j))
        if sec is not None:
            sec = sec.model_copy(update={"items": items})
            sections.append(sec)
            section_paths.append(("sections", i))
            item_paths.append(paths)
    return raw_sections, sections, section_paths, item_paths


def other_item(item: Item, languages: list[str]) -> Item:
    """The text question XLSForm's `or_other` adds after a select: ``<id>_other``."""
    return Item(
        id=f"{item.id}_other",
        type="text",
        label={lg: OTHER_TEXT_LABEL.get(lg, OTHER_TEXT_LABEL["en"]) for lg in languages},
        relevant=f"selected(${{{item.id}}}, '{OTHER_CODE}')",
        other_of=item.id,
        group=item.group,
        role=item.role if item.role in ("profile", "other", "open") else "other",
        dimension=item.dimension,
    )


def _check_texts(c: _Collector, path: Path, text: LangText, languages: list[str], required: bool):
    if not text:
        if required:
            c.add(path, "missing text; give it in every language: " + ", ".join(languages))
        return
    for lang in languages:
        if not str(text.get(lang, "") or "").strip():
            c.add(path, f"missing {LANGUAGE_NAMES.get(lang, lang)} ({lang}) translation")
    for lang in text:
        if lang not in languages:
            c.add(path, f"language '{lang}' is not declared in languages ({', '.join(languages)})")


def _raw_items(raw_section: dict) -> list:
    """A raw section's items when they are a list (anything else is reported elsewhere)."""
    items = raw_section.get("items")
    return items if isinstance(items, list) else []


def _check_head(c, head, languages, choices) -> None:
    """The questionnaire's own texts and metadata, and every choice's label."""
    if head is not None:
        _check_texts(c, ("title",), head.title, languages, True)
        _check_texts(c, ("intro",), head.intro, languages, False)
        _check_texts(c, ("closing",), head.closing, languages, False)
        for name, kind in head.metadata.items():
            if kind not in METADATA_TYPES:
                c.add(
                    ("metadata", name),
                    f"metadata '{kind}' is not recorded; use {', '.join(METADATA_TYPES)}",
                )
            if not NAME_RE.match(name):
                c.add(("metadata", name), f"metadata name {name!r} is not a valid name")
    for list_name, opts in choices.items():
        for k, ch in enumerate(opts):
            _check_texts(c, ("choices", list_name, k, "label"), ch.label, languages, True)


def _raw_positions(raw_sections) -> dict[str, tuple[int, int]]:
    """(section, item) of every answer key in the raw file, so that a reference to an earlier
    item that failed to parse (already reported) is not reported again as unknown or later."""
    raw_pos: dict[str, tuple[int, int]] = {}
    for i, rs in enumerate(raw_sections):
        if isinstance(rs, dict):
            for j, ri in enumerate(_raw_items(rs)):
                if isinstance(ri, dict) and isinstance(ri.get("id"), str):
                    t = ri.get("type")
                    n = COMPOSITE_SIZE.get(t) if isinstance(t, str) else None
                    for key in [f"{ri['id']}_{k}" for k in range(1, n + 1)] if n else [ri["id"]]:
                        raw_pos.setdefault(key, (i, j))
    return raw_pos


def _check_duplicate_ids(c, raw_sections) -> None:
    """Duplicate ids, on the raw file so that items that failed to parse still count. Like
    XLSForm, sections, items and the answers of a block share one name space."""
    seen_names: dict[str, str] = {}
    for i, rs in enumerate(raw_sections):
        if not isinstance(rs, dict):
            continue
        if isinstance(rs.get("id"), str):
            _claim(c, seen_names, rs["id"], ("sections", i, "id"), f"section '{rs['id']}'")
        for j, ri in enumerate(_raw_items(rs)):
            if isinstance(ri, dict) and isinstance(ri.get("id"), str):
                t = ri.get("type")
                n = COMPOSITE_SIZE.get(t) if isinstance(t, str) else None
                names = (
                    [ri["id"], *(f"{ri['id']}_{k}" for k in range(1, n + 1))] if n else [ri["id"]]
                )
                for name in names:
                    _claim(
                        c, seen_names, name, ("sections", i, "items", j, "id"), f"item '{ri['id']}'"
                    )


def _check_semantics(
    c, languages, head, choices, sections, section_paths, item_paths, raw_sections
):
    _check_head(c, head, languages, choices)

    raw_pos = _raw_positions(raw_sections)
    _check_duplicate_ids(c, raw_sections)

    defined: dict[str, Item] = {}  # answer key -> item, in order
    composite_ids: dict[str, Item] = {}
    if head is not None:
        for name in head.metadata:
            defined[name] = Item(id=name, type="calculate", label={})
    for sec, spath, ipaths in zip(sections, section_paths, item_paths, strict=True):
        groups_here: set[str] = set()
        _check_texts(c, (*spath, "title"), sec.title, languages, True)
        _check_texts(c, (*spath, "intro"), sec.intro, languages, False)
        if sec.relevant:
            _check_condition(
                c,
                (*spath, "relevant"),
                sec.relevant,
                defined,
                composite_ids,
                raw_pos,
                (spath[1], -1),
                choices,
                None,
            )
        for it, ipath in zip(sec.items, ipaths, strict=True):
            _check_item(c, ipath, it, languages, choices)
            if it.group and it.group not in groups_here:
                c.add(
                    (*ipath, "group"),
                    f"group '{it.group}' is not an earlier group of section '{sec.id}'",
                )
            if it.type == "group":
                groups_here.add(it.id)
            for key in ("calculation", "choice_filter"):
                text = getattr(it, key)
                if text:
                    _check_condition(
                        c,
                        (*ipath, key),
                        text,
                        defined,
                        composite_ids,
                        raw_pos,
                        (ipath[1], ipath[3]),
                        choices,
                        None,
                        choice_fields=key == "choice_filter",
                    )
            if it.relevant:
                _check_condition(
                    c,
                    (*ipath, "relevant"),
                    it.relevant,
                    defined,
                    composite_ids,
                    raw_pos,
                    (ipath[1], ipath[3]),
                    choices,
                    None,
                )
            for k in it.answer_keys():
                defined.setdefault(k, it)
            if it.composite:
                composite_ids[it.id] = it
            if it.constraint:
                _check_condition(
                    c,
                    (*ipath, "constraint"),
                    it.constraint,
                    defined,
                    composite_ids,
                    raw_pos,
                    (ipath[1], ipath[3]),
                    choices,
                    it,
                )


def _check_broken_item(c: _Collector, path: Path, ri: Any, exc: ValidationError, languages):
    """What can still be checked on an item that failed to parse: texts and syntax."""
    if not isinstance(ri, dict):
        return
    failed = {err["loc"][0] for err in exc.errors() if err["loc"]}
    for key, required in (("label", True), ("hint", False), ("constraint_message", False)):
        value = ri.get(key)
        if key not in failed and isinstance(value, dict):
            _check_texts(c, (*path, key), value, languages, required)
    for key in ("relevant", "constraint"):
        value = ri.get(key)
        if key not in failed and isinstance(value, str) and value.strip():
            try:
                expr.parse(value)
            except expr.ExpressionError as err:
                c.add((*path, key), f"syntax error in {key} {value!r}: {err}")


def _claim(c: _Collector, seen: dict[str, str], name: str, path: Path, owner: str):
    if name in seen:
        c.add(path, f"duplicate id '{name}' (already used by {seen[name]})")
    else:
        seen[name] = owner


def _check_item(c: _Collector, path: Path, it: Item, languages: list[str], choices):
    _check_texts(c, (*path, "label"), it.label, languages, it.type != "calculate")
    _check_texts(c, (*path, "required_message"), it.required_message, languages, False)
    takes_answer = it.type not in (*NO_ANSWER_TYPES, "calculate")
    if not takes_answer:
        for key in ("required", "constraint", "default", "read_only"):
            if getattr(it, key):
                c.add((*path, key), f"a {it.type} item takes no answer; remove '{key}'")
    if it.type == "calculate" and not it.calculation:
        c.add((*path, "calculation"), "a calculate item needs a calculation")
    elif it.calculation and it.type != "calculate":
        c.add(
            (*path, "calculation"),
            "calculation is only used on calculate items; give a starting value in 'default'",
        )
    if it.choice_filter and it.type not in ("select_one", "select_multiple"):
        c.add((*path, "choice_filter"), "choice_filter applies to select_one and select_multiple")
    if it.or_other and it.type not in ("select_one", "select_multiple"):
        c.add((*path, "or_other"), "or_other applies to select_one and select_multiple")
    if it.default is not None and takes_answer:
        problem = _default_problem(it, choices)
        if problem:
            c.add((*path, "default"), problem)
    _check_texts(c, (*path, "hint"), it.hint, languages, False)
    _check_texts(c, (*path, "constraint_message"), it.constraint_message, languages, False)
    if it.constraint_message and not it.constraint:
        c.add((*path, "constraint_message"), "constraint_message without a constraint")
    if it.type in ("select_one", "select_multiple"):
        if not it.choices:
            c.add(
                (*path, "choices"), f"a {it.type} item needs 'choices': the name of a choice list"
            )
        elif it.choices not in choices:
            known = ", ".join(choices) or "none defined"
            c.add((*path, "choices"), f"choice list '{it.choices}' does not exist (lists: {known})")
    elif it.choices:
        c.add((*path, "choices"), f"a {it.type} item takes no choice list")
    if it.na and it.type not in NA_TYPES:
        c.add(
            (*path, "na"),
            f"invalid scale: 'na' (not applicable) is only allowed on {', '.join(NA_TYPES)}",
        )
    if it.type == "scale5":
        if it.scale not in SCALE5_VARIANTS:
            c.add(
                (*path, "scale"),
                f"invalid scale '{it.scale}'; use one of {', '.join(SCALE5_VARIANTS)}",
            )
    elif it.scale:
        c.add(
            (*path, "scale"), f"invalid scale: a {it.type} item has a fixed scale; remove 'scale'"
        )
    if it.max_length is not None:
        if it.type != "text":
            c.add((*path, "max_length"), "max_length applies to text items only")
        elif not 1 <= it.max_length <= 100_000:
            c.add((*path, "max_length"), "max_length must be between 1 and 100000")
    if it.statements is not None:
        if not it.composite:
            c.add((*path, "statements"), "statements apply to umux_lite and sus items only")
        else:
            want = COMPOSITE_SIZE[it.type]
            if len(it.statements) != want:
                c.add(
                    (*path, "statements"),
                    f"invalid scale: {it.type} has exactly {want} statements, found {len(it.statements)}",
                )
            for k, st in enumerate(it.statements):
                _check_texts(c, (*path, "statements", k), st, languages, True)
                for lang, text in st.items():
                    if "\n" in text:
                        c.add(
                            (*path, "statements", k), f"statement ({lang}) spans more than one line"
                        )


def _check_condition(
    c,
    path,
    text,
    defined,
    composite_ids,
    raw_pos,
    position,
    choices,
    current_item,
    choice_fields=False,
):
    field = path[-1]
    try:
        e = expr.parse(text, choice_fields=choice_fields)
    except expr.ExpressionError as exc:
        c.add(path, f"syntax error in {field} {text!r}: {exc}")
        return
    if current_item is None and e.uses_current():
        c.add(path, f"'.' (the current answer) can only be used in a constraint: {text!r}")
    if (
        current_item is not None
        and current_item.type == "text"
        and e.compares_current_with_number()
    ):
        # An integer item turned into text keeps a constraint like `. >= 18`: on text that
        # compares letters, not numbers, and would pass or fail the wrong answers.
        c.add(
            path,
            f"the constraint {text!r} compares the answer with a number, but "
            f"'{current_item.id}' is a text item; make it integer or decimal, or write a "
            "text constraint (string-length(.), regex(., '...'))",
        )
    for name, pos in e.references():
        where = f"${{{name}}} at character {pos + 1} of {text!r}"
        if name in defined:
            continue
        if current_item is not None and name in current_item.answer_keys():
            continue
        if name in composite_ids:
            keys = composite_ids[name].answer_keys()
            c.add(
                path,
                f"{where} refers to a block; refer to one of its answers ({keys[0]} .. {keys[-1]})",
            )
        elif name in raw_pos and raw_pos[name] < position:
            continue  # an earlier item that failed to parse; reported there
        elif name in raw_pos:
            c.add(
                path,
                f"{where} refers to an item that comes later (or to itself); conditions may only use earlier answers",
            )
        else:
            c.add(path, f"{where} refers to an unknown item")
    # selected(${q}, 'code'): the code must exist in q's list.
    for name, code in _selected_literals(e.tree):
        it = defined.get(name)
        if it is None and current_item is not None and name in current_item.answer_keys():
            it = current_item
        if it is None:
            continue
        codes = (
            [ch.code for ch in choices.get(it.choices or "", [])]
            + ([OTHER_CODE] if it.or_other else [])
            if it.type.startswith("select")
            else []
        )
        if it.type == "yesno":
            codes = ["ja", "nee"]
        if codes and code not in codes:
            c.add(path, f"'{code}' is not an option of {name} (options: {', '.join(codes)})")


def _selected_literals(node) -> list[tuple[str, str]]:
    out = []
    if isinstance(node, expr.Call):
        if (
            node.name == "selected"
            and isinstance(node.args[0], expr.Ref)
            and isinstance(node.args[1], expr.Literal)
        ):
            out.append((node.args[0].name, str(node.args[1].value)))
        for a in node.args:
            out += _selected_literals(a)
    elif isinstance(node, expr.BinOp):
        out += _selected_literals(node.left) + _selected_literals(node.right)
    elif isinstance(node, expr.Negate):
        out += _selected_literals(node.operand)
    return out


def _default_problem(it: Item, choices) -> str | None:
    """Why an item's default cannot be its answer, or None."""
    v = it.default or ""
    if it.type == "integer" and not re.fullmatch(r"-?\d+", v.strip()):
        return f"default {v!r} is not a whole number"
    if it.type == "decimal":
        try:
            float(v)
        except ValueError:
            return f"default {v!r} is not a number"
    if it.type == "date" and not _is_iso_date(v):
        return f"default {v!r} is not a date (YYYY-MM-DD)"
    if it.type in ("select_one", "select_multiple") and it.choices in choices:
        codes = {ch.code for ch in choices[it.choices]} | ({OTHER_CODE} if it.or_other else set())
        given = v.split() if it.type == "select_multiple" else [v.strip()]
        bad = [g for g in given if g not in codes]
        if bad:
            return f"default {' '.join(bad)!r} is not an option of list '{it.choices}'"
    return None


def _is_iso_date(v: str) -> bool:
    import datetime as _dt

    try:
        _dt.date.fromisoformat(v.strip())
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v.strip()))
