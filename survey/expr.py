"""A small XLSForm-style expression language for skip logic and constraints.

Grammar (lowest to highest precedence)::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := comparison ("and" comparison)*
    comparison := additive (("=" | "!=" | "<" | "<=" | ">" | ">=") additive)?
    additive   := product (("+" | "-") product)*
    product    := unary (("*" | "div" | "mod") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "${" NAME "}" | "." | "(" expr ")"
                | FUNCTION "(" [expr ("," expr)*] ")"

Functions: ``not(x)``, ``selected(${q}, 'code')``, ``count-selected(${q})``,
``string-length(x)``, ``true()``, ``false()``, and for XLSForm calculations and constraints
``if(c, a, b)``, ``concat(...)``, ``regex(x, 'pattern')``, ``today()``, ``now()``,
``number(x)``, ``int(x)``, ``round(x, n)``, ``coalesce(a, b)``, ``string(x)``. ``.`` is the
value being checked (in constraints). In a ``choice_filter`` a bare name is a column of the
choices sheet (``parse(..., choice_fields=True)``). Parsing and evaluation never use :func:`eval`; every failure to parse is an
:class:`ExpressionError` that names the position (0-based character offset).

Semantics follow ODK where it matters for surveys: an unanswered reference is empty, it equals
only the empty string, and every ordering comparison with it is false; a multiple-choice
answer is a list of codes (``selected`` tests membership, ``=`` compares the space-joined codes);
numeric strings compare as numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 2000
MAX_DEPTH = 60

FUNCTIONS: dict[str, tuple[int, int]] = {
    # name: (min args, max args)
    "not": (1, 1),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "if": (3, 3),
    "concat": (1, 50),
    "regex": (2, 2),
    "today": (0, 0),
    "now": (0, 0),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "coalesce": (2, 2),
    "string": (1, 1),
}
# XPath functions that need something a web survey of this tool does not have.
UNSUPPORTED_FUNCTIONS = {
    "pulldata": "pulldata() reads an external CSV file attached to the form; put the values "
    "in a choice list or in the questionnaire instead",
    "instance": "instance() reads an external or secondary data file; use a choice list with "
    "a choice_filter instead",
}
ARITHMETIC = ("+", "-", "*", "div", "mod")
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


class ExpressionError(ValueError):
    """An expression that cannot be parsed; `position` is the 0-based character offset."""

    def __init__(self, message: str, position: int, text: str = ""):
        self.message = message
        self.position = position
        self.text = text
        super().__init__(f"{message} (at character {position + 1})")


# --- tokens -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # num, str, ref, name, op, lparen, rparen, comma, dot, end
    value: Any
    pos: int


_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z][A-Za-z0-9_]*)*")
_REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NUM_RE = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_NUMERIC_STRING_RE = re.compile(r"\s*-?(?:\d+(?:\.\d+)?|\.\d+)\s*")


def tokenize(text: str) -> list[Token]:
    if not isinstance(text, str):
        raise ExpressionError("an expression must be text", 0, str(text))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH, text)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "$":
            m = _REF_RE.match(text, i)
            if not m:
                raise ExpressionError("a reference must look like ${name}", i, text)
            tokens.append(Token("ref", m.group(1), i))
            i = m.end()
            continue
        if c in "'\"":
            end = text.find(c, i + 1)
            if end < 0:
                raise ExpressionError("unterminated string", i, text)
            tokens.append(Token("str", text[i + 1 : end], i))
            i = end + 1
            continue
        m = _NUM_RE.match(text, i)
        if m:
            tokens.append(Token("num", float(m.group(0)), i))
            i = m.end()
            continue
        if c == ".":
            tokens.append(Token("dot", ".", i))
            i += 1
            continue
        if c.isascii() and (c.isalpha() or c == "_"):
            m = _NAME_RE.match(text, i)
            assert m is not None
            tokens.append(Token("name", m.group(0), i))
            i = m.end()
            continue
        two = text[i : i + 2]
        if two in ("!=", "<=", ">="):
            tokens.append(Token("op", two, i))
            i += 2
            continue
        if c in "=<>":
            tokens.append(Token("op", c, i))
            i += 1
            continue
        if c in "-+*":
            tokens.append(Token("op", c, i))
            i += 1
            continue
        if c == "(":
            tokens.append(Token("lparen", c, i))
        elif c == ")":
            tokens.append(Token("rparen", c, i))
        elif c == ",":
            tokens.append(Token("comma", c, i))
        else:
            raise ExpressionError(f"unexpected character {c!r}", i, text)
        i += 1
    tokens.append(Token("end", None, n))
    return tokens


# --- syntax tree --------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Ref:
    name: str
    pos: int


@dataclass(frozen=True)
class Current:
    pos: int


@dataclass(frozen=True)
class ChoiceField:
    """A column of the choices sheet, in a choice_filter."""

    name: str
    pos: int


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    pos: int


@dataclass(frozen=True)
class BinOp:
    op: str  # and, or, =, !=, <, <=, >, >=, +, -, *, div, mod
    left: Any
    right: Any


@dataclass(frozen=True)
class Negate:
    operand: Any


class _Parser:
    def __init__(self, text: str, choice_fields: bool = False):
        self.choice_fields = choice_fields
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: Token | None = None) -> ExpressionError:
        tok = tok or self.peek()
        return ExpressionError(message, tok.pos, self.text)

    def parse(self):
        if self.peek().kind == "end":
            raise self.error("empty expression")
        node = self.or_expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(f"unexpected {_describe(tok)}; expected an operator or the end")
        return node

    def _enter(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"expression nested more than {MAX_DEPTH} levels deep")

    def or_expr(self):
        node = self.and_expr()
        while self.peek().kind == "name" and self.peek().value == "or":
            self.take()
            node = BinOp("or", node, self.and_expr())
        return node

    def and_expr(self):
        node = self.comparison()
        while self.peek().kind == "name" and self.peek().value == "and":
            self.take()
            node = BinOp("and", node, self.comparison())
        return node

    def comparison(self):
        node = self.additive()
        tok = self.peek()
        if tok.kind == "op" and tok.value in COMPARISONS:
            self.take()
            node = BinOp(tok.value, node, self.additive())
            nxt = self.peek()
            if nxt.kind == "op" and nxt.value in COMPARISONS:
                raise self.error("chained comparisons are not allowed; use 'and'", nxt)
        return node

    def additive(self):
        node = self.product()
        while self.peek().kind == "op" and self.peek().value in ("+", "-"):
            op = self.take().value
            node = BinOp(op, node, self.product())
        return node

    def product(self):
        node = self.unary()
        while (self.peek().kind == "op" and self.peek().value == "*") or (
            self.peek().kind == "name" and self.peek().value in ("div", "mod")
        ):
            op = self.take().value
            node = BinOp(op, node, self.unary())
        return node

    def unary(self):
        self._enter()
        try:
            tok = self.peek()
            if tok.kind == "op" and tok.value == "-":
                self.take()
                return Negate(self.unary())
            return self.primary()
        finally:
            self.depth -= 1

    def primary(self):
        tok = self.take()
        if tok.kind == "num":
            return Literal(tok.value)
        if tok.kind == "str":
            return Literal(tok.value)
        if tok.kind == "ref":
            return Ref(tok.value, tok.pos)
        if tok.kind == "dot":
            return Current(tok.pos)
        if tok.kind == "lparen":
            self._enter()
            try:
                node = self.or_expr()
            finally:
                self.depth -= 1
            if self.peek().kind != "rparen":
                raise self.error(f"expected ')' but found {_describe(self.peek())}")
            self.take()
            return node
        if tok.kind == "name":
            if tok.value in ("and", "or", "div", "mod"):
                raise self.error(f"'{tok.value}' needs a value on its left", tok)
            if tok.value in UNSUPPORTED_FUNCTIONS:
                raise self.error(UNSUPPORTED_FUNCTIONS[tok.value], tok)
            if self.choice_fields and tok.value not in FUNCTIONS:
                return ChoiceField(tok.value, tok.pos)
            if tok.value not in FUNCTIONS:
                known = ", ".join(f"{f}()" for f in FUNCTIONS)
                raise self.error(
                    f"unknown name '{tok.value}'; refer to an answer as ${{{tok.value}}}, "
                    f"text goes in quotes, functions are {known}",
                    tok,
                )
            return self.call(tok)
        raise self.error(f"unexpected {_describe(tok)}", tok)

    def call(self, name_tok: Token):
        if self.peek().kind != "lparen":
            raise self.error(f"expected '(' after {name_tok.value}")
        self.take()
        args = []
        self._enter()
        try:
            if self.peek().kind != "rparen":
                args.append(self.or_expr())
                while self.peek().kind == "comma":
                    self.take()
                    args.append(self.or_expr())
        finally:
            self.depth -= 1
        if self.peek().kind != "rparen":
            raise self.error(f"expected ',' or ')' but found {_describe(self.peek())}")
        self.take()
        lo, hi = FUNCTIONS[name_tok.value]
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ExpressionError(
                f"{name_tok.value}() takes {want} argument(s), got {len(args)}",
                name_tok.pos,
                self.text,
            )
        if name_tok.value in ("selected", "count-selected") and not isinstance(
            args[0], Ref | Current
        ):
            raise ExpressionError(
                f"the first argument of {name_tok.value}() must be a question, e.g. ${{q1}}",
                name_tok.pos,
                self.text,
            )
        return Call(name_tok.value, tuple(args), name_tok.pos)


def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "end of expression"
    if tok.kind == "str":
        return f"text '{tok.value}'"
    if tok.kind == "num":
        return "number"
    if tok.kind == "ref":
        return f"${{{tok.value}}}"
    return f"'{tok.value}'"


# --- public API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A parsed expression: keep it and evaluate it against many answer sets."""

    text: str
    tree: Any

    def references(self) -> list[tuple[str, int]]:
        """Every ``${name}`` with its position, in order of appearance."""
        out: list[tuple[str, int]] = []
        _collect_refs(self.tree, out)
        return out

    def uses_current(self) -> bool:
        return _has_current(self.tree)

    def compares_current_with_number(self) -> bool:
        """Whether `.` is ordered against a number (``. >= 18``): a numeric constraint."""
        return _orders_current_by_number(self.tree)

    def evaluate(
        self, answers: dict[str, Any], current: Any = None, choice: dict | None = None
    ) -> bool:
        """The truth value of the expression given `answers` (and `.` = `current`)."""
        return _truthy(_eval(self.tree, answers, current, choice))

    def value(self, answers: dict[str, Any], current: Any = None) -> Any:
        """The value of the expression (a calculation): a number, text, bool or None."""
        return _eval(self.tree, answers, current, None)


def parse(text: str, choice_fields: bool = False) -> Expression:
    """Parse `text`, raising :class:`ExpressionError` (with the position) if it is invalid."""
    return Expression(text, _Parser(text, choice_fields).parse())


def evaluate(text: str, answers: dict[str, Any], current: Any = None) -> bool:
    return parse(text).evaluate(answers, current)


def _collect_refs(node, out):
    if isinstance(node, Ref):
        out.append((node.name, node.pos))
    elif isinstance(node, BinOp):
        _collect_refs(node.left, out)
        _collect_refs(node.right, out)
    elif isinstance(node, Negate):
        _collect_refs(node.operand, out)
    elif isinstance(node, Call):
        for a in node.args:
            _collect_refs(a, out)


def _orders_current_by_number(node) -> bool:
    if isinstance(node, BinOp):
        if node.op in ("<", "<=", ">", ">="):
            sides = (node.left, node.right)
            if any(isinstance(x, Current) for x in sides) and any(
                isinstance(x, Literal) and isinstance(x.value, float) for x in sides
            ):
                return True
        return _orders_current_by_number(node.left) or _orders_current_by_number(node.right)
    if isinstance(node, Negate):
        return _orders_current_by_number(node.operand)
    if isinstance(node, Call):
        return any(_orders_current_by_number(a) for a in node.args)
    return False


def _has_current(node) -> bool:
    if isinstance(node, Current):
        return True
    if isinstance(node, BinOp):
        return _has_current(node.left) or _has_current(node.right)
    if isinstance(node, Negate):
        return _has_current(node.operand)
    if isinstance(node, Call):
        return any(_has_current(a) for a in node.args)
    return False


# --- evaluation ---------------------------------------------------------------------------


def _is_empty(v) -> bool:
    if v is None or v == "" or (isinstance(v, list | tuple) and not v):
        return True
    return isinstance(v, float) and math.isnan(v)


def _truthy(v) -> bool:
    if _is_empty(v):
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return v != 0
    return True


def _as_number(v) -> float | None:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return None if isinstance(v, float) and math.isnan(v) else float(v)
    if isinstance(v, str) and _NUMERIC_STRING_RE.fullmatch(v):
        return float(v)
    return None


def _as_text(v) -> str:
    if _is_empty(v):
        return ""
    if isinstance(v, list | tuple):
        return " ".join(_as_text(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _codes(v) -> list[str]:
    if _is_empty(v):
        return []
    if isinstance(v, list | tuple | set):
        return [_as_text(x) for x in v]
    return _as_text(v).split()


def _compare(op: str, a, b) -> bool:
    if op in ("=", "!="):
        if _is_empty(a) or _is_empty(b):
            equal = _is_empty(a) and _is_empty(b)
        else:
            na, nb = _as_number(a), _as_number(b)
            equal = na == nb if na is not None and nb is not None else _as_text(a) == _as_text(b)
        return equal if op == "=" else not equal
    if _is_empty(a) or _is_empty(b):
        return False
    na, nb = _as_number(a), _as_number(b)
    if na is not None and nb is not None:
        x, y = na, nb
    else:
        x, y = _as_text(a), _as_text(b)
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


def _arith(op: str, a, b):
    x, y = _as_number(a), _as_number(b)
    if x is None or y is None:
        return None
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if y == 0:
        return None
    return x / y if op == "div" else math.fmod(x, y)


def _eval(node, answers, current, choice=None):
    def ev(n):
        return _eval(n, answers, current, choice)

    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Ref):
        return answers.get(node.name) if isinstance(answers, dict) else None
    if isinstance(node, Current):
        return current
    if isinstance(node, ChoiceField):
        return (choice or {}).get(node.name)
    if isinstance(node, Negate):
        n = _as_number(ev(node.operand))
        return None if n is None else -n
    if isinstance(node, BinOp):
        if node.op == "and":
            return _truthy(ev(node.left)) and _truthy(ev(node.right))
        if node.op == "or":
            return _truthy(ev(node.left)) or _truthy(ev(node.right))
        if node.op in ARITHMETIC:
            return _arith(node.op, ev(node.left), ev(node.right))
        return _compare(node.op, ev(node.left), ev(node.right))
    if isinstance(node, Call):
        if node.name == "if":  # only the branch taken is evaluated
            return ev(node.args[1]) if _truthy(ev(node.args[0])) else ev(node.args[2])
        args = [ev(a) for a in node.args]
        return _call(node.name, args)
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


def _call(name: str, args: list):
    import datetime as _dt

    if name == "not":
        return not _truthy(args[0])
    if name == "selected":
        return _as_text(args[1]) in _codes(args[0])
    if name == "count-selected":
        return float(len(_codes(args[0])))
    if name == "string-length":
        return float(len(_as_text(args[0])))
    if name == "true":
        return True
    if name == "false":
        return False
    if name == "concat":
        return "".join(_as_text(a) for a in args)
    if name == "regex":
        try:
            return re.search(_as_text(args[1]), _as_text(args[0])) is not None
        except re.error:
            return False
    if name == "today":
        return _dt.date.today().isoformat()
    if name == "now":
        return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    if name == "number":
        return _as_number(args[0])
    if name == "int":
        n = _as_number(args[0])
        return None if n is None else float(math.trunc(n))
    if name == "round":
        n = _as_number(args[0])
        digits = _as_number(args[1]) if len(args) > 1 else 0.0
        return None if n is None or digits is None else float(round(n, int(digits)))
    if name == "coalesce":
        return args[1] if _is_empty(args[0]) else args[0]
    if name == "string":
        return _as_text(args[0])
    raise AssertionError(f"unknown function {name}")  # pragma: no cover
