"""The response store: personal links, partial responses saved page by page, completion.

Every public function writes in one transaction: given an Engine (or a Connection outside a
transaction) it begins and commits its own; given a Connection inside a transaction it works
in a savepoint. Either way a refusal or an error leaves the store exactly as it was. On
SQLite, opening a link, saving a page and completing first read and check in a read-only
transaction and then write in a short one whose WHERE clause re-checks what was read
(store.db.read_then_write), so the database's one write lock is not held while a page is
validated; pure reads never take it.

Guarantees (issue 3 item 4, issue 11 items 1-4):
- A token is looked up by its hash only, compared in constant time, bound to its wave and
  single-use (a completed response cannot be reopened). Garbage is refused before any query.
  Failed look-ups are counted per client key (a keyed hash); after `MAX_FAILURES` within
  `WINDOW` that client's unknown tokens are answered THROTTLED, but a valid token always
  opens (many respondents share one address behind a hospital NAT). Counts older than the
  window are deleted.
- Pages are saved with optimistic locking on `responses.revision`: a stale tab gets
  :class:`StaleRevision`, never a silent overwrite.
- :func:`complete` is idempotent: a double click or a replayed request leaves exactly one
  complete response, and the invitation's disposition becomes `complete` once.
- Every page is validated server-side against the questionnaire version the response answers
  (the checks and the page flow are survey.flow's); answers out of range or over-long are
  refused (:class:`InvalidAnswers`) and nothing is stored.
- Responses never hold identity: no token, e-mail or name; the open-link resume key is stored
  as a SHA-256 hash.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from sampling import invitations as invitations_core
from store.db import read_then_write, reading, utcnow, writing
from store.schema import (
    consents,
    frame_units,
    invitations,
    questionnaire_versions,
    responses,
    sample_units,
    samples,
    token_attempts,
    waves,
)
from store.waves import StoreError, resolve_wave
from survey.flow import check_all, check_full, check_page, sections_asked
from survey.schema import Questionnaire

# --- rate limiting of token guesses ----------------------------------------------------------

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)

# Profile answers of the open link, copied into strata under the frame's names.
PROFILE_STRATA = {
    "beroep": "profession",
    "opleidingsjaar": "training_year",
    "universiteit": "university",
}


def hash_token(token: str) -> str:
    """The stored form of a token: sampling's definition, so links and store agree."""
    return invitations_core.hash_token(token)


def hash_session_key(key: str) -> str:
    return hashlib.sha256(("ktm-open-link:" + key).encode("utf-8")).hexdigest()


def new_session_key() -> str:
    """A random resume key for an open-link respondent (kept in the browser session only)."""
    return secrets.token_urlsafe(32)


# --- results and errors --------------------------------------------------------------------


class Refusal(StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    NOT_OPEN = "not_open"  # the wave is a draft or closed
    OPTED_OUT = "opted_out"
    THROTTLED = "throttled"
    NO_OPEN_LINK = "no_open_link"  # the wave has no open (post-contact) link


@dataclass(frozen=True)
class Refused:
    """A link that does not open the survey, and why (the page words it for people)."""

    reason: Refusal
    retry_after: timedelta | None = None
    wave_id: int | None = None
    #: The language to word the refusal in: the respondent's last, else the invitation's.
    language: str | None = None

    ok = False


@dataclass(frozen=True)
class OpenedInvitation:
    invitation: dict
    wave: dict
    questionnaire_hash: str

    ok = True

    @property
    def invitation_id(self) -> int:
        return int(self.invitation["id"])


class ResponseError(ValueError):
    """A refused write; `.nl` and `.en` are the messages for people."""

    def __init__(self, nl: str, en: str):
        self.nl, self.en = nl, en
        super().__init__(f"{nl} / {en}")

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


class StaleRevision(ResponseError):
    def __init__(self):
        super().__init__(
            "Deze antwoorden werden intussen in een ander venster of tabblad bewaard. "
            "Herlaad de pagina om verder te gaan met de laatst bewaarde antwoorden.",
            "These answers were saved meanwhile in another window or tab. "
            "Reload the page to continue from the last saved answers.",
        )


class AlreadyCompleted(ResponseError):
    def __init__(self):
        super().__init__(
            "U hebt deze bevraging al ingevuld en verzonden. Hartelijk dank!",
            "You have already completed and sent this survey. Thank you!",
        )


class ResponseNotFound(ResponseError):
    def __init__(self, response_id: Any):
        super().__init__(
            f"Antwoord {response_id} bestaat niet.", f"Response {response_id} does not exist."
        )


class WaveNotOpen(ResponseError):
    def __init__(self):
        super().__init__(
            "Deze bevraging is afgesloten; er kunnen geen antwoorden meer bewaard worden.",
            "This survey is closed; answers can no longer be saved.",
        )


class InvalidAnswers(ResponseError):
    """Answers refused by validation; `.errors` maps an answer key to (nl, en) messages."""

    def __init__(self, errors: Mapping[str, tuple[str, str]]):
        self.errors = dict(errors)
        n = len(self.errors)
        super().__init__(
            f"{n} antwoord{'en' if n != 1 else ''} kon{'den' if n != 1 else ''} niet bewaard "
            "worden; zie de melding bij de vraag.",
            f"{n} answer{'s' if n != 1 else ''} could not be saved; see the message at the question.",
        )


# --- transactions ----------------------------------------------------------------------------


def _aware(value: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; the store writes UTC only.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- personal links --------------------------------------------------------------------------


def _throttled(conn: Connection, client_key: str, now: datetime) -> timedelta | None:
    row = conn.execute(
        select(token_attempts).where(token_attempts.c.client_key == client_key)
    ).first()
    if row is None:
        return None
    start = _aware(row.window_start)
    if row.failures >= MAX_FAILURES and now - start < WINDOW:
        return start + WINDOW - now
    return None


def purge_token_attempts(conn: Engine | Connection, *, now: datetime | None = None) -> int:
    """Delete the failure counts whose window has passed; how many rows went."""
    now = now or utcnow()
    with writing(conn) as c:
        return c.execute(
            delete(token_attempts).where(token_attempts.c.window_start <= now - WINDOW)
        ).rowcount


def _count_failure(conn: Connection, client_key: str, now: datetime) -> None:
    # Counts older than the window are of no use: they go first, so the table holds only the
    # last 15 minutes (and this client's count starts anew once its window has passed).
    conn.execute(delete(token_attempts).where(token_attempts.c.window_start <= now - WINDOW))
    row = conn.execute(
        select(token_attempts).where(token_attempts.c.client_key == client_key)
    ).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(token_attempts).values(
                        client_key=client_key, failures=1, window_start=now
                    )
                )
            return
        except IntegrityError:  # a concurrent request counted first
            pass
    conn.execute(
        update(token_attempts)
        .where(token_attempts.c.client_key == client_key)
        .values(failures=token_attempts.c.failures + 1)
    )


def _client(client_key: str) -> str:
    # The table holds at most 64 characters; hash anything else so no raw address is stored.
    if re.fullmatch(r"[0-9a-f]{64}", client_key or ""):
        return client_key
    return hashlib.sha256((client_key or "").encode("utf-8")).hexdigest()


def _find(conn: Connection, token: Any, client_key: str, now: datetime):
    """(invitation row | None, refusal | None), without writing anything.

    A valid link always opens, whatever others behind the same address tried: the throttle
    only answers the guesses (an unknown token from a client over the limit is refused as
    THROTTLED, and the page makes that client wait). A link broken by an e-mail client is
    repaired first (invitations.repair_token)."""
    token = invitations_core.repair_token(token)
    row = None
    if invitations_core.token_shape_ok(token):
        digest = hash_token(token)
        row = (
            conn.execute(select(invitations).where(invitations.c.token_hash == digest))
            .mappings()
            .first()
        )
        if row is not None and invitations_core.tokens_equal(str(row["token_hash"]), digest):
            return dict(row), None
    wait = _throttled(conn, _client(client_key), now)
    if wait is not None:
        return None, Refused(Refusal.THROTTLED, retry_after=wait)
    return None, Refused(Refusal.UNKNOWN)


def _lookup(conn: Connection, token: Any, client_key: str, now: datetime):
    """As _find, and an unknown token counts as a failure of the client."""
    inv, refused = _find(conn, token, client_key, now)
    if refused is not None and refused.reason in _FAILURES:
        _count_failure(conn, _client(client_key), now)
    return inv, refused


_FAILURES = (Refusal.UNKNOWN, Refusal.THROTTLED)


def _wave(conn: Connection, wave_id: int) -> dict | None:
    row = conn.execute(select(waves).where(waves.c.id == wave_id)).mappings().first()
    return dict(row) if row is not None else None


def _response_for_invitation(conn: Connection, invitation_id: int) -> dict | None:
    row = (
        conn.execute(select(responses).where(responses.c.invitation_id == invitation_id))
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def open_invitation(
    conn: Engine | Connection, token: Any, client_key: str, *, now: datetime | None = None
) -> OpenedInvitation | Refused:
    """The invitation behind a personal link, or why it does not open the survey.

    A good link is only read (no write lock); an unknown one is counted against the client
    afterwards, in a write of its own. Guesses sent at the same moment are each counted, but
    are all looked up before the first of them is: the throttle holds from then on.
    """
    now = now or utcnow()
    with read_then_write(conn) as (read, write):
        with read() as c:
            inv, refused = _find(c, token, client_key, now)
            if refused is None:
                return _opened(c, inv, now)
        if refused.reason in _FAILURES:
            with write() as c:
                _count_failure(c, _client(client_key), now)
        return refused


_WAVE_AND_RESPONSE_STATUS = (
    select(
        waves,
        responses.c.status.label("response_status"),
        responses.c.language.label("response_language"),
        responses.c.revision.label("response_revision"),
    )
    .select_from(
        waves.outerjoin(responses, responses.c.invitation_id == bindparam("invitation_id"))
    )
    .where(waves.c.id == bindparam("wave_id"))
)


def _opened(c: Connection, inv: dict, now: datetime) -> OpenedInvitation | Refused:
    found = (
        c.execute(
            _WAVE_AND_RESPONSE_STATUS, {"invitation_id": inv["id"], "wave_id": inv["wave_id"]}
        )
        .mappings()
        .first()
    )
    wave = dict(found) if found is not None else None
    response_status = wave.pop("response_status") if wave is not None else None
    said = wave.pop("response_language", None) if wave is not None else None
    if wave is not None and not wave.pop("response_revision", None):
        said = None  # never saved: its language is the default, not a choice
    language = said or (inv.get("strata") or {}).get("language")
    if inv["disposition"] == "complete" or response_status == "complete":
        return Refused(Refusal.USED, wave_id=inv["wave_id"], language=language)
    if inv["disposition"] == "opted_out":
        return Refused(Refusal.OPTED_OUT, wave_id=inv["wave_id"], language=language)
    if wave is None or wave["status"] != "open":
        return Refused(Refusal.NOT_OPEN, wave_id=inv["wave_id"], language=language)
    expires = _aware(inv["expires_at"])
    if expires is not None and expires <= now:
        return Refused(Refusal.EXPIRED, wave_id=inv["wave_id"], language=language)
    if not wave.get("questionnaire_hash"):
        return Refused(Refusal.NOT_OPEN, wave_id=inv["wave_id"], language=language)
    return OpenedInvitation(inv, wave, wave["questionnaire_hash"])


def open_wave_link(conn: Engine | Connection, wave_ref: Any) -> dict | Refused:
    """The wave behind an open link `?wave=<id>` (or `?wave=open` while exactly one wave is in
    fieldwork), or why it does not open the survey."""
    text = str(wave_ref or "").strip()
    if text.lower() == "open":
        with reading(conn) as c:
            try:
                text = str(resolve_wave(c, "open")["id"])
            except StoreError:
                return Refused(Refusal.NOT_OPEN)
    if not text.isdigit() or len(text) > 9:
        return Refused(Refusal.UNKNOWN)
    with reading(conn) as c:
        wave = _wave(c, int(text))
        if wave is None:
            return Refused(Refusal.UNKNOWN)
        if wave["status"] != "open" or not wave.get("questionnaire_hash"):
            return Refused(Refusal.NOT_OPEN, wave_id=wave["id"])
        if not wave.get("post_contact"):
            return Refused(Refusal.NO_OPEN_LINK, wave_id=wave["id"])
        return wave


def record_opt_out(
    conn: Engine | Connection, token: Any, client_key: str, *, now: datetime | None = None
) -> Refused | None:
    """`?t=<token>&optout=1`: no more reminders. None when recorded (or already recorded)."""
    now = now or utcnow()
    with writing(conn) as c:
        inv, refused = _lookup(c, token, client_key, now)
        if refused is not None:
            return refused
        if inv["disposition"] == "complete":
            return Refused(Refusal.USED, wave_id=inv["wave_id"])
        if inv["disposition"] != "opted_out":
            c.execute(
                update(invitations)
                .where(invitations.c.id == inv["id"])
                .values(disposition="opted_out")
            )
        return None


# --- responses -------------------------------------------------------------------------------


def questionnaire_mode(response: Mapping) -> str:
    """The questionnaire's mode for a response: which sections are asked (ask_only_in).

    Invited respondents' profile comes from the frame; a post-contact invitation without
    frame data answers the profile questions like the open link.
    """
    mode = response["mode"]
    if mode == "paper":
        return "paper"
    if mode == "invited" or (
        mode == "post_contact" and (response.get("strata") or {}).get("profession")
    ):
        return "invited"
    return "open"


_SELECT_RESPONSE = select(responses).where(responses.c.id == bindparam("response_id"))


def _response_row(c: Connection, response_id: int) -> dict | None:
    row = c.execute(_SELECT_RESPONSE, {"response_id": response_id}).mappings().first()
    return dict(row) if row is not None else None


def load_response(conn: Engine | Connection, response_id: int) -> dict:
    with reading(conn) as c:
        row = _response_row(c, response_id)
        if row is None:
            raise ResponseNotFound(response_id)
        return row


def _insert_response(c: Connection, values: dict, unique_lookup) -> dict:
    """Insert, or return the row a concurrent request inserted first (unique key)."""
    try:
        with c.begin_nested():
            row = c.execute(insert(responses).values(**values).returning(responses))
            return dict(row.mappings().one())
    except IntegrityError:
        row = c.execute(select(responses).where(unique_lookup)).mappings().first()
        if row is None:
            raise
        return dict(row)


def start_or_resume(
    conn: Engine | Connection,
    *,
    invitation: OpenedInvitation | int | None = None,
    wave_id: int | None = None,
    session_key: str | None = None,
    language: str = "nl",
    now: datetime | None = None,
) -> dict:
    """The respondent's response row, created (partial, empty) on first open.

    Invited (or post-contact) mode: pass the invitation; its strata and design weight are
    copied, its disposition becomes `opened`. Open link: pass `wave_id` and the raw
    `session_key` from the browser session; only its hash is stored.
    """
    now = now or utcnow()
    with writing(conn) as c:
        if invitation is not None:
            if isinstance(invitation, OpenedInvitation):  # just read: not read again
                inv, wave = invitation.invitation, invitation.wave
                inv_id = invitation.invitation_id
            else:
                inv_id = int(invitation)
                inv = (
                    c.execute(select(invitations).where(invitations.c.id == inv_id))
                    .mappings()
                    .first()
                )
                if inv is None:
                    raise ResponseError("Onbekende uitnodiging.", "Unknown invitation.")
                wave = _wave(c, inv["wave_id"])
            existing = _response_for_invitation(c, inv_id)
            if existing is not None:
                return existing
            if wave is None or not wave.get("questionnaire_hash"):
                raise ResponseError("Deze bevraging is niet open.", "This survey is not open.")
            strata = dict(inv["strata"] or {})
            mode = inv["mode"] if inv["mode"] in ("invited", "post_contact") else "invited"
            row = _insert_response(
                c,
                {
                    "wave_id": inv["wave_id"],
                    "invitation_id": inv_id,
                    "mode": mode,
                    "status": "partial",
                    "questionnaire_hash": wave["questionnaire_hash"],
                    "language": language,
                    "stratum": inv["stratum"],
                    "strata": strata,
                    "design_weight": inv["design_weight"],
                    "answers": {},
                    "progress": {"page": 0, "done": []},
                    "revision": 0,
                    "started_at": now,
                    "updated_at": now,
                },
                responses.c.invitation_id == inv_id,
            )
            # In SQL, not from `inv`: the disposition may have changed since it was read.
            c.execute(
                update(invitations)
                .where(
                    and_(
                        invitations.c.id == inv_id,
                        invitations.c.disposition.in_(("not_invited", "invited", "bounced")),
                    )
                )
                .values(disposition="opened", opened_at=func.coalesce(invitations.c.opened_at, now))
            )
            return row
        if wave_id is None or not session_key:
            raise ResponseError(
                "Geen uitnodiging en geen bevraging opgegeven.", "No invitation and no wave given."
            )
        key_hash = hash_session_key(session_key)
        row = (
            c.execute(select(responses).where(responses.c.session_key == key_hash))
            .mappings()
            .first()
        )
        if row is not None:
            if row["wave_id"] != wave_id:
                raise ResponseError("Onbekende bevraging.", "Unknown survey.")
            return dict(row)
        wave = _wave(c, wave_id)
        if wave is None or wave["status"] != "open" or not wave.get("questionnaire_hash"):
            raise ResponseError("Deze bevraging is niet open.", "This survey is not open.")
        return _insert_response(
            c,
            {
                "wave_id": wave_id,
                "invitation_id": None,
                "mode": "open",
                "status": "partial",
                "questionnaire_hash": wave["questionnaire_hash"],
                "language": language,
                "stratum": None,
                "strata": {"language": language},
                "design_weight": None,
                "answers": {},
                "progress": {"page": 0, "done": []},
                "revision": 0,
                "started_at": now,
                "updated_at": now,
                "session_key": key_hash,
            },
            responses.c.session_key == key_hash,
        )


# --- validation against the questionnaire version ----------------------------------------------

_questionnaires: dict[str, Any] = {}


def questionnaire_for(conn: Engine | Connection, qhash: str):
    """The validated Questionnaire a response answers (cached by hash: a version never changes,
    so a cached one needs no connection: the survey page asks on every rerun)."""
    q = _questionnaires.get(qhash)
    if q is None:
        with reading(conn) as c:
            definition = c.execute(
                select(questionnaire_versions.c.definition).where(
                    questionnaire_versions.c.hash == qhash
                )
            ).scalar_one_or_none()
        if definition is None:
            raise ResponseError(
                f"Onbekende vragenlijstversie {qhash[:12]}.",
                f"Unknown questionnaire version {qhash[:12]}.",
            )
        q = _questionnaires[qhash] = Questionnaire.from_dict(
            definition, source=f"versie {qhash[:12]}"
        )
    return q


def _stratum(c: Connection, wave_id: int, strata: Mapping) -> str | None:
    """The stratum of a self-reported profile: the value of the wave's stratification variable
    (profession by default), so open-link and paper answers can be compared by stratum."""
    var = c.execute(
        select(samples.c.strata_var).where(samples.c.wave_id == wave_id).order_by(samples.c.id)
    ).scalar()
    value = strata.get(var or "profession")
    return None if value in (None, "") else str(value)


def _profile_strata(q, answers: Mapping) -> dict:
    out = {}
    for item in q.items():
        if item.role == "profile" and item.id in answers and answers[item.id] not in (None, ""):
            name = PROFILE_STRATA.get(item.id, item.id)
            value = answers[item.id]
            if name == "training_year" and str(value).isdigit():
                value = int(value)
            out[name] = value
    return out


_SELECT_RESPONSE_AND_WAVE = (
    select(responses, waves.c.status.label("wave_status"))
    .join(waves, waves.c.id == responses.c.wave_id)
    .where(responses.c.id == bindparam("response_id"))
)
# The conditions under which a web answer may be written: the revision the respondent saw, a
# partial response, and a wave in fieldwork (paper answers are keyed in apart).
_WRITABLE = and_(
    responses.c.id == bindparam("response_id"),
    responses.c.revision == bindparam("seen_revision"),
    responses.c.status == "partial",
    exists().where(and_(waves.c.id == responses.c.wave_id, waves.c.status == "open")),
)


def _response_and_wave_status(c: Connection, response_id: int) -> tuple[dict, str]:
    row = c.execute(_SELECT_RESPONSE_AND_WAVE, {"response_id": response_id}).mappings().first()
    if row is None:
        raise ResponseNotFound(response_id)
    row = dict(row)
    return row, row.pop("wave_status")


def _require_open(wave_status: str) -> None:
    # Web answers only while the wave is in fieldwork; paper answers are keyed in apart.
    if wave_status != "open":
        raise WaveNotOpen()


def _update_partial(c: Connection, response_id: int, revision: int, values: dict) -> dict | None:
    """Write `values` if the response is still as it was read (see _WRITABLE); the new row,
    or None when it is not."""
    row = (
        c.execute(
            update(responses).where(_WRITABLE).values(**values).returning(responses),
            {"response_id": response_id, "seen_revision": revision},
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def _why_not_saved(c: Connection, response_id: int, revision: int) -> ResponseError:
    """Why a write under _WRITABLE found no row, read inside the writing transaction."""
    row = _response_row(c, response_id)
    if row is None:
        return ResponseNotFound(response_id)
    if row["status"] == "complete":
        return AlreadyCompleted()
    if row["revision"] != revision:
        return StaleRevision()
    return WaveNotOpen()


def save_page(
    conn: Engine | Connection,
    response_id: int,
    revision: int,
    page_answers: Mapping[str, Any],
    progress: Mapping[str, Any],
    *,
    section_id: str,
    language: str | None = None,
    now: datetime | None = None,
) -> dict:
    """Validate and store one page of answers; returns the updated row (revision + 1).

    Raises InvalidAnswers (nothing stored), StaleRevision, AlreadyCompleted, WaveNotOpen,
    ResponseNotFound.
    """
    now = now or utcnow()
    # On SQLite the page is read and validated without the write lock (see read_then_write).
    with read_then_write(conn) as (read, write):
        with read() as c:
            row, wave_status = _response_and_wave_status(c, response_id)
            if row["status"] == "complete":
                raise AlreadyCompleted()
            if row["revision"] != revision:
                raise StaleRevision()
            _require_open(wave_status)
            q = questionnaire_for(c, row["questionnaire_hash"])
            mode = questionnaire_mode(row)
            checked = check_page(q, section_id, row["answers"] or {}, page_answers, mode)
            if checked.errors:
                raise InvalidAnswers(checked.errors)
            values: dict[str, Any] = {
                "answers": checked.answers,
                "progress": dict(progress),
                "revision": revision + 1,
                "updated_at": now,
            }
            if language:
                values["language"] = language
            if mode == "open":  # the profile is asked: strata follow the answers
                strata = {
                    k: v
                    for k, v in (row["strata"] or {}).items()
                    if k not in PROFILE_STRATA.values()
                }
                strata.update(_profile_strata(q, checked.answers))
                if language:
                    strata["language"] = language
                values["strata"] = strata
                values["stratum"] = _stratum(c, row["wave_id"], strata)
        with write() as c:
            saved = _update_partial(c, response_id, revision, values)
            if saved is None:  # another write got in between the read and this one
                raise _why_not_saved(c, response_id, revision)
            if row["invitation_id"] is not None:
                c.execute(
                    update(invitations)
                    .where(
                        and_(
                            invitations.c.id == row["invitation_id"],
                            invitations.c.disposition.in_(
                                ("not_invited", "invited", "bounced", "opened")
                            ),
                        )
                    )
                    .values(disposition="partial")
                )
            return saved


def complete(
    conn: Engine | Connection, response_id: int, revision: int, *, now: datetime | None = None
) -> dict:
    """Mark a response complete; a second call (double click, replay) changes nothing.

    Every section asked is validated again on the stored answers (required items answered).
    Raises InvalidAnswers, StaleRevision, WaveNotOpen, ResponseNotFound.
    """
    now = now or utcnow()
    with read_then_write(conn) as (read, write):
        with read() as c:
            row, wave_status = _response_and_wave_status(c, response_id)
            if row["status"] == "complete":
                return row
            if row["revision"] != revision:
                raise StaleRevision()
            _require_open(wave_status)
            q = questionnaire_for(c, row["questionnaire_hash"])
            errors = check_all(q, row["answers"] or {}, questionnaire_mode(row))
            if errors:
                raise InvalidAnswers(errors)
        with write() as c:
            done = _update_partial(
                c,
                response_id,
                revision,
                {
                    "status": "complete",
                    "completed_at": now,
                    "updated_at": now,
                    "revision": revision + 1,
                },
            )
            if done is None:
                current = _response_row(c, response_id)
                if current is not None and current["status"] == "complete":
                    return current  # a concurrent double click completed it first
                raise _why_not_saved(c, response_id, revision)
            if row["invitation_id"] is not None:
                c.execute(
                    update(invitations)
                    .where(invitations.c.id == row["invitation_id"])
                    .values(disposition="complete", completed_at=now)
                )
            return done


# --- paper questionnaires ----------------------------------------------------------------------


def save_paper_response(
    conn: Engine | Connection,
    wave_id: int,
    answers: Mapping[str, Any],
    *,
    language: str = "nl",
    now: datetime | None = None,
) -> dict:
    """One paper questionnaire keyed in by the team: a complete response with mode `paper`.

    The profile is entered by the team (profile items); everything is validated as on the web.
    """
    now = now or utcnow()
    with writing(conn) as c:
        wave = _wave(c, wave_id)
        if wave is None:
            raise ResponseError(
                f"Bevraging {wave_id} bestaat niet.", f"Wave {wave_id} does not exist."
            )
        if not wave.get("questionnaire_hash"):
            raise ResponseError(
                "Deze bevraging heeft nog geen vragenlijst.", "This wave has no questionnaire yet."
            )
        q = questionnaire_for(c, wave["questionnaire_hash"])
        cleaned, errors = check_full(q, answers, "paper")
        if errors:
            raise InvalidAnswers(errors)
        strata = {"language": language, **_profile_strata(q, cleaned)}
        stratum = _stratum(c, wave_id, strata)
        return _insert_response(
            c,
            {
                "wave_id": wave_id,
                "invitation_id": None,
                "mode": "paper",
                "status": "complete",
                "questionnaire_hash": wave["questionnaire_hash"],
                "language": language,
                "stratum": stratum,
                "strata": strata,
                "design_weight": None,
                "answers": cleaned,
                "progress": {"page": None, "done": [s.id for s in sections_asked(q, "paper")]},
                "revision": 1,
                "started_at": now,
                "updated_at": now,
                "completed_at": now,
            },
            responses.c.id == -1,
        )


# --- consent to hear about the results ---------------------------------------------------------


def record_consent(
    conn: Engine | Connection, response_id: int, *, now: datetime | None = None
) -> bool:
    """The thank-you step's hook: keep (wave, e-mail, language) apart from the answers.

    Only for responses through an invitation whose respondent said yes to the consent item;
    the e-mail comes from the frame (via the sample unit) or the post-contact invitation.
    Idempotent. True when a consent is (already) stored.
    """
    now = now or utcnow()
    with writing(conn) as c:
        row = _response_row(c, response_id)
        if row is None or row["status"] != "complete" or row["invitation_id"] is None:
            return False
        q = questionnaire_for(c, row["questionnaire_hash"])
        answers = row["answers"] or {}
        if not any(it.role == "consent" and answers.get(it.id) == "ja" for it in q.items()):
            return False
        found = c.execute(
            select(invitations.c.email, frame_units.c.email.label("frame_email"))
            .select_from(
                invitations.outerjoin(
                    sample_units, sample_units.c.id == invitations.c.sample_unit_id
                ).outerjoin(frame_units, frame_units.c.id == sample_units.c.frame_unit_id)
            )
            .where(invitations.c.id == row["invitation_id"])
        ).first()
        email = found and (found.frame_email or found.email)
        if not email:
            return False
        exists = c.execute(
            select(consents.c.id).where(
                and_(consents.c.wave_id == row["wave_id"], consents.c.email == email)
            )
        ).first()
        if exists is None:
            # Not linkable to the response (issue 19.8): the day only, not the moment of
            # completion, and a random id, not one that follows the order of completion.
            day = datetime(now.year, now.month, now.day, tzinfo=UTC)
            for _attempt in range(5):
                try:
                    with c.begin_nested():
                        c.execute(
                            insert(consents).values(
                                id=secrets.randbelow(2**31 - 1) + 1,
                                wave_id=row["wave_id"],
                                email=email,
                                language=row["language"] or "nl",
                                created_at=day,
                            )
                        )
                    break
                except IntegrityError:  # the random id was taken: draw again
                    continue
        return True
