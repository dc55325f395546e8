"""How long reading and writing the e-loket XLSForm takes (pyxform reader and our mapping).

.venv/bin/python benchmarks/bench_xlsform.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import best_of  # noqa: E402
from survey import load_questionnaire, save_xlsform  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    xlsx = ROOT / "data" / "questionnaire" / "eloket.xlsx"
    yml = ROOT / "data" / "questionnaire" / "eloket.yaml"
    t_yaml, q = best_of(lambda: load_questionnaire(yml), 5)
    t_read, q2 = best_of(lambda: load_questionnaire(xlsx), 5)
    assert q2.hash == q.hash
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.xlsx"
        t_write, _ = best_of(lambda: save_xlsform(q, out), 5)
    print(f"load YAML      {t_yaml * 1000:7.1f} ms")
    print(f"load XLSForm   {t_read * 1000:7.1f} ms  ({len(q.items())} items, pyxform reader)")
    print(f"write XLSForm  {t_write * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
