"""Reading and writing questionnaire files: YAML and XLSForm (.xlsx).

Both readers turn the file into the same raw definition and hand it to
:func:`survey.schema.build_questionnaire`, with a locator that names the YAML line or the
XLSForm sheet and row of every problem.

XLSForm layout (https://xlsform.org): sheet ``survey`` with ``begin group`` / ``end group`` rows
for the sections and one row per item; columns ``type``, ``name``, ``label::Nederlands (nl)``,
``label::English (en)``, ``hint::…``, ``required``, ``relevant``, ``constraint``,
``constraint_message::…`` and our own ``dimension``, ``role``, ``na``, ``scale``,
``max_length``, ``statements::…`` (one statement a line, for umux_lite and sus) and
``ask_only_in`` (on a group row). Sheet ``choices``: ``list_name``, ``name``, ``label::…``.
Sheet ``settings``: ``form_id``, ``version``, ``form_title``, ``default_language``,
``languages`` and ``title::…``, ``intro::…``, ``closing::…``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from survey.schema import (
    LANGUAGE_NAMES,
    Location,
    Questionnaire,
    QuestionnaireError,
    QuestionnaireIssue,
    build_questionnaire,
    path_text,
)

YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load and validate a questionnaire from YAML or XLSForm (chosen by extension)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return load_yaml(path)
    if suffix in XLSX_SUFFIXES:
        return load_xlsform(path)
    raise QuestionnaireError(
        [_issue(path, "", f"unknown file type '{suffix}'; use .yaml, .yml or .xlsx")], str(path)
    )


def save_questionnaire(q: Questionnaire, path: str | Path) -> None:
    path = Path(path)
    if path.suffix.lower() in XLSX_SUFFIXES:
        save_xlsform(q, path)
    else:
        save_yaml(q, path)


def _issue(path, location, message, field="", **kw) -> QuestionnaireIssue:
    return QuestionnaireIssue(file=str(path), location=location, field=field, message=message, **kw)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise QuestionnaireError(
            [_issue(path, "", f"cannot read the file: {exc.strerror or exc}")], str(path)
        ) from exc


def _describe(raw: Any, path: tuple) -> str:
    """'item q3' / 'section profiel' / 'choice list beroep' for a path into the raw file."""
    try:
        if len(path) >= 4 and path[0] == "sections" and path[2] == "items":
            item = raw["sections"][path[1]]["items"][path[3]]
            return f"item '{item.get('id', '?')}'"
        if len(path) >= 2 and path[0] == "sections":
            return f"section '{raw['sections'][path[1]].get('id', '?')}'"
        if len(path) >= 2 and path[0] == "choices":
            return f"choice list '{path[1]}'"
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return ""


# --- YAML ---------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys (PyYAML silently keeps the last) and
    reads only true/false as booleans (YAML 1.2), so a label "Yes", "No" or "On" stays text.
    """

    duplicates: list[tuple[int, str]]

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in seen:
                self.duplicates.append((key_node.start_mark.line + 1, str(key)))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _yaml_locator(root: yaml.Node | None, raw: Any) -> Any:
    def locate(path: tuple) -> Location:
        node, line = root, 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                        line, node = k.start_mark.line + 1, v
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if 0 <= part < len(node.value):
                    node = node.value[part]
                    line = node.start_mark.line + 1
                else:
                    break
            else:
                break
        what = _describe(raw, path)
        return Location(text=f"line {line}" + (f" ({what})" if what else ""), line=line)

    return locate


def load_yaml(path: str | Path) -> Questionnaire:
    path = Path(path)
    text = _read_bytes(path).decode("utf-8-sig", errors="replace")
    return loads_yaml(text, source=str(path))


def loads_yaml(text: str, source: str = "<yaml>") -> Questionnaire:
    loader = None
    try:
        loader = _UniqueKeyLoader(text)  # the reader refuses control characters here
        loader.duplicates = []
        root = loader.get_single_node()
        raw = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise QuestionnaireError(
            [
                _issue(
                    source,
                    f"line {line}, column {mark.column + 1}" if mark else "",
                    f"not valid YAML: {problem}",
                    line=line,
                )
            ],
            source,
        ) from exc
    except RecursionError:
        raise QuestionnaireError(
            [_issue(source, "", "not valid YAML: nested too deeply")], source
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    if isinstance(raw, dict) and isinstance(root, yaml.MappingNode):
        # Keep the version as written: an unquoted 1.10 must not become "1.1".
        for k, v in root.value:
            if k.value == "version" and isinstance(v, yaml.ScalarNode) and not v.style:
                raw["version"] = v.value
    pre = [
        _issue(source, f"line {ln}", f"key '{key}' appears twice in the same block", key, line=ln)
        for ln, key in loader.duplicates
    ]
    try:
        q = build_questionnaire(raw, source=source, locate=_yaml_locator(root, raw))
    except QuestionnaireError as exc:
        raise QuestionnaireError(
            sorted(pre + exc.errors, key=lambda e: e.line or 0), source
        ) from None
    if pre:
        raise QuestionnaireError(pre, source)
    return q


def dumps_yaml(q: Questionnaire) -> str:
    header = (
        f"# Questionnaire {q.id}, version {q.version}\n"
        f"# Validate with: ktm questionnaire validate FILE\n"
    )
    return header + yaml.safe_dump(
        q.to_dict(), allow_unicode=True, sort_keys=False, width=100, default_flow_style=False
    )


def save_yaml(q: Questionnaire, path: str | Path) -> None:
    Path(path).write_text(dumps_yaml(q), encoding="utf-8")


# --- XLSForm ------------------------------------------------------------------------------

SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "dimension",
    "role",
    "na",
    "scale",
    "max_length",
    "statements",
    "ask_only_in",
)
TRANSLATED = {"label", "hint", "constraint_message", "statements", "title", "intro", "closing"}
_CODE_IN_PARENS = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z]+)?)\)\s*$")
_NAME_TO_CODE = {name.lower(): code for code, name in LANGUAGE_NAMES.items()}
_TRUE = {"yes", "true", "1", "ja", "true()"}
_FALSE = {"no", "false", "0", "nee", "false()", ""}


def language_header(lang: str) -> str:
    """XLSForm language suffix: 'Nederlands (nl)'."""
    return f"{LANGUAGE_NAMES.get(lang, lang)} ({lang})"


def _lang_code(text: str) -> str:
    m = _CODE_IN_PARENS.search(text)
    if m:
        return m.group(1).lower()
    return _NAME_TO_CODE.get(text.strip().lower(), text.strip())


def _cell(v: Any) -> Any:
    if isinstance(v, str):
        return v if v.strip() else None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _text(v: Any) -> str | None:
    v = _cell(v)
    if v is None:
        return None
    return str(v).strip()


class _Sheet:
    """One worksheet read into header -> column index and data rows (1-based row numbers)."""

    def __init__(self, ws, default_lang: str):
        rows = list(ws.iter_rows(values_only=True))
        self.title = ws.title
        self.header: list[tuple[str, str | None, str]] = []  # (base, lang, original)
        head = rows[0] if rows else ()
        for h in head:
            h = _text(h) or ""
            if "::" in h:
                base, lang = h.split("::", 1)
                self.header.append((base.strip().lower(), _lang_code(lang), h))
            else:
                # An untranslated text column (plain "label") is in the default language.
                base = h.strip().lower()
                self.header.append((base, default_lang if base in TRANSLATED else None, h))
        self.rows = [
            (n, r) for n, r in enumerate(rows[1:], start=2) if any(_cell(v) is not None for v in r)
        ]

    def get(self, row: tuple, base: str) -> Any:
        for idx, (b, lang, _) in enumerate(self.header):
            if b == base and lang is None and idx < len(row):
                return _cell(row[idx])
        return None

    def texts(self, row: tuple, base: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for idx, (b, lang, _) in enumerate(self.header):
            if b == base and lang is not None and idx < len(row):
                v = _cell(row[idx])
                if v is not None:
                    out[lang] = v if isinstance(v, str) else str(v)
        return out

    def languages(self) -> list[str]:
        seen: list[str] = []
        for b, lang, _ in self.header:
            if b == "label" and lang and lang not in seen:
                seen.append(lang)
        return seen


def load_xlsform(path: str | Path) -> Questionnaire:
    import openpyxl

    path = Path(path)
    source = str(path)
    _read_bytes(path)
    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-xlsx file
        raise QuestionnaireError(
            [_issue(path, "", f"not a readable .xlsx workbook: {exc}")], source
        ) from exc
    names = {n.lower(): n for n in wb.sheetnames}
    if "survey" not in names:
        raise QuestionnaireError(
            [_issue(path, "", f"no sheet 'survey' (sheets: {', '.join(wb.sheetnames)})", "survey")],
            source,
        )
    pre: list[QuestionnaireIssue] = []
    locations: dict[tuple, tuple[str, int]] = {}

    def here(sheet: str, row: int) -> str:
        return f"sheet {sheet}, row {row}"

    # Settings first: they declare the languages.
    raw: dict[str, Any] = {}
    settings = _Sheet(wb[names["settings"]], "nl") if "settings" in names else None
    declared: list[str] | None = None
    if settings is not None and settings.rows:
        n, row = settings.rows[0]
        langs = _text(settings.get(row, "languages"))
        if langs:
            declared = [_lang_code(x) for x in re.split(r"[,\s]+", langs) if x]
    survey_probe = _Sheet(wb[names["survey"]], "nl")
    languages = declared or survey_probe.languages() or ["nl", "en"]
    default_lang = languages[0]
    survey = _Sheet(wb[names["survey"]], default_lang)
    choices_sheet = _Sheet(wb[names["choices"]], default_lang) if "choices" in names else None
    if settings is not None:
        settings = _Sheet(wb[names["settings"]], default_lang)

    if settings is not None and settings.rows:
        n, row = settings.rows[0]
        for key, col in (("id", "form_id"), ("version", "version")):
            v = settings.get(row, col)
            if v is not None:
                raw[key] = v if key == "version" else str(v)
                locations[(key,)] = (settings.title, n)
        title = settings.texts(row, "title")
        form_title = _text(settings.get(row, "form_title"))
        if form_title and default_lang not in title:
            title[default_lang] = form_title
        raw["title"] = title
        for key in ("intro", "closing"):
            t = settings.texts(row, key)
            if t:
                raw[key] = t
        for key in ("title", "intro", "closing", "languages"):
            locations[(key,)] = (settings.title, n)
        if declared:
            raw["languages"] = declared
        elif "languages" not in raw:
            raw["languages"] = languages
    else:
        raw["languages"] = languages
        locations[("id",)] = ("settings", 1)
        pre.append(
            _issue(
                path,
                "sheet settings",
                "no settings: add a sheet 'settings' with form_id, version and title",
                "settings",
                sheet="settings",
            )
        )

    known = set(SURVEY_COLUMNS)
    for idx, (base, _lang, original) in enumerate(survey.header):
        used = any(idx < len(r) and _cell(r[idx]) is not None for _, r in survey.rows)
        if base and base not in known and used:
            pre.append(
                _issue(
                    path,
                    here(survey.title, 1),
                    f"column '{original}' is not supported; remove it or leave it empty",
                    original,
                    sheet=survey.title,
                    row=1,
                )
            )

    # Choice lists.
    raw_choices: dict[str, list[dict]] = {}
    if choices_sheet is not None:
        for n, row in choices_sheet.rows:
            list_name = _text(choices_sheet.get(row, "list_name"))
            if not list_name:
                pre.append(
                    _issue(
                        path,
                        here(choices_sheet.title, n),
                        "a choice needs a list_name",
                        "list_name",
                        sheet=choices_sheet.title,
                        row=n,
                    )
                )
                continue
            opts = raw_choices.setdefault(list_name, [])
            locations[("choices", list_name)] = locations.get(
                ("choices", list_name), (choices_sheet.title, n)
            )
            locations[("choices", list_name, len(opts))] = (choices_sheet.title, n)
            entry: dict[str, Any] = {"label": choices_sheet.texts(row, "label")}
            code = choices_sheet.get(row, "name")
            if code is not None:
                entry["code"] = code.strip() if isinstance(code, str) else code
            opts.append(entry)
    if raw_choices:
        raw["choices"] = raw_choices

    # Survey rows: groups are sections.
    sections: list[dict] = []
    current: dict | None = None
    for n, row in survey.rows:
        rtype = (_text(survey.get(row, "type")) or "").lower()
        rtype_norm = re.sub(r"[\s_]+", " ", rtype)
        name = _text(survey.get(row, "name"))
        if rtype_norm == "begin group":
            if current is not None:
                pre.append(
                    _issue(
                        path,
                        here(survey.title, n),
                        "groups inside groups are not supported; close the previous group with 'end group'",
                        "type",
                        sheet=survey.title,
                        row=n,
                    )
                )
            current = {"id": name, "title": survey.texts(row, "label"), "items": []}
            intro = survey.texts(row, "hint")
            if intro:
                current["intro"] = intro
            rel = _text(survey.get(row, "relevant"))
            if rel:
                current["relevant"] = rel
            ask = _text(survey.get(row, "ask_only_in"))
            if ask:
                current["ask_only_in"] = [m for m in re.split(r"[,\s]+", ask) if m]
            locations[("sections", len(sections))] = (survey.title, n)
            sections.append(current)
            continue
        if rtype_norm == "end group":
            if current is None:
                pre.append(
                    _issue(
                        path,
                        here(survey.title, n),
                        "'end group' without a matching 'begin group'",
                        "type",
                        sheet=survey.title,
                        row=n,
                    )
                )
            current = None
            continue
        if current is None:
            pre.append(
                _issue(
                    path,
                    here(survey.title, n),
                    f"item '{name}' is outside a section; put it between 'begin group' and 'end group'",
                    "type",
                    sheet=survey.title,
                    row=n,
                )
            )
            continue
        item: dict[str, Any] = {"id": name, "type": _text(survey.get(row, "type"))}
        item["label"] = survey.texts(row, "label")
        for key in ("hint", "constraint_message"):
            t = survey.texts(row, key)
            if t:
                item[key] = t
        for key in ("relevant", "constraint", "dimension", "role", "scale"):
            v = _text(survey.get(row, key))
            if v:
                item[key] = v
        for key in ("required", "na"):
            v = survey.get(row, key)
            if v is None:
                continue
            sv = str(v).strip().lower() if not isinstance(v, bool) else ("yes" if v else "no")
            if sv in _TRUE:
                item[key] = True
            elif sv in _FALSE:
                item[key] = False
            else:
                item[key] = v  # let validation report it at this row
        ml = survey.get(row, "max_length")
        if ml is not None:
            item["max_length"] = ml
        stmts = survey.texts(row, "statements")
        if stmts:
            per_lang = {lang: [s for s in text.split("\n")] for lang, text in stmts.items()}
            count = max(len(v) for v in per_lang.values())
            item["statements"] = [
                {lang: lines[k] for lang, lines in per_lang.items() if k < len(lines)}
                for k in range(count)
            ]
        locations[("sections", len(sections) - 1, "items", len(current["items"]))] = (
            survey.title,
            n,
        )
        current["items"].append(item)
    if current is not None:
        pre.append(
            _issue(
                path,
                here(survey.title, survey.rows[-1][0] if survey.rows else 1),
                f"group '{current.get('id')}' has no 'end group'",
                "type",
                sheet=survey.title,
                row=survey.rows[-1][0] if survey.rows else 1,
            )
        )
    raw["sections"] = sections

    # Name the XLSForm column where it differs from the field of the definition.
    columns = {"id": "name", "code": "name", "choices": "type", "intro": "hint"}

    def locate(p: tuple) -> Location:
        last = next((x for x in reversed(p) if isinstance(x, str)), "")
        field = columns.get(last) if p and p[0] in ("sections", "choices") else None
        for k in range(len(p), 0, -1):
            if p[:k] in locations:
                sheet, row = locations[p[:k]]
                what = _describe(raw, p)
                return Location(
                    text=here(sheet, row) + (f" ({what})" if what else ""),
                    sheet=sheet,
                    row=row,
                    field=field,
                )
        sheet = (
            "settings"
            if p and p[0] in ("id", "version", "title", "intro", "closing", "languages")
            else "survey"
        )
        return Location(text=f"sheet {sheet} ({path_text(p)})", sheet=sheet, row=None)

    try:
        q = build_questionnaire(raw, source=source, locate=locate)
    except QuestionnaireError as exc:
        raise QuestionnaireError(pre + exc.errors, source) from None
    if pre:
        raise QuestionnaireError(pre, source)
    return q


def save_xlsform(q: Questionnaire, path: str | Path) -> None:
    """Write `q` as an XLSForm workbook (survey, choices, settings)."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    langs = q.languages
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"

    def tr(base: str) -> list[str]:
        return [f"{base}::{language_header(lg)}" for lg in langs]

    survey_cols = [
        "type",
        "name",
        *tr("label"),
        *tr("hint"),
        "required",
        "relevant",
        "constraint",
        *tr("constraint_message"),
        "dimension",
        "role",
        "na",
        "scale",
        "max_length",
        *tr("statements"),
        "ask_only_in",
    ]
    ws.append(survey_cols)

    def row_for(values: dict[str, Any]) -> list[Any]:
        return [values.get(c) for c in survey_cols]

    def texts(base: str, t: dict[str, str]) -> dict[str, str]:
        return {f"{base}::{language_header(lg)}": t[lg] for lg in t if lg in langs}

    for sec in q.sections:
        ws.append(
            row_for(
                {
                    "type": "begin group",
                    "name": sec.id,
                    **texts("label", sec.title),
                    **texts("hint", sec.intro),
                    "relevant": sec.relevant,
                    "ask_only_in": " ".join(sec.ask_only_in) if sec.ask_only_in else None,
                }
            )
        )
        for it in sec.items:
            values: dict[str, Any] = {
                "type": f"{it.type} {it.choices}" if it.type.startswith("select") else it.type,
                "name": it.id,
                **texts("label", it.label),
                **texts("hint", it.hint),
                "required": "yes" if it.required else None,
                "relevant": it.relevant,
                "constraint": it.constraint,
                **texts("constraint_message", it.constraint_message),
                "dimension": it.dimension,
                "role": it.role,
                "na": "yes" if it.na else None,
                "scale": it.scale,
                "max_length": it.max_length,
            }
            if it.statements:
                for lg in langs:
                    values[f"statements::{language_header(lg)}"] = "\n".join(
                        s.get(lg, "") for s in it.statements
                    )
            ws.append(row_for(values))
        ws.append(row_for({"type": "end group", "name": sec.id}))

    cs = wb.create_sheet("choices")
    cs.append(["list_name", "name", *tr("label")])
    for list_name, opts in q.choices.items():
        for ch in opts:
            cs.append([list_name, ch.code, *(ch.label.get(lg) for lg in langs)])

    st = wb.create_sheet("settings")
    st.append(
        [
            "form_id",
            "version",
            "form_title",
            "default_language",
            "languages",
            *tr("title"),
            *tr("intro"),
            *tr("closing"),
        ]
    )
    st.append(
        [
            q.id,
            q.version,
            q.title.get(langs[0]),
            language_header(langs[0]),
            " ".join(langs),
            *(q.title.get(lg) for lg in langs),
            *(q.intro.get(lg) for lg in langs),
            *(q.closing.get(lg) for lg in langs),
        ]
    )

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
