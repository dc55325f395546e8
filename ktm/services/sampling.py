"""Sampling use cases: the pure `sampling` package, the store, files and the mail server.

The command line (`ktm frame|sample|invitations ...`) and the page "Steekproef" call these
functions and nothing else, so both behave the same.

Tokens and the mail-merge file. Only token hashes are stored, so a personal link exists only at
the moment it is issued. Issuing happens in exactly two places, each in one transaction with
the disposition change:

* `export_invitations` issues a new token to every invitation still `not_invited`, writes the
  file and marks those invitations `invited` (the team sends the file by mail merge). The file
  is written before the transaction commits and moved into place after it, so there is never a
  file without stored hashes, nor stored hashes without a file. With `reminder=True` it
  re-issues the links of everyone who may still answer (invited, opened, partial): for a
  reminder, or for a lost file.
* `send_invitations` does the same by e-mail, in batches: a batch's new hashes are committed
  before the batch is sent, and the hashes of messages that did not go out are put back.

Re-issuing replaces the token: the newest link is the valid one, an older link gets the
survey's friendly "unknown link" page. Answers belong to the invitation, not to the token, so
a partial response resumes with the new link.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from ktm import roles
from ktm.config import organisation, public_base_url, settings
from ktm.services import audit, messages
from report import format as fmt
from sampling import invitations as inv
from sampling.allocation import (
    METHODS,
    SizedAllocation,
    allocate,
    compare_designs,
    expected_precision,
    size_for_allocation,
)
from sampling.frame import FrameError, read_frame
from sampling.selection import select
from store import frames as store_frames
from store import samples as store_samples
from store.db import reading, transaction
from store.waves import StoreError, get_wave

Progress = Callable[[int, int], None]  # (done, total)
SAMPLE, POST_CONTACT = store_samples.SAMPLE_MODE, store_samples.POST_CONTACT_MODE

__all__ = [
    "DrawResult",
    "ExportResult",
    "FrameError",
    "ImportResult",
    "SamplingError",
    "SizedAllocation",
    "design_comparison",
    "draw_sample",
    "export_invitations",
    "import_frame",
    "invitations_overview",
    "population",
    "size_for_moe",
]


class SamplingError(ValueError):
    """A request that cannot be carried out as asked, with a message for people (nl / en)."""


# --------------------------------------------------------------------------- frame


@dataclass(frozen=True)
class ImportResult:
    snapshot_id: int
    n_units: int
    source_name: str
    sha256: str
    aux_columns: tuple[str, ...]
    new: bool  # False when the same file was already the wave's current frame
    discarded_sample: bool = False  # an unissued sample of the previous frame was removed


def import_frame(
    engine: Engine,
    wave_id: int,
    source: str | Path | bytes | Any,
    *,
    filename: str | None = None,
    sheet: str | None = None,
    frame_date: dt.date | None = None,
) -> ImportResult:
    """Read, validate and store a frame file as the wave's new snapshot.

    An invalid file raises `sampling.frame.FrameError` listing every problem with its row, and
    the store is left untouched. Importing the file that is already the wave's current frame
    changes nothing. A new frame discards a sample drawn from the previous one (nothing of it
    was issued); a wave whose invitations have gone out keeps its frame (SamplingError).
    """
    roles.require("sampling")
    frame = read_frame(source, filename=filename, sheet=sheet)
    with transaction(engine) as conn:
        get_wave(conn, wave_id)
        current = store_frames.latest_snapshot(conn, wave_id)
        if current is not None and current["source_sha256"] == frame.sha256:
            return ImportResult(
                current["id"],
                current["n_units"],
                current["source_name"],
                frame.sha256,
                tuple(current["aux_columns"]),
                new=False,
            )
        issued = store_samples.issued_count(conn, wave_id)
        if issued:
            raise SamplingError(
                f"Bevraging {wave_id} heeft al {issued} uitnodigingen verstuurd; haar kader ligt "
                f"vast / wave {wave_id} has issued invitations, its frame is fixed"
            )
        # A sample drawn from the previous frame no longer describes this one.
        discarded = store_samples.discard_sample(conn, wave_id)
        snapshot_id = store_frames.save_frame(
            conn,
            wave_id,
            frame.data,
            source_name=frame.source,
            source_sha256=frame.sha256,
            frame_date=frame_date,
        )
        # In the import's transaction: the row exists exactly when the frame does.
        audit.record(
            conn,
            "frame_import",
            wave_id,
            {
                "file": frame.source,
                "units": frame.n_units,
                "snapshot": snapshot_id,
                "discarded_sample": bool(discarded),
            },  # fmt: skip
        )
    return ImportResult(
        snapshot_id,
        frame.n_units,
        frame.source,
        frame.sha256,
        tuple(frame.auxiliary),
        new=True,
        discarded_sample=discarded,
    )


def _current_snapshot(conn, wave_id: int) -> dict:
    snapshot = store_frames.latest_snapshot(conn, wave_id)
    if snapshot is None:
        raise SamplingError(
            f"Bevraging {wave_id} heeft nog geen kader; lees er eerst een in "
            f"(ktm frame import FILE --wave {wave_id}) / wave {wave_id} has no frame yet"
        )
    return snapshot


def _strata(strata: str | Sequence[str]) -> str | list[str]:
    """The strata variable(s) without blanks; none at all is refused here, in words."""
    names = [strata] if isinstance(strata, str) else list(strata)
    names = [s.strip() for s in names if s and s.strip()]
    if not names:
        raise SamplingError(messages.both("strata_none"))
    return names[0] if len(names) == 1 else names


def _population_counts(conn, snapshot_id: int, strata: str | list[str]) -> dict[str, int]:
    try:
        return store_frames.population_counts(conn, snapshot_id, strata)
    except StoreError as exc:  # already worded nl / en
        raise SamplingError(str(exc)) from exc
    except ValueError as exc:  # the core's, e.g. units without a value for the variable
        raise SamplingError(messages.worded(exc)) from exc


def population(engine: Engine, wave_id: int, strata: str | Sequence[str]) -> dict[str, int]:
    """N_h per stratum of the wave's current frame."""
    strata = _strata(strata)
    with reading(engine) as conn:
        snapshot = _current_snapshot(conn, wave_id)
        return _population_counts(conn, snapshot["id"], strata)


# --------------------------------------------------------------------------- design and draw


def _n_for(
    pop: Mapping[str, int],
    method: str,
    n: int | None,
    moe: float | None,
    allocation_args: Mapping[str, Any],
) -> tuple[int, dict]:
    """The number of invitations: given, the whole frame (census), or from a margin of error
    after the design effect of the allocation (`sampling.size_for_allocation`)."""
    total = sum(pop.values())
    if method == "census":
        return total, {}
    if n is not None:
        if n < 1 or n > total:
            raise SamplingError(
                f"n = {fmt.integer(n)} moet tussen 1 en de populatie ({fmt.integer(total)}) "
                f"liggen / n must be 1..{fmt.integer(total, 'en')}"
            )
        return int(n), {}
    if moe is None:
        raise SamplingError(
            "Geef n (aantal uitnodigingen) of een foutenmarge / give n or a margin of error"
        )
    sized = _sized(pop, method, moe, allocation_args)
    return sized.size.invitations, {
        "target_moe": moe,
        "expected_completes": sized.size.completes,
        "invitations_without_deff": sized.without.invitations,
    }


def _sized(pop, method, moe, args) -> SizedAllocation:
    try:
        return size_for_allocation(pop, moe, method, **args)
    except ValueError as exc:
        raise SamplingError(messages.worded(exc)) from exc


def size_for_moe(
    engine: Engine,
    wave_id: int,
    strata: str | Sequence[str],
    method: str,
    moe: float,
    *,
    confidence: float = 0.95,
    response_rate: float = 1.0,
    deff: float = 1.0,
    minimum: int = 0,
    sd: Mapping[str, float] | None = None,
    power: float = 0.5,
) -> SizedAllocation:
    """Invitations for margin of error `moe` on the wave's frame after the design effect of
    the allocation (Kish, from the planned weights N_h/n_h): what the draw will use."""
    pop = population(engine, wave_id, strata)
    args = {"confidence": confidence, "deff": deff, "response_rate": response_rate,
            "sd": sd, "minimum": minimum, "power": power}  # fmt: skip
    return _sized(pop, method, moe, args)


def design_comparison(
    engine: Engine,
    wave_id: int,
    strata: str | Sequence[str],
    n: int,
    *,
    sd: Mapping[str, float] | None = None,
    minimum: int | None = None,
    response_rate: float = 1.0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """`sampling.compare_designs` on the wave's frame: expected margins of error per design."""
    pop = population(engine, wave_id, strata)
    designs = ("census", "proportional", "equal", "minimum")
    if sd:
        designs = ("census", "proportional", "neyman", "equal", "minimum")
    try:
        return compare_designs(
            pop,
            n,
            sd=sd,
            minimum=minimum,
            response_rate=response_rate,
            confidence=confidence,
            designs=designs,
        )
    except ValueError as exc:
        raise SamplingError(messages.worded(exc)) from exc


@dataclass(frozen=True)
class DrawResult:
    sample_id: int
    seed: int
    method: str
    n: int
    allocation: dict[str, int]
    population: dict[str, int]
    realised: dict[str, int]
    parameters: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Per stratum: N_h, n_h allocated, n_h drawn, inclusion probability, design weight."""
        rows = [
            {
                "stratum": h,
                "N_h": N,
                "n_h": self.allocation.get(h, 0),
                "getrokken": self.realised.get(h, 0),
                "inclusion_prob": self.allocation.get(h, 0) / N if N else 0.0,
                "design_weight": N / self.allocation[h] if self.allocation.get(h) else None,
            }
            for h, N in self.population.items()
        ]
        return pd.DataFrame(rows)


def draw_sample(
    engine: Engine,
    wave_id: int,
    strata: str | Sequence[str],
    method: str = "proportional",
    n: int | None = None,
    seed: int | None = None,
    minimum: int = 0,
    *,
    sd: Mapping[str, float] | None = None,
    power: float = 0.5,
    sort_by: str | None = None,
    moe: float | None = None,
    confidence: float = 0.95,
    response_rate: float = 1.0,
    deff: float = 1.0,
) -> DrawResult:
    """Allocate and draw the wave's sample from its current frame, and store it.

    `n` invitations, or (when `n` is None) as many as `sampling.sample_size` needs for margin of
    error `moe` overall at the expected `response_rate`; a census takes the whole frame. Without
    a seed one is drawn from `secrets` and stored, so every sample can be drawn again. The draw
    replaces an earlier sample of the wave only while none of its invitations has been issued.
    """
    if method not in METHODS:
        raise SamplingError(
            f"Onbekende methode {method!r}; kies uit {', '.join(METHODS)} / unknown method"
        )
    roles.require("sampling")
    strata = _strata(strata)
    if seed is None:
        seed = secrets.randbelow(2**31)
    with transaction(engine) as conn:
        get_wave(conn, wave_id)
        snapshot = _current_snapshot(conn, wave_id)
        frame = store_frames.load_frame(conn, snapshot["id"])
        pop = _population_counts(conn, snapshot["id"], strata)
        args = {"confidence": confidence, "deff": deff, "response_rate": response_rate,
                "sd": sd, "minimum": minimum, "power": power}  # fmt: skip
        total, extra = _n_for(pop, method, n, moe, args)
        try:
            allocation = allocate(
                pop,
                None if method == "census" else total,
                method,
                sd=sd,
                minimum=minimum,
                power=power,
            )
            selection = select(frame, strata, allocation, seed, sort_by=sort_by)
            # with n given, the confidence and response rate are first used here
            deff_allocation, expected_moe = expected_precision(
                pop, allocation, response_rate, confidence=confidence, deff=deff
            )
        except ValueError as exc:
            raise SamplingError(messages.worded(exc)) from exc
        parameters = {
            "minimum": minimum,
            "power": power if method == "power" else None,
            "sd": dict(sd) if sd else None,
            "sort_by": sort_by,
            "confidence": confidence,
            "response_rate": response_rate,
            # the design effect the size is planned with: assumed x the allocation's (Kish)
            "deff": deff * deff_allocation,
            "deff_assumed": deff,
            "deff_allocation": deff_allocation,
            "expected_moe": expected_moe,  # for a proportion of 50%, after that design effect
            **extra,
        }
        parameters = {k: v for k, v in parameters.items() if v is not None}
        try:
            sample_id = store_samples.save_sample(
                conn,
                wave_id,
                snapshot["id"],
                selection,
                strata_var=strata,
                method=method,
                seed=seed,
                allocation=allocation,
                population=pop,
                parameters=parameters,
            )
        except StoreError as exc:
            raise SamplingError(str(exc)) from exc
        audit.record(
            conn,
            "sample_draw",
            wave_id,
            {
                "sample": sample_id,
                "method": method,
                "seed": int(seed),
                "n": int(sum(allocation.values())),
                "strata": strata,
            },  # fmt: skip
        )
    realised = {str(k): int(v) for k, v in selection["stratum"].value_counts().items()}
    return DrawResult(
        sample_id=sample_id,
        seed=int(seed),
        method=method,
        n=int(sum(allocation.values())),
        allocation=dict(allocation),
        population=dict(pop),
        realised={h: realised.get(h, 0) for h in pop},
        parameters=parameters,
    )


# --------------------------------------------------------------------------- invitations


def invitations_overview(engine: Engine, wave_id: int) -> pd.DataFrame:
    """Counts per stratum (rows) and disposition (columns), with totals."""
    from store.privacy import disposition_table  # counts survive anonymisation

    with reading(engine) as conn:
        long = disposition_table(conn, wave_id)
    if long.empty:
        return pd.DataFrame()
    wide = long.pivot_table(
        index="stratum", columns="disposition", values="count", aggfunc="sum", fill_value=0
    )
    wide = wide.reindex(columns=[d for d in inv.DISPOSITIONS if d in wide.columns])
    wide.loc["Totaal"] = wide.sum()
    return wide.astype(int)


def _require_fieldwork(wave: dict) -> None:
    """Links are issued only for a wave in fieldwork: a draft's link would open on a refusal."""
    if wave["status"] == "draft":
        raise SamplingError(
            f"Bevraging {wave['id']} ('{wave['name']}') staat nog in ontwerp: open eerst het "
            f"veldwerk (ktm wave open {wave['id']}, of de knop op de pagina Bevragingen); pas "
            f"dan worden links uitgegeven / wave {wave['id']} is a draft: open its fieldwork "
            "first; links are issued only then"
        )


def _deadline(wave: dict, deadline: dt.date | str | None) -> dt.date:
    if isinstance(deadline, str):
        try:
            return dt.date.fromisoformat(deadline)
        except ValueError as exc:
            raise SamplingError(
                f"Deadline {deadline!r} is geen datum JJJJ-MM-DD / not a date YYYY-MM-DD"
            ) from exc
    if deadline is not None:
        return deadline
    if wave.get("fieldwork_end") is not None:
        return wave["fieldwork_end"]
    raise SamplingError(
        "Geef een deadline op (--deadline JJJJ-MM-DD) of vul het einde van het veldwerk in bij de "
        "bevraging / give a deadline or set the wave's fieldwork end"
    )


def _targets(conn, wave_id: int, reminder: bool, mode: str | None) -> pd.DataFrame:
    invites = store_samples.invitations_frame(conn, wave_id, mode=mode, contacts=True)
    if reminder:
        return inv.reminder_targets(invites)
    return invites[invites["disposition"] == "not_invited"]


def _merge_rows(targets: pd.DataFrame, tokens: Mapping[int, str], base_url, deadline):
    with_tokens = targets.assign(token=targets["id"].map(tokens))
    return inv.mail_merge_rows(with_tokens, base_url, deadline, dates=fmt.date)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    n: int
    reminder: bool


def export_invitations(
    engine: Engine,
    wave_id: int,
    out_path: str | Path,
    *,
    reminder: bool = False,
    deadline: dt.date | str | None = None,
    base_url: str | None = None,
    mode: str | None = SAMPLE,
) -> ExportResult:
    """Write the mail-merge file (.xlsx or .csv by suffix) and issue its links.

    Without `reminder`: every invitation still `not_invited` gets a token and becomes
    `invited`. With `reminder`: every invitation that may still answer gets a new token (see
    the module docstring). `mode`: the sample's invitations (default), `post_contact`, or None
    for both. Raises SamplingError when there is nobody to write.
    """
    roles.require("invitations")
    out = Path(out_path)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise SamplingError(
            f"{out.name}: kies een bestandsnaam op .xlsx of .csv / use a .xlsx or .csv file name"
        )
    if not out.parent.exists():
        raise SamplingError(f"Map {out.parent} bestaat niet / folder does not exist")
    base_url = base_url or public_base_url()
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}.tmp{out.suffix}")
    try:
        with transaction(engine) as conn:
            wave = get_wave(conn, wave_id)
            _require_fieldwork(wave)
            when = _deadline(wave, deadline)
            targets = _targets(conn, wave_id, reminder, mode)
            if targets.empty:
                raise SamplingError(_nobody(wave_id, reminder, mode))
            ids = targets["id"].tolist()
            tokens, _ = store_samples.rotate_tokens(conn, ids)
            store_samples.mark_invited(conn, ids, reminder=reminder)
            store_samples.forget_emails(conn, targets.loc[targets["mode"] == "post_contact", "id"])
            rows = _merge_rows(targets, tokens, base_url, when)
            inv.write_mail_merge(rows, tmp)
            audit.record(
                conn,
                "link_export",
                wave_id,
                {"links": len(ids), "reminder": reminder, "mode": mode, "file": out.name},
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(out, len(ids), reminder)


def _nobody(wave_id: int, reminder: bool, mode: str | None) -> str:
    if mode == POST_CONTACT:
        return (
            f"Bevraging {wave_id} heeft geen post-contactuitnodigingen om te versturen "
            "/ no post-contact invitations to send"
        )
    if reminder:
        return (
            f"Niemand in bevraging {wave_id} komt in aanmerking voor een herinnering "
            "/ nobody to remind"
        )
    return (
        f"Bevraging {wave_id} heeft geen uitnodigingen die nog niet verstuurd zijn; trek eerst "
        "een steekproef, of gebruik --reminder / no invitations left to issue"
    )


# --------------------------------------------------------------------------- e-mail


@dataclass(frozen=True)
class SendSummary:
    total: int
    sent: int
    bounced: int
    failed: int
    reminder: bool
    problems: pd.DataFrame  # invitation id, e-mail, status, SMTP code, error (bounced, failed)


def smtp_config_from_env(environ: Mapping[str, str] | None = None):
    """`sampling.mailer.SmtpConfig` from KTM_SMTP_*; KTM_SMTP_USER is accepted for _USERNAME."""
    from sampling.mailer import MailerError, SmtpConfig

    env = dict(settings(environ).smtp)
    if env.get("KTM_SMTP_USER") and not env.get("KTM_SMTP_USERNAME"):
        env["KTM_SMTP_USERNAME"] = env["KTM_SMTP_USER"]
    try:
        return SmtpConfig.from_env(env, sender_name=organisation().sender_name)
    except MailerError as exc:
        raise SamplingError(str(exc)) from exc


def send_invitations(
    engine: Engine,
    wave_id: int,
    smtp_config,
    reminder: bool = False,
    *,
    deadline: dt.date | str | None = None,
    base_url: str | None = None,
    mode: str | None = SAMPLE,
    progress: Progress | None = None,
    batch_size: int = 50,
) -> SendSummary:
    """Send the invitations still `not_invited` (or, with `reminder`, a reminder to everyone
    who may still answer: invited, opened, partial) by e-mail.

    Per batch: new tokens are committed, the batch is sent over one SMTP connection, then sent
    messages become `invited` (sent_at or reminded_at), refused addresses `bounced` and
    temporary failures keep their disposition with the error; the hashes of messages that did
    not go out are put back, so an earlier link keeps working. A server that cannot be reached
    raises SamplingError, with the number already sent; nothing of the batch is lost.
    """
    from sampling.mailer import BOUNCED, SENT, MailerError, messages_from_invites

    roles.require("invitations")
    base_url = base_url or public_base_url()
    names = organisation().names()
    with reading(engine) as conn:
        wave = get_wave(conn, wave_id)
        _require_fieldwork(wave)
        when = _deadline(wave, deadline)
        targets = _targets(conn, wave_id, reminder, mode)
    if targets.empty:
        raise SamplingError(_nobody(wave_id, reminder, mode))
    total = len(targets)
    counts = {"sent": 0, "bounced": 0, "failed": 0}
    problems: list[dict] = []
    done = 0
    for start in range(0, total, batch_size):
        batch = targets.iloc[start : start + batch_size]
        ids = batch["id"].tolist()
        with transaction(engine) as conn:
            tokens, previous = store_samples.rotate_tokens(conn, ids)
        invites = batch.assign(unit_id=batch["id"].map(str), token=batch["id"].map(tokens))
        messages = messages_from_invites(
            invites,
            base_url,
            when,
            results_url=f"{base_url}/feedback",
            reminder=reminder,
            names=names,
            dates=fmt.date,
        )

        def on_progress(i: int, _n: int, offset: int = done) -> None:
            if progress is not None:
                progress(offset + i, total)

        try:
            results = send_messages_for(smtp_config, messages, on_progress)
        except MailerError as exc:
            with transaction(engine) as conn:
                store_samples.restore_token_hashes(conn, previous)
            # What went out before the failure went out: it is recorded, with the error.
            audit.record(
                engine,
                "smtp_send",
                wave_id,
                {
                    **counts,
                    "total": total,
                    "reminder": reminder,
                    "mode": mode,
                    "error": type(exc).__name__,
                },  # fmt: skip
            )
            raise SamplingError(
                f"{exc}\nVerstuurd vóór de fout / sent before the error: {counts['sent']} van {total}"
            ) from exc
        sent_ids, bounced, failed = [], {}, {}
        for r in results:
            i = int(r.unit_id)
            if r.status == SENT:
                sent_ids.append(i)
            else:
                (bounced if r.status == BOUNCED else failed)[i] = r.error or f"SMTP {r.smtp_code}"
                problems.append(
                    {
                        "invitation": i,
                        "email": r.to,
                        "status": r.status,
                        "smtp_code": r.smtp_code,
                        "error": r.error,
                    }
                )
        post_contact = set(batch.loc[batch["mode"] == "post_contact", "id"])
        with transaction(engine) as conn:
            store_samples.mark_invited(conn, sent_ids, reminder=reminder)
            store_samples.mark_bounced(conn, bounced)
            store_samples.mark_send_failed(conn, failed)
            store_samples.restore_token_hashes(conn, {i: previous[i] for i in (*bounced, *failed)})
            store_samples.forget_emails(
                conn, [i for i in (*sent_ids, *bounced) if i in post_contact]
            )
        counts["sent"] += len(sent_ids)
        counts["bounced"] += len(bounced)
        counts["failed"] += len(failed)
        done += len(ids)
    audit.record(
        engine,
        "smtp_send",
        wave_id,
        {**counts, "total": total, "reminder": reminder, "mode": mode},
    )
    return SendSummary(
        total=total,
        reminder=reminder,
        problems=pd.DataFrame(
            problems, columns=["invitation", "email", "status", "smtp_code", "error"]
        ),
        **counts,
    )


def send_messages_for(config, messages, on_progress):
    """The mailer call (a seam: one place where messages leave the application)."""
    from sampling.mailer import send_messages

    return send_messages(config, messages, on_progress=on_progress)


# --------------------------------------------------------------------------- post-contact


@dataclass(frozen=True)
class PostContactResult:
    created: int  # invitations made now (still to be sent)
    schedule: (
        pd.DataFrame
    )  # per submission: unit_id, procedure, submitted_on, invite_on, action, reason
    sent: SendSummary | None = None

    def counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.schedule["reason"].value_counts().items()}

    def summary(self) -> list[str]:
        from sampling.postcontact import REASONS

        lines = [
            f"{len(self.schedule)} indieningen gelezen / submissions read; "
            f"{self.created} post-contactuitnodigingen aangemaakt / invitations created"
        ]
        for reason, n in self.counts().items():
            lines.append(f"  {n:>5}  {REASONS.get(reason, reason)}")
        if self.sent is not None:
            lines.append(
                f"Verstuurd / sent: {self.sent.sent}, onbestelbaar / bounced: "
                f"{self.sent.bounced}, mislukt / failed: {self.sent.failed}"
            )
        return lines


def post_contact(
    engine: Engine,
    file: str | Path | bytes | Any,
    wave_id: int,
    *,
    filename: str | None = None,
    days: int = 3,
    period_days: int = 182,
    max_lag_days: int = 30,
    today: dt.date | None = None,
    smtp_config=None,
    base_url: str | None = None,
    deadline: dt.date | str | None = None,
) -> PostContactResult:
    """Post-contact invitations from an e-loket export of submissions (unit id, procedure, date).

    Each submitter is invited `days` after the submission, at most once per `period_days` (the
    store's post-contact log holds, per hashed person id, the last invitation date), only when
    the person is in the wave's frame (the e-mail address comes from there). Submissions not yet
    due are left for a later run with the same or a newer export. The invitations are made in
    one transaction with the log; with `smtp_config` they are sent at once.
    An invalid export raises `sampling.postcontact.SubmissionsError` (every row) and changes
    nothing.
    """
    from sampling.postcontact import INVITE, post_contact_schedule, read_submissions

    roles.require("invitations")
    today = today or dt.date.today()
    submissions = read_submissions(file, filename=filename, today=today)
    with transaction(engine) as conn:
        wave = get_wave(conn, wave_id)
        if not wave["post_contact"]:
            raise SamplingError(
                f"Bevraging {wave_id} heeft geen bevraging na contact; zet ze aan bij de "
                "bevraging / this wave has no post-contact survey"
            )
        snapshot = _current_snapshot(conn, wave_id)
        frame = store_frames.load_frame(conn, snapshot["id"], with_ids=False)
        by_unit = frame.set_index("unit_id")
        units = submissions["unit_id"].unique().tolist()
        hashes = {u: store_samples.person_hash(u) for u in units}
        logged = store_samples.last_post_contact(conn, hashes.values())
        already = {u: logged[h] for u, h in hashes.items() if h in logged}
        schedule = post_contact_schedule(
            submissions,
            already,
            today,
            delay_days=days,
            period_days=period_days,
            max_lag_days=max_lag_days,
            known_units=set(by_unit.index),
        )
        due = schedule[schedule["action"] == INVITE]
        people = []
        for row in due.itertuples(index=False):
            unit = by_unit.loc[row.unit_id]
            people.append(
                {
                    "person_hash": hashes[row.unit_id],
                    "email": unit["email"],
                    "invite_on": row.invite_on,
                    "strata": {
                        **{c: unit[c] for c in store_samples.COPIED_VARIABLES},
                        "procedure": row.procedure,
                    },
                }
            )
        store_samples.add_post_contact_invitations(conn, wave_id, people, on=today)
    sent = None
    if smtp_config is not None and people:
        sent = send_invitations(
            engine, wave_id, smtp_config, base_url=base_url, deadline=deadline, mode=POST_CONTACT
        )
    return PostContactResult(created=len(people), schedule=schedule, sent=sent)
