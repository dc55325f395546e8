"""Load (issue 11 item 1): 200 respondents answer at once through the form's code path
(store.responses), on SQLite (WAL) and PostgreSQL: none lost, none duplicated, every answer
stored as given. Latency figures are the benchmark's job (benchmarks/bench_load.py); here the
run only has to finish (pytest-timeout bounds it)."""

from __future__ import annotations

import pytest

from store.db import get_engine
from tests.reliability.respondents import audit, make_respondents, run_load

N = 200


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_200_respondents_at_once_lose_and_duplicate_nothing(db_url):
    engine = get_engine(db_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    world = make_respondents(engine, N)

    result = run_load(engine, world)

    assert result.errors == [], result.errors[:3]
    assert sorted(result.response_ids) == sorted(set(result.response_ids))
    assert len(result.save_latencies) == N * 6
    found = audit(engine, world.wave_id)
    assert found == {
        "responses": N,
        "complete": N,
        "duplicated": 0,
        "wrong_answers": 0,
        "dispositions": {"complete": N},
        "revisions": [7],  # six pages and the completion, each exactly once
    }
