from __future__ import annotations

import sqlalchemy as sa

from store import schema
from tests.analysis.test_scores_eloket import ASPECTS
from tests.dashboard.conftest import chart_labels, live_caches_expire, open_page, texts


def _ranked(at):
    return next(d.value for d in at.dataframe if d.value.columns[0] == "#")


def test_improvement_points_chart_ranking_and_open_answers(team_app):
    at = open_page(team_app, "views/improvements.py")
    ranked = _ranked(at)
    assert list(ranked["#"]) == list(range(1, len(ranked) + 1))
    # The demo makes processing time and follow-up the weak, important aspects.
    assert set(ranked["Aspect"][:2]) == {"Doorlooptijd", "Opvolging"}
    assert set(ranked["Kwadrant"][:2]) == {"Prioriteit: verbeteren"}
    # Each bar is labelled "<aspect> — <quadrant>", in the ranking's order.
    drawn = [label.split(" — ")[0] for label in chart_labels(at)]
    assert drawn == list(ranked["Aspect"])
    assert at.expander[0].label.startswith("1. ")
    assert "minstens 5 respondenten" in texts(at)
    first_answers = [d.value for d in at.expander[0].dataframe]
    assert first_answers and first_answers[0]["Aantal"].sum() == int(ranked["Open antwoorden"][0])


def test_open_answers_of_small_cells_are_withheld(team_app_rw, dash_env):
    at = open_page(team_app_rw, "views/improvements.py")
    before = int(_ranked(at)["Open antwoorden"].astype(int).sum())
    engine = sa.create_engine(dash_env)
    with engine.begin() as conn:  # every profession but two has fewer than 40 respondents
        conn.execute(
            sa.update(schema.waves).where(schema.waves.c.status == "open").values(disclosure_k=40)
        )
    engine.dispose()
    live_caches_expire()  # as after LIVE_TTL seconds
    at.run()
    after = int(_ranked(at)["Open antwoorden"].astype(int).sum())
    assert 0 < after < before
    assert "minstens 40 respondenten" in texts(at)


def test_importance_intervals_and_ranks_that_cannot_be_told_apart(team_app):
    import re

    at = open_page(team_app, "views/improvements.py")
    ranked = _ranked(at)
    aspects = list(ranked["Aspect"])

    def pct(text):
        return float(text.rstrip("%").replace(",", "."))

    for share, ci in zip(ranked["Belang"], ranked["95%-BI belang"], strict=True):
        lo, hi = (pct(x) for x in ci.split(" – "))
        assert lo <= pct(share) <= hi and lo < hi
    said = [w.value for w in at.warning if w.value.startswith("Niet van elkaar te onderscheiden")]
    told = [c.value for c in at.caption if c.value.startswith("Elke rang verschilt")]
    assert len(said) + len(told) == 1  # the page says one or the other, never nothing
    pairs = re.findall(r"(\d+) en (\d+) \(([^,]+), ([^)]+)\)", said[0]) if said else []
    for r, r_next, a, b in pairs:  # every pair named is two neighbours of the table
        assert int(r_next) == int(r) + 1
        assert (aspects[int(r) - 1], aspects[int(r)]) == (a, b)
    # 185 complete answers cannot order eight aspects whose shares are 9-19%: ties are named
    assert pairs and "200 replicaties" in said[0]


DRIVERS = ASPECTS  # the e-loket's eight aspects, the key drivers


def test_too_few_respondents_who_rated_every_aspect_says_how_many(team_app_rw, dash_env):
    """QA finding 19: the analysis needs respondents who rated every aspect (complete cases
    without n.v.t.), not completed questionnaires: the page says so, with found and needed."""
    import datetime as dt
    import re

    now = dt.datetime.now(dt.UTC)
    engine = sa.create_engine(dash_env)
    r = schema.responses
    with engine.begin() as conn:
        open_id = conn.execute(
            sa.select(schema.waves.c.id).where(schema.waves.c.status == "open")
        ).scalar_one()
        rows = conn.execute(
            sa.select(r.c.id, r.c.answers)
            .where(r.c.wave_id == open_id, r.c.status == "complete")
            .order_by(r.c.id)
        ).all()
        # All but four completed questionnaires skip one aspect (n.v.t.), a different one in
        # turn, so every aspect is still answered by most and stays in the model.
        for i, (rid, answers) in enumerate(rows[4:]):
            answers = dict(answers)
            answers.pop(DRIVERS[i % len(DRIVERS)], None)
            conn.execute(
                sa.update(r)
                .where(r.c.id == rid)
                .values(answers=answers, revision=r.c.revision + 1, updated_at=now)
            )
    engine.dispose()
    assert len(rows) > 50
    live_caches_expire()
    at = open_page(team_app_rw, "views/improvements.py")
    out = texts(at)
    m = re.search(
        r"Nog te weinig respondenten die elk aspect beoordeelden \(zonder n\.v\.t\.\) voor een "
        r"sleutelanalyse: (\d+) van de 10 nodig\.",
        out,
    )
    assert m, out[:2000]
    assert int(m.group(1)) <= 4
    assert "volledige antwoorden" not in out
    team_app_rw.session_state["lang"] = "en"
    at = open_page(team_app_rw, "views/improvements.py")
    assert re.search(
        r"Too few respondents who rated every aspect \(without n/a\) for a key-driver analysis "
        r"yet: \d+ of the 10 needed\.",
        texts(at),
    )
