"""Driving the survey page in AppTest: find widgets by answer key, fill pages, read the store."""

from __future__ import annotations

import sqlalchemy as sa

from store import schema
from store.db import get_engine
from tests.app.conftest import new_app


def survey_app(url_params: dict):
    at = new_app()
    for k, v in url_params.items():
        at.query_params[k] = v
    return at.run()


def _find(widgets, suffix):
    return [w for w in widgets if w.key and w.key.endswith(":" + suffix)]


def fill(at, page: dict, rounds: int = 3):
    """Answer a page like a person: what appears after a click (skip logic) is answered next.

    On a page that is a form (no skip logic on it) the browser sends nothing until Next: the
    answers are set and wait for the click, as in the browser."""
    todo = dict(page)
    for _ in range(rounds):
        progressed = False
        in_form = False
        for key, value in list(todo.items()):
            if isinstance(value, list):
                boxes = [w for w in at.checkbox if w.key and f":{key}:" in w.key]
                if not boxes:
                    continue
                for box in boxes:
                    box.set_value(box.key.rsplit(":", 1)[1] in value)
                widget = boxes[0]
            elif radios := _find(at.radio, key):
                widget = radios[0].set_value("nvt" if value is None else value)
            elif areas := _find(at.text_area, key):
                widget = areas[0].set_value(value)
            else:
                continue
            in_form = in_form or bool(widget.form_id)
            del todo[key]
            progressed = True
        if in_form and not todo:
            return at
        at.run()
        assert not at.exception, at.exception
        if not todo:
            return at
        if not progressed:
            break
    raise AssertionError(f"no widget for {sorted(todo)} on page {header(at)}")


def header(at) -> str | None:
    return at.header[0].value if at.header else None


def click(at, key: str):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def next_page(at):
    return click(at, "survey_next")


def rows(url: str, table) -> list[dict]:
    with get_engine(url).connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(table).order_by(table.c.id)).mappings()]


def responses(url: str) -> list[dict]:
    return rows(url, schema.responses)


def invitation(url: str, invitation_id: int) -> dict:
    return next(r for r in rows(url, schema.invitations) if r["id"] == invitation_id)


def texts(at) -> str:
    """Every text a person reads on the page, in one string."""
    parts = []
    for kind in ("title", "header", "markdown", "info", "success", "warning", "error", "caption"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)
