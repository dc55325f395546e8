"""A whole wave analysed in one call: the pipeline the dashboard and the Excel export share.

    inputs = WaveInputs(responses=..., sample=..., frame=..., columns=q.columns(), settings=...)
    result = analyse_wave(inputs)

Which respondents count where (never pooled silently):
- the estimates of the wave are those of the **invited** sample's complete responses, weighted
  (design weight N_h/n_h, nonresponse adjustment within strata, raking to the frame margins the
  team chose, optional trimming: :func:`analysis.weighting.weight_wave`);
- **partial** responses count in the response rates (AAPOR P) but not in the estimates;
- **open-link** (post-contact, self-selected) and **paper** responses are summarised apart,
  unweighted, per mode (:attr:`WaveAnalysis.scores_by_mode`); paper answers of sampled people
  would be invited-mode, so mode paper here means unsampled paper forms.
A wave without a sample (open link only, or a census without invitations) is summarised
unweighted and says so in its notes (analysis.notes codes; report.wording words them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from analysis import scores as sc
from analysis.design import Design
from analysis.notes import Note, note

BREAKDOWNS = ("profession", "training_year", "university")


@dataclass(frozen=True)
class WaveSettings:
    strata: str = "profession"
    # Frame variables to rake to. None: automatic, the variables the response is unbalanced
    # on (analysis.weighting.unbalanced_variables), with the strata; () or the strata
    # variable alone: no raking (after the nonresponse adjustment within strata that step
    # would change nothing).
    margins: tuple[str, ...] | None = None
    # The margins are the automatic choice, fixed when the wave closed (so that anonymising,
    # which drops the nonrespondents' frame variables, cannot change it).
    margins_auto: bool = False
    trim: Mapping[str, Any] | None = None
    min_response_rate: float | None = None
    min_response_rate_stratum: float | None = None
    min_completes_stratum: int = 0
    rate: str = "RR2"
    k: int = 5
    breakdowns: tuple[str, ...] = BREAKDOWNS
    representativeness_vars: tuple[str, ...] = (
        "profession",
        "training_year",
        "university",
        "language",
        "eloket_use_12m",
    )


@dataclass(frozen=True)
class WaveInputs:
    responses: pd.DataFrame  # one row per response: mode, status, strata columns, answers
    columns: Sequence[Any]  # the questionnaire's answer columns (survey.schema.Column)
    sample: pd.DataFrame | None = None  # invited-mode invitations: stratum, disposition, ...
    frame: pd.DataFrame | None = None  # the frame snapshot's units
    settings: WaveSettings = field(default_factory=WaveSettings)
    # N_h of every stratum of the frame (the sample's design): the strata's margins without
    # reading the whole frame.
    population: Mapping[Any, float] | None = None
    # Reads the frame when `frame` is not given; called at most once, and only by the parts
    # that need more of the frame than its strata counts (the frame is the largest input).
    frame_loader: Callable[[], pd.DataFrame | None] | None = field(
        default=None, repr=False, compare=False
    )
    _frame_cache: list = field(default_factory=list, repr=False, compare=False)

    def frame_data(self) -> pd.DataFrame | None:
        """The frame's units (loaded on first use when a loader was given)."""
        if self.frame is not None or self.frame_loader is None:
            return self.frame
        if not self._frame_cache:
            self._frame_cache.append(self.frame_loader())
        return self._frame_cache[0]

    def composition(self, variable: str) -> dict | None:
        """Frame counts per category of `variable` (from the strata counts when it is the
        stratification variable)."""
        if variable == self.settings.strata and self.population:
            return {k: float(v) for k, v in self.population.items()}
        frame = self.frame_data()
        if frame is None or variable not in frame:
            return None
        return {k: float(v) for k, v in frame[variable].value_counts().items()}


HEADLINE_KINDS = ("overall_0_100",)


def _unweighted(data: pd.DataFrame) -> Design | None:
    # A lone response (the first of a wave, or of a mode) must not stop every table: its
    # variance is treated as the weighted design's lonely strata are (disclosure hides n < k).
    return None if data.empty else Design(data.reset_index(drop=True), lonely_psu="adjust")


def _scores(design: Design | None, columns, by: Sequence[str], kinds=None) -> pd.DataFrame:
    if design is None:
        return pd.DataFrame(columns=sc.SCORE_TABLE_COLUMNS)
    by = [b for b in by if b in design.data.columns and design.data[b].notna().any()]
    return sc.score_table(design, columns, by=by, kinds=kinds)


class WaveAnalysis:
    """The analysis of one wave, computed piece by piece on first use (cached), so a view that
    needs only the headline does not pay for every breakdown."""

    def __init__(self, inputs: WaveInputs):
        self.inputs = inputs
        self.settings = inputs.settings
        self.notes: list[Note] = []
        #: The frame margins the weights were raked to ({} when none), set by ``weighting``.
        self.applied_margins: dict[str, dict] = {}
        r = inputs.responses
        status = r["status"] if "status" in r else pd.Series("", index=r.index)
        mode = r["mode"] if "mode" in r else pd.Series("", index=r.index)
        self.complete = r[status == "complete"]
        self.invited = self.complete[mode.loc[self.complete.index] == "invited"]
        self.counts = {
            "responses": len(r),
            "complete": int((status == "complete").sum()),
            "partial": int((status == "partial").sum()),
            **{
                f"complete_{m}": int((self.complete["mode"] == m).sum())
                for m in self.complete["mode"].unique()
            },
        }
        # The sample's complete responses that came in on paper (a sampled person's paper
        # form, linked to the invitation): counted apart for the accountability's question 5;
        # they stay mode invited, so weights and rates do not change.
        if "response_channel" in self.invited.columns:
            n = int((self.invited["response_channel"] == "paper").sum())
            if n:
                self.counts["invited_paper"] = n
        self.has_sample = inputs.sample is not None and not inputs.sample.empty
        if not self.has_sample and not self.complete.empty:
            self.notes.append(note("no_sample"))

    # --- the sample, its response and its weights ---------------------------------------

    @cached_property
    def sample(self) -> pd.DataFrame | None:
        """Every invited unit, with its response's answers where it responded, `responded`."""
        if not self.has_sample:
            return None
        sample = self.inputs.sample
        if "response_id" not in sample.columns:
            raise ValueError("the sample needs a response_id column (NaN for nonrespondents)")
        drop = [c for c in self.invited.columns if c in sample.columns and c != "response_id"]
        merged = sample.merge(self.invited.drop(columns=drop), on="response_id", how="left")
        merged["responded"] = merged["response_id"].isin(self.invited["response_id"])
        return merged

    @cached_property
    def response(self) -> pd.DataFrame:
        """AAPOR counts and rates per stratum and overall, against the wave's minimum."""
        from analysis.response import response_table

        if self.sample is None:
            return pd.DataFrame()
        s = self.settings
        population = self.sample.groupby("stratum")["N_h"].first().to_dict()
        return response_table(
            self.sample,
            "stratum",
            s.min_response_rate or 0.0,
            s.min_response_rate_stratum,
            s.min_completes_stratum,
            rate=s.rate,
            population=population,
        )

    #: Frame variables the automatic choice of raking margins looks at.
    AUTO_MARGINS = ("profession", "training_year", "university", "language")

    @cached_property
    def margin_test(self) -> pd.DataFrame:
        """analysis.weighting.unbalanced_variables for the frame variables known for every
        sampled unit (empty without a sample)."""
        from analysis.weighting import unbalanced_variables

        sample = self.sample
        if sample is None or not sample["responded"].any():
            return pd.DataFrame()
        frame = self.inputs.frame_data()
        candidates = [
            v
            for v in self.AUTO_MARGINS
            if v in sample.columns
            and sample[v].notna().all()
            and (v == self.settings.strata or (frame is not None and v in frame.columns))
        ]
        return unbalanced_variables(sample, candidates)

    @cached_property
    def chosen_margins(self) -> tuple[str, ...]:
        """The margins to rake to: the team's (settings.margins) or, when it chose none, the
        frame variables the response is unbalanced on (and then the strata, so raking keeps
        their totals). Raking to the strata alone is left out: after the nonresponse
        adjustment within strata it changes nothing."""
        strata = self.settings.strata
        if self.settings.margins is None:
            test = self.margin_test
            if test.empty:
                return ()
            picked = test[test["unbalanced"] & test["rakeable"] & (test["variable"] != strata)]
            chosen = tuple(picked["variable"])
            self.notes.append(note("margins_auto", margins=list(chosen)))
            return (strata, *chosen) if chosen else ()
        chosen = tuple(self.settings.margins)
        if self.settings.margins_auto:
            self.notes.append(note("margins_auto", margins=[m for m in chosen if m != strata]))
            return chosen
        if chosen == (strata,):
            self.notes.append(note("stratum_margin_only", margin=strata))
            return ()
        return chosen

    @cached_property
    def weighting(self):
        """analysis.weighting.WeightingResult, or None without sampled respondents."""
        from analysis.design import RakingError
        from analysis.weighting import frame_margins, weight_wave

        if self.sample is None or not self.sample["responded"].any():
            if self.sample is not None:
                self.notes.append(note("no_sample_responses"))
            return None
        margins = {}
        for m in self.chosen_margins:
            if m not in self.sample:
                continue
            if m == self.settings.strata and self.inputs.population:
                margins[m] = {k: float(v) for k, v in self.inputs.population.items()}
            elif (frame := self.inputs.frame_data()) is not None and m in frame.columns:
                margins.update(frame_margins(frame, [m]))
        margins = margins or None
        try:
            weighted = weight_wave(self.sample, margins=margins, trim=self.settings.trim)
            self.applied_margins = margins or {}
            return weighted
        except RakingError as exc:
            # Early in fieldwork a margin level (a profession) often has no respondent yet:
            # the margins cannot be met, so the weights stay design x nonresponse adjustment.
            self.notes.append(
                note(
                    "no_raking",
                    margins=list(margins),
                    problem=exc.problem,
                    variable=exc.variable,
                    level=exc.level,
                    target=exc.target,
                )
            )
            self.applied_margins = {}
            return weight_wave(self.sample, margins=None, trim=self.settings.trim)

    @cached_property
    def nonresponse_weights(self) -> pd.Series | None:
        """The weight after the nonresponse adjustment, before raking and trimming, per
        response_id (None without sampled respondents): the starting point for rebuilding the
        final weights in another package."""
        from analysis.weighting import weight_wave

        if self.weighting is None:
            return None
        w = weight_wave(self.sample, margins=None, trim=None).weights
        return pd.Series(w.to_numpy(), index=self.sample.loc[w.index, "response_id"].to_numpy())

    @property
    def design(self) -> Design | None:
        """The weighted design of the invited completes (None when there are none)."""
        return None if self.weighting is None else self.weighting.design

    @property
    def weighting_steps(self) -> pd.DataFrame:
        return pd.DataFrame() if self.weighting is None else self.weighting.steps

    @cached_property
    def design_unweighted(self) -> Design | None:
        if self.design is not None:
            return _unweighted(self.design.data)
        return _unweighted(self.invited if self.has_sample else self.complete)

    @property
    def analysed(self) -> Design | None:
        """The design the wave's estimates come from: weighted when there is a sample."""
        return self.design if self.design is not None else self.design_unweighted

    @cached_property
    def r_indicator(self):
        from analysis.response import r_indicator

        sample = self.sample
        if sample is None or sample["responded"].nunique() != 2:
            return None
        # Only frame variables known for every sampled unit (after anonymisation the
        # nonrespondents keep their stratum only).
        covariates = [
            c
            for c in ("profession", "training_year")
            if c in sample.columns and sample[c].notna().all()
        ]
        if not covariates:
            return None
        data = sample.assign(responded=sample["responded"].astype(int))
        if "training_year" in data:
            data["training_year"] = data["training_year"].astype(str)
        weights = "design_weight" if "design_weight" in data else None
        return r_indicator(data, "responded", covariates, weights=weights)

    @cached_property
    def representativeness(self) -> pd.DataFrame:
        from analysis.representativeness import representativeness_table

        frame = self.inputs.frame_data() if self.design is not None else None
        if frame is None:
            return pd.DataFrame()
        data = self.design.data.assign(_w=self.design.weights)
        variables = [
            v
            for v in self.settings.representativeness_vars
            if v in data.columns and v in frame.columns
        ]
        if not variables:
            return pd.DataFrame()
        frame = frame.copy()
        for v in variables:  # categories compare as text on both sides
            frame[v] = frame[v].astype(str)
            data[v] = data[v].astype(str)
        return representativeness_table(data, frame, variables, weights="_w")

    # --- scores ---------------------------------------------------------------------------

    def headline_scores(self, kinds: Sequence[str] = HEADLINE_KINDS) -> pd.DataFrame:
        """A few score kinds, overall only: what the first view needs."""
        return _scores(self.analysed, self.inputs.columns, [], kinds=kinds)

    def headline(self, kind: str = "overall_0_100") -> pd.Series | None:
        """The overall row of one score kind (e.g. the overall satisfaction on 0-100)."""
        table = self.headline_scores((kind,))
        return None if table.empty else table.iloc[0]

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Every score, weighted, overall and per breakdown."""
        return _scores(self.analysed, self.inputs.columns, self.settings.breakdowns)

    @cached_property
    def scores_unweighted(self) -> pd.DataFrame:
        return _scores(self.design_unweighted, self.inputs.columns, self.settings.breakdowns)

    @cached_property
    def scores_by_mode(self) -> pd.DataFrame:
        """Every mode apart (invited, open link, paper), unweighted: never pooled."""
        parts = []
        for m in sorted(self.complete["mode"].unique()):
            d = _unweighted(self.complete[self.complete["mode"] == m])
            parts.append(_scores(d, self.inputs.columns, []).assign(mode=m))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    # --- improvement points and reliability -----------------------------------------------

    @cached_property
    def drivers(self):
        from analysis.drivers import key_drivers

        if self.analysed is None or self.analysed.n < 10:
            return None
        try:
            return key_drivers(self.analysed, self.inputs.columns)
        except ValueError as exc:
            self.notes.append(note("no_drivers", reason=str(exc)))
            return None

    @cached_property
    def drivers_shortfall(self) -> tuple[int, int] | None:
        """Why there is no key-driver analysis, as ``(found, needed)`` respondents who rated
        every aspect of the model (an overall score and no n.v.t.); None when there is one
        or when something else stops it."""
        from analysis.drivers import TooFewComplete, key_drivers

        if self.analysed is None or self.drivers is not None:
            return None
        minimum = 10 if self.analysed.n < 10 else 0  # the wave's own floor (drivers above)
        try:
            found = key_drivers(self.analysed, self.inputs.columns, replicates=0).n_complete
            needed = minimum
        except TooFewComplete as exc:
            found, needed = exc.found, max(exc.needed, minimum)
        except ValueError:
            return None
        return (found, needed) if found < needed else None

    @cached_property
    def improvement_points(self):
        from analysis.drivers import improvement_points

        if self.drivers is None:
            return None
        return improvement_points(
            self.drivers, k=self.settings.k, group_cols=[self.settings.strata]
        )

    @cached_property
    def reliability(self):
        from analysis.reliability import reliability_table

        if self.analysed is None or self.analysed.n < 10:
            return None
        return reliability_table(self.analysed, self.inputs.columns)


def analyse_wave(inputs: WaveInputs) -> WaveAnalysis:
    """The wave's analysis; each part is computed when first asked for."""
    return WaveAnalysis(inputs)


HIDDEN_WITH_A_CELL = ("estimate", "se", "ci_low", "ci_high", "df", "grade")


def disclosed(table: pd.DataFrame, k: int, value_cols: Sequence[str] | None = None) -> pd.DataFrame:
    """A score table under disclosure control: each breakdown is one line whose total is the
    overall row, so a hidden group cannot be recovered from the others by subtraction."""
    from analysis.disclosure import SUPPRESSED, suppress

    if table.empty:
        return table.assign(suppressed=pd.Series(dtype=bool))
    # Every figure of a hidden cell goes, not only the estimate: the degrees of freedom are
    # n - 1 within a profession, and the grade brackets the estimate (issue 19.3).
    value_cols = list(value_cols or [c for c in HIDDEN_WITH_A_CELL if c in table.columns])
    # The pattern of each line (score x breakdown) comes from its counts alone: it is worked
    # out on the counts, then the figures of the whole table are hidden in one pass.
    n = table["n"]
    hidden = np.zeros(len(table), dtype=bool)
    reason = np.full(len(table), np.nan, dtype=object)
    any_breakdown = False
    groups = table.groupby(["score_id", table["group_var"].fillna("")], sort=False, dropna=False)
    for (_score, group_var), rows in groups.indices.items():
        if group_var == "":
            hidden[rows] = (n.iloc[rows] < k).to_numpy()
        elif any_breakdown and (n.iloc[rows] >= k).all():
            reason[rows] = None  # no cell under k: nothing to hide, nothing to complement
        else:
            any_breakdown = True  # the first line also checks k
            pattern = suppress(n.iloc[rows].to_frame(), count_col="n", value_cols=[], k=k)
            hidden[rows] = pattern["suppressed"].to_numpy()
            reason[rows] = pattern["suppression_reason"].to_numpy()
    out = table.copy()
    for c in [*value_cols, "n"]:
        out[c] = out[c].astype(object).where(~hidden, SUPPRESSED)
    out["suppressed"] = hidden
    if any_breakdown:
        out["suppression_reason"] = pd.Series(reason, index=out.index, dtype=object)
    return out
