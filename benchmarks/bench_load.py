"""Load: N respondents (default 200) answer the whole e-loket questionnaire at the same moment,
through the form's code path (store.responses: open the link, start, save 6 pages, complete),
on SQLite (WAL) and PostgreSQL side by side. Prints, for every step, the latency (p50, p95,
p99, max), the wall time, the saves per second, and the responses lost and duplicated (both
must be 0). Target: p95 of saving a page < 50 ms.

    .venv/bin/python benchmarks/bench_load.py [--n 200] [--think 2] [--spread 10]
        [--processes 1] [--scenarios alone,burst,burst-busy,paced,paced-spread]
        [--db sqlite,postgresql]

Scenarios:
- alone: one respondent, no contention: what each call itself costs.
- burst: N respondents released in the same instant who send every page the moment the
  previous one is saved (no reading, no answering). A stress test: the process is saturated
  from start to end, so each call queues behind the others (Little's law: mean time in the
  system = respondents in it / throughput).
- burst-busy (SQLite): the burst without the store's per-process writer lock, SQLite's busy
  timeout alone (what the store did before: waiting writers poll and sleep up to 100 ms).
- paced: N respondents who click their link within --think seconds of each other (200 in 2 s:
  100 clicks a second), then spend --think seconds on each page (uniform between half and
  one and a half times that) before sending it. People take 20 s or more per page.
- paced-spread: the same, with the clicks spread over --spread seconds (200 in 10 s: still
  the whole sample of 1,500 within 75 s).
--processes P spreads the respondents over P processes (threads within each), as several
app server processes would; with 1 every respondent is a thread of one process, so Python's
GIL is part of what is measured.
PostgreSQL: $KTM_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test (a
temporary schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.respondents import (  # noqa: E402
    STEPS,
    audit,
    make_respondents,
    percentile,
    respond,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _worker(
    url: str,
    tokens: list[str],
    start_at: float,
    offset: int,
    think: float,
    arrive: float,
    seed: int,
    writer_lock: bool = True,
) -> tuple[dict, list, int]:
    """One process: its respondents as threads, all released at `start_at`."""
    from store.db import create, get_engine

    engine = get_engine(url) if writer_lock else create(url, writer_lock=False)
    latencies: dict[str, list[float]] = {step: [] for step in STEPS}
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int, token: str) -> None:
        def record(step: str, s: float) -> None:
            with lock:
                latencies[step].append(s)

        rng = random.Random(seed * 100_003 + offset + i)
        arrival = start_at + rng.uniform(0, arrive)  # the moment this one clicks the link
        pace = None
        if think > 0:
            pace = lambda: rng.uniform(0.5 * think, 1.5 * think)  # noqa: E731
        delay = arrival - time.time()
        if delay > 0:
            time.sleep(delay)
        try:
            respond(engine, token, f"bench-{offset + i}", on_step=record, think=pace)
        except Exception as exc:
            with lock:
                errors.append(repr(exc))

    threads = [threading.Thread(target=one, args=(i, t)) for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    return latencies, errors, len(tokens)


@dataclass(frozen=True)
class Scenario:
    n: int  # respondents
    think: float = 0.0  # seconds per page (uniform between half and 1.5 times)
    arrive: float = 0.0  # they click their link within this many seconds of each other
    writer_lock: bool = True  # SQLite: the store's per-process writer lock


def run(url: str, sc: Scenario, processes: int, seed: int = 1) -> dict:
    """N respondents (threads over `processes` processes) released at once; their latencies."""
    from store.db import get_engine

    engine = get_engine(url)
    n = sc.n
    world = make_respondents(engine, n, name=f"Belasting {uuid.uuid4().hex[:6]}")
    tokens = list(world.tokens.values())
    chunks = [tokens[i::processes] for i in range(processes)]
    start_at = time.time() + (15.0 if processes > 1 else 0.2)  # spawned processes import first
    if processes == 1:
        results = [_worker(url, tokens, start_at, 0, sc.think, sc.arrive, seed, sc.writer_lock)]
    else:
        # spawn, not fork: a forked child would share this process's pooled connections.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            futures = [
                pool.submit(
                    _worker,
                    url,
                    chunk,
                    start_at,
                    i * len(chunk),
                    sc.think,
                    sc.arrive,
                    seed,
                    sc.writer_lock,
                )
                for i, chunk in enumerate(chunks)
            ]
            results = [f.result() for f in futures]
    wall = time.time() - start_at  # from the moment every respondent is released
    latencies = {step: [s for r in results for s in r[0][step]] for step in STEPS}
    errors = [e for r in results for e in r[1]]
    found = audit(engine, world.wave_id)
    return {
        "latencies": latencies,
        "errors": errors,
        "wall": wall,
        "lost": n - found["complete"],
        "duplicated": found["duplicated"] + max(0, found["responses"] - n),
    }


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:8.1f}"


def _database(db: str, cleanup: list) -> str | None:
    """The URL to load for `db`, or None when its server is not there."""
    if db == "sqlite":
        folder = tempfile.mkdtemp(prefix="ktm-bench-")
        return f"sqlite:///{folder}/bench.sqlite3"
    if db == "postgresql":
        import sqlalchemy as sa

        base = os.environ.get("KTM_TEST_POSTGRES_URL", DEFAULT_PG)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(base)
        try:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        except Exception as exc:
            print(f"{db}: skipped ({exc.__class__.__name__}: no server at {base})")
            return None
        cleanup.append((admin, schema))
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    raise SystemExit(f"unknown database {db!r}: use sqlite and/or postgresql")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--think", type=float, default=2.0, help="seconds per page (paced)")
    parser.add_argument(
        "--spread", type=float, default=10.0, help="seconds over which links are clicked"
    )
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--scenarios", default="alone,burst,burst-busy,paced,paced-spread")
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    scenarios = {
        "alone": Scenario(1),
        "burst": Scenario(args.n),
        "burst-busy": Scenario(args.n, writer_lock=False),
        "paced": Scenario(args.n, think=args.think, arrive=args.think),
        "paced-spread": Scenario(args.n, think=args.think, arrive=args.spread),
    }
    chosen = args.scenarios.split(",")
    for name in chosen:
        if name not in scenarios:
            raise SystemExit(f"unknown scenario {name!r}: use {', '.join(scenarios)}")

    rows = []
    cleanup: list = []
    for db in args.db.split(","):
        url = _database(db, cleanup)
        if url is None:
            continue
        for name in chosen:
            sc = scenarios[name]
            if not sc.writer_lock and db != "sqlite":
                continue  # the writer lock is SQLite's alone
            rows.append((db, name, sc.n, run(url, sc, args.processes)))
    for admin, schema in cleanup:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    print(
        f"\n{args.processes} process(es); paced: {args.think:g} s per page, links clicked within "
        f"{args.think:g} s (paced) or {args.spread:g} s (paced-spread)\nlatency of each step (ms)\n"
    )
    print(
        f"{'database':<12}{'scenario':<20}{'step':<10}{'calls':>7}{'p50':>9}{'p95':>9}"
        f"{'p99':>9}{'max':>9}{'wall s':>8}{'saves/s':>9}{'lost':>6}{'dup':>5}{'errors':>8}"
    )
    for db, name, n, r in rows:
        for step in STEPS:
            lat = r["latencies"][step]
            if not lat:
                continue
            line = (
                f"{db:<12}{f'{name} ({n})':<20}{step:<10}{len(lat):>7}{_ms(lat, 50):>9}"
                f"{_ms(lat, 95):>9}{_ms(lat, 99):>9}{max(lat) * 1000:>9.1f}"
            )
            if step == "save":
                line += (
                    f"{r['wall']:>8.1f}{len(lat) / r['wall']:>9.0f}{r['lost']:>6}"
                    f"{r['duplicated']:>5}{len(r['errors']):>8}"
                )
            print(line)
        for e in r["errors"][:3]:
            print(f"    error: {e}")
    print("\ntarget: p95 of save < 50 ms, lost = duplicated = 0")


if __name__ == "__main__":
    main()
