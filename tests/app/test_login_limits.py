"""Team login: failed attempts are limited per client and in all, and logged (issue 19.7)."""

from __future__ import annotations

import logging

import pytest

from ktm import auth
from tests.app.conftest import TEAM_PASSWORD, new_app


def test_a_client_is_refused_after_its_failures_until_the_window_passes():
    limiter = auth.LoginLimiter(per_client=3, window_s=60, overall=100)
    for i in range(3):
        assert limiter.wait_s("a", now=i) == 0
        limiter.failed("a", now=i)
    assert limiter.wait_s("a", now=5) == 55  # until the oldest failure (t=0) leaves
    assert limiter.wait_s("b", now=5) == 0  # another client is not affected
    assert limiter.wait_s("a", now=61) == 0  # the oldest failure left the window


def test_failures_in_all_are_limited_whatever_the_client():
    limiter = auth.LoginLimiter(per_client=100, overall=5, overall_window_s=60)
    for i in range(5):
        limiter.failed(f"client-{i}", now=i)
    assert limiter.wait_s("fresh", now=10) > 0
    assert limiter.wait_s("fresh", now=70) == 0


def test_a_success_clears_the_client_and_everything_is_logged(caplog):
    limiter = auth.LoginLimiter(per_client=2)
    caplog.set_level(logging.INFO, logger="ktm.auth")
    limiter.failed("c" * 64, now=0)
    limiter.succeeded("c" * 64)
    assert limiter.wait_s("c" * 64, now=1) == 0
    text = caplog.text
    assert "team login failed" in text and "team login: client" in text
    assert "c" * 13 not in text  # a key prefix only


@pytest.fixture
def limiter(monkeypatch):
    fresh = auth.LoginLimiter(per_client=3)
    monkeypatch.setattr(auth, "LIMITER", fresh)
    monkeypatch.setattr(auth, "FAILED_LOGIN_DELAY_S", 0)
    return fresh


def test_the_login_page_stops_hashing_after_the_client_limit(app_env, limiter, monkeypatch):
    calls = []
    verify = auth.verify_password

    def counting(password, stored):
        calls.append(password)
        return verify(password, stored)

    monkeypatch.setattr(auth, "verify_password", counting)
    at = new_app().run()
    at.switch_page("views/login.py").run()
    for i in range(3):
        at.text_input[0].input(f"wrong password {i}")
        at.button[0].click().run()
        assert [e.value for e in at.error] == ["Onjuist wachtwoord."]
    at.text_input[0].input(TEAM_PASSWORD)  # even the right one waits: this client guessed
    at.button[0].click().run()
    assert "Te veel mislukte aanmeldingen" in at.error[0].value
    assert len(calls) == 3  # no argon2 hash for a refused attempt
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("views/overview.py")


# --- across replicas: the failures are rows in the database (issue 19.7) ---------------------


def test_two_replicas_on_one_database_count_the_same_failures(engine, caplog):
    """Two limiters (two app processes) on one database: a client's failures on one replica
    count on the other, the overall limit too, and the rows expire with the window."""
    import time

    import sqlalchemy as sa

    from ktm.clientkey import keyed
    from store.schema import login_attempts

    caplog.set_level(logging.INFO, logger="ktm.auth")
    one = auth.LoginLimiter(per_client=3, window_s=60, overall=5, overall_window_s=30).bind(engine)
    two = auth.LoginLimiter(per_client=3, window_s=60, overall=5, overall_window_s=30).bind(engine)
    client = keyed("192.0.2.7", "replica secret")
    t0 = time.time()
    one.failed(client, now=t0)
    two.failed(client, now=t0 + 1)
    assert one.wait_s(client, now=t0 + 2) == 0
    one.failed(client, now=t0 + 2)
    assert two.wait_s(client, now=t0 + 3) == pytest.approx(57, abs=0.01)  # refused elsewhere too
    assert two.wait_s(keyed("192.0.2.8", "replica secret"), now=t0 + 3) == 0
    two.failed("other-1", now=t0 + 3)
    one.failed("other-2", now=t0 + 3)
    # 5 failures in all within 30 s: everybody waits, on both replicas.
    assert one.wait_s("fresh", now=t0 + 4) == pytest.approx(26, abs=0.01)
    assert two.wait_s("fresh", now=t0 + 31) == 0
    with engine.connect() as conn:
        keys = set(conn.execute(sa.select(login_attempts.c.client_key)).scalars())
    assert client in keys and "192.0.2.7" not in str(keys)  # only the HMAC is stored
    # A failure after the window deletes the expired rows: the table holds minutes only.
    two.failed("late", now=t0 + 64)
    with engine.connect() as conn:
        left = conn.execute(sa.select(sa.func.count()).select_from(login_attempts)).scalar()
    assert left == 1
    assert one.wait_s(client, now=t0 + 64) == 0
    one.succeeded("late")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(login_attempts)).scalar() == 0
    assert "team login refused: client" in caplog.text and "team login failed" in caplog.text
    assert client[:13] not in caplog.text  # a key prefix only


def test_the_login_page_counts_in_the_database(app_env, monkeypatch):
    """The app's limiter is bound to the app's database: a refusal survives a new process's
    limiter (a fresh LoginLimiter on the same database refuses the same client)."""
    from store.db import get_engine

    monkeypatch.setattr(auth, "LIMITER", auth.LoginLimiter(per_client=2))
    monkeypatch.setattr(auth, "FAILED_LOGIN_DELAY_S", 0)
    at = new_app().run()
    at.switch_page("views/login.py").run()
    for i in range(2):
        at.text_input[0].input(f"wrong password {i}")
        at.button[0].click().run()
    elsewhere = auth.LoginLimiter(per_client=2).bind(get_engine(app_env))
    from ktm.clientkey import client_address, keyed

    # AppTest has no client address: the page's key is that of "unknown".
    key = keyed(client_address(None, None, 0))
    assert elsewhere.wait_s(key) > 0
