"""Downloads only their own login can fetch, for a short time (issue 19.4).

Streamlit serves a download button's file at /media/<id> to any client that has the URL, for
as long as it keeps the file (minutes). Here a file handed out by our download buttons
(`ktm.webapp.download_button`) is claimed, at the click, by the login of the session that
clicked; the media route then answers only a request that carries that login's cookie (the
signed team cookie of the password login, or Streamlit's own user cookie under OIDC), only for
`KTM_DOWNLOAD_TTL_S` after the click, and never after that login was ended with "Afmelden".
Any other request gets Streamlit's 404. A file nobody claimed (a download button not made
through ktm.webapp) is refused to every request.

How: Streamlit keeps one storage object for the whole server (MemoryMediaFileStorage, made by
its Server); `install()` turns it into a `SessionBoundStorage`, and makes the outermost HTTP
middleware (PathSecurityMiddleware) put each request's cookies where `get_file` sees them.
Both are Streamlit internals of the pinned version (1.67): if either is missing, `install()`
raises rather than serve downloads unchecked, and tests/browser/test_download_session.py runs
the real server.
"""

from __future__ import annotations

import contextvars
import hmac
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import (
    MemoryMediaFileStorage,
    _calculate_file_id,
)

log = logging.getLogger("ktm.downloads")

# The cookies of the HTTP request being served; None outside a request.
_REQUEST_COOKIES: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "ktm_request_cookies", default=None
)
# Set while Streamlit itself looks a file up to make its URL (not a client's request).
_INTERNAL: contextvars.ContextVar[bool] = contextvars.ContextVar("ktm_internal", default=False)

OIDC_COOKIE = "_streamlit_user"  # Streamlit's signed user cookie (and its __1, __2 chunks)


@dataclass(frozen=True)
class Owner:
    """The login a download belongs to: who, and the cookie that proves it."""

    kind: str  # "password" or "oidc"
    user: str
    expires: int = 0  # password login: when it ends (epoch seconds, as in its cookie)
    secret: bytes = field(default=b"", repr=False)  # to check the team cookie's signature
    oidc_cookies: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def admits(self, cookies: dict[str, str], now: float) -> bool:
        """Does a request with these cookies come from this login (still running)?"""
        if self.kind == "password":
            from ktm.auth import SESSION_COOKIE, read_session

            if now >= self.expires:
                return False
            found = read_session(self.secret, cookies.get(SESSION_COOKIE))
            return (
                found is not None
                and not found.expired(now)
                and found.user == self.user
                and int(found.expires) == self.expires
            )
        if self.kind == "oidc":
            return bool(self.oidc_cookies) and all(
                hmac.compare_digest(cookies.get(name, "").encode(), value.encode())
                for name, value in self.oidc_cookies
            )
        return False


def oidc_cookies(cookies: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """Streamlit's user cookie as this browser sent it (large ones come in chunks)."""
    return tuple(
        sorted(
            (name, value)
            for name, value in cookies.items()
            if name == OIDC_COOKIE or name.startswith(OIDC_COOKIE + "__")
        )
    )


class Registry:
    """Which login claimed which file, and when it was handed out."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._owners: dict[str, set[Owner]] = {}
        self._since: dict[str, float] = {}  # handed out (the TTL runs from here)
        self._touched: dict[str, float] = {}  # last claimed or handed out (for pruning)
        self._ended: set[Owner] = set()
        self._lock = threading.Lock()

    def may_claim(self, owner: Owner) -> bool:
        with self._lock:
            return owner not in self._ended

    def claim(self, file_id: str, owner: Owner) -> None:
        with self._lock:
            if owner in self._ended:
                raise PermissionError("this login has ended")
            self._owners.setdefault(file_id, set()).add(owner)
            self._touched[file_id] = time.monotonic()

    def handed_out(self, file_id: str) -> None:
        with self._lock:
            now = time.monotonic()
            for old in [f for f, t in self._touched.items() if now - t > self.ttl_s]:
                self._forget(old)
            self._since[file_id] = self._touched[file_id] = now

    def _forget(self, file_id: str) -> None:
        for table in (self._since, self._owners, self._touched):
            table.pop(file_id, None)

    def verdict(self, file_id: str, cookies: dict[str, str]) -> str:
        """'ok'; 'refused' (a request not from a login that claimed it); or 'gone' (expired,
        claimed by nobody, or its logins ended): then the file is deleted."""
        with self._lock:
            since = self._since.get(file_id)
            owners = self._owners.get(file_id)
            if not owners or since is None or time.monotonic() - since > self.ttl_s:
                self._forget(file_id)
                return "gone"
            now = time.time()
            return "ok" if any(o.admits(cookies, now) for o in owners) else "refused"

    def end(self, owner: Owner) -> None:
        """The login ended (logout): none of its files answers any more."""
        with self._lock:
            self._ended.add(owner)
            now = time.time()
            self._ended = {o for o in self._ended if o.kind != "password" or o.expires > now}
            for file_id in list(self._owners):
                self._owners[file_id].discard(owner)

    def file_id(self, data: bytes, mimetype: str, filename: str | None) -> str:
        """The id Streamlit's storage gives these bytes (its ids are content hashes)."""
        return _calculate_file_id(data, mimetype, filename)


REGISTRY = Registry(60.0)


class SessionBoundStorage(MemoryMediaFileStorage):
    """Streamlit's in-memory media storage, whose downloads answer their own login only.
    Images and other media (MediaFileKind.MEDIA) are served as before."""

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        file_id = super().load_and_get_id(path_or_data, mimetype, kind, filename)
        if kind == MediaFileKind.DOWNLOADABLE:
            REGISTRY.handed_out(file_id)
        return file_id

    def get_url(self, file_id):
        token = _INTERNAL.set(True)
        try:
            return super().get_url(file_id)
        finally:
            _INTERNAL.reset(token)

    def get_file(self, filename):
        media = super().get_file(filename)
        if media.kind != MediaFileKind.DOWNLOADABLE or _INTERNAL.get():
            return media
        file_id = os.path.splitext(filename)[0]
        verdict = REGISTRY.verdict(file_id, _REQUEST_COOKIES.get() or {})
        if verdict == "ok":
            return media
        if verdict == "gone":
            self.delete_file(file_id)
        log.warning("download %s… refused (%s)", file_id[:8], verdict)
        raise MediaFileStorageError(f"download {file_id} {verdict}")


def _request_cookies(scope) -> dict[str, str]:
    from starlette.requests import cookie_parser

    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}


def _install_cookie_middleware() -> None:
    from streamlit.web.server.starlette.starlette_path_security_middleware import (
        PathSecurityMiddleware,
    )

    if getattr(PathSecurityMiddleware, "_ktm_cookies", False):
        return
    original = PathSecurityMiddleware.__call__

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http":
            return await original(self, scope, receive, send)
        token = _REQUEST_COOKIES.set(_request_cookies(scope))
        try:
            return await original(self, scope, receive, send)
        finally:
            _REQUEST_COOKIES.reset(token)

    PathSecurityMiddleware.__call__ = __call__
    PathSecurityMiddleware._ktm_cookies = True


_INSTALLED = False
_INSTALL_LOCK = threading.Lock()


def install(ttl_s: float) -> None:
    """Bind the running server's downloads to their logins. Once per process; without a
    running Streamlit server (AppTest, bare mode) there is nothing to bind."""
    global _INSTALLED
    from streamlit import runtime

    with _INSTALL_LOCK:
        if _INSTALLED or not runtime.exists():
            return
        REGISTRY.ttl_s = ttl_s
        _install_cookie_middleware()
        storage = runtime.get_instance().media_file_mgr._storage
        if type(storage) is MemoryMediaFileStorage:
            # The route that serves /media holds this very object: change its class in place.
            storage.__class__ = SessionBoundStorage
        elif not isinstance(storage, SessionBoundStorage):
            raise RuntimeError(
                f"unexpected media storage {type(storage).__name__}: downloads cannot be "
                "bound to their login (issue 19.4); refusing to serve them unchecked"
            )
        _INSTALLED = True
