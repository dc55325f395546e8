"""The team's signed session cookie (issue 18 item 4): what it holds, and what is refused."""

from __future__ import annotations

import stat
import time

from ktm import auth


def test_a_session_reads_back_and_a_changed_one_does_not(tmp_path, monkeypatch):
    monkeypatch.setenv("KTM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KTM_SESSION_SECRET", raising=False)
    secret = auth.session_secret()
    # The secret is made once, kept in the data folder for the app's user only.
    assert auth.session_secret() == secret and len(secret) == 64
    assert stat.S_IMODE((tmp_path / "session_secret").stat().st_mode) == 0o600
    expires = time.time() + 3600
    value = auth.make_session(secret, "team", "en", expires)
    found = auth.read_session(secret, value)
    assert (found.user, found.lang, found.expires) == ("team", "en", int(expires))
    assert not found.expired(time.time())
    body, signature = value.split(".")
    forged = auth.make_session(b"another secret", "team", "en", expires)
    assert auth.read_session(secret, forged) is None
    assert auth.read_session(secret, body + "." + signature[:-2] + "AA") is None
    assert auth.read_session(secret, "") is None and auth.read_session(secret, "x.y.z") is None


def test_an_expired_session_is_read_as_expired(monkeypatch):
    monkeypatch.setenv("KTM_SESSION_SECRET", "s" * 40)
    secret = auth.session_secret()
    assert secret == b"s" * 40
    found = auth.read_session(secret, auth.make_session(secret, "team", "nl", time.time() - 1))
    assert found is not None and found.expired(time.time())
