"""Security (issue 11 item 4): tokens (entropy, hashes only, constant-time comparison, single
use, bound to their wave, guessing slowed down), team pages and exports behind the login, XSRF
protection on, and no secret in the repository."""

from __future__ import annotations

import base64
import datetime as dt
import inspect
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from sampling import invitations as inv
from store import responses as R
from store import schema
from store.db import get_engine, transaction
from tests.reliability.respondents import respond
from tests.survey_form.world import make_world

ROOT = Path(__file__).resolve().parents[2]


# --- tokens ---------------------------------------------------------------------------------


def test_tokens_carry_at_least_128_random_bits():
    tokens = [inv.new_token() for _ in range(2000)]
    assert len(set(tokens)) == len(tokens)
    for t in tokens[:50]:
        raw = base64.urlsafe_b64decode(t + "=" * (-len(t) % 4))
        assert len(raw) * 8 >= 128 and inv.token_shape_ok(t)
    assert inv.TOKEN_BYTES * 8 >= 128
    # The shortest token the store accepts still carries >= 128 bits (6 bits a character).
    assert int(re.search(r"\{(\d+),", inv._TOKEN_RE.pattern).group(1)) * 6 >= 128
    # Every character position varies: no fixed prefix or counter in the tokens (the last of
    # 43 characters carries the remaining 4 of 256 bits).
    for position in range(len(tokens[0]) - 1):
        assert len({t[position] for t in tokens}) > 20


def test_only_token_hashes_are_stored(sqlite_url):
    engine = get_engine(sqlite_url)
    world = make_world(engine, invitations=("a", "b", "c"))
    respond(engine, world.tokens["a"], "client")
    engine.dispose()  # fold the write-ahead log into the file before reading its bytes
    path = Path(sa.engine.make_url(sqlite_url).database)
    raw = path.read_bytes()
    for label, token in world.tokens.items():
        assert token.encode() not in raw, label
        assert inv.hash_token(token).encode() in raw  # the scan can see what is stored


def test_token_hashes_are_compared_in_constant_time():
    """A source check: the comparison is hmac.compare_digest, and the store's lookup uses it.
    (The database index finds the row by the hash; timing differences there reveal at most
    a prefix of a SHA-256 digest, which does not help to forge a token.)"""
    assert "hmac.compare_digest" in inspect.getsource(inv.tokens_equal)
    assert "tokens_equal" in inspect.getsource(R._find)
    assert "hash_token(token)" in inspect.getsource(R._find)


def test_a_token_is_single_use_and_bound_to_its_wave(sqlite_url):
    engine = get_engine(sqlite_url)
    old = make_world(engine, invitations=("a", "b"), name="Vorige meting")
    new = make_world(engine, invitations=("a",), name="Deze meting")
    respond(engine, old.tokens["a"], "client")
    used = R.open_invitation(engine, old.tokens["a"], "client")
    assert used.reason == R.Refusal.USED
    opened = R.open_invitation(engine, new.tokens["a"], "client")
    assert opened.wave["id"] == new.wave_id
    # Closing the old wave closes its links, even while another wave is in fieldwork.
    with transaction(engine) as conn:
        conn.execute(
            sa.update(schema.waves).where(schema.waves.c.id == old.wave_id).values(status="closed")
        )
    refused = R.open_invitation(engine, old.tokens["b"], "client")
    assert refused.reason == R.Refusal.NOT_OPEN and refused.wave_id == old.wave_id
    # A response of the closed wave takes no more answers.
    with engine.connect() as conn:
        rid, rev = conn.execute(
            sa.select(schema.responses.c.id, schema.responses.c.revision).where(
                schema.responses.c.wave_id == old.wave_id
            )
        ).one()
    with pytest.raises(R.AlreadyCompleted):
        R.save_page(engine, rid, rev, {"tevredenheid": 1}, {}, section_id="algemeen")


def test_guessing_is_slowed_down_per_client(sqlite_url):
    engine = get_engine(sqlite_url)
    world = make_world(engine)
    now = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
    for _ in range(R.MAX_FAILURES):
        guess = inv.new_token()
        assert R.open_invitation(engine, guess, "guesser", now=now).reason == R.Refusal.UNKNOWN
        now += dt.timedelta(seconds=1)
    blocked = R.open_invitation(engine, inv.new_token(), "guesser", now=now)
    assert blocked.reason == R.Refusal.THROTTLED  # the next guess waits
    assert blocked.retry_after is not None and blocked.retry_after > dt.timedelta(minutes=10)
    # A right token is never refused (others may share the guesser's address: issue 19.1);
    # another client's guess is only unknown; after the window the guesser starts anew.
    assert R.open_invitation(engine, world.tokens["a"], "guesser", now=now).ok
    assert R.open_invitation(engine, inv.new_token(), "other", now=now).reason == R.Refusal.UNKNOWN
    later = now + R.WINDOW
    assert R.open_invitation(engine, inv.new_token(), "guesser", now=later).reason == (
        R.Refusal.UNKNOWN
    )


def test_a_wrong_team_password_costs_time(monkeypatch):
    from ktm import auth

    slept = []
    monkeypatch.setattr(auth.time, "sleep", slept.append)
    stored = auth.hash_password("correct horse battery staple")
    assert not auth.verify_password("wrong horse battery staple", stored)
    assert not auth.verify_password("", stored)
    assert auth.verify_password("correct horse battery staple", stored)
    assert slept == [auth.FAILED_LOGIN_DELAY_S] * 2 and auth.FAILED_LOGIN_DELAY_S >= 1
    assert stored.startswith("$argon2")


# --- the app ---------------------------------------------------------------------------------

TEAM_PAGES = sorted(
    str(p.relative_to(ROOT))
    for p in (ROOT / "views").glob("*.py")
    if p.stem not in {"survey", "feedback", "login"}
)


def test_xsrf_protection_is_on_in_the_config():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    # Streamlit turns XSRF protection off when CORS is disabled: keep CORS on too.
    assert config["server"].get("enableCORS", True) is True


@pytest.mark.parametrize("page", TEAM_PAGES)
def test_every_team_page_run_directly_stops_without_login(app_env, page):
    """No team page (the export and its downloads included) shows anything without login,
    even when its script is run directly rather than through the navigation."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=60).run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Deze pagina is alleen voor het team."]
    assert not at.get("download_button")
    assert not at.dataframe and not at.table and not at.button


# --- no secret in the repository -----------------------------------------------------------

SECRET_PATTERNS = {
    "private key": re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "argon2 hash": re.compile(
        rb"\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}"
    ),
    "AWS access key": re.compile(rb"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(rb"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(rb"\bxox[abpr]-[A-Za-z0-9-]{10,}"),
    "password assignment": re.compile(
        rb"(?i)\b\w*(password|passwd|secret|api_?key)\w*\s*[:=]\s*"
        rb"['\"](?![<{$])[^'\"\s]{8,}['\"]"
    ),
    "URL with password": re.compile(rb"[a-z+]+://[^/\s:@'\"]+:[^/\s:@'\"{}$]{3,}@"),
}
FORBIDDEN_FILES = re.compile(
    r"(^|/)(\.streamlit/secrets\.toml|\.env|id_rsa|id_ed25519|.*\.pem|.*\.key|"
    r"team_password\.argon2|.*\.sqlite3?|.*\.db)$"
)


def scan(name: str, content: bytes) -> list[str]:
    found = []
    if FORBIDDEN_FILES.search(name):
        found.append(f"{name}: a file that holds secrets or data must not be tracked")
    for label, pattern in SECRET_PATTERNS.items():
        # Tests may hold throwaway hashes and passwords they make themselves.
        if name.startswith("tests/") and label in ("argon2 hash", "password assignment"):
            continue
        for m in pattern.finditer(content):
            found.append(f"{name}: {label}: {m.group(0)[:40]!r}")
    return found


def test_the_scanner_finds_planted_secrets():
    planted = {
        "ktm/x.py": b'SMTP_PASSWORD = "hunter2hunter2"\n',
        # Assembled here, so that this file itself does not hold what the scan looks for.
        "docs/key.txt": b"-----BEGIN OPENSSH " + b"PRIVATE KEY-----\nabc\n",
        "ktm/y.py": b"h = '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'\n",
        "README.md": b"postgresql://ktm:" + b"s3cret@db.example/ktm\n",
        ".streamlit/secrets.toml": b"[ktm]\n",
    }
    for name, content in planted.items():
        assert scan(name, content), name
    assert not scan("README.md", b"postgresql+psycopg://postgres@127.0.0.1:5432/test\n")
    assert not scan("ktm/z.py", b'password = st.text_input("Teamwachtwoord")\n')
    assert not scan(".streamlit/secrets.toml.example", b'h = "$argon2id$v=19$m=65536,t=3,p=4$..."')


def test_no_secret_is_tracked_in_the_repository():
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    names = [n for n in listed.decode().split("\0") if n]
    assert "pyproject.toml" in names
    problems = []
    for name in names:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        binary = name.endswith((".xlsx", ".png", ".jpg", ".pdf"))  # only their names count
        content = b"" if binary else path.read_bytes()
        problems += scan(name, content)
    assert problems == []


# --- the throttle's client key (issue 19.1) ----------------------------------------------------


@pytest.mark.parametrize(
    ("forwarded", "trusted", "expected"),
    [
        (None, 0, "10.0.0.9"),  # no proxy: the connection's address
        ("192.0.2.55", 0, "10.0.0.9"),  # a header nobody vouches for is ignored
        ("203.0.113.7", 1, "203.0.113.7"),  # our proxy appended the client
        ("192.0.2.55, 203.0.113.7", 1, "203.0.113.7"),  # a forged first entry is skipped
        ("192.0.2.55, 203.0.113.7, 10.1.1.1", 2, "203.0.113.7"),  # two proxies
        ("203.0.113.7", 2, "10.0.0.9"),  # shorter than the chain: not set by our proxies
    ],
)
def test_the_client_address_is_taken_from_the_trusted_proxy_hop(forwarded, trusted, expected):
    from ktm.clientkey import client_address

    assert client_address(forwarded, "10.0.0.9", trusted) == expected


def test_rotating_the_forwarded_header_does_not_escape_the_throttle(sqlite_url):
    from ktm.clientkey import client_address, keyed

    engine = get_engine(sqlite_url)
    make_world(engine)
    keys = {keyed(client_address(f"10.0.{i}.7, 203.0.113.7", "127.0.0.1", 1)) for i in range(40)}
    assert len(keys) == 1
    [key] = keys
    for _ in range(R.MAX_FAILURES):
        R.open_invitation(engine, inv.new_token(), key)
    assert R.open_invitation(engine, inv.new_token(), key).reason == R.Refusal.THROTTLED


def test_the_client_key_is_a_keyed_hash_not_a_plain_sha256_of_the_address():
    import hashlib

    from ktm.clientkey import keyed

    address = "192.0.2.55"
    assert keyed(address) != hashlib.sha256(address.encode()).hexdigest()
    assert keyed(address, "secret-a") != keyed(address, "secret-b")
    assert keyed(address, "secret-a") == keyed(address, "secret-a")  # replicas can share it
    assert len(keyed(address)) == 64


def test_trusted_proxies_setting(monkeypatch):
    from ktm import config

    monkeypatch.delenv("KTM_TRUSTED_PROXY", raising=False)
    assert config.trusted_proxies() == 0
    monkeypatch.setenv("KTM_TRUSTED_PROXY", "2")
    assert config.trusted_proxies() == 2
    monkeypatch.setenv("KTM_TRUSTED_PROXY", "yes")
    with pytest.raises(ValueError, match="KTM_TRUSTED_PROXY"):
        config.trusted_proxies()
