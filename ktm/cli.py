"""The `ktm` command line.

Every module in `ktm.commands` that defines `register(subparsers)` adds its own
sub-commands, so an area of the tool adds commands without touching this file.

What a person reads here is Dutch first, English after ("nl / en"), like everything else
`ktm` prints. argparse's own words (usage:, options, its error messages) are gettext
messages: argparse looks them up through its module-level ``_`` and ``ngettext`` (bound to
``gettext.gettext``) at the moment it formats them, so `KtmParser` puts a class-based
gettext catalog (`ARGPARSE_NL_EN`) there while it builds, formats and parses, and puts
argparse's own functions back afterwards. A message a newer Python adds and the catalog
lacks stays English (gettext's fallback): never a crash.
"""

from __future__ import annotations

import argparse
import contextlib
import gettext
import importlib
import os
import pkgutil
import sys

from ktm import __version__

#: argparse's msgids (Python 3.11 to 3.13) -> "Dutch / English". Placeholders stay as they are.
_ARGPARSE_MESSAGES = {
    "usage: ": "gebruik / usage: ",
    "positional arguments": "argumenten / positional arguments",
    "options": "opties / options",
    "optional arguments": "opties / options",
    "subcommands": "opdrachten / subcommands",
    "show this help message and exit": "toon deze hulp en stop / show this help message and exit",
    "show program's version number and exit": "toon de versie en stop / show the version and exit",
    "%(prog)s: error: %(message)s\n": "%(prog)s: fout / error: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s: %(message)s",
    "the following arguments are required: %s": (
        "deze argumenten zijn verplicht / the following arguments are required: %s"
    ),
    "one of the arguments %s is required": (
        "een van deze argumenten is verplicht / one of the arguments %s is required"
    ),
    "unrecognized arguments: %s": "onbekende argumenten / unrecognized arguments: %s",
    "not allowed with argument %s": "niet samen met / not allowed with argument %s",
    "ignored explicit argument %r": "waarde niet toegestaan / ignored explicit argument %r",
    "expected one argument": "verwacht één waarde / expected one argument",
    "expected at most one argument": "verwacht hoogstens één waarde / expected at most one argument",
    "expected at least one argument": "verwacht minstens één waarde / expected at least one argument",
    "ambiguous option: %(option)s could match %(matches)s": (
        "dubbelzinnige optie / ambiguous option: %(option)s kan zijn / could match %(matches)s"
    ),
    "unexpected option string: %s": "onverwachte optie / unexpected option string: %s",
    "invalid %(type)s value: %(value)r": (
        "ongeldige waarde / invalid value: %(value)r (verwacht / expected: %(type)s)"
    ),
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "ongeldige keuze / invalid choice: %(value)r (kies uit / choose from %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "onbekende opdracht / unknown command %(parser_name)r (kies uit / choose from %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": (
        "kan '%(filename)s' niet openen / can't open '%(filename)s': %(error)s"
    ),
}
#: ngettext's (singular, plural) -> (Dutch / English singular, plural).
_ARGPARSE_PLURALS = {
    ("expected %s argument", "expected %s arguments"): (
        "verwacht %s waarde / expected %s argument",
        "verwacht %s waarden / expected %s arguments",
    ),
}


class _Catalog(gettext.NullTranslations):
    """A gettext catalog held in code: one fixed language pair, whatever the locale."""

    def gettext(self, message):
        return _ARGPARSE_MESSAGES.get(message, message)

    def ngettext(self, msgid1, msgid2, n):
        pair = _ARGPARSE_PLURALS.get((msgid1, msgid2))
        if pair is None:
            return msgid1 if n == 1 else msgid2
        return pair[0] if n == 1 else pair[1]


ARGPARSE_NL_EN = _Catalog()


@contextlib.contextmanager
def _argparse_words():
    """argparse's messages through ARGPARSE_NL_EN for as long as the block runs (nested
    use keeps the outermost's originals)."""
    saved = (argparse._, argparse.ngettext)
    argparse._, argparse.ngettext = ARGPARSE_NL_EN.gettext, ARGPARSE_NL_EN.ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class KtmParser(argparse.ArgumentParser):
    """argparse's parser with its own words in Dutch / English (module docstring); an error
    says where the help is. Sub-command parsers are of this class too (add_subparsers makes
    them of the parent's class)."""

    def __init__(self, *args, **kwargs):
        with _argparse_words():  # the group titles and -h's help are made here
            super().__init__(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        with _argparse_words():  # "unrecognized arguments" is raised here, after the parse
            return super().parse_args(args, namespace)

    def parse_known_args(self, args=None, namespace=None):
        with _argparse_words():
            return super().parse_known_args(args, namespace)

    def format_usage(self):
        with _argparse_words():
            return super().format_usage()

    def format_help(self):
        with _argparse_words():
            return super().format_help()

    def error(self, message):
        with _argparse_words():
            self.print_usage(sys.stderr)
            self.exit(
                2,
                argparse._("%(prog)s: error: %(message)s\n")
                % {"prog": self.prog, "message": message}
                + f"Meer uitleg / more help: {self.prog} --help\n",
            )


#: The help of every command's own --database.
DATABASE_HELP = "databank-URL / database URL (standaard / default: $KTM_DATABASE_URL)"


#: The help of a --wave (or ID) that takes an id, `open` or `latest`.
WAVE_HELP = "id van de bevraging, 'open' of 'latest' / wave id, 'open' or 'latest'"


def whole_number(text: str) -> int:
    """argparse type: a whole number, refused in Dutch / English (argparse would say
    "invalid int value")."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is geen geheel getal, bv. 30 / not a whole number, e.g. 30"
        ) from None


def decimal_number(text: str) -> float:
    """argparse type: a number; a decimal comma is read too (0,05 as 0.05)."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is geen getal, bv. 0,05 of 0.05 / not a number, e.g. 0.05"
        ) from None


def iso_date(text: str):
    """argparse type: a date written YYYY-MM-DD."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is geen datum JJJJ-MM-DD, bv. 2026-10-15 / not a date YYYY-MM-DD"
        ) from None


def variable_name(code: str) -> str:
    """A frame variable as the app's pages name it (report.format's labels), Dutch / English,
    with the code in brackets where it differs from both names: that code is what --margins
    and --strata take. A frame's own column (no label) stays its code."""
    from report import format as fmt

    nl, en = fmt.label("variable", code, "nl"), fmt.label("variable", code, "en")
    name = nl if nl == en else f"{nl} / {en}"
    return name if str(code) in (nl, en) else f"{name} ({code})"


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
        parser = sub.add_parser(name, help=help, description=help)
        return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION")
    if parser._subparsers is None:
        return parser.add_subparsers(dest=f"{name}_command", metavar="ACTION")
    return next(
        a for a in parser._subparsers._group_actions if isinstance(a, argparse._SubParsersAction)
    )


def build_parser() -> argparse.ArgumentParser:
    parser = KtmParser(
        prog="ktm",
        description=(
            "Klanttevredenheidsmeting e-loket: vragenlijst, steekproef, analyse, dashboard en "
            "Excel-export / customer satisfaction survey of the e-loket: questionnaire, "
            "sampling, analysis, dashboard and Excel export. Meer over een opdracht / more "
            "on a command: ktm COMMAND --help."
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"ktm {__version__}",
        help=ARGPARSE_NL_EN.gettext("show program's version number and exit"),
    )
    parser.add_argument(
        "--as",
        dest="acting_as",
        metavar="NAME",
        help="de naam in het auditspoor (standaard: de gebruiker van het besturingssysteem) "
        "/ the name written to the audit trail (default: the operating-system user)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy-databank-URL (standaard: $KTM_DATABASE_URL, anders een SQLite-bestand "
        "in ./var/) / database URL (default: $KTM_DATABASE_URL, else a SQLite file in ./var/)",
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
    """Run one command; its exit status. Output piped into a reader that stops early
    (`ktm audit | head -3`) ends the command quietly with status 1, as the Python
    documentation's "Note on SIGPIPE" (signal module) does: no traceback, and no second
    BrokenPipeError when Python flushes stdout at exit."""
    try:
        try:
            code = _run(argv)
        finally:  # also after --help's SystemExit: a closed pipe shows up here, not at exit
            sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return code


def _run(argv: list[str] | None) -> int:
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
