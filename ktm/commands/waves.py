"""`ktm wave create|list|show|set|open|close|delete`: a wave's whole lifecycle.

The page Bevragingen does the same through the same service (ktm.services.waves).
"""

from __future__ import annotations

import argparse

from ktm.cli import (
    DATABASE_HELP,
    WAVE_HELP,
    CommandError,
    database_url_of,
    decimal_number,
    iso_date,
    variable_name,
    whole_number,
)
from report import labels

# (flag, field, help); every one is optional on `create` and `set`.
TEXT_FACTS = [
    ("--name", "name", "naam van de bevraging (uniek) / the wave's name (unique)"),
    ("--frequency", "frequency", "hoe vaak gemeten wordt (vraag 2) / how often (question 2)"),
    ("--objectives", "objectives", "doelstellingen (vraag 4a) / objectives (question 4a)"),
    ("--population", "population", "de bevraagde populatie / the population surveyed"),
    ("--mode", "mode", "hoe men antwoordt, bv. 'digitaal (web)' (vraag 5) / mode (question 5)"),
    (
        "--execution-rationale",
        "execution_rationale",
        "waarom zo uitgevoerd (vraag 6b) / why carried out this way (question 6b)",
    ),
    (
        "--aspects-rationale",
        "aspects_rationale",
        "hoe de aspecten gekozen zijn (vraag 4g) / how the aspects were chosen (question 4g)",
    ),
    (
        "--communication",
        "communication",
        "terugkoppeling aan respondenten (vraag 10) / feedback to respondents (question 10)",
    ),
    (
        "--next-wave",
        "next_wave_planned",
        "volgende geplande meting (vraag 11) / next measurement planned (question 11)",
    ),
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "wave",
        help="maak, toon, wijzig, open, sluit of verwijder een bevraging (meting) / create, "
        "list, show, change, open, close or delete a wave (measurement)",
        description="Een bevraging gaat van ontwerp naar open naar afgesloten. Openen vraagt "
        "veldwerkdata, een vragenlijstversie en een getrokken steekproef; alleen een ontwerp "
        "kan verwijderd worden. / A wave goes draft -> open -> closed. Opening needs fieldwork dates, a "
        "questionnaire version and a drawn sample; only a draft wave can be deleted.",
    )
    wsub = p.add_subparsers(dest="wave_command", metavar="ACTION")

    c = wsub.add_parser("create", help="een nieuwe bevraging, in ontwerp / a new wave, in draft")
    _facts(c, create=True)
    c.add_argument(
        "--copy-from",
        type=whole_number,
        metavar="ID",
        help="neem de vaste gegevens van bevraging ID over / take over the fixed facts of wave ID",
    )
    c.set_defaults(func=cmd_create)

    ls = wsub.add_parser(
        "list",
        help="elke bevraging met haar status en aantallen / every wave with its status and counts",
    )
    _db(ls)
    ls.set_defaults(func=cmd_list)

    sh = wsub.add_parser(
        "show",
        help="gegevens, aantallen en wat nog nodig is om te openen / a wave's facts, counts and "
        "what it still needs to open",
    )
    sh.add_argument("wave", metavar="ID", help=WAVE_HELP)
    _db(sh)
    sh.set_defaults(func=cmd_show)

    st = wsub.add_parser("set", help="wijzig de gegevens van een bevraging / change a wave's facts")
    st.add_argument("wave", metavar="ID", help=WAVE_HELP)
    _facts(st, create=False)
    st.set_defaults(func=cmd_set)

    op = wsub.add_parser(
        "open",
        help="start het veldwerk (controleert data, vragenlijst, steekproef) / start fieldwork "
        "(checks dates, questionnaire, sample)",
    )
    op.add_argument("wave", metavar="ID", help=WAVE_HELP)
    _db(op)
    op.set_defaults(func=cmd_open)

    cl = wsub.add_parser(
        "close",
        help="beëindig het veldwerk: de webbevraging weigert nieuwe antwoorden / end fieldwork: "
        "the web survey refuses new answers",
    )
    cl.add_argument("wave", metavar="ID", help="id of/or 'open'")
    cl.add_argument("--yes", action="store_true", help="bevestig / confirm")
    _db(cl)
    cl.set_defaults(func=cmd_close)

    de = wsub.add_parser(
        "delete",
        help="verwijder een ontwerp- (of demo)bevraging met kader en steekproef / delete a "
        "draft (or demo) wave with its frame and sample",
    )
    de.add_argument("wave", metavar="ID", help=WAVE_HELP)
    de.add_argument("--yes", action="store_true", help="bevestig / confirm")
    _db(de)
    de.set_defaults(func=cmd_delete)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)


def _percent(text: str) -> float:
    try:
        v = float(text.rstrip("%").replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: geef een percentage / give a percentage"
        ) from None
    if not 0 <= v <= 100:
        raise argparse.ArgumentTypeError(f"{text}: tussen 0 en 100 / between 0 and 100")
    return v / 100


def _facts(p: argparse.ArgumentParser, *, create: bool) -> None:
    for flag, _field, help_ in TEXT_FACTS:
        p.add_argument(flag, required=create and flag == "--name", help=help_)
    p.add_argument(
        "--start", type=iso_date, metavar="YYYY-MM-DD", help="begin veldwerk / fieldwork start"
    )
    p.add_argument(
        "--end", type=iso_date, metavar="YYYY-MM-DD", help="einde veldwerk / fieldwork end"
    )
    p.add_argument(
        "--questionnaire",
        metavar="REF",
        help="de vragenlijstversie: 'latest' (nieuwste), een begin van de hash of ID:VERSIE / "
        "the questionnaire version: 'latest' (newest published), a hash prefix or ID:VERSION",
    )
    p.add_argument(
        "--design",
        choices=tuple(DESIGNS),
        help="ontwerp (vraag 4e) / design (question 4e)",
    )
    p.add_argument(
        "--min-rr",
        type=_percent,
        metavar="PCT",
        help="minimale responsgraad, %% / minimum response rate, %%",
    )
    p.add_argument(
        "--min-rr-stratum",
        type=_percent,
        metavar="PCT",
        help="minimale responsgraad per stratum, %% / per stratum, %%",
    )
    p.add_argument(
        "--min-completes",
        type=whole_number,
        metavar="N",
        help="minimum volledige antwoorden per stratum / minimum completes per stratum",
    )
    p.add_argument(
        "--k",
        type=whole_number,
        metavar="K",
        help="anonimiteitsdrempel (standaard 5) / disclosure threshold (default 5)",
    )
    p.add_argument(
        "--execution",
        choices=tuple(EXECUTIONS),
        help="uitvoering (vraag 6) / execution (question 6)",
    )
    p.add_argument(
        "--cost",
        type=decimal_number,
        metavar="EUR",
        help="kostprijs in euro (vraag 6a) / cost in euro (question 6a)",
    )
    p.add_argument(
        "--post-contact",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="een korte bevraging na elk e-loketcontact, via open link (vraag 4f) / a short "
        "survey after each e-loket contact, by open link (question 4f)",
    )
    p.add_argument(
        "--method",
        action="append",
        metavar="'NL | EN'",
        help="een andere methode van luisteren (vraag 3); herhaal per methode / another "
        "method of listening (question 3); repeat the flag for each",
    )
    p.add_argument(
        "--complaints",
        action="append",
        metavar="YEAR=N",
        help="klachten geteld in een jaar (vraag 3); herhaal per jaar / complaints counted in "
        "a year (question 3); repeat for each year",
    )
    _db(p)


def _fields(args, current: dict | None = None) -> dict:
    out = {field: getattr(args, flag[2:].replace("-", "_")) for flag, field, _ in TEXT_FACTS}
    out.update(
        fieldwork_start=args.start,
        fieldwork_end=args.end,
        design_type=args.design,
        min_response_rate=args.min_rr,
        min_response_rate_stratum=args.min_rr_stratum,
        min_completes_stratum=args.min_completes,
        disclosure_k=args.k,
        execution=args.execution,
        cost_eur=args.cost,
        post_contact=args.post_contact,
    )
    if args.method or args.complaints:
        other = dict((current or {}).get("other_methods") or {})
        if args.method:
            other["methods"] = [
                {"nl": nl.strip(), "en": (en or nl).strip()}
                for m in args.method
                for nl, _sep, en in [m.partition("|")]
            ]
        if args.complaints:
            counts = {}
            for pair in args.complaints:
                year, _sep, n = pair.partition("=")
                if not (year.strip().isdigit() and n.strip().isdigit()):
                    raise CommandError(
                        f"--complaints {pair!r}: schrijf JAAR=AANTAL, bv. 2024=131 "
                        "/ write YEAR=N, e.g. 2024=131"
                    )
                counts[year.strip()] = int(n)
            other["complaints"] = counts
        out["other_methods"] = other
    return {k: v for k, v in out.items() if v is not None}


def _engine(args):
    from ktm.database import get_engine

    return get_engine(database_url_of(args))


def _wave_id(engine, ref: str) -> int:
    from store.db import reading
    from store.waves import StoreError, resolve_wave

    try:
        with reading(engine) as conn:
            return int(resolve_wave(conn, ref)["id"])
    except StoreError as exc:
        raise CommandError(str(exc)) from exc


def _refused(exc) -> CommandError:
    return CommandError(str(exc))


def _questionnaire(engine, args, fields: dict) -> None:
    from ktm.services import waves as svc

    if args.questionnaire:
        try:
            fields["questionnaire_hash"] = svc.resolve_questionnaire(engine, args.questionnaire)
        except svc.WaveRefused as exc:
            raise _refused(exc) from exc


def cmd_create(args) -> int:
    from ktm.services import waves as svc

    engine = _engine(args)
    fields = _fields(args)
    _questionnaire(engine, args, fields)
    try:
        wave_id = svc.create(engine, fields, copy_from=args.copy_from)
    except svc.WaveRefused as exc:
        raise _refused(exc) from exc
    print(f"Bevraging {wave_id} aangemaakt (ontwerp) / wave {wave_id} created (draft)")
    if args.copy_from is not None:
        _print_copied(svc, engine, args.copy_from, wave_id, fields)
    _print_next(svc.state(engine, wave_id))
    return 0


def _print_copied(svc, engine, source_id: int, wave_id: int, given: dict) -> None:
    """Which facts came from the source wave, so that the team checks them; question 11 is
    never copied (it would name the new wave as its own next measurement)."""
    from report import format as fmt

    copied = {
        k: v
        for k, v in svc.copyable_facts(svc.state(engine, source_id).wave).items()
        if v not in (None, "", {}, []) and given.get(k) is None
    }
    labels = [label for label, key in SHOWN if key in copied]
    print(f"Overgenomen van bevraging {source_id} / copied from wave {source_id}:")
    for label in labels:
        print(f"  - {label}")
    if copied.get("other_methods"):
        print("  - andere methoden en klachten / other methods and complaints")
    weighting = copied.get("weighting")
    if weighting:
        margins = weighting.get("margins")
        what = (
            "automatisch / automatic"
            if margins is None
            else "; ".join(variable_name(m) for m in margins) or "geen / none"
        )
        trim = weighting.get("trim") or {}
        trims = "".join(f"; {k} {fmt.number(v, _decimals(v))}" for k, v in sorted(trim.items()))
        print(f"  - weging / weighting: raking {what}{trims} (ktm wave weighting {wave_id})")
    print(
        "Niet overgenomen / not copied: naam, veldwerkdata, bewaartermijn, volgende meting "
        "(vraag 11) / name, fieldwork dates, retention date, next wave (question 11)"
    )
    if not given.get("next_wave_planned"):
        print(
            "Vul de volgende meting (vraag 11) in: ktm wave set "
            f"{wave_id} --next-wave TEKST / fill in the next wave (question 11): "
            f"ktm wave set {wave_id} --next-wave TEXT"
        )


def cmd_set(args) -> int:
    from ktm.services import waves as svc

    engine = _engine(args)
    wave_id = _wave_id(engine, args.wave)
    current = svc.state(engine, wave_id).wave
    fields = _fields(args, current)
    _questionnaire(engine, args, fields)
    if not fields:
        raise CommandError(
            "Niets te wijzigen: geef minstens een gegeven (ktm wave set --help) "
            "/ nothing to change: give at least one field"
        )
    try:
        svc.set_facts(engine, wave_id, fields)
    except svc.WaveRefused as exc:
        raise _refused(exc) from exc
    print(f"Bevraging {wave_id} bijgewerkt / wave {wave_id} updated: {', '.join(sorted(fields))}")
    return 0


STATUS = {"draft": "ontwerp/draft", "open": "open", "closed": "afgesloten/closed"}

# The names of the coded facts, as the page Bevragingen shows them (one vocabulary).
DESIGNS = labels.LABELS["design"]
EXECUTIONS = labels.LABELS["execution"]


def cmd_list(args) -> int:
    from ktm.services import waves as svc
    from report import format as fmt
    from store.db import reading
    from store.waves import list_waves

    engine = _engine(args)
    with reading(engine) as conn:
        waves = list_waves(conn)
    if not waves:
        print(
            "Nog geen bevraging; maak er een: ktm wave create --name NAAM "
            "/ no wave yet; create one: ktm wave create --name NAME"
        )
        return 0
    print(f"{'id':>4}  {'status':<17} {'veldwerk / fieldwork':<23} {'kader':>6} "
          f"{'steekpr.':>8} {'volledig':>8}  naam / name")  # fmt: skip
    for w in waves:
        s = svc.state(engine, w["id"])
        dates = (
            f"{w['fieldwork_start'] or '?'} - {w['fieldwork_end'] or '?'}"
            if w["fieldwork_start"] or w["fieldwork_end"]
            else "-"
        )
        demo = "  [demo]" if w.get("demo") else ""
        print(
            f"{w['id']:>4}  {STATUS.get(w['status'], w['status']):<17} {dates:<23} "
            f"{fmt.integer(s.frame_units):>6} "
            f"{fmt.integer(s.sample_n) if s.sample_n is not None else '-':>8} "
            f"{fmt.integer(s.completes):>8}  {w['name']}{demo}"
        )
    return 0


def _print_next(s) -> None:
    if s.wave["status"] == "draft" and s.opening_problems:
        print("Nog nodig om het veldwerk te openen / still needed to open fieldwork:")
        for nl, en in s.opening_problems:
            print(f"  - {nl}\n    {en}")
    elif s.wave["status"] == "draft":
        print(f"Klaar om te openen / ready to open: ktm wave open {s.wave['id']}")


# (label, field) as `wave show` and `wave create --copy-from` name a wave's facts
SHOWN = (
    ("begin veldwerk / fieldwork start", "fieldwork_start"),
    ("einde veldwerk / fieldwork end", "fieldwork_end"),
    ("vragenlijst / questionnaire", "questionnaire_hash"),
    ("ontwerp / design", "design_type"),
    ("frequentie / frequency", "frequency"),
    ("doelstellingen / objectives", "objectives"),
    ("populatie / population", "population"),
    ("wijze / mode", "mode"),
    ("uitvoering / execution", "execution"),
    ("kostprijs / cost (EUR)", "cost_eur"),
    ("waarom zo / execution rationale", "execution_rationale"),
    ("keuze aspecten / aspects rationale", "aspects_rationale"),
    ("terugkoppeling / communication", "communication"),
    ("min. responsgraad / min. response rate", "min_response_rate"),
    ("min. per stratum", "min_response_rate_stratum"),
    ("min. volledig per stratum / min. completes", "min_completes_stratum"),
    ("anonimiteitsdrempel / disclosure k", "disclosure_k"),
    ("bevraging na contact / post-contact", "post_contact"),
    ("volgende meting / next wave", "next_wave_planned"),
)


def _decimals(x: float) -> int:
    """The decimals a typed value needs (30 -> 0, 12.5 -> 1, up to 2), so 30% stays 30%."""
    for d in (0, 1):
        if abs(round(x, d) - x) < 1e-9:
            return d
    return 2


def _questionnaire_named(engine, qhash: str) -> str:
    """A questionnaire version as a person recognises it: its title and version, with the
    hash short after it (the hash alone says nothing to the team)."""
    from ktm.services import waves as svc

    try:
        q = svc.questionnaire(engine, qhash)
    except Exception:  # noqa: BLE001 - an unreadable version is still named by its hash
        return f"{qhash[:12]} (niet gevonden / not found)"
    titles = [q.title.get(lang) for lang in ("nl", "en") if q.title.get(lang)]
    title = " / ".join(dict.fromkeys(titles)) or q.id
    return f"{title} ({q.id}, versie/version {q.version}; {qhash[:8]})"


def cmd_show(args) -> int:
    from ktm.config import public_base_url
    from ktm.services import waves as svc
    from report import format as fmt

    engine = _engine(args)
    s = svc.state(engine, _wave_id(engine, args.wave))
    w = s.wave
    print(f"Bevraging / wave {w['id']}: {w['name']}{'  [demo]' if w.get('demo') else ''}")
    print(f"  status: {STATUS.get(w['status'], w['status'])}")
    for label, key in SHOWN:
        v = w.get(key)
        if key.startswith("min_response") and v is not None:
            v = fmt.percent(v, _decimals(100 * v))
        elif key == "cost_eur" and v is not None:
            v = fmt.number(v, _decimals(v))
        elif key == "questionnaire_hash" and v:
            v = _questionnaire_named(engine, v)
        elif key in ("fieldwork_start", "fieldwork_end") and v:
            v = fmt.date(v)  # 3 november 2025: the day as a person reads it
        elif key in ("min_completes_stratum", "disclosure_k") and v is not None:
            v = fmt.integer(v)
        elif key in ("design_type", "execution") and v:
            names = (DESIGNS if key == "design_type" else EXECUTIONS).get(v)
            v = f"{names[0]} / {names[1]} ({v})" if names else v
        elif isinstance(v, bool):
            v = "ja / yes" if v else "nee / no"  # never Python's True/False
        print(f"  {label}: {'-' if v is None or v == '' else v}")
    methods = w.get("other_methods") if isinstance(w.get("other_methods"), dict) else {}
    for m in methods.get("methods") or []:
        text = " | ".join(m[k] for k in ("nl", "en") if m.get(k)) if isinstance(m, dict) else m
        print(f"  andere methode / other method: {text}")
    for year, n in sorted((methods.get("complaints") or {}).items()):
        print(f"  klachten / complaints {year}: {fmt.integer(n)}")
    print(
        f"  kader / frame: {fmt.integer(s.frame_units)} eenheden/units; steekproef / sample: "
        f"{fmt.integer(s.sample_n) if s.sample_n is not None else '-'}; uitnodigingen / "
        f"invitations: {fmt.integer(s.issued)} van/of {fmt.integer(s.invitations)} "
        f"verstuurd/issued; antwoorden / responses: {fmt.integer(s.responses)} "
        f"({fmt.integer(s.completes)} volledig/complete)"
    )
    if w["status"] == "open" and w.get("post_contact"):
        print(f"  open link: {public_base_url()}/?wave={w['id']}")
    _print_next(s)
    return 0


def cmd_open(args) -> int:
    from ktm.services import waves as svc

    engine = _engine(args)
    try:
        wave = svc.open_wave(engine, _wave_id(engine, args.wave))
    except svc.WaveRefused as exc:
        raise _refused(exc) from exc
    for nl, en in svc.date_warnings(wave):
        print(f"{nl}\n{en}")
    print(
        f"Het veldwerk van '{wave['name']}' is geopend; verstuur nu de links (ktm invitations "
        f"export|send --wave {wave['id']}) / fieldwork is open; now issue the links"
    )
    return 0


def _confirm(args, what_nl: str, what_en: str) -> None:
    if not args.yes:
        raise CommandError(f"{what_nl}: bevestig met --yes / {what_en}: confirm with --yes", code=2)


# What a change of the waves service does, said before --yes confirms it ({id}: the wave's id).
_CONFIRM = {
    "close_wave": (
        "Afsluiten weigert nieuwe webantwoorden voor bevraging {id}",
        "closing refuses new web answers for wave {id}",
    ),
    "delete_wave": (
        "Verwijderen wist bevraging {id} met haar kader en steekproef",
        "deleting removes wave {id} with its frame and sample",
    ),
}


def _confirmed(args, change: str):
    """(wave id, result) of the waves service's ``change`` (close_wave, delete_wave) on
    --wave, once --yes confirms it; a refusal as a CommandError."""
    from ktm.services import waves as svc

    engine = _engine(args)
    wave_id = _wave_id(engine, args.wave)
    what_nl, what_en = _CONFIRM[change]
    _confirm(args, what_nl.format(id=wave_id), what_en.format(id=wave_id))
    try:
        return wave_id, getattr(svc, change)(engine, wave_id)
    except svc.WaveRefused as exc:
        raise _refused(exc) from exc


def cmd_close(args) -> int:
    _id, wave = _confirmed(args, "close_wave")
    print(f"'{wave['name']}' is afgesloten / is closed")
    return 0


def cmd_delete(args) -> int:
    wave_id, counts = _confirmed(args, "delete_wave")
    from report import format as fmt

    detail = ", ".join(f"{t}: {fmt.integer(n)}" for t, n in counts.items() if n)
    print(f"Bevraging {wave_id} verwijderd / wave {wave_id} deleted ({detail})")
    return 0
