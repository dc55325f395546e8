"""The English team pages name the aspects in English (issue 18: the improvement points, the
results and the trend stayed "Doorlooptijd", "Opvolging", "Documenten" in English mode)."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import texts

#: Dutch names of aspects the demo world scores; none may stand on an English page.
DUTCH = ("Doorlooptijd", "Opvolging", "Communicatie", "Documenten", "Formulieren", "Stageplan")


def _english(page: str):
    from ktm.webapp import TEAM_KEY
    from tests.app.conftest import new_app

    at = new_app()
    at.session_state[TEAM_KEY] = "team"
    at.session_state["lang"] = "en"
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _everything(at) -> str:
    parts = [texts(at), *(e.label for e in at.expander)]
    parts += [d.value.to_string() for d in at.dataframe]
    parts += [" ".join(map(str, s.options)) for s in at.selectbox]
    return "\n".join(parts)


@pytest.mark.parametrize("page", ["improvements", "results", "trend"])
def test_english_pages_name_the_aspects_in_english(shared_env, page):
    shown = _everything(_english(f"views/{page}.py"))
    assert [w for w in DUTCH if w in shown] == []
    assert "Processing time" in shown and "Follow-up" in shown
    if page != "improvements":  # (the open answers there are the respondents' own words)
        words = (" geen ", " en ", " van ", " het ", "verander", "verbeter", "vergelijk")
        assert [w for w in words if w in f" {shown.lower()} "] == [], page


def test_dutch_pages_keep_the_dutch_names(team_app):
    from tests.dashboard.conftest import open_page

    shown = _everything(open_page(team_app, "views/improvements.py"))
    assert "Doorlooptijd" in shown and "Processing time" not in shown


def test_results_breakdowns_show_labels_never_codes(shared_env):
    # Dutch only: in AppTest a widget's format_func runs again between runs, outside the
    # script, where the page language reads as Dutch (English is checked above, one run).
    lang = "nl"
    from ktm.webapp import TEAM_KEY
    from survey.schema import PROFESSIONS
    from tests.app.conftest import new_app
    from vocabulary import RESPONSE_MODES

    at = new_app()
    at.session_state[TEAM_KEY] = "team"
    at.session_state["lang"] = lang
    at.switch_page("views/results.py").run()
    codes = {*PROFESSIONS, *RESPONSE_MODES, "documenten", "doorlooptijd"}
    seen = []
    for var in ("profession", "training_year", "university", "mode"):
        at.selectbox(key="results_by").set_value(var).run()
        assert not at.exception, at.exception
        for frame in at.dataframe:
            for column in frame.value.columns:
                values = {str(v) for v in frame.value[column]}
                seen.append(column)
                assert not values & codes, (var, column, sorted(values & codes))
                assert not any("_" in v for v in values), (var, column, sorted(values))
    assert seen
