"""The key the token-guess throttle counts failures under: which address, and how it is hidden.

Pure functions (no Streamlit), so the proxy-hop rule and the keyed hash are tested directly.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# Used when $KTM_CLIENT_KEY_SECRET is not set: the keys of one process cannot be linked to an
# address by anyone who reads the database, and a restart simply starts counting anew (the
# rows expire after the 15-minute window anyway).
_PROCESS_SECRET = secrets.token_bytes(32)


def client_address(forwarded_for: str | None, peer: str | None, trusted_proxies: int) -> str:
    """The client's address as the nearest trusted proxy saw it.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N
    trusted proxies the client is the N-th entry from the right; everything left of it was sent
    by the client and can be forged. With no trusted proxy (or a header shorter than N, i.e.
    not set by our proxies) the connection's own address counts.
    """
    if trusted_proxies > 0 and forwarded_for:
        hops = [h.strip() for h in str(forwarded_for).split(",")]
        if len(hops) >= trusted_proxies and hops[-trusted_proxies]:
            return hops[-trusted_proxies]
    return peer if isinstance(peer, str) and peer else "unknown"


def keyed(address: str, secret: str | bytes | None = None) -> str:
    """HMAC-SHA-256 of the address (64 hex digits): without the secret it cannot be reversed
    by trying every IPv4 address."""
    key = _PROCESS_SECRET if secret is None else secret
    if isinstance(key, str):
        key = key.encode("utf-8")
    return hmac.new(key, address.encode("utf-8"), hashlib.sha256).hexdigest()
