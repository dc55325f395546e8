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
