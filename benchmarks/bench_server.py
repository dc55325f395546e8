"""Load through the REAL server: N respondents open their personal link in `streamlit run app.py`
(one process, or several behind deploy/ktm.nginx.conf), answer every page and send it, speaking
Streamlit's own websocket protocol (tests/reliability/st_client.py: what the browser's frontend
sends and receives, without a browser, so the clients cost next to nothing beside the server).

    .venv/bin/python benchmarks/bench_server.py [--n 200] [--spread 60] [--think 2]
        [--replicas 1] [--per-change] [--compare] [--url http://host:port --db-url URL]

Each respondent clicks the link at a uniform moment in the first --spread seconds, then spends
--think seconds (uniform between half and one and a half times it) on each page before sending
it. Prints the latency of each step (open: link to first page drawn; page: click to next page
drawn, including the rerun for answers that reveal items) as p50/p95/max, the outcomes
(completed / gave up, with the first reasons), the CPU seconds the server processes used, and
the store's counts: lost, duplicated and misattributed must be 0.

By default the benchmark makes its own world: a temporary PostgreSQL schema ($KTM_TEST_POSTGRES_URL
or the local test server; SQLite if there is none, with one replica only), a wave with N
invitations, and --replicas app processes (2 or more: behind nginx). With --url it targets a
running server or load balancer instead; --db-url must then be that server's database (the
invitations are created in it, in a new wave).
Targets (issue 23): one process, 200 respondents over 60 s, ~2 s per page: opening p95 < 3 s,
later pages p95 < 1 s, 0 gave up; two replicas >= 1.7x the respondents of one at the same p95
(--compare: one process with --n, then one process and two replicas with --factor x --n, and
a table of the three).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.reliability.respondents import make_respondents, percentile  # noqa: E402
from tests.reliability.st_client import respond, store_counts  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that were waited for (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_schema() -> tuple[str, callable] | None:
    import sqlalchemy as sa

    base = os.environ.get("KTM_TEST_POSTGRES_URL") or PG_DEFAULT
    try:
        admin = sa.create_engine(base)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except Exception as exc:
        print(f"(no PostgreSQL at {base}: {type(exc).__name__}; SQLite instead)")
        return None

    def drop() -> None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", drop


async def run(url: str, tokens: dict[str, str], args, sticky: bool) -> tuple[list, dict]:
    steps: dict[str, list[float]] = {"open": [], "page": []}
    rng = random.Random(args.seed)
    starts = sorted(rng.uniform(0, args.spread) for _ in tokens)

    def think() -> float:
        return rng.uniform(0.5 * args.think, 1.5 * args.think)

    def on_step(step: str, s: float) -> None:
        steps[step].append(s)

    async def one(i: int, label: str, token: str):
        await asyncio.sleep(starts[i])
        return await respond(
            url,
            f"t={token}",
            label,
            think=think,
            on_step=on_step,
            seed=i,
            sticky=sticky,
            per_change=args.per_change,
        )

    outcomes = await asyncio.gather(
        *[one(i, label, token) for i, (label, token) in enumerate(tokens.items())]
    )
    return outcomes, steps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="respondents")
    ap.add_argument("--spread", type=float, default=60.0, help="seconds over which links open")
    ap.add_argument("--think", type=float, default=2.0, help="mean seconds per page")
    ap.add_argument("--replicas", type=int, default=1, help="app processes (2+: behind nginx)")
    ap.add_argument("--url", help="a running server or load balancer instead")
    ap.add_argument("--db-url", help="with --url: that server's database")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--per-change",
        action="store_true",
        help="a run per answer, as a browser (default: one run with all of a page's answers)",
    )
    ap.add_argument(
        "--compare",
        action="store_true",
        help="one process with --n, then one process and two replicas with --factor times --n "
        "over the same spread, side by side (issue 23: two replicas serve >= 1.7x)",
    )
    ap.add_argument("--factor", type=float, default=2.0, help="with --compare (default 2)")
    args = ap.parse_args()
    if args.url and not args.db_url:
        ap.error("--url needs --db-url (the invitations are made in that database)")
    if args.compare and args.url:
        ap.error("--compare starts its own servers: not with --url")
    if not args.compare:
        return 1 if measure(ap, args, args.replicas, args.n)["bad"] else 0
    more = round(args.factor * args.n)
    runs = {}
    for label, replicas, n in (
        ("one process", 1, args.n),
        (f"one, {args.factor:g}x", 1, more),
        (f"two, {args.factor:g}x", 2, more),
    ):
        runs[label] = measure(ap, args, replicas, n)
        print()
    print_comparison(args, runs)
    return 1 if any(r["bad"] for r in runs.values()) else 0


# Issue 23's targets for one process at 200 a minute (~2 s per page).
TARGET_OPEN_P95_S, TARGET_PAGE_P95_S = 3.0, 1.0


def within_targets(r: dict) -> bool:
    return (
        r["open_p95"] < TARGET_OPEN_P95_S and r["page_p95"] < TARGET_PAGE_P95_S and not r["gave_up"]
    )


def print_comparison(args, runs: dict[str, dict]) -> None:
    per_min = 60.0 / args.spread
    rows = [
        ("respondents per minute", lambda r: f"{r['n'] * per_min:.0f}"),
        ("open p95 s", lambda r: f"{r['open_p95']:.3f}"),
        ("page p95 s", lambda r: f"{r['page_p95']:.3f}"),
        ("gave up", lambda r: str(r["gave_up"])),
        ("server CPU s per respondent", lambda r: f"{r['cpu_per']:.2f}"),
        ("lost / duplicated / misattributed", lambda r: r["counts"]),
        (
            f"within open < {TARGET_OPEN_P95_S:g} s, page < {TARGET_PAGE_P95_S:g} s",
            lambda r: "yes" if within_targets(r) else "NO",
        ),
    ]
    print(f"{'side by side':<36}" + "".join(f"{label:>14}" for label in runs))
    for label, cell in rows:
        print(f"{label:<36}" + "".join(f"{cell(r):>14}" for r in runs.values()))
    one, one_more, two_more = runs.values()
    print(
        f"at {args.factor:g}x the respondents per minute of one process, two replicas are "
        f"{'within' if within_targets(two_more) else 'OUTSIDE'} the targets (page p95 "
        f"{two_more['page_p95']:.2f} s; one process at 1x {one['page_p95']:.2f} s, at "
        f"{args.factor:g}x {one_more['page_p95']:.2f} s)"
    )


def measure(ap, args, replicas: int, n: int) -> dict:
    """One world, `replicas` app processes (behind nginx if 2+), `n` respondents through it."""
    from store.db import create, upgrade_schema

    cleanup = []
    servers, lb = [], None
    workdir = Path(tempfile.mkdtemp(prefix="bench-server-"))
    try:
        if args.url:
            db_url, url = args.db_url, args.url.rstrip("/")
        else:
            pg = postgres_schema()
            if pg is None:
                if replicas > 1:
                    ap.error("several replicas need PostgreSQL")
                db_url = f"sqlite:///{workdir / 'ktm.sqlite3'}"
            else:
                db_url, drop = pg
                cleanup.append(drop)
        engine = create(db_url)
        upgrade_schema(engine)
        world = make_respondents(engine, n, name=f"Belasting {n}")
        if not args.url:
            from tests.deploy.nginx import start_replicas

            servers = start_replicas(db_url, replicas, workdir)
            url = servers[0].url
            if replicas > 1:
                from tests.deploy.nginx import nginx_binary, start_nginx

                binary = nginx_binary()
                if binary is None:
                    ap.error("several replicas need nginx (apt-get install nginx)")
                lb = start_nginx(binary, [s.port for s in servers], workdir / "nginx")
                url = lb.url
        cpu0 = {s.proc.pid: cpu_seconds(s.proc.pid) for s in servers}
        own0 = time.process_time()
        load0 = os.getloadavg()
        print(
            f"{n} respondents, links opened over {args.spread:g} s, ~{args.think:g} s per "
            f"page{', a run per answer' if args.per_change else ''}, "
            f"{len(servers) or 'external'} replica(s) at {url}; db "
            f"{db_url.split(':', 1)[0]}; load average {load0[0]:.1f} ({os.cpu_count()} cores)"
        )
        t0 = time.perf_counter()
        outcomes, steps = asyncio.run(
            run(url, world.tokens, args, sticky=lb is not None or bool(args.url))
        )
        wall = time.perf_counter() - t0
        cpu = {pid: cpu_seconds(pid) - c for pid, c in cpu0.items()}
        clients = time.process_time() - own0
        load1 = os.getloadavg()

        print(f"\nwall {wall:.1f} s; load average at the end {load1[0]:.1f}")
        print(f"{'step':<6}{'n':>7}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
        for step, values in steps.items():
            if values:
                print(
                    f"{step:<6}{len(values):>7}{percentile(values, 50):>9.3f}"
                    f"{percentile(values, 95):>9.3f}{max(values):>9.3f}"
                )
        done = sum(o.completed for o in outcomes)
        print(f"\ncompleted {done}, gave up {len(outcomes) - done}")
        for o in [o for o in outcomes if not o.completed][:5]:
            print(f"  {o.label}: {o.error[:200]}")
        total = sum(cpu.values())
        if cpu:
            print(
                f"server CPU {total:.1f} s ({total / max(done, 1):.2f} s per completed respondent; "
                + ", ".join(f"{v:.1f}" for v in cpu.values())
                + f" by replica); the {n} clients used {clients:.1f} s"
            )
        if lb is not None:
            by = lb.sessions_by_port([s.port for s in servers])
            print("websocket sessions by replica: " + ", ".join(f":{p} {n}" for p, n in by.items()))
        labels = {inv: label for label, inv in world.invitation_ids.items()}
        counts = store_counts(
            engine, world.wave_id, labels, {o.label for o in outcomes if o.completed}
        )
        print(
            "store: "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
            + "  (lost, duplicated, misattributed must be 0)"
        )
        engine.dispose()
        return {
            "n": n,
            "open_p95": percentile(steps["open"], 95) if steps["open"] else float("nan"),
            "page_p95": percentile(steps["page"], 95) if steps["page"] else float("nan"),
            "gave_up": len(outcomes) - done,
            "cpu_per": total / max(done, 1),
            "counts": f"{counts['lost']} / {counts['duplicated']} / {counts['misattributed']}",
            "bad": bool(counts["lost"] or counts["duplicated"] or counts["misattributed"]),
        }
    finally:
        if lb is not None:
            lb.stop()
        for s in servers:
            s.stop()
        for fn in cleanup:
            fn()


if __name__ == "__main__":
    raise SystemExit(main())
