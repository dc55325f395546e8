"""The widgets' labels are the plain question text: Streamlit copies a label into the widget's
accessible name, so Markdown in it would be read aloud ("star star ...")."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

MARKDOWN = re.compile(r"\*\*|\\|(?<![\w*])\*\S[^*]*\*(?![\w*])")


def _eloket_page(lang: str):
    import streamlit as st

    from survey.form import render_section
    from tests.survey_form.world import questionnaire

    q = questionnaire()
    for section in q.sections:
        st.header(section.id)
        render_section(q, section, {}, lang, f"k{section.id}", skip_logic=False)


def _expected(lang: str) -> set[str]:
    from survey import form
    from tests.survey_form.world import questionnaire

    out = set()
    for item in questionnaire().items():
        if item.composite:
            out |= {form._text(s, lang) for s in item.statement_texts()}
        elif item.type in ("scale5", "rating10", "ces", "select_one", "yesno", "text"):
            out.add(form._text(item.label, lang) + (" *" if item.required else ""))
    return out


def test_every_question_label_is_its_plain_text():
    for lang in ("nl", "en"):
        at = AppTest.from_function(_eloket_page, args=(lang,)).run()
        assert not at.exception
        labels = [w.label for w in [*at.radio, *at.text_area]]
        assert [x for x in labels if MARKDOWN.search(x)] == []
        assert set(labels) == _expected(lang)
        # The headings drawn as Markdown paragraphs (above checkboxes, statements) keep it.
        assert any(m.value.startswith("**") for m in at.markdown)
