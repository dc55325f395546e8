"""The demo world's last closed wave, exported once per session (read-only use)."""

from __future__ import annotations

import datetime as dt
import io
import shutil

import pytest


@pytest.fixture(scope="session")
def export_db(demo_template, tmp_path_factory) -> str:
    target = tmp_path_factory.mktemp("export") / "demo.sqlite3"
    shutil.copyfile(demo_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def export_engine(export_db):
    from store.db import get_engine

    return get_engine(export_db)


@pytest.fixture(scope="session")
def latest_wave(export_engine) -> dict:
    from store.waves import resolve_wave

    with export_engine.connect() as conn:
        return resolve_wave(conn, "latest")


@pytest.fixture(scope="session")
def book(export_engine, latest_wave):
    from ktm.services.export import workbook_input

    return workbook_input(
        export_engine, latest_wave["id"], exported_at=dt.datetime(2026, 2, 3, 10, 30, tzinfo=dt.UTC)
    )


@pytest.fixture(scope="session")
def xlsx(book) -> bytes:
    from report.excel import workbook_bytes

    return workbook_bytes(book)


@pytest.fixture(scope="session")
def wb(xlsx):
    import openpyxl

    return openpyxl.load_workbook(io.BytesIO(xlsx))


def sheet_records(ws, header_row: int = 1) -> list[dict]:
    """The rows of the table that starts at ``header_row``, as dicts by header (stops at the
    first empty row)."""
    rows = ws.iter_rows(min_row=header_row, values_only=True)
    header = next(rows)
    out = []
    for row in rows:
        if all(v is None for v in row):
            break
        out.append({h: v for h, v in zip(header, row, strict=False) if h is not None})
    return out
