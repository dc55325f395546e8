"""The Excel export of a wave from the store: read (ktm.services.results), analyse, write
(report.excel). Nothing here writes to the database.

    book = workbook_input(engine, wave_id)
    report.excel.write_workbook(book, "meting.xlsx")
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ktm import __version__
from ktm.services import results
from report import excel
from store.actions import list_actions


def workbook_input(engine: Engine, wave_id: int, exported_at: dt.datetime | None = None):
    """Everything the workbook needs, read from the store and analysed."""
    data, result = results.analyse(engine, wave_id)
    previous, trend_table = None, None
    compared = results.trend(engine, wave_id, result)
    if compared is not None:
        previous, _prev_result, trend_table = compared
    return excel.WorkbookInput(
        wave=data.wave,
        result=result,
        questionnaire=data.questionnaire,
        sample_info=data.sample_info,
        frame_info=data.frame_info,
        previous_wave=previous,
        trend=trend_table,
        actions=list_actions(engine, wave_id),
        version=__version__,
        exported_at=exported_at or dt.datetime.now(dt.UTC),
    )


def file_stem(wave: dict) -> str:
    """A file name for the wave's export: ktm-<wave name>, safe on every system."""
    name = re.sub(r"[^\w.-]+", "-", str(wave.get("name") or f"wave-{wave.get('id')}")).strip("-")
    return f"ktm-{name or wave.get('id')}"


@dataclass
class ExportResult:
    wave: dict
    workbook: Path
    csv_files: list[Path]
    n_responses: int


def export_wave(
    engine: Engine, wave_id: int, out: str | Path, csv_dir: str | Path | None = None
) -> ExportResult:
    """Write the wave's workbook to ``out`` (and the CSV files into ``csv_dir``)."""
    book = workbook_input(engine, wave_id)
    path = excel.write_workbook(book, out)
    csv = excel.write_csv(book, csv_dir) if csv_dir is not None else []
    return ExportResult(dict(book.wave), path, csv, len(book.result.inputs.responses))


def export_bytes(engine: Engine, wave_id: int) -> tuple[bytes, bytes]:
    """(the .xlsx file, a zip of the CSV files) for a download."""
    book = workbook_input(engine, wave_id)
    return excel.workbook_bytes(book), excel.csv_zip_bytes(book, prefix=file_stem(book.wave) + "/")
