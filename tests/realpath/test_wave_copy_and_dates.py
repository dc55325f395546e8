"""`ktm wave create --copy-from` never copies the facts that describe the old wave itself (the
next measurement of question 11 would name the new wave as its own next measurement) and says
what it copied, the weighting choice included; `ktm wave open` warns when today lies outside
the fieldwork dates (it opens all the same: a team may open early on purpose)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from ktm.cli import main
from store import schema

QUESTIONNAIRE = Path(__file__).resolve().parents[2] / "data" / "questionnaire" / "eloket.yaml"


def ktm(url: str, *args: str, capsys, code: int = 0) -> str:
    rc = main(["--database", url, *args])
    out = capsys.readouterr()
    assert rc == code, (args, rc, out)
    return out.out + out.err


def _wave(url: str, wave_id: int) -> dict:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(sa.select(schema.waves).where(schema.waves.c.id == wave_id))
        out = dict(row.mappings().one())
    engine.dispose()
    return out


def test_copy_from_leaves_the_next_wave_out_and_says_what_it_copied(sqlite_url, capsys):
    ktm(sqlite_url, "wave", "create", "--name", "Meting 2026-2027", "--start", "2026-11-02",
        "--end", "2027-01-29", "--objectives", "Tevredenheid meten", "--next-wave",
        "Najaar 2027", "--min-completes", "30", capsys=capsys)  # fmt: skip
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:  # the choice `ktm wave weighting 1 --margins ... --save` stores
        conn.execute(
            sa.update(schema.waves).values(
                weighting={"margins": ["profession", "university"], "trim": None}
            )
        )
    engine.dispose()
    out = ktm(sqlite_url, "wave", "create", "--name", "Meting 2027-2028", "--start",
              "2027-11-02", "--end", "2028-01-28", "--copy-from", "1", capsys=capsys)  # fmt: skip
    new = _wave(sqlite_url, 2)
    assert new["next_wave_planned"] is None
    assert new["objectives"] == "Tevredenheid meten" and new["min_completes_stratum"] == 30
    assert new["weighting"]["margins"] == ["profession", "university"]
    lines = out.splitlines()
    assert "Overgenomen van bevraging 1 / copied from wave 1:" in lines
    assert "  - doelstellingen / objectives" in lines
    assert (
        "  - weging / weighting: raking beroep / profession; universiteit / university "
        "(ktm wave weighting 2)"
    ) in lines
    assert "  - volgende meting / next wave" not in lines
    assert "volgende meting (vraag 11)" in out and "ktm wave set 2 --next-wave TEKST" in out


def _openable(url: str, capsys, start: str, end: str) -> None:
    ktm(url, "questionnaire", "publish", str(QUESTIONNAIRE), capsys=capsys)
    ktm(url, "wave", "create", "--name", "Meting", "--start", start, "--end", end,
        "--design", "open", "--questionnaire", "latest", capsys=capsys)  # fmt: skip


def test_opening_before_the_fieldwork_start_warns_but_opens(sqlite_url, capsys):
    start = dt.date.today() + dt.timedelta(days=30)
    _openable(sqlite_url, capsys, start.isoformat(), (start + dt.timedelta(days=60)).isoformat())
    out = ktm(sqlite_url, "wave", "open", "1", capsys=capsys)
    assert _wave(sqlite_url, 1)["status"] == "open"
    from report.format import date

    assert f"het veldwerk begint pas op {date(start, 'nl')}" in out
    assert f"fieldwork only starts on {date(start, 'en')}" in out


def test_opening_after_the_fieldwork_end_warns_but_opens(sqlite_url, capsys):
    end = dt.date.today() - dt.timedelta(days=1)
    _openable(sqlite_url, capsys, (end - dt.timedelta(days=60)).isoformat(), end.isoformat())
    out = ktm(sqlite_url, "wave", "open", "1", capsys=capsys)
    assert _wave(sqlite_url, 1)["status"] == "open"
    assert "het veldwerk eindigde al op" in out and "fieldwork already ended on" in out


def test_date_warnings_name_the_day_in_words():
    from ktm.services.waves import date_warnings

    wave = {"id": 2, "fieldwork_start": dt.date(2027, 11, 2), "fieldwork_end": dt.date(2028, 1, 28)}
    ((nl, en),) = date_warnings(wave, today=dt.date(2026, 12, 1))
    assert "het veldwerk begint pas op 2 november 2027" in nl
    assert "fieldwork only starts on 2 November 2027" in en  # fmt: skip
    assert date_warnings(wave, today=dt.date(2027, 12, 1)) == []
    assert date_warnings({"id": 1}, today=dt.date(2027, 12, 1)) == []
