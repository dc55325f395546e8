"""Raking speed: Design.rake against a plain numpy cell-table reference (and, when installed,
balance, samplics and weightipy; they are not project dependencies).

    .venv/bin/python benchmarks/bench_rake.py [--rows 1000000] [--repeat 5]

Target (2 cores): 1M rows x 3 margins of 5, 4 and 6 levels in about 0.1 s.
"""

from __future__ import annotations

import argparse
import importlib.util

import numpy as np
import pandas as pd
from timing import best_of

from analysis import Design

LEVELS = {
    "region": list("ABCDE"),
    "profession": ["hao", "aso", "tan", "zha"],
    "age": list("123456"),
}


def make_data(n: int, seed: int = 7) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    data = {}
    for var, lv in LEVELS.items():
        p = rng.dirichlet(np.ones(len(lv)) * 3)
        data[var] = pd.Categorical.from_codes(rng.choice(len(lv), n, p=p), categories=lv)
    df = pd.DataFrame(data)
    df["w"] = rng.uniform(1, 5, n)
    total = 2.5 * n
    targets = {var: {lvl: total / len(lv) for lvl in lv} for var, lv in LEVELS.items()}
    return df, targets


def numpy_reference(codes: list[np.ndarray], sizes, w, targets, tol=1e-10, max_iter=100):
    """Minimal cell-table IPF on integer codes: no validation, no design bookkeeping."""
    flat = np.ravel_multi_index(codes, sizes)
    cells = np.bincount(flat, w, minlength=int(np.prod(sizes)))
    grid = cells.reshape(sizes)
    g = np.ones_like(grid)
    for _ in range(max_iter):
        for m, t in enumerate(targets):
            axes = tuple(a for a in range(len(sizes)) if a != m)
            cur = (grid * g).sum(axis=axes)
            shape = [1] * len(sizes)
            shape[m] = -1
            g = g * (t / cur).reshape(shape)
        fit = max(
            np.max(
                np.abs((grid * g).sum(axis=tuple(a for a in range(len(sizes)) if a != m)) - t) / t
            )
            for m, t in enumerate(targets)
        )
        if fit < tol:
            break
    return w * g.ravel()[flat]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    df, targets = make_data(args.rows)
    print(f"rows {args.rows:,}; margins {', '.join(f'{k} ({len(v)})' for k, v in LEVELS.items())}")
    rows = []

    t_design, d = best_of(lambda: Design(df, weights="w"), args.repeat)
    t_rake, raked = best_of(lambda: d.rake(targets), args.repeat)
    rows.append(("analysis.Design.rake (validation, cells, variance data)", t_rake))
    rows.append(("  Design(...) construction, for reference", t_design))

    df_str = df.astype({k: "str" for k in LEVELS})
    d_str = Design(df_str, weights="w")
    t_str, _ = best_of(lambda: d_str.rake(targets), args.repeat)
    rows.append(("analysis.Design.rake, string columns", t_str))

    codes = [df[k].cat.codes.to_numpy() for k in LEVELS]
    sizes = [len(v) for v in LEVELS.values()]
    tarr = [np.array(list(targets[k].values())) for k in LEVELS]
    w = df["w"].to_numpy()
    t_ref, ref = best_of(lambda: numpy_reference(codes, sizes, w, tarr), args.repeat)
    rows.append(("numpy cell-table reference (integer codes, no checks)", t_ref))
    gap = np.max(np.abs(raked.weights - ref) / ref)

    for pkg in ("balance", "samplics", "weightipy"):
        if importlib.util.find_spec(pkg) is None:
            print(f"note: {pkg} is not installed; skipped (it is not a project dependency)")
    if importlib.util.find_spec("weightipy") is not None:
        import weightipy as wp  # type: ignore[import-not-found]

        scheme = wp.scheme_from_dict(
            {k: {lvl: 100 / len(v) for lvl in v} for k, v in LEVELS.items()}
        )
        t_wp, _ = best_of(lambda: wp.weight_dataframe(df_str, scheme, weight_column="wp"), 1)
        rows.append(("weightipy.weight_dataframe", t_wp))
    if importlib.util.find_spec("samplics") is not None:
        from samplics.weighting import SampleWeight  # type: ignore[import-not-found]

        ctrl = {k: targets[k] for k in LEVELS}
        t_sp, _ = best_of(
            lambda: SampleWeight().rake(
                samp_weight=w, x=df_str[list(LEVELS)].to_numpy(), control=ctrl
            ),
            1,
        )
        rows.append(("samplics SampleWeight.rake", t_sp))
    if importlib.util.find_spec("balance") is not None:
        print("note: balance is installed but needs its own sample/target frames; not timed here")

    print(f"{'method':60s} {'seconds':>9s}")
    for name, t in rows:
        print(f"{name:60s} {t:9.4f}")
    print(f"largest relative difference Design.rake vs numpy reference: {gap:.2e}")
    print(
        f"raking passes: {raked.calibration[-1]['iterations']}, "
        f"max margin misfit {raked.calibration[-1]['max_misfit']:.1e}"
    )


if __name__ == "__main__":
    main()
