"""`ktm audit`: the audit trail (who did what, when, on which wave)."""

from __future__ import annotations

import argparse

from ktm.cli import whole_number


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="toon het auditspoor: wie deed wat, wanneer, op welke bevraging / show the "
        "audit trail: who did what, when, on which wave",
        description=(
            "Het auditspoor, nieuwste eerst: elke kaderimport, trekking, linkexport, "
            "e-mailverzending, afsluiting, verwijdering, anonimisering, herstel, publicatie, "
            "interne export en rolwijziging, met wie het deed (een login, of de gebruiker van "
            "het besturingssysteem / --as). / "
            "The audit trail, newest first: every frame import, draw, link export, e-mail "
            "send, close, delete, anonymisation, restore, publication, internal export and "
            "role change, with who did it (a login, or the operating-system user / --as)."
        ),
    )
    p.add_argument(
        "--wave",
        type=whole_number,
        metavar="ID",
        help="alleen de rijen van deze bevraging (id) / only this wave's rows (its id)",
    )
    p.add_argument(
        "--action",
        help="alleen deze handeling (bv. sample_draw) / only this action (e.g. sample_draw)",
    )
    p.add_argument(
        "--limit",
        type=whole_number,
        default=200,
        metavar="N",
        help="hoogstens zoveel rijen (200) / at most this many rows (200)",
    )
    p.add_argument("--database", dest="db", metavar="URL", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_audit)


def cmd_audit(args) -> int:
    from ktm.cli import CommandError, database_url_of
    from ktm.services import audit
    from store.db import get_engine

    if args.action and args.action not in audit.ACTIONS:
        raise CommandError(
            f"Onbekende handeling / unknown action {args.action!r}; kies uit / choose from: "
            + ", ".join(audit.ACTIONS)
        )
    rows = audit.entries(
        get_engine(database_url_of(args)), wave_id=args.wave, action=args.action, limit=args.limit
    )
    if not rows:
        print("Nog niets vastgelegd / nothing recorded yet")
        return 0
    for r in rows:
        when = r["at"].strftime("%Y-%m-%d %H:%M:%S")
        wave = f"wave {r['wave_id']} {r['wave_name'] or ''}".strip() if r["wave_id"] else "-"
        details = ", ".join(f"{k}={v}" for k, v in (r["details"] or {}).items())
        print(
            f"{r['id']:>5}  {when}  {r['actor']} [{r['role'] or '-'}]  {r['action']}  {wave}  {details}"
        )
    return 0
