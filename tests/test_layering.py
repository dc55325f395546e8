"""The layering, for every package: views -> ktm -> (report, store) -> (analysis, sampling,
survey) -> vocabulary.

A module may import its own package and any package of a lower layer, never one of its own
layer or above. Read from the source (every `import`, also those inside functions, which is
where the lazy imports are), so a forbidden import fails here even before it is run. Why this
and not import-linter: the rule is these twenty lines, with no extra dependency or
configuration file to keep in step, and the failure names the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS = [
    {"views", "app"},
    {"ktm"},
    {"report", "store"},
    {"analysis", "sampling", "survey"},
    {"vocabulary"},
]
LAYER = {package: i for i, layer in enumerate(LAYERS) for package in layer}
# The pure core and the presentation never touch Streamlit or the database.
SHELL_ONLY = {"streamlit", "sqlalchemy", "alembic", "psycopg"}
CORE = {"report", "analysis", "sampling", "survey", "vocabulary"}
# survey.form renders the questionnaire as Streamlit widgets (the form, not the schema).
ALLOWED = {("streamlit", "survey/form.py")}


def _modules():
    yield ROOT / "app.py"
    for package in LAYER:
        if package != "app":
            yield from sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def violations() -> list[str]:
    found = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        own = rel.split("/")[0].removesuffix(".py")
        for line, name in _imports(path):
            top = name.split(".")[0]
            where = f"{rel}:{line} imports {name}"
            if top in LAYER and top != own and LAYER[top] <= LAYER[own]:
                found.append(f"{where} ({own} may import only {_below(own)})")
            elif top in SHELL_ONLY and own in CORE and (top, rel) not in ALLOWED:
                found.append(f"{where} ({own} never imports Streamlit or the database)")
    return found


def _below(package: str) -> str:
    lower = sorted(p for p, i in LAYER.items() if i > LAYER[package])
    return ", ".join(lower) or "nothing of ours"


def test_every_module_imports_only_lower_layers():
    assert violations() == []


def test_the_check_sees_every_package():
    seen = {p.relative_to(ROOT).parts[0].removesuffix(".py") for p in _modules()}
    assert seen == set(LAYER)
    assert sum(1 for _ in _modules()) > 70
