"""Design-based analysis: the survey design object, weighting, response, scores and trend.

Plain data in, plain data out: no Streamlit, no database. Numbers and codes out, no words:
what a person reads for a code (a weighting step, a quadrant, a change, a note) is in
``report.labels`` and ``report.wording`` (tests/analysis/test_no_words.py checks the string
literals here). Names are resolved lazily so that `import analysis` stays cheap (statsmodels
loads only when a verb needs it).
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Design": "analysis.design",
    "Estimate": "analysis.design",
    "RakingError": "analysis.design",
    "TTest": "analysis.design",
    "ChiSquareTest": "analysis.design",
    "response_rates": "analysis.response",
    "r_indicator": "analysis.response",
    "score_table": "analysis.scores",
    "reliability_table": "analysis.reliability",
    "key_drivers": "analysis.drivers",
    "improvement_points": "analysis.drivers",
    "compare_waves": "analysis.trend",
    "standardized_mean": "analysis.trend",
    "weight_wave": "analysis.weighting",
    "analyse_wave": "analysis.wave",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
