"""`streamlit run` with every script run profiled (cProfile, in thread CPU time) and timed:
used by bench_rerun.py --profile to say where a respondent's rerun spends its time.

    python benchmarks/profiled_streamlit.py OUT.prof run app.py [streamlit options]

On SIGUSR1 it writes the summed profile of all script runs to OUT.prof and, beside it,
OUT.prof.runs: one line per run with its thread CPU seconds.
"""

from __future__ import annotations

import cProfile
import signal
import sys
import threading
import time

out = sys.argv.pop(1)
profiles: list[cProfile.Profile] = []
runs: list[float] = []
lock = threading.Lock()


def install() -> None:
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.ScriptRunner._run_script

    def profiled(self, rerun_data):
        # CPU time of this thread: on a busy machine wall time charges GIL waits and other
        # processes' turns to whatever function happened to be running.
        prof = cProfile.Profile(time.thread_time)
        c0 = time.thread_time()
        prof.enable()
        try:
            return original(self, rerun_data)
        finally:
            prof.disable()
            with lock:
                profiles.append(prof)
                runs.append(time.thread_time() - c0)

    script_runner.ScriptRunner._run_script = profiled


def dump(*_):
    import pstats

    with lock:
        if profiles:
            stats = pstats.Stats(profiles[0])
            for p in profiles[1:]:
                stats.add(p)
            stats.dump_stats(out)
        with open(out + ".runs", "w") as f:
            f.writelines(f"{r:.6f}\n" for r in runs)
        profiles.clear()  # the next dump holds the runs since this one
        runs.clear()


install()
signal.signal(signal.SIGUSR1, dump)  # Streamlit keeps SIGTERM for itself
from streamlit.web.cli import main  # noqa: E402

sys.argv[0] = "streamlit"
main()
