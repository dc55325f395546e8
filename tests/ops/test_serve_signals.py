"""`ktm serve` passes SIGTERM/SIGINT on to its Streamlit child (issue 19.8): a service manager
that signals only the main process must not leave an orphaned server running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_server_child_stops_with_the_wrapper(tmp_path, sig):
    pidfile = tmp_path / "child.pid"
    child = (
        "import os, pathlib, time; "
        f"pathlib.Path({str(pidfile)!r}).write_text(str(os.getpid())); time.sleep(120)"
    )
    wrapper = subprocess.Popen(  # what cmd_serve runs, with a stand-in for Streamlit
        [
            sys.executable,
            "-c",
            "import sys; from ktm.commands.core import run_forwarding_signals; "
            f"sys.exit(run_forwarding_signals([sys.executable, '-c', {child!r}]))",
        ],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "child did not start"
        time.sleep(0.05)
    child_pid = int(pidfile.read_text())
    wrapper.send_signal(sig)
    wrapper.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not _alive(child_pid), "the server child was left running"
    finally:
        if _alive(child_pid):
            os.kill(child_pid, signal.SIGKILL)
