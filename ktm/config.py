"""The tool's configuration: one settings object, read from the environment (KTM_*).

    from ktm.config import settings
    s = settings()          # a frozen Settings, read afresh from os.environ on every call
    s.database_url, s.public_url, s.organisation.team, ...

Every setting the tool reads is a field here (the README's configuration table lists them);
other modules take the values they need as arguments, and the layers below ktm (store,
sampling, report) never read the environment for the tool's settings.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from report.organisation import Organisation

DEFAULT_DATA_DIR = "var"
DEFAULT_PUBLIC_URL = "http://localhost:8501"
POOL_SIZE_ENV = "KTM_DB_POOL_SIZE"
RETENTION_ENV = "KTM_RETENTION_DAYS"
# The same defaults as the store's own (store.db.DEFAULT_POOL_SIZE,
# store.privacy.DEFAULT_RETENTION_DAYS), written here so reading the settings imports no store.
DEFAULT_POOL_SIZE = 5
DEFAULT_RETENTION_DAYS = 365


@dataclass(frozen=True)
class Settings:
    data_dir: Path  # KTM_DATA_DIR
    database_url: str  # KTM_DATABASE_URL
    public_url: str  # KTM_PUBLIC_URL
    organisation: Organisation = field(default_factory=Organisation)  # KTM_ORG_*
    team_password_hash: str | None = None  # KTM_TEAM_PASSWORD_HASH
    trusted_proxies: int = 0  # KTM_TRUSTED_PROXY: reverse proxies that append X-Forwarded-For
    client_key_secret: str | None = None  # KTM_CLIENT_KEY_SECRET: key of the throttle's HMAC
    download_ttl_s: float = 60.0  # KTM_DOWNLOAD_TTL_S: a download URL's life after the click
    smtp: Mapping[str, str] = field(default_factory=dict)  # the KTM_SMTP_* variables
    # Roles (ktm.roles): e-mail addresses per role, a token claim, the permissions per role.
    managers: frozenset[str] = frozenset()  # KTM_MANAGERS
    readers: frozenset[str] = frozenset()  # KTM_READERS
    role_claim: str | None = None  # KTM_ROLE_CLAIM: the identity token's claim naming roles
    role_claim_values: Mapping[str, str] = field(default_factory=dict)  # KTM_ROLE_CLAIM_VALUES
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)  # KTM_ROLES_FILE
    # KTM_DB_POOL_SIZE and KTM_RETENTION_DAYS as given, checked where they are used (the
    # properties below), so a bad retention period stops `ktm retention`, not every command.
    db_pool_size_text: str = ""
    retention_days_text: str = ""

    @property
    def smtp_configured(self) -> bool:
        """Whether a mail server is set at all (KTM_SMTP_HOST)."""
        return bool(self.smtp.get("KTM_SMTP_HOST"))

    @property
    def db_pool_size(self) -> int:
        """KTM_DB_POOL_SIZE: connections kept open per process (ValueError when not a count)."""
        return _pool_size(self.db_pool_size_text)

    @property
    def retention_days(self) -> int:
        """KTM_RETENTION_DAYS: days after fieldwork ends (ValueError when not a count)."""
        return _retention_days(self.retention_days_text)


def _organisation(env: Mapping[str, str]) -> Organisation:
    default = Organisation()

    def get(name: str, fallback: str) -> str:
        value = (env.get(f"KTM_ORG_{name}") or "").strip()
        return value or fallback

    return Organisation(
        department=get("DEPARTMENT", default.department),
        department_en=get("DEPARTMENT_EN", default.department_en),
        team=get("TEAM", default.team),
        contact=get("CONTACT", default.contact),
    )


def _trusted_proxies(env: Mapping[str, str]) -> int:
    """How many reverse proxies in front of the app append to X-Forwarded-For (default 0: the
    header is ignored, the connection's address counts)."""
    raw = (env.get("KTM_TRUSTED_PROXY") or "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise ValueError(
            f"KTM_TRUSTED_PROXY={raw!r}: geef het aantal vertrouwde proxy's (bv. 1) / "
            "give the number of trusted proxies (e.g. 1)"
        )
    return int(raw)


def _download_ttl(env: Mapping[str, str]) -> float:
    raw = (env.get("KTM_DOWNLOAD_TTL_S") or "").strip()
    try:
        return float(raw) if raw else 60.0
    except ValueError:
        raise ValueError(
            f"KTM_DOWNLOAD_TTL_S={raw!r}: geef een aantal seconden / give a number of seconds"
        ) from None


def _addresses(env: Mapping[str, str], name: str) -> frozenset[str]:
    raw = env.get(name) or ""
    return frozenset(a.strip().lower() for a in raw.replace(";", ",").split(",") if a.strip())


def _claim_values(env: Mapping[str, str]) -> dict[str, str]:
    """KTM_ROLE_CLAIM_VALUES="ktm-beheer=manager,ktm-lezer=reader": which claim value means
    which role; the role names themselves always count."""
    from ktm.roles import DEFAULT_ROLES

    mapping = {role: role for role in DEFAULT_ROLES}
    raw = (env.get("KTM_ROLE_CLAIM_VALUES") or "").strip()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        value, sep, role = part.rpartition("=")
        if not sep or not value.strip() or not role.strip():
            raise ValueError(
                f"KTM_ROLE_CLAIM_VALUES: {part!r}: schrijf waarde=rol, bv. ktm-beheer=manager / "
                "write value=role, e.g. ktm-beheer=manager"
            )
        mapping[value.strip()] = role.strip()
    return mapping


def _roles(env: Mapping[str, str]) -> dict[str, frozenset[str]]:
    """The permissions per role: ktm.roles.DEFAULT_ROLES, each role given in the TOML file
    $KTM_ROLES_FILE (`[roles] reader = ["results", "trend"]`) replaced by that list."""
    import tomllib

    from ktm.roles import DEFAULT_ROLES, PERMISSIONS

    table = dict(DEFAULT_ROLES)
    path = (env.get("KTM_ROLES_FILE") or "").strip()
    if not path:
        return table
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"KTM_ROLES_FILE={path}: onleesbaar / unreadable: {exc}") from None
    for role, perms in (data.get("roles") or {}).items():
        if not isinstance(perms, list):
            raise ValueError(f"{path}: [roles] {role}: geef een lijst / give a list")
        unknown = sorted(set(map(str, perms)) - set(PERMISSIONS))
        if unknown:
            raise ValueError(
                f"{path}: [roles] {role}: onbekende rechten / unknown permissions {unknown}; "
                f"bekend / known: {sorted(PERMISSIONS)}"
            )
        table[str(role)] = frozenset(map(str, perms))
    return table


def _pool_size(raw: str) -> int:
    """Connections each app process keeps open (as many again at a peak); see store.db."""
    try:
        size = int(raw) if raw.strip() else DEFAULT_POOL_SIZE
    except ValueError:
        raise ValueError(
            f"{POOL_SIZE_ENV}={raw!r}: geef een geheel getal (bv. 5) / give a whole number (e.g. 5)"
        ) from None
    if size < 1:
        raise ValueError(f"{POOL_SIZE_ENV}={raw!r}: minstens 1 / at least 1")
    return size


def _retention_days(raw: str) -> int:
    """The retention period in days after fieldwork ends (see store.privacy)."""
    raw = raw.strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit():
        raise ValueError(
            f"{RETENTION_ENV}={raw!r} is geen geheel aantal dagen / is not a whole number of days"
        )
    return int(raw)


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from `environ` (default: os.environ)."""
    if environ is None:
        # Read afresh on every call, but made once per distinct environment: every rerun of
        # a page asks several times (path resolution, organisation), issue 23.
        ours = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("KTM_")))
        return _settings_of(ours, os.getcwd(), _file_version(os.environ.get("KTM_ROLES_FILE")))
    return _read(environ)


def _file_version(path: str | None) -> tuple | None:
    """What changes when a settings file named by a variable is edited (KTM_ROLES_FILE)."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return (path,)
    return (path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _settings_of(ours: tuple[tuple[str, str], ...], cwd: str, files: tuple | None) -> Settings:
    # cwd: a relative KTM_DATA_DIR resolves against it; files: an edited roles file is read anew
    return _read(dict(ours))


def _read(env: Mapping[str, str]) -> Settings:
    data = Path(env.get("KTM_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    return Settings(
        data_dir=data,
        database_url=env.get("KTM_DATABASE_URL") or f"sqlite:///{data / 'ktm.sqlite3'}",
        public_url=(env.get("KTM_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
        organisation=_organisation(env),
        team_password_hash=(env.get("KTM_TEAM_PASSWORD_HASH") or "").strip() or None,
        trusted_proxies=_trusted_proxies(env),
        client_key_secret=env.get("KTM_CLIENT_KEY_SECRET") or None,
        download_ttl_s=_download_ttl(env),
        smtp={k: v for k, v in env.items() if k.startswith("KTM_SMTP_")},
        managers=_addresses(env, "KTM_MANAGERS"),
        readers=_addresses(env, "KTM_READERS"),
        role_claim=(env.get("KTM_ROLE_CLAIM") or "").strip() or None,
        role_claim_values=_claim_values(env),
        roles=_roles(env),
        db_pool_size_text=env.get(POOL_SIZE_ENV) or "",
        retention_days_text=env.get(RETENTION_ENV) or "",
    )


def data_dir() -> Path:
    """The local, git-ignored folder for the default SQLite file and backups."""
    return settings().data_dir


def database_url(override: str | None = None) -> str:
    """The database URL: an explicit override, else $KTM_DATABASE_URL, else ./var/ktm.sqlite3."""
    return override or settings().database_url


def public_base_url() -> str:
    """The address respondents use to reach the app; personal links are built on it."""
    return settings().public_url


def organisation() -> Organisation:
    """The organisation that runs the measurement ($KTM_ORG_*)."""
    return settings().organisation


def trusted_proxies() -> int:
    """$KTM_TRUSTED_PROXY: how many reverse proxies append to X-Forwarded-For (0: none)."""
    return settings().trusted_proxies


def client_key_secret() -> str | None:
    """The key of the HMAC that turns a client address into the throttle's key
    ($KTM_CLIENT_KEY_SECRET; unset: a random key per process, see ktm.webapp.client_key)."""
    return settings().client_key_secret


def download_ttl_seconds() -> float:
    """How long a file handed out by a download button stays retrievable after the click."""
    return settings().download_ttl_s


def team_session_hours() -> float:
    """How long a team login lasts across reloads: $KTM_SESSION_HOURS, default a working day."""
    try:
        return float(os.environ.get("KTM_SESSION_HOURS", "10"))
    except ValueError:
        return 10.0
