"""`ktm questionnaire`: validate, convert (YAML <-> XLSForm), hash and print a questionnaire."""

from __future__ import annotations

import sys
from pathlib import Path

from ktm.cli import DATABASE_HELP, CommandError, database_url_of


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "questionnaire",
        help="controleer, zet om, hash of druk een vragenlijstbestand af (YAML of XLSForm), "
        "sla het op als versie / validate, convert, hash, print or publish a questionnaire file",
        description="Werken met een vragenlijst (YAML of XLSForm .xlsx) / work with a "
        "questionnaire definition (YAML or XLSForm .xlsx).",
    )
    sub = p.add_subparsers(dest="questionnaire_command", metavar="ACTION")

    v = sub.add_parser(
        "validate",
        help="controleer een vragenlijst; elke fout met haar plaats / check a questionnaire; "
        "list every error with its place",
    )
    v.add_argument("file", metavar="FILE", help=FILE_HELP)
    v.set_defaults(func=_validate)

    x = sub.add_parser(
        "to-xlsform",
        help="zet een YAML-vragenlijst om naar XLSForm (.xlsx) / convert a YAML questionnaire "
        "to XLSForm (.xlsx)",
    )
    x.add_argument("file", metavar="FILE", help=".yaml/.yml")
    x.add_argument("out", metavar="OUT", help=".xlsx")
    x.add_argument("--force", action="store_true", help=FORCE_HELP)
    x.set_defaults(func=_to_xlsform)

    y = sub.add_parser(
        "from-xlsform",
        help="zet een XLSForm (.xlsx) om naar een YAML-vragenlijst / convert an XLSForm (.xlsx) "
        "to a YAML questionnaire",
    )
    y.add_argument("file", metavar="FILE", help=".xlsx")
    y.add_argument("out", metavar="OUT", help=".yaml/.yml")
    y.add_argument("--force", action="store_true", help=FORCE_HELP)
    y.set_defaults(func=_from_xlsform)

    h = sub.add_parser(
        "hash",
        help="toon de vingerafdruk van de versie (SHA-256) / print the questionnaire's version "
        "fingerprint (SHA-256)",
    )
    h.add_argument("file", metavar="FILE", help=FILE_HELP)
    h.set_defaults(func=_hash)

    pr = sub.add_parser(
        "print",
        help="schrijf de afdrukbare HTML-versie / write the printable HTML version",
    )
    pr.add_argument("file", metavar="FILE", help=FILE_HELP)
    pr.add_argument(
        "--lang",
        default=None,
        help="taalcode (standaard: de eerste taal) / language code (default: the first language)",
    )
    pr.add_argument(
        "--out",
        required=True,
        metavar="FILE.html",
        help="het HTML-bestand om te schrijven / HTML file to write",
    )
    pr.add_argument(
        "--annex",
        action="store_true",
        help="methodologische bijlage: variabelenamen, dimensies en rollen / methodology annex: "
        "show variable names, dimensions and roles",
    )
    pr.set_defaults(func=_print)

    pub = sub.add_parser(
        "publish",
        help="bewaar een vragenlijst (YAML of XLSForm) als versie voor bevragingen (op haar "
        "hash) / store a questionnaire as a version waves can use (by its hash)",
    )
    pub.add_argument("file", metavar="FILE", help=FILE_HELP)
    pub.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    pub.add_argument(
        "--against",
        metavar="REF",
        help="toon de verschillen met deze bewaarde versie (standaard: de vorige; 'latest', "
        "een begin van de hash of ID:VERSIE) / show the changes against this stored version "
        "(default: the one stored before; 'latest', a hash prefix or ID:VERSION)",
    )
    pub.set_defaults(func=_publish)

    ls = sub.add_parser(
        "list",
        help="de bewaarde versies en de bevragingen die ze gebruiken / the stored questionnaire "
        "versions and the waves using them",
    )
    ls.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)
    ls.set_defaults(func=_list)

    p.set_defaults(func=lambda args: _help(p))


FILE_HELP = "vragenlijst: .yaml/.yml of/or XLSForm .xlsx / questionnaire file"
FORCE_HELP = "overschrijf OUT als het bestaat / overwrite OUT if it exists"


def _help(parser) -> int:
    parser.print_help()
    return 2


def _load(path: str):
    from survey import QuestionnaireError, load_questionnaire

    if not Path(path).exists():
        raise CommandError(
            f"{path}: bestand niet gevonden; controleer de naam en de map / file not found"
        )
    try:
        return load_questionnaire(path)
    except QuestionnaireError as exc:
        raise CommandError(str(exc), code=1) from None


def _check_out(out: str, force: bool, suffixes: tuple[str, ...]) -> Path:
    path = Path(out)
    if path.suffix.lower() not in suffixes:
        ends = " of/or ".join(suffixes)
        raise CommandError(
            f"{out}: het uitvoerbestand moet eindigen op {ends}; kies een andere naam / "
            "the output file must end so"
        )
    if path.exists() and not force:
        raise CommandError(
            f"{out} bestaat al; overschrijven met --force / exists; use --force to overwrite it"
        )
    if not path.parent.exists():
        raise CommandError(_no_folder(out, path.parent))
    return path


def _no_folder(out, folder) -> str:
    return f"{out}: map {folder} bestaat niet; maak ze eerst aan / folder {folder} does not exist"


def _write_atomic(path: Path, write) -> None:
    # Write next to the target and rename: a failure never leaves half a file.
    tmp = path.with_name(f".{path.name}.tmp{path.suffix}")
    try:
        write(tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def _validate(args) -> int:
    from report import format as fmt

    q = _load(args.file)
    n_items = len(q.items())
    print(
        f"{args.file}: OK: vragenlijst / questionnaire '{q.id}' versie / version {q.version}, "
        f"{fmt.integer(len(q.sections))} delen / sections, {fmt.integer(n_items)} vragen / "
        f"items, {fmt.integer(len(q.columns()))} "
        f"antwoordkolommen / answer columns, talen / languages {', '.join(q.languages)}"
        f"\nhash {q.hash}"
    )
    return 0


def _to_xlsform(args) -> int:
    from survey.loaders import YAML_SUFFIXES, save_xlsform

    if Path(args.file).suffix.lower() not in YAML_SUFFIXES:
        raise CommandError(
            f"{args.file}: verwacht een .yaml- of .yml-bestand (voor .xlsx: from-xlsform) / "
            "expected a .yaml or .yml file"
        )
    q = _load(args.file)
    out = _check_out(args.out, args.force, (".xlsx",))
    _write_atomic(out, lambda p: save_xlsform(q, p))
    print(f"Geschreven / wrote {out} (hash {q.hash})")
    return 0


def _from_xlsform(args) -> int:
    from survey.loaders import XLSX_SUFFIXES, save_yaml

    if Path(args.file).suffix.lower() not in XLSX_SUFFIXES:
        raise CommandError(
            f"{args.file}: verwacht een .xlsx-bestand (voor YAML: to-xlsform) / "
            "expected an .xlsx file"
        )
    q = _load(args.file)
    out = _check_out(args.out, args.force, (".yaml", ".yml"))
    _write_atomic(out, lambda p: save_yaml(q, p))
    print(f"Geschreven / wrote {out} (hash {q.hash})")
    return 0


def _hash(args) -> int:
    q = _load(args.file)
    sys.stdout.write(q.hash + "\n")
    return 0


def _print(args) -> int:
    from survey.printable import render_html

    q = _load(args.file)
    lang = args.lang or q.languages[0]
    if lang not in q.languages:
        raise CommandError(
            f"--lang {lang}: deze vragenlijst heeft / this questionnaire has "
            f"{', '.join(q.languages)}"
        )
    out = Path(args.out)
    if not out.parent.exists():
        raise CommandError(_no_folder(args.out, out.parent))
    html = render_html(q, lang=lang, annex=args.annex)
    _write_atomic(out, lambda p: p.write_text(html, encoding="utf-8"))
    print(f"Geschreven / wrote {out} ({lang})")
    return 0


def _engine(args):
    from ktm.database import get_engine

    return get_engine(database_url_of(args))


def diff_lines(diff) -> list[str]:
    """The changes between two versions as lines for people (Dutch / English)."""
    if diff.same:
        return ["  geen verschil in de vragen / no difference in the items"]
    out = []
    if diff.added:
        out.append(f"  nieuw / added: {', '.join(diff.added)}")
    if diff.removed:
        out.append(f"  weg / removed: {', '.join(diff.removed)}")
    for r in diff.reworded:
        out.append(f"  anders verwoord / reworded: {r.item} [{r.language}]")
        out.append(f"      was: {r.old}")
        out.append(f"      nu / now: {r.new}")
    if diff.rescaled:
        out.append(
            f"  ander antwoordtype of schaal / other type or scale: {', '.join(diff.rescaled)}"
        )
    return out


def _publish(args) -> int:
    from ktm.services import waves as svc
    from survey.diff import compare_questionnaires

    q = _load(args.file)
    engine = _engine(args)
    before = [v for v in svc.questionnaire_versions(engine) if v["hash"] != q.hash]
    against = None
    if args.against:
        try:
            against = svc.resolve_questionnaire(engine, args.against)
        except svc.WaveRefused as exc:
            raise CommandError(str(exc)) from exc
    elif before:
        own = [v for v in before if not v["demo"]] or before
        against = own[-1]["hash"]
    result = svc.publish_questionnaire(engine, q)
    state = "opgeslagen / stored" if result.new else "was al opgeslagen / already stored"
    print(
        f"{args.file}: vragenlijst / questionnaire '{q.id}' versie / version {q.version} "
        f"{state}\n"
        f"hash {q.hash}\n"
        f"Kies ze voor een bevraging / choose it for a wave: "
        f"ktm wave set ID --questionnaire {q.hash[:12]}"
    )
    if against is not None and against != q.hash:
        old = svc.questionnaire(engine, against)
        print(
            f"Verschil met / changes against '{old.id}' versie / version {old.version} "
            f"({against[:8]}):"
        )
        for line in diff_lines(compare_questionnaires(old, q)):
            print(line)
    return 0


def _list(args) -> int:
    from ktm.services import waves as svc
    from report import format as fmt

    versions = svc.questionnaire_versions(_engine(args))
    if not versions:
        print(
            "Nog geen vragenlijst opgeslagen: ktm questionnaire publish BESTAND "
            "/ no questionnaire stored yet: ktm questionnaire publish FILE"
        )
        return 0
    print(
        f"{'hash':<12}  {'vragenlijst:versie / questionnaire:version':<42} "
        f"{'golven / waves':>14}  opgeslagen / stored"
    )
    for v in versions:
        name = f"{v['questionnaire_id']}:{v['version']}" + ("  [demo]" if v["demo"] else "")
        when = f"{v['created_at']:%Y-%m-%d %H:%M}" if v["created_at"] else "-"
        print(f"{v['hash'][:12]:<12}  {name:<42} {fmt.integer(v['n_waves']):>14}  {when}")
    return 0
