"""The `ktm` command line.

Every module in `ktm.commands` that defines `register(subparsers)` adds its own
sub-commands, so an area of the tool adds commands without touching this file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ktm import __version__


class CommandError(Exception):
    """A user-facing failure: printed without a traceback, exit code 2 (or `code`)."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


def database_url_of(args: argparse.Namespace) -> str:
    """The database of a command: its own --database, the global one, or the default."""
    from ktm.config import database_url

    return database_url(getattr(args, "db", None) or getattr(args, "database", None))


def engine_and_wave(args: argparse.Namespace):
    """The engine and the wave named by --wave (an id, `open` or `latest`), or a CommandError."""
    from ktm.database import get_engine
    from store.waves import StoreError, resolve_wave

    engine = get_engine(database_url_of(args))
    try:
        with engine.connect() as conn:
            wave = resolve_wave(conn, args.wave)
    except (StoreError, LookupError) as exc:
        raise CommandError(str(exc)) from exc
    return engine, wave


def command_group(
    sub: argparse._SubParsersAction, name: str, help: str
) -> argparse._SubParsersAction:
    """The actions of top-level command `name` (e.g. `wave`), made on first use: several
    command modules may add actions to one command."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help)
        return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION")
    if parser._subparsers is None:
        return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION")
    return next(
        a for a in parser._subparsers._group_actions if isinstance(a, argparse._SubParsersAction)
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ktm",
        description=(
            "Klanttevredenheidsmeting e-loket: questionnaire, sampling, analysis, "
            "dashboard and Excel export."
        ),
    )
    parser.add_argument("--version", action="version", version=f"ktm {__version__}")
    parser.add_argument(
        "--as",
        dest="acting_as",
        metavar="NAME",
        help="the name written to the audit trail (default: the operating-system user)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy database URL (default: $KTM_DATABASE_URL, else a SQLite file in ./var/)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    import ktm.commands as commands_pkg

    for info in sorted(pkgutil.iter_modules(commands_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"ktm.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0 if args.command is None else 2
    from ktm import roles

    # Everything this command changes is recorded as done by this person (ktm.roles).
    with roles.acting_as(roles.cli_actor(getattr(args, "acting_as", None))):
        try:
            result = args.func(args)
        except CommandError as exc:
            print(f"ktm: {exc}", file=sys.stderr)
            return exc.code
        except roles.Refused as exc:
            print(f"ktm: {exc}", file=sys.stderr)
            return 2
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
