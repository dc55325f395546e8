"""Samples, invitations and their dispositions, and the post-contact log.

A wave has at most one sample. Drawing again replaces it, but only while none of its
invitations has been issued: once a link has gone out (by mail merge or e-mail), the sample is
fixed, because inclusion probabilities and response rates refer to it.

Tokens. The store holds only each invitation's token hash (`token_hash`, unique). A new
invitation gets the hash of a token nobody ever sees; the plain token that reaches a person is
made when the invitation is issued (`rotate_tokens`) and exists only in the file or e-mail.
Issuing again (a reminder, a lost file) makes a new token: the newest link is the valid one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sampling.invitations import advance, hash_token, new_token
from store.db import utcnow
from store.frames import _json_value
from store.schema import (
    frame_units,
    invitations,
    post_contact_log,
    sample_units,
    samples,
)
from store.waves import StoreError

SAMPLE_MODE = "invited"
POST_CONTACT_MODE = "post_contact"
# The frame variables copied to each invitation (and from there to the response): never the id,
# e-mail or name. The strata variable(s) of the sample are added when they are auxiliary.
COPIED_VARIABLES = ("profession", "training_year", "university", "language")
_CHUNK = 1_000


def _chunks(items: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --------------------------------------------------------------------------- samples


def current_sample(conn: Connection, wave_id: int) -> dict | None:
    row = (
        conn.execute(
            select(samples).where(samples.c.wave_id == wave_id).order_by(samples.c.id.desc())
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def issued_count(conn: Connection, wave_id: int, mode: str = SAMPLE_MODE) -> int:
    """How many of the wave's invitations have left the building (any disposition but not_invited)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(invitations)
            .where(
                invitations.c.wave_id == wave_id,
                invitations.c.mode == mode,
                invitations.c.disposition != "not_invited",
            )
        ).scalar_one()
    )


def save_sample(
    conn: Connection,
    wave_id: int,
    snapshot_id: int,
    selection: pd.DataFrame,
    *,
    strata_var: str | Sequence[str],
    method: str,
    seed: int,
    allocation: Mapping[str, int],
    population: Mapping[str, int],
    parameters: Mapping[str, Any] | None = None,
) -> int:
    """Store a selection (`sampling.select` on a frame from `store.frames.load_frame`).

    Writes the sample with its parameters, one `sample_units` row per selected unit (stratum,
    inclusion probability, design weight) and one invitation per unit, `not_invited`, with the
    unit's frame variables copied. Replaces an earlier sample of the wave that has not been
    issued; refuses (StoreError) when it has. Returns the sample id.
    """
    needed = {"frame_unit_id", "stratum", "inclusion_prob", "design_weight"}
    if not needed <= set(selection.columns):
        raise StoreError(f"selection lacks {', '.join(sorted(needed - set(selection.columns)))}")
    issued = issued_count(conn, wave_id)
    if issued:
        raise StoreError(
            f"Deze bevraging heeft al {issued} uitnodigingen uitgegeven; de steekproef ligt vast. "
            f"Maak een nieuwe bevraging voor een nieuwe steekproef / this wave has already issued "
            f"{issued} invitations, its sample is fixed"
        )
    discard_sample(conn, wave_id)
    strata_cols = [strata_var] if isinstance(strata_var, str) else list(strata_var)
    now = utcnow()
    sample_id = conn.execute(
        insert(samples).values(
            wave_id=wave_id,
            snapshot_id=snapshot_id,
            strata_var=" + ".join(strata_cols),
            method=method,
            seed=int(seed),
            n=int(sum(int(v) for v in allocation.values())),
            allocation={str(k): int(v) for k, v in allocation.items()},
            population={str(k): int(v) for k, v in population.items()},
            parameters={k: _json_value(v) for k, v in (parameters or {}).items()},
            created_at=now,
        )
    ).inserted_primary_key[0]

    copied = [*COPIED_VARIABLES, *(c for c in strata_cols if c not in COPIED_VARIABLES)]
    copied = [c for c in copied if c in selection.columns]
    unit_rows = [
        {
            "sample_id": sample_id,
            "frame_unit_id": int(r.frame_unit_id),
            "stratum": str(r.stratum),
            "inclusion_prob": float(r.inclusion_prob),
            "design_weight": float(r.design_weight),
        }
        for r in selection.itertuples(index=False)
    ]
    for chunk in _chunks(unit_rows):
        conn.execute(insert(sample_units), list(chunk))
    ids = dict(
        conn.execute(
            select(sample_units.c.frame_unit_id, sample_units.c.id).where(
                sample_units.c.sample_id == sample_id
            )
        ).all()
    )
    strata_records = selection[copied].to_dict("records")
    invitation_rows = []
    for i, r in enumerate(selection.itertuples(index=False)):
        invitation_rows.append(
            {
                "wave_id": wave_id,
                "sample_unit_id": ids[int(r.frame_unit_id)],
                "token_hash": hash_token(new_token()),  # unissued: nobody knows this token
                "mode": SAMPLE_MODE,
                "stratum": str(r.stratum),
                "strata": {c: _json_value(v) for c, v in strata_records[i].items()},
                "design_weight": float(r.design_weight),
                "disposition": "not_invited",
                "created_at": now,
            }
        )
    for chunk in _chunks(invitation_rows):
        conn.execute(insert(invitations), list(chunk))
    return int(sample_id)


def discard_sample(conn: Connection, wave_id: int) -> bool:
    """Delete the wave's sample and its (unissued) invitations; True when there was one."""
    had = current_sample(conn, wave_id) is not None
    conn.execute(
        delete(invitations).where(
            invitations.c.wave_id == wave_id, invitations.c.mode == SAMPLE_MODE
        )
    )
    old = select(samples.c.id).where(samples.c.wave_id == wave_id).scalar_subquery()
    conn.execute(delete(sample_units).where(sample_units.c.sample_id.in_(old)))
    conn.execute(delete(samples).where(samples.c.wave_id == wave_id))
    return had


def sample_units_frame(conn: Connection, sample_id: int) -> pd.DataFrame:
    """The selected units: unit_id, stratum, inclusion_prob, design_weight (by unit_id)."""
    rows = conn.execute(
        select(
            frame_units.c.unit_id,
            sample_units.c.stratum,
            sample_units.c.inclusion_prob,
            sample_units.c.design_weight,
        )
        .join(frame_units, frame_units.c.id == sample_units.c.frame_unit_id)
        .where(sample_units.c.sample_id == sample_id)
        .order_by(sample_units.c.stratum, frame_units.c.unit_id)
    ).all()
    return pd.DataFrame(
        rows, columns=["unit_id", "stratum", "inclusion_prob", "design_weight"]
    ).astype({"unit_id": "str", "stratum": "str", "inclusion_prob": float, "design_weight": float})


# --------------------------------------------------------------------------- invitations

_INVITATION_COLUMNS = (
    "id",
    "mode",
    "stratum",
    "disposition",
    "design_weight",
    "created_at",
    "sent_at",
    "reminded_at",
    "opened_at",
    "completed_at",
    "send_error",
)


def invitations_frame(
    conn: Connection,
    wave_id: int,
    *,
    mode: str | None = None,
    dispositions: Iterable[str] | None = None,
    ids: Iterable[int] | None = None,
    contacts: bool = False,
) -> pd.DataFrame:
    """The wave's invitations, one row each, with stratum and disposition.

    With `contacts=True` also what a mail merge needs: unit_id, email, name, language (from the
    frame for sampled units; the invitation's own e-mail for post-contact ones). Ordered by id.
    """
    cols = [invitations.c[c] for c in _INVITATION_COLUMNS] + [invitations.c.strata]
    query = select(*cols)
    if contacts:
        query = select(
            *cols,
            frame_units.c.unit_id,
            func.coalesce(invitations.c.email, frame_units.c.email).label("email"),
            frame_units.c.name,
            frame_units.c.language,
            frame_units.c.aux,
        ).select_from(
            invitations.outerjoin(
                sample_units, sample_units.c.id == invitations.c.sample_unit_id
            ).outerjoin(frame_units, frame_units.c.id == sample_units.c.frame_unit_id)
        )
    query = query.where(invitations.c.wave_id == wave_id).order_by(invitations.c.id)
    if mode is not None:
        query = query.where(invitations.c.mode == mode)
    if dispositions is not None:
        query = query.where(invitations.c.disposition.in_(list(dispositions)))
    records = [dict(r) for r in conn.execute(query).mappings()]
    if ids is not None:
        wanted = {int(i) for i in ids}
        records = [r for r in records if r["id"] in wanted]
    columns = [*_INVITATION_COLUMNS, "strata"]
    if contacts:
        columns += ["unit_id", "email", "name", "language", "first_name", "last_name"]
        for r in records:
            aux = r.pop("aux") or {}
            r["first_name"] = aux.get("first_name")
            r["last_name"] = aux.get("last_name")
            if r["language"] is None:
                r["language"] = (r["strata"] or {}).get("language")
    df = pd.DataFrame(records, columns=columns)
    df["id"] = df["id"].astype("int64")
    for c in ("mode", "stratum", "disposition"):
        df[c] = df[c].astype("str")
    return df


def disposition_table(conn: Connection, wave_id: int, mode: str | None = None) -> pd.DataFrame:
    """Counts per stratum and disposition (long format: stratum, disposition, count)."""
    query = (
        select(invitations.c.stratum, invitations.c.disposition, func.count().label("count"))
        .where(invitations.c.wave_id == wave_id)
        .group_by(invitations.c.stratum, invitations.c.disposition)
        .order_by(invitations.c.stratum, invitations.c.disposition)
    )
    if mode is not None:
        query = query.where(invitations.c.mode == mode)
    return pd.DataFrame(conn.execute(query).all(), columns=["stratum", "disposition", "count"])


def rotate_tokens(conn: Connection, invitation_ids: Iterable[int]) -> tuple[dict, dict]:
    """Issue a new token to each invitation: store its hash, return the plain tokens.

    Returns `(tokens, previous)`: {id: plain token} for the caller's file or e-mail only, and
    {id: previous hash} so an issue that did not reach its addressee can be undone
    (`restore_token_hashes`).
    """
    ids = [int(i) for i in invitation_ids]
    previous: dict[int, str] = {}
    for chunk in _chunks(ids):
        previous.update(
            conn.execute(
                select(invitations.c.id, invitations.c.token_hash).where(
                    invitations.c.id.in_(list(chunk))
                )
            ).all()
        )
    missing = set(ids) - set(previous)
    if missing:
        raise StoreError(f"Onbekende uitnodiging(en) {sorted(missing)[:5]} / unknown invitations")
    tokens = {i: new_token() for i in ids}
    _set_hashes(conn, {i: hash_token(token) for i, token in tokens.items()})
    return tokens, previous


def restore_token_hashes(conn: Connection, previous: Mapping[int, str]) -> None:
    _set_hashes(conn, previous)


def _set_hashes(conn: Connection, hashes: Mapping[int, str]) -> None:
    if not hashes:
        return
    stmt = (
        update(invitations)
        .where(invitations.c.id == bindparam("_id"))
        .values(token_hash=bindparam("_hash"))
    )
    rows = [{"_id": int(i), "_hash": h} for i, h in hashes.items()]
    for chunk in _chunks(rows):
        conn.execute(stmt, list(chunk))


def _advance_all(
    conn: Connection, ids: Iterable[int], event: str, values: Mapping[str, Any]
) -> int:
    """Apply a disposition event to each invitation (never backwards) and set `values`."""
    ids = [int(i) for i in ids]
    changed = 0
    for chunk in _chunks(ids):
        current = conn.execute(
            select(invitations.c.id, invitations.c.disposition).where(
                invitations.c.id.in_(list(chunk))
            )
        ).all()
        by_target: dict[str, list[int]] = {}
        for i, disposition in current:
            new = advance(disposition, event)
            by_target.setdefault(new, []).append(i)
            changed += new != disposition
        for new, members in by_target.items():
            conn.execute(
                update(invitations)
                .where(invitations.c.id.in_(members))
                .values(disposition=new, **values)
            )
    return changed


def advance_dispositions(
    conn: Connection, ids: Iterable[int], event: str, values: Mapping[str, Any] | None = None
) -> int:
    """Apply a disposition event (sampling.invitations.EVENTS) to invitations reported from
    outside (a bounce list, opt-outs); never backwards. Returns how many changed."""
    return _advance_all(conn, ids, event, dict(values or {}))


def mark_invited(
    conn: Connection, ids: Iterable[int], *, reminder: bool = False, when: dt.datetime | None = None
) -> None:
    """The invitation (or reminder) went out: not_invited/bounced -> invited; timestamps set."""
    when = when or utcnow()
    stamp = {"reminded_at": when} if reminder else {"sent_at": when}
    _advance_all(conn, ids, "remind" if reminder else "invite", {**stamp, "send_error": None})


def mark_bounced(conn: Connection, errors: Mapping[int, str]) -> None:
    """The server refused the address: the invitation is undeliverable (bounced)."""
    for i, error in errors.items():
        _advance_all(conn, [i], "bounce", {"send_error": str(error)[:2000]})


def mark_send_failed(conn: Connection, errors: Mapping[int, str]) -> None:
    """A temporary failure: the disposition stays, the error is kept for the next attempt."""
    for i, error in errors.items():
        conn.execute(
            update(invitations)
            .where(invitations.c.id == int(i))
            .values(send_error=str(error)[:2000])
        )


def forget_emails(conn: Connection, ids: Iterable[int]) -> None:
    """Post-contact e-mail addresses are kept only until the invitation has been sent."""
    for chunk in _chunks([int(i) for i in ids]):
        conn.execute(
            update(invitations).where(invitations.c.id.in_(list(chunk))).values(email=None)
        )


def find_by_token(conn: Connection, token: str) -> dict | None:
    """The invitation a plain token belongs to (looked up by its hash), or None."""
    row = (
        conn.execute(select(invitations).where(invitations.c.token_hash == hash_token(token)))
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def opt_out(conn: Connection, token: str) -> str | None:
    """The person used the opt-out link: refusal, no more reminders. Returns the disposition
    after the opt-out, or None for an unknown token. A completed invitation stays complete."""
    row = find_by_token(conn, token)
    if row is None:
        return None
    new = advance(row["disposition"], "opt_out")
    if new != row["disposition"]:
        conn.execute(
            update(invitations).where(invitations.c.id == row["id"]).values(disposition=new)
        )
    return new


# --------------------------------------------------------------------------- post-contact


def person_hash(unit_id: str) -> str:
    """The post-contact log's key: a hash of the person's id (the log holds no identity)."""
    return hashlib.sha256(f"ktm-post-contact:{unit_id}".encode()).hexdigest()


def last_post_contact(conn: Connection, hashes: Iterable[str]) -> dict[str, dt.date]:
    hashes = list(dict.fromkeys(hashes))
    found: dict[str, dt.date] = {}
    for chunk in _chunks(hashes):
        found.update(
            conn.execute(
                select(post_contact_log.c.person_hash, post_contact_log.c.last_invited_on).where(
                    post_contact_log.c.person_hash.in_(list(chunk))
                )
            ).all()
        )
    return found


def _upsert_log(conn: Connection, key: str, on: dt.date) -> None:
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        make = sqlite_insert if dialect == "sqlite" else pg_insert
        stmt = make(post_contact_log).values(person_hash=key, last_invited_on=on)
        stmt = stmt.on_conflict_do_update(
            index_elements=[post_contact_log.c.person_hash], set_={"last_invited_on": on}
        )
        conn.execute(stmt)
        return
    updated = conn.execute(
        update(post_contact_log)
        .where(post_contact_log.c.person_hash == key)
        .values(last_invited_on=on)
    ).rowcount
    if not updated:
        conn.execute(insert(post_contact_log).values(person_hash=key, last_invited_on=on))


def add_post_contact_invitations(
    conn: Connection, wave_id: int, people: Sequence[Mapping[str, Any]], on: dt.date
) -> list[int]:
    """Create post-contact invitations and log each person as invited on `on`.

    Each item of `people`: `person_hash`, `email`, `strata` (dict, no identity) and optionally
    `invite_on` (the date logged; default `on`). The caller has already applied the
    once-per-period rule (`last_post_contact`). Returns the new ids.
    """
    now = utcnow()
    ids = []
    for person in people:
        result = conn.execute(
            insert(invitations).values(
                wave_id=wave_id,
                sample_unit_id=None,
                token_hash=hash_token(new_token()),
                mode=POST_CONTACT_MODE,
                stratum=(person.get("strata") or {}).get("profession"),
                strata={k: _json_value(v) for k, v in (person.get("strata") or {}).items()},
                design_weight=None,
                email=person["email"],
                disposition="not_invited",
                created_at=now,
            )
        )
        ids.append(int(result.inserted_primary_key[0]))
        _upsert_log(conn, person["person_hash"], person.get("invite_on") or on)
    return ids


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per sampling table (what an import or draw may change)."""
    from store.schema import frame_snapshots

    out = {}
    for table in (
        frame_snapshots,
        frame_units,
        samples,
        sample_units,
        invitations,
        post_contact_log,
    ):
        out[table.name] = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
    return out


__all__ = [
    "add_post_contact_invitations",
    "current_sample",
    "discard_sample",
    "disposition_table",
    "find_by_token",
    "forget_emails",
    "invitations_frame",
    "issued_count",
    "last_post_contact",
    "mark_bounced",
    "mark_invited",
    "mark_send_failed",
    "opt_out",
    "person_hash",
    "restore_token_hashes",
    "rotate_tokens",
    "sample_units_frame",
    "save_sample",
    "table_counts",
]
