"""Frame snapshots: the validated frame of a wave, stored as it was imported.

Each import is a new snapshot (the file's name and SHA-256, when, how many units); the latest
snapshot of a wave is its current frame, and a sample keeps pointing at the snapshot it was
drawn from. The six required variables and the name have their own columns; every auxiliary
variable goes, per unit, into the JSON column `aux`, so a round trip gives the same columns back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Text, cast, insert, select

from store.db import utcnow
from store.schema import frame_snapshots, frame_units, waves
from store.waves import StoreError

CORE_COLUMNS = ("unit_id", "email", "profession", "training_year", "university", "language")
_INSERT_CHUNK = 2_000


def _json_value(value: Any) -> Any:
    """A cell as a JSON-safe value: NA -> None, numpy scalars -> Python, dates -> ISO text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    return value


def _text_or_none(value: Any) -> str | None:
    value = _json_value(value)
    return None if value is None else str(value)


def save_frame(
    conn: Connection,
    wave_id: int,
    data: pd.DataFrame,
    *,
    source_name: str,
    source_sha256: str,
    frame_date: dt.date | None = None,
) -> int:
    """Store a validated frame (as `sampling.frame.validate_frame` returns it) as a new snapshot.

    Runs inside the caller's transaction: either the snapshot and all its units are written, or
    nothing is. Returns the snapshot id.
    """
    if conn.execute(select(waves.c.id).where(waves.c.id == wave_id)).first() is None:
        raise StoreError(f"Bevraging {wave_id} bestaat niet / wave {wave_id} does not exist")
    missing = [c for c in CORE_COLUMNS if c not in data.columns]
    if missing:
        raise StoreError(f"Het kader mist de kolom(men) {', '.join(missing)} / frame lacks columns")
    aux_columns = [c for c in data.columns if c not in CORE_COLUMNS and c != "name"]
    snapshot_id = conn.execute(
        insert(frame_snapshots).values(
            wave_id=wave_id,
            source_name=source_name[:300],
            source_sha256=source_sha256,
            frame_date=frame_date,
            n_units=len(data),
            aux_columns=aux_columns,
            imported_at=utcnow(),
        )
    ).inserted_primary_key[0]
    names = data["name"].tolist() if "name" in data.columns else None
    aux_records = data[aux_columns].to_dict("records") if aux_columns else [{}] * len(data)
    rows = []
    for i, rec in enumerate(data[list(CORE_COLUMNS)].itertuples(index=False, name=None)):
        unit_id, email, profession, year, university, language = rec
        rows.append(
            {
                "snapshot_id": snapshot_id,
                "unit_id": str(unit_id),
                "email": _text_or_none(email),
                "name": None if names is None else _text_or_none(names[i]),
                "profession": str(profession),
                "training_year": int(year),
                "university": str(university),
                "language": str(language),
                "aux": {c: _json_value(v) for c, v in aux_records[i].items()},
            }
        )
    for start in range(0, len(rows), _INSERT_CHUNK):
        conn.execute(insert(frame_units), rows[start : start + _INSERT_CHUNK])
    return int(snapshot_id)


def list_snapshots(conn: Connection, wave_id: int) -> list[dict]:
    """The wave's snapshots, oldest first."""
    result = conn.execute(
        select(frame_snapshots)
        .where(frame_snapshots.c.wave_id == wave_id)
        .order_by(frame_snapshots.c.id)
    ).mappings()
    return [dict(r) for r in result]


def latest_snapshot(conn: Connection, wave_id: int) -> dict | None:
    """The wave's current frame (its last import), or None."""
    snapshots = list_snapshots(conn, wave_id)
    return snapshots[-1] if snapshots else None


def get_snapshot(conn: Connection, snapshot_id: int) -> dict:
    row = (
        conn.execute(select(frame_snapshots).where(frame_snapshots.c.id == snapshot_id))
        .mappings()
        .first()
    )
    if row is None:
        raise StoreError(f"Kader {snapshot_id} bestaat niet / frame snapshot does not exist")
    return dict(row)


def _typed(values: list[Any]) -> pd.Series:
    """An auxiliary column back from JSON: Int64 / Float64 when numeric, else text."""
    filled = [v for v in values if v is not None]
    if filled and all(isinstance(v, int) and not isinstance(v, bool) for v in filled):
        return pd.Series(values, dtype="Int64")
    if filled and all(isinstance(v, int | float) and not isinstance(v, bool) for v in filled):
        return pd.Series(values, dtype="Float64")
    if all(isinstance(v, str) for v in filled):
        return pd.Series(values, dtype="str")
    return pd.Series(values, dtype=object)


def load_frame(conn: Connection, snapshot_id: int, *, with_ids: bool = True) -> pd.DataFrame:
    """A snapshot back as a DataFrame, in the import's row order.

    Columns: `frame_unit_id` (the store's id, needed to store a selection; left out with
    `with_ids=False`), the six required variables, `name` when the frame had names, then the
    auxiliary variables in their original order.
    """
    snapshot = get_snapshot(conn, snapshot_id)
    # The aux JSON as text, decoded once per distinct value: most units share a few.
    names = ["id", *CORE_COLUMNS, "name"]
    rows = conn.execute(
        select(*(frame_units.c[n] for n in names), cast(frame_units.c.aux, Text))
        .where(frame_units.c.snapshot_id == snapshot_id)
        .order_by(frame_units.c.id)
    ).all()
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(names) + 1)
    by_name = dict(zip(names, columns[:-1], strict=True))
    out = pd.DataFrame(
        {
            "frame_unit_id": pd.Series(by_name["id"], dtype="int64"),
            **{
                c: pd.Series(by_name[c], dtype="int64" if c == "training_year" else "str")
                for c in CORE_COLUMNS
            },
        }
    )
    if any(v is not None for v in by_name["name"]):
        out["name"] = pd.Series(by_name["name"], dtype="str")
    decoded: dict[str | None, dict] = {}  # the JSON cast to text (both databases)
    aux = [
        decoded[text] if text in decoded else decoded.setdefault(text, _aux_dict(text))
        for text in columns[-1]
    ]
    for c in snapshot["aux_columns"]:
        out[c] = _typed([a.get(c) for a in aux])
    if not with_ids:
        out = out.drop(columns="frame_unit_id")
    return out


def _aux_dict(text: str | None) -> dict:
    return json.loads(text) if text else {}


def frame_variables(conn: Connection, snapshot_id: int) -> list[str]:
    """The variables a sample can be stratified by: the frame's non-identifying columns."""
    snapshot = get_snapshot(conn, snapshot_id)
    return ["profession", "training_year", "university", "language", *snapshot["aux_columns"]]


def population_counts(
    conn: Connection, snapshot_id: int, strata: str | Sequence[str]
) -> dict[str, int]:
    """N_h per stratum of the snapshot, with the stratum labels `sampling.select` uses."""
    from sampling.selection import population_counts as _counts

    by = [strata] if isinstance(strata, str) else list(strata)
    allowed = frame_variables(conn, snapshot_id)
    unknown = [b for b in by if b not in allowed]
    if unknown:
        raise StoreError(
            f"Onbekende stratificatievariabele {', '.join(unknown)}; kies uit {', '.join(allowed)}"
            f" / unknown strata variable"
        )
    return _counts(load_frame(conn, snapshot_id, with_ids=False), by if len(by) > 1 else by[0])
