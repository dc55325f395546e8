"""The Streamlit settings issue 23 depends on, as `streamlit run app.py` reads them from
.streamlit/config.toml in the repository (a subprocess: the test's own process keeps its own
Streamlit configuration)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from streamlit import config
from streamlit.web.server.starlette.starlette_server import _get_websocket_settings
config.get_config_options(force_reparse=True)
print(json.dumps({
    "ping": _get_websocket_settings(),
    "gc": config.get_option("runner.postScriptGC"),
}))
"""


def test_slow_reruns_keep_their_socket_and_reruns_skip_the_full_collection():
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    got = json.loads(out.strip().splitlines()[-1])
    # Ping every 60 s and wait 60 s for the pong (Streamlit's default: 30 and 30).
    assert got["ping"] == [60, 60]
    # No gc.collect() after every run: ~90 ms of CPU per rerun (benchmarks/bench_rerun.py).
    assert got["gc"] is False
