"""Bounces and opt-outs from outside (`ktm invitations bounces`, the Steekproef page), and the
full list of a refused file's problems (`--errors-out`), on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.response import disposition_counts, response_rates
from ktm.cli import main
from ktm.services import sampling as svc
from ktm.services.bounces import DispositionFileError, import_dispositions
from store import schema
from store.db import get_engine, transaction
from store.waves import create_wave
from tests.sampling_shell.conftest import frame_table


def _invited_wave(engine, tmp_path, n: int = 30, wave_id=None) -> tuple[int, pd.DataFrame]:
    """A wave whose sample of n went out by mail merge; the mail-merge rows."""
    if wave_id is None:
        with transaction(engine) as conn:
            wave_id = create_wave(conn, "Bounce-test", status="open")
    path = tmp_path / "kader.xlsx"
    frame_table().to_excel(path, index=False)
    svc.import_frame(engine, wave_id, path)
    svc.draw_sample(engine, wave_id, "profession", "proportional", n=n, seed=11)
    out = tmp_path / "mm.csv"
    svc.export_invitations(engine, wave_id, out, deadline="2030-01-31")
    return wave_id, pd.read_csv(out, sep=";", encoding="utf-8-sig", dtype=str)


def _dispositions(engine, wave_id) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                schema.invitations.c.id,
                schema.invitations.c.disposition,
                schema.invitations.c.send_error,
            )
            .where(schema.invitations.c.wave_id == wave_id)
            .order_by(schema.invitations.c.id)
        ).all()
    return pd.DataFrame(rows, columns=["id", "disposition", "send_error"])


def _rates(engine, wave_id) -> tuple[pd.Series, dict]:
    counts = disposition_counts(_dispositions(engine, wave_id)).iloc[-1]
    return counts, response_rates(counts.to_dict())


def test_bounces_and_opt_outs_from_a_file_follow_into_the_aapor_rates(engine, tmp_path):
    wave_id, merged = _invited_wave(engine, tmp_path)
    before, rates_before = _rates(engine, wave_id)
    assert before["UH"] == 30 and before["UO"] == 0 and before["R"] == 0

    # Addresses as a mail server reports them: other case, spaces, one listed twice.
    emails = [merged["email"][0].upper(), f"  {merged['email'][1]} ", merged["email"][2]]
    bounce_file = tmp_path / "bounces.csv"
    bounce_file.write_text("E-mail\n" + "\n".join([*emails, emails[2]]) + "\n", encoding="utf-8")
    result = import_dispositions(engine, wave_id, bounce_file, event="bounce")
    assert result.changed == 3
    after, rates_after = _rates(engine, wave_id)
    assert after["UO"] == 3 and after["UH"] == 27
    # AAPOR: undelivered is unknown eligibility (UO) like "nothing returned" (UH), so RR1/RR2
    # keep their value; the rates that separate the codes are the same as well.
    assert rates_after["RR2"] == pytest.approx(rates_before["RR2"])

    # Opt-outs by unit id (Excel): explicit refusals, R; REF1 = R / all = 2/30.
    opt = io.BytesIO()
    pd.DataFrame({"unit_id": list(merged["unit_id"][5:7])}).to_excel(opt, index=False)
    done = import_dispositions(engine, wave_id, opt.getvalue(), event="opt_out", filename="a.xlsx")
    assert done.changed == 2
    counts, rates = _rates(engine, wave_id)
    assert counts["R"] == 2 and counts["UH"] == 25
    assert rates["REF1"] == pytest.approx(2 / 30) and rates_before["REF1"] == 0
    # Reminders skip them now (bounced and opted out are not remindable).
    table = _dispositions(engine, wave_id)
    assert (table["disposition"] == "opted_out").sum() == 2
    assert (
        table.loc[table["disposition"] == "bounced", "send_error"].str.contains("bounces.csv").all()
    )

    # The same bounce list again changes nothing and says so.
    again = import_dispositions(engine, wave_id, bounce_file, event="bounce")
    assert again.changed == 0 and again.unchanged == {"bounced": 3}


def test_an_unknown_address_refuses_the_whole_file(engine, tmp_path):
    wave_id, merged = _invited_wave(engine, tmp_path, n=10)
    before = _dispositions(engine, wave_id)
    path = tmp_path / "bounces.csv"
    path.write_text(
        f"email\n{merged['email'][0]}\nniemand@example.org\n{merged['email'][1]}\nP99999@x.be\n",
        encoding="utf-8",
    )
    with pytest.raises(DispositionFileError) as info:
        import_dispositions(engine, wave_id, path)
    problems = info.value.problems
    assert [(p.row, p.column) for p in problems] == [(3, "email"), (5, "email")]
    assert "niemand@example.org" in problems[0].message
    assert "niets" in str(info.value)
    pd.testing.assert_frame_equal(_dispositions(engine, wave_id), before)


def test_a_unit_not_yet_invited_is_a_problem(sqlite_url, tmp_path):
    engine = get_engine(sqlite_url)
    with transaction(engine) as conn:
        wave_id = create_wave(conn, "Nog niet uitgenodigd", status="open")
    path = tmp_path / "kader.xlsx"
    frame_table().to_excel(path, index=False)
    svc.import_frame(engine, wave_id, path)
    svc.draw_sample(engine, wave_id, "profession", "proportional", n=5, seed=1)
    with engine.connect() as conn:
        unit = conn.execute(
            sa.select(schema.frame_units.c.unit_id)
            .join(
                schema.sample_units, schema.sample_units.c.frame_unit_id == schema.frame_units.c.id
            )
            .limit(1)
        ).scalar_one()
    with pytest.raises(DispositionFileError, match="nog niet uitgenodigd"):
        import_dispositions(engine, wave_id, f"unit_id\n{unit}\n".encode(), filename="b.csv")


def test_the_command_line_with_errors_out(sqlite_url, tmp_path, capsys):
    engine = get_engine(sqlite_url)
    wave_id, merged = _invited_wave(engine, tmp_path, n=10)
    good = tmp_path / "ok.csv"
    good.write_text("email\n" + merged["email"][0] + "\n", encoding="utf-8")
    args = ["--database", sqlite_url, "invitations", "bounces"]
    assert main([*args, str(good), "--wave", str(wave_id)]) == 0
    assert "1 uitnodigingen nu onbestelbaar" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    unknown = [f"onbekend{i}@example.org" for i in range(60)]
    bad.write_text("email\n" + "\n".join(unknown) + "\n", encoding="utf-8")
    errors = tmp_path / "problemen.csv"
    code = main([*args, str(bad), "--wave", str(wave_id), "--errors-out", str(errors)])
    err = capsys.readouterr().err
    assert code == 2 and "en nog 10" in err and str(errors) in err
    listed = pd.read_csv(errors, sep=";", encoding="utf-8-sig")
    assert len(listed) == 60 and list(listed["rij / row"]) == list(range(2, 62))
    assert (_dispositions(engine, wave_id)["disposition"] == "bounced").sum() == 1


def test_frame_import_errors_out_lists_every_problem(sqlite_url, tmp_path, capsys):
    engine = get_engine(sqlite_url)
    with transaction(engine) as conn:
        wave_id = create_wave(conn, "Kaderfouten", status="draft")
    table = frame_table().astype(object)
    # 80 bad years on every other row: one problem, said once, but its rows too many to list
    table.loc[list(range(0, 160, 2)), "opleidingsjaar"] = "tweede"
    path = tmp_path / "kader.csv"
    table.to_csv(path, index=False, sep=";")
    errors = tmp_path / "fouten.xlsx"
    args = ["--database", sqlite_url, "frame", "import", str(path), "--wave", str(wave_id)]
    assert main(args) == 2  # without --errors-out: the message says how to get the rest
    err = capsys.readouterr().err
    said = "80 rijen (rows) 2, 4, 6, 8, 10, 12, 14, 16, 18, 20 en 70 meer (and 70 more)"
    assert said in err and err.count("opleidingsjaar 'tweede'") == 1
    assert "herhaal met --errors-out" in err and not errors.exists()
    assert main([*args, "--errors-out", str(errors)]) == 2
    err = capsys.readouterr().err
    assert said in err and "herhaal met --errors-out" not in err
    listed = pd.read_excel(errors)
    assert len(listed) == 80 and set(listed["kolom / column"]) == {"opleidingsjaar"}
    assert sorted(listed["rij / row"]) == list(range(2, 162, 2))
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.frame_units)).scalar() == 0
        )


@pytest.mark.parametrize(
    ("public_url", "warned"),
    [(None, True), ("http://127.0.0.1:8501", True), ("https://tevredenheid.zorg.example", False)],
)
def test_a_mail_merge_file_with_links_to_this_computer_is_warned_about(
    sqlite_url, tmp_path, capsys, monkeypatch, public_url, warned
):
    """Left at its default, KTM_PUBLIC_URL makes links to localhost that no respondent can
    open; the export says so (and still writes the file: a trial run is legitimate)."""
    if public_url is None:
        monkeypatch.delenv("KTM_PUBLIC_URL", raising=False)
    else:
        monkeypatch.setenv("KTM_PUBLIC_URL", public_url)
    engine = get_engine(sqlite_url)
    wave_id, _ = _invited_wave(engine, tmp_path, n=10)
    out = tmp_path / "links.xlsx"
    args = ["--database", sqlite_url, "invitations", "export", "--wave", str(wave_id)]
    assert main([*args, "--reminder", "--out", str(out), "--deadline", "2030-01-31"]) == 0
    err = capsys.readouterr().err
    assert out.exists()
    assert ("Zet KTM_PUBLIC_URL op het adres van de app" in err) is warned


# --- the Steekproef page ----------------------------------------------------------------------

from tests.sampling_shell.test_sampling_page import (  # noqa: E402, F401  (fixtures)
    app_env,
    page,
    password_hash,
)


def test_the_page_applies_a_bounce_list_and_offers_every_problem(page, tmp_path):  # noqa: F811
    at, engine, wave_id = page
    _w, merged = _invited_wave(engine, tmp_path, n=12, wave_id=wave_id)
    at.run()
    assert not at.exception, at.exception
    bad = f"email\n{merged['email'][0]}\nniemand@example.org\n".encode()
    at.file_uploader(key="bounce_file").set_value(("b.csv", bad, "text/csv")).run()
    at.button(key="bounce_apply").click().run()
    assert not at.exception, at.exception
    assert any("niets gewijzigd" in e.value for e in at.error)
    assert (_dispositions(engine, _w)["disposition"] == "invited").all()
    download = at.session_state["bounce_problems"]["csv"]
    listed = pd.read_csv(io.BytesIO(download), sep=";", encoding="utf-8-sig")
    assert list(listed["rij / row"]) == [3]

    good = f"email\n{merged['email'][0]}\n{merged['email'][1]}\n".encode()
    at.file_uploader(key="bounce_file").set_value(("b.csv", good, "text/csv")).run()
    at.button(key="bounce_apply").click().run()
    assert not at.exception, at.exception
    assert any("2 uitnodigingen nu onbestelbaar" in s.value for s in at.success)
    assert (_dispositions(engine, _w)["disposition"] == "bounced").sum() == 2
