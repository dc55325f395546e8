"""Sampling commands: frame import, sample draw, invitations export/send/post-contact.

Every command takes `--wave ID` (a number, or `open` for the wave in fieldwork) and prints a
short summary; user errors (an invalid file, a wave without frame, no mail server) end with
exit code 2 and a message saying what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ktm.cli import CommandError, engine_and_wave


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("frame", help="the sampling frame of a wave")
    fsub = p.add_subparsers(dest="frame_command", metavar="ACTION")
    imp = fsub.add_parser("import", help="validate an .xlsx/.csv frame and store it for a wave")
    imp.add_argument("file", type=Path, metavar="FILE")
    _wave(imp)
    imp.add_argument("--sheet", help="worksheet name (default: the first)")
    imp.add_argument("--frame-date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD")
    _errors_out(imp)
    imp.set_defaults(func=cmd_frame_import)

    p = sub.add_parser("sample", help="sample design and selection")
    ssub = p.add_subparsers(dest="sample_command", metavar="ACTION")
    draw = ssub.add_parser("draw", help="allocate and draw a seeded stratified sample")
    _wave(draw)
    draw.add_argument("--strata", required=True, metavar="COL", help="strata variable(s), a,b")
    draw.add_argument(
        "--method",
        default="proportional",
        choices=["proportional", "neyman", "equal", "power", "census"],
    )
    size = draw.add_mutually_exclusive_group()
    size.add_argument("--n", type=int, help="number of invitations")
    size.add_argument("--moe", type=float, help="target margin of error overall (e.g. 0.05)")
    draw.add_argument("--response-rate", type=float, default=1.0, help="expected, with --moe")
    draw.add_argument("--confidence", type=float, default=0.95)
    draw.add_argument("--seed", type=int, required=True)
    draw.add_argument("--minimum", type=int, default=0, help="at least K per stratum")
    draw.add_argument("--sd", metavar="H=S,...", help="S_h per stratum (Neyman, power)")
    draw.add_argument("--power", type=float, default=0.5)
    draw.add_argument("--sort-by", metavar="COL", help="systematic draw after sorting")
    draw.set_defaults(func=cmd_sample_draw)

    p = sub.add_parser("invitations", help="mail merge, e-mail, reminders, post-contact")
    isub = p.add_subparsers(dest="invitations_command", metavar="ACTION")
    exp = isub.add_parser(
        "export", help="write the mail-merge file and issue the links (marks them invited)"
    )
    _wave(exp)
    exp.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx|FILE.csv")
    exp.add_argument("--reminder", action="store_true", help="new links for those not done")
    exp.add_argument("--deadline", metavar="YYYY-MM-DD", help="default: end of fieldwork")
    _post_contact_flag(exp)
    exp.set_defaults(func=cmd_invitations_export)

    send = isub.add_parser(
        "send",
        help="send invitations (or reminders) by SMTP ($KTM_SMTP_*); exit 1 if some failed",
    )
    _wave(send)
    send.add_argument("--reminder", action="store_true")
    send.add_argument("--deadline", metavar="YYYY-MM-DD", help="default: end of fieldwork")
    _post_contact_flag(send)
    send.set_defaults(func=cmd_invitations_send)

    post = isub.add_parser(
        "post-contact", help="post-contact invitations from an e-loket export of submissions"
    )
    post.add_argument("file", type=Path, metavar="FILE")
    _wave(post)
    post.add_argument("--days", type=int, default=3, help="invite this many days after (3)")
    post.add_argument(
        "--period-days", type=int, default=182, help="at most once per person per (182 days)"
    )
    post.add_argument("--send", action="store_true", help="send them at once ($KTM_SMTP_*)")
    post.add_argument("--deadline", metavar="YYYY-MM-DD", help="default: end of fieldwork")
    post.add_argument("--today", type=dt.date.fromisoformat, help=argparse.SUPPRESS)
    post.set_defaults(func=cmd_invitations_post_contact)

    bounces = isub.add_parser(
        "bounces",
        help="mark the invitations a file names (e-mail addresses or unit ids) as bounced, "
        "or with --opt-out as opted out; all or nothing",
    )
    bounces.add_argument("file", type=Path, metavar="FILE", help=".csv or .xlsx")
    _wave(bounces)
    bounces.add_argument(
        "--opt-out",
        action="store_const",
        const="opt_out",
        default="bounce",
        dest="event",
        help="the file lists opt-outs (refusals), not undeliverable addresses",
    )
    bounces.add_argument("--sheet", help="worksheet name (default: the first)")
    _errors_out(bounces)
    bounces.set_defaults(func=cmd_invitations_bounces)


def _errors_out(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--errors-out",
        type=Path,
        metavar="FILE",
        help="write every problem of a refused file to FILE (.csv or .xlsx)",
    )


def refused(exc, errors_out: Path | None) -> CommandError:
    """The CommandError of a refused file; with --errors-out every problem goes to the file."""
    from ktm.services.problems import write_problems
    from sampling.frame import MAX_PRINTED_PROBLEMS

    message = str(exc)
    problems = getattr(exc, "problems", None)
    if errors_out is not None and problems:
        write_problems(problems, errors_out)
        message += (
            f"\nAlle {len(problems)} problemen staan in / every problem is listed in {errors_out}"
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
        help="the post-contact invitations instead of the sample's",
    )


def _wave(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wave", required=True, metavar="ID", help="wave id, or 'open'")
    p.add_argument("--database", dest="db", metavar="URL", help="database URL")


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
            f"{result.source_name}: al het huidige kader van bevraging {wave['id']}; niets gewijzigd"
        )
        return 0
    if result.discarded_sample:
        print("De steekproef van het vorige kader is verwijderd; trek opnieuw / sample discarded")
    aux = ", ".join(result.aux_columns) or "-"
    print(
        f"Kader ingelezen / frame imported: {result.n_units} eenheden uit {result.source_name} "
        f"voor bevraging {wave['id']} ({wave['name']}), snapshot {result.snapshot_id}; "
        f"hulpvariabelen / auxiliary: {aux}"
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
            raise CommandError(f"--sd verwacht stratum=waarde,... niet {part!r}") from exc
    return out


def cmd_sample_draw(args) -> int:
    from ktm.services import sampling as svc

    engine, wave = engine_and_wave(args)
    strata = [s.strip() for s in args.strata.split(",") if s.strip()]
    try:
        result = svc.draw_sample(
            engine,
            wave["id"],
            strata[0] if len(strata) == 1 else strata,
            args.method,
            n=args.n,
            seed=args.seed,
            minimum=args.minimum,
            sd=_parse_sd(args.sd),
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

    single = strata[0] if isinstance(strata, list | tuple) and len(strata) == 1 else strata

    def stratum(code) -> str:
        return fmt.label("profession", code, "nl") if single == "profession" else str(code)

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
