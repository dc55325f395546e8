"""A question's hint stands under the question, above its options (issue 18: the hints of the
CES and the help item stood under the options, where they read as the next question's)."""

from __future__ import annotations

import pytest

ITEMS = ["ces", "hulp", "verbetering", "terugkoppeling"]


def _page(item_id: str) -> None:
    from pathlib import Path

    import yaml

    from survey.form import render_item
    from survey.schema import build_questionnaire

    path = Path.cwd() / "data" / "questionnaire" / "eloket.yaml"
    q = build_questionnaire(yaml.safe_load(path.read_text(encoding="utf-8")))
    render_item(q, q.item(item_id), {}, "nl", "p1")


@pytest.mark.parametrize("item_id", ITEMS)
def test_the_hint_comes_before_the_options(item_id, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import ROOT

    monkeypatch.chdir(ROOT)
    at = AppTest.from_function(_page, args=(item_id,)).run()
    assert not at.exception, at.exception
    kinds: list[str] = []  # the captions and widgets in the order drawn

    def walk(node):
        name = type(node).__name__
        if name in ("Caption", "Radio", "TextArea"):
            kinds.append(name)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    assert "Caption" in kinds, kinds
    assert kinds.index("Caption") < next(
        i for i, k in enumerate(kinds) if k in ("Radio", "TextArea")
    ), kinds
    widget = (at.radio or at.text_area)[0]
    assert widget.label  # still named for screen readers
