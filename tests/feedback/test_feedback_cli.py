"""`ktm feedback publish|status|unpublish` through ktm.cli.main, mail server from $KTM_SMTP_*."""

from __future__ import annotations

import os

import pytest

from ktm.cli import main
from store import actions as A
from store.db import get_engine
from tests.feedback.conftest import answered_wave


@pytest.fixture
def env(monkeypatch, smtp, sqlite_url):
    handler, config = smtp
    for name in list(os.environ):
        if name.startswith("KTM_SMTP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KTM_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("KTM_PUBLIC_URL", "https://tevredenheid.example.be")
    return handler, config, get_engine(sqlite_url)


def _smtp_env(monkeypatch, config):
    monkeypatch.setenv("KTM_SMTP_HOST", config.host)
    monkeypatch.setenv("KTM_SMTP_PORT", str(config.port))
    monkeypatch.setenv("KTM_SMTP_SECURITY", "none")
    monkeypatch.setenv("KTM_SMTP_SENDER", config.sender)


def test_publish_sends_and_reports(env, monkeypatch, capsys):
    handler, config, engine = env
    w = answered_wave(engine, {"a": ("ja", "nl"), "c": ("ja", "en")})
    assert main(["feedback", "status", "--wave", str(w.wave_id)]) == 0
    assert "e-mails waiting: 2" in capsys.readouterr().out

    # No mail server while two respondents wait: a user error, nothing published.
    assert main(["feedback", "publish", "--wave", str(w.wave_id)]) == 2
    assert "KTM_SMTP_HOST" in capsys.readouterr().err
    assert A.published_waves(engine) == []

    _smtp_env(monkeypatch, config)
    handler.later.add(w.emails["a"])
    assert main(["feedback", "publish", "--wave", "latest"]) == 1  # one kept for a retry
    out = capsys.readouterr().out
    assert "e-mails sent and addresses deleted: 1" in out and w.emails["a"] in out
    assert "https://tevredenheid.example.be/feedback?wave=" in out

    handler.later.clear()
    assert main(["feedback", "publish", "--wave", str(w.wave_id)]) == 0
    assert sorted(handler.to()) == sorted(w.emails.values())
    assert A.consent_count(engine, w.wave_id) == 0

    assert main(["feedback", "unpublish", "--wave", str(w.wave_id)]) == 0
    assert A.published_waves(engine) == []


def test_user_errors_exit_2_without_traceback(env, capsys):
    _handler, _config, engine = env
    assert main(["feedback", "publish", "--wave", "42"]) == 2
    assert "bestaat niet" in capsys.readouterr().err
    from tests.survey_form.world import make_world

    world = make_world(engine)  # still open
    assert main(["feedback", "publish", "--wave", str(world.wave_id)]) == 2
    err = capsys.readouterr().err
    assert "niet afgesloten" in err and "Traceback" not in err
