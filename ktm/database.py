"""The tool's database engines: store.db's, with the pool size from the settings.

The store takes its settings as parameters and never reads the environment; the command line,
the pages and the services get their engines here, so $KTM_DB_POOL_SIZE holds everywhere.
"""

from __future__ import annotations

from sqlalchemy import Engine

from ktm.config import settings
from store import db


def get_engine(url: str, upgrade: bool = True) -> Engine:
    """The process-wide engine for `url` (store.db.get_engine) with the configured pool."""
    return db.get_engine(url, upgrade, pool_size=settings().db_pool_size)


def create(url: str, *, writer_lock: bool = True) -> Engine:
    """A new engine for `url` (store.db.create) with the configured pool."""
    return db.create(url, writer_lock=writer_lock, pool_size=settings().db_pool_size)
