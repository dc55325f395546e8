"""Who may do what: the roles, their permissions, and who is acting now (issue 24).

Everything here is configured (ktm.config.settings()), not coded into the pages:

- the permissions of each role: DEFAULT_ROLES, replaced per role by `KTM_ROLES_FILE`
  (a TOML file with `[roles] reader = ["results", ...]`);
- who has which role: with OIDC, the e-mail addresses in `KTM_MANAGERS` / `KTM_READERS`, or
  a claim of the identity token (`KTM_ROLE_CLAIM`, its values mapped by
  `KTM_ROLE_CLAIM_VALUES`); the shared team password is one manager account, named as such;
  a `ktm` command acts as the operating-system user (or `--as NAME`), as a manager.

The pages ask `allowed(actor, PAGES[page])`; the services, where the actions run, call
`require(permission)`, which refuses with a Dutch and English message whoever the caller is
(a page that forgot to hide a button, a typed URL, a stale browser tab).
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

# Every permission a role can hold, with what it lets a person do (Dutch, English).
PERMISSIONS: dict[str, tuple[str, str]] = {
    "dashboard": (
        "het dashboard bekijken (overzicht, respons, verbeterpunten)",
        "view the dashboard (overview, response, improvement points)",
    ),
    "results": ("de resultaten bekijken", "view the results"),
    "trend": ("de trend bekijken", "view the trend"),
    "methodology": ("de methodologie bekijken", "view the methodology"),
    "publication_export": ("de publicatie-export maken", "make the publication export"),
    "waves": (
        "bevragingen beheren (aanmaken, openen, afsluiten, verwijderen, weging)",
        "manage waves (create, open, close, delete, weighting)",
    ),
    "sampling": (
        "het kader inlezen en de steekproef trekken",
        "import the frame and draw the sample",
    ),
    "invitations": ("uitnodigingen maken en versturen", "make and send invitations"),
    "paper_answers": ("antwoorden uit een bestand inlezen", "import answers from a file"),
    "actions": ("verbeteracties beheren", "manage improvement actions"),
    "internal_export": (
        "interne microdata exporteren (vertrouwelijk)",
        "export internal microdata (confidential)",
    ),
    "anonymise": ("bevragingen anonimiseren", "anonymise waves"),
    "publish": ("resultaten publiceren", "publish results"),
    "restore": ("een back-up terugzetten", "restore a backup"),
    "audit": ("het auditlogboek bekijken", "view the audit trail"),
}

READER = "reader"
MANAGER = "manager"
DEFAULT_ROLES: dict[str, frozenset[str]] = {
    READER: frozenset({"dashboard", "results", "trend", "methodology", "publication_export"}),
    MANAGER: frozenset(PERMISSIONS),
}
ROLE_NAMES = {READER: ("lezer", "reader"), MANAGER: ("beheerder", "manager")}

# The team pages (their file's stem, which is also their URL) and the permission each needs.
PAGES: dict[str, str] = {
    "overview": "dashboard",
    "response": "dashboard",
    "improvements": "dashboard",
    "results": "results",
    "trend": "trend",
    "methodology": "methodology",
    "waves": "waves",
    "sampling": "sampling",
    "paper": "paper_answers",
    "actions": "actions",
    "export": "publication_export",
    "audit": "audit",
}

# The shared team password is one account, and the audit trail says so.
SHARED_PASSWORD_ACCOUNT = "team (gedeeld wachtwoord)"  # noqa: S105 (a name, not a password)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a name for the audit trail, a role (None: known, but no access), and
    where the login came from (oidc, password, cli)."""

    name: str
    role: str | None
    source: str

    def may(self, permission: str) -> bool:
        return permission in permissions_of(self.role)


class Refused(PermissionError):
    """An action or page the acting person's role does not allow; the text is for people."""


def role_table() -> Mapping[str, frozenset[str]]:
    from ktm.config import settings

    return settings().roles


def permissions_of(role: str | None) -> frozenset[str]:
    if role is None:
        return frozenset()
    return role_table().get(role, frozenset())


def allowed(actor: Actor | None, permission: str) -> bool:
    return actor is not None and actor.may(permission)


# --- who has which role ------------------------------------------------------------------------


def _claim_values(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


def role_for_identity(email: str | None, claims: Mapping | None = None) -> tuple[str | None, str]:
    """The role of an OIDC identity and where it came from ("list", "claim" or "none").

    The configured e-mail lists win (managers before readers); else the token's claim
    `KTM_ROLE_CLAIM`, whose values are mapped by `KTM_ROLE_CLAIM_VALUES` (the highest role
    found counts). Anyone else has no role and is refused."""
    from ktm.config import settings

    s = settings()
    mail = (email or "").strip().lower()
    if mail and mail in s.managers:
        return MANAGER, "list"
    if mail and mail in s.readers:
        return READER, "list"
    if s.role_claim and claims:
        found = {s.role_claim_values.get(v, None) for v in _claim_values(claims.get(s.role_claim))}
        for role in (MANAGER, READER, *sorted(r for r in found if r)):
            if role in found and role in s.roles:
                return role, "claim"
    return None, "none"


def password_actor() -> Actor:
    return Actor(SHARED_PASSWORD_ACCOUNT, MANAGER, "password")


def cli_actor(name: str | None = None) -> Actor:
    """A `ktm` command: the operating-system user (or --as NAME), as a manager: whoever runs
    it can open the database file or its URL anyway."""
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no user name (a container without /etc/passwd entry)
            name = "unknown"
        name = f"{name} (cli)"
    return Actor(name, MANAGER, "cli")


# --- who is acting now -------------------------------------------------------------------------

_acting: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("ktm_actor", default=None)
# Set by the web app (ktm.webapp): the actor of the browser session running this script, or
# NOT_IN_SESSION outside a script run. It wins over everything else, so a page can never act as
# the process's operating-system user.
NOT_IN_SESSION = object()
_session_actor: Callable[[], object] | None = None


def _never() -> bool:
    return False


_in_server: Callable[[], bool] = _never


def install_session_actor(provider: Callable[[], object], in_server: Callable[[], bool]) -> None:
    global _session_actor, _in_server
    _session_actor, _in_server = provider, in_server


def current() -> Actor | None:
    """The acting person: the browser session's (web app), else the one set with `acting_as`
    (a `ktm` command, a test), else the operating-system user outside the web server, and
    nobody inside it."""
    if _session_actor is not None:
        found = _session_actor()
        if found is not NOT_IN_SESSION:
            return found  # type: ignore[return-value]
    set_here = _acting.get()
    if set_here is not None:
        return set_here
    if _in_server():
        return None
    return cli_actor()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _acting.set(actor)
    try:
        yield actor
    finally:
        _acting.reset(token)


def set_actor(actor: Actor) -> None:
    """For the command line: this process acts as `actor` from now on."""
    _acting.set(actor)


def refusal(permission: str, actor: Actor | None) -> str:
    nl, en = PERMISSIONS.get(permission, (permission, permission))
    if actor is None:
        return f"Niet aangemeld: {nl} mag alleen het team / not logged in: only the team may {en}"
    if actor.role is None:
        return f"{actor.name} heeft geen toegang tot deze toepassing / has no access to this tool"
    role_nl, role_en = ROLE_NAMES.get(actor.role, (actor.role, actor.role))
    return (
        f"Geweigerd: als {role_nl} mag u niet {nl}; vraag het een beheerder / "
        f"refused: as a {role_en} you may not {en}; ask a manager"
    )


def require(permission: str) -> Actor:
    """The acting person, if their role holds `permission`; else Refused (nothing is done)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    actor = current()
    if not allowed(actor, permission):
        raise Refused(refusal(permission, actor))
    return actor  # type: ignore[return-value]
