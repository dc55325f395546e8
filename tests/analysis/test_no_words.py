"""analysis/ returns numbers and codes: no Dutch or English sentence or label, and no
organisation name, in its string literals (issue 21). What a person reads lives in report/
(report.labels, report.wording).

Scanned: every string literal of analysis/*.py, f-strings included. Not scanned, because no
person reads them as the tool's output:
- docstrings;
- error messages and warnings (``raise ...``, ``warnings.warn``), and the names the error
  helpers put in them (``_require``, ``_numeric``, ``_check_range``, ``_as_float``, a
  ``what = ...`` subject, ``Design._where``, ``__repr__``): English for the analyst, as the code;
- the words the analysis looks for in the respondents' answers (``DEFAULT_KEYWORDS``, the
  ``NA_CODES`` of a scale): data it matches, not words it writes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ANALYSIS = Path(__file__).resolve().parents[2] / "analysis"

ERROR_HELPERS = frozenset({"warn", "_require", "_numeric", "_check_range", "_as_float"})
QUIET_FUNCTIONS = frozenset({"__repr__", "_where"})
MATCHED_WORDS = frozenset({"DEFAULT_KEYWORDS", "NA_CODES"})

#: Two words of letters with a space between them: a label or a sentence, not a code.
PHRASE = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}")
#: A code: lower case, digits and _ : . - *, no spaces (overall_0_100, dimension:, good).
CODE = re.compile(r"[a-z0-9_:.\-*]*")
#: Single words that are labels in either language, and the organisation's names.
WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    totaal total weggelaten gemiddelde aandeel score scores gewicht gewichten stap verandering
    verbetering daling goed zwak uitstekend aanvaardbaar twijfelachtig onaanvaardbaar
    prioriteit sterkte respons steekproef tevredenheid algemene excellent good poor acceptable
    questionable unacceptable priority strength improvement decline satisfaction overall
    zorg zorgberoepen departement department flemish vlaanderen vlaamse agentschap team
    """,
    )
)

#: Labels still written in analysis/, (file, text), while they wait for their move to report/.
#: The test fails when this list no longer matches, so it only shrinks. Empty: none left.
OPEN: set[tuple[str, str]] = set()


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _exempt(tree: ast.Module) -> set[int]:
    """ids of the literal nodes that are not scanned (module docstring)."""
    skip: set[int] = set()

    def everything_in(node: ast.AST) -> None:
        skip.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skip.add(id(body[0].value))
        quiet = (
            isinstance(node, ast.Raise)
            or (isinstance(node, ast.Call) and _name(node.func) in ERROR_HELPERS)
            or (isinstance(node, ast.FunctionDef) and node.name in QUIET_FUNCTIONS)
        )
        if quiet:
            everything_in(node)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {_name(t) for t in targets}
            if names & MATCHED_WORDS or "what" in names:
                everything_in(node)
    return skip


def words_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of every scanned string literal that reads as words for people."""
    tree = ast.parse(source)
    skip = _exempt(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in skip:
            continue
        text = node.value
        if CODE.fullmatch(text):
            continue
        lowered = {w.lower() for w in re.findall(r"[^\W\d_]+", text)}
        if PHRASE.search(text) or lowered & WORDS:
            found.append((node.lineno, text))
    return sorted(found)


def test_the_scan_finds_a_sentence_a_label_and_an_organisation():
    """The scan itself can fail: each of these is found, each exempt form is not."""
    found = words_in(
        "A = 'de score is gedaald'\n"
        "B = {'x': ('Totaal', 'Total')}\n"
        "C = f'Team {name}'\n"
        "D = 'overall_0_100'\n"
        "def f(x):\n"
        "    '''A docstring with words.'''\n"
        "    raise ValueError(f'the design has no rows: {x}')\n"
    )
    assert [line for line, _text in found] == [1, 2, 2, 3]


@pytest.mark.parametrize("path", sorted(ANALYSIS.glob("*.py")), ids=lambda p: p.name)
def test_no_words_for_people_in_analysis(path):
    found = {(path.name, text) for _line, text in words_in(path.read_text(encoding="utf-8"))}
    new = sorted(found - OPEN)
    assert not new, (
        f"analysis/{path.name} writes words for people: {new}. Return a code (and its "
        "parameters) and put the words in report/labels.py or report/wording.py."
    )
    gone = sorted(t for f, t in OPEN - found if f == path.name)
    assert not gone, f"moved out of analysis/{path.name}: take them off OPEN: {gone}"
