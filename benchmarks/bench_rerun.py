"""What one respondent's script runs cost the real server: the code of an earlier commit (before)
and this checkout (after), side by side in one run.

    .venv/bin/python benchmarks/bench_rerun.py [--base b0adee2] [--n 8] [--rounds 3]
        [--profile DIR]

Both are `streamlit run app.py` processes on a SQLite database of their own (the same world:
a wave in fieldwork, the e-loket questionnaire), the earlier commit exported with `git archive`
to a temporary folder. Each is warmed with one respondent (the first run imports the pages),
then, in turns (before, after, before, after, ...; the machine's speed drifts), --n respondents
go through it one after the other without pauses, with tests/reliability/st_client.py (the
websocket messages a browser sends). The server's CPU (user + system, /proc) over each batch,
divided by the respondents and by the script runs the server made for them (every run the
client saw start: the page drawn, the rerun for answers that reveal items, the st.rerun()
after a save), is printed per variant: the median of the rounds.

--profile DIR runs both servers under benchmarks/profiled_streamlit.py (cProfile in each
script run; it slows them, so the CPU figures of such a run are not comparable with a plain
one) and prints the top of each profile; DIR keeps before.prof and after.prof for
`python -m pstats`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_server import cpu_seconds  # noqa: E402
from tests.reliability.respondents import make_respondents  # noqa: E402
from tests.reliability.st_client import respond  # noqa: E402

DEFAULT_BASE = "b0adee2"  # issue 23's branch point: the survey page before part 2


def export(rev: str, into: Path) -> Path:
    into.mkdir(parents=True)
    command = ["git", "-C", str(ROOT), "archive", rev]
    archive = subprocess.run(command, check=True, capture_output=True).stdout  # noqa: S603
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)  # noqa: S603,S607
    return into


async def batch(url: str, tokens: list[tuple[str, str]], per_change: bool = False) -> list:
    """The respondents one after the other, while one more tab stays open on the landing page:
    Streamlit forgets its compiled scripts whenever no session is left (a server in use always
    has one), which would charge a compile to every respondent here."""
    from tests.reliability.st_client import Respondent

    outcomes = []
    async with Respondent(url, "", marker="keeper") as keeper:
        await keeper.rerun()
        for i, (label, token) in enumerate(tokens):
            outcomes.append(await respond(url, f"t={token}", label, seed=i, per_change=per_change))
    return outcomes


def dump_profile(server, prof: Path, keep_as: Path | None = None) -> None:
    """Have a profiled server write the runs since its last dump (its .runs file comes last)."""
    runs = Path(f"{prof}.runs")
    runs.unlink(missing_ok=True)
    os.kill(server.proc.pid, signal.SIGUSR1)
    for _ in range(300):
        if runs.exists():
            break
        time.sleep(0.1)
    time.sleep(0.2)
    if keep_as is not None:
        prof.rename(keep_as)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--base", default=DEFAULT_BASE, help="the commit to compare with")
    ap.add_argument("--n", type=int, default=8, help="respondents per round and variant")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", type=Path, help="profile the script runs into this folder")
    ap.add_argument(
        "--per-change",
        action="store_true",
        help="a run per answer, as a browser (default: one run with all of a page's answers)",
    )
    args = ap.parse_args()

    from store.db import create, upgrade_schema
    from tests.browser.conftest import AppServer

    workdir = Path(tempfile.mkdtemp(prefix="bench-rerun-"))
    variants = {"before": export(args.base, workdir / "before" / "src"), "after": ROOT}
    servers, worlds = {}, {}
    try:
        for name, root in variants.items():
            db_url = f"sqlite:///{workdir / name / 'ktm.sqlite3'}"
            (workdir / name).mkdir(exist_ok=True)
            engine = create(db_url)
            upgrade_schema(engine)
            worlds[name] = list(make_respondents(engine, 1 + args.n * args.rounds).tokens.items())
            engine.dispose()
            launcher = ("-m", "streamlit")
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
                prof = str((args.profile / f"{name}.prof").resolve())
                launcher = (str(ROOT / "benchmarks" / "profiled_streamlit.py"), prof)
            servers[name] = AppServer(db_url, workdir / name, root=root, launcher=launcher).start()
            # The first respondent imports the pages and fills the caches: not counted.
            warm = asyncio.run(batch(servers[name].url, worlds[name][:1]))
            assert warm[0].completed, warm[0].error
        if args.profile:  # the warm-up's runs are not what a respondent costs
            for name, s in servers.items():
                dump_profile(s, args.profile / f"{name}.prof", args.profile / f"{name}.warm.prof")
        load0 = os.getloadavg()[0]
        print(
            f"{args.n} respondents x {args.rounds} rounds per variant, one at a time, no pauses, "
            f"{'a run per answer' if args.per_change else 'one run per page of answers'}; "
            f"before = {args.base}, after = this checkout; SQLite; load average {load0:.1f} "
            f"({os.cpu_count()} cores)\n"
        )
        figures: dict[str, list[tuple[float, int, float, int]]] = {n: [] for n in servers}
        for r in range(args.rounds):
            for name, server in servers.items():
                tokens = worlds[name][1 + r * args.n : 1 + (r + 1) * args.n]
                pid = server.proc.pid
                c0, t0 = cpu_seconds(pid), time.perf_counter()
                outcomes = asyncio.run(batch(server.url, tokens, args.per_change))
                cpu, wall = cpu_seconds(pid) - c0, time.perf_counter() - t0
                failed = [o.error for o in outcomes if not o.completed]
                assert not failed, f"{name}: {failed[:3]}"
                runs = sum(o.script_runs for o in outcomes)
                figures[name].append((cpu, runs, wall, len(outcomes)))
        print(f"{'':<8}{'CPU s per respondent':>22}{'runs per resp.':>16}"
              f"{'CPU ms per run':>16}{'wall s per resp.':>18}")  # fmt: skip
        per_resp = {}
        for name, rows in figures.items():
            cpu_r = statistics.median(c / n for c, _, _, n in rows)
            runs_r = statistics.median(k / n for _, k, _, n in rows)
            ms_run = statistics.median(1000 * c / k for c, k, _, _ in rows)
            wall_r = statistics.median(w / n for _, _, w, n in rows)
            per_resp[name] = cpu_r
            print(f"{name:<8}{cpu_r:>22.3f}{runs_r:>16.1f}{ms_run:>16.1f}{wall_r:>18.3f}")
        if per_resp.get("after"):
            print(f"\nafter / before: {per_resp['after'] / per_resp['before']:.2f} "
                  f"(CPU per respondent); load average at the end {os.getloadavg()[0]:.1f}")  # fmt: skip
        if args.profile:
            import pstats

            for name, s in servers.items():
                dump_profile(s, args.profile / f"{name}.prof")
                print(f"\n--- {name}: script runs, by cumulative time ---")
                pstats.Stats(str(args.profile / f"{name}.prof")).sort_stats(
                    "cumulative"
                ).print_stats(35)
        return 0
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    raise SystemExit(main())
