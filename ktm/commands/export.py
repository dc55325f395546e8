"""`ktm export`: the Excel workbook of a wave (and its data and codebook as CSV).

    ktm export --wave latest --out meting.xlsx --csv-dir meting-csv/

`--wave` takes a wave id, `latest` (the most recent closed wave) or `open`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ktm.cli import CommandError, engine_and_wave


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a wave's Excel workbook (results, accountability, data, codebook)",
        description=(
            "Write the Excel workbook of a wave: the answers to the parliamentary questions, "
            "every weighted score, trend, improvement points, response, weights, sample, the "
            "data (one row per response) and the codebook; optionally the data and codebook as "
            "CSV (UTF-8 with BOM, ';' separator, ',' decimal mark)."
        ),
    )
    p.add_argument(
        "--wave", required=True, metavar="ID", help="wave id, 'latest' (last closed) or 'open'"
    )
    p.add_argument("--out", required=True, type=Path, metavar="FILE.xlsx")
    p.add_argument("--csv-dir", type=Path, metavar="DIR", help="also write data.csv, codeboek.csv")
    p.add_argument("--database", dest="db", metavar="URL", help="database URL")
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from ktm.services.export import export_wave
    from store.waves import StoreError

    out: Path = args.out
    if out.suffix.lower() != ".xlsx":
        raise CommandError(f"{out}: --out moet een .xlsx-bestand zijn / must be an .xlsx file")
    if not out.parent.exists():
        raise CommandError(
            f"{out.parent}: map bestaat niet; maak ze eerst aan / folder does not exist"
        )
    if args.csv_dir is not None and args.csv_dir.exists() and not args.csv_dir.is_dir():
        raise CommandError(f"{args.csv_dir}: is geen map / is not a folder")
    engine, wave = engine_and_wave(args)
    try:
        result = export_wave(engine, wave["id"], out, args.csv_dir)
    except (StoreError, LookupError) as exc:
        raise CommandError(str(exc)) from exc
    except PermissionError as exc:
        raise CommandError(f"{exc.filename}: geen schrijfrechten / not writable") from exc
    print(
        f"Bevraging {wave['id']} ({wave['name']}): {result.n_responses} antwoorden "
        f"geëxporteerd naar / exported to {result.workbook}"
    )
    for path in result.csv_files:
        print(f"CSV: {path}")
    return 0
