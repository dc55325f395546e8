from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from store import schema
from tests.dashboard.conftest import live_caches_expire, metric, open_page, texts


def open_wave_counts(url: str) -> dict[str, int]:
    """What the store holds for the open wave: completes (all modes), partials, open link."""
    engine = sa.create_engine(url)
    r = schema.responses
    with engine.connect() as conn:
        wave_id = conn.execute(
            sa.select(schema.waves.c.id).where(schema.waves.c.status == "open")
        ).scalar_one()
        rows = conn.execute(
            sa.select(r.c.mode, r.c.status, sa.func.count())
            .where(r.c.wave_id == wave_id)
            .group_by(r.c.mode, r.c.status)
        ).all()
    engine.dispose()
    n = {(m, s): c for m, s, c in rows}
    return {
        "complete": sum(c for (_, s), c in n.items() if s == "complete"),
        "partial": sum(c for (_, s), c in n.items() if s == "partial"),
        "open": n.get(("open", "complete"), 0),
    }


def test_overview_shows_status_counts_score_change_and_points(team_app, shared_env):
    at = open_page(team_app, "views/overview.py")
    out = texts(at)
    assert "Meting 2026-2027 · veldwerk loopt" in out
    assert "Veldwerk**: 2 november 2026 tot 29 januari 2027" in out
    assert "Demowereld" in out  # demo data are labelled as illustrative
    counts = open_wave_counts(shared_env)
    assert counts["complete"] > counts["open"] > 0 and counts["partial"] > 0
    assert metric(at, "Volledig ingevuld").value == str(counts["complete"])
    assert metric(at, "Gedeeltelijk ingevuld").value == str(counts["partial"])
    rate = metric(at, "Responsgraad")
    assert rate.value.endswith("%") and rate.delta.endswith(" pp t.o.v. minimum 30%")
    assert len(rate.delta) <= 30  # one line in a third of the page: nothing cut
    assert f"Open link (zelfselectie, ongewogen): {counts['open']}" in out
    score = metric(at, "Score op 100")
    assert "t.o.v. Meting 2025-2026" in score.delta
    assert len(score.delta) <= 30  # the verdict and p in the caption beside it: nothing cut
    assert any("significant" in c.value and "p " in c.value for c in at.caption)
    assert "95%-betrouwbaarheidsinterval" in out
    assert out.count("Prioriteit: verbeteren") + out.count("Sterkte") + out.count("prioriteit") >= 3
    assert "**1. " in out and "**3. " in out and "**4. " not in out


def test_overview_in_english(team_app, shared_env):
    team_app.session_state["lang"] = "en"
    at = open_page(team_app, "views/overview.py")
    assert metric(at, "Completes").value == str(open_wave_counts(shared_env)["complete"])
    assert "against Meting 2025-2026" in metric(at, "Score out of 100").delta
    assert metric(at, "Response rate").delta.endswith(" pp vs minimum 30%")


def test_a_new_response_shows_on_the_overview_without_reload(team_app_rw, dash_env):
    at = open_page(team_app_rw, "views/overview.py")
    before = open_wave_counts(dash_env)
    assert metric(at, "Volledig ingevuld").value == str(before["complete"])
    engine = sa.create_engine(dash_env)
    with engine.begin() as conn:
        wave_id = conn.execute(
            sa.select(schema.waves.c.id).where(schema.waves.c.status == "open")
        ).scalar_one()
        row = (
            conn.execute(
                sa.select(schema.responses).where(
                    schema.responses.c.wave_id == wave_id,
                    schema.responses.c.mode == "open",
                    schema.responses.c.status == "complete",
                )
            )
            .mappings()
            .first()
        )
        now = dt.datetime.now(dt.UTC)
        new = {k: v for k, v in row.items() if k not in ("id", "session_key")}
        new.update(updated_at=now, completed_at=now)
        conn.execute(sa.insert(schema.responses).values(**new))
    engine.dispose()
    live_caches_expire()  # as after LIVE_TTL seconds
    at.run()
    assert not at.exception
    assert metric(at, "Volledig ingevuld").value == str(before["complete"] + 1)
    assert f"Open link (zelfselectie, ongewogen): {before['open'] + 1}" in texts(at)


def test_a_closed_waves_short_strata_did_not_reach_their_minimum(team_app):
    """QA finding 29: once the fieldwork is over, a stratum short of its minimum "did not
    reach" it; "still short" / "nog niet" is for an open wave only."""
    at = open_page(team_app, "views/overview.py", "Meting 2025-2026")
    out = texts(at)
    assert "strata haalden hun minimum niet: zie Respons." in out
    assert "halen hun minimum nog niet" not in out
    team_app.session_state["lang"] = "en"
    at = open_page(team_app, "views/overview.py", "Meting 2025-2026")
    out = texts(at)
    assert "strata did not reach their minimum: see Response." in out
    assert "still short" not in out
