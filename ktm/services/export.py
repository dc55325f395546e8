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

import pandas as pd
from sqlalchemy import Engine

from ktm import __version__, roles
from ktm.config import organisation
from ktm.services import audit, results
from report import excel
from store.actions import list_actions


def workbook_input(
    engine: Engine,
    wave_id: int,
    exported_at: dt.datetime | None = None,
    profile: str = "internal",
):
    """Everything the workbook needs, read from the store and analysed; ``profile``
    "internal" (confidential, full microdata) or "publication" (see report.excel.PROFILES).
    A reader may build the publication profile only (ktm.roles)."""
    roles.require(audit.export_permission(profile))
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
        organisation=organisation(),
        profile=profile,
        audit=audit_rows(engine, wave_id),
    )


def audit_rows(engine: Engine, wave_id: int) -> list[dict]:
    """The wave's audit trail as the answers cite it (action, actor, at): counts and dates
    are shown, never the names."""
    from store import audit as store_audit

    return [
        {"action": r["action"], "actor": r["actor"], "at": r["at"]}
        for r in store_audit.entries(engine, wave_id=wave_id)
    ]


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
    engine: Engine,
    wave_id: int,
    out: str | Path,
    csv_dir: str | Path | None = None,
    profile: str = "internal",
) -> ExportResult:
    """Write the wave's workbook to ``out`` (and the CSV files into ``csv_dir``)."""
    book = workbook_input(engine, wave_id, profile=profile)
    path = excel.write_workbook(book, out)
    csv = excel.write_csv(book, csv_dir) if csv_dir is not None else []
    if profile != "publication":
        audit.record(
            engine,
            "internal_export",
            wave_id,
            {
                "what": "workbook",
                "file": Path(out).name,
                "csv": bool(csv),
                "profile": profile,
            },  # fmt: skip
        )
    return ExportResult(dict(book.wave), path, csv, len(book.result.inputs.responses))


def export_bytes(engine: Engine, wave_id: int, profile: str = "internal") -> tuple[bytes, bytes]:
    """(the .xlsx file, a zip of the CSV files) for a download."""
    book = workbook_input(engine, wave_id, profile=profile)
    return excel.workbook_bytes(book), excel.csv_zip_bytes(book, prefix=file_stem(book.wave) + "/")


def na_mask(engine: Engine, wave_id: int, questionnaire) -> pd.DataFrame:
    """Per response_id and answer column of an item with an n.v.t. option: True where the answer
    was n.v.t. (the store keeps the key with an empty value; "not answered" has no key)."""
    import json

    from sqlalchemy import select

    from store import schema
    from store.db import reading

    cols = [c for c in questionnaire.columns() if c.na]
    with reading(engine) as conn:
        rows = conn.execute(
            select(schema.responses.c.id, schema.responses.c.answers).where(
                schema.responses.c.wave_id == wave_id
            )
        ).all()
    ids, flags = [], {c.name: [] for c in cols}
    for rid, answers in rows:
        a = json.loads(answers) if isinstance(answers, str) else (answers or {})
        ids.append(rid)
        for c in cols:
            flags[c.name].append(c.name in a and a[c.name] is None)
    return pd.DataFrame(flags, index=pd.Index(ids, name="response_id"), dtype=bool)


@dataclass
class StatsExport:
    """The files of one statistics-package export: {file name: bytes}."""

    wave: dict
    files: dict[str, bytes]
    n_responses: int


def stats_export(
    engine: Engine, wave_id: int, fmt: str, lang: str = "nl", profile: str = "internal"
) -> StatsExport:
    """The wave's data as ``fmt`` (sav, dta, csv, parquet), with the codebook and, in the
    internal profile, the design declared for R (``ontwerp.R``) and SPSS (``ontwerp.sps``); the
    publication profile holds no weights, so no design (report.excel.PROFILE_TEXT)."""
    import tempfile

    from analysis import scores as sc
    from report import exports
    from survey.schema import PROFESSIONS

    if fmt not in ("sav", "dta", "csv", "parquet"):
        raise ValueError(f"format {fmt!r}: choose one of sav, dta, csv, parquet")
    book = workbook_input(engine, wave_id, profile=profile)
    result = book.result
    md = exports.microdata(
        book,
        lang,
        na_mask=na_mask(engine, wave_id, book.questionnaire),
        population={str(k): float(v) for k, v in (result.inputs.population or {}).items()},
        nonresponse_weights=result.nonresponse_weights,
        stratum_labels=PROFESSIONS,
    )
    spec = None
    if profile == "internal":  # the publication profile holds no weights: no design to declare
        overall = sc.overall_column(book.columns)
        margins = result.applied_margins if result.weighting is not None else {}
        mappings = {v: exports.code_numbers(book, md, v) for v in margins if v in md.names}
        trim = result.settings.trim
        if trim and any(trim.get(k) is not None for k in ("lower_ratio", "upper_ratio")):
            trim = None  # relative bounds: the R script states none rather than a wrong one
        spec = exports.design_spec(md, margins, trim, overall.name if overall else None, mappings)
    stem = "data"
    files: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{stem}.{fmt}"
        if fmt == "sav":
            exports.write_sav(book, md, target)
        elif fmt == "dta":
            exports.write_dta(book, md, target)
        elif fmt == "parquet":
            exports.write_parquet(book, md, target)
        else:
            target.write_bytes(exports.data_csv(md))
        files[target.name] = target.read_bytes()
    files["codeboek.csv"] = exports.codebook_csv(md)
    if spec is not None:
        files["ontwerp.R"] = exports.r_script(spec, f"{stem}.{fmt}").encode()
        files["ontwerp.sps"] = exports.spss_syntax(spec, f"{stem}.{fmt}").encode()
    if profile != "publication":
        audit.record(engine, "internal_export", wave_id, {"what": fmt, "profile": profile})
    return StatsExport(dict(book.wave), files, len(result.inputs.responses))


def answer_docx(engine: Engine, wave_id: int, lang: str = "nl", profile: str = "internal") -> bytes:
    """The draft written answer to the parliamentary question (.docx) for the wave."""
    from report.docx import answer_document

    data = answer_document(workbook_input(engine, wave_id, profile=profile), lang)
    if profile != "publication":
        audit.record(engine, "internal_export", wave_id, {"what": "docx", "profile": profile})
    return data
