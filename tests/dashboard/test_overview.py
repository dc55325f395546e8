from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa

from ktm.dashboard import LIVE_TTL
from store import schema
from tests.dashboard.conftest import metric, open_page, texts


def test_overview_shows_status_counts_score_change_and_points(team_app):
    at = open_page(team_app, "views/overview.py")
    out = texts(at)
    assert "Meting 2026-2027 · veldwerk loopt" in out
    assert "Veldwerk**: 02/11/2026 tot 29/01/2027" in out
    assert "Demowereld" in out  # demo data are labelled as illustrative
    # The demo's open wave: 370 invited + 25 open-link completes, 41 partials (tests/test_demo).
    complete = metric(at, "Volledig ingevuld")
    assert complete.value == "395"
    assert metric(at, "Gedeeltelijk ingevuld").value == "41"
    rate = metric(at, "Responsgraad")
    assert rate.value.endswith("%") and "t.o.v. het minimum 30%" in rate.delta
    assert "Open link (zelfselectie, ongewogen): 25" in out
    score = metric(at, "Score op 100")
    assert "t.o.v. Meting 2025-2026" in score.delta
    assert "95%-betrouwbaarheidsinterval" in out
    assert out.count("Prioriteit: verbeteren") + out.count("Sterkte") + out.count("prioriteit") >= 3
    assert "**1. " in out and "**3. " in out and "**4. " not in out


def test_overview_in_english(team_app):
    team_app.session_state["lang"] = "en"
    at = open_page(team_app, "views/overview.py")
    assert metric(at, "Completes").value == "395"
    assert "against Meting 2025-2026" in metric(at, "Score out of 100").delta


def test_a_new_response_shows_on_the_overview_without_reload(team_app_rw, dash_env):
    at = open_page(team_app_rw, "views/overview.py")
    assert metric(at, "Volledig ingevuld").value == "395"
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
    time.sleep(LIVE_TTL + 0.2)  # the live count's cache lives LIVE_TTL seconds
    at.run()
    assert not at.exception
    assert metric(at, "Volledig ingevuld").value == "396"
    assert "Open link (zelfselectie, ongewogen): 26" in texts(at)
