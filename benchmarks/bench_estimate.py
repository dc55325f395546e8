"""Estimation speed: a stratified mean with its linearised SE (Design.mean) against a plain
numpy implementation of the textbook formula; samplics when installed (not a project
dependency).

    .venv/bin/python benchmarks/bench_estimate.py [--rows 100000] [--strata 20] [--repeat 20]

Target (2 cores): 100k rows, 20 strata, mean + SE in about 10 ms.
"""

from __future__ import annotations

import argparse
import importlib.util

import numpy as np
import pandas as pd
from timing import best_of

from analysis import Design


def make_data(n: int, H: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    h = rng.integers(0, H, n)
    n_h = np.bincount(h, minlength=H)
    N_h = n_h * rng.uniform(2, 20, H).round(0)
    return pd.DataFrame(
        {
            "stratum": pd.Categorical.from_codes(h, [f"s{i:02d}" for i in range(H)]),
            "score": rng.normal(70, 15, n) + h,
            "N": N_h[h],
            "w": (N_h / n_h)[h],
            "sex": rng.choice(["f", "m"], n),
            "age": rng.choice(list("abcd"), n),
        }
    )


def numpy_reference(y, h, N_h, n_h):
    """sum_h W_h ybar_h and sqrt(sum_h W_h^2 (1 - f_h) s_h^2 / n_h)."""
    W = N_h / N_h.sum()
    s1 = np.bincount(h, y)
    ybar = s1 / n_h
    ss = np.bincount(h, (y - ybar[h]) ** 2)
    s2 = ss / (n_h - 1)
    return float(W @ ybar), float(np.sqrt(np.sum(W**2 * (1 - n_h / N_h) * s2 / n_h)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--strata", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    df = make_data(args.rows, args.strata)
    print(f"rows {args.rows:,}; strata {args.strata}")
    rows = []
    t_build, d = best_of(lambda: Design(df, weights="w", strata="stratum", fpc="N"), args.repeat)
    t_mean, est = best_of(lambda: d.mean("score"), args.repeat)
    rows.append(("Design.mean (mean + SE, fpc)", t_mean))
    rows.append(("  Design(...) construction, once per dataset", t_build))
    h = df["stratum"].cat.codes.to_numpy()
    n_h = np.bincount(h).astype(float)
    N_h = np.bincount(h, df["N"].to_numpy()) / n_h
    y = df["score"].to_numpy()
    t_ref, ref = best_of(lambda: numpy_reference(y, h, N_h, n_h), args.repeat)
    rows.append(("numpy textbook formula (integer strata codes)", t_ref))
    t_by, _ = best_of(lambda: d.mean("score", by="sex"), args.repeat)
    rows.append(("Design.mean(by=sex), 2 domains", t_by))
    pop = len(df) * 5.0
    raked = d.rake({"sex": {"f": pop / 2, "m": pop / 2}, "age": {a: pop / 4 for a in "abcd"}})
    t_raked, _ = best_of(lambda: raked.mean("score"), max(3, args.repeat // 4))
    rows.append(("Design.mean after raking on 2 margins (10 projection sweeps)", t_raked))
    if importlib.util.find_spec("samplics") is None:
        print("note: samplics is not installed; skipped (it is not a project dependency)")
    else:
        from samplics.estimation import TaylorEstimator  # type: ignore[import-not-found]

        def sp():
            e = TaylorEstimator("mean")
            e.estimate(
                y=y, samp_weight=df["w"].to_numpy(), stratum=h, fpc=dict(enumerate(n_h / N_h))
            )
            return e

        t_sp, _ = best_of(sp, 3)
        rows.append(("samplics TaylorEstimator('mean')", t_sp))

    print(f"{'method':62s} {'ms':>8s}")
    for name, t in rows:
        print(f"{name:62s} {t * 1000:8.2f}")
    print(
        f"estimate {est.estimate:.10f} / reference {ref[0]:.10f}; "
        f"se {est.se:.10f} / reference {ref[1]:.10f}"
    )


if __name__ == "__main__":
    main()
