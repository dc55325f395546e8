"""Sampling commands: frame import, sample draw, invitations export/send/post-contact.

Every command takes `--wave ID` (a number, or `open` for the wave in fieldwork) and prints a
short summary; user errors (an invalid file, a wave without frame, no mail server) end with
exit code 2 and a message saying what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ktm.cli import (
    DATABASE_HELP,
    CommandError,
    decimal_number,
    engine_and_wave,
    iso_date,
    variable_name,
    whole_number,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "frame",
        help="het steekproefkader van een bevraging / the sampling frame of a wave",
        description="het steekproefkader van een bevraging / the sampling frame of a wave",
    )
    fsub = p.add_subparsers(dest="frame_command", metavar="ACTION")
    imp = fsub.add_parser(
        "import",
        help="controleer een kader (.xlsx/.csv) en bewaar het bij een bevraging / validate an "
        ".xlsx/.csv frame and store it for a wave",
    )
    imp.add_argument("file", type=Path, metavar="FILE", help=".xlsx of/or .csv")
    _wave(imp)
    imp.add_argument("--sheet", help=SHEET_HELP)
    imp.add_argument(
        "--frame-date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="de datum waarop het kader getrokken is / the date the frame was extracted",
    )
    _errors_out(imp)
    imp.set_defaults(func=cmd_frame_import)

    p = sub.add_parser(
        "sample",
        help="steekproefontwerp en trekking / sample design and selection",
        description="steekproefontwerp en trekking / sample design and selection",
    )
    ssub = p.add_subparsers(dest="sample_command", metavar="ACTION")
    draw = ssub.add_parser(
        "draw",
        help="verdeel en trek een gestratificeerde steekproef met vaste seed / allocate and "
        "draw a seeded stratified sample",
    )
    _wave(draw)
    draw.add_argument(
        "--strata",
        required=True,
        metavar="COL",
        help="stratificatievariabele(n), bv. profession of profession,university / strata "
        "variable(s), a,b",
    )
    draw.add_argument(
        "--method",
        default="proportional",
        choices=["proportional", "neyman", "equal", "power", "census"],
        help="allocatie / allocation (standaard / default proportional); neyman vraagt / "
        "needs --sd",
    )
    size = draw.add_mutually_exclusive_group()
    size.add_argument(
        "--n",
        type=whole_number,
        help="aantal uitnodigingen / number of invitations",
    )
    size.add_argument(
        "--moe",
        type=decimal_number,
        help="gewenste foutenmarge over alles (bv. 0,05) / target margin of error overall "
        "(e.g. 0.05)",
    )
    draw.add_argument(
        "--response-rate",
        type=decimal_number,
        default=1.0,
        metavar="RATE",
        help="verwachte responsgraad, met --moe (bv. 0,4) / expected response rate, with --moe",
    )
    draw.add_argument(
        "--confidence",
        type=decimal_number,
        default=0.95,
        metavar="LEVEL",
        help="betrouwbaarheid (standaard 0,95) / confidence level (default 0.95)",
    )
    draw.add_argument(
        "--seed",
        type=whole_number,
        required=True,
        help="startwaarde: dezelfde seed trekt dezelfde steekproef / the same seed draws the "
        "same sample",
    )
    draw.add_argument(
        "--minimum",
        type=whole_number,
        default=0,
        metavar="K",
        help="minstens K per stratum / at least K per stratum",
    )
    draw.add_argument(
        "--sd",
        metavar="H=S,...",
        help="standaardafwijking S_h per stratum (neyman, power), bv. huisarts=1.2,"
        "arts_specialist=0.9 / S_h per stratum",
    )
    draw.add_argument(
        "--power",
        type=decimal_number,
        default=0.5,
        metavar="X",
        help="exponent van de machtsallocatie, 0 tot 1 (standaard 0,5) / exponent of the "
        "power allocation, 0 to 1",
    )
    draw.add_argument(
        "--sort-by",
        metavar="COL",
        help="systematische trekking na sorteren op COL / systematic draw after sorting",
    )
    draw.set_defaults(func=cmd_sample_draw)

    p = sub.add_parser(
        "invitations",
        help="mail merge, e-mail, herinneringen, na contact / mail merge, e-mail, reminders, "
        "post-contact",
        description="uitnodigingen / invitations: mail merge, e-mail, herinneringen / "
        "reminders, na contact / post-contact, onbestelbaar / bounces",
    )
    isub = p.add_subparsers(dest="invitations_command", metavar="ACTION")
    exp = isub.add_parser(
        "export",
        help="schrijf het mail-mergebestand en geef de links uit (gemarkeerd als uitgenodigd) / "
        "write the mail-merge file and issue the links (marks them invited)",
    )
    _wave(exp)
    exp.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.xlsx|FILE.csv",
        help="het bestand om te schrijven / the file to write",
    )
    exp.add_argument("--reminder", action="store_true", help=REMINDER_HELP)
    exp.add_argument("--deadline", metavar="YYYY-MM-DD", help=DEADLINE_HELP)
    _post_contact_flag(exp)
    exp.set_defaults(func=cmd_invitations_export)

    send = isub.add_parser(
        "send",
        help="verstuur uitnodigingen (of herinneringen) via SMTP ($KTM_SMTP_*); status 1 als er "
        "mislukten / send invitations (or reminders) by SMTP; exit 1 if some failed",
    )
    _wave(send)
    send.add_argument("--reminder", action="store_true", help=REMINDER_HELP)
    send.add_argument("--deadline", metavar="YYYY-MM-DD", help=DEADLINE_HELP)
    _post_contact_flag(send)
    send.set_defaults(func=cmd_invitations_send)

    post = isub.add_parser(
        "post-contact",
        help="uitnodigingen na contact uit een e-loketexport van indieningen / post-contact "
        "invitations from an e-loket export of submissions",
    )
    post.add_argument("file", type=Path, metavar="FILE", help=".xlsx of/or .csv")
    _wave(post)
    post.add_argument(
        "--days",
        type=whole_number,
        default=3,
        metavar="N",
        help="nodig zoveel dagen na het contact uit (3) / invite this many days after (3)",
    )
    post.add_argument(
        "--period-days",
        type=whole_number,
        default=182,
        metavar="N",
        help="hoogstens eenmaal per persoon per N dagen (182) / at most once per person per "
        "N days (182)",
    )
    post.add_argument(
        "--send",
        action="store_true",
        help="verstuur ze meteen ($KTM_SMTP_*) / send them at once",
    )
    post.add_argument("--deadline", metavar="YYYY-MM-DD", help=DEADLINE_HELP)
    post.add_argument("--today", type=iso_date, help=argparse.SUPPRESS)
    post.set_defaults(func=cmd_invitations_post_contact)

    bounces = isub.add_parser(
        "bounces",
        help="markeer de uitnodigingen die een bestand noemt (e-mailadressen of id's) als "
        "onbestelbaar, of met --opt-out als afgemeld; alles of niets / mark the invitations a "
        "file names as bounced, or with --opt-out as opted out; all or nothing",
    )
    bounces.add_argument("file", type=Path, metavar="FILE", help=".csv of/or .xlsx")
    _wave(bounces)
    bounces.add_argument(
        "--opt-out",
        action="store_const",
        const="opt_out",
        default="bounce",
        dest="event",
        help="het bestand noemt afmeldingen (weigeringen), geen onbestelbare adressen / the "
        "file lists opt-outs (refusals), not undeliverable addresses",
    )
    bounces.add_argument("--sheet", help=SHEET_HELP)
    _errors_out(bounces)
    bounces.set_defaults(func=cmd_invitations_bounces)


def _errors_out(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--errors-out",
        type=Path,
        metavar="FILE",
        help="schrijf elk probleem van een geweigerd bestand naar FILE (.csv of .xlsx) / write "
        "every problem of a refused file to FILE",
    )


SHEET_HELP = "naam van het werkblad (standaard: het eerste) / worksheet name (default: the first)"
REMINDER_HELP = (
    "herinneringen: nieuwe links voor wie nog niet klaar is / reminders: new links for those "
    "not done"
)
DEADLINE_HELP = "uiterste datum in de tekst (standaard: einde veldwerk) / default: end of fieldwork"


def refused(exc, errors_out: Path | None) -> CommandError:
    """The CommandError of a refused file; with --errors-out every problem goes to the file."""
    from ktm.services.problems import write_problems
    from report import format as fmt
    from sampling.frame import MAX_PRINTED_PROBLEMS

    message = str(exc)
    problems = getattr(exc, "problems", None)
    if errors_out is not None and problems:
        write_problems(problems, errors_out)
        message += (
            f"\nAlle {fmt.integer(len(problems))} problemen staan in / every problem is listed "
            f"in {errors_out}"
        )
    elif problems and not getattr(exc, "all_printed", len(problems) <= MAX_PRINTED_PROBLEMS):
        # The printed list stops at MAX_PRINTED_PROBLEMS (groups) and names at most
        # MAX_LISTED_ROWS runs of rows per problem; say how to get the rest.
        message += (
            "\nDe volledige lijst: herhaal met --errors-out PROBLEMEN.csv "
            "(the full list: run again with --errors-out PROBLEMS.csv)"
        )
    return CommandError(message)


def _post_contact_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--post-contact",
        action="store_const",
        const="post_contact",
        default="invited",
        dest="mode",
        help="de uitnodigingen na contact in plaats van die van de steekproef / the "
        "post-contact invitations instead of the sample's",
    )


def _wave(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wave",
        required=True,
        metavar="ID",
        help="id van de bevraging, of 'open' / wave id, or 'open'",
    )
    p.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)


def _user_errors():
    from ktm.services.sampling import SamplingError
    from sampling.frame import FrameError
    from store.waves import StoreError

    return (FrameError, SamplingError, StoreError)


def cmd_frame_import(args) -> int:
    from ktm.services import sampling as svc

    engine, wave = engine_and_wave(args)
    if not args.file.exists():
        raise CommandError(f"{args.file}: bestand niet gevonden / file not found")
    try:
        result = svc.import_frame(
            engine, wave["id"], args.file, sheet=args.sheet, frame_date=args.frame_date
        )
    except _user_errors() as exc:
        raise refused(exc, args.errors_out) from exc
    if not result.new:
        print(
            f"{result.source_name}: al het huidige kader van bevraging {wave['id']}; niets "
            f"gewijzigd / already the current frame of wave {wave['id']}; nothing changed"
        )
        return 0
    if result.discarded_sample:
        print(
            "De steekproef van het vorige kader is verwijderd; trek opnieuw (ktm sample draw) / "
            "the sample of the previous frame was discarded; draw again"
        )
    from report import format as fmt

    aux = ", ".join(variable_name(c) for c in result.aux_columns) or "-"
    print(
        f"Kader ingelezen / frame imported: {fmt.integer(result.n_units)} eenheden / units uit / "
        f"from {result.source_name} voor bevraging / for wave {wave['id']} ({wave['name']}), "
        f"snapshot {result.snapshot_id}; hulpvariabelen / auxiliary: {aux}"
    )
    return 0


def _parse_sd(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        try:
            if not sep:
                raise ValueError
            out[key.strip()] = float(value)
        except ValueError as exc:
            raise CommandError(
                f"--sd verwacht STRATUM=WAARDE,..., bv. --sd huisarts=1.2,arts_specialist=0.9; "
                f"niet {part!r} / --sd expects STRATUM=VALUE,..., not {part!r}"
            ) from exc
    return out


def _check_sd(svc, engine, wave_id: int, strata: list[str], method: str, sd) -> None:
    """Neyman (and power with --sd) needs S_h for every stratum: say which strata, and how to
    give them, before the allocation refuses in English."""
    if method != "neyman" and not (method == "power" and sd is not None):
        return
    pop = svc.population(engine, wave_id, strata[0] if len(strata) == 1 else strata)
    missing = [str(h) for h in pop if h not in (sd or {})]
    if not missing:
        return
    example = ",".join(f"{h}=S" for h in missing[:3]) + (",..." if len(missing) > 3 else "")
    if sd is None:
        raise CommandError(
            "Neyman-allocatie verdeelt naar de spreiding per stratum: geef de "
            f"standaardafwijking S van elk stratum met --sd {example}, of kies een andere "
            "--method (proportional, equal, power) / Neyman allocation needs the standard "
            f"deviation S_h of every stratum: give --sd {example}, or choose another --method"
        )
    raise CommandError(
        f"--sd noemt niet elk stratum; ontbreken / missing: {', '.join(missing)}; voeg ze toe, "
        f"bv. --sd {args_sd(sd)},{example} / --sd must name every stratum: add them"
    )


def args_sd(sd: dict[str, float]) -> str:
    return ",".join(f"{h}={v:g}" for h, v in sd.items())


def cmd_sample_draw(args) -> int:
    from ktm.services import sampling as svc

    engine, wave = engine_and_wave(args)
    strata = [s.strip() for s in args.strata.split(",") if s.strip()]
    sd = _parse_sd(args.sd)
    try:
        _check_sd(svc, engine, wave["id"], strata, args.method, sd)
        result = svc.draw_sample(
            engine,
            wave["id"],
            strata[0] if len(strata) == 1 else strata,
            args.method,
            n=args.n,
            seed=args.seed,
            minimum=args.minimum,
            sd=sd,
            power=args.power,
            sort_by=args.sort_by,
            moe=args.moe,
            confidence=args.confidence,
            response_rate=args.response_rate,
        )
    except _user_errors() as exc:
        raise CommandError(str(exc)) from exc
    from report import format as fmt

    print(
        f"Steekproef getrokken / sample drawn: bevraging {wave['id']}, "
        f"{fmt.label('allocation', result.method, 'nl')} / "
        f"{fmt.label('allocation', result.method, 'en')}, n = {fmt.integer(result.n)}, "
        f"seed {result.seed} (sample {result.sample_id})"
    )
    table = result.table()
    print(draw_table(table, strata).to_string(index=False))
    print(DRAW_LEGEND)
    census = {"N_h", "n_h"} <= set(table.columns) and (table["n_h"] >= table["N_h"]).all()
    if census and result.method != "census":
        # Asked for a margin of error the frame cannot give by sampling: say that everyone is
        # invited, or the team reads n = N as a sample.
        print(
            "Volledige telling: de gevraagde precisie vraagt meer uitnodigingen dan het kader "
            "telt, dus iedereen in het kader wordt uitgenodigd / census: the precision asked "
            "for needs more invitations than the frame holds, so everyone is invited"
        )
    params = result.parameters
    if params.get("deff_allocation") is not None:
        print(
            f"Designeffect van de allocatie (Kish) / design effect of the allocation: "
            f"{fmt.number(params['deff_allocation'], 2)}; "
            + expected_moe_text(params.get("expected_moe"), census)
            + (
                f" (zonder het designeffect zouden {fmt.integer(params['invitations_without_deff'])} "
                "uitnodigingen volstaan / without the design effect, "
                f"{fmt.integer(params['invitations_without_deff'])} invitations would do)"
                if "invitations_without_deff" in params
                else ""
            )
        )
    return 0


def no_sampling_error(moe) -> bool:
    """A margin of error of (nearly) nothing: everyone in the frame is invited and expected to
    answer, so there is no sampling at all; '0,0%' would read as a very precise sample."""
    return moe is not None and moe == moe and abs(float(moe)) < 5e-5


def expected_moe_text(moe, census: bool) -> str:
    """The expected margin of error in words (nl / en); a census without sampling error says
    so instead of printing 0,0%."""
    from report import format as fmt

    if no_sampling_error(moe):
        return (
            "geen foutenmarge: iedereen in het kader wordt bevraagd (volledige telling), er is "
            "geen steekproeffout / no margin of error: everyone in the frame is surveyed "
            "(census), there is no sampling error"
        )
    text = f"verwachte foutenmarge / expected margin of error: ±{fmt.percent(moe, 1)}"
    if census:
        text += (
            "; bij een volledige telling komt die marge alleen van wie niet antwoordt / in a "
            "census this margin comes only from those who do not answer"
        )
    return text


def draw_table(table, strata) -> pd.DataFrame:  # noqa: F821 - pandas is imported lazily
    """The draw per stratum as the team reads it, as the page shows it: named columns, the
    professions by their name, numbers through report.format (nl-BE: 0,333)."""
    import pandas as pd

    from report import format as fmt

    names = [strata] if isinstance(strata, str) else list(strata)

    def stratum(code) -> str:
        # A stratum of several variables is "algemeen_tandarts | KU Leuven": name each part.
        parts = str(code).split(" | ")
        if len(parts) != len(names):
            return str(code)
        return " | ".join(
            fmt.label("profession", part, "nl") if name == "profession" else part
            for name, part in zip(names, parts, strict=True)
        )

    return pd.DataFrame(
        {
            "stratum": [stratum(h) for h in table["stratum"]],
            "N_h": [fmt.integer(x) for x in table["N_h"]],
            "n_h": [fmt.integer(x) for x in table["n_h"]],
            "getrokken": [fmt.integer(x) for x in table["getrokken"]],
            "inclusiekans": [fmt.number(x, 3) for x in table["inclusion_prob"]],
            "ontwerpgewicht": [fmt.number(x, 2) for x in table["design_weight"]],
        }
    )


#: What the columns of the draw table are, in English (the headers are Dutch).
DRAW_LEGEND = (
    "(N_h: kader / frame; n_h: toegewezen / allocated; getrokken / drawn; inclusiekans / "
    "inclusion probability; ontwerpgewicht / design weight)"
)


def cmd_invitations_export(args) -> int:
    from ktm.services import sampling as svc

    engine, wave = engine_and_wave(args)
    try:
        result = svc.export_invitations(
            engine,
            wave["id"],
            args.out,
            reminder=args.reminder,
            deadline=args.deadline,
            mode=args.mode,
        )
    except _user_errors() as exc:
        raise CommandError(str(exc)) from exc
    what = "herinneringen / reminders" if result.reminder else "uitnodigingen / invitations"
    _warn_local_links()
    print(
        f"{result.n} {what} geschreven naar / written to {result.path}. De links in dit bestand "
        "zijn nu de geldige; verstuur het met uw mail merge. / The links in this file are now "
        "the valid ones."
    )
    return 0


def _warn_local_links() -> None:
    """Personal links are built on KTM_PUBLIC_URL; left at its default they point at this
    machine, and a mail merge would send links no respondent can open. Warn, don't refuse:
    a trial run on one's own machine is legitimate."""
    from urllib.parse import urlsplit

    from ktm.config import settings

    url = settings().public_url
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "127.0.0.1", "::1") or host.startswith("127."):
        print(
            f"Let op: de links wijzen naar {url}, dat is deze computer; respondenten kunnen ze "
            "niet openen. Zet KTM_PUBLIC_URL op het adres van de app en maak het bestand "
            f"opnieuw. / Warning: the links point at {url} (this computer); set KTM_PUBLIC_URL "
            "to the app's address and export again.",
            file=sys.stderr,
        )


def cmd_invitations_send(args) -> int:
    from ktm.services import sampling as svc

    engine, wave = engine_and_wave(args)
    _warn_local_links()
    try:
        config = svc.smtp_config_from_env()
        last = [0]

        def progress(done: int, total: int) -> None:
            if done - last[0] >= 50 or done == total:
                last[0] = done
                print(f"  {done}/{total}", file=sys.stderr, flush=True)

        summary = svc.send_invitations(
            engine,
            wave["id"],
            config,
            reminder=args.reminder,
            deadline=args.deadline,
            mode=args.mode,
            progress=progress,
        )
    except _user_errors() as exc:
        raise CommandError(str(exc)) from exc
    print(
        f"Verstuurd / sent: {summary.sent}, onbestelbaar / bounced: {summary.bounced}, "
        f"mislukt (later opnieuw) / failed (retry later): {summary.failed}, van / of {summary.total}"
    )
    for row in summary.problems.itertuples(index=False):
        print(
            f"  uitnodiging {row.invitation} <{row.email}>: {row.status} {row.smtp_code or ''} {row.error or ''}"
        )
    return 0 if summary.failed == 0 else 1


def cmd_invitations_post_contact(args) -> int:
    from ktm.services import sampling as svc

    engine, wave = engine_and_wave(args)
    if not args.file.exists():
        raise CommandError(f"{args.file}: bestand niet gevonden / file not found")
    try:
        result = svc.post_contact(
            engine,
            args.file,
            wave["id"],
            days=args.days,
            period_days=args.period_days,
            today=args.today,
            smtp_config=svc.smtp_config_from_env() if args.send else None,
            deadline=args.deadline,
        )
    except _user_errors() as exc:
        raise CommandError(str(exc)) from exc
    for line in result.summary():
        print(line)
    return 0


def cmd_invitations_bounces(args) -> int:
    from ktm.services.bounces import import_dispositions

    engine, wave = engine_and_wave(args)
    if not args.file.exists():
        raise CommandError(f"{args.file}: bestand niet gevonden / file not found")
    try:
        result = import_dispositions(
            engine, wave["id"], args.file, event=args.event, sheet=args.sheet
        )
    except _user_errors() as exc:
        raise refused(exc, args.errors_out) from exc
    print(result.summary())
    return 0
