"""Fixtures for the feedback loop: a local SMTP server (aiosmtpd, in-process) and a closed
wave whose invited respondents answered, some asking to hear what is done with the results."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from store import actions as A
from store import responses as R
from store import schema
from store.db import transaction
from store.waves import update_wave
from tests.app.conftest import app_env, team_password_hash  # noqa: F401
from tests.smtp_server import Handler, free_port, smtp  # noqa: F401
from tests.survey_form.world import PAGES_INVITED, make_world


@dataclass
class Answered:
    wave_id: int
    emails: dict[str, str]  # label -> the frame's e-mail address
    response_ids: dict[str, int]


def answer(engine, world, label: str, consent: str, language: str = "nl") -> int:
    """One invited respondent answers every page (consent item as given) and completes;
    then the thank-you step's hook runs, as the survey page does."""
    opened = R.open_invitation(engine, world.tokens[label], f"client-{label}")
    resp = R.start_or_resume(engine, invitation=opened, language=language)
    pages = {**PAGES_INVITED, "resultaten": {"terugkoppeling": consent}}
    rev = resp["revision"]
    for i, (section, page) in enumerate(pages.items()):
        resp = R.save_page(
            engine, resp["id"], rev, page, {"page": i + 1, "done": []}, section_id=section
        )
        rev = resp["revision"]
    resp = R.complete(engine, resp["id"], rev)
    R.record_consent(engine, resp["id"])
    return resp["id"]


def answered_wave(engine, answers: dict[str, tuple[str, str]], name="Meting test") -> Answered:
    """A wave whose respondents `answers` ({label: (consent ja/nee, language)}) completed it,
    then closed."""
    world = make_world(engine, invitations=tuple(answers), name=name)
    ids = {label: answer(engine, world, label, c, lang) for label, (c, lang) in answers.items()}
    with transaction(engine) as conn:
        update_wave(conn, world.wave_id, status="closed")
    return Answered(world.wave_id, {lbl: f"{lbl}.{world.email}" for lbl in answers}, ids)


def get_action(engine, action_id: int) -> dict:
    """One action as the pages read it (store.actions.list_actions of its wave)."""
    with engine.connect() as conn:
        wave_id = conn.execute(
            sa.select(schema.improvement_actions.c.wave_id).where(
                schema.improvement_actions.c.id == action_id
            )
        ).scalar_one()
    return next(a for a in A.list_actions(engine, wave_id) if a["id"] == action_id)
