"""Privacy (issue 11 item 5): irreversible anonymisation of a closed wave, retention period,
response rates that survive anonymisation, and no identity in the responses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from ktm.config import RETENTION_ENV, settings
from ktm.ledger import anonymise_and_record
from store import privacy, schema
from store import responses as R
from store.db import get_engine, transaction
from tests.survey_form.world import PAGES_INVITED, make_world

CLIENT = "privacy-test"


def _complete(engine, world, label):
    opened = R.open_invitation(engine, world.tokens[label], CLIENT)
    resp = R.start_or_resume(engine, invitation=opened, language="nl")
    rev = resp["revision"]
    for i, (section, page) in enumerate(PAGES_INVITED.items()):
        resp = R.save_page(engine, resp["id"], rev, page, {"page": i + 1}, section_id=section)
        rev = resp["revision"]
    return R.complete(engine, resp["id"], rev)


def _close(engine, wave_id, **fields):
    with transaction(engine) as conn:
        conn.execute(
            sa.update(schema.waves)
            .where(schema.waves.c.id == wave_id)
            .values(status="closed", **fields)
        )


def _rows(engine, table, where=None):
    with engine.connect() as conn:
        q = sa.select(table)
        if where is not None:
            q = q.where(where)
        return [dict(r) for r in conn.execute(q).mappings()]


def _file_bytes(url: str) -> bytes:
    path = Path(sa.engine.make_url(url).database)
    data = path.read_bytes()
    wal = path.with_name(path.name + "-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def test_responses_hold_no_identity_column():
    """The schema itself: nothing in `responses` can hold a name, e-mail or token."""
    names = {c.name for c in schema.responses.columns}
    assert not names & {"email", "name", "token", "token_hash", "unit_id", "frame_unit_id"}


def test_anonymising_a_closed_wave_removes_identity_and_keeps_counts(db_url):
    engine = get_engine(db_url)
    world = make_world(engine, invitations=("a", "b", "c"))
    done = _complete(engine, world, "a")
    assert R.record_consent(engine, done["id"])  # the respondent asked for the results
    opened = R.open_invitation(engine, world.tokens["b"], CLIENT)  # opened, never answered
    R.start_or_resume(engine, invitation=opened)
    _close(engine, world.wave_id)
    hashes = [r["token_hash"] for r in _rows(engine, schema.invitations)]
    emails = [f"{label}.{world.email}" for label in "abc"]
    if db_url.startswith("sqlite"):  # the scan below is meaningful: the data is there before
        raw = _file_bytes(db_url)
        assert all(e.encode() in raw for e in emails) and hashes[0].encode() in raw

    report = privacy.anonymise_wave(engine, world.wave_id)

    assert not report.already
    assert report.invitations_deleted == 3 and report.responses_unlinked == 2
    assert report.frame_units_cleared == 3 and report.consents_deleted == 1
    assert _rows(engine, schema.invitations) == []
    assert _rows(engine, schema.consents) == []
    resp = _rows(engine, schema.responses)
    assert [r["invitation_id"] for r in resp] == [None, None]
    assert all(r["session_key"] is None for r in resp)
    assert sorted(r["status"] for r in resp) == ["complete", "partial"]
    assert resp[0]["answers"]  # the answers themselves stay
    units = _rows(engine, schema.frame_units)
    assert all(u["email"] is None and u["name"] is None for u in units)
    assert all(u["unit_id"].startswith("anon-") for u in units)
    counts = {
        (r["mode"], r["stratum"], r["disposition"]): r["count"]
        for r in _rows(engine, schema.disposition_counts)
    }
    assert counts == {
        ("invited", "huisarts", "complete"): 1,
        ("invited", "huisarts", "opened"): 1,
        ("invited", "huisarts", "invited"): 1,
    }
    wave = _rows(engine, schema.waves)[0]
    assert wave["anonymised_at"] is not None
    with engine.connect() as conn:
        table = privacy.disposition_table(conn, world.wave_id)
    assert dict(zip(table["disposition"], table["count"], strict=True)) == {
        "complete": 1,
        "invited": 1,
        "opened": 1,
    }
    # Irreversible on disk too: no e-mail address or token hash left anywhere in the files.
    if db_url.startswith("sqlite"):
        raw = _file_bytes(db_url)
        for secret in [*emails, *hashes, "An Peeters"]:
            assert secret.encode() not in raw, secret
    # A second call changes nothing and says so; the old links open nothing.
    again = privacy.anonymise_wave(engine, world.wave_id)
    assert again.already
    assert R.open_invitation(engine, world.tokens["c"], CLIENT).reason == R.Refusal.UNKNOWN


@pytest.mark.parametrize("status", ["open", "draft"])
def test_a_wave_in_fieldwork_is_not_anonymised(sqlite_url, status):
    engine = get_engine(sqlite_url)
    world = make_world(engine, status=status)
    before = _rows(engine, schema.invitations), _rows(engine, schema.frame_units)
    with pytest.raises(privacy.PrivacyError, match="niet afgesloten"):
        privacy.anonymise_wave(engine, world.wave_id)
    assert (_rows(engine, schema.invitations), _rows(engine, schema.frame_units)) == before
    with pytest.raises(privacy.PrivacyError, match="bestaat niet"):
        privacy.anonymise_wave(engine, 999)


def test_retention_period_from_settings_and_wave(sqlite_url):
    engine = get_engine(sqlite_url)
    old = make_world(engine, name="Oud")
    recent = make_world(engine, name="Recent")
    pinned = make_world(engine, name="Vastgezet")
    running = make_world(engine, name="Loopt")
    _close(engine, old.wave_id, fieldwork_end=dt.date(2024, 1, 31))
    _close(engine, recent.wave_id, fieldwork_end=dt.date(2025, 12, 31))
    _close(
        engine,
        pinned.wave_id,
        fieldwork_end=dt.date(2020, 1, 1),
        retention_until=dt.date(2030, 1, 1),
    )
    with transaction(engine) as conn:  # still in fieldwork: never due, whatever its dates
        conn.execute(
            sa.update(schema.waves)
            .where(schema.waves.c.id == running.wave_id)
            .values(fieldwork_end=dt.date(2020, 1, 1))
        )
    today = dt.date(2026, 6, 1)
    assert settings({}).retention_days == privacy.DEFAULT_RETENTION_DAYS == 365
    with engine.connect() as conn:
        status = {w["name"]: w for w in privacy.retention_status(conn, today=today)}
        assert status["Oud"]["retention_until"] == dt.date(2025, 1, 30)
        assert status["Vastgezet"]["retention_until"] == dt.date(2030, 1, 1)
        assert [w["name"] for w in privacy.due_waves(conn, today=today)] == ["Oud"]
        days = settings({RETENTION_ENV: "90"}).retention_days
        assert [w["name"] for w in privacy.due_waves(conn, today=today, days=days)] == [
            "Oud",
            "Recent",
        ]
    with pytest.raises(ValueError, match="KTM_RETENTION_DAYS"):
        _ = settings({RETENTION_ENV: "een jaar"}).retention_days
    reports = privacy.apply_retention(engine, today=today, days=days)
    assert [r.wave_name for r in reports] == ["Oud", "Recent"]
    anonymised = {w["name"] for w in _rows(engine, schema.waves) if w["anonymised_at"]}
    assert anonymised == {"Oud", "Recent"}
    assert privacy.apply_retention(engine, today=today, days=days) == []  # nothing left to do


def test_response_rates_and_weighted_scores_survive_anonymisation(demo_url):
    """The invited sample rebuilt from disposition_counts gives the same response table and
    the same weighted headline as the invitations did before anonymisation."""
    from analysis.wave import analyse_wave
    from ktm.services import results

    engine = get_engine(demo_url)
    with engine.connect() as conn:
        wave = conn.execute(
            sa.select(schema.waves).where(schema.waves.c.status == "closed").limit(1)
        ).mappings().one()  # fmt: skip
        disp_before = privacy.disposition_table(conn, wave["id"], mode="invited")
    before, analysis_before = results.analyse(engine, wave["id"])
    response_before = analysis_before.response
    headline_before = analysis_before.headline()
    assert not response_before.empty and headline_before is not None

    anonymise_and_record(engine, demo_url, wave["id"])

    after = results.load_inputs(engine, wave["id"])
    with engine.connect() as conn:
        disp_after = privacy.disposition_table(conn, wave["id"], mode="invited")
        sample = privacy.sample_frame(
            conn,
            wave["id"],
            after.inputs.responses,
            after.sample_info["population"],
            after.sample_info["strata_var"],
        )
    pd.testing.assert_frame_equal(disp_before, disp_after)
    assert len(sample) == len(before.inputs.sample)
    assert after.inputs.responses["invitation_id"].isna().all()
    analysis_after = analyse_wave(dataclasses.replace(after.inputs, sample=sample))
    pd.testing.assert_frame_equal(response_before, analysis_after.response)
    pd.testing.assert_series_equal(headline_before, analysis_after.headline())
