"""Reading and writing questionnaire files: YAML and XLSForm (.xlsx).

Both readers turn the file into the same raw definition and hand it to
:func:`survey.schema.build_questionnaire`, with a locator that names the YAML line or the
XLSForm sheet and row of every problem.

XLSForm is read and written by :mod:`survey.xlsform` (standard XLSForm, read with pyxform).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from survey.schema import (
    Location,
    Questionnaire,
    QuestionnaireError,
    QuestionnaireIssue,
    build_questionnaire,
)
from survey.xlsform import language_header, load_xlsform, save_xlsform

YAML_SUFFIXES = (".yaml", ".yml")
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls")

__all__ = [
    "XLSX_SUFFIXES",
    "YAML_SUFFIXES",
    "dumps_yaml",
    "language_header",
    "load_questionnaire",
    "load_xlsform",
    "load_yaml",
    "loads_yaml",
    "save_questionnaire",
    "save_xlsform",
    "save_yaml",
]


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


# --- XLSForm: survey/xlsform.py ---------------------------------------------------------
