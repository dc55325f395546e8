"""The sampling commands, run through `ktm.cli.main` on a temporary SQLite file."""

from __future__ import annotations

import pandas as pd
import pytest

from ktm.cli import main
from store.db import get_engine, transaction
from store.waves import create_wave
from tests.sampling_shell.conftest import N_FRAME, PROFESSIONS, counts


@pytest.fixture
def cli_db(sqlite_url):
    engine = get_engine(sqlite_url)
    with transaction(engine) as conn:
        create_wave(conn, "Vorige", status="closed")
        wave = create_wave(conn, "Lopende", status="open")
    return sqlite_url, engine, wave


def run(url, *args) -> int:
    return main([*args, "--database", url])


def test_the_whole_flow_from_the_command_line(cli_db, frame_xlsx, tmp_path, capsys):
    url, engine, wave = cli_db
    assert run(url, "frame", "import", str(frame_xlsx), "--wave", "open") == 0
    assert f"{N_FRAME} eenheden" in capsys.readouterr().out
    args = ["sample", "draw", "--wave", str(wave), "--strata", "profession"]
    assert (
        run(url, *args, "--method", "proportional", "--n", "50", "--seed", "7", "--minimum", "5")
        == 0
    )
    out = capsys.readouterr().out
    assert "n = 50, seed 7" in out and "Ziekenhuisapotheker in opleiding" in out
    from sampling.allocation import allocate, allocation_deff

    deff = allocation_deff(PROFESSIONS, allocate(PROFESSIONS, 50, minimum=5))
    said = f"design effect of the allocation: {deff:.2f};".replace(".", ",")  # Dutch numbers
    assert deff > 1 and said in out
    out_file = tmp_path / "mm.xlsx"
    code = run(
        url,
        "invitations",
        "export",
        "--wave",
        "open",
        "--out",
        str(out_file),
        "--deadline",
        "2025-03-31",
    )
    assert code == 0 and "50 uitnodigingen" in capsys.readouterr().out
    table = pd.read_excel(out_file)
    assert len(table) == 50 and table["persoonlijke_link"].str.contains(r"\?t=").all()
    assert counts(engine)["invitations"] == 50


def test_user_errors_give_a_message_and_exit_code_2(
    cli_db, bad_frame_csv, tmp_path, capsys, monkeypatch
):
    url, engine, wave = cli_db
    before = counts(engine)
    assert run(url, "frame", "import", str(bad_frame_csv), "--wave", str(wave)) == 2
    err = capsys.readouterr().err
    assert "rij 3" in err and "rij 4" in err and "rij 5" in err and "Traceback" not in err
    assert counts(engine) == before

    assert run(url, "frame", "import", str(tmp_path / "nope.xlsx"), "--wave", str(wave)) == 2
    assert "niet gevonden" in capsys.readouterr().err
    assert run(url, "frame", "import", str(bad_frame_csv), "--wave", "99") == 2
    assert "bestaat niet" in capsys.readouterr().err
    draw = [
        "sample",
        "draw",
        "--wave",
        str(wave),
        "--strata",
        "profession",
        "--n",
        "5",
        "--seed",
        "1",
    ]
    assert run(url, *draw) == 2
    assert "nog geen kader" in capsys.readouterr().err

    for var in ("KTM_SMTP_HOST", "KTM_SMTP_SENDER"):
        monkeypatch.delenv(var, raising=False)
    assert run(url, "invitations", "send", "--wave", str(wave)) == 2
    assert "KTM_SMTP_HOST" in capsys.readouterr().err


def test_open_needs_exactly_one_open_wave(cli_db, frame_xlsx, capsys):
    url, engine, _ = cli_db
    with transaction(engine) as conn:
        create_wave(conn, "Nog een", status="open")
    assert run(url, "frame", "import", str(frame_xlsx), "--wave", "open") == 2
    assert "2 open bevragingen" in capsys.readouterr().err


def test_send_reminders_and_post_contact_from_the_command_line(
    cli_db, frame_xlsx, tmp_path, capsys, monkeypatch, smtp
):
    from store.waves import update_wave

    url, engine, wave = cli_db
    handler, config = smtp
    with transaction(engine) as conn:
        update_wave(conn, wave, post_contact=True)
    monkeypatch.setenv("KTM_SMTP_HOST", config.host)
    monkeypatch.setenv("KTM_SMTP_PORT", str(config.port))
    monkeypatch.setenv("KTM_SMTP_SECURITY", "none")
    monkeypatch.setenv("KTM_SMTP_SENDER", config.sender)
    assert run(url, "frame", "import", str(frame_xlsx), "--wave", "open") == 0
    draw = ["sample", "draw", "--wave", "open", "--strata", "profession", "--n", "8", "--seed", "2"]
    assert run(url, *draw) == 0
    send = ["invitations", "send", "--wave", "open", "--deadline", "2025-03-31"]
    assert run(url, *send) == 0
    assert "Verstuurd / sent: 8" in capsys.readouterr().out and len(handler.messages) == 8
    assert run(url, *send, "--reminder") == 0
    assert len(handler.messages) == 16 and "Herinnering" in handler.messages[-1]["Subject"]

    export = tmp_path / "indieningen.csv"
    export.write_text("id;procedure;datum\nP00010;stageplan;01/03/2025\n", encoding="utf-8")
    post = ["invitations", "post-contact", str(export), "--wave", "open", "--today", "2025-03-05"]
    assert run(url, *post, "--send", "--deadline", "2025-03-31") == 0
    out = capsys.readouterr().out
    assert "1 post-contactuitnodigingen aangemaakt" in out and "Verstuurd / sent: 1" in out
    assert handler.messages[-1]["To"] == "persoon10@example.org"
    assert run(url, *post) == 0  # the same export again: invited already in this period
    assert "0 post-contactuitnodigingen aangemaakt" in capsys.readouterr().out
    assert counts(engine)["post_contact_log"] == 1
