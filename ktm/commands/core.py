"""Core commands: serve, demo, db upgrade, team-password."""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from pathlib import Path

from ktm.cli import DATABASE_HELP, CommandError, database_url_of, whole_number

APP = Path(__file__).resolve().parents[2] / "app.py"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="start de app (Streamlit) op de ingestelde databank / start the app (Streamlit) "
        "on the configured database",
    )
    p.add_argument(
        "--port", type=whole_number, default=8501, help="poort / port (standaard / default 8501)"
    )
    p.add_argument(
        "--address",
        default="localhost",
        help="adres waarop de app luistert / address to listen on (standaard / default localhost)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help="bouw op een lege databank eerst de synthetische demowereld (om rond te kijken); "
        "zonder blijft een lege databank leeg / on an empty database, first build the "
        "synthetic demo world; without it an empty database stays empty",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo",
        help="bouw of herbouw de synthetische demowereld, of verwijder ze / build or rebuild "
        "the synthetic demo world (deterministic), or remove it",
        description="Bouw of herbouw de demowereld naast uw eigen bevragingen (die blijven "
        "onaangeroerd), of verwijder elke demorij met --remove. / Build or rebuild the demo "
        "world beside your own waves (they are never touched), or remove every demo row with "
        "--remove.",
    )
    p.add_argument(
        "--seed",
        type=whole_number,
        default=2024,
        help="startwaarde van het toeval / random seed (standaard / default 2024)",
    )
    p.add_argument(
        "--remove",
        action="store_true",
        help="wis elke demorij, niets anders / delete every demo row, nothing else",
    )
    p.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("db", help="databankschema / database schema")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION")
    up = dbsub.add_parser(
        "upgrade",
        help="breng het schema naar de nieuwste versie (Alembic) / upgrade the schema to the "
        "latest version (Alembic)",
    )
    up.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    up.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser(
        "team-password",
        help="stel het teamwachtwoord in (de argon2-hash wordt bewaard) / set the team "
        "password (its argon2 hash is stored)",
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="lees het wachtwoord van stdin / read the password from stdin",
    )
    p.add_argument(
        "--print-hash",
        action="store_true",
        help="toon de hash (voor KTM_TEAM_PASSWORD_HASH of secrets.toml) in plaats van hem te "
        "bewaren / print the hash instead of storing it",
    )
    p.set_defaults(func=cmd_team_password)


def cmd_db_upgrade(args) -> int:
    from ktm.database import get_engine
    from store.db import current_revision

    engine = get_engine(database_url_of(args))
    print(
        f"Schema bijgewerkt (revisie {current_revision(engine)}) / schema up to date "
        f"(revision {current_revision(engine)}): {engine.url!r}"
    )
    return 0


def cmd_demo(args) -> int:
    from ktm.database import get_engine
    from ktm.demo import DemoError, build_demo, remove_demo

    engine = get_engine(database_url_of(args))
    if args.remove:
        counts = remove_demo(engine)
        if not counts:
            print("Er is geen demowereld in deze databank / there is no demo world here")
            return 0
        print("Demowereld verwijderd / demo world removed:")
        for table, n in counts.items():
            print(f"  {table}: {n}")
        return 0
    try:
        summary = build_demo(engine, seed=args.seed)
    except DemoError as exc:
        raise CommandError(str(exc)) from exc
    for line in summary:
        print(line)
    return 0


def cmd_team_password(args) -> int:
    from ktm import auth

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Nieuw teamwachtwoord / new team password: ")
        if getpass.getpass("Herhaal / repeat: ") != password:
            raise CommandError("De wachtwoorden verschillen / the passwords differ")
    try:
        hashed = auth.hash_password(password)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.print_hash:
        print(hashed)
    else:
        auth.write_password_file(password)
        print(f"Opgeslagen als hash in / stored as a hash in {auth.password_file()}")
    return 0


def cmd_serve(args) -> int:
    from ktm import auth
    from ktm.database import get_engine

    url = database_url_of(args)
    engine = get_engine(url)
    from ktm.demo import is_empty, seed_if_empty

    if args.demo and seed_if_empty(engine):
        print("Lege databank: demowereld aangemaakt / empty database: demo world seeded")
    elif is_empty(engine):
        print(
            "Lege databank: de app toont wat u eerst doet (README: 'Your first real measurement'); "
            "een demo om rond te kijken: ktm serve --demo / empty database: the app shows the "
            "first steps; for a demo to look around: ktm serve --demo"
        )
    if auth.configured_hash() is None and not (APP.parent / ".streamlit/secrets.toml").exists():
        password = auth.write_password_file()
        print(
            "\nGeen teamwachtwoord ingesteld: er is er een aangemaakt / "
            "no team password configured: one was generated:\n\n"
            f"    {password}\n\n"
            f"Aanmelden op http://{args.address}:{args.port}/team  "
            "(wijzigen / change: ktm team-password)\n",
            flush=True,
        )
    env = dict(os.environ, KTM_DATABASE_URL=url)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(args.port), "--server.address", args.address,
    ]  # fmt: skip
    return run_forwarding_signals(cmd, env=env, cwd=APP.parent)


def run_forwarding_signals(cmd: list[str], **popen) -> int:
    """Run the server as a child and pass SIGTERM/SIGINT on to it, so a service manager that
    signals only this process never leaves an orphaned (old) server behind; its exit code."""
    import signal

    child = subprocess.Popen(cmd, **popen)  # noqa: S603
    forwarded = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    previous = {}

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signum)

    for sig in forwarded:
        previous[sig] = signal.signal(sig, forward)
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:  # pragma: no cover (SIGINT is forwarded above)
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child.poll() is None:  # we are leaving for another reason: do not leave it behind
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
