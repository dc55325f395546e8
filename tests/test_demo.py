from __future__ import annotations

import sqlalchemy as sa

from ktm.cli import main
from store import schema

# Secrets and clock readings differ between two builds by design; everything else must not.
VOLATILE = {"token_hash", "created_at", "imported_at"}


def _dump(url: str) -> dict[str, list[tuple]]:
    engine = sa.create_engine(url)
    out = {}
    with engine.connect() as conn:
        for name, table in schema.metadata.tables.items():
            cols = [c for c in table.columns if c.name not in VOLATILE]
            rows = conn.execute(sa.select(*cols).order_by(*table.primary_key.columns)).all()
            out[name] = [tuple(map(repr, r)) for r in rows]
    engine.dispose()
    return out


def test_demo_world_is_identical_for_the_same_seed(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["demo", "--seed", "7", "--database", url]) == 0
    first = _dump(url)
    assert main(["demo", "--seed", "7", "--database", url]) == 0  # rebuild in place
    second = _dump(url)
    assert first == second
    assert "Meting 2025-2026" in capsys.readouterr().out

    assert main(["demo", "--seed", "8", "--database", url]) == 0
    assert _dump(url)["responses"] != first["responses"]  # the seed matters


def test_demo_world_has_what_the_dashboard_needs(tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["demo", "--database", url]) == 0
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        waves = conn.execute(sa.select(schema.waves.c.id, schema.waves.c.status)).all()
        assert [s for _, s in waves] == ["closed", "closed", "open"]
        units = conn.execute(
            sa.select(schema.frame_units.c.profession, sa.func.count())
            .join(schema.frame_snapshots)
            .where(schema.frame_snapshots.c.wave_id == waves[-1][0])
            .group_by(schema.frame_units.c.profession)
        ).all()
        assert dict(units)["arts_specialist"] == 3600
        assert sum(n for _, n in units) == 5360
        per_mode = dict(
            conn.execute(
                sa.select(schema.responses.c.mode, sa.func.count()).group_by(
                    schema.responses.c.mode
                )
            ).all()
        )
        assert per_mode["invited"] > 1000 and per_mode["open"] > 100
        # Responses carry strata and weights, never identity.
        row = conn.execute(sa.select(schema.responses).limit(1)).mappings().one()
        assert set(row["strata"]) >= {"profession", "training_year", "university"}
        assert "email" not in row["strata"] and "name" not in row["strata"]
        # Response depends on profession: weighting must matter.
        rates = conn.execute(
            sa.select(
                schema.invitations.c.stratum,
                sa.func.avg(
                    sa.case((schema.invitations.c.disposition == "complete", 1.0), else_=0.0)
                ),
            )
            .where(schema.invitations.c.wave_id == waves[1][0])
            .group_by(schema.invitations.c.stratum)
        ).all()
        rates = dict(rates)
        assert rates["ziekenhuisapotheker"] - rates["algemeen_tandarts"] > 0.15
    engine.dispose()


def _real_wave(url: str) -> int:
    """A wave of the team's own, with a frame, a sample, invitations and an answer."""
    import pandas as pd

    from ktm.services.sampling import draw_sample, export_invitations, import_frame
    from ktm.services.waves import open_wave, publish_questionnaire
    from sampling.demo import synthetic_frame
    from store.db import get_engine, transaction
    from store.waves import create_wave
    from survey import load_questionnaire
    from tests.realpath.test_cli_two_measurements import QUESTIONNAIRE

    engine = get_engine(url)
    q = publish_questionnaire(engine, load_questionnaire(QUESTIONNAIRE))
    with transaction(engine) as conn:
        wave_id = create_wave(
            conn,
            "Eigen meting",
            questionnaire_hash=q.hash,
            fieldwork_start=pd.Timestamp("2030-10-01").date(),
            fieldwork_end=pd.Timestamp("2030-12-01").date(),
        )
    path = f"{url.removeprefix('sqlite:///')}.frame.csv"
    synthetic_frame(5, sizes={"huisarts": 60, "arts_specialist": 90}).to_csv(path, index=False)
    import_frame(engine, wave_id, path)
    draw_sample(engine, wave_id, strata="profession", method="proportional", n=40, seed=3)
    open_wave(engine, wave_id)
    export_invitations(engine, wave_id, f"{path}.links.csv")
    return wave_id


def _rows_of(url: str, wave_id: int) -> dict[str, list[tuple]]:
    """Every row of one wave, in every table that holds wave rows (all columns)."""
    engine = sa.create_engine(url)
    s = schema
    out = {}
    with engine.connect() as conn:
        snaps = sa.select(s.frame_snapshots.c.id).where(s.frame_snapshots.c.wave_id == wave_id)
        samples = sa.select(s.samples.c.id).where(s.samples.c.wave_id == wave_id)
        for table, cond in [
            (s.waves, s.waves.c.id == wave_id),
            (s.frame_snapshots, s.frame_snapshots.c.wave_id == wave_id),
            (s.frame_units, s.frame_units.c.snapshot_id.in_(snaps)),
            (s.samples, s.samples.c.wave_id == wave_id),
            (s.sample_units, s.sample_units.c.sample_id.in_(samples)),
            (s.invitations, s.invitations.c.wave_id == wave_id),
            (s.responses, s.responses.c.wave_id == wave_id),
            (s.questionnaire_versions, ~s.questionnaire_versions.c.demo),
        ]:
            rows = conn.execute(sa.select(table).where(cond).order_by(*table.primary_key)).all()
            out[table.name] = [tuple(map(repr, r)) for r in rows]
    engine.dispose()
    return out


def test_demo_remove_deletes_every_demo_row_and_nothing_else(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    wave_id = _real_wave(url)
    before = _rows_of(url, wave_id)
    assert len(before["frame_units"]) == 150 and len(before["invitations"]) == 40
    assert main(["demo", "--database", url]) == 0  # the demo beside the team's wave
    assert _rows_of(url, wave_id) == before  # building it touched nothing of the team's
    assert main(["wave", "show", "open", "--database", url]) == 0  # real waves first
    assert "Eigen meting" in capsys.readouterr().out

    assert main(["demo", "--remove", "--database", url]) == 0
    assert "demo world removed" in capsys.readouterr().out
    assert _rows_of(url, wave_id) == before  # byte for byte
    after = _dump(url)
    # Nothing of the demo is left: only the team's rows remain in each table.
    counts = {t: len(rows) for t, rows in after.items() if rows}
    assert counts == {
        "questionnaire_versions": 1,
        "waves": 1,
        "frame_snapshots": 1,
        "frame_units": 150,
        "samples": 1,
        "sample_units": 40,
        "invitations": 40,
        # the audit trail of the team's own steps (frame import, draw, link export); building
        # and removing the demo world write none
        "audit_log": 3,
    }
    assert main(["demo", "--remove", "--database", url]) == 0
    assert "no demo world" in capsys.readouterr().out


def test_a_demo_wave_is_never_the_previous_wave_of_a_real_one(tmp_path):
    from store.db import get_engine, reading
    from store.waves import previous_wave

    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    assert main(["demo", "--database", url]) == 0
    wave_id = _real_wave(url)  # fieldwork in 2030: after every demo wave
    engine = get_engine(url)
    with reading(engine) as conn:
        assert previous_wave(conn, wave_id) is None
        demo_ids = [w for w in conn.execute(sa.select(schema.waves.c.id, schema.waves.c.name)
                                            .where(schema.waves.c.demo)).all()]  # fmt: skip
        last_demo = max(demo_ids, key=lambda w: w.name).id
        assert previous_wave(conn, last_demo)["demo"]  # the demo still has its own trend
