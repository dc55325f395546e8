"""Debian's nginx running deploy/ktm.nginx.conf on this machine, in front of given ports, and the
app replicas behind it: what tests/deploy and benchmarks/bench_server.py share."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "ktm.nginx.conf"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@dataclass
class Nginx:
    workdir: Path
    url: str
    proc: subprocess.Popen

    @property
    def access_log(self) -> Path:
        return self.workdir / "access.log"

    def sessions_by_port(self, ports: list[int]) -> dict[int, int]:
        """Websocket sessions each upstream held (nginx logs a websocket when it closes)."""
        log = self.access_log.read_text()
        return {
            p: len(re.findall(rf"^/_stcore/stream \d+ 127\.0\.0\.1:{p}$", log, flags=re.M))
            for p in ports
        }

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def start_nginx(binary: str, ports: list[int], workdir: Path) -> Nginx:
    """nginx (one worker, no daemon) on a free port; its access log names the upstream."""
    workdir.mkdir(parents=True, exist_ok=True)
    listen = _free_port()
    (workdir / "site.conf").write_text(site_for(ports, listen))
    conf = workdir / "nginx.conf"
    temps = "".join(
        f"  {k}_temp_path {workdir}/{k};\n"
        for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf.write_text(
        f"daemon off;\nworker_processes 1;\npid {workdir}/nginx.pid;\n"
        f"error_log {workdir}/error.log warn;\nevents {{ worker_connections 4096; }}\n"
        "http {\n"
        "  log_format up '$request_uri $status $upstream_addr';\n"
        f"  access_log {workdir}/access.log up;\n"
        f"{temps}"
        f"  include {workdir}/site.conf;\n}}\n"
    )
    check = subprocess.run([binary, "-t", "-c", str(conf), "-p", str(workdir)],  # noqa: S603
                           capture_output=True, text=True)  # fmt: skip
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t: {check.stderr}")
    out = (workdir / "nginx.out").open("wb")
    proc = subprocess.Popen([binary, "-c", str(conf), "-p", str(workdir)],  # noqa: S603
                            stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    out.close()
    url = f"http://127.0.0.1:{listen}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return Nginx(workdir, url, proc)
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"nginx did not answer: {(workdir / 'error.log').read_text()[-2000:]}")


def start_replicas(db_url: str, n: int, workdir: Path, **server_options) -> list:
    """`n` app processes (tests/browser/conftest.AppServer) on one database, started side by
    side (each takes seconds), in workdir/r0, r1, ...; all stopped again if one fails."""
    from tests.browser.conftest import AppServer

    servers = [AppServer(db_url, workdir / f"r{i}", **server_options) for i in range(n)]
    errors: list[BaseException] = []

    def start(server: AppServer) -> None:
        server.workdir.mkdir(parents=True)
        try:
            server.start()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        for s in servers:
            s.stop()
        raise errors[0]
    return servers
