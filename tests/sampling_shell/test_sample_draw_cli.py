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
