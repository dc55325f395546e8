"""Privacy (GDPR): anonymising a closed wave, and the retention period that triggers it.

What anonymising a wave does, in one transaction (all or nothing), irreversibly:
- the invitations are summarised as counts per mode, stratum and disposition in
  `disposition_counts` (what the response rates need), then deleted, with their token hashes,
  post-contact e-mail addresses and timestamps;
- every response loses its link to an invitation (`invitation_id`) and its open-link resume key;
  the answers and the strata copied from the frame stay (they never held identity);
- the wave's frame units lose their e-mail address and name (also first/last name in the
  auxiliary variables), and their unit id (an e-loket reference) is replaced by a meaningless
  label, so the sample units that point at them no longer say who was sampled;
- the e-mail addresses of respondents who asked to hear about the results (`consents`) are
  deleted: send that message before anonymising;
- `waves.anonymised_at` is set; a second call changes nothing.

Retention: a closed wave is due for anonymisation at `waves.retention_until` when set, else
`fieldwork_end` + `days` days, which the caller passes (the tool: $KTM_RETENTION_DAYS from
ktm.config, default 365). `ktm retention` lists the waves past it and `ktm retention --apply`
anonymises them.

After anonymisation, :func:`sample_frame` rebuilds the invited sample (one row per invited unit:
stratum, design weight, disposition, response_id for respondents) from the counts and the
responses, so response rates and nonresponse weighting within strata give the same figures
as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, select, update

from store.db import utcnow
from store.schema import (
    consents,
    disposition_counts,
    frame_snapshots,
    frame_units,
    invitations,
    responses,
    sample_units,
    samples,
    waves,
)

DEFAULT_RETENTION_DAYS = 365
NO_STRATUM = ""  # disposition_counts.stratum for invitations without one (post-contact)
# Frame columns that name a person; dropped from the auxiliary variables on anonymisation.
IDENTIFYING_AUX = frozenset({"email", "name", "first_name", "last_name", "unit_id"})
STRATA_COLUMNS = ("profession", "training_year", "university", "language")


class PrivacyError(ValueError):
    """A refused privacy operation (unknown wave, wave not closed, bad setting)."""


@dataclass(frozen=True)
class AnonymisationReport:
    wave_id: int
    wave_name: str
    already: bool  # the wave was anonymised before: nothing changed
    invitations_deleted: int = 0
    responses_unlinked: int = 0
    frame_units_cleared: int = 0
    consents_deleted: int = 0
    counts_kept: int = 0  # rows written to disposition_counts
    anonymised_at: dt.datetime | None = None

    def lines(self) -> list[str]:
        if self.already:
            return [
                f"Bevraging {self.wave_name} was al geanonimiseerd op {self.anonymised_at:%Y-%m-%d}"
                " / already anonymised"
            ]
        return [
            f"Bevraging {self.wave_name} geanonimiseerd / wave anonymised:",
            f"  uitnodigingen verwijderd / invitations deleted: {self.invitations_deleted}",
            f"  antwoorden losgekoppeld / responses unlinked: {self.responses_unlinked}",
            f"  kadereenheden gewist / frame units cleared: {self.frame_units_cleared}",
            f"  e-mailadressen voor terugkoppeling gewist / consents deleted: {self.consents_deleted}",
            f"  disposities bewaard als aantallen / disposition counts kept: {self.counts_kept}",
        ]


# --- retention ---------------------------------------------------------------------------------


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def retention_deadline(wave: Mapping[str, Any], days: int | None = None) -> dt.date | None:
    """The day from which the wave's identifying data must be gone (None: not known yet)."""
    explicit = _date(wave.get("retention_until"))
    if explicit is not None:
        return explicit
    end = _date(wave.get("fieldwork_end"))
    if end is None:
        return None
    return end + dt.timedelta(days=DEFAULT_RETENTION_DAYS if days is None else days)


def retention_status(
    conn: Connection, *, today: dt.date | None = None, days: int | None = None
) -> list[dict]:
    """Every wave with its retention deadline and whether it is due (closed, past it, not done).

    Keys: id, name, status, fieldwork_end, retention_until (the deadline), anonymised_at, due.
    """
    today = today or utcnow().date()
    days = DEFAULT_RETENTION_DAYS if days is None else days
    rows = conn.execute(select(waves).order_by(waves.c.id)).mappings().all()
    out = []
    for w in rows:
        deadline = retention_deadline(w, days)
        out.append(
            {
                "id": w["id"],
                "name": w["name"],
                "status": w["status"],
                "fieldwork_end": w["fieldwork_end"],
                "retention_until": deadline,
                "anonymised_at": w["anonymised_at"],
                "due": (
                    w["status"] == "closed"
                    and w["anonymised_at"] is None
                    and deadline is not None
                    and deadline <= today
                ),
            }
        )
    return out


def due_waves(
    conn: Connection, *, today: dt.date | None = None, days: int | None = None
) -> list[dict]:
    """The closed waves past their retention deadline that still hold identifying data."""
    return [w for w in retention_status(conn, today=today, days=days) if w["due"]]


def apply_retention(
    engine: Engine, *, today: dt.date | None = None, days: int | None = None
) -> list[AnonymisationReport]:
    """Anonymise every wave that is due; one transaction per wave."""
    with engine.connect() as conn:
        due = due_waves(conn, today=today, days=days)
    return [anonymise_wave(engine, w["id"]) for w in due]


# --- anonymisation -----------------------------------------------------------------------------


def _strip_aux(aux: Any) -> dict:
    """The auxiliary variables without those that name or identify a person: known names,
    and (for frames imported before import refused them) a header or value that
    sampling.identifiers recognises as a phone, national register number, e-mail, IBAN..."""
    from sampling import identifiers

    return {
        k: v
        for k, v in dict(aux or {}).items()
        if k not in IDENTIFYING_AUX
        and identifiers.identifying_header(k) is None
        and identifiers.identifying_value(v) is None
    }


def anonymise_wave(
    engine: Engine, wave_id: int, *, now: dt.datetime | None = None
) -> AnonymisationReport:
    """Anonymise a closed wave irreversibly (see the module docstring). Idempotent.

    Raises PrivacyError for an unknown wave or one that is not closed (a wave in fieldwork
    still needs its links).
    """
    now = now or utcnow()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as c:
        if sqlite:
            # Deleted and overwritten cells are zeroed, not left in free pages of the file.
            c.exec_driver_sql("PRAGMA secure_delete=ON")
            c.commit()
        try:
            with c.begin():
                report = _anonymise(c, wave_id, now)
        finally:
            if sqlite:
                c.exec_driver_sql("PRAGMA secure_delete=OFF")
                c.commit()
    # Also when it was already anonymised: a purge that failed before is finished now.
    _purge_old_versions(engine, report)
    return report


def _anonymise(c: Connection, wave_id: int, now: dt.datetime) -> AnonymisationReport:
    wave = c.execute(select(waves).where(waves.c.id == wave_id)).mappings().first()
    if wave is None:
        raise PrivacyError(f"Bevraging {wave_id} bestaat niet / wave {wave_id} does not exist")
    if wave["anonymised_at"] is not None:
        return AnonymisationReport(wave_id, wave["name"], True, anonymised_at=wave["anonymised_at"])
    if wave["status"] != "closed":
        raise PrivacyError(
            f"Bevraging {wave['name']} is niet afgesloten (status {wave['status']}): sluit ze "
            f"eerst af / wave is not closed (status {wave['status']}): close it first"
        )
    grouped = c.execute(
        select(
            invitations.c.mode,
            invitations.c.stratum,
            invitations.c.disposition,
            func.count().label("n"),
        )
        .where(invitations.c.wave_id == wave_id)
        .group_by(invitations.c.mode, invitations.c.stratum, invitations.c.disposition)
    ).all()
    counts = [(m, NO_STRATUM if s is None else s, d, n) for m, s, d, n in grouped]
    c.execute(delete(disposition_counts).where(disposition_counts.c.wave_id == wave_id))
    if counts:
        c.execute(
            insert(disposition_counts),
            [
                {
                    "wave_id": wave_id,
                    "mode": m,
                    "stratum": s,
                    "disposition": d,
                    "count": int(n),
                }
                for m, s, d, n in counts
            ],
        )
    unlinked = c.execute(
        update(responses)
        .where(responses.c.wave_id == wave_id)
        .values(invitation_id=None, session_key=None)
    ).rowcount
    n_consents = c.execute(delete(consents).where(consents.c.wave_id == wave_id)).rowcount
    n_invitations = c.execute(delete(invitations).where(invitations.c.wave_id == wave_id)).rowcount
    snapshot_ids = select(frame_snapshots.c.id).where(frame_snapshots.c.wave_id == wave_id)
    units = c.execute(
        select(frame_units.c.id, frame_units.c.aux).where(
            frame_units.c.snapshot_id.in_(snapshot_ids)
        )
    ).all()
    if units:
        # The unit id becomes the row's own key: unique within the snapshot, meaningless
        # outside the database.
        c.execute(
            update(frame_units)
            .where(frame_units.c.id == bindparam("_id"))
            .values(email=None, name=None, unit_id=bindparam("_uid"), aux=bindparam("_aux")),
            [{"_id": i, "_uid": f"anon-{i}", "_aux": _strip_aux(aux)} for i, aux in units],
        )
    c.execute(
        update(frame_snapshots)
        .where(frame_snapshots.c.wave_id == wave_id)
        .values(source_name="(geanonimiseerd / anonymised)")
    )
    c.execute(update(waves).where(waves.c.id == wave_id).values(anonymised_at=now))

    return AnonymisationReport(
        wave_id,
        wave["name"],
        False,
        invitations_deleted=n_invitations,
        responses_unlinked=unlinked,
        frame_units_cleared=len(units),
        consents_deleted=n_consents,
        counts_kept=len(counts),
        anonymised_at=now,
    )


class ScrubIncomplete(PrivacyError):
    """The wave is anonymised in the database, but the file still holds old copies."""


CHECKPOINT_ATTEMPTS = 3
CHECKPOINT_WAIT_MS = 5_000  # per attempt: how long the checkpoint waits for readers
VACUUM_LOCK_TIMEOUT = "10s"


def _purge_old_versions(engine: Engine, report: AnonymisationReport) -> None:
    """Leave no copy of the deleted data in the database files, or fail loudly.

    SQLite: the write-ahead log and the main file still hold the old pages until a checkpoint;
    TRUNCATE folds the log into the (securely overwritten) file and empties it. A reader that
    holds an older snapshot (the running app, a long export) blocks it: the result says so
    (busy), and after CHECKPOINT_ATTEMPTS tries ScrubIncomplete is raised. PostgreSQL keeps
    dead row versions until VACUUM FULL rewrites the tables; it waits for other transactions'
    locks at most VACUUM_LOCK_TIMEOUT per table.
    """
    again = (
        f"Sluit de app en andere verbindingen met de databank en voer `ktm anonymise --wave "
        f"{report.wave_id} --yes` opnieuw uit / stop the app and other connections to the "
        "database and run the command again"
    )
    if engine.dialect.name == "sqlite":
        import time

        with engine.connect() as c:
            raw = c.connection.driver_connection
            raw.execute(f"PRAGMA busy_timeout={int(CHECKPOINT_WAIT_MS)}")
            try:
                for attempt in range(CHECKPOINT_ATTEMPTS):
                    busy, _log, _done = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    if not busy:
                        return
                    time.sleep(0.2 * (attempt + 1))
            finally:
                from store.db import SQLITE_BUSY_TIMEOUT_MS

                raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        raise ScrubIncomplete(
            f"Bevraging {report.wave_name} is in de databank geanonimiseerd, maar het bestand "
            "bevat nog oude kopieën van de gewiste gegevens: een andere verbinding leest nog "
            f"(write-ahead log niet leeggemaakt). {again}"
        )
    if engine.dialect.name == "postgresql":
        from sqlalchemy.exc import OperationalError

        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT}'")
            for table in (invitations, frame_units, responses, consents, frame_snapshots):
                try:
                    c.exec_driver_sql(f"VACUUM FULL {table.name}")
                except OperationalError as exc:
                    raise ScrubIncomplete(
                        f"Bevraging {report.wave_name} is in de databank geanonimiseerd, maar "
                        f"tabel {table.name} kon niet herschreven worden (VACUUM FULL wacht op "
                        f"een andere transactie). {again}"
                    ) from exc


# --- reading dispositions, before or after anonymisation ---------------------------------------


def is_anonymised(conn: Connection, wave_id: int) -> bool:
    return (
        conn.execute(select(waves.c.anonymised_at).where(waves.c.id == wave_id)).scalar()
        is not None
    )


def disposition_table(conn: Connection, wave_id: int, mode: str | None = None) -> pd.DataFrame:
    """Counts per stratum and disposition (stratum, disposition, count), from the invitations
    or, once the wave is anonymised, from what remains of them (disposition_counts)."""
    if is_anonymised(conn, wave_id):
        t = disposition_counts
        query = (
            select(t.c.stratum, t.c.disposition, func.sum(t.c.count).label("count"))
            .where(t.c.wave_id == wave_id)
            .group_by(t.c.stratum, t.c.disposition)
            .order_by(t.c.stratum, t.c.disposition)
        )
        if mode is not None:
            query = query.where(t.c.mode == mode)
        rows = [(s if s != NO_STRATUM else None, d, int(n)) for s, d, n in conn.execute(query)]
        return pd.DataFrame(rows, columns=["stratum", "disposition", "count"])
    from store.samples import disposition_table as live_table

    return live_table(conn, wave_id, mode)


def _stratum_weights(conn: Connection, wave_id: int) -> dict[str, float]:
    """Design weight per stratum from the kept sample units (constant within a stratum)."""
    rows = conn.execute(
        select(sample_units.c.stratum, func.avg(sample_units.c.design_weight))
        .join(samples, samples.c.id == sample_units.c.sample_id)
        .where(samples.c.wave_id == wave_id)
        .group_by(sample_units.c.stratum)
    ).all()
    return {str(s): float(w) for s, w in rows}


def sample_frame(
    conn: Connection,
    wave_id: int,
    responses_df: pd.DataFrame,
    population: Mapping[str, Any],
    strata_var: str = "profession",
) -> pd.DataFrame:
    """The invited sample of an anonymised wave, as `ktm.services.results` builds it from the
    invitations: columns invitation_id (always <NA>), stratum, design_weight, disposition, the
    strata columns, N_h and response_id.

    One row per invited unit, from disposition_counts (mode `invited`). The complete and partial
    rows of a stratum take the response_ids of that stratum's invited-mode complete and partial
    responses (`responses_df`: response_id, mode, status, stratum and the strata columns), with
    their strata. Nonrespondents carry only their stratum (and the stratum variable's value when
    it is a strata column): other frame variables of nonrespondents are not kept, so analyses
    that need them (e.g. an R-indicator on training year) are not possible after anonymisation.
    Design weight: the kept sample units' weight of the stratum, else N_h / n_h.
    """
    rows = conn.execute(
        select(disposition_counts.c.stratum, disposition_counts.c.disposition,
               disposition_counts.c.count)
        .where(disposition_counts.c.wave_id == wave_id, disposition_counts.c.mode == "invited")
        .order_by(disposition_counts.c.stratum, disposition_counts.c.disposition)
    ).all()  # fmt: skip
    columns = [
        "invitation_id",
        "stratum",
        "design_weight",
        "disposition",
        *STRATA_COLUMNS,
        "N_h",
        "response_id",
    ]
    if not rows:
        return pd.DataFrame(columns=columns)
    weights = _stratum_weights(conn, wave_id)
    n_h: dict[str, int] = {}
    for s, _, n in rows:
        n_h[s] = n_h.get(s, 0) + int(n)
    r = responses_df
    invited = r[(r["mode"] == "invited")] if len(r) else r
    records: list[dict] = []
    for stratum, disposition, n in rows:
        pool = (
            invited[
                (invited["stratum"].astype(str) == stratum) & (invited["status"] == disposition)
            ].sort_values("response_id")
            if disposition in ("complete", "partial") and len(invited)
            else invited.iloc[0:0]
        )
        weight = weights.get(stratum)
        if weight is None and stratum in population and n_h[stratum]:
            weight = float(population[stratum]) / n_h[stratum]
        for i in range(int(n)):
            rec: dict[str, Any] = {
                "invitation_id": pd.NA,
                "stratum": stratum,
                "design_weight": weight,
                "disposition": disposition,
                "response_id": pd.NA,
            }
            rec.update(dict.fromkeys(STRATA_COLUMNS))
            if strata_var in STRATA_COLUMNS:
                rec[strata_var] = stratum
            if i < len(pool):
                resp = pool.iloc[i]
                rec["response_id"] = int(resp["response_id"])
                rec.update({c: resp[c] for c in STRATA_COLUMNS if c in pool.columns})
            records.append(rec)
    out = pd.DataFrame.from_records(records, columns=[c for c in columns if c != "N_h"])
    out["N_h"] = out["stratum"].map(population).astype(float)
    out["response_id"] = out["response_id"].astype("Int64")
    if "training_year" in out:
        out["training_year"] = pd.to_numeric(out["training_year"], errors="coerce").astype("Int64")
    return out[columns]
