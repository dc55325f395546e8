"""Fixtures for the sampling shell: frame files on disk, a wave, row counts of the store."""

from __future__ import annotations

import random

import pandas as pd
import pytest
import sqlalchemy as sa

from store import schema
from tests.smtp_server import Handler, free_port, smtp  # noqa: F401

PROFESSIONS = {
    "huisarts": 120,
    "arts_specialist": 200,
    "algemeen_tandarts": 40,
    "tandarts_specialist": 12,
    "ziekenhuisapotheker": 8,
}
UNIVERSITIES = ("KU Leuven", "UGent", "UAntwerpen", "VUB", "UHasselt")


def frame_table(seed: int = 7) -> pd.DataFrame:
    """A frame as a team would export it: Dutch headers, one auxiliary column (gender)."""
    rng = random.Random(seed)
    rows = []
    i = 0
    for profession, count in PROFESSIONS.items():
        for _ in range(count):
            i += 1
            rows.append(
                {
                    "id": f"P{i:05d}",
                    "naam": f"Persoon {i}",
                    "e-mail": f"persoon{i}@example.org",
                    "beroep": profession,
                    "opleidingsjaar": rng.randint(1, 6),
                    "universiteit": rng.choice(UNIVERSITIES),
                    "taal": "nl" if rng.random() < 0.9 else "en",
                    "geslacht": rng.choice(["v", "m"]),
                }
            )
    return pd.DataFrame(rows)


N_FRAME = sum(PROFESSIONS.values())


@pytest.fixture
def frame_xlsx(tmp_path):
    path = tmp_path / "kader.xlsx"
    frame_table().to_excel(path, index=False)
    return path


@pytest.fixture
def bad_frame_csv(tmp_path):
    """Three problems: a duplicate e-mail (row 3), an unknown profession (row 4), a bad year (row 5)."""
    table = frame_table().head(10).astype(object)
    table.loc[1, "e-mail"] = table.loc[0, "e-mail"]
    table.loc[2, "beroep"] = "verpleegkundige"
    table.loc[3, "opleidingsjaar"] = "tweede"
    path = tmp_path / "kader_fout.csv"
    table.to_csv(path, index=False, sep=";")
    return path


def counts(engine) -> dict[str, int]:
    tables = (
        schema.frame_snapshots,
        schema.frame_units,
        schema.samples,
        schema.sample_units,
        schema.invitations,
        schema.post_contact_log,
    )
    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in tables
        }


@pytest.fixture
def wave_id(engine):
    from store.db import transaction
    from store.waves import create_wave

    with transaction(engine) as conn:
        return create_wave(conn, "Meting test", status="open")
