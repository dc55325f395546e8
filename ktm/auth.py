"""The team's login when no OIDC provider is configured: one team password, stored as a hash.

Where the hash comes from, first found wins: $KTM_TEAM_PASSWORD_HASH, `[ktm] team_password_hash`
in .streamlit/secrets.toml, or the file ./var/team_password.argon2 that `ktm team-password`
(and `ktm serve` on a first start) writes. The password itself is never stored.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

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
