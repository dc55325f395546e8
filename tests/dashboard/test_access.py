from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT

PAGES = [
    "views/overview.py",
    "views/response.py",
    "views/results.py",
    "views/improvements.py",
    "views/trend.py",
    "views/methodology.py",
    "views/waves.py",
]


@pytest.mark.parametrize("page", PAGES)
def test_a_dashboard_page_run_directly_shows_nothing_without_login(shared_env, page):
    at = AppTest.from_file(str(ROOT / page), default_timeout=30).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Deze pagina is alleen voor het team."]
    assert not at.title and not at.metric and not at.dataframe
    assert not at.get("vega_lite_chart")
