"""The team's weighting choices for a wave: preview, then store (`ktm wave weighting`, the
Steekproef page's tab Weging).

    choice = WeightingChoice(margins=("profession", "university"), trim={"upper_ratio": 3.5})
    preview(engine, wave_id, choice)     # current and proposed side by side
    save(engine, wave_id, choice)        # waves.weighting

``margins=None`` is the automatic choice (analysis.wave.WaveAnalysis.chosen_margins: the frame
variables the response is unbalanced on); ``()`` is no raking. The stored JSON is
``{"margins": [...] | null, "trim": {...} | null}``, with ``"auto": true`` once the automatic
choice has been fixed (:func:`fix_automatic`, when the wave closes and before anonymising: the
choice is made from the invitations, which anonymising deletes).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from analysis.wave import WaveAnalysis, analyse_wave
from analysis.weighting import weight_summary
from ktm import roles
from ktm.services import messages
from store.db import transaction
from store.waves import get_wave, update_wave

TRIM_KEYS = ("lower", "upper", "lower_ratio", "upper_ratio")


class WeightingError(ValueError):
    """A choice that cannot be used, with a message for people (nl / en)."""


@dataclass(frozen=True)
class WeightingChoice:
    margins: tuple[str, ...] | None = None  # None: automatic
    trim: Mapping[str, float] | None = None
    # margins is the automatic choice, fixed (fix_automatic)
    auto: bool = False

    def as_json(self) -> dict:
        out = {
            "margins": None if self.margins is None else list(self.margins),
            "trim": dict(self.trim) if self.trim else None,
        }
        if self.auto and self.margins is not None:
            out["auto"] = True
        return out

    @classmethod
    def from_json(cls, stored: Mapping | None) -> WeightingChoice:
        stored = stored or {}
        margins = stored.get("margins")
        return cls(
            None if margins is None else tuple(margins),
            stored.get("trim") or None,
            auto=bool(stored.get("auto")) and margins is not None,
        )


def _analysis(engine: Engine, wave_id: int):
    from ktm.services.results import load_inputs

    return load_inputs(engine, wave_id)


def options(engine: Engine, wave_id: int) -> list[str]:
    """Frame variables the wave can be raked to: known for every sampled unit and in the
    frame."""
    data = _analysis(engine, wave_id)
    return list(_options(analyse_wave(data.inputs)))


def _options(a: WaveAnalysis) -> tuple[str, ...]:
    sample, frame = a.sample, a.inputs.frame_data()
    if sample is None:
        return ()
    return tuple(
        v
        for v in a.AUTO_MARGINS
        if v in sample.columns
        and sample[v].notna().all()
        and (v == a.settings.strata or (frame is not None and v in frame.columns))
    )


def _check(choice: WeightingChoice, allowed: Sequence[str]) -> None:
    if choice.margins is not None:
        unknown = [m for m in choice.margins if m not in allowed]
        if unknown:
            raise WeightingError(
                messages.both("margins_unknown", unknown=unknown, allowed=list(allowed))
            )
    for key, value in (choice.trim or {}).items():
        if key not in TRIM_KEYS:
            raise WeightingError(messages.both("trim_unknown", key=key))
        if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
            raise WeightingError(messages.both("trim_not_positive", key=key, value=value))
    trim = choice.trim or {}
    for lo, hi in (("lower", "upper"), ("lower_ratio", "upper_ratio")):
        if lo in trim and hi in trim and trim[lo] >= trim[hi]:
            raise WeightingError(
                messages.both(
                    "trim_order", lower_key=lo, lower=trim[lo], upper_key=hi, upper=trim[hi]
                )
            )


def _figures(a: WaveAnalysis) -> dict[str, Any]:
    """What a weighting choice gives: the margins used, the weights' range, Kish deff,
    effective n and the overall score (0-100) with its interval."""
    out: dict[str, Any] = {"margins": [], "weights": weight_summary([]), "overall": None}
    if a.weighting is None:
        return out
    out["margins"] = list(a.applied_margins)
    out["weights"] = weight_summary(a.design.weights)
    head = a.headline()
    if head is not None:
        out["overall"] = {k: float(head[k]) for k in ("estimate", "se", "ci_low", "ci_high")}
        out["overall"]["n"] = int(head["n"])
    out["notes"] = list(a.notes)
    return out


def preview(engine: Engine, wave_id: int, choice: WeightingChoice) -> dict[str, Any]:
    """{"current": figures with the stored choice, "proposed": figures with `choice`,
    "unweighted_overall": the overall score with the design weights' respondents unweighted,
    "test": the response-balance test per frame variable, "strata": the stratum variable, "options": the usable variables}.
    Nothing is stored."""
    data = _analysis(engine, wave_id)
    current = analyse_wave(data.inputs)
    allowed = _options(current)
    if current.sample is None:
        raise WeightingError(
            "Deze bevraging heeft geen steekproef: er valt niets te wegen (no sample: nothing "
            "to weight)."
        )
    _check(choice, allowed)
    settings = dataclasses.replace(
        data.inputs.settings, margins=choice.margins, trim=dict(choice.trim or {}) or None
    )
    proposed = analyse_wave(dataclasses.replace(data.inputs, settings=settings))
    return {
        "current": _figures(current),
        "current_choice": WeightingChoice.from_json(data.wave.get("weighting")),
        "proposed": _figures(proposed),
        "test": current.margin_test,
        "strata": current.settings.strata,
        "options": list(allowed),
    }


def save(engine: Engine, wave_id: int, choice: WeightingChoice) -> dict:
    """Store the choice with the wave (after the same checks as the preview)."""
    roles.require("waves")
    allowed = options(engine, wave_id)
    _check(choice, allowed)
    with transaction(engine) as conn:
        wave = get_wave(conn, wave_id)
        if choice.margins is None and wave.get("anonymised_at"):
            raise WeightingError(
                "Deze bevraging is geanonimiseerd: de automatische keuze kan niet opnieuw worden "
                "gemaakt (ze steunt op de uitnodigingen). Kies de marges zelf. (This wave is "
                "anonymised: the automatic choice cannot be made again; choose the margins.)"
            )
        update_wave(conn, wave_id, weighting=choice.as_json())
    if choice.margins is None and wave["status"] == "closed":
        fixed = fix_automatic(engine, wave_id)
        if fixed is not None:
            return fixed.as_json()
    return choice.as_json()


def fix_automatic(engine: Engine, wave_id: int) -> WeightingChoice | None:
    """Store the automatic choice of margins as it stands (the choice made from today's
    invitations), marked automatic; the choice, or None when nothing was fixed (the team chose
    its margins, or there are no sampled respondents to weight yet).

    Called when a wave closes and before it is anonymised: anonymising keeps the invitations
    only as counts per stratum, so the balance test behind the automatic choice could no longer
    be made and the weights (and every weighted figure) would change."""
    try:
        data = _analysis(engine, wave_id)
    except LookupError:  # no questionnaire, hence no answers: nothing to weight
        return None
    stored = WeightingChoice.from_json(data.wave.get("weighting"))
    if stored.margins is not None or data.wave.get("anonymised_at"):
        return None
    a = analyse_wave(data.inputs)
    if a.weighting is None:
        return None
    choice = WeightingChoice(tuple(a.chosen_margins), stored.trim, auto=True)
    with transaction(engine) as conn:
        update_wave(conn, wave_id, weighting=choice.as_json())
    return choice
