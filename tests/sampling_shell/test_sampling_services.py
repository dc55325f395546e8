"""The sampling use cases on a real store (SQLite file and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from ktm.services import sampling as svc
from sampling.frame import FrameError
from sampling.invitations import hash_token
from store import frames as store_frames
from store import samples as store_samples
from store import schema
from store.db import transaction
from tests.sampling_shell.conftest import N_FRAME, PROFESSIONS, counts, frame_table

DEADLINE = dt.date(2025, 3, 31)
BASE = "https://ktm.example.be"


def _tokens_from(path) -> list[str]:
    table = pd.read_excel(path) if path.suffix == ".xlsx" else pd.read_csv(path, sep=";")
    return [link.split("?t=", 1)[1] for link in table["persoonlijke_link"]]


def _draw(engine, wave_id, n=60, seed=11, **kw):
    return svc.draw_sample(engine, wave_id, "profession", "proportional", n=n, seed=seed, **kw)


# --------------------------------------------------------------------------- frame


def test_an_invalid_frame_changes_nothing_and_names_every_row(engine, wave_id, bad_frame_csv):
    before = counts(engine)
    with pytest.raises(FrameError) as caught:
        svc.import_frame(engine, wave_id, bad_frame_csv)
    assert counts(engine) == before
    problems = caught.value.problems
    assert {(p.row, p.column) for p in problems} >= {
        (3, "e-mail"),
        (4, "beroep"),
        (5, "opleidingsjaar"),
    }
    assert "rij 3" in str(caught.value) and "verpleegkundige" in str(caught.value)


def test_a_valid_frame_becomes_one_snapshot_and_reads_back_the_same(engine, wave_id, frame_xlsx):
    result = svc.import_frame(engine, wave_id, frame_xlsx)
    assert result.new and result.n_units == N_FRAME and result.aux_columns == ("geslacht",)
    assert counts(engine)["frame_snapshots"] == 1
    assert counts(engine)["frame_units"] == N_FRAME
    with engine.connect() as conn:
        back = store_frames.load_frame(conn, result.snapshot_id, with_ids=False)
        snap = store_frames.latest_snapshot(conn, wave_id)
    assert snap["source_name"] == "kader.xlsx" and len(snap["source_sha256"]) == 64
    original = frame_table()
    assert back["unit_id"].tolist() == original["id"].tolist()
    assert back["email"].tolist() == original["e-mail"].tolist()
    assert back["training_year"].tolist() == original["opleidingsjaar"].tolist()
    assert back["geslacht"].tolist() == original["geslacht"].tolist()
    assert back["name"].tolist() == original["naam"].tolist()
    # The same file again is not a second snapshot.
    again = svc.import_frame(engine, wave_id, frame_xlsx)
    assert not again.new and again.snapshot_id == result.snapshot_id
    assert counts(engine)["frame_snapshots"] == 1
    assert svc.population(engine, wave_id, "profession") == dict(sorted(PROFESSIONS.items()))


def test_a_numeric_auxiliary_variable_keeps_its_type(engine, wave_id, tmp_path):
    from sampling.demo import synthetic_frame

    frame = synthetic_frame(seed=3, sizes={"huisarts": 30, "arts_specialist": 40})
    path = tmp_path / "synthetic.csv"
    frame.to_csv(path, index=False)
    result = svc.import_frame(engine, wave_id, path)
    with engine.connect() as conn:
        back = store_frames.load_frame(conn, result.snapshot_id, with_ids=False)
    assert back["eloket_use_12m"].dtype == "Int64"
    assert back["eloket_use_12m"].tolist() == frame["eloket_use_12m"].tolist()
    assert back["first_name"].tolist() == frame["first_name"].tolist()


# --------------------------------------------------------------------------- draw


def test_the_draw_is_reproducible_and_stores_probabilities_and_weights(engine, wave_id, frame_xlsx):
    svc.import_frame(engine, wave_id, frame_xlsx)
    first = _draw(engine, wave_id, minimum=5)
    with engine.connect() as conn:
        units_1 = store_samples.sample_units_frame(conn, first.sample_id)
    second = _draw(engine, wave_id, minimum=5)  # replaces the first: nothing issued yet
    with engine.connect() as conn:
        units_2 = store_samples.sample_units_frame(conn, second.sample_id)
        sample = store_samples.current_sample(conn, wave_id)
    assert units_1["unit_id"].tolist() == units_2["unit_id"].tolist()
    assert counts(engine)["samples"] == 1 and counts(engine)["invitations"] == 60
    assert sample["seed"] == 11 and sample["method"] == "proportional"
    assert sample["allocation"] == first.allocation and sum(first.allocation.values()) == 60
    assert sample["population"] == dict(sorted(PROFESSIONS.items()))
    assert sample["parameters"]["minimum"] == 5
    # Exact stratum counts, π = n_h/N_h and d = N_h/n_h for every stored unit.
    realised = units_2["stratum"].value_counts().to_dict()
    assert realised == {h: n for h, n in first.allocation.items() if n}
    for row in units_2.itertuples():
        n_h, N_h = first.allocation[row.stratum], PROFESSIONS[row.stratum]
        assert row.inclusion_prob == pytest.approx(n_h / N_h)
        assert row.design_weight == pytest.approx(N_h / n_h)
    other = _draw(engine, wave_id, seed=12, minimum=5)
    with engine.connect() as conn:
        units_3 = store_samples.sample_units_frame(conn, other.sample_id)
    assert units_3["unit_id"].tolist() != units_2["unit_id"].tolist()


def test_invitations_carry_strata_but_no_identity(engine, wave_id, frame_xlsx):
    svc.import_frame(engine, wave_id, frame_xlsx)
    _draw(engine, wave_id)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.invitations)).mappings().all()
    assert {r["disposition"] for r in rows} == {"not_invited"}
    for r in rows:
        assert set(r["strata"]) == {"profession", "training_year", "university", "language"}
        assert r["stratum"] == r["strata"]["profession"] and r["email"] is None
        assert r["design_weight"] > 1


def test_draw_errors_are_clear(engine, wave_id, frame_xlsx):
    with pytest.raises(svc.SamplingError, match="nog geen kader"):
        _draw(engine, wave_id)
    svc.import_frame(engine, wave_id, frame_xlsx)
    with pytest.raises(svc.SamplingError, match="stratificatievariabele"):
        svc.draw_sample(engine, wave_id, "email", n=10, seed=1)
    with pytest.raises(svc.SamplingError, match="tussen 1 en"):
        _draw(engine, wave_id, n=N_FRAME + 1)
    with pytest.raises(svc.SamplingError):
        svc.draw_sample(engine, wave_id, "profession", "neyman", n=50, seed=1)  # no S_h
    assert counts(engine)["samples"] == 0


def test_n_from_a_margin_of_error_and_a_census(engine, wave_id, frame_xlsx):
    from sampling.size import sample_size

    svc.import_frame(engine, wave_id, frame_xlsx)
    result = svc.draw_sample(
        engine, wave_id, "profession", n=None, moe=0.1, response_rate=0.5, seed=3
    )
    expected = sample_size(0.1, population=N_FRAME, response_rate=0.5)
    assert result.n == expected.invitations
    assert result.parameters["expected_completes"] == expected.completes
    census = svc.draw_sample(engine, wave_id, "profession", "census", seed=3)
    assert census.n == N_FRAME and census.allocation == dict(sorted(PROFESSIONS.items()))


def test_the_size_from_a_margin_of_error_takes_the_allocations_design_effect(
    engine, wave_id, frame_xlsx
):
    from sampling.allocation import allocation_deff, size_for_allocation
    from sampling.size import margin_of_error

    svc.import_frame(engine, wave_id, frame_xlsx)
    kw = {"minimum": 8, "response_rate": 0.5}
    sized = svc.size_for_moe(engine, wave_id, "profession", "proportional", 0.1, **kw)
    assert sized == size_for_allocation(PROFESSIONS, 0.1, **kw)
    assert sized.deff_allocation > 1 and sized.size.invitations > sized.without.invitations
    result = svc.draw_sample(engine, wave_id, "profession", n=None, moe=0.1, seed=3, **kw)
    assert result.n == sized.size.invitations and result.allocation == sized.allocation
    p = result.parameters
    assert p["deff_allocation"] == pytest.approx(allocation_deff(PROFESSIONS, result.allocation))
    assert p["deff"] == pytest.approx(p["deff_allocation"]) and p["deff_assumed"] == 1.0
    assert p["invitations_without_deff"] == sized.without.invitations
    assert p["expected_completes"] == sized.size.completes
    e = margin_of_error(0.5 * result.n, population=N_FRAME, deff=p["deff_allocation"])
    assert p["expected_moe"] == pytest.approx(e) and e <= 0.1
    with engine.connect() as conn:
        stored = store_samples.current_sample(conn, wave_id)["parameters"]
    assert stored["deff_allocation"] == pytest.approx(p["deff_allocation"])
    # a size given as n stores its design effect and expected margin too
    given = _draw(engine, wave_id, n=40, minimum=8)
    assert given.parameters["deff_allocation"] == pytest.approx(
        allocation_deff(PROFESSIONS, given.allocation)
    )
    assert given.parameters["expected_moe"] == pytest.approx(
        margin_of_error(40, population=N_FRAME, deff=given.parameters["deff_allocation"])
    )


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_exported_tokens_work_and_only_hashes_are_stored(
    engine, wave_id, frame_xlsx, tmp_path, suffix
):
    svc.import_frame(engine, wave_id, frame_xlsx)
    _draw(engine, wave_id, n=40)
    out = tmp_path / f"mailmerge{suffix}"
    result = svc.export_invitations(engine, wave_id, out, deadline=DEADLINE, base_url=BASE)
    assert result.n == 40 and out.exists()
    tokens = _tokens_from(out)
    assert len(set(tokens)) == 40 and all(len(t) >= 43 for t in tokens)  # >= 256 bits
    with engine.connect() as conn:
        stored = dict(
            conn.execute(
                sa.select(schema.invitations.c.token_hash, schema.invitations.c.disposition)
            ).all()
        )
        for token in tokens:
            found = store_samples.find_by_token(conn, token)
            assert found is not None and found["disposition"] == "invited"
    assert {hash_token(t) for t in tokens} == set(stored)
    assert not set(tokens) & set(stored)
    # Nothing left to issue: a second plain export refuses, a reminder export re-issues.
    with pytest.raises(svc.SamplingError, match="--reminder"):
        svc.export_invitations(engine, wave_id, tmp_path / f"again{suffix}", deadline=DEADLINE)
    reminder = svc.export_invitations(
        engine, wave_id, tmp_path / f"reminder{suffix}", reminder=True, deadline=DEADLINE
    )
    new_tokens = _tokens_from(reminder.path)
    with engine.connect() as conn:
        assert store_samples.find_by_token(conn, tokens[0]) is None  # the old link is replaced
        assert all(store_samples.find_by_token(conn, t) for t in new_tokens)
    # Issued: the sample and the frame are now fixed.
    with pytest.raises(svc.SamplingError, match="uitnodigingen"):
        _draw(engine, wave_id, seed=99)
    with pytest.raises(svc.SamplingError, match="ligt vast"):
        _reimport(engine, wave_id, tmp_path)


def _reimport(engine, wave_id, tmp_path):
    path = tmp_path / "nieuw.xlsx"
    frame_table(seed=8).to_excel(path, index=False)
    svc.import_frame(engine, wave_id, path)


def test_no_plain_token_in_the_sqlite_file(sqlite_url, tmp_path, frame_xlsx):
    from store.db import get_engine
    from store.waves import create_wave

    engine = get_engine(sqlite_url)
    with transaction(engine) as conn:
        wave_id = create_wave(conn, "Bestand", status="open")
    svc.import_frame(engine, wave_id, frame_xlsx)
    _draw(engine, wave_id, n=30)
    out = tmp_path / "mm.csv"
    svc.export_invitations(engine, wave_id, out, deadline=DEADLINE)
    tokens = _tokens_from(out)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    db_file = sqlite_url.removeprefix("sqlite:///")
    raw = b"".join(p.read_bytes() for p in Path(db_file).parent.glob("ktm.sqlite3*"))
    assert raw  # the database really is there
    for token in tokens:
        assert token.encode() not in raw
        assert hash_token(token).encode() in raw


def test_a_failed_export_writes_nothing_and_issues_nothing(engine, wave_id, frame_xlsx, tmp_path):
    svc.import_frame(engine, wave_id, frame_xlsx)
    _draw(engine, wave_id, n=20)
    with engine.connect() as conn:
        hashes = set(conn.execute(sa.select(schema.invitations.c.token_hash)).scalars())
    with pytest.raises(svc.SamplingError, match="bestaat niet"):
        svc.export_invitations(engine, wave_id, tmp_path / "nope" / "mm.xlsx", deadline=DEADLINE)
    with pytest.raises(svc.SamplingError, match=".xlsx of .csv"):
        svc.export_invitations(engine, wave_id, tmp_path / "mm.pdf", deadline=DEADLINE)
    with pytest.raises(svc.SamplingError, match="deadline"):
        svc.export_invitations(engine, wave_id, tmp_path / "mm.xlsx")  # the wave has no end date
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(schema.invitations.c.token_hash)).scalars()) == hashes
        assert store_samples.issued_count(conn, wave_id) == 0
    assert list(tmp_path.glob("*.tmp*")) == [] and not (tmp_path / "mm.xlsx").exists()


def test_opt_out_is_a_refusal_and_stops_reminders(engine, wave_id, frame_xlsx, tmp_path):
    svc.import_frame(engine, wave_id, frame_xlsx)
    _draw(engine, wave_id, n=10)
    out = svc.export_invitations(engine, wave_id, tmp_path / "mm.csv", deadline=DEADLINE).path
    tokens = _tokens_from(out)
    with transaction(engine) as conn:
        assert store_samples.opt_out(conn, tokens[0]) == "opted_out"
        assert store_samples.opt_out(conn, "not-a-token") is None
        done = store_samples.find_by_token(conn, tokens[1])
        conn.execute(
            sa.update(schema.invitations)
            .where(schema.invitations.c.id == done["id"])
            .values(disposition="complete")
        )
        assert store_samples.opt_out(conn, tokens[1]) == "complete"  # stays complete
    reminder = svc.export_invitations(
        engine, wave_id, tmp_path / "rem.csv", reminder=True, deadline=DEADLINE
    )
    assert reminder.n == 8
    overview = svc.invitations_overview(engine, wave_id)
    assert overview.loc["Totaal"].to_dict() == {"invited": 8, "opted_out": 1, "complete": 1}


def test_a_new_frame_discards_an_unissued_sample(engine, wave_id, frame_xlsx, tmp_path):
    svc.import_frame(engine, wave_id, frame_xlsx)
    _draw(engine, wave_id, n=20)
    path = tmp_path / "gecorrigeerd.xlsx"
    frame_table(seed=8).to_excel(path, index=False)
    result = svc.import_frame(engine, wave_id, path)
    assert result.new and result.discarded_sample
    assert counts(engine) | {"frame_units": 0} == {
        "frame_snapshots": 2,
        "frame_units": 0,
        "samples": 0,
        "sample_units": 0,
        "invitations": 0,
        "post_contact_log": 0,
    }
