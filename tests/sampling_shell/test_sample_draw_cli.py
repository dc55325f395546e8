"""`ktm sample draw` says so when the precision asked for makes the sample a census."""

from __future__ import annotations

from ktm.cli import main
from ktm.services import sampling as svc
from store.db import get_engine, transaction
from store.waves import create_wave
from tests.sampling_shell.conftest import frame_table


def _wave_with_frame(sqlite_url, tmp_path) -> int:
    engine = get_engine(sqlite_url)
    with transaction(engine) as conn:
        wave_id = create_wave(conn, "Telling", status="draft")
    path = tmp_path / "kader.xlsx"
    frame_table().to_excel(path, index=False)
    svc.import_frame(engine, wave_id, path)
    return wave_id


def test_a_margin_of_error_the_frame_cannot_give_is_called_a_census(sqlite_url, tmp_path, capsys):
    wave_id = _wave_with_frame(sqlite_url, tmp_path)
    draw = ["--database", sqlite_url, "sample", "draw", "--wave", str(wave_id)]
    args = ["--strata", "profession", "--method", "proportional", "--seed", "1"]
    assert main([*draw, *args, "--moe", "0.01", "--response-rate", "0.4"]) == 0
    out = capsys.readouterr().out
    assert "Volledige telling: de gevraagde precisie vraagt meer uitnodigingen" in out


def test_a_real_sample_is_not_called_a_census(sqlite_url, tmp_path, capsys):
    wave_id = _wave_with_frame(sqlite_url, tmp_path)
    draw = ["--database", sqlite_url, "sample", "draw", "--wave", str(wave_id)]
    args = ["--strata", "profession", "--method", "proportional", "--seed", "1"]
    assert main([*draw, *args, "--n", "40"]) == 0
    assert "Volledige telling" not in capsys.readouterr().out


def test_the_draw_table_speaks_dutch_numbers_and_names(sqlite_url, tmp_path, capsys):
    wave_id = _wave_with_frame(sqlite_url, tmp_path)
    draw = ["--database", sqlite_url, "sample", "draw", "--wave", str(wave_id)]
    assert main([*draw, "--strata", "profession", "--n", "40", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "proportioneel / proportional, n = 40" in lines[0]
    row = next(line for line in lines if "Huisarts in opleiding" in line).split()
    # N_h 120, n_h and drawn 13, inclusion probability 13/120 and design weight 120/13
    assert row[-5:] == ["120", "13", "13", "0,108", "9,23"]
    assert "huisarts " not in out  # the profession by its name, not its code
    assert "foutenmarge / expected margin of error: ±" in out
    moe = out.split("expected margin of error: ±")[1].split("%")[0]
    assert "," in moe and "." not in moe  # e.g. ±15,2%, never 15.2%


def test_a_census_says_it_has_no_margin_of_error(sqlite_url, tmp_path, capsys):
    wave_id = _wave_with_frame(sqlite_url, tmp_path)
    draw = ["--database", sqlite_url, "sample", "draw", "--wave", str(wave_id)]
    assert main([*draw, "--strata", "profession", "--method", "census", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "0,0%" not in out and "0.0%" not in out
    assert "geen foutenmarge: iedereen in het kader wordt bevraagd (volledige telling)" in out
    assert "no margin of error: everyone in the frame is surveyed (census)" in out
    # A census because the precision asked for needs everyone at 40% response: the margin
    # comes from those who do not answer, and is printed (in Dutch numbers).
    args = ["--strata", "profession", "--seed", "1", "--moe", "0.01", "--response-rate", "0.4"]
    assert main([*draw, *args]) == 0
    out = capsys.readouterr().out
    assert "±6,2%; bij een volledige telling komt die marge alleen van wie niet antwoordt" in out
