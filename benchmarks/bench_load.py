"""Load: N respondents (default 200) answer the whole e-loket questionnaire at the same moment,
through the form's code path (store.responses: open the link, start, save 6 pages, complete),
on SQLite (WAL) and PostgreSQL side by side. Prints the latency of saving a page (p50, p95,
p99, max), the wall time, and the responses lost and duplicated (both must be 0).

    .venv/bin/python benchmarks/bench_load.py [--n 200] [--processes 1] [--db sqlite,postgresql]

--processes P spreads the respondents over P processes (threads within each), as several
app server processes would; with 1 every respondent is a thread of one process, so Python's
GIL is part of what is measured. The first line of each database is one respondent alone
(no contention): the cost of a save itself. Target: p95 < 50 ms.
PostgreSQL: $KTM_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test (a
temporary schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.respondents import (  # noqa: E402
    audit,
    make_respondents,
    percentile,
    respond,
)

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _worker(url: str, tokens: list[str], start_at: float, offset: int) -> tuple[list, list, int]:
    """One process: its respondents as threads, all released at `start_at`."""
    from store.db import get_engine

    engine = get_engine(url)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(i: int, token: str) -> None:
        def record(s: float) -> None:
            with lock:
                latencies.append(s)

        delay = start_at - time.time()
        if delay > 0:
            time.sleep(delay)
        try:
            respond(engine, token, f"bench-{offset + i}", on_save=record)
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


def run(url: str, n: int, processes: int) -> dict:
    from store.db import get_engine

    engine = get_engine(url)
    # One respondent alone: the cost of a save without contention.
    solo_world = make_respondents(engine, 1, name=f"Solo {uuid.uuid4().hex[:6]}")
    solo: list[float] = []
    respond(engine, solo_world.tokens["r0"], "solo", on_save=solo.append)

    world = make_respondents(engine, n, name=f"Belasting {uuid.uuid4().hex[:6]}")
    tokens = list(world.tokens.values())
    chunks = [tokens[i::processes] for i in range(processes)]
    start_at = time.time() + (15.0 if processes > 1 else 0.2)  # spawned processes import first
    if processes == 1:
        results = [_worker(url, tokens, start_at, 0)]
    else:
        # spawn, not fork: a forked child would share this process's pooled connections.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            futures = [
                pool.submit(_worker, url, chunk, start_at, i * len(chunk))
                for i, chunk in enumerate(chunks)
            ]
            results = [f.result() for f in futures]
    wall = time.time() - start_at  # from the moment every respondent is released
    latencies = [s for r in results for s in r[0]]
    errors = [e for r in results for e in r[1]]
    found = audit(engine, world.wave_id)
    return {
        "solo": solo,
        "latencies": latencies,
        "errors": errors,
        "wall": wall,
        "lost": n - found["complete"],
        "duplicated": found["duplicated"] + max(0, found["responses"] - n),
    }


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()

    rows = []
    cleanup = []
    for db in args.db.split(","):
        if db == "sqlite":
            folder = tempfile.mkdtemp(prefix="ktm-bench-")
            url = f"sqlite:///{folder}/bench.sqlite3"
        elif db == "postgresql":
            import sqlalchemy as sa

            base = os.environ.get("KTM_TEST_POSTGRES_URL", DEFAULT_PG)
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(base)
            try:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
            except Exception as exc:
                print(f"{db}: skipped ({exc.__class__.__name__}: no server at {base})")
                continue
            cleanup.append((admin, schema))
            sep = "&" if "?" in base else "?"
            url = f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
        else:
            raise SystemExit(f"unknown database {db!r}: use sqlite and/or postgresql")
        rows.append((db, run(url, args.n, args.processes)))
    for admin, schema in cleanup:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    print(
        f"\n{args.n} respondents at once, {args.processes} process(es); latency of saving one "
        "page (ms)\n"
    )
    print(
        f"{'database':<28}{'saves':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}"
        f"{'wall s':>9}{'lost':>6}{'dup':>5}{'errors':>8}"
    )
    for db, r in rows:
        solo = r["solo"]
        print(
            f"{db + ' (one respondent)':<28}{len(solo):>7}{_ms(solo, 50):>9}{_ms(solo, 95):>9}"
            f"{_ms(solo, 99):>9}{max(solo) * 1000:>9.1f}"
        )
        lat = r["latencies"]
        print(
            f"{db + f' ({args.n} at once)':<28}{len(lat):>7}{_ms(lat, 50):>9}{_ms(lat, 95):>9}"
            f"{_ms(lat, 99):>9}{max(lat) * 1000:>9.1f}{r['wall']:>9.1f}{r['lost']:>6}"
            f"{r['duplicated']:>5}{len(r['errors']):>8}"
        )
        for e in r["errors"][:3]:
            print(f"    error: {e}")
    print("\ntarget: p95 < 50 ms, lost = duplicated = 0")


if __name__ == "__main__":
    main()
