"""Streamlit rendering of questionnaire items (the only part of `survey/` that imports Streamlit).

The widgets return the answers in the shape survey.data expects: an int per scale point,
``None`` (key present) for "niet van toepassing / weet niet", a code for single choice and
yes/no, a list of codes for multiple choice, a string for text; an unanswered item leaves
its key out. Everything stacks vertically, so a phone shows one question under the other.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import streamlit as st

from survey import data
from survey.schema import ACKNOWLEDGED, NA_CODE, NA_LABEL, Item, Questionnaire, Section


def _text(texts: Mapping[str, str] | None, lang: str) -> str:
    texts = texts or {}
    return texts.get(lang) or texts.get("nl") or next(iter(texts.values()), "")


def required_note(lang: str) -> str:
    return (
        "Vragen met * zijn verplicht." if lang != "en" else "Questions marked with * are required."
    )


def _choose(lang: str, several: bool = False) -> str:
    """The empty dropdown's placeholder (Streamlit's own is English: "Choose an option")."""
    if several:
        return "Kies een of meer antwoorden" if lang != "en" else "Choose one or more answers"
    return "Kies een antwoord" if lang != "en" else "Choose an answer"


def _heading(item: Item, lang: str) -> str:
    """A question drawn as its own Markdown paragraph (above checkboxes or statements): in
    bold (it stands out from the answer options on a phone), the required mark escaped so it
    is not read as emphasis. A screen reader reads the drawn text, not the Markdown."""
    return f"**{_text(item.label, lang)}**" + (" \\*" if item.required else "")


def _label(item: Item, lang: str) -> str:
    """A widget's label: plain text. Streamlit draws it as Markdown but also puts the string
    itself into the widget's accessible name (aria-label), so Markdown here would be read out
    as "star star"; the bold comes from :data:`QUESTION_KEY`'s style. The required mark stays
    a literal " *" (Markdown leaves a lone trailing star alone), as the page's note explains."""
    return _text(item.label, lang) + (" *" if item.required else "")


#: The container around a widget whose label is the question: its label is drawn in bold.
QUESTION_KEY = "ktmquestion"


@contextlib.contextmanager
def _question_box(key: str):
    safe = "".join(c if c.isalnum() else "_" for c in key)
    with st.container(key=f"{QUESTION_KEY}_{safe}"):
        yield


def _point_options(item: Item, lang: str) -> tuple[list[Any], dict[Any, str]]:
    """The options of a scale and their texts. Word scales (scale5) show a word per point;
    numbered scales show the number, with the end labels in *emphasis*, which the scale's
    style lays under the ends of the row (a screen reader reads them with their point)."""
    points = item.scale_points()
    options: list[Any] = [v for v, _ in points]
    if item.type == "scale5":
        labels = {v: _text(lbl, lang) if lbl else str(v) for v, lbl in points}
    else:
        labels = {v: f"{v} *{_text(lbl, lang)}*" if lbl else str(v) for v, lbl in points}
    if item.na:
        options.append(NA_CODE)
        labels[NA_CODE] = _text(NA_LABEL, lang)
    return options, labels


def _index(options: list[Any], value: Any, present: bool, na: bool) -> int | None:
    if not present:
        return None
    if value is None:
        return options.index(NA_CODE) if na and NA_CODE in options else None
    try:
        return options.index(data._as_int(value) if isinstance(options[0], int) else value)
    except ValueError:
        return None


#: A scale is one row of equal cells on any screen (a phone of 390 px included): the circle
#: above its point; the "n.v.t." option apart, under the row. Still Streamlit's radio group,
#: so the arrow keys and screen readers work as with any radio buttons.
SCALE_KEY = "ktmscale"


def scale_style() -> str:
    rules = [
        f"[class*='st-key-{SCALE_KEY}'] [role=radiogroup] {{display: grid; gap: 0 2px;"
        " width: 100%; max-width: 44rem; position: relative; padding-bottom: 2.6rem;"
        " align-items: start}",
        f"[class*='st-key-{SCALE_KEY}'] [data-testid=stRadio],"
        f" [class*='st-key-{SCALE_KEY}'] [data-testid=stElementContainer] {{width: 100%}}",
        f"[class*='st-key-{SCALE_KEY}'] [role=radiogroup] > div {{min-width: 0; margin: 0}}",
        f"[class*='st-key-{SCALE_KEY}'] label[data-testid=stRadioOption] {{width: 100%;"
        " margin: 0; padding: 0.25rem 0; justify-content: center}",
        f"[class*='st-key-{SCALE_KEY}'] label[data-testid=stRadioOption] > div:last-child"
        " {flex-direction: column; align-items: center; gap: 0.3rem; text-align: center;"
        " width: 100%}",
        f"[class*='st-key-{SCALE_KEY}'] label[data-testid=stRadioOption] > div:last-child > div"
        " {margin: 0}",
        f"[class*='st-key-{SCALE_KEY}'] label[data-testid=stRadioOption] p {{font-size: 0.85rem;"
        " line-height: 1.2; overflow-wrap: normal; word-break: normal}",
        # A phone's fifth of a row is ~70 px: "Gemakkelijk" broke as "Gemakkelij / k".
        f"@media (max-width: 420px) {{[class*='st-key-{SCALE_KEY}'] label[data-testid=stRadioOption]"
        " p {font-size: 0.78rem}}",
        # The words of the points between the ends: for screen readers only.
        f"[class*='st-key-{SCALE_KEY}'] [role=radiogroup] em {{position: absolute; width: 1px;"
        " height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap}",
        f"[class*='st-key-{SCALE_KEY}'] [role=radiogroup] > div:first-child em"
        " {left: 0; text-align: left}",
        f"[class*='st-key-{SCALE_KEY}na'] [role=radiogroup] > div:last-child"
        " {grid-column: 1 / -1; justify-self: start; margin-top: 0.75rem}",
        f"[class*='st-key-{SCALE_KEY}na'] [role=radiogroup] > div:last-child"
        " label > div:last-child {flex-direction: row; text-align: left}",
        # The question above its widget in bold, as a Markdown label drew it (the label is
        # plain text for its accessible name); the statements of a UMUX/SUS item stay plain.
        f"[class*='st-key-{QUESTION_KEY}'] [data-testid=stWidgetLabel] p {{font-weight: 600}}",
    ]
    for n in range(2, 12):
        rules.append(
            f"[class*='st-key-{SCALE_KEY}{n}_'], [class*='st-key-{SCALE_KEY}na{n}_'],"
            f" [class*='st-key-{SCALE_KEY}w{n}_'], [class*='st-key-{SCALE_KEY}naw{n}_']"
            f" {{--ktm-points: {n}}}"
        )
        rules.append(
            f"[class*='st-key-{SCALE_KEY}{n}_'] [role=radiogroup] > div:nth-child({n}) em,"
            f" [class*='st-key-{SCALE_KEY}na{n}_'] [role=radiogroup] > div:nth-child({n}) em"
            " {right: 0; text-align: right}"
        )
        rules.append(  # the ends, under the row
            f"[class*='st-key-{SCALE_KEY}'] [role=radiogroup] > div:first-child em,"
            f" [class*='st-key-{SCALE_KEY}{n}_'] [role=radiogroup] > div:nth-child({n}) em,"
            f" [class*='st-key-{SCALE_KEY}na{n}_'] [role=radiogroup] > div:nth-child({n}) em"
            " {font-style: normal; bottom: 0; width: auto; height: auto; max-width: 48%;"
            " overflow: visible; clip-path: none; white-space: normal; font-size: 0.85rem;"
            " line-height: 1.2}"
        )
    rules.append(
        f"[class*='st-key-{SCALE_KEY}'] [role=radiogroup]"
        " {grid-template-columns: repeat(var(--ktm-points), minmax(0, 1fr))}"
    )
    rules.append(  # a word under every point: no end labels to make room for
        f"[class*='st-key-{SCALE_KEY}w'] [role=radiogroup],"
        f" [class*='st-key-{SCALE_KEY}naw'] [role=radiogroup] {{padding-bottom: 0}}"
    )
    return "<style>" + "\n".join(rules) + "</style>"


def _question_with_hint(item: Item, lang: str, hint: str | None) -> str:
    """With a hint, the question and its hint stand above the options (the hint belongs to the
    question, not under its last option): the widget's own label is then hidden, and still
    names the group for screen readers."""
    if not hint:
        return "visible"
    import html

    # The size and weight of a widget's label, so this question reads like the others.
    question = html.escape(_text(item.label, lang)) + (" *" if item.required else "")
    st.markdown(
        f'<p style="font-size: 0.875rem; font-weight: 600; margin: 0">{question}</p>',
        unsafe_allow_html=True,
    )
    st.caption(hint)
    return "collapsed"


def _scale_radio(
    item: Item,
    label: str,
    answer_key: str,
    answers: Mapping,
    lang: str,
    key: str,
    label_visibility: str = "visible",
):
    options, labels = _point_options(item, lang)
    n = len(item.scale_points())
    safe = "".join(c if c.isalnum() else "_" for c in key)
    kind = ("na" if item.na else "") + ("w" if item.type == "scale5" else "")
    with st.container(key=f"{SCALE_KEY}{kind}{n}_{safe}"):
        st.radio(
            label,
            options,
            index=_index(options, answers.get(answer_key), answer_key in answers, item.na),
            format_func=lambda v: labels[v],
            horizontal=True,
            key=key,
            label_visibility=label_visibility,
        )


def render_item(
    q: Questionnaire,
    item: Item,
    answers: Mapping[str, Any],
    lang: str,
    key_prefix: str,
    error: str | None = None,
    live: Mapping[str, Any] | None = None,
    failed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Draw one item with its stored answer and, under it, its error; return its answers.

    `live` holds the answers given so far on this page (for a choice_filter). `failed`: the
    answers the error was about; once the respondent changes this item's answer, its
    message goes (the store checks the page again on Next)."""
    hint = _text(item.hint, lang) or None
    key = f"{key_prefix}:{item.id}"
    if _xlsform_widget(item):
        _render_xlsform_item(q, item, answers, lang, key, hint, live)
    elif item.type in ("scale5", "rating10", "ces"):
        shown = _question_with_hint(item, lang, hint)
        with _question_box(key):
            _scale_radio(
                item, _label(item, lang), item.id, answers, lang, key, label_visibility=shown
            )
    elif item.type in ("umux_lite", "sus"):
        st.markdown(_heading(item, lang))
        if hint:
            st.caption(hint)
        for answer_key, statement in zip(item.answer_keys(), item.statement_texts(), strict=True):
            _scale_radio(
                item,
                _text(statement, lang),
                answer_key,
                answers,
                lang,
                f"{key_prefix}:{answer_key}",
            )
    elif item.type in ("select_one", "yesno"):
        options = q.choice_options(item)
        codes = [c for c, _ in options]
        labels = {c: _text(lbl, lang) for c, lbl in options}
        current = answers.get(item.id)
        shown = _question_with_hint(item, lang, hint)
        with _question_box(key):
            st.radio(
                _label(item, lang),
                codes,
                index=codes.index(current) if current in codes else None,
                format_func=lambda c: labels[c],
                horizontal=item.type == "yesno",
                help=None,
                key=key,
                label_visibility=shown,
            )
    elif item.type == "select_multiple":
        st.markdown(_heading(item, lang))
        if hint:
            st.caption(hint)
        current = answers.get(item.id) or []
        for code, lbl in q.choice_options(item):
            st.checkbox(_text(lbl, lang), value=code in current, key=f"{key}:{code}")
    elif item.type == "text":
        shown = _question_with_hint(item, lang, hint)
        with _question_box(key):
            st.text_area(
                _label(item, lang),
                value=str(_initial(item, answers) or ""),
                max_chars=item.text_max_length,
                disabled=item.read_only,
                key=key,
                label_visibility=shown,
            )
    out = read_item(q, item, key_prefix, st.session_state, live or answers)
    if error and (failed is None or _same(item, out, failed)):
        st.error(error, icon=":material/error:")
    return out


def _xlsform_widget(item: Item) -> bool:
    """Drawn as XLSForm draws it (numbers, dates, notes; selects with an appearance or a
    choice_filter); otherwise as the e-loket's own scales and choices."""
    return item.type in XLSFORM_TYPES or (
        item.type in ("select_one", "select_multiple")
        and bool(item.appearance or item.choice_filter)
    )


def _options(q: Questionnaire, item: Item, live: Mapping[str, Any]) -> list:
    """The options of a select: those its choice_filter allows given the answers so far."""
    if not item.choice_filter:
        return q.choice_options(item)
    return q.choice_options(item, data.effective_answers(q, dict(live)))


def _minimal(item: Item) -> bool:
    return (item.appearance or "").split()[:1] == ["minimal"]


def _scale_answer(answer_key: str, choice: Any) -> dict[str, Any]:
    if choice is None:
        return {}
    return {answer_key: None if choice == NA_CODE else int(choice)}


def read_item(
    q: Questionnaire,
    item: Item,
    key_prefix: str,
    values: Mapping[str, Any],
    live: Mapping[str, Any],
) -> dict[str, Any]:
    """The answers an item's widgets hold, from their values by key (``st.session_state``):
    the one reading of the widgets, both after drawing them and in a button's callback (which
    saves a page before the next is drawn). `live`: the answers so far (a choice_filter)."""
    key = f"{key_prefix}:{item.id}"

    value = values.get
    kind = item.type
    v = value(key)
    if kind in ("scale5", "rating10", "ces"):
        return _scale_answer(item.id, v)
    if kind in ("umux_lite", "sus"):
        out: dict[str, Any] = {}
        for answer_key in item.answer_keys():
            out.update(_scale_answer(answer_key, value(f"{key_prefix}:{answer_key}")))
        return out
    if kind in ("integer", "decimal"):
        return {} if v is None else {item.id: int(v) if kind == "integer" else float(v)}
    if kind == "date":
        return {} if v is None else {item.id: v.isoformat()}
    if kind == "acknowledge":
        return {item.id: ACKNOWLEDGED} if v else {}
    if kind == "text":
        return {item.id: v} if isinstance(v, str) and v.strip() else {}
    if kind in ("select_one", "yesno"):
        return {} if v is None else {item.id: v}
    if kind == "select_multiple":
        if _xlsform_widget(item) and _minimal(item):
            ticked = list(v or [])
        else:
            ticked = [c for c, _ in _options(q, item, live) if value(f"{key}:{c}")]
        return {item.id: ticked} if ticked else {}
    return {}  # group, note, calculate: nothing to answer


# --- standard XLSForm types and appearances ------------------------------------------------

XLSFORM_TYPES = ("integer", "decimal", "date", "note", "acknowledge", "calculate", "group")


def _initial(item: Item, answers: Mapping[str, Any]) -> Any:
    """The stored answer, else the item's XLSForm default."""
    if item.id in answers:
        return answers[item.id]
    return item.default


def _render_xlsform_item(
    q: Questionnaire,
    item: Item,
    answers: Mapping[str, Any],
    lang: str,
    key: str,
    hint,
    live: Mapping[str, Any] | None = None,
) -> None:
    if item.type in ("group", "note"):
        text = _text(item.label, lang)
        st.markdown(f"#### {text}" if item.type == "group" else text)
        if hint:
            st.caption(hint)
        return
    if item.type == "calculate":
        return
    label, current = _label(item, lang), _initial(item, answers)
    boxes = item.type == "select_multiple" and not _minimal(item)  # one label per option
    with contextlib.nullcontext() if boxes else _question_box(key):
        _xlsform_widget_of(q, item, answers, lang, key, label, current, live)
    if hint:
        st.caption(hint)


def _xlsform_widget_of(q, item, answers, lang, key, label, current, live) -> None:
    """The widget of a standard XLSForm type, `label` its question (plain text)."""
    disabled = item.read_only
    if item.type in ("integer", "decimal"):
        number = data._as_number(current) if current not in (None, "") else None
        st.number_input(
            label,
            value=(int(number) if item.type == "integer" else number)
            if number is not None
            else None,
            step=1 if item.type == "integer" else None,
            format="%d" if item.type == "integer" else "%g",
            disabled=disabled,
            key=key,
        )
    elif item.type == "date":
        import datetime as dt

        iso = data._as_date(current) if current not in (None, "") else None
        st.date_input(
            label,
            value=dt.date.fromisoformat(iso) if iso else None,
            min_value=dt.date(1900, 1, 1),
            max_value=dt.date(2100, 12, 31),
            format="DD/MM/YYYY",
            disabled=disabled,
            key=key,
        )
    elif item.type == "acknowledge":
        st.checkbox(label, value=current == ACKNOWLEDGED, disabled=disabled, key=key)
    elif item.type in ("select_one", "select_multiple"):
        options = _options(q, item, live or answers)
        codes = [c for c, _ in options]
        labels = {c: _text(lbl, lang) for c, lbl in options}
        if item.type == "select_one":
            index = codes.index(current) if current in codes else None
            if _minimal(item):
                st.selectbox(
                    label,
                    codes,
                    index=index,
                    format_func=lambda c: labels[c],
                    placeholder=_choose(lang),
                    disabled=disabled,
                    key=key,
                )
            else:
                st.radio(
                    label,
                    codes,
                    index=index,
                    format_func=lambda c: labels[c],
                    horizontal="likert" in (item.appearance or ""),
                    disabled=disabled,
                    key=key,
                )
        else:
            chosen = current.split() if isinstance(current, str) else list(current or [])
            if _minimal(item):
                st.multiselect(
                    label,
                    codes,
                    default=[c for c in chosen if c in codes],
                    format_func=lambda c: labels[c],
                    placeholder=_choose(lang, several=True),
                    disabled=disabled,
                    key=key,
                )
            else:  # the question as a paragraph above its boxes, as for the e-loket's own
                st.markdown(_heading(item, lang))
                for c in codes:
                    st.checkbox(labels[c], value=c in chosen, disabled=disabled, key=f"{key}:{c}")


_ABSENT = object()


def _same(item: Item, now: Mapping[str, Any], then: Mapping[str, Any]) -> bool:
    keys = [*item.answer_keys(), item.id]
    return all(now.get(k, _ABSENT) == then.get(k, _ABSENT) for k in keys)


def render_section(
    q: Questionnaire,
    section: Section,
    answers: Mapping[str, Any],
    lang: str,
    key_prefix: str,
    errors: Mapping[str, str] | None = None,
    skip_logic: bool = True,
    failed: Mapping[str, Any] | None = None,
    split: tuple[int, Any, Any] | None = None,
) -> dict[str, Any]:
    """Draw the items of a section that are relevant (live, as the page is filled in) and
    return the page's answers. Answers of items that turn irrelevant are not returned.

    `split` = (index, head, tail): the items before `index` go into the container `head`, the
    others into `tail` (the survey's st.form, whose answers wait for Next)."""
    errors = errors or {}
    st.html(scale_style())
    position = {item.id: i for i, item in enumerate(section.items)}

    def draw(item: Item, live: Mapping[str, Any]) -> dict[str, Any]:
        where = contextlib.nullcontext()
        if split is not None:
            where = split[2] if position[item.id] >= split[0] else split[1]
        with where:
            return render_item(
                q, item, answers, lang, key_prefix, errors.get(item.id), live=live, failed=failed
            )

    return _each_shown(q, section, answers, skip_logic, draw)


def read_section(
    q: Questionnaire,
    section: Section,
    answers: Mapping[str, Any],
    key_prefix: str,
    values: Mapping[str, Any],
) -> dict[str, Any]:
    """The page's answers as :func:`render_section` drew them with `key_prefix`, read from the
    widgets' values (``st.session_state``) without drawing: a Next button's callback saves the
    page before the script draws the next one."""
    return _each_shown(
        q, section, answers, True, lambda item, live: read_item(q, item, key_prefix, values, live)
    )


def _each_shown(q, section, answers, skip_logic: bool, answer_of) -> dict[str, Any]:
    """The answers of the section's items that are shown, in order, each judged on the answers
    before it (skip logic); `answer_of(item, live)` draws or reads one item."""
    own = {k for it in section.items for k in it.answer_keys()}
    before = {k: v for k, v in answers.items() if k not in own}
    page: dict[str, Any] = {}
    # The earlier pages' effective answers do not change while this page is filled in: once.
    earlier = data.effective_answers(q, before) if skip_logic else {}
    for item in section.items:
        if skip_logic:
            shown = data.visible_items(q, section, {**before, **page}, effective=earlier)
            if item.id not in {it.id for it in shown}:
                continue
        page.update(answer_of(item, {**before, **page}))
    return page


def show_from_top(marker: str, first_error: bool = False) -> None:
    """After Next or Back, show the new page from its top and move the keyboard and
    screen-reader focus to its heading (Streamlit keeps the scroll position of the old page);
    with `first_error`, bring the first message next to a question into view instead.

    `marker` changes with every page or attempt, so the script runs again.
    """
    target = (
        "(main && main.querySelector('[data-testid=stAlertContentError]'))"
        if first_error
        else "null"
    )
    # The page is drawn after this frame: wait (up to 2 s) for the message to be there.
    script = (
        "<script>/* page " + marker.replace("*/", "") + " */"
        "const d = window.parent.document;"
        "function go(n) {"
        "  const main = d.querySelector('[data-testid=stMain]');"
        "  const err = " + target + ";"
        "  if (!err && " + ("true" if first_error else "false") + " && n > 0) {"
        "    return setTimeout(() => go(n - 1), 100); }"
        "  if (err) { err.scrollIntoView({block: 'center'});"
        "    const box = err.closest('[data-testid=stAlertContainer]') || err;"
        "    box.setAttribute('tabindex', '-1'); box.focus({preventScroll: true}); return; }"
        "  if (main) main.scrollTo(0, 0); window.parent.scrollTo(0, 0);"
        "  const h = main && main.querySelector('h2');"
        "  if (h) { h.setAttribute('tabindex', '-1'); h.focus({preventScroll: true}); }"
        "}"
        "go(20);"
        "</script>"
    )
    st.iframe(script, height=1, tab_index=-1, alt="Navigatie / navigation")
