"""Engines, schema upgrades and transactions.

SQLite (the default, a file) is opened with WAL so readers never block the writer, a busy
timeout so concurrent writers wait instead of failing, and foreign keys enforced. The same code
runs on PostgreSQL: only the URL changes. The store reads no environment: the pool size comes
in as a parameter (the tool's engines: ktm.database, from $KTM_DB_POOL_SIZE).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 15_000
_MIGRATIONS = Path(__file__).with_name("migrations")
_engines: dict[str, Engine] = {}
_writer_locks: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_upgraded: set[str] = set()
_lock = threading.Lock()


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "ktm_read_only"  # execution option set by :func:`reading`


def _sqlite_begin(conn) -> None:
    if conn.get_execution_options().get(READ_ONLY):
        # A deferred BEGIN never takes the write lock: under WAL a reader sees its snapshot
        # and neither waits for nor holds up the writers.
        conn.exec_driver_sql("BEGIN")
        return
    # BEGIN IMMEDIATE takes the write lock at the start, so two writers queue on the busy
    # timeout instead of one failing with "database is locked" when it upgrades a read lock.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


DEFAULT_POOL_SIZE = 5


def _pool_sizes(size: int) -> dict[str, int]:
    """Connections per app process: ``size`` kept open (the tool passes $KTM_DB_POOL_SIZE,
    default 5, from ktm.config), as many again for a peak. Few on purpose: one Python process
    runs one thread at a time, and on a small machine more connections only share the same
    cores (bench_load, 200 respondents clicking within 2 s on PostgreSQL, eight runs: save p95
    58-167 ms with 30 connections, 41-108 ms with 10)."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"pool_size must be a whole number of at least 1, got {size!r}")
    return {"pool_size": size, "max_overflow": size}


def create(url: str, *, writer_lock: bool = True, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    """A new engine for `url` (no caching), with the SQLite settings applied, keeping
    `pool_size` connections open (see _pool_sizes).

    `writer_lock=False` leaves SQLite's writers to its busy timeout alone (see _one_writer);
    the load benchmark compares the two."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            hide_parameters=True,
            **_pool_sizes(pool_size),
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves

        event.listen(engine, "begin", _sqlite_begin)
        if writer_lock:
            _writer_locks[engine] = threading.RLock()
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        url = str(parsed.set(drivername="postgresql+psycopg"))
    # hide_parameters: an error (and its log line) never carries the bound values, which may
    # be e-mail addresses and names (issue 19.6).
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **_pool_sizes(pool_size))


def get_engine(url: str, upgrade: bool = True, *, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    """The process-wide engine for `url`, upgraded to the latest schema on first use (the
    first call's `pool_size` holds for the process)."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create(url, pool_size=pool_size)
        if upgrade and url not in _upgraded:
            upgrade_schema(engine)
            _upgraded.add(url)
    return engine


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _upgraded.clear()


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (idempotent)."""
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: everything in the block is committed together, or nothing is."""
    with writing(engine) as conn:
        yield conn


@contextmanager
def connected(bind: Engine | Connection) -> Iterator[Connection]:
    """One pooled connection for several transactions in a row (one checkout, not one each)."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            yield conn
    else:
        yield bind


@contextmanager
def reading(bind: Engine | Connection) -> Iterator[Connection]:
    """One read-only transaction: a consistent snapshot that does not take SQLite's write lock.

    Every other transaction on SQLite begins IMMEDIATE (it holds the one write lock from its
    first statement), so a dashboard query or the read half of a page save would otherwise
    make the respondents' saves wait. Do not write in this block: on SQLite a write after a
    read fails at once when another writer committed in between. Given a Connection inside a
    transaction, the block reads in that transaction.
    """
    with connected(bind) as conn:
        if conn.in_transaction():
            yield conn
            return
        conn.execution_options(**{READ_ONLY: True})
        try:
            with conn.begin():
                yield conn
        finally:
            conn.execution_options(**{READ_ONLY: False})


@contextmanager
def writing(bind: Engine | Connection) -> Iterator[Connection]:
    """One transaction for a store function that takes an Engine or a Connection.

    An Engine: a transaction of its own. A Connection inside a transaction: a savepoint, so a
    refusal rolls back this function's writes only. A Connection outside one: a transaction.
    """
    with connected(bind) as conn:
        if conn.in_transaction():
            with conn.begin_nested():
                yield conn
            return
        with _one_writer(conn.engine), conn.begin():
            yield conn


@contextmanager
def read_then_write(bind: Engine | Connection) -> Iterator[tuple]:
    """A read, then a write that re-checks in its WHERE clause what the read relied on
    (optimistic locking), on one connection: yields (read, write), two context managers that
    give the connection to read or to write with.

    On SQLite the read is a read-only transaction and the write a transaction of its own, so
    the one write lock is held for the write only, not while the read is checked. Elsewhere
    (row locks, no database-wide write lock) both are one transaction: a BEGIN and a COMMIT
    fewer. Inside a caller's transaction: reading() and writing() as always.
    """
    with connected(bind) as conn:
        if conn.dialect.name == "sqlite" or conn.in_transaction():
            yield (lambda: reading(conn)), (lambda: writing(conn))
            return
        with writing(conn) as c:
            yield (lambda: nullcontext(c)), (lambda: nullcontext(c))


@contextmanager
def _one_writer(engine: Engine) -> Iterator[None]:
    """On SQLite, this process's writers take turns on a lock of their own.

    SQLite lets one writer in at a time and makes the others poll, sleeping up to 100 ms
    between tries, so under load a save can wait far longer than the writes before it took.
    Here a waiting writer is woken the moment the one before it commits. Writers in other
    processes still wait on the busy timeout; after that long, this one goes ahead and does too.
    """
    lock = _writer_locks.get(engine)
    if lock is None:
        yield
        return
    got = lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        yield
    finally:
        if got:
            lock.release()


def connection_lost(exc: BaseException) -> bool:
    """Whether `exc` is a lost database connection (server restarted, backend terminated,
    network cut), after which the same request on a new connection may well work."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and "locked" not in str(exc.orig).lower()


def retry_once(fn, *args, **kwargs):
    """Call a store function; when the connection was lost, once more on a fresh one.

    Safe for the store's functions: each is one transaction (a lost connection committed
    nothing, or it committed and the retry sees it: a stale revision, an idempotent complete).
    """
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        if not connection_lost(exc):
            raise
    return fn(*args, **kwargs)
