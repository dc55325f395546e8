"""The full list of an import's problems as a file (CSV or Excel), for `--errors-out` and the
pages' download: a message prints the first 50, the file holds every one."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from vocabulary import neutralise_frame

HEADERS = ("rij / row", "kolom / column", "probleem / problem")


def problems_table(problems: Iterable) -> pd.DataFrame:
    """One row per problem (sampling.frame.Problem or a (row, column, message) tuple)."""
    rows = [tuple(p) for p in problems]
    table = pd.DataFrame(rows, columns=list(HEADERS))
    return table.astype({HEADERS[0]: "Int64"})


def problems_csv_bytes(problems: Iterable) -> bytes:
    """UTF-8 with BOM and ';' (what a Belgian Excel opens with a double click)."""
    table = neutralise_frame(problems_table(problems))
    return table.to_csv(index=False, sep=";").encode("utf-8-sig")


def write_problems(problems: Iterable, path: str | Path) -> Path:
    """Write every problem to `path`: .xlsx as a sheet, anything else as CSV."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        buffer = io.BytesIO()
        neutralise_frame(problems_table(problems)).to_excel(
            buffer, index=False, sheet_name="Problemen"
        )
        path.write_bytes(buffer.getvalue())
    else:
        path.write_bytes(problems_csv_bytes(problems))
    return path
