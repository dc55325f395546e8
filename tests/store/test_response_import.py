"""Answers from outside (`ktm responses import|export`, the Paper answers page): the Data
layout in and out, validation against the questionnaire version, all or nothing, duplicates
refused. SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import sqlalchemy as sa

from ktm.cli import main
from ktm.services import response_files as rf
from ktm.services import sampling as svc
from store import schema
from store.db import transaction
from store.waves import create_wave, save_questionnaire_version
from survey.loaders import load_questionnaire
from tests.sampling_shell.conftest import frame_table

Q = load_questionnaire("data/questionnaire/eloket.yaml")
TABLES = (
    schema.responses,
    schema.invitations,
    schema.consents,
    schema.questionnaire_versions,
    schema.waves,
)


def _wave(engine, name: str, status: str = "open") -> int:
    with transaction(engine) as conn:
        qhash = save_questionnaire_version(
            conn,
            hash=Q.hash,
            questionnaire_id=Q.id,
            version=str(Q.version),
            definition=Q.to_dict(),
        )
        return create_wave(conn, name, status=status, questionnaire_hash=qhash)


def _form(i: int, **over) -> dict:
    """One paper form in the Data layout: every required question answered."""
    row = {c.name: None for c in Q.columns() if c.kind != "text"}
    row |= {
        "response_id": 100 + i,
        "mode": "paper",
        "status": "complete",
        "response_language": "nl",
        "procedures/stageplan": 1,
        "procedures/wijziging_stageplan": 0,
        "procedures/stagerapport": 0,
        "procedures/erkenningsaanvraag": 0,
        "procedures/geen": 0,
        "gemak_stageplan": 1 + i % 5,
        **{
            k: 1 + (i + j) % 5
            for j, k in enumerate(
                [
                    "aanmelden",
                    "informatie",
                    "formulieren",
                    "documenten",
                    "opvolging",
                    "doorlooptijd",
                    "communicatie",
                    "hulp",
                ]
            )
        },  # fmt: skip
        "umux_1": 1 + i % 7,
        "umux_2": 7 - i % 7,
        "ces": 1 + (i * 3) % 7,
        "kende_papier": "nee",
        "tevredenheid": i % 11,
        "beroep": ["huisarts", "arts_specialist", "algemeen_tandarts"][i % 3],
        "opleidingsjaar": str(1 + i % 3),
        "universiteit": "ugent",
    }
    row.update(over)
    return row


def _xlsx(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pd.DataFrame(rows).to_excel(buffer, index=False)
    return buffer.getvalue()


def _snapshot(engine) -> dict:
    out = {}
    with engine.connect() as conn:
        for t in TABLES:
            rows = conn.execute(sa.select(t).order_by(*t.primary_key.columns)).all()
            out[t.name] = [tuple(map(str, r)) for r in rows]
    return out


def _answers(engine, wave_id) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                sa.select(
                    schema.responses.c.mode,
                    schema.responses.c.status,
                    schema.responses.c.strata,
                    schema.responses.c.answers,
                )
                .where(schema.responses.c.wave_id == wave_id)
                .order_by(schema.responses.c.id)
            ).mappings()
        ]


def test_export_then_import_into_a_fresh_wave_round_trips(engine, tmp_path):
    first = _wave(engine, "Papier 1")
    rows = [_form(i) for i in range(6)]
    rows[1]["gemak_stageplan"] = None  # n.v.t.: empty in the Data layout
    rows[2].update({"kende_papier": "ja", "vergelijking_papier": "beter"})
    rows[3].update(
        {"procedures/stageplan": 0, "procedures/stagerapport": 1, "gemak_stageplan": None}
    )
    rows[4]["verbetering"] = "Sneller antwoorden"  # an open question may be added
    result = rf.import_responses(engine, first, _xlsx(rows), mode="paper", filename="p.xlsx")
    assert len(result.response_ids) == 6 and result.by_mode == {"paper": 6}
    stored = _answers(engine, first)
    assert stored[1]["answers"]["gemak_stageplan"] is None  # kept as n.v.t.
    assert "gemak_stageplan" not in stored[3]["answers"]  # skipped: stageplan not chosen
    assert stored[2]["answers"]["vergelijking_papier"] == "beter"
    assert stored[0]["strata"]["profession"] == "huisarts"

    exported = tmp_path / "export.xlsx"
    rf.export_responses(engine, first, exported)
    second = _wave(engine, "Papier 2")
    again = rf.import_responses(engine, second, exported, mode="paper")
    assert len(again.response_ids) == 6
    a = pd.read_excel(exported)
    rf.export_responses(engine, second, tmp_path / "export2.xlsx")
    b = pd.read_excel(tmp_path / "export2.xlsx")
    keep = [c for c in a.columns if c != "response_id"]
    pd.testing.assert_frame_equal(a[keep], b[keep])
    assert list(a.columns) == rf.preview_columns(engine, first)
    strip = [{**r, "answers": {k: v for k, v in r["answers"].items() if k != "verbetering"}}
             for r in stored]  # fmt: skip
    assert _answers(engine, second) == strip  # open answers are not in the Data layout

    # CSV (';' and decimal ','), the workbook's data.csv convention, imports as well.
    rf.export_responses(engine, first, tmp_path / "export.csv")
    third = _wave(engine, "Papier 3")
    assert len(rf.import_responses(engine, third, tmp_path / "export.csv").response_ids) == 6


def test_every_problem_located_and_nothing_stored(engine):
    wave_id = _wave(engine, "Fouten")
    rf.import_responses(engine, wave_id, _xlsx([_form(0)]), filename="ok.xlsx")
    before = _snapshot(engine)
    rows = [
        _form(1, tevredenheid=11),  # row 2: out of range
        _form(2, beroep="kinesist"),  # row 3: unknown code
        _form(3, vergelijking_papier="beter"),  # row 4: answered though kende_papier = nee
        _form(4, hulp=None),  # row 5: hulp has n.v.t., so empty is fine
        _form(5, ces=None),  # row 6: required, no n.v.t.
        _form(6, umux_1="vier"),  # row 7: not a number
        _form(7, status="klaar"),  # row 8: bad status
        _form(8, ces=None, status="partial"),  # row 9: partial: required not checked
    ]
    with pytest.raises(rf.ResponseFileError) as info:
        rf.import_responses(engine, wave_id, _xlsx(rows), filename="fout.xlsx")
    where = {(p.row, p.column) for p in info.value.problems}
    assert where == {
        (2, "tevredenheid"),
        (3, "beroep"),
        (4, "vergelijking_papier"),
        (6, "ces"),
        (7, "umux_1"),
        (8, "status"),
    }
    assert "niets" in str(info.value)
    assert _snapshot(engine) == before

    # An unknown or missing column is refused before any row is read.
    layout = pd.DataFrame([_form(9)]).drop(columns=["ces"]).assign(geslacht="v")
    buffer = io.BytesIO()
    layout.to_excel(buffer, index=False)
    with pytest.raises(rf.ResponseFileError) as info:
        rf.import_responses(engine, wave_id, buffer.getvalue(), filename="lay.xlsx")
    assert {(p.row, p.column) for p in info.value.problems} == {(1, "geslacht"), (1, "ces")}
    assert _snapshot(engine) == before


def test_duplicates_are_refused(engine, tmp_path):
    wave_id = _wave(engine, "Dubbels")
    data = _xlsx([_form(0), _form(1)])
    rf.import_responses(engine, wave_id, data, filename="a.xlsx")
    before = _snapshot(engine)
    with pytest.raises(rf.ResponseFileError, match="al ingelezen"):
        rf.import_responses(engine, wave_id, data, filename="a.xlsx")
    # The same form twice in one file.
    with pytest.raises(rf.ResponseFileError, match="dezelfde rij als rij 2"):
        rf.import_responses(engine, wave_id, _xlsx([_form(5), _form(5)]), filename="b.xlsx")
    # The wave's own export read back into it.
    rf.export_responses(engine, wave_id, tmp_path / "eigen.xlsx")
    with pytest.raises(rf.ResponseFileError) as info:
        rf.import_responses(engine, wave_id, tmp_path / "eigen.xlsx")
    assert {p.column for p in info.value.problems} == {"response_id"}
    assert _snapshot(engine) == before


def test_a_sampled_persons_form_joins_its_invitation_once(engine, tmp_path):
    wave_id = _wave(engine, "Steekproef op papier")
    frame = tmp_path / "kader.xlsx"
    frame_table().to_excel(frame, index=False)
    svc.import_frame(engine, wave_id, frame)
    svc.draw_sample(engine, wave_id, "profession", "proportional", n=10, seed=3)
    svc.export_invitations(engine, wave_id, tmp_path / "mm.csv", deadline="2030-01-01")
    units = pd.read_csv(tmp_path / "mm.csv", sep=";", encoding="utf-8-sig", dtype=str)["unit_id"]
    profile = {"beroep": None, "opleidingsjaar": None, "universiteit": None}  # from the frame
    row = _form(0, mode="invited", unit_id=units[0], **profile)
    result = rf.import_responses(engine, wave_id, _xlsx([row]), mode="file", filename="s.xlsx")
    assert result.linked == 1 and result.by_mode == {"invited": 1}
    with engine.connect() as conn:
        inv = conn.execute(
            sa.select(schema.invitations.c.disposition, schema.responses.c.design_weight).join(
                schema.responses, schema.responses.c.invitation_id == schema.invitations.c.id
            )
        ).one()
    assert inv.disposition == "complete" and inv.design_weight > 1
    before = _snapshot(engine)
    again = _form(1, mode="invited", unit_id=units[0], **profile)
    with pytest.raises(rf.ResponseFileError, match="heeft al een antwoord"):
        rf.import_responses(engine, wave_id, _xlsx([again]), mode="file", filename="t.xlsx")
    twice = [_form(2, unit_id=units[1], **profile), _form(3, unit_id=units[1], **profile)]
    with pytest.raises(rf.ResponseFileError, match="staat ook in rij 2"):
        rf.import_responses(engine, wave_id, _xlsx(twice), mode="paper", filename="u.xlsx")
    with pytest.raises(rf.ResponseFileError, match="niet in de steekproef"):
        rf.import_responses(
            engine, wave_id, _xlsx([_form(4, unit_id="X1", **profile)]), filename="v.xlsx"
        )
    assert _snapshot(engine) == before


def test_the_command_line_imports_exports_and_lists_every_problem(sqlite_url, tmp_path, capsys):
    from store.db import get_engine

    engine = get_engine(sqlite_url)
    wave_id = _wave(engine, "CLI")
    src = tmp_path / "papier.xlsx"
    src.write_bytes(_xlsx([_form(i) for i in range(3)]))
    base = ["--database", sqlite_url, "responses"]
    assert main([*base, "import", str(src), "--wave", str(wave_id), "--mode", "paper"]) == 0
    assert "3 antwoorden ingelezen" in capsys.readouterr().out
    out = tmp_path / "uit.csv"
    assert main([*base, "export", "--wave", str(wave_id), "--out", str(out)]) == 0
    assert len(pd.read_csv(out, sep=";", encoding="utf-8-sig")) == 3

    bad = tmp_path / "fout.xlsx"
    bad.write_bytes(_xlsx([_form(10 + i, tevredenheid=12) for i in range(55)]))
    errors = tmp_path / "fouten.csv"
    code = main(
        [*base, "import", str(bad), "--wave", str(wave_id), "--mode", "paper",
         "--errors-out", str(errors)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "55 rijen (rows) 2-56" in err  # one problem of 55 rows: said once
    listed = pd.read_csv(errors, sep=";", encoding="utf-8-sig")
    assert len(listed) == 55 and set(listed["kolom / column"]) == {"tevredenheid"}
    assert len(_answers(engine, wave_id)) == 3


def test_numbers_dates_and_computed_columns_of_an_xlsform(engine):
    import tempfile
    from pathlib import Path

    import openpyxl

    from survey import load_questionnaire

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in [
        ["type", "name", "label::Dutch (nl)", "constraint", "calculation"],
        ["start", "begun"],
        ["integer", "age", "Leeftijd", ". >= 18"],
        ["calculate", "months", None, None, "${age} * 12"],
        ["date", "born", "Geboren"],
    ]:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "kobo.xlsx"
        path.write_bytes(buffer.getvalue())
        q = load_questionnaire(path)
    with transaction(engine) as conn:
        h = save_questionnaire_version(
            conn, hash=q.hash, questionnaire_id=q.id, version=str(q.version),
            definition=q.to_dict(),
        )  # fmt: skip
        wave_id = create_wave(conn, "Kobo", status="open", questionnaire_hash=h)
    rows = [
        {"age": 30, "born": "1995-04-01", "months": 999, "begun": "x"},  # computed: not read
        {"age": "31", "born": pd.Timestamp("1994-02-03")},
    ]
    rf.import_responses(engine, wave_id, _xlsx(rows), filename="k.xlsx")
    stored = _answers(engine, wave_id)
    assert stored[0]["answers"]["age"] == 30 and stored[0]["answers"]["months"] == 360
    assert stored[1]["answers"]["born"] == "1994-02-03"
    bad = [{"age": "dertig", "born": "1995-04-01"}, {"age": 17, "born": "1995-04-01"}]
    with pytest.raises(rf.ResponseFileError) as info:
        rf.import_responses(engine, wave_id, _xlsx(bad), filename="b.xlsx")
    assert {(p.row, p.column) for p in info.value.problems} == {(2, "age"), (3, "age")}


def _linked_wave(engine, tmp_path, name: str, file_mode: str) -> tuple[int, rf.ResponseImport]:
    """A drawn sample of 10 and 6 of them answering by file, linked by unit_id."""
    wave_id = _wave(engine, name)
    frame = tmp_path / f"kader_{wave_id}.xlsx"
    frame_table().to_excel(frame, index=False)
    svc.import_frame(engine, wave_id, frame)
    svc.draw_sample(engine, wave_id, "profession", "proportional", n=10, seed=3)
    mm = tmp_path / f"mm_{wave_id}.csv"
    svc.export_invitations(engine, wave_id, mm, deadline="2030-01-01")
    units = pd.read_csv(mm, sep=";", encoding="utf-8-sig", dtype=str)["unit_id"]
    profile = {"beroep": None, "opleidingsjaar": None, "universiteit": None}
    rows = [_form(i, mode=file_mode, unit_id=units[i], **profile) for i in range(6)]
    result = rf.import_responses(
        engine, wave_id, _xlsx(rows), mode=file_mode, filename="papier.xlsx"
    )
    return wave_id, result


def test_sampled_peoples_paper_forms_count_as_paper_and_weigh_as_the_sample(engine, tmp_path):
    from ktm.services.results import analyse
    from report import accountability

    paper, imported = _linked_wave(engine, tmp_path, "Op papier", "paper")
    web, _ = _linked_wave(engine, tmp_path, "Op het web", "invited")
    summary = imported.summary()
    assert "6 papieren formulieren, gekoppeld aan hun uitnodiging: ze tellen als respons van " \
        "de steekproef" in summary  # fmt: skip
    assert "invited 6" not in summary
    assert imported.linked == imported.linked_paper == 6

    def facts(wave_id):
        data, result = analyse(engine, wave_id)
        rows = {r["number"]: r for r in accountability.answer_rows(data.wave, result)}
        weights = sorted(rf.export_table(engine, wave_id)["weight"].dropna().round(12))
        figures = accountability.figures_of(result)
        return rows["5"], figures, weights

    q5_paper, fig_paper, w_paper = facts(paper)
    q5_web, fig_web, w_web = facts(web)
    assert "papier (uit de steekproef) 6" in q5_paper["answer_nl"]
    assert "paper (from the sample) 6" in q5_paper["answer_en"]
    assert "web (uitgenodigd)" not in q5_paper["answer_nl"]
    assert "web (uitgenodigd) 6" in q5_web["answer_nl"] and "papier" not in q5_web["answer_nl"]
    # The sample's response, weights and estimates are the same whichever way it came in.
    assert len(w_paper) == 6 and w_paper == w_web
    rate = fig_paper["rate_name"]
    assert fig_paper["response"][rate] == fig_web["response"][rate] == pytest.approx(0.6)
    pd.testing.assert_series_equal(pd.Series(fig_paper["response"]), pd.Series(fig_web["response"]))
    overall = fig_paper["scores"]["overall_0_100"]["estimate"]
    assert overall == fig_web["scores"]["overall_0_100"]["estimate"] and not pd.isna(overall)
    for kind, row in fig_paper["scores"].items():
        pd.testing.assert_series_equal(pd.Series(row), pd.Series(fig_web["scores"][kind]))
    assert fig_paper["counts"]["complete_invited"] == fig_web["counts"]["complete_invited"] == 6
    assert fig_paper["counts"]["invited_paper"] == 6 and "invited_paper" not in fig_web["counts"]
