"""The web form draws the standard XLSForm types and returns answers the store accepts."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page():
    import streamlit as st

    from survey import data, loaders
    from survey.form import render_section

    q = loaders.loads_yaml(
        """
id: t
version: "1"
languages: [nl]
title: {nl: T}
choices:
  land: [{code: be, label: {nl: België}}, {code: nl, label: {nl: Nederland}}]
  stad:
    - {code: gent, label: {nl: Gent}, extra: {land: be}}
    - {code: utrecht, label: {nl: Utrecht}, extra: {land: nl}}
sections:
  - id: p
    title: {nl: P}
    items:
      - {id: age, type: integer, label: {nl: Leeftijd}, default: "30"}
      - {id: km, type: decimal, label: {nl: Km}}
      - {id: born, type: date, label: {nl: Geboren}}
      - {id: info, type: note, label: {nl: Lees dit}}
      - {id: ok, type: acknowledge, label: {nl: Akkoord}}
      - {id: land, type: select_one, choices: land, appearance: minimal, label: {nl: Land}}
      - {id: stad, type: select_one, choices: stad, choice_filter: "land = ${land}", label: {nl: Stad}}
      - {id: deel, type: group, label: {nl: Deel twee}, relevant: "${age} >= 18"}
      - {id: job, type: text, group: deel, label: {nl: Beroep}}
"""
    )
    answers = st.session_state.get("answers", {})
    page = render_section(q, q.sections[0], answers, "nl", "k")
    st.session_state["answers"] = page
    st.session_state["errors"] = data.validate_page(q, q.sections[0], page)


def test_new_types_are_drawn_and_answered():
    at = AppTest.from_function(_page).run()
    assert not at.exception
    [age, km] = at.number_input
    assert age.value == 30  # the XLSForm default
    assert [m.value for m in at.markdown if m.value == "Lees dit"]
    assert any(h.value.startswith("#### Deel twee") for h in at.markdown)
    at.selectbox[0].set_value("be").run()
    # choice_filter: only the cities of the chosen country
    assert at.radio[0].options == ["Gent"]
    at.number_input[1].set_value(2.5)
    at.checkbox[0].check()
    at.run()
    answers = at.session_state["answers"]
    assert answers["age"] == 30 and answers["km"] == 2.5 and answers["ok"] == "OK"
    assert answers["land"] == "be"
    assert at.session_state["errors"] == {}
    at.number_input[0].set_value(12).run()
    # the nested group is skipped under 18: its heading and question disappear
    assert not any(h.value.startswith("#### Deel twee") for h in at.markdown)
    assert not at.text_area
