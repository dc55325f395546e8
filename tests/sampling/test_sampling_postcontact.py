"""Post-contact invitations: the e-loket export and the schedule."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest

from sampling import SubmissionsError, parse_date, post_contact_schedule, read_submissions

TODAY = date(2025, 3, 22)


def export(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-01", date(2025, 3, 1)),
        ("2025-03-01 14:05:00", date(2025, 3, 1)),
        ("2025-03-01T14:05", date(2025, 3, 1)),
        ("01/03/2025", date(2025, 3, 1)),  # day first, as written in Belgium
        ("1-3-2025", date(2025, 3, 1)),
        ("01.03.2025 09:30", date(2025, 3, 1)),
        (datetime(2025, 3, 1, 9, 30), date(2025, 3, 1)),
        (45717, date(2025, 3, 1)),  # Excel serial day number
        ("31/02/2025", None),
        ("gisteren", None),
        (3.5, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_read_export_with_dutch_headers_csv_and_xlsx(tmp_path):
    data = export(
        "Persoon_ID;Type aanvraag;Indieningsdatum\nT1;stageplan;01/03/2025\nT2;erkenning;2025-03-10\n"
    )
    subs = read_submissions(data, filename="eloket.csv")
    assert subs.columns.tolist() == ["unit_id", "procedure", "submitted_on"]
    assert subs["submitted_on"].tolist() == [date(2025, 3, 1), date(2025, 3, 10)]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "procedure", "datum"])
    ws.append(["T1", "stagerapport", datetime(2025, 3, 5, 10, 0)])
    wb.save(tmp_path / "eloket.xlsx")
    assert read_submissions(tmp_path / "eloket.xlsx")["submitted_on"].tolist() == [date(2025, 3, 5)]


def test_export_problems_with_rows():
    data = export(
        "id;procedure;datum\nT1;stageplan;32/01/2025\n;;\nT3;;2025-01-01\nT4;x;2030-01-01\n"
    )
    with pytest.raises(SubmissionsError) as info:
        read_submissions(data, filename="eloket.csv", today=TODAY)
    assert [(p.row, p.column) for p in info.value.problems] == [
        (2, "datum"),
        (3, None),
        (4, "procedure"),
        (5, "datum"),
    ]
    assert "geen datum" in info.value.problems[0].message
    assert "toekomst" in info.value.problems[3].message
    assert str(info.value).startswith("eloket.csv: 4 problemen")


def test_export_missing_column_suggests():
    with pytest.raises(SubmissionsError) as info:
        read_submissions(export("id;procedure;datun\nT1;x;2025-01-01\n"), filename="e.csv")
    [problem] = info.value.problems
    assert (
        problem.row == 1 and "'date' ontbreekt" in problem.message and "'datun'" in problem.message
    )


def schedule(rows, already=None, **kw):
    import pandas as pd

    subs = pd.DataFrame(rows, columns=["unit_id", "procedure", "submitted_on"])
    return post_contact_schedule(subs, already or {}, TODAY, **kw)


def test_delay_and_due_or_later():
    out = schedule([("T1", "stageplan", date(2025, 3, 10)), ("T2", "erkenning", date(2025, 3, 21))])
    assert out["invite_on"].tolist() == [date(2025, 3, 13), date(2025, 3, 24)]
    assert out["action"].tolist() == ["invite", "later"]
    assert out["reason"].tolist() == ["due", "scheduled"]
    assert schedule([("T1", "x", date(2025, 3, 10))], delay_days=0)["invite_on"].iloc[0] == date(
        2025, 3, 10
    )


def test_at_most_once_per_period():
    rows = [
        ("T1", "stageplan", date(2025, 3, 1)),
        ("T1", "wijziging", date(2025, 3, 15)),  # same person, same period
        ("T2", "erkenning", date(2025, 3, 2)),  # invited 100 days ago: within 182 days
        ("T3", "stagerapport", date(2025, 3, 3)),  # invited 200 days ago: again allowed
    ]
    already = {"T2": date(2024, 11, 25), "T3": "2024-08-19"}
    out = schedule(rows, already)
    assert out["action"].tolist() == ["invite", "skip", "skip", "invite"]
    assert out["reason"].tolist() == ["due", "same_period", "recent_invitation", "due"]
    # A shorter period lets T2 in.
    assert schedule(rows, already, period_days=90)["action"].tolist()[2] == "invite"


def test_too_old_and_unknown_units_and_idempotence():
    rows = [
        ("T1", "x", date(2024, 12, 1)),
        ("T9", "x", date(2025, 3, 15)),
        ("T2", "x", date(2025, 3, 15)),
    ]
    out = schedule(rows, known_units={"T1", "T2"})
    assert out["reason"].tolist() == ["too_old", "unknown_unit", "due"]
    again = schedule(rows, known_units={"T1", "T2"})
    assert out.equals(again)
    assert schedule(rows, max_lag_days=200)["action"].tolist()[0] == "invite"


def test_schedule_refuses_bad_settings():
    with pytest.raises(ValueError, match="delay_days"):
        schedule([("T1", "x", date(2025, 3, 1))], delay_days=-1)
