"""The printable questionnaire: one self-contained, print-ready HTML page per language.

Used as the methodology annex (``annex=True`` adds variable names, dimension and role) and
as the paper form for anyone who cannot use the web form. Skip logic becomes an instruction
in words ("Beantwoord deze vraag alleen als u bij vraag 1 ... hebt aangeduid."); each section
starts on a new page.
"""

from __future__ import annotations

from html import escape

from survey import expr
from survey.schema import NA_LABEL, Item, Questionnaire, Section

TEXT = {
    "nl": {
        "question": "vraag",
        "only_if": "Beantwoord deze vraag alleen als {cond}.",
        "section_only_if": "Vul dit deel alleen in als {cond}.",
        "mode_open": "Vul dit deel alleen in als u geen persoonlijke uitnodiging hebt gekregen.",
        "mode_invited": "Vul dit deel alleen in als u een persoonlijke uitnodiging hebt gekregen.",
        "mode_paper": "Dit deel is alleen voor de papieren vragenlijst.",
        "one": "Kruis één antwoord aan.",
        "many": "U mag meerdere antwoorden aankruisen.",
        "grid": "Kruis per uitspraak één vakje aan.",
        "max_chars": "Maximaal {n} tekens.",
        "how": (
            "Kruis bij elke vraag het vakje aan dat het best bij uw antwoord past. "
            "Volg de aanwijzingen in het grijs: sommige vragen slaat u over."
        ),
        "ticked": "u bij vraag {n} «{label}» hebt aangekruist",
        "not_ticked": "u bij vraag {n} «{label}» niet hebt aangekruist",
        "answered": "u bij vraag {n} «{label}» hebt geantwoord",
        "not_answered": "u bij vraag {n} niet «{label}» hebt geantwoord",
        "compare": "uw antwoord op vraag {n} {op} {value} is",
        "count": "het aantal antwoorden dat u bij vraag {n} aankruiste",
        "count_cmp": "u bij vraag {n} {op} {value} antwoorden hebt aangekruist",
        "not": "het niet zo is dat {x}",
        "and": " en ",
        "or": " of ",
        "ops": {
            "=": "gelijk aan",
            "!=": "verschillend van",
            "<": "kleiner dan",
            "<=": "hoogstens",
            ">": "groter dan",
            ">=": "minstens",
        },
        "count_ops": {
            "=": "precies",
            "!=": "niet precies",
            "<": "minder dan",
            "<=": "hoogstens",
            ">": "meer dan",
            ">=": "minstens",
        },
        "variable": "variabele",
        "dimension": "dimensie",
        "role": "rol",
        "version": "Versie {v}, vingerafdruk {h}",
        "statement": "Uitspraak",
        "integer": "Vul een geheel getal in.",
        "decimal": "Vul een getal in.",
        "date": "Vul een datum in: dag / maand / jaar.",
        "acknowledge": "Kruis aan om te bevestigen.",
    },
    "en": {
        "question": "question",
        "only_if": "Answer this question only if {cond}.",
        "section_only_if": "Fill in this part only if {cond}.",
        "mode_open": "Fill in this part only if you did not receive a personal invitation.",
        "mode_invited": "Fill in this part only if you received a personal invitation.",
        "mode_paper": "This part is for the paper questionnaire only.",
        "one": "Tick one box.",
        "many": "You may tick more than one box.",
        "grid": "Tick one box per statement.",
        "max_chars": "At most {n} characters.",
        "how": (
            "For each question, tick the box that best fits your answer. "
            "Follow the instructions in grey: some questions are skipped."
        ),
        "ticked": "you ticked “{label}” at question {n}",
        "not_ticked": "you did not tick “{label}” at question {n}",
        "answered": "you answered “{label}” to question {n}",
        "not_answered": "you did not answer “{label}” to question {n}",
        "compare": "your answer to question {n} is {op} {value}",
        "count": "the number of boxes you ticked at question {n}",
        "count_cmp": "you ticked {op} {value} boxes at question {n}",
        "not": "it is not the case that {x}",
        "and": " and ",
        "or": " or ",
        "ops": {
            "=": "equal to",
            "!=": "different from",
            "<": "less than",
            "<=": "at most",
            ">": "greater than",
            ">=": "at least",
        },
        "count_ops": {
            "=": "exactly",
            "!=": "not exactly",
            "<": "fewer than",
            "<=": "at most",
            ">": "more than",
            ">=": "at least",
        },
        "variable": "variable",
        "dimension": "dimension",
        "role": "role",
        "version": "Version {v}, fingerprint {h}",
        "statement": "Statement",
        "integer": "Write a whole number.",
        "decimal": "Write a number.",
        "date": "Write a date: day / month / year.",
        "acknowledge": "Tick to confirm.",
    },
}

CSS = """
@page { size: A4; margin: 18mm 16mm 18mm 16mm; }
* { box-sizing: border-box; }
body { font-family: "Flanders Art Sans", Arial, Helvetica, sans-serif; font-size: 11pt;
       color: #111; line-height: 1.35; margin: 0 auto; max-width: 180mm; }
h1 { font-size: 18pt; margin: 0 0 6pt; }
h2 { font-size: 14pt; border-bottom: 1.5pt solid #333; padding-bottom: 2pt; margin: 0 0 8pt; }
section.part { break-before: page; page-break-before: always; }
section.part.first { break-before: auto; page-break-before: auto; }
.intro, .how { margin: 6pt 0; }
.how { font-size: 10pt; }
.item { break-inside: avoid; page-break-inside: avoid; margin: 0 0 12pt; }
.qtext { font-weight: bold; }
.qnum { display: inline-block; min-width: 2.2em; }
.hint { font-style: italic; font-size: 10pt; margin: 1pt 0 3pt 2.2em; }
.route { background: #e8e8e8; border-left: 3pt solid #777; padding: 2pt 6pt; margin: 2pt 0 4pt 2.2em;
         font-size: 10pt; }
.note { font-size: 9.5pt; color: #333; margin: 1pt 0 3pt 2.2em; }
.box { display: inline-block; width: 11pt; height: 11pt; border: 1pt solid #111;
       vertical-align: -1.5pt; margin-right: 5pt; background: #fff; }
ul.options { list-style: none; margin: 2pt 0 0 2.2em; padding: 0; }
ul.options li { margin: 2pt 0; }
table.scale { border-collapse: collapse; margin: 3pt 0 0 2.2em; width: calc(100% - 2.2em);
              table-layout: fixed; }
table.scale td, table.scale th { text-align: center; vertical-align: top; font-size: 8.5pt;
              padding: 2pt 1pt; font-weight: normal; }
table.scale td.na { border-left: 1pt dashed #777; }
table.grid th.stmt, table.grid td.stmt { text-align: left; width: 38%; font-size: 10pt; }
table.grid tr.row td { border-top: 0.5pt solid #bbb; padding: 4pt 1pt; }
.field { display: inline-block; margin: 3pt 0 0 2.2em; border: 1pt solid #111; height: 9mm;
         width: 40mm; }
.field.date { width: 45mm; }
h3.subpart { font-size: 12pt; margin: 10pt 0 4pt; }
.lines { margin: 3pt 0 0 2.2em; border: 1pt solid #111; height: 32mm;
         background: repeating-linear-gradient(#fff, #fff 7.5mm, #bbb 7.5mm, #bbb 7.8mm); }
.codes { font-family: monospace; font-size: 8.5pt; color: #555; margin-left: 2.2em; }
.closing { margin-top: 16pt; font-weight: bold; }
footer { margin-top: 18pt; font-size: 8.5pt; color: #555; border-top: 0.5pt solid #999;
         padding-top: 3pt; }
@media screen { body { padding: 12mm; } section.part { border-top: 1px dashed #aaa;
                padding-top: 8mm; margin-top: 8mm; } section.part.first { border: 0; margin: 0; } }
"""


def _t(q: Questionnaire, texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get(q.languages[0], "")


def question_numbers(q: Questionnaire) -> dict[str, int]:
    """Item id (and answer key) -> the number printed before the question, from 1."""
    numbers: dict[str, int] = {}
    asked = [it for it in q.items() if it.type not in ("note", "group", "calculate")]
    for n, item in enumerate(asked, start=1):
        numbers[item.id] = n
        for key in item.answer_keys():
            numbers[key] = n
    return numbers


def condition_in_words(q: Questionnaire, text: str, lang: str) -> str:
    """A `relevant` condition as a clause a respondent can follow on paper."""
    tx = TEXT.get(lang, TEXT["nl"])
    numbers = question_numbers(q)
    items = {k: it for it in q.items() for k in [it.id, *it.answer_keys()]}
    try:
        tree = expr.parse(text).tree
    except expr.ExpressionError:
        return text

    def label_of(name: str, code) -> str:
        it = items.get(name)
        if it is not None:
            for c, lbl in q.choice_options(it):
                if c == str(code):
                    return _t(q, lbl, lang)
        return str(code)

    def value_text(v) -> str:
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    def words(node, negate: bool = False) -> str:
        if isinstance(node, expr.BinOp) and node.op in ("and", "or"):
            joined = tx[node.op].join(words(x) for x in (node.left, node.right))
            return tx["not"].format(x=joined) if negate else joined
        if isinstance(node, expr.Call) and node.name == "not":
            return words(node.args[0], negate=not negate)
        if (
            isinstance(node, expr.Call)
            and node.name == "selected"
            and isinstance(node.args[0], expr.Ref)
            and isinstance(node.args[1], expr.Literal)
        ):
            name = node.args[0].name
            key = "not_ticked" if negate else "ticked"
            return tx[key].format(
                n=numbers.get(name, "?"), label=label_of(name, node.args[1].value)
            )
        if isinstance(node, expr.BinOp) and isinstance(node.left, expr.Ref):
            name = node.left.name
            right = node.right
            if (
                isinstance(right, expr.Literal)
                and isinstance(right.value, str)
                and node.op in ("=", "!=")
            ):
                positive = (node.op == "=") != negate
                key = "answered" if positive else "not_answered"
                return tx[key].format(n=numbers.get(name, "?"), label=label_of(name, right.value))
            if isinstance(right, expr.Literal) and not negate and node.op in tx["ops"]:
                return tx["compare"].format(
                    n=numbers.get(name, "?"), op=tx["ops"][node.op], value=value_text(right.value)
                )
        if (
            isinstance(node, expr.BinOp)
            and isinstance(node.left, expr.Call)
            and node.left.name == "count-selected"
            and isinstance(node.left.args[0], expr.Ref)
            and isinstance(node.right, expr.Literal)
            and not negate
        ):
            name = node.left.args[0].name
            return tx["count_cmp"].format(
                n=numbers.get(name, "?"),
                op=tx["count_ops"][node.op],
                value=value_text(node.right.value),
            )
        plain = _plain(node)
        return tx["not"].format(x=plain) if negate else plain

    def _plain(node) -> str:
        # Fallback: the expression with references replaced by question numbers.
        out = text
        for name, _pos in expr.parse(text).references():
            out = out.replace("${" + name + "}", f"[{tx['question']} {numbers.get(name, '?')}]")
        return out

    return words(tree)


def _box() -> str:
    return '<span class="box"></span>'


def _scale_table(q: Questionnaire, item: Item, lang: str) -> str:
    points = item.scale_points()
    cells_head, cells_box = [], []
    for value, label in points:
        text = escape(_t(q, label, lang)) if label else ""
        head = f"{text}<br>({value})" if item.type == "rating10" else text
        cells_head.append(f"<th>{head}</th>")
        cells_box.append(f"<td>{_box()}</td>")
    if item.na:
        cells_head.append(f'<th class="na">{escape(_t(q, NA_LABEL, lang))}</th>')
        cells_box.append(f'<td class="na">{_box()}</td>')
    return (
        '<table class="scale"><tr>'
        + "".join(cells_head)
        + "</tr><tr>"
        + "".join(cells_box)
        + "</tr></table>"
    )


def _grid(q: Questionnaire, item: Item, lang: str, annex: bool) -> str:
    points = item.scale_points()
    head = '<th class="stmt"></th>' + "".join(
        f"<th>{escape(_t(q, label, lang)) if label else value}</th>" for value, label in points
    )
    rows = []
    for key, stmt in zip(item.answer_keys(), item.statement_texts(), strict=True):
        code = f' <span class="codes">{escape(key)}</span>' if annex else ""
        rows.append(
            f'<tr class="row"><td class="stmt">{escape(_t(q, stmt, lang))}{code}</td>'
            + "".join(f"<td>{_box()}</td>" for _ in points)
            + "</tr>"
        )
    return f'<table class="scale grid"><tr>{head}</tr>{"".join(rows)}</table>'


def _options(q: Questionnaire, item: Item, lang: str, annex: bool) -> str:
    lis = []
    for code, label in q.choice_options(item):
        extra = f' <span class="codes">{escape(code)}</span>' if annex else ""
        lis.append(f"<li>{_box()}{escape(_t(q, label, lang))}{extra}</li>")
    return f'<ul class="options">{"".join(lis)}</ul>'


def _untitled_html(q: Questionnaire, item: Item, lang: str) -> str:
    """A nested group's heading or a note: text without a number or boxes."""
    tx = TEXT.get(lang, TEXT["nl"])
    if item.type == "group":
        parts = [
            f'<h3 class="subpart" id="g-{escape(item.id)}">{escape(_t(q, item.label, lang))}</h3>'
        ]
        if item.relevant:
            cond = condition_in_words(q, item.relevant, lang)
            parts.append(
                f'<div class="route">{escape(tx["section_only_if"].format(cond=cond))}</div>'
            )
    else:
        parts = [f'<p class="intro" id="q-{escape(item.id)}">{escape(_t(q, item.label, lang))}</p>']
    if item.hint:
        parts.append(f'<div class="hint">{escape(_t(q, item.hint, lang))}</div>')
    return "\n".join(parts)


def _item_html(q: Questionnaire, item: Item, number: int, lang: str, annex: bool) -> str:
    tx = TEXT.get(lang, TEXT["nl"])
    parts = [
        f'<div class="item" id="q-{escape(item.id)}">',
        f'<div class="qtext"><span class="qnum">{number}.</span>{escape(_t(q, item.label, lang))}</div>',
    ]
    if item.relevant:
        cond = condition_in_words(q, item.relevant, lang)
        parts.append(f'<div class="route">{escape(tx["only_if"].format(cond=cond))}</div>')
    if item.hint:
        parts.append(f'<div class="hint">{escape(_t(q, item.hint, lang))}</div>')
    if annex:
        meta = [f"{tx['variable']}: {item.id}", f"type: {item.type}", f"{tx['role']}: {item.role}"]
        if item.dimension:
            meta.append(f"{tx['dimension']}: {item.dimension}")
        if item.constraint:
            meta.append(f"constraint: {item.constraint}")
        parts.append(f'<div class="codes">{escape(" · ".join(meta))}</div>')
    if item.type in ("scale5", "rating10", "ces"):
        parts.append(_scale_table(q, item, lang))
    elif item.composite:
        parts.append(f'<div class="note">{escape(tx["grid"])}</div>')
        parts.append(_grid(q, item, lang, annex))
    elif item.type in ("select_one", "yesno"):
        parts.append(f'<div class="note">{escape(tx["one"])}</div>')
        parts.append(_options(q, item, lang, annex))
    elif item.type == "select_multiple":
        parts.append(f'<div class="note">{escape(tx["many"])}</div>')
        parts.append(_options(q, item, lang, annex))
    elif item.type == "text":
        parts.append(
            f'<div class="note">{escape(tx["max_chars"].format(n=item.text_max_length))}</div>'
        )
        parts.append('<div class="lines"></div>')
    elif item.type in ("integer", "decimal"):
        parts.append(f'<div class="note">{escape(tx[item.type])}</div>')
        parts.append('<div class="field"></div>')
    elif item.type == "date":
        parts.append(f'<div class="note">{escape(tx["date"])}</div>')
        parts.append('<div class="field date">__ / __ / ____</div>')
    elif item.type == "acknowledge":
        parts.append(f'<div class="note">{escape(tx["acknowledge"])}</div>')
        parts.append(_options(q, item, lang, annex))
    parts.append("</div>")
    return "\n".join(parts)


def _section_html(
    q: Questionnaire, section: Section, first: bool, numbers: dict[str, int], lang: str, annex: bool
) -> str:
    tx = TEXT.get(lang, TEXT["nl"])
    cls = "part first" if first else "part"
    parts = [f'<section class="{cls}" id="s-{escape(section.id)}">']
    parts.append(f"<h2>{escape(_t(q, section.title, lang))}</h2>")
    if section.ask_only_in:
        for mode in section.ask_only_in:
            parts.append(f'<div class="route">{escape(tx["mode_" + mode])}</div>')
    if section.relevant:
        cond = condition_in_words(q, section.relevant, lang)
        parts.append(f'<div class="route">{escape(tx["section_only_if"].format(cond=cond))}</div>')
    if section.intro:
        parts.append(f'<p class="intro">{escape(_t(q, section.intro, lang))}</p>')
    for item in section.items:
        if item.type == "calculate":
            continue  # computed, not asked
        if item.type in ("note", "group"):
            parts.append(_untitled_html(q, item, lang))
            continue
        parts.append(_item_html(q, item, numbers[item.id], lang, annex))
    parts.append("</section>")
    return "\n".join(parts)


def render_html(q: Questionnaire, lang: str = "nl", annex: bool = False) -> str:
    """The whole questionnaire in `lang` as one self-contained HTML document."""
    if lang not in q.languages:
        raise ValueError(
            f"language '{lang}' is not in this questionnaire ({', '.join(q.languages)})"
        )
    tx = TEXT.get(lang, TEXT["nl"])
    numbers = question_numbers(q)
    title = escape(_t(q, q.title, lang))
    body = [f"<h1>{title}</h1>"]
    if q.intro:
        body.append(f'<p class="intro">{escape(_t(q, q.intro, lang))}</p>')
    body.append(f'<p class="how">{escape(tx["how"])}</p>')
    for k, section in enumerate(q.sections):
        body.append(_section_html(q, section, k == 0, numbers, lang, annex))
    if q.closing:
        body.append(f'<p class="closing">{escape(_t(q, q.closing, lang))}</p>')
    body.append(
        f"<footer>{escape(q.id)} · "
        f"{escape(tx['version'].format(v=q.version, h=q.hash[:12]))}</footer>"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="questionnaire-hash" content="{q.hash}">\n'
        f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
