"""The record of anonymised waves kept outside the database, so `ktm restore` finds it even
when the database is damaged or gone (issue 19.5).

SQLite: `<database file>.anonymised.json` beside it. PostgreSQL: `anonymised-waves.json` in
KTM_DATA_DIR, one list per database (named by host, port, database and schema, no password).
Each entry: wave id, wave name, when. It holds no personal data. The database keeps its own
record too (`waves.anonymised_at`); restore re-anonymises the union of both.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from ktm.config import data_dir


def _where(url: str) -> tuple[Path, str]:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = Path(parsed.database or "ktm.sqlite3").resolve()
        return db.with_name(db.name + ".anonymised.json"), "sqlite"
    options = parsed.query.get("options") or ""
    key = f"{parsed.host}:{parsed.port or 5432}/{parsed.database} {options}".strip()
    return data_dir() / "anonymised-waves.json", key


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RuntimeError(
            f"{path}: het register van geanonimiseerde bevragingen is onleesbaar ({exc}); "
            "herstel het uit een kopie / the record of anonymised waves is unreadable"
        ) from exc


def recorded(url: str) -> list[dict]:
    """The waves recorded as anonymised for this database: [{id, name, anonymised_at}]."""
    path, key = _where(url)
    return list(_read(path).get(key, []))


def record(url: str, wave_id: int, name: str, when: str) -> Path:
    """Add a wave to the record (atomically: a crash leaves the old file)."""
    path, key = _where(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = _read(path)
    entries = [e for e in data.get(key, []) if e.get("id") != wave_id]
    entries.append({"id": int(wave_id), "name": str(name), "anonymised_at": str(when)})
    data[key] = sorted(entries, key=lambda e: e["id"])
    fd, tmp = tempfile.mkstemp(prefix=".anonymised-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def anonymise_and_record(engine, url: str, wave_id: int):
    """store.privacy.anonymise_wave, and the wave recorded here once the database holds it
    anonymised (also when the file could not be scrubbed yet: ScrubIncomplete is re-raised)."""
    from ktm import roles
    from ktm.services import audit
    from ktm.services.weighting import fix_automatic
    from store import privacy
    from store.waves import StoreError

    roles.require("anonymise")
    # A wave closed before the automatic margins were fixed at closing gets them fixed now,
    # while the invitations they are chosen from still exist.
    with contextlib.suppress(LookupError, StoreError):  # privacy says it better
        fix_automatic(engine, wave_id)
    try:
        report = privacy.anonymise_wave(engine, wave_id)
    except privacy.ScrubIncomplete:
        _record_from_db(engine, url, wave_id)
        # The database part is done (the command says what is left): that is the action.
        audit.record(engine, "anonymise", wave_id, {"scrubbed": False})
        raise
    record(url, report.wave_id, report.wave_name, str(report.anonymised_at))
    if not report.already:  # again on an anonymised wave: the scrub only, no new action
        audit.record(engine, "anonymise", wave_id, {"scrubbed": True})
    return report


def _record_from_db(engine, url: str, wave_id: int) -> None:
    from sqlalchemy import select

    from store.schema import waves

    with engine.connect() as conn:
        row = conn.execute(
            select(waves.c.name, waves.c.anonymised_at).where(waves.c.id == wave_id)
        ).first()
    if row is not None and row.anonymised_at is not None:
        record(url, wave_id, row.name, str(row.anonymised_at))
