"""Feedback commands: publish a wave's results and e-mail the respondents who asked for it.

    ktm feedback publish --wave ID      publish, then send the link to the public page ($KTM_SMTP_*)
    ktm feedback status --wave ID       publication date, actions per status, e-mails waiting
    ktm feedback unpublish --wave ID    take the wave off the public page

Publishing again keeps the first publication date and retries the e-mails that did not go out.
Exit code 0 when every waiting respondent got the e-mail, 1 when some are kept for a retry,
2 for a user error (unknown wave, wave not closed, no mail server while respondents wait).
"""

from __future__ import annotations

import argparse
import sys

from ktm.cli import DATABASE_HELP, CommandError, engine_and_wave
from ktm.config import settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "feedback",
        help="publiceer de resultaten en laat het weten aan wie erom vroeg / publish results "
        "and tell the respondents who asked",
    )
    fsub = p.add_subparsers(dest="feedback_command", metavar="ACTION")
    pub = fsub.add_parser(
        "publish",
        help="publiceer een afgesloten bevraging en mail de link naar wie toestemde / publish "
        "a closed wave and e-mail the link to consenting respondents",
    )
    _wave(pub)
    pub.add_argument(
        "--base-url",
        metavar="URL",
        help="publiek adres / public address (standaard / default: $KTM_PUBLIC_URL)",
    )
    pub.set_defaults(func=cmd_publish)
    st = fsub.add_parser(
        "status",
        help="publicatie, acties en wachtende e-mails van een bevraging / publication, actions "
        "and e-mails waiting for a wave",
    )
    _wave(st)
    st.set_defaults(func=cmd_status)
    un = fsub.add_parser(
        "unpublish",
        help="haal een bevraging van de publieke pagina / take a wave off the public page",
    )
    _wave(un)
    un.set_defaults(func=cmd_unpublish)


def _wave(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--wave",
        required=True,
        metavar="ID",
        help="id van de bevraging, of 'latest' (afgesloten) / wave id, or 'latest' (closed)",
    )
    p.add_argument("--database", dest="db", metavar="URL", help=DATABASE_HELP)


def smtp_or_none():
    """The mail server from $KTM_SMTP_*, or None when none is configured at all."""
    from ktm.services.sampling import SamplingError, smtp_config_from_env

    if not settings().smtp_configured:
        return None
    try:
        return smtp_config_from_env()
    except SamplingError as exc:
        raise CommandError(str(exc)) from exc


def cmd_publish(args) -> int:
    from ktm.services import feedback as svc
    from store.waves import StoreError

    engine, wave = engine_and_wave(args)
    config = smtp_or_none()

    def progress(done: int, total: int) -> None:
        print(f"  {done}/{total}", file=sys.stderr, flush=True)

    try:
        summary = svc.publish(engine, wave["id"], config, base_url=args.base_url, progress=progress)
    except (svc.FeedbackError, StoreError) as exc:
        raise CommandError(str(exc)) from exc
    print(f"{wave['name']} (id {wave['id']})")
    for line in summary.lines():
        print(line)
    print(f"Publieke pagina / public page: {svc.feedback_url(wave['id'], base_url=args.base_url)}")
    return 1 if summary.remaining else 0


def cmd_status(args) -> int:
    from store import actions as A

    engine, wave = engine_and_wave(args)
    published = wave["published_at"]
    from ktm.commands.waves import STATUS

    print(f"{wave['name']} (id {wave['id']}, {STATUS.get(wave['status'], wave['status'])})")
    from report import format as fmt
    from report import labels

    print("Gepubliceerd / published: " + (fmt.moment(published, "nl") if published else "nee / no"))
    rows = A.list_actions(engine, wave["id"])
    for status, (nl, en) in labels.LABELS["action_status"].items():
        n = sum(r["status"] == status for r in rows)
        print(f"Acties {nl.lower()} / actions {en.lower()}: {fmt.integer(n)}")
    waiting = A.consent_count(engine, wave["id"])
    print(f"E-mails te versturen / e-mails waiting: {fmt.integer(waiting)}")
    return 0


def cmd_unpublish(args) -> int:
    from store import actions as A

    engine, wave = engine_and_wave(args)
    A.unpublish_wave(engine, wave["id"])
    print(f"{wave['name']}: niet langer publiek / no longer public")
    return 0
