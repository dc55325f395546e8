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
