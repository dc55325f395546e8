"""Closing the loop: publish a wave's results and tell the respondents who asked for it.

`publish` sets the wave's `published_at` and e-mails the link to the public page
("Wat doen we met uw feedback?") to every consenting respondent of the wave, in batches over
SMTP; each address is deleted right after its batch went out. Addresses whose message did not
go out (a temporary failure, a refusal, a server out of reach) stay for a retry and are
reported: publishing again keeps the first publication date and sends to those left.

`public_view` gathers what the public page shows of a published wave, as plain data: the
headline score under disclosure control, the improvement points and what is being done about
each (only the actions' public texts and status), and when the next measurement is planned.
Never an e-mail, an owner, a free-text answer or a figure for fewer than k respondents.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from ktm import roles
from ktm.config import organisation, public_base_url
from ktm.services import audit
from report import format as fmt
from report import labels
from sampling.mailer import SENT, MailerError, OutgoingMessage, SmtpConfig, send_messages
from store import actions as A
from store.db import reading, transaction
from store.waves import get_wave, list_waves

Progress = Callable[[int, int], None]


class FeedbackError(RuntimeError):
    """Publishing cannot start (no mail server while respondents wait...): nothing changed."""


def feedback_url(wave_id: int | None = None, language: str = "nl", base_url: str | None = None):
    """The public page's address, for one wave and in one language."""
    base = (base_url or public_base_url()).rstrip("/")
    params = []
    if wave_id is not None:
        params.append(f"wave={int(wave_id)}")
    if language == "en":
        params.append("lang=en")
    return f"{base}/feedback" + (f"?{'&'.join(params)}" if params else "")


# --- the e-mail -----------------------------------------------------------------------------

_TEXT = {
    "nl": {
        "subject": "Wat doen we met uw feedback over het e-loket?",
        "greeting": "Beste,",
        "body": "U nam deel aan de bevraging \u201c{wave}\u201d over het e-loket van het "
        "{department} en vroeg om te horen wat we met de resultaten doen. Hartelijk dank "
        "voor uw antwoorden. De resultaten, de verbeterpunten en de acties die we ondernemen, "
        "staan nu op:",
        "privacy": "Wij gebruikten uw e-mailadres enkel voor dit bericht en wissen het nu. "
        "Uw antwoorden blijven anoniem en werden nooit aan uw adres gekoppeld.",
        "closing": "Met vriendelijke groeten,\nTeam {team}, {department}",
        "separator": "(English below)",
    },
    "en": {
        "subject": "What we do with your feedback on the e-loket",
        "greeting": "Dear colleague,",
        "body": "You took part in the survey \u201c{wave}\u201d on the e-loket of the "
        "{department_en} ({department}) and asked to hear what we do with its results. "
        "Thank you for your answers. The results, the improvement points and the actions we "
        "are taking are now published at:",
        "privacy": "We used your e-mail address only for this message and are deleting it "
        "now. Your answers remain anonymous and were never linked to your address.",
        "closing": "Kind regards,\nTeam {team}, {department}",
        "separator": "(Nederlandse tekst hierboven)",
    },
}


def feedback_message(
    consent_id: int | str, email: str, language: str, wave_name: str, wave_id: int, base_url=None
) -> OutgoingMessage:
    """The e-mail to one consenting respondent: their language first (Dutch unless they
    answered in English), the other second, each with the link in that language."""
    order = ("en", "nl") if language == "en" else ("nl", "en")
    names = organisation().names()
    sections = []
    for lang in order:
        t = _TEXT[lang]
        sections.append(
            "\n".join(
                [
                    t["greeting"],
                    "",
                    t["body"].format(wave=wave_name, **names),
                    feedback_url(wave_id, lang, base_url),
                    "",
                    t["privacy"],
                    "",
                    t["closing"].format(**names),
                ]
            )
        )
    rule = "-" * 60
    text = f"{_TEXT[order[0]]['separator']}\n\n{sections[0]}\n\n{rule}\n\n{sections[1]}\n"
    subject = f"{_TEXT[order[0]]['subject']} / {_TEXT[order[1]]['subject']}"
    return OutgoingMessage(unit_id=str(consent_id), to=email, subject=subject, text=text)


# --- publishing -----------------------------------------------------------------------------


@dataclass
class Undelivered:
    email: str
    status: str  # failed (temporary) | bounced (refused) | not_tried (server out of reach)
    error: str | None


@dataclass
class PublishSummary:
    wave_id: int
    published_at: dt.datetime
    sent: int = 0
    undelivered: list[Undelivered] = field(default_factory=list)
    error: str | None = None  # the mail server could not be used at all

    @property
    def remaining(self) -> int:
        return len(self.undelivered)

    def lines(self) -> list[str]:
        out = [
            f"Gepubliceerd op {fmt.moment(self.published_at, 'nl')} / "
            f"published on {fmt.moment(self.published_at, 'en')}",
            f"E-mails verstuurd en adressen gewist / e-mails sent and addresses deleted: "
            f"{self.sent}",
        ]
        if self.error:
            out.append(f"Mailserver / mail server: {self.error}")
        if self.undelivered:
            out.append(
                f"Niet verstuurd, bewaard voor een nieuwe poging / not sent, kept for a retry: "
                f"{self.remaining}"
            )
            out += [f"  {u.email}: {u.status} {u.error or ''}".rstrip() for u in self.undelivered]
        return out


def publish(
    engine: Engine,
    wave_id: int,
    smtp_config: SmtpConfig | None,
    *,
    base_url: str | None = None,
    batch_size: int = 25,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> PublishSummary:
    """Publish the wave and e-mail the consenting respondents (module docstring).

    Raises FeedbackError, with nothing changed, when respondents wait for an e-mail and no mail
    server is configured, and ActionError when the wave is not closed.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    roles.require("publish")
    with transaction(engine) as conn:
        published_at = A.publish_wave(conn, wave_id, now=now)
        wave = get_wave(conn, wave_id)
        pending = A.pending_consents(conn, wave_id)
        if pending and smtp_config is None:
            raise FeedbackError(
                f"{len(pending)} respondent(en) wachten op een e-mail, maar er is geen "
                "mailserver ingesteld: zet KTM_SMTP_HOST en KTM_SMTP_SENDER; er werd niets "
                f"gepubliceerd / {len(pending)} respondent(s) wait for an e-mail but no mail "
                "server is configured; nothing was published"
            )
        audit.record(conn, "publish", wave_id, {"waiting_for_email": len(pending)})
    summary = PublishSummary(wave_id, published_at)
    by_id = {c["id"]: c for c in pending}
    messages = [
        feedback_message(c["id"], c["email"], c["language"], wave["name"], wave_id, base_url)
        for c in pending
    ]
    done = 0
    for start in range(0, len(messages), batch_size):
        batch = messages[start : start + batch_size]
        try:
            results = send_messages(smtp_config, batch)
        except MailerError as exc:
            summary.error = str(exc)
            rest = messages[start:]
            summary.undelivered += [Undelivered(m.to, "not_tried", None) for m in rest]
            break
        sent_ids = [int(r.unit_id) for r in results if r.status == SENT]
        # Delete right after each batch, so a crash later cannot send these twice.
        A.delete_consents(engine, sent_ids)
        summary.sent += len(sent_ids)
        summary.undelivered += [
            Undelivered(by_id[int(r.unit_id)]["email"], r.status, r.error)
            for r in results
            if r.status != SENT
        ]
        done += len(batch)
        if progress is not None:
            progress(done, len(messages))
    return summary


# --- what the public page shows ---------------------------------------------------------------


def _number(value) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _public_actions(actions: list[dict]) -> list[dict]:
    """Only what may be read by anyone: the public texts, the status and the due date."""
    out = []
    for a in actions:
        if not (a["public_text_nl"] or a["public_text_en"]):
            continue  # no public text: an internal action
        out.append(
            {
                "improvement_point": a["improvement_point"],
                "status": a["status"],
                "due_date": a["due_date"],
                "text_nl": a["public_text_nl"],
                "text_en": a["public_text_en"],
            }
        )
    return out


def next_measurement(engine: Engine, wave: dict) -> dict:
    """When the next measurement is planned: the wave's own words, else a later wave's
    fieldwork dates, else nothing ({"text": ..., "start": date|None, "end": date|None})."""
    if wave.get("next_wave_planned"):
        return {"text": wave["next_wave_planned"], "start": None, "end": None}
    with reading(engine) as conn:
        later = [
            w
            for w in list_waves(conn)
            if w["fieldwork_start"]
            and wave.get("fieldwork_start")
            and w["fieldwork_start"] > wave["fieldwork_start"]
        ]
    if later:
        return {
            "text": None,
            "start": later[0]["fieldwork_start"],
            "end": later[0]["fieldwork_end"],
        }
    return {"text": None, "start": None, "end": None}


def public_results(engine: Engine, wave_id: int) -> dict:
    """The figures of a wave for the public page (slow: the whole analysis; cache it):
    {"k", "headline": {suppressed, estimate, ci_low, ci_high, n} | None, "points": [...]}.

    The headline is the overall satisfaction (0-100) under disclosure control; the improvement
    points (ranked, analysis.drivers) come only when the headline may be shown, each with its
    score and interval only when its own n reaches k.
    """
    from analysis.wave import disclosed
    from ktm.services.results import analyse

    with reading(engine) as conn:
        wave = get_wave(conn, wave_id)
    k = int(wave["disclosure_k"] or 5)
    out: dict = {"k": k, "headline": None, "points": []}
    try:
        _data, analysis = analyse(engine, wave_id)
        table = analysis.headline_scores(("overall_0_100",))
    except LookupError:  # a wave without questionnaire or answers: nothing to show
        return out
    if table.empty:
        return out
    row = disclosed(table, k).iloc[0]
    hidden = bool(row["suppressed"])
    # How the headline was weighted, for the page to say so: the frame margins raked to
    # ([] = design weights with the nonresponse adjustment per stratum), None: unweighted.
    weighted = analysis.weighting is not None
    out["margins"] = list(analysis.applied_margins) if weighted else None
    out["strata"] = analysis.settings.strata if weighted else None
    out["headline"] = {
        "suppressed": hidden,
        "estimate": None if hidden else _number(row["estimate"]),
        "ci_low": None if hidden else _number(row["ci_low"]),
        "ci_high": None if hidden else _number(row["ci_high"]),
        "n": None if hidden else int(row["n"]),
    }
    ranked = None if hidden else analysis.improvement_points
    if ranked is not None:
        for p in ranked.points.itertuples():
            shown = int(p.n) >= k
            out["points"].append(
                {
                    "rank": int(p.rank),
                    "dimension": p.dimension,
                    "label_nl": p.label_nl,
                    "label_en": p.label_en,
                    "priority": p.quadrant == "priority",
                    "quadrant_nl": labels.label("quadrant", p.quadrant, "nl"),
                    "quadrant_en": labels.label("quadrant", p.quadrant, "en"),
                    "score": _number(p.performance) if shown else None,
                    "ci_low": _number(p.performance_ci_low) if shown else None,
                    "ci_high": _number(p.performance_ci_high) if shown else None,
                }
            )
    return out


def public_view(engine: Engine, wave_id: int, results: dict | None = None) -> dict | None:
    """What the public page shows of one *published* wave (None for an unpublished one):
    the wave, `public_results` (pass them when cached), each point's public actions, the
    actions on other points, and the next measurement."""
    with reading(engine) as conn:
        wave = get_wave(conn, wave_id)
    if wave["published_at"] is None:
        return None
    results = results if results is not None else public_results(engine, wave_id)
    public = _public_actions(A.list_actions(engine, wave_id))
    points = [
        {**p, "actions": [a for a in public if a["improvement_point"] == p["dimension"]]}
        for p in results["points"]
    ]
    seen = {p["dimension"] for p in points}
    return {
        "wave": {key: wave[key] for key in ("id", "name", "fieldwork_start", "fieldwork_end")}
        | {"published_at": A._same_moment(wave["published_at"])},
        "k": results["k"],
        "headline": results["headline"],
        "margins": results.get("margins", []),
        "strata": results.get("strata"),
        "points": points,
        "other_actions": [
            {
                **a,
                "label_nl": point_label(a["improvement_point"], "nl"),
                "label_en": point_label(a["improvement_point"], "en"),
            }
            for a in public
            if a["improvement_point"] not in seen
        ],
        "next": next_measurement(engine, wave),
    }


GENERAL_POINT = "algemeen"


def point_label(point: str, language: str, labels: dict | None = None) -> str:
    """A person's name for an improvement point (a dimension or item id)."""
    if labels and point in labels:
        return labels[point]
    if point == GENERAL_POINT:
        return "Algemeen" if language == "nl" else "General"
    return point.replace("_", " ").capitalize()
