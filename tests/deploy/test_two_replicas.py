"""deploy/ktm.nginx.conf for real: two `streamlit run app.py` replicas on one PostgreSQL database
behind Debian's nginx, respondents sent through it with the Streamlit-protocol client. Both
replicas must serve, every respondent must complete, and the store must hold exactly one complete
response per invitation with that respondent's own answers."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import AppServer, free_port
from tests.reliability.respondents import make_respondents
from tests.reliability.st_client import respond, route_cookie, store_counts

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "ktm.nginx.conf"
N = 12


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        if os.environ.get("KTM_BROWSER_TESTS") == "required":  # .ci/run installs it
            pytest.fail("nginx is missing (apt-get install nginx)")
        pytest.skip("nginx is missing (apt-get install nginx)")
    return found


def site_for(ports: list[int], listen: int) -> str:
    """The deploy recipe with this machine's ports: the upstream lines and the listen port."""
    text = SITE.read_text()
    lines = re.findall(r"^\s*server 127\.0\.0\.1:\d+ (.*);$", text, flags=re.M)
    assert len(lines) == 2, "the recipe lists two replicas"
    text = re.sub(r"^\s*server 127\.0\.0\.1:\d+ .*;\n", "", text, flags=re.M)
    upstreams = "".join(f"    server 127.0.0.1:{p} {lines[0]};\n" for p in ports)
    text = text.replace("    keepalive 32;", upstreams + "    keepalive 32;")
    text, n = re.subn(r"listen 80;", f"listen 127.0.0.1:{listen};", text)
    assert n == 1
    return text


@pytest.fixture
def nginx(tmp_path):
    binary = nginx_binary()

    def start(ports: list[int]):
        listen = free_port()
        (tmp_path / "site.conf").write_text(site_for(ports, listen))
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            f"daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\n"
            f"error_log {tmp_path}/error.log warn;\nevents {{ worker_connections 1024; }}\n"
            "http {\n"
            "  log_format up '$request_uri $status $upstream_addr';\n"
            f"  access_log {tmp_path}/access.log up;\n"
            + "".join(
                f"  {k}_temp_path {tmp_path}/{k};\n"
                for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + f"  include {tmp_path}/site.conf;\n}}\n"
        )
        test = subprocess.run([binary, "-t", "-c", str(conf), "-p", str(tmp_path)],
                              capture_output=True, text=True)  # fmt: skip
        assert test.returncode == 0, test.stderr
        proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(tmp_path)],  # noqa: S603
                                stderr=subprocess.STDOUT, stdout=(tmp_path / "nginx.out").open("wb"))  # fmt: skip
        url = f"http://127.0.0.1:{listen}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        started.append(proc)
        return url

    started: list[subprocess.Popen] = []
    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)


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
    replicas = [AppServer(postgres_url, tmp_path / f"r{i}") for i in range(2)]
    errors: list[BaseException] = []

    def start(server: AppServer) -> None:
        server.workdir.mkdir()
        try:
            server.start()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not errors, errors
        url = nginx([s.port for s in replicas])
        assert (route_cookie(url) or "").startswith("ktm_route="), "nginx sets the route cookie"

        async def everyone():
            return await asyncio.gather(*[
                respond(url, f"t={token}", label, seed=i, sticky=True, think=lambda: 0.2)
                for i, (label, token) in enumerate(world.tokens.items())
            ])  # fmt: skip

        outcomes = asyncio.run(everyone())
        assert [o.error for o in outcomes if not o.completed] == []
        labels = {inv: label for label, inv in world.invitation_ids.items()}
        counts = store_counts(engine, world.wave_id, labels)
        assert counts == {
            "responses": N, "complete": N, "lost": 0, "duplicated": 0, "misattributed": 0,
            "foreign": 0,
        }  # fmt: skip
        # nginx logs a websocket when it closes: both replicas held respondents' sessions.
        time.sleep(0.5)
        log = (tmp_path / "access.log").read_text()
        served = {
            port: len(re.findall(rf"^/_stcore/stream \d+ 127\.0\.0\.1:{port}$", log, flags=re.M))
            for port in (s.port for s in replicas)
        }
        assert sum(served.values()) == N, log[-2000:]
        assert all(served.values()), served
    finally:
        for s in replicas:
            s.stop()
        engine.dispose()
