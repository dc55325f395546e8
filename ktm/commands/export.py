"""`ktm export`: the Excel workbook of a wave (and its data and codebook as CSV).

    ktm export --wave latest --out meting.xlsx --csv-dir meting-csv/

`--wave` takes a wave id, `latest` (the most recent closed wave) or `open`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ktm.cli import DATABASE_HELP, CommandError, engine_and_wave


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="schrijf de Excel-werkmap van een bevraging (resultaten, verantwoording, data, "
        "codeboek) / write a wave's Excel workbook (results, accountability, data, codebook)",
        description=(
            "Schrijf de Excel-werkmap van een bevraging: de antwoorden op de parlementaire "
            "vragen, elke gewogen score, trend, verbeterpunten, respons, gewichten, steekproef, "
            "de data (een rij per antwoord) en het codeboek; desgewenst data en codeboek als "
            "CSV (UTF-8 met BOM, scheidingsteken ';', decimaalteken ','). / "
            "Write the Excel workbook of a wave: the answers to the parliamentary questions, "
            "every weighted score, trend, improvement points, response, weights, sample, the "
            "data (one row per response) and the codebook; optionally the data and codebook as "
            "CSV (UTF-8 with BOM, ';' separator, ',' decimal mark)."
        ),
    )
    p.add_argument(
        "--wave",
        required=True,
        metavar="ID",
        help="id, 'latest' (laatst afgesloten / last closed) of/or 'open'",
    )
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FILE",
        help="FILE.xlsx voor de werkmap, FILE.docx voor docx; voor sav, dta, csv, parquet een "
        "map of FILE.zip (data, codeboek.csv, ontwerp.R, ontwerp.sps) / FILE.xlsx for the "
        "workbook, FILE.docx for docx; for sav, dta, csv, parquet a folder or a FILE.zip "
        "(the data, codebook and the design for R and SPSS)",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("xlsx", "sav", "dta", "csv", "parquet", "docx"),
        default="xlsx",
        help="xlsx (de werkmap, standaard), sav (SPSS), dta (Stata), csv, parquet of docx "
        "(ontwerp van schriftelijk antwoord op de parlementaire vraag) / xlsx (the workbook, "
        "default), sav, dta, csv, parquet, or docx (the draft written answer to the "
        "parliamentary question, as a Word document)",
    )
    p.add_argument(
        "--lang",
        choices=("nl", "en"),
        default="nl",
        help="taal van de labels (sav, dta, parquet, csv) en van het docx-antwoord / language "
        "of the labels and of the docx answer",
    )
    p.add_argument(
        "--csv-dir",
        type=Path,
        metavar="DIR",
        help="schrijf ook data.csv en codeboek.csv in DIR / also write data.csv, codeboek.csv",
    )
    p.add_argument(
        "--profile",
        choices=("internal", "publication"),
        default="internal",
        help="internal: volledige microdata en open antwoorden, vertrouwelijk (standaard); "
        "publication: aggregaten, microdata vergroofd tot k-anonimiteit, geen open antwoorden / "
        "internal: full microdata and open answers, confidential (default); publication: "
        "aggregates, microdata coarsened to k-anonymity, no open answers",
    )
    p.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    p.set_defaults(func=cmd_export)


def cmd_export(args) -> int:
    from ktm.services.export import export_wave
    from report import format as fmt
    from store.waves import StoreError

    out: Path = args.out
    if args.fmt == "docx":
        return _docx_export(args)
    if args.fmt != "xlsx":
        return _stats_export(args)
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
        result = export_wave(engine, wave["id"], out, args.csv_dir, profile=args.profile)
    except (StoreError, LookupError) as exc:
        raise CommandError(str(exc)) from exc
    except PermissionError as exc:
        raise CommandError(f"{exc.filename}: geen schrijfrechten / not writable") from exc
    print(
        f"Bevraging {wave['id']} ({wave['name']}): {fmt.integer(result.n_responses)} antwoorden "
        f"geëxporteerd naar / exported to {result.workbook} (profiel / profile {args.profile}"
        + (": VERTROUWELIJK / CONFIDENTIAL)" if args.profile == "internal" else ")")
    )
    for path in result.csv_files:
        print(f"CSV: {path}")
    return 0


def _stats_export(args) -> int:
    from ktm.services.export import stats_export
    from report import format as fmt
    from report.exports import zip_bytes
    from store.waves import StoreError

    out: Path = args.out
    if out.suffix.lower() == ".xlsx":
        raise CommandError(
            f"{out}: --format {args.fmt} schrijft een map of een .zip-bestand / "
            "writes a folder or a .zip file"
        )
    parent = out.parent if out.suffix.lower() == ".zip" else out.parent
    if not parent.exists():
        raise CommandError(f"{parent}: map bestaat niet; maak ze eerst aan / folder does not exist")
    if out.suffix.lower() != ".zip" and out.exists() and not out.is_dir():
        raise CommandError(f"{out}: is geen map / is not a folder")
    engine, wave = engine_and_wave(args)
    try:
        result = stats_export(engine, wave["id"], args.fmt, args.lang, args.profile)
    except (StoreError, LookupError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    try:
        if out.suffix.lower() == ".zip":
            out.write_bytes(zip_bytes(result.files))
            written = [out]
        else:
            out.mkdir(exist_ok=True)
            written = []
            for name, data in result.files.items():
                (out / name).write_bytes(data)
                written.append(out / name)
    except PermissionError as exc:
        raise CommandError(f"{exc.filename}: geen schrijfrechten / not writable") from exc
    print(
        f"Bevraging {wave['id']} ({wave['name']}): {fmt.integer(result.n_responses)} antwoorden "
        f"geëxporteerd als / exported as {args.fmt}:"
    )
    for path in written:
        print(f"  {path}")
    return 0


def _docx_export(args) -> int:
    from ktm.services.export import answer_docx
    from store.waves import StoreError

    out: Path = args.out
    if out.suffix.lower() != ".docx":
        raise CommandError(f"{out}: --format docx schrijft een .docx-bestand / writes a .docx file")
    if not out.parent.exists():
        raise CommandError(
            f"{out.parent}: map bestaat niet; maak ze eerst aan / folder does not exist"
        )
    engine, wave = engine_and_wave(args)
    try:
        data = answer_docx(engine, wave["id"], args.lang, args.profile)
        out.write_bytes(data)
    except (StoreError, LookupError) as exc:
        raise CommandError(str(exc)) from exc
    except PermissionError as exc:
        raise CommandError(f"{exc.filename}: geen schrijfrechten / not writable") from exc
    print(f"Bevraging {wave['id']} ({wave['name']}): ontwerp van antwoord / draft answer: {out}")
    return 0
