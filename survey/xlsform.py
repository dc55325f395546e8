"""XLSForm in and out, as the standard (https://xlsform.org) and pyxform define it.

Reading uses pyxform, the converter ODK and KoboToolbox run: its reader turns the workbook
(.xlsx, .xls, .csv or .md) into rows, and its ``workbook_to_json`` resolves type aliases,
nests the groups, groups the translated columns and checks the form the way ODK does. Only the
mapping of its result to our schema lives here, so a form reads the same here as there. Before
pyxform sees the rows, headers are made canonical (case, ``label:English``, language names to
codes) and rows for features a web survey of this tool cannot offer are refused with their row.

Writing produces a form pyxform converts as it is: our scales are ``select_one`` lists
(``scale_<name>``, with appearance ``likert`` where it fits), a UMUX-Lite or SUS block is a
field-list group of statements, and our own attributes sit in columns the standard leaves to
the form's author: ``role``, ``dimension``, ``scale`` (the scale of a scale item, or the
block), ``na`` (a "niet van toepassing" option), ``max_length`` and ``ask_only_in``; the
settings sheet adds ``languages`` and the translated ``title::``, ``intro::``, ``closing::``.
Reading such a file gives back the same questionnaire (the same hash).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from survey.schema import (
    DEFAULT_STATEMENTS,
    LANGUAGE_NAMES,
    METADATA_TYPES,
    NA_CODE,
    NA_LABEL,
    SCALE5_VARIANTS,
    SCALES,
    YESNO,
    Item,
    Location,
    Questionnaire,
    QuestionnaireError,
    QuestionnaireIssue,
    build_questionnaire,
    other_item,
    path_text,
)

# Language names (English and own) -> code, for headers such as label::Dutch.
LANGUAGE_CODES = {
    "dutch": "nl",
    "nederlands": "nl",
    "vlaams": "nl",
    "flemish": "nl",
    "english": "en",
    "engels": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "frans": "fr",
    "german": "de",
    "deutsch": "de",
    "duits": "de",
}
TRANSLATABLE = (
    "label",
    "hint",
    "guidance_hint",
    "constraint_message",
    "required_message",
    "image",
    "audio",
    "video",
    "big-image",
    "media::image",
    "media::audio",
    "media::video",
    "title",
    "intro",
    "closing",
    "statements",
)
# Spelling variants of headers (pyxform knows more; these must be known before it runs).
HEADER_ALIASES = {
    "list name": "list_name",
    "constraint message": "constraint_message",
    "required message": "required_message",
    "choice filter": "choice_filter",
    "read only": "read_only",
    "max length": "max_length",
    "ask only in": "ask_only_in",
}
SUPPORTED_TYPES = (
    "integer",
    "decimal",
    "date",
    "text",
    "note",
    "acknowledge",
    "calculate",
    "select_one",
    "select_multiple",
)
GROUP_TYPES = ("begin group", "end group")
LEGACY_TYPES = ("scale5", "rating10", "ces", "yesno", "umux_lite", "sus")
_GPS = "a web survey of this tool cannot record a GPS location; ask for the place as text or a select_one list of places"
_MEDIA = "respondents cannot upload a photo, sound, video or file here; ask for a description as text, or collect files another way"
_EXTERNAL = (
    "choices from an external file are not supported; copy the choices into the choices sheet"
)
# Feature name and what to do instead, by type (the first word of the type column).
UNSUPPORTED = {
    "begin repeat": (
        "repeat",
        "a question is asked once here; ask a fixed number of times with separate questions instead of a repeat",
    ),
    "end repeat": (
        "repeat",
        "a question is asked once here; ask a fixed number of times with separate questions instead of a repeat",
    ),
    "geopoint": ("geopoint", _GPS),
    "geotrace": ("geotrace", _GPS),
    "geoshape": ("geoshape", _GPS),
    "start-geopoint": ("start-geopoint", _GPS),
    "image": ("image", _MEDIA),
    "audio": ("audio", _MEDIA),
    "video": ("video", _MEDIA),
    "file": ("file", _MEDIA),
    "background-audio": ("background-audio", _MEDIA),
    "barcode": ("barcode", "barcode scanning needs the ODK Collect app; ask for the code as text"),
    "select_one_external": ("external select", _EXTERNAL),
    "select_multiple_external": ("external select", _EXTERNAL),
    "select_one_from_file": ("select_one_from_file", _EXTERNAL),
    "select_multiple_from_file": ("select_multiple_from_file", _EXTERNAL),
    "csv-external": ("csv-external", _EXTERNAL),
    "xml-external": ("xml-external", _EXTERNAL),
    "include": (
        "include",
        "one form cannot include another here; copy the rows of the other form into this one",
    ),
    "range": ("range", "use an integer or decimal question with a constraint"),
    "rank": ("rank", "use one select_one question per place in the ranking"),
    "time": ("time", "use a text question or a select_one list of times"),
    "datetime": ("dateTime", "use a date question (and a text question for the time)"),
    "hidden": ("hidden", "use a calculate row"),
    "trigger": ("trigger", "use acknowledge"),
    "deviceid": (
        "deviceid",
        "a web survey has no device id; remove the row (start, end and today are recorded)",
    ),
    "phonenumber": (
        "phonenumber",
        "a web survey has no phone number; remove the row (start, end and today are recorded)",
    ),
    "simserial": (
        "simserial",
        "a web survey has no SIM card; remove the row (start, end and today are recorded)",
    ),
    "subscriberid": (
        "subscriberid",
        "a web survey has no subscriber id; remove the row (start, end and today are recorded)",
    ),
    "username": (
        "username",
        "respondents do not log in; remove the row (start, end and today are recorded)",
    ),
    "email": (
        "email",
        "respondents do not log in; ask for an e-mail address as text if you need one",
    ),
    "audit": ("audit", "a web survey does not keep an audit log; remove the row"),
    "start-geopoint ": ("start-geopoint", _GPS),
}
EXPRESSION_COLUMNS = (
    "relevant",
    "constraint",
    "calculation",
    "choice_filter",
    "default",
    "required",
)
# Our columns on the survey sheet (columns the standard leaves to the form's author).
OWN_COLUMNS = ("role", "dimension", "scale", "na", "max_length", "ask_only_in")
_TRUE = {"yes", "true", "1", "ja", "true()"}
_FALSE = {"no", "false", "0", "nee", "false()", ""}
_CODE_IN_PARENS = re.compile(r"^(.*?)\s*\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)?)\)\s*$")
# Appearance our writer gives a scale; reading it back does not add it to the item.
_SCALE_APPEARANCE = "likert"
_BLOCK_APPEARANCE = "field-list"


def language_header(lang: str) -> str:
    """XLSForm language suffix: 'Nederlands (nl)'."""
    return f"{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def language_code(text: str) -> str | None:
    """'Dutch (nl)', 'Dutch', 'Nederlands', 'nl' -> 'nl'; None for a name without a code."""
    text = text.strip()
    m = _CODE_IN_PARENS.match(text)
    if m:
        return m.group(2).lower()
    if text.lower() in LANGUAGE_CODES:
        return LANGUAGE_CODES[text.lower()]
    if text.lower() in LANGUAGE_NAMES:
        return text.lower()
    return None


def scale_list(name: str, na: bool) -> str:
    return f"scale_{name}" + ("_nvt" if na else "")


# --- reading ------------------------------------------------------------------------------


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.source = str(path)
        self.issues: list[QuestionnaireIssue] = []
        self.rows_by_name: dict[str, list[tuple[str, int]]] = {}
        self.locations: dict[tuple, tuple[str, int]] = {}

    def issue(self, sheet: str | None, row: int | None, field: str, message: str):
        where = (
            f"sheet {sheet}, row {row}" if sheet and row else (f"sheet {sheet}" if sheet else "")
        )
        self.issues.append(
            QuestionnaireIssue(
                file=self.source,
                location=where,
                field=field,
                message=message,
                sheet=sheet,
                row=row,
            )
        )

    # -- headers -------------------------------------------------------------------------

    def canonical_header(self, sheet: str, header: str) -> str | None:
        h = re.sub(r"\s+", " ", header.strip())
        base, lang = h, None
        if "::" in h:
            base, lang = (
                h.rsplit("::", 1)
                if h.lower().startswith("media::") and h.count("::") > 1
                else h.split("::", 1)
            )
        else:
            m = re.match(r"^([A-Za-z_ -]+):(?!:)(.+)$", h)
            if m and m.group(1).strip().lower() in TRANSLATABLE:
                base, lang = m.group(1), m.group(2)
        base = base.strip().lower()
        base = HEADER_ALIASES.get(base, base)
        if lang is None:
            return base
        code = language_code(lang)
        if code is None:
            self.issue(
                sheet,
                1,
                header,
                f"column '{header}': language '{lang.strip()}' has no language code; write it "
                f"as {base}::{lang.strip()} (xx) with its two-letter code, e.g. {base}::Dutch (nl)",
            )
            return None
        self.languages_seen.setdefault(code, None)
        return f"{base}::{language_header(code)}"

    def canonical_sheet(self, sheet: str, rows, header) -> tuple[list[dict], list[dict]]:
        mapping: dict[str, str | None] = {}
        seen: dict[str, str] = {}
        for h in [k for d in header or [] for k in d] or [k for r in rows or [] for k in r]:
            if h in mapping:
                continue
            new = self.canonical_header(sheet, h)
            mapping[h] = new
            if new is not None and new in seen:
                self.issue(sheet, 1, h, f"columns '{seen[new]}' and '{h}' are the same column")
                mapping[h] = None
            elif new is not None:
                seen[new] = h
        out = [{mapping[k]: v for k, v in r.items() if mapping.get(k)} for r in rows or []]
        return out, [{v: None for v in mapping.values() if v}]

    # -- the whole form ------------------------------------------------------------------

    def add_scale_lists(self, choice_rows: list[dict], languages) -> None:
        """The choice lists of rows in this tool's older dialect (type scale5, ...), for
        pyxform only."""
        present = {r.get("list_name") for r in choice_rows}
        for scale, na in sorted(self.needs_lists):
            name = scale_list(scale, na)
            if name in present:
                continue
            for code, label in _points(scale, na, languages):
                choice_rows.append(
                    {
                        "list_name": name,
                        "name": code,
                        **{f"label::{language_header(lg)}": t for lg, t in label.items()},
                    }
                )

    def stand_in_lists(self, survey_rows: list[dict], choice_rows: list[dict]) -> bool:
        """Whether stand-in lists were added: a select naming a list that does not exist is
        reported by our validation (with the other problems); pyxform gets a stand-in list
        so that it reads the rest."""
        lists = {r.get("list_name") for r in choice_rows}
        self.stand_ins = set()
        for r in survey_rows:
            parts = str(r.get("type") or "").split()
            if (
                len(parts) == 2
                and parts[0] in ("select_one", "select_multiple")
                and parts[1] not in lists
            ):
                self.stand_ins.add(parts[1])
                lists.add(parts[1])
                choice_rows.append({"list_name": parts[1], "name": "x", "label": "x"})
        return bool(self.stand_ins)

    def pyxform_form(self, data, survey_rows, survey_head, choice_rows, choice_head, settings):
        """pyxform's reading of the sheets, or None. pyxform stops at its first problem: note
        it, set the row aside and read again, so that every problem is listed at once."""
        from pyxform.errors import PyXFormError
        from pyxform.xls2json import workbook_to_json
        from pyxform.xls2json_backends import DefinitionData

        form = None
        default_code = self.default_code
        header_problem = any(e.row == 1 for e in self.issues)
        for _attempt in range(25):
            if header_problem:
                break
            definition = DefinitionData(
                survey=survey_rows,
                survey_header=survey_head,
                choices=choice_rows or None,
                choices_header=choice_head if choice_rows else None,
                settings=[settings] if settings else None,
                settings_header=[{k: None for k in settings}] if settings else None,
                sheet_names=data.sheet_names,
                fallback_form_name=self.path.stem,
            )
            try:
                form = workbook_to_json(
                    definition,
                    form_name=_form_name(self.path.stem),
                    fallback_form_name=_form_name(self.path.stem),
                    default_language=language_header(default_code),
                    warnings=[],
                )
                break
            except PyXFormError as exc:
                row = self.pyxform_issue(str(exc))
                rows = choice_rows if self.issues[-1].sheet == "choices" else survey_rows
                if row is None or not 2 <= row < len(rows) + 2:
                    break
                bad = rows[row - 2]
                if str(bad.get("type") or "").startswith(("begin", "end")):
                    break  # without it the groups no longer match: stop here
                rows[row - 2] = {}
        return form

    def read(self) -> Questionnaire:
        from pyxform.errors import PyXFormError
        from pyxform.xls2json_backends import get_xlsform

        try:
            data = get_xlsform(str(self.path))
        except (PyXFormError, OSError, ValueError, KeyError) as exc:
            self.fail(f"not a readable .xlsx workbook: {exc}")
        names = [n.lower() for n in data.sheet_names or []]
        if "survey" not in names:
            self.fail(
                f"no sheet 'survey' (sheets: {', '.join(data.sheet_names or [])})", field="survey"
            )
        self.languages_seen: dict[str, None] = {}
        settings_rows, settings_head = self.canonical_sheet(
            "settings", data.settings, data.settings_header
        )
        survey_rows, survey_head = self.canonical_sheet("survey", data.survey, data.survey_header)
        choice_rows, choice_head = self.canonical_sheet(
            "choices", data.choices, data.choices_header
        )
        settings = dict(settings_rows[0]) if settings_rows else {}
        languages, default_code = self.languages(settings, survey_rows)
        self.default_code = default_code

        survey_rows = self.prescan(survey_rows)
        survey_head = [
            {k: None for d in survey_head for k in d} | {k: None for r in survey_rows for k in r}
        ]
        self.add_scale_lists(choice_rows, languages)
        choice_head = [
            {k: None for d in choice_head for k in d} | {k: None for r in choice_rows for k in r}
        ]
        for k, r in enumerate(choice_rows, start=2):
            ln, nm = r.get("list_name"), r.get("name")
            if ln and nm is not None:
                self.locations.setdefault(("choice", ln, str(nm)), ("choices", k))
            if ln:
                self.locations.setdefault(("list", ln), ("choices", k))
        if data.external_choices:
            self.issue(
                "external_choices",
                None,
                "external_choices",
                "the sheet external_choices is not supported: " + _EXTERNAL,
            )
        # Our own settings columns are not pyxform's: read them here, keep them from it.
        own_settings = {
            k: settings.pop(k)
            for k in list(settings)
            if k == "languages"
            or k.split("::")[0] in ("title", "questionnaire_title", "intro", "closing")
        }
        default_language = settings.get("default_language")
        if default_language:
            settings["default_language"] = language_header(default_code)
        if self.stand_in_lists(survey_rows, choice_rows):
            choice_head = [choice_head[0] | {"label": None}]
        form = self.pyxform_form(data, survey_rows, survey_head, choice_rows, choice_head, settings)
        if form is None:
            raise QuestionnaireError(self.issues, self.source)
        raw = self.to_raw(form, settings, own_settings, languages)
        try:
            q = build_questionnaire(raw, source=self.source, locate=self.locator(raw))
        except QuestionnaireError as exc:
            raise QuestionnaireError(
                _in_sheet_order(self.issues + exc.errors), self.source
            ) from None
        if self.issues:
            raise QuestionnaireError(_in_sheet_order(self.issues), self.source)
        return q

    def where(self, name: str | None) -> tuple[str, int | None]:
        """The row of the next element named `name` (pyxform keeps the order of the rows)."""
        rows = self.rows_by_name.get(name or "")
        if not rows:
            return ("survey", None)
        return rows.pop(0) if len(rows) > 1 else rows[0]

    def fail(self, message: str, field: str = ""):
        self.issue(None, None, field, message)
        raise QuestionnaireError(self.issues, self.source)

    def pyxform_issue(self, message: str):
        m = re.search(r"\[row : (\d+)\]", message)
        sheet = "choices" if "'choices' sheet" in message else "survey"
        row = int(m.group(1)) if m else None
        text = re.sub(r"^\[row : \d+\]\s*", "", message).strip()
        self.issue(sheet if row else None, row, "", f"{text} (pyxform)")
        return row

    def languages(self, settings: dict, survey_rows: list[dict]) -> tuple[list[str], str]:
        declared = settings.get("languages")
        if declared:
            codes = []
            for part in re.split(r"[,\s]+", declared):
                code = language_code(part) if part else None
                if part and code is None:
                    self.issue(
                        "settings",
                        2,
                        "languages",
                        f"language '{part}' has no code; use e.g. nl, en",
                    )
                elif code and code not in codes:
                    codes.append(code)
            if codes:
                dl = settings.get("default_language")
                return codes, (language_code(dl) if dl else None) or codes[0]
        seen = list(self.languages_seen)
        dl = settings.get("default_language")
        default = language_code(dl) if dl else None
        if dl and default is None:
            self.issue(
                "settings",
                2,
                "default_language",
                f"default_language '{dl}' has no language code; write it as {dl} (xx), e.g. Dutch (nl)",
            )
        plain = any(k in ("label", "hint") for r in survey_rows for k in r)
        if default is None:
            default = "nl" if (plain and "nl" not in seen) or not seen else seen[0]
        langs = [default, *(c for c in seen if c != default)]
        if not plain and default not in seen and seen:
            langs = [default, *seen] if dl else seen
            default = langs[0]
        return langs, default

    # -- rows before pyxform -------------------------------------------------------------

    def prescan(self, rows: list[dict]) -> list[dict]:
        """Refuse unsupported features, turn our older types into the standard, note rows."""
        out: list[dict] = []
        self.or_other: set[str] = set()
        for n, row in enumerate(rows, start=2):
            row = dict(row)
            rtype = re.sub(r"\s+", " ", str(row.get("type") or "").strip())
            first = rtype.split(" ")[0].lower() if rtype else ""
            low = (
                rtype.lower().replace("_", " ")
                if first
                in ("begin", "end", "begin_group", "end_group", "begin_repeat", "end_repeat")
                else rtype.lower()
            )
            name = row.get("name")
            if name:
                self.rows_by_name.setdefault(name, []).append(("survey", n))
            for col in EXPRESSION_COLUMNS:
                if "pulldata(" in str(row.get(col) or ""):
                    self.issue(
                        "survey",
                        n,
                        col,
                        "pulldata() is not supported: it reads a CSV file attached to the form; put the values in a choice list or in the questionnaire instead",
                    )
                    row.pop(col)
            if not rtype:
                out.append(row)
                continue
            key = low if low in UNSUPPORTED else first
            if key in UNSUPPORTED:
                feature, instead = UNSUPPORTED[key]
                self.issue("survey", n, "type", f"'{feature}' is not supported: {instead}")
                out.append({})  # keep the row numbers pyxform reports
                continue
            if low in GROUP_TYPES or low in ("begin repeat", "end repeat"):
                row["type"] = low
                out.append(row)
                continue
            if first in METADATA_TYPES:
                row["type"] = first
                out.append(row)
                continue
            if first in LEGACY_TYPES:
                out.extend(self.legacy(row, first))
                continue
            if first.startswith("select") and first not in ("select_one", "select_multiple"):
                alias = {"select one": "select_one", "select all that apply": "select_multiple"}
                first = alias.get(first, first)
            parts = rtype.split()
            if first in ("select_one", "select_multiple"):
                if len(parts) >= 3 and parts[-1].lower() == "or_other":
                    parts = parts[:-1]
                    if name:
                        self.or_other.add(name)
                row["type"] = " ".join([first, *parts[1:]])
                out.append(row)
                continue
            if first not in SUPPORTED_TYPES:
                known = ", ".join([*SUPPORTED_TYPES, "begin group", "end group", *METADATA_TYPES])
                self.issue(
                    "survey", n, "type", f"unknown item type '{rtype}'; known types: {known}"
                )
                out.append({})
                continue
            row["type"] = first
            out.append(row)
        return out

    def legacy(self, row: dict, kind: str) -> list[dict]:
        """A row in this tool's older dialect (type scale5, rating10, ...) as the standard."""
        na = str(row.get("na") or "").strip().lower() in _TRUE
        if kind in ("umux_lite", "sus"):
            texts = {k: v for k, v in row.items() if k.startswith("statements::")}
            lines = {k: v.split("\n") for k, v in texts.items()}
            count = 2 if kind == "umux_lite" else 10
            head = {k: v for k, v in row.items() if not k.startswith("statements::")}
            head.update(type="begin group", scale=kind)
            children = []
            for i in range(1, count + 1):
                child = {
                    "type": f"select_one {scale_list('agreement7' if kind == 'umux_lite' else 'agreement', False)}",
                    "name": f"{row.get('name')}_{i}",
                }
                for k, v in lines.items():
                    if i <= len(v):
                        child["label::" + k.split("::", 1)[1]] = v[i - 1]
                if not lines:
                    for lg, t in DEFAULT_STATEMENTS[kind][i - 1].items():
                        child[f"label::{language_header(lg)}"] = t
                children.append(child)
            self.needs_lists.add((("agreement7" if kind == "umux_lite" else "agreement"), False))
            return [head, *children, {"type": "end group"}]
        scale = {
            "scale5": row.get("scale") or "satisfaction",
            "rating10": "rating10",
            "ces": "ces",
            "yesno": "yesno",
        }[kind]
        list_name = _list_for(scale, na)
        self.needs_lists.add((_scale_of(scale), na))
        return [{**row, "type": f"select_one {list_name}", "scale": scale}]

    # -- pyxform's JSON to our definition ------------------------------------------------

    def texts(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if isinstance(value, str):
            return {self.default_code: value}
        out = {}
        for lang, text in value.items():
            code = self.default_code if lang == "default" else language_code(lang) or lang
            if text is not None and str(text).strip():
                out[code] = str(text)
        return out

    def to_raw(self, form: dict, settings: dict, own: dict, languages: list[str]) -> dict:
        raw: dict[str, Any] = {
            "id": str(form.get("id_string") or self.path.stem),
            "version": str(form.get("version") or settings.get("version") or "1"),
            "languages": languages,
        }
        title = self.raw_texts(raw, form, settings, own, languages)
        metadata: dict[str, str] = {}
        choices = form.get("choices") or {}
        generated = {
            scale_list(s, na)
            for s in (*SCALE5_VARIANTS, "agreement", "agreement7", "rating10", "yesno")
            for na in (False, True)
        }
        used_by_others: set[str] = set()
        sections: list[dict] = []
        run: dict | None = None

        def new_run():
            k = sum(1 for s in sections if s.get("_run")) + 1
            sec = {"id": f"page{k}", "title": dict(title), "items": [], "_run": True}
            sections.append(sec)
            return sec

        for child in form.get("children", []):
            ctype = child.get("type")
            name = child.get("name")
            if name == "meta" and (child.get("control") or {}).get("bodyless"):
                continue
            if ctype in METADATA_TYPES:
                metadata[name] = ctype
                continue
            if ctype == "group" and str(child.get("scale") or "") not in ("umux_lite", "sus"):
                run = None
                sec = {"id": name, "title": self.texts(child.get("label")), "items": []}
                intro = self.texts(child.get("hint"))
                if intro:
                    sec["intro"] = intro
                rel = (child.get("bind") or {}).get("relevant")
                if rel:
                    sec["relevant"] = rel
                ask = child.get("ask_only_in")
                if ask:
                    sec["ask_only_in"] = [m for m in re.split(r"[,\s]+", str(ask)) if m]
                self.locations[("sections", len(sections))] = self.where(name)
                sections.append(sec)
                self.add_children(
                    sec,
                    child.get("children", []),
                    None,
                    metadata,
                    used_by_others,
                    len(sections) - 1,
                )
                continue
            if run is None:
                run = new_run()
                self.locations[("sections", len(sections) - 1)] = (
                    self.rows_by_name.get(name) or [("survey", None)]
                )[0]
            self.add_children(run, [child], None, metadata, used_by_others, len(sections) - 1)
        for sec in sections:
            sec.pop("_run", None)
        if metadata:
            raw["metadata"] = metadata
        raw_choices = self.raw_choices(choices, generated, used_by_others)
        if raw_choices:
            raw["choices"] = raw_choices
        raw["sections"] = sections
        return raw

    def raw_texts(self, raw: dict, form: dict, settings: dict, own: dict, languages) -> dict:
        """The title (returned), intro and closing per language into ``raw``, from the
        settings sheet's own columns (the form's title where a language has none)."""
        title = {
            lg: str(v)
            for k, v in own.items()
            if k.startswith(("title::", "questionnaire_title::"))
            for lg in [language_code(k.split("::", 1)[1])]
            if lg
        }
        form_title = settings.get("form_title") or form.get("title") or raw["id"]
        for lg in languages:
            title.setdefault(lg, str(form_title))
        raw["title"] = title
        for key in ("intro", "closing"):
            t = {
                language_code(k.split("::", 1)[1]): str(v)
                for k, v in own.items()
                if k.startswith(key + "::")
            }
            if t:
                raw[key] = t
        for key in ("id", "version", "title", "languages", "intro", "closing"):
            self.locations[(key,)] = ("settings", 2)
        return title

    def raw_choices(self, choices: dict, generated: set[str], used_by_others: set[str]) -> dict:
        """The choice lists in the raw definition: not the stand-ins, and not the lists
        generated for the scales unless a select of its own uses one."""
        raw_choices: dict[str, list] = {}
        for list_name, opts in choices.items():
            if list_name in self.stand_ins or (
                list_name in generated and list_name not in used_by_others
            ):
                continue
            entries = []
            for opt in opts:
                entry: dict[str, Any] = {
                    "code": opt.get("name"),
                    "label": self.texts(opt.get("label")),
                }
                extra = {
                    k: str(v)
                    for k, v in opt.items()
                    if k not in ("name", "label", "media")
                    and not isinstance(v, dict)
                    and v is not None
                }
                if extra:
                    entry["extra"] = extra
                self.locations[("choices", list_name, len(entries))] = self.locations.get(
                    ("choice", list_name, str(opt.get("name"))), ("choices", None)
                )
                entries.append(entry)
            self.locations[("choices", list_name)] = self.locations.get(
                ("list", list_name), ("choices", None)
            )
            raw_choices[list_name] = entries
        return raw_choices

    def add_children(self, sec, children, group, metadata, used, si):
        for child in children:
            ctype = child.get("type")
            name = child.get("name")
            if ctype in METADATA_TYPES:
                metadata[name] = ctype
                continue
            where = self.where(name)
            path = ("sections", si, "items", len(sec["items"]))
            if ctype == "group" and str(child.get("scale") or "") in ("umux_lite", "sus"):
                item = self.block(child)
            elif ctype == "group":
                item = {"id": name, "type": "group", "label": self.texts(child.get("label"))}
                hint = self.texts(child.get("hint"))
                if hint:
                    item["hint"] = hint
                rel = (child.get("bind") or {}).get("relevant")
                if rel:
                    item["relevant"] = rel
                app = (child.get("control") or {}).get("appearance")
                if app and app != _BLOCK_APPEARANCE:
                    item["appearance"] = app
                if group:
                    item["group"] = group
                self.locations[path] = where
                sec["items"].append(item)
                self.add_children(sec, child.get("children", []), name, metadata, used, si)
                continue
            else:
                item = self.question(child, used)
            if group:
                item["group"] = group
            self.locations[path] = where
            sec["items"].append(item)

    def question(self, child: dict, used: set[str]) -> dict[str, Any]:
        ctype = {"select one": "select_one", "select all that apply": "select_multiple"}.get(
            child.get("type"), child.get("type")
        )
        name = child.get("name")
        bind = child.get("bind") or {}
        item: dict[str, Any] = {"id": name, "type": ctype}
        label = self.texts(child.get("label"))
        if label or ctype != "calculate":
            item["label"] = label
        for key, src in (
            ("hint", child.get("hint")),
            ("constraint_message", bind.get("jr:constraintMsg")),
            ("required_message", bind.get("jr:requiredMsg")),
        ):
            t = self.texts(src)
            if t:
                item[key] = t
        for key, src in (
            ("relevant", bind.get("relevant")),
            ("constraint", bind.get("constraint")),
            ("calculation", bind.get("calculate")),
            ("choice_filter", child.get("choice_filter")),
            ("default", child.get("default")),
            ("appearance", (child.get("control") or {}).get("appearance")),
        ):
            if src not in (None, ""):
                item[key] = str(src)
        for key, src in (
            ("required", bind.get("required")),
            ("read_only", bind.get("readonly")),
            ("na", child.get("na")),
        ):
            if src not in (None, ""):
                sv = str(src).strip().lower()
                item[key] = True if sv in _TRUE else False if sv in _FALSE else src
        for key in ("role", "dimension"):
            if child.get(key):
                item[key] = str(child[key])
        if child.get("max_length") is not None:
            ml = str(child["max_length"])
            item["max_length"] = int(ml) if ml.isdigit() else ml
        if ctype in ("select_one", "select_multiple"):
            list_name = child.get("list_name") or child.get("itemset")
            scale = str(child.get("scale") or "")
            if scale and ctype == "select_one":
                typ = "scale5" if scale in SCALE5_VARIANTS else scale
                item["type"] = typ
                if typ == "scale5":
                    item["scale"] = scale
                if item.get("appearance") == _SCALE_APPEARANCE:
                    item.pop("appearance")
                if typ in ("yesno",):
                    item.pop("na", None)
            else:
                item["choices"] = list_name
                used.add(list_name)
                if scale:
                    item["scale"] = scale  # reported by validation
            if name in self.or_other:
                item["or_other"] = True
        elif child.get("scale"):
            item["scale"] = str(child["scale"])
        return item

    def block(self, child: dict) -> dict[str, Any]:
        """A field-list group with scale umux_lite or sus: one item, a statement per row."""
        kind = str(child.get("scale"))
        bind = child.get("bind") or {}
        item: dict[str, Any] = {
            "id": child.get("name"),
            "type": kind,
            "label": self.texts(child.get("label")),
        }
        hint = self.texts(child.get("hint"))
        if hint:
            item["hint"] = hint
        if bind.get("relevant"):
            item["relevant"] = bind["relevant"]
        kids = [c for c in child.get("children", []) if c.get("type") != "group"]
        req = [
            str((c.get("bind") or {}).get("required") or "").strip().lower() in _TRUE for c in kids
        ]
        if kids and all(req):
            item["required"] = True
        for key in ("role", "dimension"):
            if child.get(key):
                item[key] = str(child[key])
        statements = [self.texts(c.get("label")) for c in kids]
        if statements != DEFAULT_STATEMENTS[kind]:
            item["statements"] = statements
        for k, c in enumerate(kids, start=1):
            expect = f"{item['id']}_{k}"
            if c.get("name") != expect:
                row = self.where(c.get("name"))
                self.issue(
                    row[0],
                    row[1],
                    "name",
                    f"statement {k} of block '{item['id']}' must be named '{expect}'",
                )
        return item

    def locator(self, raw: dict):
        columns = {"id": "name", "code": "name", "choices": "type", "intro": "hint"}

        def locate(p: tuple) -> Location:
            last = next((x for x in reversed(p) if isinstance(x, str)), "")
            field = columns.get(last) if p and p[0] in ("sections", "choices") else None
            for k in range(len(p), 0, -1):
                if p[:k] in self.locations:
                    sheet, row = self.locations[p[:k]]
                    what = _describe(raw, p)
                    text = f"sheet {sheet}, row {row}" if row else f"sheet {sheet}"
                    return Location(
                        text=text + (f" ({what})" if what else ""),
                        sheet=sheet,
                        row=row,
                        field=field,
                    )
            sheet = (
                "settings"
                if p
                and p[0] in ("id", "version", "title", "intro", "closing", "languages", "metadata")
                else "survey"
            )
            return Location(text=f"sheet {sheet} ({path_text(p)})", sheet=sheet, row=None)

        return locate


def _in_sheet_order(issues: list[QuestionnaireIssue]) -> list[QuestionnaireIssue]:
    sheets = {"survey": 0, "choices": 1, "settings": 2}
    return sorted(issues, key=lambda e: (sheets.get(e.sheet or "", 3), e.row or 0))


def _describe(raw: Any, path: tuple) -> str:
    try:
        if len(path) >= 4 and path[0] == "sections" and path[2] == "items":
            return f"item '{raw['sections'][path[1]]['items'][path[3]].get('id', '?')}'"
        if len(path) >= 2 and path[0] == "sections":
            return f"section '{raw['sections'][path[1]].get('id', '?')}'"
        if len(path) >= 2 and path[0] == "choices":
            return f"choice list '{path[1]}'"
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return ""


def _form_name(stem: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", stem) or "form"
    return name if name[0].isalpha() else f"form_{name}"


def _scale_of(scale: str) -> str:
    """The scale (SCALES key) a `scale` column value uses."""
    return {"ces": "agreement7", "umux_lite": "agreement7", "sus": "agreement"}.get(scale, scale)


def _list_for(scale: str, na: bool) -> str:
    return scale_list(_scale_of(scale), na and scale != "yesno")


def load_xlsform(path: str | Path) -> Questionnaire:
    """Read and validate an XLSForm (.xlsx, .xlsm, .xls)."""
    path = Path(path)
    try:
        path.read_bytes()
    except OSError as exc:
        raise QuestionnaireError(
            [
                QuestionnaireIssue(
                    file=str(path),
                    location="",
                    field="",
                    message=f"cannot read the file: {exc.strerror or exc}",
                )
            ],
            str(path),
        ) from exc
    reader = _Reader(path)
    reader.needs_lists = set()
    return reader.read()


# --- writing ------------------------------------------------------------------------------


def _points(name: str, na: bool, langs: list[str]) -> list[tuple[str, dict[str, str]]]:
    if name == "yesno":
        return [(code, dict(lbl)) for code, lbl in YESNO]
    out = [(str(v), {lg: (lbl or {}).get(lg) or str(v) for lg in langs}) for v, lbl in SCALES[name]]
    if na:
        out.append((NA_CODE, {lg: NA_LABEL.get(lg, NA_LABEL["en"]) for lg in langs}))
    return out


def workbook_rows(q: Questionnaire) -> tuple[list[list], list[list], list[list]]:
    """The survey, choices and settings sheets of `q` as rows (header first)."""
    rows, lists = _survey_sheet(q)
    return rows, _choices_sheet(q, lists), _settings_sheet(q)


def _tr(langs, base: str) -> list[str]:
    return [f"{base}::{language_header(lg)}" for lg in langs]


def _survey_sheet(q: Questionnaire) -> tuple[list[list], dict[str, tuple[str, bool]]]:
    """The survey sheet's rows, and the choice lists its scales need (name -> scale, n.v.t.)."""
    langs = q.languages

    def tr(base: str) -> list[str]:
        return _tr(langs, base)

    cols = [
        "type",
        "name",
        *tr("label"),
        *tr("hint"),
        "required",
        *tr("required_message"),
        "relevant",
        "constraint",
        *tr("constraint_message"),
        "appearance",
        "default",
        "read_only",
        "calculation",
        "choice_filter",
        *OWN_COLUMNS,
    ]
    rows: list[list] = [cols]
    lists: dict[str, tuple[str, bool]] = {}

    def put(values: dict[str, Any]):
        rows.append([values.get(c) for c in cols])

    def texts(base: str, t: dict[str, str]) -> dict[str, str]:
        return {f"{base}::{language_header(lg)}": t[lg] for lg in t if lg in langs}

    def common(it: Item) -> dict[str, Any]:
        return _common_values(it, texts)

    for name, kind in q.metadata.items():
        put({"type": kind, "name": name})
    for sec in q.sections:
        put(
            {
                "type": "begin group",
                "name": sec.id,
                **texts("label", sec.title),
                **texts("hint", sec.intro),
                "relevant": sec.relevant,
                "appearance": "field-list",
                "ask_only_in": " ".join(sec.ask_only_in) if sec.ask_only_in else None,
            }
        )
        parents = {it.id: it.group for it in sec.items if it.type == "group"}
        stack: list[str] = []
        for it in sec.items:
            chain, g = [], it.group
            while g:
                chain.append(g)
                g = parents.get(g)
            while stack and stack[-1] not in chain:
                put({"type": "end group", "name": stack.pop()})
            if it.other_of:
                continue  # written as the or_other of its select
            values = common(it)
            _put_item(it, values, put, texts, lists, stack)
        while stack:
            put({"type": "end group", "name": stack.pop()})
        put({"type": "end group", "name": sec.id})
    return rows, lists


def _common_values(it: Item, texts) -> dict[str, Any]:
    """The survey sheet's columns that every kind of item fills the same way."""
    return {
        "name": it.id,
        **texts("label", it.label),
        **texts("hint", it.hint),
        "required": "yes" if it.required else None,
        **texts("required_message", it.required_message),
        "relevant": it.relevant,
        "constraint": it.constraint,
        **texts("constraint_message", it.constraint_message),
        "appearance": it.appearance,
        "default": it.default,
        "read_only": "yes" if it.read_only else None,
        "calculation": it.calculation,
        "choice_filter": it.choice_filter,
        "role": it.role if it.role != "other" else None,
        "dimension": it.dimension,
        "na": "yes" if it.na else None,
        "max_length": it.max_length,
    }


def _put_item(it: Item, values, put, texts, lists, stack: list[str]) -> None:
    """An item's row(s) by its type: a group opens, a composite block writes one row per
    statement, a scale or select names its choice list."""
    if it.type == "group":
        put({**values, "type": "begin group", "role": None})
        stack.append(it.id)
    elif it.composite:
        scale = _scale_of(it.type)
        lists[scale_list(scale, False)] = (scale, False)
        put(
            {
                **values,
                "type": "begin group",
                "scale": it.type,
                "appearance": _BLOCK_APPEARANCE,
            }
        )
        for key, stmt in zip(it.answer_keys(), it.statement_texts(), strict=True):
            put(
                {
                    "type": f"select_one {scale_list(scale, False)}",
                    "name": key,
                    **texts("label", stmt),
                    "required": "yes" if it.required else None,
                    "appearance": _SCALE_APPEARANCE,
                }
            )
        put({"type": "end group", "name": it.id})
    elif it.type in ("scale5", "rating10", "ces", "yesno"):
        scale = it.scale if it.type == "scale5" else it.type
        name = _list_for(scale, it.na)
        lists[name] = (_scale_of(scale), it.na and scale != "yesno")
        put(
            {
                **values,
                "type": f"select_one {name}",
                "scale": scale,
                "appearance": it.appearance
                or (_SCALE_APPEARANCE if it.type in ("scale5", "ces") else None),
            }
        )
    elif it.type in ("select_one", "select_multiple"):
        other = " or_other" if it.or_other else ""
        put({**values, "type": f"{it.type} {it.choices}{other}"})
    else:
        put({**values, "type": it.type})


def _choices_sheet(q: Questionnaire, lists: dict[str, tuple[str, bool]]) -> list[list]:
    """The choices sheet: the questionnaire's own lists, then those of the scales."""
    langs = q.languages
    extra_cols: list[str] = []
    for opts in q.choices.values():
        for ch in opts:
            for k in ch.extra:
                if k not in extra_cols:
                    extra_cols.append(k)
    choice_rows: list[list] = [["list_name", "name", *_tr(langs, "label"), *extra_cols]]
    for list_name, opts in q.choices.items():
        for ch in opts:
            choice_rows.append(
                [
                    list_name,
                    ch.code,
                    *(ch.label.get(lg) for lg in langs),
                    *(ch.extra.get(k) for k in extra_cols),
                ]
            )
    for list_name, (scale, na) in lists.items():
        for code, label in _points(scale, na, langs):
            choice_rows.append([list_name, code, *(label.get(lg) for lg in langs)])
    return choice_rows


def _settings_sheet(q: Questionnaire) -> list[list]:
    """The settings sheet: the form's id, version, languages and texts."""
    langs = q.languages
    settings = [
        [
            "form_id",
            "version",
            "form_title",
            "default_language",
            "languages",
            *_tr(langs, "questionnaire_title"),
            *_tr(langs, "intro"),
            *_tr(langs, "closing"),
        ],
        [
            q.id,
            q.version,
            q.title.get(langs[0]),
            language_header(langs[0]),
            " ".join(langs),
            *(q.title.get(lg) for lg in langs),
            *(q.intro.get(lg) for lg in langs),
            *(q.closing.get(lg) for lg in langs),
        ],
    ]
    return settings


def save_xlsform(q: Questionnaire, path: str | Path) -> None:
    """Write `q` as a standard XLSForm workbook (survey, choices, settings)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    survey_rows, choice_rows, settings_rows = workbook_rows(q)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in survey_rows:
        ws.append(r)
    cs = wb.create_sheet("choices")
    for r in choice_rows:
        cs.append(r)
    st = wb.create_sheet("settings")
    for r in settings_rows:
        st.append(r)
    head_font = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet in (ws, cs, st):
        for cell in sheet[1]:
            cell.font = head_font
            cell.fill = head_fill
        sheet.freeze_panes = "A2"
        for col in sheet.columns:
            letter = col[0].column_letter
            width = max(len(str(c.value or "")) for c in col[:50])
            sheet.column_dimensions[letter].width = min(max(10, width + 2), 60)
            for c in col[1:]:
                # Text cells only: a version like "1.0" must not become a number.
                if isinstance(c.value, str):
                    c.data_type = "s"
                    c.alignment = Alignment(wrap_text=True, vertical="top")
    group_fill = PatternFill("solid", fgColor="F2F2F2")
    for row in ws.iter_rows(min_row=2):
        if row[0].value in ("begin group", "end group"):
            for c in row:
                c.fill = group_fill
    wb.save(path)


__all__ = ["language_code", "language_header", "load_xlsform", "other_item", "save_xlsform"]
