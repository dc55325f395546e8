"""`ktm wave weighting`: preview the weighting of a wave with given raking margins and
trimming bounds, and store the choice with --save (ktm.services.weighting)."""

from __future__ import annotations

import argparse
import sys

from ktm.cli import (
    DATABASE_HELP,
    WAVE_HELP,
    CommandError,
    command_group,
    decimal_number,
    engine_and_wave,
    variable_name,
)


def register(sub: argparse._SubParsersAction) -> None:
    wave = command_group(sub, "wave", "bevragingen (metingen) / waves (measurements)")
    p = wave.add_parser(
        "weighting",
        help="bekijk raking-marges en trimming van een bevraging vooraf; --save bewaart ze / "
        "preview raking margins and trimming for a wave; --save stores them",
        description=(
            "Zonder keuze: de bewaarde. --auto: raking naar de kadervariabelen waarop de respons "
            "onevenwichtig is; --margins a,b: die kadervariabelen; --none: geen raking. Toont "
            "het bereik van de gewichten, het designeffect (Kish), de effectieve n en de "
            "algemene score met de huidige en de voorgestelde keuze. / "
            "Without a choice: the stored one. --auto: rake to the frame variables the "
            "response is unbalanced on; --margins a,b: those frame variables; --none: no "
            "raking. Prints the weights' range, Kish design effect, effective n and the "
            "overall score with the current and the proposed choice."
        ),
    )
    p.add_argument("wave_id", nargs="?", metavar="ID", help=WAVE_HELP)
    p.add_argument("--wave", metavar="ID", help="hetzelfde als ID / the same as ID")
    p.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--margins",
        metavar="VAR,VAR",
        help="kadervariabelen om naar te raken, bv. profession,training_year / frame variables "
        "to rake to",
    )
    how.add_argument(
        "--auto",
        action="store_true",
        help="de onevenwichtige kadervariabelen / the unbalanced frame variables",
    )
    how.add_argument("--none", action="store_true", help="geen raking / no raking")
    trims = {
        "lower": ("ondergrens van de gewichten", "lower bound of the weights"),
        "upper": ("bovengrens van de gewichten", "upper bound of the weights"),
        "lower_ratio": (
            "ondergrens, maal het gemiddelde gewicht",
            "lower bound, times the mean weight",
        ),
        "upper_ratio": (
            "bovengrens, maal het gemiddelde gewicht",
            "upper bound, times the mean weight",
        ),
    }
    for key, (nl, en) in trims.items():
        p.add_argument(
            f"--trim-{key.replace('_', '-')}",
            type=decimal_number,
            dest=f"trim_{key}",
            metavar="X",
            help=f"trimming: {nl} / {en}",
        )
    p.add_argument(
        "--no-trim",
        action="store_true",
        help="verwijder de trimgrenzen / remove the trimming bounds",
    )
    p.add_argument(
        "--save",
        action="store_true",
        help="bewaar de keuze bij de bevraging / store the choice with the wave",
    )
    p.set_defaults(func=cmd_weighting)


def _fmt(x, d=2) -> str:
    """A number as the team reads it (report.format, nl-BE): 3,42; missing as a dash."""
    from report import format as fmt

    return fmt.number(x, d)


def _lines(label: str, fig: dict) -> list[str]:
    from report import format as fmt

    w, o = fig["weights"], fig["overall"]
    score = (
        fmt.MISSING
        if o is None
        else f"{_fmt(o['estimate'], 1)} ({fmt.interval(o['ci_low'], o['ci_high'], 1)})"
    )
    return [
        f"{label}:",
        "  marges / margins: "
        + ("; ".join(variable_name(m) for m in fig["margins"]) or "geen raking / no raking"),
        f"  gewichten / weights: {fmt.interval(w['min'], w['max'], 2)} (ratio {_fmt(w['ratio'])})",
        f"  designeffect (Kish) {_fmt(w['deff'], 3)}, effectieve n / effective n "
        f"{_fmt(w['n_eff'], 1)} van / of {fmt.integer(w['n'])}",
        f"  algemene tevredenheid / overall score (0-100): {score}",
    ]


def cmd_weighting(args) -> int:
    from ktm.services import weighting as svc
    from report.format import p_text

    args.wave = args.wave or args.wave_id
    if not args.wave:
        raise CommandError(
            "Welke bevraging? Geef ID of --wave ID, bv. ktm wave weighting latest (ktm wave "
            "list toont ze) / which wave? give ID or --wave ID (ktm wave list shows them)"
        )
    engine, wave = engine_and_wave(args)
    stored = svc.WeightingChoice.from_json(wave.get("weighting"))
    margins = stored.margins
    if args.auto:
        margins = None
    elif args.none:
        margins = ()
    elif args.margins is not None:
        margins = tuple(m.strip() for m in args.margins.split(",") if m.strip())
    trim = {} if args.no_trim else dict(stored.trim or {})
    for key in svc.TRIM_KEYS:
        value = getattr(args, f"trim_{key}")
        if value is not None:
            trim[key] = value
    choice = svc.WeightingChoice(margins, trim or None)
    try:
        view = svc.preview(engine, wave["id"], choice)
    except (svc.WeightingError, LookupError) as exc:
        raise CommandError(str(exc)) from exc
    test = view["test"]
    if not test.empty:
        print("Respons per kadervariabele / response balance (chi-square):")
        for r in test.itertuples(index=False):
            flag = "onevenwichtig / unbalanced" if r.unbalanced else "evenwichtig / balanced"
            if r.variable == view.get("strata") and r.unbalanced:
                # The stratum is never a raking margin of its own: the nonresponse adjustment
                # per stratum already corrects it. Say so, or "unbalanced" here contradicts the
                # note below that no variable is.
                flag += (
                    "; stratum: al rechtgezet door de non-responscorrectie per stratum / "
                    "already corrected by the nonresponse adjustment per stratum"
                )
            print(f"  {variable_name(r.variable)}: {p_text(r.p)} ({flag})")
    for line in [
        *_lines("Huidig / current", view["current"]),
        *_lines("Voorstel / proposed", view["proposed"]),
    ]:
        print(line)
    from report.wording import text

    for n in view["proposed"].get("notes", []):
        print(f"  - {text(n, 'nl')}\n    {text(n, 'en')}")
    if args.save:
        svc.save(engine, wave["id"], choice)
        print(f"Bewaard bij bevraging {wave['id']} / stored with wave {wave['id']}")
        if choice.margins and any(
            getattr(n, "code", None) == "no_raking" for n in view["proposed"].get("notes", [])
        ):
            # Stored on purpose (respondents may still come), but the team must not believe the
            # weights are raked now.
            print(
                "Let op: deze marges worden nu niet toegepast (zie de reden hierboven); zolang dat "
                "zo blijft, zijn de gewichten designgewichten met non-responscorrectie. Kies andere "
                "marges of --auto. / Warning: these margins are not applied now (reason above); "
                "until they can be, the weights are design weights with nonresponse adjustment.",
                file=sys.stderr,
            )
    else:
        print("Niet bewaard (voeg --save toe) / not stored (add --save)")
    return 0
