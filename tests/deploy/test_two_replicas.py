"""deploy/ktm.nginx.conf for real: two `streamlit run app.py` replicas on one PostgreSQL database
behind Debian's nginx, respondents sent through it with the Streamlit-protocol client. Both
replicas must serve, every respondent must complete, and the store must hold exactly one complete
response per invitation with that respondent's own answers."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from tests.deploy.nginx import Nginx, nginx_binary, start_nginx, start_replicas
from tests.reliability.respondents import make_respondents
from tests.reliability.st_client import respond, route_cookie, store_counts

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

N = 12


@pytest.fixture
def nginx(tmp_path):
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("KTM_BROWSER_TESTS") == "required":  # .ci/run installs it
            pytest.fail("nginx is missing (apt-get install nginx)")
        pytest.skip("nginx is missing (apt-get install nginx)")
    started: list[Nginx] = []

    def start(ports: list[int]) -> Nginx:
        started.append(start_nginx(binary, ports, tmp_path / "nginx"))
        return started[-1]

    yield start
    for n in started:
        n.stop()


def test_two_replicas_behind_nginx_serve_every_respondent(
    postgres_url, tmp_path, nginx, monkeypatch
):
    from store.db import create, upgrade_schema

    engine = create(postgres_url)
    upgrade_schema(engine)
    world = make_respondents(engine, N, name="Meting twee replica's")
    # What every replica shares (deploy/README.md).
    monkeypatch.setenv("STREAMLIT_SERVER_COOKIE_SECRET", "one secret for every replica")
    monkeypatch.setenv("KTM_CLIENT_KEY_SECRET", "one client key secret for every replica")
    monkeypatch.setenv("KTM_TRUSTED_PROXY", "1")
    replicas = start_replicas(postgres_url, 2, tmp_path)
    try:
        lb = nginx([s.port for s in replicas])
        url = lb.url
        assert (route_cookie(url) or "").startswith("ktm_route="), "nginx sets the route cookie"

        async def everyone():
            return await asyncio.gather(*[
                respond(url, f"t={token}", label, seed=i, sticky=True, think=lambda: 0.2)
                for i, (label, token) in enumerate(world.tokens.items())
            ])  # fmt: skip

        # In a thread of its own: a browser test before this one in the same worker can leave
        # Playwright's event loop running in this thread, and asyncio.run refuses to nest.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            outcomes = pool.submit(asyncio.run, everyone()).result()
        assert [o.error for o in outcomes if not o.completed] == []
        labels = {inv: label for label, inv in world.invitation_ids.items()}
        counts = store_counts(engine, world.wave_id, labels)
        assert counts == {
            "responses": N, "complete": N, "lost": 0, "duplicated": 0, "misattributed": 0,
            "foreign": 0,
        }  # fmt: skip
        # nginx logs a websocket when it closes: both replicas held respondents' sessions.
        time.sleep(0.5)
        served = lb.sessions_by_port([s.port for s in replicas])
        assert sum(served.values()) == N, lb.access_log.read_text()[-2000:]
        assert all(served.values()), served
    finally:
        for s in replicas:
            s.stop()
        engine.dispose()
