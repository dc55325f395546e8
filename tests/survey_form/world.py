"""Test data for the survey form and the response store: a wave with the e-loket questionnaire,
a frame unit, a sample unit and invitations with known tokens, written with SQLAlchemy Core."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, insert

from sampling.invitations import hash_token, new_token
from store import schema
from store.db import transaction, utcnow
from store.waves import create_wave, save_questionnaire_version
from survey.loaders import load_questionnaire

ROOT = Path(__file__).resolve().parents[2]
ELOKET = ROOT / "data" / "questionnaire" / "eloket.yaml"

STRATA = {
    "profession": "huisarts",
    "training_year": 2,
    "university": "KU Leuven",
    "language": "nl",
}


@dataclass
class World:
    wave_id: int
    questionnaire_hash: str
    tokens: dict[str, str] = field(default_factory=dict)  # label -> token
    invitation_ids: dict[str, int] = field(default_factory=dict)
    email: str = "an.peeters@example.org"


def questionnaire():
    return load_questionnaire(ELOKET)


def make_world(
    engine: Engine,
    *,
    status: str = "open",
    post_contact: bool = True,
    invitations: tuple[str, ...] = ("a",),
    expires_at: dt.datetime | None = None,
    name: str = "Meting test",
) -> World:
    """A wave with one sampled unit per invitation label; tokens are returned, hashes stored."""
    q = questionnaire()
    now = utcnow()
    with transaction(engine) as conn:
        h = save_questionnaire_version(
            conn,
            hash=q.hash,
            questionnaire_id=q.id,
            version=q.version,
            definition=q.to_dict(),
        )
        wave_id = create_wave(
            conn, name, status=status, post_contact=post_contact, questionnaire_hash=h
        )
        snap = conn.execute(
            insert(schema.frame_snapshots).values(
                wave_id=wave_id,
                source_name="frame.xlsx",
                source_sha256="0" * 64,
                n_units=len(invitations),
                aux_columns=[],
                imported_at=now,
            )
        ).inserted_primary_key[0]
        sample = conn.execute(
            insert(schema.samples).values(
                wave_id=wave_id,
                snapshot_id=snap,
                strata_var="profession",
                method="srswor",
                seed=1,
                n=len(invitations),
                allocation={"huisarts": len(invitations)},
                population={"huisarts": 40},
                created_at=now,
            )
        ).inserted_primary_key[0]
        world = World(wave_id, h)
        for i, label in enumerate(invitations):
            unit = conn.execute(
                insert(schema.frame_units).values(
                    snapshot_id=snap,
                    unit_id=f"U{i}",
                    email=f"{label}.{world.email}",
                    name="An Peeters",
                    profession="huisarts",
                    training_year=2,
                    university="KU Leuven",
                    language="nl",
                    aux={},
                )
            ).inserted_primary_key[0]
            su = conn.execute(
                insert(schema.sample_units).values(
                    sample_id=sample,
                    frame_unit_id=unit,
                    stratum="huisarts",
                    inclusion_prob=0.25,
                    design_weight=4.0,
                )
            ).inserted_primary_key[0]
            token = new_token()
            inv = conn.execute(
                insert(schema.invitations).values(
                    wave_id=wave_id,
                    sample_unit_id=su,
                    token_hash=hash_token(token),
                    mode="invited",
                    stratum="huisarts",
                    strata=dict(STRATA),
                    design_weight=4.0,
                    disposition="invited",
                    created_at=now,
                    sent_at=now,
                    expires_at=expires_at,
                )
            ).inserted_primary_key[0]
            world.tokens[label] = token
            world.invitation_ids[label] = int(inv)
    return world


# A respondent who used two procedures, knew the paper procedure and wants feedback.
PAGES_INVITED = {
    "gebruik": {
        "procedures": ["stageplan", "stagerapport"],
        "gemak_stageplan": 4,
        "gemak_stagerapport": None,
    },
    "ervaring": {
        "aanmelden": 4,
        "informatie": 3,
        "formulieren": 2,
        "documenten": 5,
        "opvolging": None,
        "doorlooptijd": 1,
        "communicatie": 3,
        "hulp": None,
    },
    "gebruiksgemak": {"umux_1": 5, "umux_2": 6, "ces": 4},
    "papier": {"kende_papier": "ja", "vergelijking_papier": "beter"},
    "algemeen": {"tevredenheid": 7, "verbetering": "Een duidelijker overzicht van mijn dossier."},
    "resultaten": {"terugkoppeling": "ja"},
}
PROFILE = {"beroep": "tandarts_specialist", "opleidingsjaar": "3", "universiteit": "ugent"}


def all_answers(pages: dict) -> dict:
    out: dict = {}
    for page in pages.values():
        out.update(page)
    return out
