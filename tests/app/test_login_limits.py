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
