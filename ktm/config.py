"""Where the tool keeps its data, and how it is configured (environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = "var"


def data_dir() -> Path:
    """The local, git-ignored folder for the default SQLite file and backups."""
    return Path(os.environ.get("KTM_DATA_DIR", DEFAULT_DATA_DIR)).resolve()


def database_url(override: str | None = None) -> str:
    """The database URL: an explicit override, else $KTM_DATABASE_URL, else ./var/ktm.sqlite3."""
    if override:
        return override
    env = os.environ.get("KTM_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{data_dir() / 'ktm.sqlite3'}"


def public_base_url() -> str:
    """The address respondents use to reach the app; personal links are built on it."""
    return os.environ.get("KTM_PUBLIC_URL", "http://localhost:8501").rstrip("/")


TRUSTED_PROXY_ENV = "KTM_TRUSTED_PROXY"
CLIENT_KEY_ENV = "KTM_CLIENT_KEY_SECRET"


def trusted_proxies() -> int:
    """How many reverse proxies in front of the app append to X-Forwarded-For
    ($KTM_TRUSTED_PROXY, default 0: the header is ignored, the connection's address counts)."""
    raw = os.environ.get(TRUSTED_PROXY_ENV, "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise ValueError(
            f"{TRUSTED_PROXY_ENV}={raw!r}: geef het aantal vertrouwde proxy's (bv. 1) / "
            "give the number of trusted proxies (e.g. 1)"
        )
    return int(raw)


def client_key_secret() -> str | None:
    """The key of the HMAC that turns a client address into the throttle's key
    ($KTM_CLIENT_KEY_SECRET; unset: a random key per process, see ktm.webapp.client_key)."""
    return os.environ.get(CLIENT_KEY_ENV) or None


DOWNLOAD_TTL_ENV = "KTM_DOWNLOAD_TTL_S"
DEFAULT_DOWNLOAD_TTL_S = 60


def download_ttl_seconds() -> float:
    """How long a file handed out by a download button stays retrievable after the click
    ($KTM_DOWNLOAD_TTL_S, default 60 s)."""
    raw = os.environ.get(DOWNLOAD_TTL_ENV, "").strip()
    try:
        return float(raw) if raw else float(DEFAULT_DOWNLOAD_TTL_S)
    except ValueError:
        raise ValueError(
            f"{DOWNLOAD_TTL_ENV}={raw!r}: geef een aantal seconden / give a number of seconds"
        ) from None
