"""Operations: backup, restore, anonymise a wave, retention.

    ktm backup --out FILE        a consistent copy while respondents keep answering
    ktm restore FILE             bring a copy back (the app must be stopped first)
    ktm anonymise --wave ID --yes
    ktm retention [--apply]      list (or anonymise) the closed waves past their retention date

SQLite: the backup uses SQLite's online backup API on a read snapshot (WAL: writers are not
blocked, the copy is the database as of one instant) into a temporary file that is checked
(`PRAGMA integrity_check`) and then renamed to FILE. Restore refuses while any other process
has the database open (the app holds it open while it runs: stop it first), keeps the current
database next to it as `<name>.before-restore-<time>`, and copies the backup in through the same
API inside one write transaction, so an interrupted restore leaves the old database.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --single-transaction`, found on
PATH (a clear error when they are not installed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import make_url

from ktm.cli import CommandError, database_url_of, engine_and_wave, iso_date

REQUIRED_TABLES = ("alembic_version", "waves", "responses", "invitations")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backup",
        help="een consistente kopie van de databank (veilig terwijl respondenten antwoorden) / "
        "a consistent copy of the database (safe while respondents answer)",
    )
    p.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="FILE",
        help="het back-upbestand / the backup file",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="overschrijf FILE als het bestaat / overwrite FILE if it exists",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore",
        help="vervang de databank door een back-up (stop eerst de app) / replace the database "
        "by a backup (stop the app first)",
    )
    p.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="een bestand van `ktm backup` / a file made by `ktm backup`",
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "anonymise",
        aliases=["anonymize"],
        help="anonimiseer een afgesloten bevraging onomkeerbaar (e-mails, namen en links gewist) "
        "/ anonymise a closed wave irreversibly (e-mails, names and links deleted)",
    )
    p.add_argument("--wave", required=True, metavar="ID", help="id of/or 'latest'")
    p.add_argument(
        "--yes",
        action="store_true",
        help="bevestig: dit kan niet ongedaan gemaakt worden / confirm: this cannot be undone",
    )
    p.set_defaults(func=cmd_anonymise)

    p = sub.add_parser(
        "retention",
        help="afgesloten bevragingen voorbij hun bewaartermijn (--apply anonimiseert ze) / closed "
        "waves past their retention date (--apply anonymises them)",
    )
    p.add_argument(
        "--apply",
        action="store_true",
        help="anonimiseer de bevragingen die aan de beurt zijn / anonymise the waves that are due",
    )
    p.add_argument("--today", type=iso_date, metavar="YYYY-MM-DD", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_retention)


# --- helpers -----------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise CommandError(
            "Een databank in het geheugen kan niet bewaard worden; gebruik een bestand "
            "(KTM_DATABASE_URL=sqlite:///pad.db) / an in-memory database cannot be backed up"
        )
    return Path(parsed.database)


def _libpq(url: str) -> tuple[str, str | None]:
    """(a libpq URL for pg_dump/pg_restore, the schema named by search_path in it or None)."""
    parsed = make_url(url)
    schema = None
    options = parsed.query.get("options")
    if options:
        text = unquote(options if isinstance(options, str) else options[0])
        for part in text.split():
            if part.startswith("-csearch_path="):
                schema = part.split("=", 1)[1].split(",")[0]
    plain = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    return plain, schema


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(
            f"{name} is niet gevonden; installeer de PostgreSQL-clienttools (bv. apt install "
            f"postgresql-client) / {name} not found: install the PostgreSQL client tools"
        )
    return path


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a sound ktm SQLite database (integrity and tables)."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchall()
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise CommandError(
            f"{path} is geen bruikbare SQLite-databank ({exc}) / not a usable SQLite database"
        ) from exc
    if result != [("ok",)]:
        raise CommandError(
            f"{path} is beschadigd: {result[:3]} / is damaged (PRAGMA integrity_check)"
        )
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise CommandError(
            f"{path} is geen ktm-databank (ontbreekt: {', '.join(missing)}) / not a ktm database"
        )


def _counts(con: sqlite3.Connection) -> str:
    parts = []
    for table in ("waves", "responses", "invitations"):
        (n,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 (fixed names)
        parts.append(f"{table} {n}")
    return ", ".join(parts)


# --- backup ------------------------------------------------------------------------------------


def backup_sqlite(source: Path, out: Path) -> str:
    """Copy `source` to `out` with the online backup API; returns a summary of the copy."""
    if not source.exists():
        raise CommandError(f"De databank {source} bestaat niet / database does not exist")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=15)
    dst = sqlite3.connect(tmp)
    try:
        src.execute("PRAGMA busy_timeout=15000")
        # pages=-1: the whole database in one step, inside one read transaction: a snapshot.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        summary = _counts(dst)
    finally:
        dst.close()
        src.close()
    try:
        check_sqlite_file(tmp)
    except CommandError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, out)
    return summary


def backup_postgres(url: str, out: Path) -> str:
    plain, schema = _libpq(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp)]
    if schema:
        cmd += ["--schema", schema]
    done = subprocess.run([*cmd, plain], capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise CommandError(f"pg_dump mislukt / failed: {done.stderr.strip()}")
    os.replace(tmp, out)
    return f"pg_dump {out.stat().st_size} bytes" + (f", schema {schema}" if schema else "")


def cmd_backup(args) -> int:
    url = database_url_of(args)
    out: Path = args.out
    if out.exists() and not args.force:
        raise CommandError(f"{out} bestaat al (gebruik --force) / exists (use --force)")
    path = _sqlite_path(url)
    if path is not None:
        if out.resolve() == path.resolve():
            raise CommandError("De kopie kan de databank zelf niet zijn / --out is the database")
        summary = backup_sqlite(path, out)
    elif make_url(url).get_backend_name() == "postgresql":
        summary = backup_postgres(url, out)
    else:
        raise CommandError(
            f"Geen back-up voor {make_url(url).get_backend_name()}: alleen SQLite en PostgreSQL "
            "/ no backup for this database: only SQLite and PostgreSQL"
        )
    print(f"Back-up geschreven / backup written: {out} ({summary})")
    return 0


# --- restore -----------------------------------------------------------------------------------


def _exclusive(path: Path) -> sqlite3.Connection:
    """A connection holding the database exclusively, or CommandError when another process
    (the app) has it open: in WAL mode every open connection holds the shared-memory lock."""
    con = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        con.execute("PRAGMA locking_mode=EXCLUSIVE")
        con.execute("BEGIN EXCLUSIVE")
        con.execute("COMMIT")  # the exclusive lock stays (locking_mode) until close
    except sqlite3.OperationalError as exc:
        con.close()
        raise CommandError(
            f"De databank {path} is in gebruik (draait de app nog?). Stop `ktm serve` en "
            f"probeer opnieuw / the database is in use (is the app running?): stop it first"
        ) from exc
    return con


def _sound(path: Path) -> bool:
    try:
        check_sqlite_file(path)
    except CommandError:
        return False
    return True


def restore_sqlite(backup: Path, target: Path) -> tuple[str, Path | None]:
    """Copy `backup` into `target`; returns (summary, where the previous database was kept)."""
    check_sqlite_file(backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if target.exists() and not _sound(target):
        # A damaged database (the reason to restore): set aside as it is, never opened.
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}.damaged")
        for suffix in ("-wal", "-shm"):
            side = target.with_name(target.name + suffix)
            if side.exists():
                os.replace(side, kept.with_name(kept.name + suffix))
        os.replace(target, kept)
    if target.exists():
        dst = _exclusive(target)
        try:
            stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            safety = sqlite3.connect(kept)
            try:
                dst.backup(safety)
            finally:
                safety.close()
            src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
            try:
                src.backup(dst)  # one write transaction on the target: all or nothing
            finally:
                src.close()
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    else:
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
            src.close()
    check_sqlite_file(target)
    con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        summary = _counts(con)
    finally:
        con.close()
    return summary, kept


def restore_postgres(url: str, backup: Path) -> str:
    if not backup.exists():
        raise CommandError(f"{backup} bestaat niet / does not exist")
    plain, _schema = _libpq(url)
    cmd = [
        _tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
        "--exit-on-error", "--dbname", plain, str(backup),
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise CommandError(
            f"pg_restore mislukt, de databank is ongewijzigd / failed, database unchanged: "
            f"{done.stderr.strip()}"
        )
    return "pg_restore ok"


def _anonymised_waves(url: str) -> dict[int, str]:
    """{wave id: name} of the waves the current database holds anonymised (none when it is
    missing, new or unreadable). Never creates a database file."""
    from sqlalchemy import select

    from ktm.database import create
    from store.schema import waves

    path = _sqlite_path(url)
    if path is not None:
        if not path.exists():
            return {}
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    engine = create(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(waves.c.id, waves.c.name).where(waves.c.anonymised_at.is_not(None))
            ).all()
            return {int(i): str(n) for i, n in rows}
    except Exception:  # no database yet, or not a ktm one: the record file still counts
        return {}
    finally:
        engine.dispose()


def _reanonymise(url: str, wanted: dict[int, str]) -> list[str]:
    """Anonymise again, in the restored database, every wave recorded as anonymised (matched
    by name, else by id). A wave the backup holds as still open is closed first: it was
    anonymised, so its fieldwork is over. Raises CommandError when one cannot be done."""
    from sqlalchemy import select, update

    from ktm import ledger
    from ktm.database import get_engine
    from store import privacy
    from store.db import transaction
    from store.schema import waves

    engine = get_engine(url)  # an older backup is brought to the current schema
    lines: list[str] = []
    with engine.connect() as conn:
        present = {int(i): str(n) for i, n in conn.execute(select(waves.c.id, waves.c.name))}
    by_name = {n: i for i, n in present.items()}
    for wave_id, name in sorted(wanted.items()):
        target = by_name.get(name, wave_id if wave_id in present else None)
        if target is None:
            continue  # the backup does not hold that wave at all
        with transaction(engine) as conn:
            conn.execute(
                update(waves)
                .where(waves.c.id == target, waves.c.status != "closed")
                .values(status="closed")
            )
        try:
            report = ledger.anonymise_and_record(engine, url, target)
        except privacy.PrivacyError as exc:
            raise CommandError(
                f"Bevraging {name} kon na het herstel niet opnieuw geanonimiseerd worden: {exc} "
                "/ could not be anonymised again after the restore"
            ) from exc
        if not report.already:
            lines.append("Opnieuw geanonimiseerd (was dat voor het herstel) / anonymised again:")
            lines.extend(report.lines())
    return lines


def cmd_restore(args) -> int:
    from ktm import roles

    try:
        roles.require("restore")
    except roles.Refused as exc:
        raise CommandError(str(exc)) from exc
    url = database_url_of(args)
    backup: Path = args.file
    if not backup.is_file():
        raise CommandError(f"{backup} bestaat niet / does not exist")
    # A backup made before a wave was anonymised holds its personal data again: every wave
    # anonymised now (in the database, or in the record beside it, which survives a damaged
    # or deleted database) is anonymised again right after the restore.
    from ktm import ledger

    anonymised = _anonymised_waves(url)
    try:
        for entry in ledger.recorded(url):
            anonymised.setdefault(int(entry["id"]), str(entry["name"]))
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc
    path = _sqlite_path(url)
    if path is not None:
        if backup.resolve() == path.resolve():
            raise CommandError("De back-up is de databank zelf / the backup is the database")
        check_sqlite_file(backup)  # before anything is touched
        from store.db import dispose_all

        dispose_all()  # this process's own pooled connections must not count as "in use"
        summary, kept = restore_sqlite(backup, path)
        print(f"Teruggezet / restored: {path} ({summary})")
        if kept is not None:
            print(f"Vorige databank bewaard als / previous database kept as: {kept}")
    elif make_url(url).get_backend_name() == "postgresql":
        print(restore_postgres(url, backup))
    else:
        raise CommandError(
            f"Geen herstel voor {make_url(url).get_backend_name()}: alleen SQLite en PostgreSQL "
            "/ no restore for this database: only SQLite and PostgreSQL"
        )
    # Written into the restored database: its trail now says who put it back, and when.
    # (The rows written since that backup are in the database set aside above.)
    from ktm.services import audit
    from store.db import get_engine

    audit.record(get_engine(url), "restore", None, {"file": backup.name})
    for line in _reanonymise(url, anonymised):
        print(line)
    return 0


# --- privacy -----------------------------------------------------------------------------------


def cmd_anonymise(args) -> int:
    from store import privacy

    engine, wave = engine_and_wave(args)
    if not args.yes:
        raise CommandError(
            f"Anonimiseren van {wave['name']} kan niet ongedaan gemaakt worden: e-mailadressen, "
            "namen, uitnodigingen en de koppeling met de antwoorden worden gewist. Voeg --yes "
            "toe om te bevestigen / this cannot be undone: add --yes to confirm"
        )
    from ktm import ledger

    try:
        report = ledger.anonymise_and_record(engine, database_url_of(args), wave["id"])
    except privacy.PrivacyError as exc:
        raise CommandError(str(exc)) from exc
    print("\n".join(report.lines()))
    return 0


def cmd_retention(args) -> int:
    from ktm import config
    from ktm.database import get_engine
    from store import privacy

    engine = get_engine(database_url_of(args))
    try:
        days = config.settings().retention_days
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    from ktm.commands.waves import STATUS

    with engine.connect() as conn:
        status = privacy.retention_status(conn, today=args.today, days=days)
    print(
        f"Bewaartermijn / retention: {days} dagen na het einde van het veldwerk / days after "
        f"the end of fieldwork ({config.RETENTION_ENV})"
    )
    for w in status:
        if w["anonymised_at"] is not None:
            state = f"geanonimiseerd / anonymised {w['anonymised_at']:%Y-%m-%d}"
        elif w["due"]:
            state = "TE ANONIMISEREN / due"
        elif w["retention_until"] is None:
            state = "geen einddatum veldwerk / no fieldwork end"
        else:
            state = f"bewaren tot / keep until {w['retention_until']}"
        status_ = STATUS.get(w["status"], w["status"])
        print(f"  {w['id']:>4}  {w['name']:<30} {status_:<17} {state}")
    due = [w for w in status if w["due"]]
    if not args.apply:
        if due:
            print(
                f"{len(due)} bevraging(en) te anonimiseren: ktm retention --apply / "
                f"{len(due)} due: run ktm retention --apply"
            )
        return 0
    from ktm import ledger

    url = database_url_of(args)
    for w in due:
        try:
            report = ledger.anonymise_and_record(engine, url, w["id"])
        except privacy.PrivacyError as exc:
            raise CommandError(str(exc)) from exc
        print("\n".join(report.lines()))
    from store.responses import purge_token_attempts

    gone = purge_token_attempts(engine)
    import datetime as _dt

    from store import logins

    gone += logins.purge(engine, _dt.datetime.now(_dt.UTC), _dt.timedelta(minutes=15))
    print(
        f"Verlopen tellingen van foute links gewist / expired link-failure counts deleted: {gone}"
    )
    return 0
