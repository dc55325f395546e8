"""A local SMTP server for the tests (aiosmtpd, in-process, on a free port)."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest


class Handler:
    """Accepts every message, except recipients in `refuse` (550) or `later` (451)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self.later: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Recipient address rejected: user unknown"
        if address in self.later:
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted"

    def to(self) -> list[str]:
        return [str(m["To"]) for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    from sampling.mailer import SmtpConfig

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    config = SmtpConfig(
        host="127.0.0.1",
        port=controller.port,
        security="none",
        sender="zorgberoepen@example.org",
        timeout=10,
    )
    yield handler, config
    controller.stop()
