"""What a person reads from the real `ktm` entry point: help and argparse's own words in
Dutch / English, a closed pipe ends quietly, frame variables by their names, errors that say
what to do. Each test runs the venv's `ktm` on a SQLite file of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KTM = Path(sys.executable).with_name("ktm")


def _env(db: Path) -> dict[str, str]:
    return dict(os.environ, KTM_DATABASE_URL=f"sqlite:///{db}", KTM_PUBLIC_URL="https://x.example")


def ktm(db: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(KTM), *args], env=_env(db), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "ktm.db"
    ktm(db, "demo")
    return db


def test_help_is_dutch_first_with_argparse_words_translated(tmp_path):
    out = ktm(tmp_path / "k.db", "--help").stdout
    assert out.startswith("gebruik / usage: ktm ")
    assert "argumenten / positional arguments:" in out
    assert "opties / options:" in out
    assert "toon deze hulp en stop / show this help message and" in out
    words = " ".join(out.split())  # argparse wraps the help to the terminal's width
    assert "start de app (Streamlit) op de ingestelde databank / start the app" in words
    assert "\nusage:" not in out and "\noptions:" not in out
    sub = ktm(tmp_path / "k.db", "sample", "draw", "--help").stdout
    assert "aantal uitnodigingen / number of invitations" in " ".join(sub.split())
    assert "--moe MOE" in sub and "--response-rate RATE" in sub  # option names unchanged


def test_a_missing_argument_is_refused_in_both_languages_with_where_to_look(tmp_path):
    err = ktm(tmp_path / "k.db", "wave", "create", code=2).stderr
    assert "ktm wave create: fout / error: deze argumenten zijn verplicht / the following " in err
    assert "arguments are required: --name" in err
    assert "Meer uitleg / more help: ktm wave create --help" in err
    err = ktm(tmp_path / "k.db", "audit", "--limit", "veel", code=2).stderr
    assert "'veel' is geen geheel getal" in err and "invalid int value" not in err


def _closed_early(tmp_path, command) -> tuple[int, str]:
    # The reader is gone before ktm writes a byte (it takes a second to start), so every write
    # hits a closed pipe.
    proc = subprocess.Popen(
        [str(KTM), *command],
        env=_env(tmp_path / "k.db"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()
    err = proc.stderr.read()
    return proc.wait(timeout=120), err


@pytest.mark.parametrize("command", [["wave", "list"], ["audit"]])
def test_a_pipe_closed_early_ends_quietly_with_status_1(tmp_path, command):
    # Status 1, as the Python docs' "Note on SIGPIPE" recipe; no traceback, nothing on stderr.
    code, err = _closed_early(tmp_path, command)
    assert code == 1
    assert "Traceback" not in err and "BrokenPipe" not in err and err == ""


def test_help_into_a_closed_pipe_is_quiet_too(tmp_path):
    # argparse writes its help itself and drops an OSError there (_print_message): status 0.
    code, err = _closed_early(tmp_path, ["--help"])
    assert code == 0 and err == ""


def test_a_reader_that_reads_everything_sees_status_0(tmp_path):
    assert "Nog geen bevraging" in ktm(tmp_path / "k.db", "wave", "list").stdout


def test_weighting_names_the_frame_variables_by_their_labels(demo_db):
    out = ktm(demo_db, "wave", "weighting", "--wave", "latest").stdout
    assert "opleidingsjaar / training year (training_year): p < 0,001" in out
    assert "marges / margins: beroep / profession; opleidingsjaar / training year" in out
    lines = out.splitlines()
    assert not [x for x in lines if x.startswith(("  training_year:", "  profession:"))]
    # a note in both languages: the Dutch line, then the English one
    note = next(i for i, x in enumerate(lines) if x.startswith("  - Raking naar"))
    assert lines[note + 1].startswith("    Raked to")


def test_wave_show_names_design_and_execution(demo_db):
    out = ktm(demo_db, "wave", "show", "1").stdout
    assert "ontwerp / design: Gestratificeerde aselecte steekproef / Stratified random " in out
    assert "uitvoering / execution: Door de eigen diensten / In-house (in_house)" in out


def test_neyman_without_sd_says_what_to_give(tmp_path):
    from tests.sampling_shell.conftest import frame_table

    db = tmp_path / "k.db"
    ktm(db, "wave", "create", "--name", "Proef")
    frame = tmp_path / "kader.xlsx"
    frame_table().to_excel(frame, index=False)
    out = ktm(db, "frame", "import", str(frame), "--wave", "1").stdout
    assert "Kader ingelezen / frame imported: 380 eenheden / units" in out
    draw = ["sample", "draw", "--wave", "1", "--strata", "profession", "--n", "40", "--seed", "1"]
    err = ktm(db, *draw, "--method", "neyman", code=2).stderr
    assert "Neyman-allocatie verdeelt naar de spreiding per stratum" in err
    assert "--sd algemeen_tandarts=S,arts_specialist=S,huisarts=S,..." in err
    assert "Neyman allocation needs the standard deviation" in err
    err = ktm(db, *draw, "--method", "neyman", "--sd", "huisarts=1", code=2).stderr
    assert "ontbreken / missing: algemeen_tandarts" in err
