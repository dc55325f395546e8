"""Weighting settings of a wave (`ktm wave weighting`, the Steekproef tab Weging): the
automatic default rakes to the frame variables the response is unbalanced on, never to the
strata alone; a preview before saving; the choice stored with the wave and named in the
Verantwoording and on the public page. SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re

import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import stats

from ktm.cli import main
from ktm.services import response_files as rf
from ktm.services import results
from ktm.services import sampling as svc
from ktm.services import weighting as W
from report import accountability
from store import schema
from tests.app.conftest import team_page
from tests.sampling_shell.conftest import frame_table
from tests.store.test_response_import import _form, _wave, _xlsx

PROFILE = {"beroep": None, "opleidingsjaar": None, "universiteit": None}


def _sampled_units(engine, tmp_path, name: str) -> tuple[int, pd.Series]:
    """A wave with the test frame, a proportional sample of 240 and its links issued: the
    wave's id and the sampled unit ids (from the mail-merge file)."""
    wave_id = _wave(engine, name)
    frame = tmp_path / f"{name}.xlsx"
    frame_table().to_excel(frame, index=False)
    svc.import_frame(engine, wave_id, frame)
    svc.draw_sample(engine, wave_id, "profession", "proportional", n=240, seed=5)
    mm = tmp_path / f"{name}.csv"
    svc.export_invitations(engine, wave_id, mm, deadline="2030-01-01")
    return wave_id, pd.read_csv(mm, sep=";", encoding="utf-8-sig", dtype=str)["unit_id"]


def _weighted_wave(engine, tmp_path, name="Weging") -> int:
    """A sample of 240 of whom those of KU Leuven and UGent answer far more often."""
    wave_id, units = _sampled_units(engine, tmp_path, name)
    uni = frame_table().set_index("id")["universiteit"]
    rng = random.Random(8)
    rows = []
    for i, unit in enumerate(units):
        keen = uni[unit] in ("KU Leuven", "UGent")
        if rng.random() < (0.8 if keen else 0.2):
            # Those of the keen universities are also more satisfied: weighting matters.
            rows.append(
                _form(i, mode="invited", unit_id=unit, tevredenheid=9 if keen else 4, **PROFILE)
            )
    rf.import_responses(engine, wave_id, _xlsx(rows), mode="file", filename="w.xlsx")
    return wave_id


def _chi_square(sample: pd.DataFrame, variable: str) -> float:
    """Pearson's X^2 p-value by hand: sum (O - E)^2 / E over response x level."""
    observed = pd.crosstab(sample[variable].astype(str), sample["responded"]).to_numpy(float)
    expected = observed.sum(1, keepdims=True) * observed.sum(0, keepdims=True) / observed.sum()
    x2 = float(((observed - expected) ** 2 / expected).sum())
    df = (observed.shape[0] - 1) * (observed.shape[1] - 1)
    return float(stats.chi2.sf(x2, df))


def _stored(engine, wave_id):
    with engine.connect() as conn:
        return conn.execute(
            sa.select(schema.waves.c.weighting).where(schema.waves.c.id == wave_id)
        ).scalar_one()


def test_the_default_rakes_to_the_unbalanced_variables_and_a_choice_is_stored(engine, tmp_path):
    wave_id = _weighted_wave(engine, tmp_path)
    _data, a = results.analyse(engine, wave_id)
    test = a.margin_test.set_index("variable")
    for v in test.index:  # the test against a hand-computed chi-square
        assert test.loc[v, "p"] == pytest.approx(_chi_square(a.sample, v), rel=1e-9)
    assert test.loc["university", "unbalanced"]
    # Automatic: the strata first (their totals stay), then every unbalanced frame variable.
    others = [v for v in test.index[test["unbalanced"]] if v != "profession"]
    assert a.weighting is not None
    assert list(a.applied_margins) == ["profession", *others] and "university" in others

    view = W.preview(engine, wave_id, W.WeightingChoice(margins=()))
    cur, new = view["current"], view["proposed"]
    assert cur["margins"] == ["profession", *others] and new["margins"] == []
    # Raking to university pulls the overall score down towards the less satisfied.
    assert new["overall"]["estimate"] > cur["overall"]["estimate"]
    # Kish's deff from the exported final weights, by hand.
    w = rf.export_table(engine, wave_id)["weight"].dropna().to_numpy(float)
    assert cur["weights"]["deff"] == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert cur["weights"]["n_eff"] == pytest.approx(len(w) / cur["weights"]["deff"])
    assert cur["weights"]["min"] == pytest.approx(w.min()) and cur["weights"]["max"] == (
        pytest.approx(w.max())
    )
    assert _stored(engine, wave_id) is None  # a preview stores nothing

    # The strata alone: a step that changes nothing, so it is not taken.
    alone = W.preview(engine, wave_id, W.WeightingChoice(margins=("profession",)))["proposed"]
    assert alone["margins"] == [] and alone["weights"] == new["weights"]

    choice = W.WeightingChoice(margins=("profession", "university"), trim={"upper_ratio": 2.5})
    trimmed = W.preview(engine, wave_id, choice)["proposed"]
    assert trimmed["weights"]["ratio"] < cur["weights"]["ratio"]
    W.save(engine, wave_id, choice)
    assert _stored(engine, wave_id) == {
        "margins": ["profession", "university"],
        "trim": {"upper_ratio": 2.5},
    }
    _data, a = results.analyse(engine, wave_id)
    assert a.weighting is not None and list(a.applied_margins) == ["profession", "university"]
    assert accountability.figures_of(a)["margins"] == ["profession", "university"]

    with pytest.raises(W.WeightingError, match="geslacht"):
        W.save(engine, wave_id, W.WeightingChoice(margins=("geslacht",)))
    with pytest.raises(
        W.WeightingError,
        match=r"^De ondergrens maal het gemiddelde gewicht 3 \(--trim-lower-ratio\) moet kleiner",
    ):
        W.save(engine, wave_id, W.WeightingChoice(trim={"lower_ratio": 3, "upper_ratio": 2}))
    assert _stored(engine, wave_id)["margins"] == ["profession", "university"]


def test_verantwoording_and_public_page_name_the_margins(sqlite_url, tmp_path):
    from ktm.services.feedback import public_results
    from report.wording import weighted_by
    from store.db import get_engine

    engine = get_engine(sqlite_url)
    wave_id = _weighted_wave(engine, tmp_path)
    W.save(engine, wave_id, W.WeightingChoice(margins=("profession", "university")))
    data, a = results.analyse(engine, wave_id)
    rows = {r["number"]: r for r in accountability.answer_rows(data.wave, a)}
    # Labels, not codes, where a person reads (issue 18).
    assert "raking naar de kadermarges (beroep, universiteit)" in rows["4c"]["answer_nl"]
    assert "raking to the frame margins (profession, university)" in rows["4c"]["answer_en"]
    public = public_results(engine, wave_id)
    assert public["margins"] == ["profession", "university"]
    assert weighted_by(public["margins"], public["strata"], "nl") == (
        "gewogen naar beroep en universiteit"
    )
    assert weighted_by(public["margins"], public["strata"], "en") == (
        "weighted by profession and university"
    )

    W.save(engine, wave_id, W.WeightingChoice(margins=()))
    data, a = results.analyse(engine, wave_id)
    rows = {r["number"]: r for r in accountability.answer_rows(data.wave, a)}
    assert "geen raking naar kadermarges" in rows["4c"]["answer_nl"]
    public = public_results(engine, wave_id)
    assert weighted_by(public["margins"], public["strata"], "nl") == "gewogen naar beroep"
    assert weighted_by(None, None, "en") == "unweighted"


def test_the_command_line_previews_and_saves(sqlite_url, tmp_path, capsys):
    from store.db import get_engine

    engine = get_engine(sqlite_url)
    wave_id = _weighted_wave(engine, tmp_path)
    base = ["--database", sqlite_url, "wave", "weighting", "--wave", str(wave_id)]
    assert main(base) == 0
    out = capsys.readouterr().out
    # The frame variables by the names the Weging tab gives them, never their bare codes.
    assert "universiteit / university: p < 0,001 (onevenwichtig / unbalanced)" in out
    assert "Niet bewaard" in out and _stored(engine, wave_id) is None
    # Every number in Dutch (report.format): weights 3,42 – 25,33, never 3.42 - 25.33.
    numbers = [line for line in out.splitlines() if "gewichten / weights" in line]
    numbers += [line for line in out.splitlines() if "designeffect" in line or "0-100" in line]
    assert len(numbers) == 6
    for line in numbers:
        assert not re.search(r"\d\.\d", line), line
        assert re.search(r"\d,\d", line), line
    assert re.search(r"gewichten / weights: \d+,\d\d – \d+,\d\d \(ratio \d+,\d\d\)", out)
    assert (
        main([*base, "--margins", "profession,university", "--trim-upper-ratio", "3", "--save"])
        == 0
    )
    out = capsys.readouterr().out
    assert "marges / margins: beroep / profession; universiteit / university" in out
    assert "Bewaard" in out
    assert _stored(engine, wave_id) == {
        "margins": ["profession", "university"],
        "trim": {"upper_ratio": 3.0},
    }
    positional = ["--database", sqlite_url, "wave", "weighting", str(wave_id)]
    assert main([*positional, "--none", "--no-trim", "--save"]) == 0
    assert _stored(engine, wave_id) == {"margins": [], "trim": None}
    capsys.readouterr()
    assert main([*base, "--margins", "geslacht"]) == 2
    assert "geslacht" in capsys.readouterr().err


def _page_wave(tmp_path):
    from store.db import get_engine

    engine = get_engine(f"sqlite:///{tmp_path / 'app.sqlite3'}")
    return engine, _weighted_wave(engine, tmp_path)


def test_the_page_previews_and_saves(tmp_path, monkeypatch):
    engine, wave_id = _page_wave(tmp_path)
    at = team_page(monkeypatch, tmp_path, str(engine.url), "views/sampling.py")
    assert not [d for d in at.dataframe if "Voorstel" in d.value.columns]  # only on request
    assert not [b for b in at.button if b.key == "w_save"]  # no saving before a preview
    at.button(key="w_preview_run").click().run()
    preview = next(d.value for d in at.dataframe if "Voorstel" in d.value.columns)
    assert "Universiteit" in preview.loc["Marges", "Voorstel"]  # named, not the code
    at.radio(key="w_mode").set_value("none").run()
    assert not [b for b in at.button if b.key == "w_save"]  # the preview was of another choice
    at.button(key="w_preview_run").click().run()
    preview = next(d.value for d in at.dataframe if "Voorstel" in d.value.columns)
    assert preview.loc["Marges", "Voorstel"] == "geen raking"
    assert "Universiteit" in preview.loc["Marges", "Nu bewaard"]
    assert _stored(engine, wave_id) is None
    at.button(key="w_save").click().run()
    assert not at.exception, at.exception
    assert _stored(engine, wave_id) == {"margins": [], "trim": None}
    assert any("Weging bewaard" in s.value for s in at.success)


def test_closing_fixes_the_automatic_margins_and_keeps_a_teams_choice(engine, tmp_path):
    """The automatic choice is made from the invitations' response rates; anonymising keeps
    the invitations only as counts per stratum, so the choice is fixed when the wave closes:
    same margins, same weighted figures, still named as automatic."""
    from ktm.services import waves as waves_svc
    from report import wording

    wave_id = _weighted_wave(engine, tmp_path)
    _data, before = results.analyse(engine, wave_id)
    assert before.weighting is not None
    auto = tuple(before.applied_margins)
    assert "university" in auto and _stored(engine, wave_id) is None
    waves_svc.close_wave(engine, wave_id)
    assert _stored(engine, wave_id) == {"margins": list(auto), "trim": None, "auto": True}
    _data, after = results.analyse(engine, wave_id)
    assert after.weighting is not None and tuple(after.applied_margins) == auto
    pd.testing.assert_series_equal(before.headline(), after.headline())
    said = [wording.text(n, "nl") for n in after.notes if n.code == "margins_auto"]
    assert said == [wording.text(n, "nl") for n in before.notes if n.code == "margins_auto"] != []
    assert W.WeightingChoice.from_json(_stored(engine, wave_id)).auto
    # A choice the team makes after closing is its own again (no longer marked automatic).
    W.save(engine, wave_id, W.WeightingChoice(margins=("profession", "university")))
    assert "auto" not in _stored(engine, wave_id)

    # The team's own choice is never replaced at closing.
    other = _weighted_wave(engine, tmp_path, name="Eigen keuze")
    W.save(engine, other, W.WeightingChoice(margins=()))
    waves_svc.close_wave(engine, other)
    assert _stored(engine, other) == {"margins": [], "trim": None}


def test_automatic_again_after_closing_is_fixed_at_once_and_refused_once_anonymised(
    engine, tmp_path
):
    from ktm.services import waves as waves_svc
    from store.privacy import anonymise_wave

    wave_id = _weighted_wave(engine, tmp_path)
    waves_svc.close_wave(engine, wave_id)
    fixed = _stored(engine, wave_id)
    W.save(engine, wave_id, W.WeightingChoice(margins=()))
    assert W.save(engine, wave_id, W.WeightingChoice()) == fixed == _stored(engine, wave_id)
    anonymise_wave(engine, wave_id)
    with pytest.raises(W.WeightingError, match="geanonimiseerd"):
        W.save(engine, wave_id, W.WeightingChoice())
    assert _stored(engine, wave_id) == fixed


def test_the_command_line_says_an_unbalanced_stratum_is_corrected_already(
    sqlite_url, tmp_path, capsys
):
    """Response far higher in one profession (the stratum): the balance line must not say
    "unbalanced" bare while the proposal says no variable is; it says the stratum is corrected
    by the nonresponse adjustment per stratum."""
    from store.db import get_engine

    engine = get_engine(sqlite_url)
    wave_id, units = _sampled_units(engine, tmp_path, "Stratum")
    job = frame_table().set_index("id")["beroep"]
    keen = job.value_counts().index[0]
    rng = random.Random(3)
    rows = [
        _form(i, mode="invited", unit_id=u, tevredenheid=7, **PROFILE)
        for i, u in enumerate(units)
        if rng.random() < (0.9 if job[u] == keen else 0.15)
    ]
    rf.import_responses(engine, wave_id, _xlsx(rows), mode="file", filename="s.xlsx")
    assert main(["--database", sqlite_url, "wave", "weighting", str(wave_id)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "profession:" in x)
    assert line.startswith(
        "  beroep / profession: p < 0,001 (onevenwichtig / unbalanced; stratum: al "
    )
    assert "already corrected by the nonresponse adjustment per stratum" in line


def test_saving_margins_that_cannot_be_applied_now_says_so(sqlite_url, tmp_path, capsys):
    """Only KU Leuven answers: raking to university cannot run. The choice is stored (answers
    may still come) and the command says the weights are not raked now; a choice that works
    gets no such warning."""
    from store.db import get_engine

    engine = get_engine(sqlite_url)
    wave_id, units = _sampled_units(engine, tmp_path, "Onmogelijk")
    uni = frame_table().set_index("id")["universiteit"]
    rows = [
        _form(i, mode="invited", unit_id=u, tevredenheid=7, **PROFILE)
        for i, u in enumerate(units)
        if uni[u] == "KU Leuven"
    ]
    rf.import_responses(engine, wave_id, _xlsx(rows), mode="file", filename="o.xlsx")
    base = ["--database", sqlite_url, "wave", "weighting", str(wave_id)]
    assert main([*base, "--margins", "profession,university", "--save"]) == 0
    err = capsys.readouterr().err
    assert "Let op: deze marges worden nu niet toegepast" in err
    assert _stored(engine, wave_id)["margins"] == ["profession", "university"]
    assert main([*base, "--none", "--save"]) == 0
    assert "Let op" not in capsys.readouterr().err


def test_the_weighting_tab_names_the_variables_and_writes_dutch_numbers(tmp_path, monkeypatch):
    """The tab Weging: the frame variables by their names (Beroep, not profession), the
    trimming bounds in the page's numbers (0,25 × gemiddeld gewicht, never 0.00), the
    balance test as p < 0,001."""
    engine, wave_id = _page_wave(tmp_path)
    W.save(engine, wave_id, W.WeightingChoice(("university",), {"upper_ratio": 3.25}))
    at = team_page(monkeypatch, tmp_path, str(engine.url), "views/sampling.py")
    assert at.radio(key="w_mode").value == "set"
    chips = at.multiselect(key="w_margins")
    assert chips.options == ["Beroep", "Opleidingsjaar", "Universiteit", "Taal"]
    assert chips.value == ["university"]
    assert chips.placeholder == "Kies kadervariabelen"  # emptied, it asks in Dutch too
    low, high = at.selectbox(key="w_low"), at.selectbox(key="w_high")
    assert not [n for n in at.number_input if n.key in ("w_low", "w_high")]
    assert low.value == 0.0 and low.options[:3] == ["geen", "0,05 × gemiddeld gewicht",
                                                     "0,1 × gemiddeld gewicht"]  # fmt: skip
    assert high.value == 3.25 and "3,25 × gemiddeld gewicht" in high.options  # the stored one
    assert "3,5 × gemiddeld gewicht" in high.options
    assert not [o for o in [*low.options, *high.options] if re.search(r"\d\.\d", o)]
    at.button(key="w_preview_run").click().run()
    assert not at.exception, at.exception
    preview = next(d.value for d in at.dataframe if "Voorstel" in d.value.columns)
    assert preview.loc["Marges", "Nu bewaard"] == "Universiteit"
    assert not preview.map(lambda v: bool(re.search(r"\d\.\d", str(v)))).any().any()
    balance = next(c.value for c in at.caption if c.value.startswith("Respons per kader"))
    assert "Universiteit p < 0,001 (onevenwichtig)" in balance and "university" not in balance
    high.set_value(4.0).run()
    at.button(key="w_preview_run").click().run()
    at.button(key="w_save").click().run()
    assert not at.exception, at.exception
    assert _stored(engine, wave_id) == {"margins": ["university"], "trim": {"upper_ratio": 4.0}}
