"""Excel export speed: the demo wave, and a synthetic wave of 100,000 responses.

    .venv/bin/python benchmarks/bench_export.py [--database sqlite:////tmp/ktm-demo.sqlite3]
                                                [--rows 100000] [--skip-large]

Targets (2 cores): the demo wave exports in under 3 s, a wave of 100,000 responses in under
30 s. The figures are printed per stage, because the workbook writing (report.excel) and the
analysis it shows (analysis.wave: scores with every breakdown, disclosure control, key-driver
analysis, trend) have different owners:

- read: ktm.services.results.load_inputs + the previous wave for the trend;
- analyse: the WaveAnalysis parts the workbook shows (computed lazily on first use);
- write: report.excel.workbook_bytes once the analysis is computed (the export's own cost),
  with the Data sheet alone and openpyxl's own writer for comparison;
- CSV: data.csv and codeboek.csv.

The large wave is made in memory (WaveInputs with a fake sample): the demo wave's responses
resampled with replacement to --rows, a sample of 1.4 x rows invitations in the same strata
(non-respondents included) with N_h = 8 n_h, so the weighting, response and representativeness
steps all run.
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time

import numpy as np
import pandas as pd


def _t(label: str, seconds: float, width: int = 62) -> None:
    print(f"{label:<{width}} {seconds:8.2f} s")


def _force(result, verbose: bool = False) -> None:
    """Compute every part of the analysis the workbook shows (timing each when verbose)."""
    from analysis.wave import disclosed
    from report.excel import open_answers_table

    k = result.settings.k
    parts = [
        ("response (AAPOR)", lambda: result.response),
        ("weighting", lambda: result.weighting),
        ("R-indicator", lambda: result.r_indicator),
        ("representativeness", lambda: result.representativeness),
        ("scores (all kinds, 3 breakdowns)", lambda: result.scores),
        ("scores by mode", lambda: result.scores_by_mode),
        ("disclosure control of the scores", lambda: disclosed(result.scores, k)),
        ("key drivers + improvement points", lambda: result.improvement_points),
        ("open answers under disclosure control", lambda: open_answers_table(result, k)),
    ]
    for label, fn in parts:
        t = time.perf_counter()
        fn()
        if verbose:
            _t(f"  {label}", time.perf_counter() - t)


def demo(url: str) -> None:
    from ktm.services import export as svc
    from report import excel
    from store.db import get_engine
    from store.waves import resolve_wave

    engine = get_engine(url)
    with engine.connect() as conn:
        wave = resolve_wave(conn, "latest")
    print(f"\nDemo wave: {wave['name']} (id {wave['id']})")
    t0 = time.perf_counter()
    book = svc.workbook_input(engine, wave["id"])
    t1 = time.perf_counter()
    _force(book.result, verbose=True)
    t2 = time.perf_counter()
    xlsx = excel.workbook_bytes(book)
    t3 = time.perf_counter()
    files = excel.csv_files(book)
    t4 = time.perf_counter()
    n = len(book.result.inputs.responses)
    _t(f"read + trend (store, {n} responses, previous wave analysed)", t1 - t0)
    _t("analyse (the parts above)", t2 - t1)
    _t(f"write workbook ({len(xlsx) / 1e6:.1f} MB; includes disclosure control again)", t3 - t2)
    _t(f"write CSV ({sum(map(len, files.values())) / 1e6:.2f} MB)", t4 - t3)
    _t("total, end to end", t4 - t0)
    t = time.perf_counter()
    out = os.path.join(tempfile.mkdtemp(prefix="ktm-bench-"), "demo.xlsx")
    svc.export_wave(engine, wave["id"], out)
    _t("ktm.services.export.export_wave, cold (what `ktm export` runs)", time.perf_counter() - t)


def large_inputs(url: str | None, rows: int, seed: int = 7):
    """A WaveInputs of ``rows`` complete invited responses (and partials), in memory."""
    from analysis.wave import WaveInputs
    from ktm.services import results
    from store.db import get_engine
    from store.waves import resolve_wave

    engine = get_engine(url)
    with engine.connect() as conn:
        wave = resolve_wave(conn, "latest")
    base = results.load_inputs(engine, wave["id"]).inputs
    rng = np.random.default_rng(seed)
    pool = base.responses[base.responses["mode"] == "invited"]
    pick = rng.integers(0, len(pool), rows)
    r = pool.iloc[pick].reset_index(drop=True)
    r["response_id"] = np.arange(1, rows + 1)
    r["status"] = np.where(rng.random(rows) < 0.92, "complete", "partial")
    n_invited = int(rows * 1.4)
    strata = r["stratum"].to_numpy()
    extra = rng.choice(strata, n_invited - rows)
    all_strata = np.concatenate([strata, extra])
    n_h = pd.Series(all_strata).value_counts()
    N_h = (n_h * 8).astype(float)
    sample = pd.DataFrame(
        {
            "invitation_id": np.arange(1, n_invited + 1),
            "stratum": all_strata,
            "design_weight": (N_h / n_h).reindex(all_strata).to_numpy(),
            "disposition": ["complete"] * rows + ["invited"] * (n_invited - rows),
            "N_h": N_h.reindex(all_strata).to_numpy(),
            "response_id": np.concatenate([r["response_id"], np.full(n_invited - rows, np.nan)]),
        }
    )
    sample.loc[: rows - 1, "disposition"] = np.where(
        r["status"] == "complete", "complete", "partial"
    )
    for c in ("profession", "training_year", "university", "language"):
        sample[c] = np.concatenate(
            [r[c].to_numpy(dtype=object), rng.choice(r[c].to_numpy(dtype=object), n_invited - rows)]
        )
    r["design_weight"] = sample["design_weight"].iloc[:rows].to_numpy()
    # The frame: every invited unit stands for N_h / n_h units of its stratum.
    frame = sample.loc[
        sample.index.repeat(8), ["profession", "training_year", "university", "language"]
    ]
    frame = frame.reset_index(drop=True)
    frame["eloket_use_12m"] = rng.choice(["ja", "nee"], len(frame))
    return wave, WaveInputs(r, base.columns, sample=sample, frame=frame, settings=base.settings)


def large(url: str, rows: int) -> None:
    from analysis.wave import analyse_wave
    from report import excel

    t0 = time.perf_counter()
    wave, inputs = large_inputs(url, rows)
    t1 = time.perf_counter()
    result = analyse_wave(inputs)
    book = excel.WorkbookInput(wave=dict(wave, name=f"Synthetisch {rows}"), result=result)
    _force(result, verbose=True)
    t2 = time.perf_counter()
    xlsx = excel.workbook_bytes(book)
    t3 = time.perf_counter()
    files = excel.csv_files(book)
    t4 = time.perf_counter()
    data = excel.data_table(result)
    buf = io.BytesIO()
    excel._finish_package(_empty_data_package(data), {}, "Data", data, buf)
    t5 = time.perf_counter()
    print(
        f"\nSynthetic wave: {len(inputs.responses)} responses, {len(inputs.sample)} invitations, "
        f"frame {len(inputs.frame)}; Data sheet {data.shape[0]} x {data.shape[1]}"
    )
    _t("make the inputs in memory", t1 - t0)
    _t("analyse (the parts above)", t2 - t1)
    _t(f"write workbook ({len(xlsx) / 1e6:.1f} MB; includes disclosure control again)", t3 - t2)
    _t(f"  of which the Data sheet alone, streamed ({data.size / 1e6:.1f} M cells)", t5 - t4)
    _t(f"write CSV ({sum(map(len, files.values())) / 1e6:.1f} MB)", t4 - t3)
    _t("total analyse + write + CSV", t4 - t1)
    sub = data.head(20000)
    t = time.perf_counter()
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    for row in sub.astype(object).where(sub.notna(), None).itertuples(index=False):
        ws.append(list(row))
    wb.save(io.BytesIO())
    per = (time.perf_counter() - t) / sub.size
    _t(f"reference: openpyxl write-only, {sub.size / 1e6:.2f} M cells", per * sub.size)
    _t(
        f"  -> openpyxl would need for the Data sheet ({data.size / 1e6:.1f} M cells)",
        per * data.size,
    )


def _empty_data_package(data: pd.DataFrame) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    for j, c in enumerate(data.columns, start=1):
        ws.cell(1, j, str(c))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--database", help="a database with the demo world (default: build one)")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    url = args.database
    if url is None:
        from ktm.demo import build_demo
        from store.db import create, upgrade_schema

        path = os.path.join(tempfile.mkdtemp(prefix="ktm-bench-"), "demo.sqlite3")
        url = f"sqlite:///{path}"
        engine = create(url)
        upgrade_schema(engine)
        build_demo(engine, seed=2024)
        engine.dispose()
    demo(url)
    if not args.skip_large:
        large(url, args.rows)


if __name__ == "__main__":
    main()
