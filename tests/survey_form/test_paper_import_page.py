"""The Paper answers page's file import (AppTest on a real SQLite file)."""

from __future__ import annotations

import io

import pandas as pd

from store.db import get_engine
from tests.app.conftest import login, new_app
from tests.store.test_response_import import _form, _xlsx
from tests.survey_form.helpers import responses
from tests.survey_form.world import make_world


def test_a_file_of_paper_forms_is_imported_or_refused_whole(app_env):
    world = make_world(get_engine(app_env))
    at = login(new_app().run())
    at.switch_page("views/paper.py").run()
    assert not at.exception, at.exception
    template = at.download_button(key="import_template")
    assert template

    bad = _xlsx([_form(0), _form(1, tevredenheid=42)])
    at.file_uploader(key="import_file").set_value(("papier.xlsx", bad, "application/octet-stream"))
    at.run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert any("er is niets bewaard" in e.value for e in at.error)
    assert responses(app_env) == []
    listed = pd.read_csv(
        io.BytesIO(at.session_state["import_problems"]["csv"]), sep=";", encoding="utf-8-sig"
    )
    assert list(zip(listed["rij / row"], listed["kolom / column"], strict=True)) == [
        (3, "tevredenheid")
    ]

    good = _xlsx([_form(0), _form(1)])
    at.file_uploader(key="import_file").set_value(("papier.xlsx", good, "application/octet-stream"))
    at.run()
    at.button(key="import_run").click().run()
    assert not at.exception, at.exception
    assert any("2 antwoorden ingelezen" in s.value for s in at.success)
    rows = responses(app_env)
    assert [(r["wave_id"], r["mode"], r["status"]) for r in rows] == [
        (world.wave_id, "paper", "complete")
    ] * 2
