"""A dropped database connection is retried once; after a second failure the survey page says
'please try again' in Dutch and English (issue 19.6)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from store import responses as R
from store.db import connection_lost, get_engine, retry_once
from tests.survey_form.world import make_world


def _lost() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))


def test_retry_once_retries_a_lost_connection_only_once():
    calls = []

    def flaky(fail_times):
        calls.append(1)
        if len(calls) <= fail_times:
            raise _lost()
        return "ok"

    assert retry_once(flaky, 1) == "ok" and len(calls) == 2
    calls.clear()
    with pytest.raises(sa.exc.OperationalError):
        retry_once(flaky, 2)
    assert len(calls) == 2


def test_other_errors_are_not_retried():
    calls = []

    def broken():
        calls.append(1)
        raise ValueError("a bug, not a lost connection")

    with pytest.raises(ValueError):
        retry_once(broken)
    assert calls == [1]
    locked = sa.exc.OperationalError("x", {}, Exception("database is locked"))
    assert not connection_lost(locked)


@pytest.mark.postgres
def test_a_backend_terminated_mid_request_is_retried_on_postgresql(postgres_url):
    engine = get_engine(postgres_url)
    world = make_world(engine)
    admin = sa.create_engine(postgres_url.split("?")[0])
    state = {"armed": True}

    @event.listens_for(engine, "before_cursor_execute")
    def terminate(conn, cursor, statement, *args):
        if state["armed"] and "FROM invitations" in statement:
            state["armed"] = False
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as a:
                a.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    try:
        with pytest.raises(sa.exc.DBAPIError) as info:  # as the review saw it
            R.open_invitation(engine, world.tokens["a"], "c")
        assert connection_lost(info.value)
        state["armed"] = True
        opened = retry_once(R.open_invitation, engine, world.tokens["a"], "c")
        assert opened.ok and not state["armed"]  # it was terminated, and the retry worked
    finally:
        event.remove(engine, "before_cursor_execute", terminate)
        admin.dispose()
