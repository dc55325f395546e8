"""How the demo wave's Excel workbook prints: pages per sheet, converted by LibreOffice.

    .venv/bin/python benchmarks/bench_print.py [--database sqlite:////tmp/ktm-demo.sqlite3]
                                               [--keep DIR]

Target (issue 18): the whole workbook prints in a few dozen pages at most (it was 316 before
the print set-up), each sheet A4. Needs Debian's libreoffice-calc (`soffice` on the PATH).
Prints one line per sheet and the total; with --keep the .xlsx and .pdf files stay in DIR.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def pdf_pages(pdf: bytes) -> int:
    """The page count of a PDF as LibreOffice writes it (its page tree's /Count)."""
    import re

    counts = [int(m) for m in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(m) for m in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    if counts:
        return max(counts)
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def to_pdf(xlsx: Path, outdir: Path) -> Path:
    """Convert with LibreOffice headless (its own profile, so parallel runs do not clash)."""
    profile = outdir / "lo-profile"
    subprocess.run(  # noqa: S603
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(xlsx),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return outdir / (xlsx.stem + ".pdf")


def sheet_pages(xlsx_bytes: bytes, workdir: Path) -> dict[str, int]:
    """Pages per sheet: each sheet alone in a copy of the workbook, converted."""
    import io

    import openpyxl

    names = openpyxl.load_workbook(io.BytesIO(xlsx_bytes), read_only=True).sheetnames
    out = {}
    for i, name in enumerate(names):
        wb = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
        for other in [n for n in wb.sheetnames if n != name]:
            del wb[other]
        path = workdir / f"sheet{i}.xlsx"
        wb.save(path)
        out[name] = pdf_pages(to_pdf(path, workdir).read_bytes())
    return out


def demo_workbook(url: str | None) -> bytes:
    from ktm.services.export import workbook_input
    from report.excel import workbook_bytes
    from store.db import create, get_engine, upgrade_schema
    from store.waves import resolve_wave

    if url is None:
        from ktm.demo import build_demo

        path = Path(tempfile.mkdtemp(prefix="ktm-print-")) / "demo.sqlite3"
        engine = create(f"sqlite:///{path}")
        upgrade_schema(engine)
        build_demo(engine, seed=2024)
    else:
        engine = get_engine(url)
    with engine.connect() as conn:
        wave = resolve_wave(conn, "latest")
    book = workbook_input(
        engine, wave["id"], exported_at=dt.datetime(2026, 2, 3, 10, 30, tzinfo=dt.UTC)
    )
    return workbook_bytes(book)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", default=None)
    ap.add_argument("--keep", default=None, help="folder to keep the .xlsx and .pdf in")
    ap.add_argument("--per-sheet", action="store_true", help="also count each sheet alone")
    args = ap.parse_args()
    if shutil.which("soffice") is None:
        print("soffice not found: apt-get install libreoffice-calc", file=sys.stderr)
        return 2
    work = Path(args.keep or tempfile.mkdtemp(prefix="ktm-print-"))
    work.mkdir(parents=True, exist_ok=True)
    raw = demo_workbook(args.database)
    xlsx = work / "demo-wave.xlsx"
    xlsx.write_bytes(raw)
    total = pdf_pages(to_pdf(xlsx, work).read_bytes())
    if args.per_sheet:
        for name, n in sheet_pages(raw, work).items():
            print(f"{name:<20} {n:5d} pages")
    print(f"{'whole workbook':<20} {total:5d} pages (A4, LibreOffice {work / 'demo-wave.pdf'})")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
