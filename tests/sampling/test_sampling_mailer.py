"""The SMTP sender end to end against a real SMTP server (aiosmtpd) in this process."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import logging
import socket
import ssl
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from report import format as fmt
from report.organisation import Organisation
from sampling import (
    MailerError,
    SmtpConfig,
    issue_tokens,
    messages_from_invites,
    results_frame,
    send_messages,
)
from sampling.mailer import invitation_message

BASE = "https://ktm.example.be"
RESULTS = "https://ktm.example.be/resultaten"
NAMES = Organisation().names()
OTHER = Organisation("Departement Welzijn", "Flemish Department of Welfare", "Verpleegkunde")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Accepts mail; refuses recipients with 'bounce' (550) or 'greylist' (451) in the address."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return f"550 5.1.1 <{address}>: user unknown"
        if "greylist" in address:
            return "451 4.7.1 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"team"
        and auth_data.password == b"s3cret"
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1/localhost, made with `cryptography`."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


def server_context(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.fixture
def plain_server():
    handler = Recorder()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def starttls_server(certificate):
    handler = Recorder()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def ssl_server(certificate):
    handler = Recorder()
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), ssl_context=server_context(certificate)
    )
    controller.start()
    yield handler, controller.port
    controller.stop()


def invites_frame():
    import pandas as pd

    people = pd.DataFrame(
        {
            "unit_id": ["A1", "A2", "A3", "A4"],
            "email": [
                "an@example.org",
                "bounce@example.org",
                "greylist@example.org",
                "bo@example.org",
            ],
            "first_name": ["An", "Bert", "Cas", "Bo"],
            "last_name": ["Peeters", "Maes", "Aerts", "Claes"],
            "language": ["nl", "nl", "nl", "en"],
        }
    )
    return people.merge(issue_tokens(people["unit_id"]), on="unit_id")


def test_send_plain_with_bounce_and_temporary_failure(plain_server, caplog):
    handler, port = plain_server
    invites = invites_frame()
    messages = messages_from_invites(
        invites, BASE, dt.date(2025, 3, 31), RESULTS, names=OTHER.names(), dates=fmt.date
    )
    config = SmtpConfig(
        host="127.0.0.1", port=port, security="none", sender="zorgberoepen@example.org"
    )
    progress = []
    with caplog.at_level(logging.DEBUG, logger="sampling"):
        results = send_messages(
            config, messages, on_progress=lambda done, total: progress.append((done, total))
        )
    assert [r.status for r in results] == ["sent", "bounced", "failed", "sent"]
    assert [r.event for r in results] == ["invite", "bounce", None, "invite"]
    assert results[1].smtp_code == 550 and "user unknown" in results[1].error
    assert results[2].smtp_code == 451
    assert progress == [(1, 4), (2, 4), (3, 4), (4, 4)]
    table = results_frame(results)
    assert table["status"].tolist() == ["sent", "bounced", "failed", "sent"]

    assert len(handler.messages) == 2
    mail_from, rcpt, msg = handler.messages[0]
    token = invites.loc[0, "token"]
    assert mail_from == "zorgberoepen@example.org" and rcpt == ["an@example.org"]
    assert msg["To"] == "an@example.org"
    assert "zorgberoepen@example.org" in msg["From"]
    body = msg.get_content()
    assert f"{BASE}/?t={token}" in body and f"{BASE}/?t={token}&optout=1" in body
    assert "31 maart 2025" in body and "31 March 2025" in body and RESULTS in body
    assert body.index("Beste An Peeters") < body.index("Dear An Peeters")  # Dutch first
    # The organisation's names come from the configuration (report.organisation).
    assert "Team Verpleegkunde, Departement Welzijn" in body
    assert "The Flemish Department of Welfare (Departement Welzijn)" in body
    assert msg["Subject"] == (
        "Uw mening over het e-loket van het Departement Welzijn / "
        "Your opinion on the e-loket of the Flemish Department of Welfare"
    )
    assert "Zorg" not in body
    assert msg["List-Unsubscribe"] == f"<{BASE}/?t={token}&optout=1>"
    english = handler.messages[1][2].get_content()
    assert english.index("Dear Bo Claes") < english.index("Beste Bo Claes")
    # Our log (the test server's own debug log is not ours) never holds a token.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("sampling"))
    for t in invites["token"]:
        assert t not in ours
    assert "2 sent, 1 bounced, 1 failed" in ours
    assert token not in repr(messages[0])


def test_reminder_text(plain_server):
    handler, port = plain_server
    message = invitation_message(
        "A1",
        "an@example.org",
        "t" * 43,
        BASE,
        "2025-03-31",
        reminder=True,
        names=NAMES,
        dates=fmt.date,
    )
    config = SmtpConfig(
        host="127.0.0.1", port=port, security="none", sender="zorgberoepen@example.org"
    )
    assert send_messages(config, [message])[0].status == "sent"
    msg = handler.messages[0][2]
    assert msg["Subject"].startswith("Herinnering:")
    assert "Beste," in msg.get_content()  # no name known


def test_starttls_with_login(starttls_server, certificate):
    handler, port = starttls_server
    messages = messages_from_invites(
        invites_frame().iloc[[0]], BASE, "2025-03-31", names=NAMES, dates=fmt.date
    )
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        security="starttls",
        username="team",
        password="s3cret",
        sender="zorgberoepen@example.org",
        cafile=certificate[0],
    )
    assert [r.status for r in send_messages(config, messages)] == ["sent"]
    assert len(handler.messages) == 1
    assert "s3cret" not in repr(config)

    wrong = SmtpConfig(**{**config.__dict__, "password": "nope"})
    with pytest.raises(MailerError, match="aanmelden bij .* mislukt"):
        send_messages(wrong, messages)
    untrusted = SmtpConfig(**{**config.__dict__, "cafile": None})
    with pytest.raises(MailerError, match="TLS"):
        send_messages(untrusted, messages)


def test_implicit_tls(ssl_server, certificate):
    handler, port = ssl_server
    messages = messages_from_invites(
        invites_frame().iloc[[0, 3]], BASE, "2025-03-31", names=NAMES, dates=fmt.date
    )
    config = SmtpConfig(
        host="127.0.0.1",
        port=port,
        security="ssl",
        sender="zorgberoepen@example.org",
        cafile=certificate[0],
    )
    assert [r.status for r in send_messages(config, messages)] == ["sent", "sent"]
    assert [m[1] for m in handler.messages] == [["an@example.org"], ["bo@example.org"]]


def test_unreachable_server_and_bad_configuration():
    messages = messages_from_invites(
        invites_frame().iloc[[0]], BASE, "2025-03-31", names=NAMES, dates=fmt.date
    )
    closed = SmtpConfig(
        host="127.0.0.1", port=free_port(), security="none", sender="z@example.org", timeout=3
    )
    with pytest.raises(MailerError, match="niet bereiken"):
        send_messages(closed, messages)
    with pytest.raises(MailerError, match="zonder versleuteling"):
        send_messages(
            SmtpConfig(
                host="h",
                port=1,
                security="none",
                username="u",
                password="p",
                sender="z@example.org",
            ),
            messages,
        )
    with pytest.raises(MailerError, match="security"):
        SmtpConfig(host="h", sender="z@example.org", security="tls").validate()
    assert send_messages(closed, []) == []


def test_starttls_required_but_not_offered(plain_server):
    _, port = plain_server
    config = SmtpConfig(host="127.0.0.1", port=port, security="starttls", sender="z@example.org")
    with pytest.raises(MailerError, match="STARTTLS"):
        send_messages(
            config,
            messages_from_invites(
                invites_frame().iloc[[0]], BASE, "2025-03-31", names=NAMES, dates=fmt.date
            ),
        )


def test_config_from_environment():
    env = {
        "KTM_SMTP_HOST": "smtp.example.org",
        "KTM_SMTP_SECURITY": "ssl",
        "KTM_SMTP_USERNAME": "team",
        "KTM_SMTP_PASSWORD": "s3cret",
        "KTM_SMTP_SENDER": "zorgberoepen@example.org",
    }
    config = SmtpConfig.from_env(env)
    assert (config.host, config.effective_port, config.security, config.password) == (
        "smtp.example.org",
        465,
        "ssl",
        "s3cret",
    )
    assert (
        SmtpConfig.from_env(
            {**env, "KTM_SMTP_SECURITY": "", "KTM_SMTP_PORT": "2525"}
        ).effective_port
        == 2525
    )
    with pytest.raises(MailerError, match="KTM_SMTP_HOST"):
        SmtpConfig.from_env({})
