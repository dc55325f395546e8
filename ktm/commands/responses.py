"""Answers from outside and out again: `ktm responses import|export`, in the column layout of
the export's Data sheet (ktm.services.response_files)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ktm.cli import DATABASE_HELP, WAVE_HELP, CommandError, engine_and_wave
from vocabulary import RESPONSE_MODES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "responses",
        help="lees antwoorden in uit een bestand, exporteer ze / import answers from a file, "
        "export them",
    )
    rsub = p.add_subparsers(dest="responses_command", metavar="ACTION")
    imp = rsub.add_parser(
        "import",
        help="controleer een bestand in de Data-opmaak (.xlsx/.csv) en bewaar elke rij, of "
        "geen / validate a file in the Data layout (.xlsx/.csv) and store every row, or none",
    )
    imp.add_argument("file", type=Path, metavar="FILE", help=".xlsx of/or .csv")
    imp.add_argument(
        "--wave",
        required=True,
        metavar="ID",
        help="id van de bevraging, of 'open' / wave id, or 'open'",
    )
    imp.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    imp.add_argument(
        "--mode",
        required=True,
        choices=[*RESPONSE_MODES, "file"],
        help="hoe de antwoorden binnenkwamen (paper ...); 'file': de kolom mode van elke rij / "
        "how the answers came in; 'file': each row's mode column",
    )
    imp.add_argument(
        "--sheet",
        help="werkblad (standaard: Data in een export, anders het eerste) / worksheet "
        "(default: Data in an export, else the first)",
    )
    imp.add_argument(
        "--errors-out",
        type=Path,
        metavar="FILE",
        help="schrijf elk probleem van een geweigerd bestand naar FILE (.csv of .xlsx) / write "
        "every problem of a refused file to FILE",
    )
    imp.set_defaults(func=cmd_import)

    exp = rsub.add_parser(
        "export",
        help="schrijf de antwoorden van de bevraging in de Data-opmaak / write the wave's "
        "responses in the Data layout",
    )
    exp.add_argument("--wave", required=True, metavar="ID", help=WAVE_HELP)
    exp.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    exp.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.xlsx|FILE.csv",
        help="het bestand om te schrijven / the file to write",
    )
    exp.set_defaults(func=cmd_export)


def cmd_import(args) -> int:
    from ktm.commands.sampling import refused
    from ktm.services.response_files import ResponseFileError, import_responses
    from store.waves import StoreError

    engine, wave = engine_and_wave(args)
    if not args.file.exists():
        raise CommandError(f"{args.file}: bestand niet gevonden / file not found")
    try:
        result = import_responses(engine, wave["id"], args.file, mode=args.mode, sheet=args.sheet)
    except (ResponseFileError, StoreError) as exc:
        raise refused(exc, args.errors_out) from exc
    print(result.summary())
    return 0


def cmd_export(args) -> int:
    from ktm.services.response_files import export_responses

    engine, wave = engine_and_wave(args)
    if args.out.suffix.lower() not in (".xlsx", ".csv"):
        raise CommandError(f"{args.out}: kies .xlsx of .csv / choose .xlsx or .csv")
    try:
        path = export_responses(engine, wave["id"], args.out)
    except LookupError as exc:
        raise CommandError(str(exc)) from exc
    print(f"Antwoorden geschreven naar / responses written to {path}")
    return 0
