"""Sending invitations and reminders by SMTP (standard library ``smtplib``).

``SmtpConfig`` holds the server (host, port, security ``starttls`` | ``ssl`` | ``none``), the
credentials and the sender; ``SmtpConfig.from_env()`` reads them from ``KTM_SMTP_*`` variables
so that no password lives in a file. ``send_messages`` sends over one connection and returns one
``SendResult`` per message: ``sent``, ``bounced`` (the server permanently refused the recipient,
an SMTP 5xx: disposition "bounced") or ``failed`` (temporary or connection trouble: try again
later; the disposition stays as it was).

Messages carry personal links, and so tokens: this module never logs a message body, a link or
a token, and never switches on smtplib's debug output.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

import pandas as pd

from sampling.frame import email_ok
from sampling.invitations import DateWriter, as_date, personal_link

log = logging.getLogger(__name__)

SECURITY_MODES = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SENT, BOUNCED, FAILED = "sent", "bounced", "failed"


class MailerError(RuntimeError):
    """The mail server cannot be used at all (address, TLS, login): nothing was sent."""


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the mail server. The password is never shown in ``repr``."""

    host: str
    sender: str
    port: int | None = None
    security: str = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender_name: str | None = None  # e.g. report.organisation.Organisation.sender_name
    reply_to: str | None = None
    timeout: float = 30.0
    cafile: str | None = None  # extra CA certificate (e.g. an internal relay)
    verify: bool = True
    delay_seconds: float = 0.0  # pause between messages for relays with rate limits
    allow_insecure_auth: bool = False

    @property
    def effective_port(self) -> int:
        return int(self.port) if self.port else DEFAULT_PORTS.get(self.security, 25)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        prefix: str = "KTM_SMTP_",
        sender_name: str | None = None,
    ) -> SmtpConfig:
        """Read ``KTM_SMTP_HOST, _PORT, _SECURITY, _USERNAME, _PASSWORD, _SENDER, _SENDER_NAME,
        _REPLY_TO, _CAFILE, _VERIFY, _TIMEOUT, _DELAY`` from `environ` (ktm.config's
        settings().smtp); `sender_name` when _SENDER_NAME is not set."""
        env = environ

        def get(name: str, default: str | None = None) -> str | None:
            value = env.get(prefix + name)
            return value if value not in (None, "") else default

        host, sender = get("HOST"), get("SENDER")
        if not host or not sender:
            raise MailerError(
                f"mailserver niet ingesteld (mail server not configured): zet {prefix}HOST en "
                f"{prefix}SENDER (set {prefix}HOST and {prefix}SENDER)"
            )
        try:
            port = int(get("PORT")) if get("PORT") else None
            timeout = float(get("TIMEOUT", "30"))
            delay = float(get("DELAY", "0"))
        except ValueError as exc:
            raise MailerError(f"ongeldige waarde in {prefix}PORT/TIMEOUT/DELAY: {exc}") from exc
        config = cls(
            host=host,
            sender=sender,
            port=port,
            security=(get("SECURITY", "starttls") or "starttls").lower(),
            username=get("USERNAME"),
            password=get("PASSWORD"),
            sender_name=get("SENDER_NAME", sender_name),
            reply_to=get("REPLY_TO"),
            timeout=timeout,
            cafile=get("CAFILE"),
            verify=(get("VERIFY", "1") or "1").lower() not in ("0", "false", "no", "nee"),
            delay_seconds=delay,
        )
        config.validate()
        return config

    def validate(self) -> None:
        if self.security not in SECURITY_MODES:
            raise MailerError(
                f"security must be one of {', '.join(SECURITY_MODES)}, got {self.security!r}"
            )
        if not email_ok(self.sender):
            raise MailerError(
                f"afzender is geen geldig e-mailadres (invalid sender): {self.sender!r}"
            )
        if self.username and self.security == "none" and not self.allow_insecure_auth:
            raise MailerError(
                "aanmelden zonder versleuteling stuurt het wachtwoord leesbaar over het net; "
                "gebruik security 'starttls' of 'ssl' (refusing to log in without TLS)"
            )


@dataclass(frozen=True)
class OutgoingMessage:
    """One e-mail to one person. ``repr`` leaves out the body, which holds the personal link."""

    unit_id: str
    to: str
    subject: str
    text: str = field(repr=False)
    html: str | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class SendResult:
    unit_id: str
    to: str
    status: str  # sent | bounced | failed
    smtp_code: int | None = None
    error: str | None = None

    @property
    def event(self) -> str | None:
        """The disposition event for ``sampling.invitations.advance``: invite, bounce or None."""
        return {SENT: "invite", BOUNCED: "bounce"}.get(self.status)


# --------------------------------------------------------------------------- message text

_TEXT = {
    "nl": {
        "subject": "Uw mening over het e-loket van het {department}",
        "subject_reminder": "Herinnering: uw mening over het e-loket van het {department}",
        "greeting": "Beste {name},",
        "greeting_anonymous": "Beste,",
        "reminder": "Enkele dagen geleden vroegen we uw mening over het e-loket. Als u al "
        "antwoordde: hartelijk dank, dan mag u dit bericht negeren.",
        "body": "Het {department} wil het e-loket voor artsen, tandartsen en "
        "ziekenhuisapothekers in opleiding verbeteren. U werd geselecteerd voor een korte "
        "bevraging (ongeveer 5 minuten). Uw antwoorden worden vertrouwelijk verwerkt en "
        "alleen in groep gerapporteerd.",
        "link": "Vul de vragenlijst in via uw persoonlijke link (stuur hem niet door):",
        "deadline": "U kunt antwoorden tot en met {deadline}.",
        "optout": "Wilt u niet deelnemen en geen herinneringen meer krijgen? Meld u af via:",
        "results": "De resultaten en wat we ermee doen, leest u op:",
        "closing": "Met vriendelijke groeten,\nTeam {team}, {department}",
        "separator": "(English below)",
    },
    "en": {
        "subject": "Your opinion on the e-loket of the {department_en}",
        "subject_reminder": "Reminder: your opinion on the e-loket of the {department_en}",
        "greeting": "Dear {name},",
        "greeting_anonymous": "Dear colleague,",
        "reminder": "A few days ago we asked for your opinion on the e-loket. If you have "
        "already answered: thank you, and please ignore this message.",
        "body": "The {department_en} ({department}) wants to improve the e-loket "
        "for doctors, dentists and hospital pharmacists in training. You were selected for a "
        "short survey (about 5 minutes). Your answers are treated confidentially and reported "
        "only for groups.",
        "link": "Please answer through your personal link (do not forward it):",
        "deadline": "You can answer until {deadline} (inclusive).",
        "optout": "Do not want to take part or receive reminders? Opt out here:",
        "results": "The results, and what we do with them, are published at:",
        "closing": "Kind regards,\nTeam {team}, {department}",
        "separator": "(Nederlandse tekst hierboven)",
    },
}


# The texts that name the organisation ({department}, {department_en}, {team}).
_NAMED = ("subject", "subject_reminder", "body", "closing")


def _section(
    lang: str,
    name: str | None,
    link: str,
    optout_link: str,
    deadline: date | datetime | str,
    results_url: str | None,
    reminder: bool,
    names: Mapping[str, str],
    dates: DateWriter,
) -> str:
    t = {k: v.format(**names) if k in _NAMED else v for k, v in _TEXT[lang].items()}
    parts = [t["greeting"].format(name=name) if name else t["greeting_anonymous"], ""]
    if reminder:
        parts += [t["reminder"], ""]
    parts += [
        t["body"],
        "",
        t["link"],
        link,
        "",
        t["deadline"].format(deadline=dates(as_date(deadline), lang)),
        "",
    ]
    parts += [t["optout"], optout_link, ""]
    if results_url:
        parts += [t["results"], results_url, ""]
    parts.append(t["closing"])
    return "\n".join(parts)


def invitation_message(
    unit_id: str,
    email: str,
    token: str,
    base_url: str,
    deadline: date | datetime | str,
    results_url: str | None = None,
    name: str | None = None,
    language: str = "nl",
    reminder: bool = False,
    *,
    names: Mapping[str, str],
    dates: DateWriter,
) -> OutgoingMessage:
    """The invitation (or reminder) e-mail: Dutch first and English second (English first for
    a person whose language is ``en``), with the personal link, the deadline, the opt-out link
    and the public results page. `names`: the organisation's department, department_en and
    team (report.organisation.Organisation.names())."""
    link = personal_link(base_url, token)
    optout_link = personal_link(base_url, token, optout=True)
    order = ("en", "nl") if language == "en" else ("nl", "en")
    first, second = (
        _section(lang, name, link, optout_link, deadline, results_url, reminder, names, dates)
        for lang in order
    )
    rule = "-" * 60
    text = f"{_TEXT[order[0]]['separator']}\n\n{first}\n\n{rule}\n\n{second}\n"
    key = "subject_reminder" if reminder else "subject"
    subject = " / ".join(_TEXT[lang][key].format(**names) for lang in order)
    return OutgoingMessage(
        unit_id=str(unit_id),
        to=email,
        subject=subject,
        text=text,
        headers={"List-Unsubscribe": f"<{optout_link}>"},
    )


def messages_from_invites(
    invites: pd.DataFrame,
    base_url: str,
    deadline: date | datetime | str,
    results_url: str | None = None,
    reminder: bool = False,
    *,
    names: Mapping[str, str],
    dates: DateWriter,
) -> list[OutgoingMessage]:
    """One message per row of ``invites`` (unit_id, email, token; name/first_name/last_name and
    language when present); `names` as for :func:`invitation_message`; ``dates`` writes the
    deadline (report.format.date)."""
    from sampling.invitations import _display_name

    missing = [c for c in ("unit_id", "email", "token") if c not in invites.columns]
    if missing:
        raise ValueError(f"invites lacks column(s) {', '.join(missing)}")
    out = []
    for _, row in invites.iterrows():
        lang = row["language"] if "language" in row and isinstance(row["language"], str) else "nl"
        out.append(
            invitation_message(
                row["unit_id"],
                row["email"],
                row["token"],
                base_url,
                deadline,
                results_url,
                name=_display_name(row),
                language=lang,
                reminder=reminder,
                names=names,
                dates=dates,
            )
        )
    return out


# --------------------------------------------------------------------------- sending


def _ssl_context(config: SmtpConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.cafile)
    if not config.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(config: SmtpConfig) -> smtplib.SMTP:
    """Open, secure and log in to the server; raises ``MailerError`` with what to check."""
    config.validate()
    where = f"{config.host}:{config.effective_port}"
    try:
        if config.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.effective_port,
                timeout=config.timeout,
                context=_ssl_context(config),
            )
        else:
            conn = smtplib.SMTP(config.host, config.effective_port, timeout=config.timeout)
        conn.set_debuglevel(0)
        conn.ehlo()
        if config.security == "starttls":
            if not conn.has_extn("starttls"):
                conn.close()
                raise MailerError(
                    f"{where} biedt geen STARTTLS aan (does not offer STARTTLS); kies security "
                    "'ssl' of vraag de beheerder"
                )
            conn.starttls(context=_ssl_context(config))
            conn.ehlo()
        if config.username:
            conn.login(config.username, config.password or "")
        return conn
    except MailerError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailerError(
            f"aanmelden bij {where} mislukt (login failed): controleer KTM_SMTP_USERNAME en "
            f"KTM_SMTP_PASSWORD ({exc.smtp_code})"
        ) from exc
    except ssl.SSLError as exc:
        raise MailerError(
            f"TLS met {where} mislukt (TLS failed): {exc.reason or exc}; controleer security, "
            "poort en certificaat (KTM_SMTP_CAFILE)"
        ) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise MailerError(
            f"kan de mailserver {where} niet bereiken (cannot reach the mail server): {exc}"
        ) from exc


def _build(config: SmtpConfig, message: OutgoingMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = (
        formataddr((config.sender_name, config.sender)) if config.sender_name else config.sender
    )
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[-1])
    if config.reply_to:
        email["Reply-To"] = config.reply_to
    for key, value in message.headers.items():
        email[key] = value
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


def _decode(reply: Any) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def send_messages(
    config: SmtpConfig,
    messages: Iterable[OutgoingMessage],
    on_progress: Callable[[int, int], None] | None = None,
) -> list[SendResult]:
    """Send every message over one connection; one ``SendResult`` per message, in order.

    A permanent refusal of the recipient (5xx) gives ``bounced``; a temporary one (4xx) or a
    lost connection gives ``failed`` (the connection is reopened once; if that fails, the rest
    are ``failed`` too). An address that is not an e-mail address is ``bounced`` without trying.
    ``on_progress(done, total)`` is called after each message. Raises ``MailerError`` before
    sending anything if the server cannot be reached or refuses the login.
    """
    batch = list(messages)
    total = len(batch)
    results: list[SendResult] = []
    if not batch:
        return results
    conn: smtplib.SMTP | None = connect(config)
    try:
        for i, message in enumerate(batch, start=1):
            if conn is None:
                results.append(
                    SendResult(
                        message.unit_id,
                        message.to,
                        FAILED,
                        None,
                        "verbinding verloren (connection lost)",
                    )
                )
            elif not email_ok(message.to):
                results.append(
                    SendResult(
                        message.unit_id,
                        message.to,
                        BOUNCED,
                        None,
                        "ongeldig e-mailadres (invalid address)",
                    )
                )
            else:
                result, conn = _send_one(config, conn, message)
                results.append(result)
            if on_progress is not None:
                on_progress(i, total)
            if config.delay_seconds and i < total:
                time.sleep(config.delay_seconds)
    finally:
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()
    counts = {s: sum(r.status == s for r in results) for s in (SENT, BOUNCED, FAILED)}
    log.info(
        "mail batch to %s: %d sent, %d bounced, %d failed",
        config.host,
        counts[SENT],
        counts[BOUNCED],
        counts[FAILED],
    )
    return results


def _send_one(
    config: SmtpConfig, conn: smtplib.SMTP, message: OutgoingMessage, retry: bool = True
) -> tuple[SendResult, smtplib.SMTP | None]:
    email = _build(config, message)
    try:
        conn.send_message(email, from_addr=config.sender, to_addrs=[message.to])
        return SendResult(message.unit_id, message.to, SENT, 250), conn
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (None, b""))
        status = BOUNCED if code is not None and 500 <= code < 600 else FAILED
        _reset(conn)
        log.info("recipient refused for unit %s: %s", message.unit_id, code)
        return SendResult(message.unit_id, message.to, status, code, _decode(reply)), conn
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        _reset(conn)
        log.warning("message for unit %s refused: %s", message.unit_id, exc.smtp_code)
        return SendResult(
            message.unit_id, message.to, FAILED, exc.smtp_code, _decode(exc.smtp_error)
        ), conn
    except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
        with contextlib.suppress(OSError):
            conn.close()
        if retry:
            try:
                fresh = connect(config)
            except MailerError as err:
                log.warning("reconnect to %s failed", config.host)
                return SendResult(message.unit_id, message.to, FAILED, None, str(err)), None
            return _send_one(config, fresh, message, retry=False)
        return SendResult(
            message.unit_id, message.to, FAILED, None, f"verbinding verloren: {exc}"
        ), None


def _reset(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        conn.rset()


def results_frame(results: Iterable[SendResult]) -> pd.DataFrame:
    """The results as a table (unit_id, to, status, smtp_code, error, event)."""
    rows = [
        {
            "unit_id": r.unit_id,
            "to": r.to,
            "status": r.status,
            "smtp_code": r.smtp_code,
            "error": r.error,
            "event": r.event,
        }
        for r in results
    ]
    return pd.DataFrame(rows, columns=["unit_id", "to", "status", "smtp_code", "error", "event"])
