"""Verantwoording 4b and 4c say how the sample size was chosen: the target margin of error after
the design effect of the allocation, computed by the draw (ktm.services.sampling.draw_sample)
and stored in samples.parameters."""

from __future__ import annotations

from report.accountability import answer_rows
from sampling.allocation import allocation_deff, expected_precision, size_for_allocation
from sampling.demo import DEFAULT_SIZES

WAVE = {"name": "Meting 2025", "status": "closed", "design_type": "stratified"}


def _sample_info():
    sized = size_for_allocation(DEFAULT_SIZES, 0.05, minimum=50, response_rate=0.4)
    deff, moe = expected_precision(DEFAULT_SIZES, sized.allocation, 0.4)
    parameters = {
        "minimum": 50,
        "confidence": 0.95,
        "response_rate": 0.4,
        "deff": deff,
        "deff_assumed": 1.0,
        "deff_allocation": deff,
        "expected_moe": moe,
        "target_moe": 0.05,
        "expected_completes": sized.size.completes,
        "invitations_without_deff": sized.without.invitations,
    }
    info = {
        "strata_var": "profession",
        "method": "proportional",
        "seed": 1,
        "n": sized.size.invitations,
        "allocation": sized.allocation,
        "population": DEFAULT_SIZES,
        "parameters": parameters,
    }
    return sized, info


def test_4b_and_4c_give_the_design_effect_and_the_margin_after_it():
    sized, info = _sample_info()
    figures = {"counts": {"complete_invited": 380, "complete": 380}, "response": {}}
    rows = {r["number"]: r for r in answer_rows(WAVE, figures, sample_info=info)}
    deff = allocation_deff(DEFAULT_SIZES, sized.allocation)
    assert 1.04 < deff < 1.06  # 1.05: the figure the sentences must show
    b_nl, b_en = rows["4b"]["answer_nl"], rows["4b"]["answer_en"]
    assert "foutenmarge van ±5,0% (95% betrouwbaarheid, proportie 50%)" in b_nl
    assert f"(Kish 1,05): {sized.size.invitations} uitnodigingen, " in b_nl
    assert f"{sized.without.invitations} zonder dat designeffect." in b_nl
    assert "margin of error of ±5.0% (95% confidence" in b_en and "(Kish 1.05)" in b_en
    c_nl, c_en = rows["4c"]["answer_nl"], rows["4c"]["answer_en"]
    e = info["parameters"]["expected_moe"]
    assert 0.0495 < e <= 0.05  # shown as 5,0%
    assert "gewichten N_h/n_h): 1,05; verwachte foutenmarge na dat effect ±5,0% (95%" in c_nl
    assert "weights N_h/n_h): 1.05; expected margin of error after it ±5.0% (95%" in c_en
    assert "samples.parameters" in rows["4c"]["source"]


def test_without_stored_parameters_nothing_is_claimed():
    _, info = _sample_info()
    info["parameters"] = {"minimum": 0}
    figures = {"counts": {"complete_invited": 10, "complete": 10}, "response": {}}
    rows = {r["number"]: r for r in answer_rows(WAVE, figures, sample_info=info)}
    assert "designeffect" not in rows["4b"]["answer_nl"].lower()
    assert "allocatie" not in rows["4c"]["answer_nl"]
