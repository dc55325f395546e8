"""A standard XLSForm in the store: its answers are checked with the form's own messages, the
calculation is stored, and the metadata start/end/today are the response's timestamps."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from store import responses as R
from store.db import transaction
from store.waves import create_wave, save_questionnaire_version
from survey import load_questionnaire


@pytest.fixture
def form(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    for r in [
        [
            "type",
            "name",
            "label::Dutch",
            "label::English",
            "constraint",
            "constraint_message::English",
            "constraint_message::Dutch",
            "calculation",
        ],
        ["start", "begun"],
        ["end", "ended"],
        ["today", "day"],
        ["integer", "age", "Leeftijd", "Age", ". >= 18", "Adults only", "Enkel volwassenen"],
        ["calculate", "months", None, None, None, None, None, "${age} * 12"],
        ["date", "born", "Geboren", "Born"],
    ]:
        ws.append(r)
    path = tmp_path / "kobo_form.xlsx"
    wb.save(path)
    return load_questionnaire(path)


def test_paper_answers_of_an_xlsform_and_their_timestamps(engine, form):
    from ktm.services.results import load_inputs

    with transaction(engine) as conn:
        h = save_questionnaire_version(
            conn,
            hash=form.hash,
            questionnaire_id=form.id,
            version=form.version,
            definition=form.to_dict(),
        )
        wave_id = create_wave(conn, "Kobo", status="open", questionnaire_hash=h)
    with pytest.raises(R.InvalidAnswers) as info:
        R.save_paper_response(engine, wave_id, {"age": "12"})
    assert info.value.errors["age"][1] == "Adults only"
    when = dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)
    row = R.save_paper_response(engine, wave_id, {"age": "40", "born": "1986-05-01"}, now=when)
    assert row["answers"] == {"age": 40, "months": 480, "born": "1986-05-01"}
    data = load_inputs(engine, wave_id)
    r = data.inputs.responses.iloc[0]
    assert (r["begun"], r["ended"], r["day"]) == (
        "2026-03-04T09:30:00Z",
        "2026-03-04T09:30:00Z",
        "2026-03-04",
    )
    assert r["age"] == 40.0 and r["months"] == "480" and r["born"] == "1986-05-01"


def test_answers_import_takes_the_new_types(engine, form, tmp_path):
    import io

    import pandas as pd

    from ktm.services import response_files as rf

    with transaction(engine) as conn:
        h = save_questionnaire_version(
            conn,
            hash=form.hash,
            questionnaire_id=form.id,
            version=form.version,
            definition=form.to_dict(),
        )
        wave_id = create_wave(conn, "Kobo", status="open", questionnaire_hash=h)

    def xlsx(rows):
        buffer = io.BytesIO()
        pd.DataFrame(rows).to_excel(buffer, index=False)
        return buffer.getvalue()

    base = {"response_id": 1, "mode": "paper", "status": "complete", "response_language": "nl"}
    with pytest.raises(rf.ResponseFileError) as info:
        rf.import_responses(
            engine,
            wave_id,
            xlsx([{**base, "age": 12, "born": "1 mei"}]),
            mode="paper",
            filename="a.xlsx",
        )
    text = str(info.value)
    assert "Enkel volwassenen" in text and "datum" in text
    rows = [{**base, "age": 40, "born": dt.datetime(1986, 5, 1), "months": 999, "begun": "x"}]
    result = rf.import_responses(engine, wave_id, xlsx(rows), mode="paper", filename="a.xlsx")
    [rid] = result.response_ids
    assert R.load_response(engine, rid)["answers"] == {
        "age": 40,
        "months": 480,
        "born": "1986-05-01",
    }
