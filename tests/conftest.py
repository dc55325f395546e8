"""Shared fixtures: real SQLite files and a real PostgreSQL schema per test."""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_base_url() -> str | None:
    """The PostgreSQL server for the tests, or None (with the reason) when there is none.

    KTM_TEST_POSTGRES_URL set (as .ci/run does): the server must be there, or the tests fail.
    Not set: the local default is tried, and the PostgreSQL tests are skipped without it.
    """
    explicit = os.environ.get("KTM_TEST_POSTGRES_URL")
    url = explicit or DEFAULT_PG
    try:
        import psycopg

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, connect_timeout=3):
            pass
    except Exception as exc:
        if explicit:
            raise RuntimeError(f"KTM_TEST_POSTGRES_URL={explicit} is not reachable: {exc}") from exc
        return None
    return url


_PG = None
_PG_PROBED = False


def postgres_base_url() -> str | None:
    global _PG, _PG_PROBED
    if not _PG_PROBED:
        _PG, _PG_PROBED = _postgres_base_url(), True
    return _PG


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'ktm.sqlite3'}"


@pytest.fixture
def postgres_url():
    """A fresh, empty schema on the test server, dropped afterwards."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(
            "no PostgreSQL server at 127.0.0.1:5432 (set KTM_TEST_POSTGRES_URL to run these tests)"
        )
    import sqlalchemy as sa

    from store.db import dispose_all

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    dispose_all()
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Each test that takes `db_url` runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(db_url):
    from store.db import get_engine

    return get_engine(db_url)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> str:
    """The demo world built once per test session (a SQLite file); copy it before writing."""
    from ktm.demo import build_demo
    from store.db import create, upgrade_schema

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    engine = create(f"sqlite:///{path}")
    upgrade_schema(engine)
    build_demo(engine, seed=2024)
    engine.dispose()  # the last connection to close folds the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return str(path)


@pytest.fixture
def demo_url(demo_template, tmp_path) -> str:
    """A private copy of the demo world for one test."""
    import shutil

    target = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template, target)
    return f"sqlite:///{target}"
