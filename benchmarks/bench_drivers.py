"""Key-driver analysis: the cost of the bootstrap intervals of the LMG shares (replicates
within strata) against the analysis without them, for 8 and 12 aspects.

    .venv/bin/python benchmarks/bench_drivers.py [--rows 2000] [--replicates 200] [--repeat 3]

Target (2 cores): the e-loket questionnaire (8 aspects, a few thousand respondents) with 200
replicates in well under a second, so the dashboard's first view of a wave stays quick.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from timing import best_of

from analysis import Design
from analysis.drivers import key_drivers


class Col:
    def __init__(self, name, role="driver", dimension=None, lo=1, hi=5):
        self.name, self.role, self.dimension = name, role, dimension or name
        self.type, self.kind = ("rating10", "rating") if role == "overall" else ("scale5", "scale")
        self.scale_min, self.scale_max, self.reverse = lo, hi, False
        self.item_id, self.label = name, {"nl": name, "en": name}


def make(n: int, p: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    lat = rng.normal(size=(n, p))
    items = np.clip(np.round(3 + 0.9 * lat), 1, 5)
    y = 5 + lat @ rng.uniform(0.2, 1.5, p) + rng.normal(scale=0.8, size=n)
    data = pd.DataFrame(items, columns=[f"a{j}" for j in range(p)])
    data["tevredenheid"] = np.clip(np.round(y), 0, 10)
    data["s"] = rng.choice(["s1", "s2", "s3", "s4", "s5"], size=n)
    data["w"] = data["s"].map({"s1": 6.0, "s2": 6.1, "s3": 6.1, "s4": 3.0, "s5": 1.2})
    cols = [Col("tevredenheid", role="overall", dimension="globaal", lo=0, hi=10)]
    cols += [Col(f"a{j}") for j in range(p)]
    return Design(data, weights="w", strata="s"), cols


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{args.rows} respondents, 5 strata, best of {args.repeat}")
    for p in (8, 12):
        d, cols = make(args.rows, p)
        t0, _ = best_of(lambda d=d, cols=cols: key_drivers(d, cols, replicates=0), args.repeat)
        tb, _ = best_of(
            lambda d=d, cols=cols: key_drivers(d, cols, replicates=args.replicates), args.repeat
        )
        print(
            f"{p:2d} aspects: without bootstrap {1000 * t0:7.1f} ms, "
            f"with {args.replicates} replicates {1000 * tb:7.1f} ms"
        )


if __name__ == "__main__":
    main()
