"""The team's login when no OIDC provider is configured: one team password, stored as a hash.

Where the hash comes from, first found wins: $KTM_TEAM_PASSWORD_HASH, `[ktm] team_password_hash`
in .streamlit/secrets.toml, or the file ./var/team_password.argon2 that `ktm team-password`
(and `ktm serve` on a first start) writes. The password itself is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ktm.config import data_dir, settings

_hasher = PasswordHasher()
# Failed attempts cost time, so guessing the team password online is slow.
FAILED_LOGIN_DELAY_S = 1.0


def hash_password(password: str) -> str:
    if len(password) < 12:
        raise ValueError(
            "Het wachtwoord moet minstens 12 tekens lang zijn / at least 12 characters"
        )
    return _hasher.hash(password)


def password_file() -> Path:
    return data_dir() / "team_password.argon2"


def configured_hash(secrets_section: dict | None = None) -> str | None:
    env = settings().team_password_hash
    if env:
        return env
    if secrets_section and secrets_section.get("team_password_hash"):
        return str(secrets_section["team_password_hash"]).strip()
    path = password_file()
    if path.exists():
        return path.read_text(encoding="utf-8").strip() or None
    return None


def verify_password(password: str, stored_hash: str | None) -> bool:
    if not stored_hash or not password:
        time.sleep(FAILED_LOGIN_DELAY_S)
        return False
    try:
        ok = _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        time.sleep(FAILED_LOGIN_DELAY_S)
    return ok


def write_password_file(password: str | None = None) -> str:
    """Store the hash of `password` (a random one when None) and return the password."""
    password = password or secrets.token_urlsafe(12)
    path = password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(hash_password(password) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return password


# --- limits on guessing (issue 19.7) ---------------------------------------------------------

log = logging.getLogger("ktm.auth")


@dataclass
class LoginLimiter:
    """Failed team logins per client and in all, over a sliding window.

    A client with `per_client` failures within `window_s` is refused without a password hash
    being computed until its oldest failure leaves the window; when all clients together
    reach `overall` failures within `overall_window_s`, every attempt waits for the rest of
    that window (a distributed guess cannot burn the server's CPU either). Only one argon2
    verification runs at a time in a process (`verify`). Every failure and refusal is logged
    (client key prefix only, never the password).

    With `engine` set (the app binds its database, `bind`), the failures are rows of the
    table login_attempts, so every replica on that database counts the same failures; without
    one (a unit test) they are counted in this process's memory.
    """

    per_client: int = 5
    window_s: float = 15 * 60
    overall: int = 30
    overall_window_s: float = 60
    engine: Any = None
    _failures: dict = field(default_factory=dict)
    _all: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _verifying: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(1)
    )

    def bind(self, engine) -> LoginLimiter:
        """Count in `engine`'s database (the app's one engine, the same on every run)."""
        self.engine = engine
        return self

    def _prune(self, now: float) -> None:
        while self._all and now - self._all[0] >= self.overall_window_s:
            self._all.popleft()
        for key in list(self._failures):
            q = self._failures[key]
            while q and now - q[0] >= self.window_s:
                q.popleft()
            if not q:
                del self._failures[key]

    def _counts(self, client: str, now: float) -> tuple[int, float, int, float]:
        """(this client's failures in its window, the oldest one's age, everyone's failures
        in the overall window, the oldest one's age)."""
        if self.engine is not None:
            from store import logins

            mine, first, everyone, first_all = logins.counts(
                self.engine,
                client,
                _utc(now),
                timedelta(seconds=self.window_s),
                timedelta(seconds=self.overall_window_s),
            )
            at = _utc(now)
            age = (at - first).total_seconds() if first else 0.0
            age_all = (at - first_all).total_seconds() if first_all else 0.0
            return mine, age, everyone, age_all
        with self._lock:
            self._prune(now)
            q = self._failures.get(client)
            return (
                len(q) if q else 0,
                now - q[0] if q else 0.0,
                len(self._all),
                now - self._all[0] if self._all else 0.0,
            )

    def _now(self, now: float | None) -> float:
        if now is not None:
            return now
        # The store's rows are compared across replicas: wall-clock time there.
        return time.time() if self.engine is not None else time.monotonic()

    def wait_s(self, client: str, now: float | None = None) -> float:
        """0 when `client` may try now, else the seconds until it may."""
        now = self._now(now)
        mine, age, everyone, age_all = self._counts(client, now)
        if mine >= self.per_client:
            log.warning("team login refused: client %s over its limit", client[:12])
            return max(self.window_s - age, 1.0)
        if everyone >= self.overall:
            log.warning("team login refused: %d failures in all within a minute", everyone)
            return max(self.overall_window_s - age_all, 1.0)
        return 0.0

    def failed(self, client: str, now: float | None = None) -> None:
        now = self._now(now)
        if self.engine is not None:
            from store import logins

            keep = timedelta(seconds=max(self.window_s, self.overall_window_s))
            n = logins.failed(self.engine, client, _utc(now), keep)
        else:
            with self._lock:
                self._failures.setdefault(client, deque()).append(now)
                self._all.append(now)
                n = len(self._failures[client])
        log.warning("team login failed: client %s (%d in the window)", client[:12], n)

    def succeeded(self, client: str) -> None:
        if self.engine is not None:
            from store import logins

            logins.succeeded(self.engine, client)
        else:
            with self._lock:
                self._failures.pop(client, None)
        log.info("team login: client %s", client[:12])

    def verify(self, password: str, stored_hash: str | None, timeout_s: float = 10) -> bool | None:
        """verify_password, one at a time in this process; None when the server is too busy."""
        if not self._verifying.acquire(timeout=timeout_s):
            return None
        try:
            return verify_password(password, stored_hash)
        finally:
            self._verifying.release()


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


LIMITER = LoginLimiter()


# --- the team's session cookie ----------------------------------------------------------------
# A password login lasts a working day across reloads, bookmarks and typed URLs: the browser
# keeps a cookie with who, the language and the expiry, signed (HMAC-SHA256) with a secret of
# this installation. Only the server can make one; a changed or expired one counts as none.

SESSION_COOKIE = "ktm_team"


def session_secret(secrets_section: dict | None = None) -> bytes:
    """$KTM_SESSION_SECRET, `[ktm] session_secret` in secrets.toml, else a random secret kept
    in the data folder (made on first use, readable by the app's user only). Replicas behind
    one load balancer need the same one: set it in the environment or in secrets.toml."""
    env = os.environ.get("KTM_SESSION_SECRET")
    if env:
        return env.strip().encode()
    if secrets_section and secrets_section.get("session_secret"):
        return str(secrets_section["session_secret"]).strip().encode()
    path = data_dir() / "session_secret"
    if not path.exists():
        # Written whole under another name, then linked in place: sessions starting at the
        # same moment never read a half-written secret, and the first one made wins.
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".session_secret.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text(encoding="utf-8").strip().encode()


def _sign(secret: bytes, payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(secret, payload, hashlib.sha256).digest()).decode()


def make_session(secret: bytes, user: str, lang: str, expires: float) -> str:
    """The cookie's value: base64(JSON) '.' signature."""
    payload = json.dumps({"u": user, "l": lang, "e": int(expires)}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(payload.encode()).decode()
    return f"{body}.{_sign(secret, body.encode())}"


@dataclass(frozen=True)
class Session:
    user: str
    lang: str
    expires: float

    def expired(self, now: float) -> bool:
        return now >= self.expires


def read_session(secret: bytes, value: str | None) -> Session | None:
    """The session a cookie holds, expired or not; None if it is missing or not ours."""
    if not value or value.count(".") != 1:
        return None
    body, signature = value.split(".")
    if not hmac.compare_digest(_sign(secret, body.encode()), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body.encode()))
        return Session(str(data["u"]), str(data["l"]), float(data["e"]))
    except (ValueError, KeyError, TypeError):
        return None
