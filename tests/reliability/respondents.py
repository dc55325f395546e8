"""Simulated respondents for the load, fault and benchmark runs: they go through the same calls
as the survey form (store.responses: open the link, start, save each page, complete)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from store import responses as R
from store import schema
from tests.survey_form.world import PAGES_INVITED, all_answers, make_world

EXPECTED_ANSWERS = all_answers(PAGES_INVITED)


def make_respondents(engine, n: int, name: str = "Meting belasting"):
    """A wave in fieldwork with `n` invitations; returns the World (tokens by label r0..)."""
    return make_world(engine, invitations=tuple(f"r{i}" for i in range(n)), name=name)


STEPS = ("open", "start", "save", "complete")


def respond(
    engine,
    token: str,
    client: str,
    *,
    on_step: Callable[[str, float], None] | None = None,
    think: Callable[[], float] | None = None,
    pages: dict = PAGES_INVITED,
) -> int:
    """One respondent from link to completion.

    `on_step(step, seconds)` gets the latency of every call, by step (see STEPS: opening the
    link, starting, saving a page, completing). `think()` gives the seconds the respondent
    spends reading and answering before each page is sent (none: no pause at all).
    """

    def timed(step: str, call, *args, **kwargs):
        t0 = time.perf_counter()
        out = call(*args, **kwargs)
        if on_step is not None:
            on_step(step, time.perf_counter() - t0)
        return out

    opened = timed("open", R.open_invitation, engine, token, client)
    if not isinstance(opened, R.OpenedInvitation):
        raise AssertionError(f"link refused: {opened}")
    resp = timed("start", R.start_or_resume, engine, invitation=opened, language="nl")
    rev = resp["revision"]
    for i, (section, page) in enumerate(pages.items()):
        if think is not None:
            time.sleep(think())
        resp = timed(
            "save",
            R.save_page,
            engine,
            resp["id"],
            rev,
            page,
            {"page": i + 1, "done": []},
            section_id=section,
        )
        rev = resp["revision"]
    done = timed("complete", R.complete, engine, resp["id"], rev)
    R.complete(engine, resp["id"], rev)  # the double click: must change nothing
    return int(done["id"])


@dataclass
class LoadResult:
    n: int
    seconds: float
    save_latencies: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    response_ids: list[int] = field(default_factory=list)


def run_load(engine, world, *, start_together: bool = True) -> LoadResult:
    """Every invitation of `world` answered at once, one thread per respondent."""
    tokens = list(world.tokens.values())
    result = LoadResult(len(tokens), 0.0)
    lock = threading.Lock()
    barrier = threading.Barrier(len(tokens)) if start_together else None

    def one(i: int, token: str) -> None:
        def record(step: str, s: float) -> None:
            if step == "save":
                with lock:
                    result.save_latencies.append(s)

        try:
            if barrier is not None:
                barrier.wait(timeout=60)
            rid = respond(engine, token, f"load-{i}", on_step=record)
            with lock:
                result.response_ids.append(rid)
        except BaseException as exc:  # collected: the caller reports every failure
            with lock:
                result.errors.append(exc)

    threads = [
        threading.Thread(target=one, args=(i, tok), daemon=True) for i, tok in enumerate(tokens)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    result.seconds = time.perf_counter() - t0
    return result


def audit(engine, wave_id: int) -> dict:
    """What the store holds for the wave: counts that expose lost or duplicated responses."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                schema.responses.c.invitation_id,
                schema.responses.c.status,
                schema.responses.c.answers,
                schema.responses.c.revision,
            ).where(schema.responses.c.wave_id == wave_id)
        ).all()
        dispositions = dict(
            conn.execute(
                sa.select(schema.invitations.c.disposition, sa.func.count())
                .where(schema.invitations.c.wave_id == wave_id)
                .group_by(schema.invitations.c.disposition)
            ).all()
        )
    invitation_ids = [r.invitation_id for r in rows]
    return {
        "responses": len(rows),
        "complete": sum(r.status == "complete" for r in rows),
        "duplicated": len(invitation_ids) - len(set(invitation_ids)),
        "wrong_answers": sum(r.answers != EXPECTED_ANSWERS for r in rows),
        "dispositions": dispositions,
        "revisions": sorted({r.revision for r in rows}),
    }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between order statistics."""
    if not values:
        return float("nan")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)
