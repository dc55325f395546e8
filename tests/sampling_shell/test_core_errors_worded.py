"""A design the sampling core refuses reaches people in Dutch first, English second, with what
to do: through the real `ktm` entry point (`ktm sample draw`, `ktm wave weighting`) and on the
page Steekproef. The core keeps its English message for the Python API, and every code it
raises has its wording (ktm.services.messages)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ktm.services import messages
from ktm.services import sampling as svc
from sampling.allocation import allocate
from sampling.errors import DesignError
from store.db import get_engine, transaction
from store.waves import create_wave
from tests.sampling_shell.conftest import frame_table
from tests.sampling_shell.test_sampling_page import (  # noqa: F401  (fixtures)
    _upload_frame,
    _xlsx_bytes,
    app_env,
    page,
    password_hash,
)

KTM = Path(sys.executable).with_name("ktm")
ROOT = Path(__file__).resolve().parents[2]
ALL_ONE = "huisarts=1,arts_specialist=1,algemeen_tandarts=1,tandarts_specialist=1"


def ktm(db: Path, *args: str, code: int = 0) -> subprocess.CompletedProcess:
    env = dict(os.environ, KTM_DATABASE_URL=f"sqlite:///{db}", KTM_PUBLIC_URL="https://x.example")
    done = subprocess.run([str(KTM), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Path, int, int]:
    """The demo world (closed wave 2 has answers to weight), a draft wave with the test frame
    and one whose auxiliary column `geslacht` is blank for five units."""
    db = tmp_path_factory.mktemp("core_errors") / "ktm.db"
    ktm(db, "demo")
    engine = get_engine(f"sqlite:///{db}")
    with transaction(engine) as conn:
        full = create_wave(conn, "Kader vol", status="draft")
        blanks = create_wave(conn, "Kader met gaten", status="draft")
    path = db.with_name("kader.xlsx")
    frame_table().to_excel(path, index=False)
    svc.import_frame(engine, full, path)
    table = frame_table()
    table.loc[5:9, "geslacht"] = None
    table.to_excel(path, index=False)
    svc.import_frame(engine, blanks, path)
    return db, full, blanks


# (options after `ktm sample draw --wave W --seed 1`, which wave, Dutch words, English words,
#  the core's English message that must not be what the person reads)
DRAWS = [
    (
        ["--strata", "profession", "--n", "100", "--minimum", "30"],
        "full",
        "Een minimum van 30 per stratum vraagt 110 uitnodigingen over de 5 strata, meer dan "
        "n = 100: verhoog n tot minstens 110",
        "a minimum of 30 per stratum needs 110 invitations over the 5 strata",
        "units, more than n = 100; lower the minimum or raise n",
    ),
    (
        ["--strata", "profession", "--moe", "0"],
        "full",
        "De foutenmarge moet groter dan 0 zijn, niet 0: geef een aandeel, bv. 0,05 voor ±5%",
        "the margin of error must be above 0",
        "moe (margin of error) must be positive",
    ),
    (
        ["--strata", "profession", "--moe", "0,05", "--response-rate", "1,5"],
        "full",
        "De verwachte responsgraad moet groter dan 0 en hoogstens 1 zijn, niet 1,5: geef een "
        "aandeel, bv. 0,4 voor 40%",
        "the expected response rate must be above 0 and at most 1, not 1.5",
        "response_rate must be in (0, 1]",
    ),
    (
        # with n given, the response rate was stored unchecked before
        ["--strata", "profession", "--n", "100", "--response-rate", "0"],
        "full",
        "De verwachte responsgraad moet groter dan 0 en hoogstens 1 zijn, niet 0:",
        "the expected response rate must be above 0",
        "response_rate must be in (0, 1]",
    ),
    (
        ["--strata", "profession", "--moe", "0.05", "--confidence", "95"],
        "full",
        "De betrouwbaarheid moet tussen 0 en 1 liggen, niet 95: geef een aandeel, bv. 0,95",
        "the confidence level must be between 0 and 1, not 95",
        "confidence must be between 0 and 1 (e.g. 0.95)",
    ),
    (
        # with n given, a traceback before
        ["--strata", "profession", "--n", "100", "--confidence", "1"],
        "full",
        "De betrouwbaarheid moet tussen 0 en 1 liggen, niet 1:",
        "the confidence level must be between 0 and 1, not 1",
        "confidence must be between 0 and 1 (e.g. 0.95)",
    ),
    (
        [
            "--strata",
            "profession",
            "--method",
            "neyman",
            "--n",
            "100",
            "--sd",
            f"{ALL_ONE},ziekenhuisapotheker=-1",
        ],
        "full",
        "De standaardafwijking S_h moet een getal zijn van 0 of meer; verbeter ze voor "
        "ziekenhuisapotheker",
        "the standard deviation S_h must be a number of 0 or more",
        "sd must be a finite number >= 0",
    ),
    (
        [
            "--strata",
            "profession",
            "--method",
            "neyman",
            "--n",
            "100",
            "--sd",
            ALL_ONE.replace("=1", "=0") + ",ziekenhuisapotheker=0",
        ],
        "full",
        "Elke standaardafwijking S_h is 0, dus Neyman-allocatie kan niets verdelen",
        "every standard deviation S_h is 0",
        "Neyman allocation is undefined when every S_h is 0",
    ),
    (
        ["--strata", "profession", "--method", "power", "--n", "100", "--power", "1,5"],
        "full",
        "De exponent a van de machtsallocatie moet tussen 0 en 1 liggen, niet 1,5",
        "the exponent a of the power allocation must be between 0 and 1, not 1.5",
        "power must be between 0 and 1, got",
    ),
    (
        ["--strata", "profession", "--n", "100", "--sort-by", "postcode"],
        "full",
        "Sorteervariabele postcode staat niet in het kader; kies uit unit_id, email, profession",
        "sort variable postcode is not in the frame",
        "sort_by column(s) not in the frame",
    ),
    (
        # a traceback before
        ["--strata", "geslacht", "--n", "50"],
        "blanks",
        "5 eenheden van het kader hebben geen waarde voor geslacht (de eerste: P00006); elke "
        "eenheid heeft een stratum nodig: kies een andere stratificatievariabele, of vul de "
        "kolom aan",
        "5 units of the frame have no value for geslacht",
        "unit(s) have no value for",
    ),
    (
        # a traceback (IndexError) before
        ["--strata", ",", "--n", "50"],
        "full",
        "Geef minstens één stratificatievariabele, bv. profession",
        "give at least one strata variable",
        "give at least one stratification column",
    ),
]


@pytest.mark.parametrize(
    "options, which, nl, en, core", DRAWS, ids=[" ".join(d[0][2:]) for d in DRAWS]
)
def test_a_refused_draw_says_in_dutch_and_english_what_to_do(world, options, which, nl, en, core):
    db, full, blanks = world
    wave = full if which == "full" else blanks
    err = ktm(db, "sample", "draw", "--wave", str(wave), "--seed", "1", *options, code=2).stderr
    assert "Traceback" not in err
    message = " ".join(err.split())
    assert message.startswith(f"ktm: {nl}"), message
    dutch, _, english = message.partition(" / ")
    assert en in english, message
    assert core not in message
    assert "frame_unit_id" not in message  # the store's row id is no variable of the team's


WEIGHTINGS = [
    (
        ["--trim-lower", "5", "--trim-upper", "2"],
        "De ondergrens 5 (--trim-lower) moet kleiner zijn dan de bovengrens 2 (--trim-upper): "
        "verlaag de ondergrens of verhoog de bovengrens",
        "the lower bound 5 (--trim-lower) must be below the upper bound 2 (--trim-upper)",
    ),
    (
        ["--trim-lower-ratio", "0,5", "--trim-upper-ratio", "0,25"],
        "De ondergrens maal het gemiddelde gewicht 0,5 (--trim-lower-ratio) moet kleiner zijn "
        "dan de bovengrens maal het gemiddelde gewicht 0,25 (--trim-upper-ratio)",
        "the lower bound times the mean weight 0.5 (--trim-lower-ratio) must be below",
    ),
    (
        ["--trim-upper=-1,5"],
        "De bovengrens (--trim-upper) moet een getal groter dan 0 zijn, niet -1,5: bv. 3,5",
        "the upper bound (--trim-upper) must be a number above 0, not -1.5",
    ),
    (
        ["--margins", "postcode"],
        "Geen kadervariabele van deze steekproef: postcode; kies de marges uit profession",
        "not a frame variable of this sample: postcode; choose the margins from",
    ),
]


@pytest.mark.parametrize("options, nl, en", WEIGHTINGS, ids=[w[0][0] for w in WEIGHTINGS])
def test_a_refused_weighting_says_in_dutch_and_english_what_is_wrong(world, options, nl, en):
    db, _, _ = world
    err = ktm(db, "wave", "weighting", "2", *options, code=2).stderr
    message = " ".join(err.split())
    assert message.startswith(f"ktm: {nl}"), message
    assert en in message.partition(" / ")[2], message
    assert "5.0" not in message and "-1.5" not in message.partition(" / ")[0]


def test_the_core_keeps_its_english_message_and_gives_a_code():
    with pytest.raises(DesignError) as refused:
        allocate({"a": 50, "b": 50}, 40, minimum=30)
    assert isinstance(refused.value, ValueError)  # callers of the Python API keep working
    assert str(refused.value).startswith("a minimum of 30 per stratum needs 60 units")
    assert refused.value.code == "minimum_above_n"
    assert refused.value.params == {"minimum": 30, "needed": 60, "n": 40, "strata": 2}
    assert messages.worded(refused.value).startswith(
        "Een minimum van 30 per stratum vraagt 60 uitnodigingen over de 2 strata, meer dan n = 40"
    )


def test_every_code_the_core_raises_has_its_wording():
    raised = set()
    for path in (ROOT / "sampling").glob("*.py"):
        raised |= set(re.findall(r'DesignError\(\s*"(\w+)"', path.read_text(encoding="utf-8")))
    assert len(raised) >= 12  # the scan finds the raises (a broken pattern finds none)
    assert raised <= set(messages.WORDING), raised - set(messages.WORDING)
    # and the wording of each renders in both languages without the parameters' raw form
    params = {"minimum": 30, "needed": 1110, "n": 1000, "strata": 5, "population": 5360,
              "power": 1.5, "response_rate": 1.5, "confidence": 95.0,
              "moe": -0.05, "deff": 0.0, "columns": ["x"], "available": ["a"], "units": 1,
              "empty": ["x"], "first_unit": "P1", "unknown": ["x"], "allowed": ["a"],
              "key": "upper", "value": -1.5, "lower_key": "lower", "lower": 5.0,
              "upper_key": "upper", "upper": 2.0}  # fmt: skip
    for code, word in messages.WORDING.items():
        p = {**params, "strata": ["h1"]} if code.startswith("sd_") else params
        nl, en = word(p, "nl"), word(p, "en")
        assert nl != en, code
        assert "1110" not in nl and "1.110" not in en, code  # numbers in each language's format


def test_the_page_says_in_dutch_when_the_minimum_exceeds_n(page):  # noqa: F811
    at, _, _ = page
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(frame_table()))
    at.number_input(key="minimum").set_value(30).run()
    at.number_input(key="n").set_value(60).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert any(
        e.startswith("Een minimum van 30 per stratum vraagt 110 uitnodigingen over de 5 strata, "
                     "meer dan n = 60: verhoog n tot minstens 110")
        and "/ a minimum of 30 per stratum needs 110 invitations" in e
        for e in errors
    ), errors  # fmt: skip
    assert not any("lower the minimum or raise n" in e for e in errors)


def test_the_page_says_which_units_lack_the_strata_variable(page):  # noqa: F811
    at, _, _ = page
    table = frame_table()
    table.loc[5:9, "geslacht"] = None
    _upload_frame(at, "kader.xlsx", _xlsx_bytes(table))
    at.selectbox(key="strata").set_value("geslacht").run()
    assert not at.exception, at.exception  # a traceback on the page before
    assert any(
        e.value.startswith("5 eenheden van het kader hebben geen waarde voor geslacht")
        for e in at.error
    ), [e.value for e in at.error]
