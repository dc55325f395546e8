"""CSV round trip, the `ktm export` command, and the pure accountability answers."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from ktm.cli import main
from report import accountability, excel


def test_csv_round_trip_is_exact(book, tmp_path):
    written = excel.write_csv(book, tmp_path / "csv")
    assert [p.name for p in written] == list(excel.CSV_FILES)
    raw = written[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    back = pd.read_csv(written[0], sep=";", decimal=",", encoding="utf-8-sig")
    want = excel.data_table(book.result)
    assert list(back.columns) == list(want.columns)
    assert len(back) == len(want)
    pd.testing.assert_series_equal(back["weight"], want["weight"], check_exact=True)
    assert back["weight"].notna().sum() == book.result.design.n
    for col in ["response_id", "tevredenheid", "aanmelden", "design_weight"]:  # numbers
        assert back[col].astype(float).equals(want[col].astype(float)), col
    for col in ["status", "mode", "university", "kende_papier"]:  # text and codes
        left = back[col].astype(object).where(back[col].notna(), None).tolist()
        right = want[col].astype(object).where(want[col].notna(), None).tolist()
        assert left == right, col
    codebook = pd.read_csv(written[1], sep=";", decimal=",", encoding="utf-8-sig")
    assert set(want.columns) <= set(codebook["column"])


def test_csv_zip_holds_both_files(book):
    with zipfile.ZipFile(io.BytesIO(excel.csv_zip_bytes(book, prefix="x/"))) as z:
        assert z.namelist() == ["x/data.csv", "x/codeboek.csv"]


def test_cli_writes_the_workbook_of_the_latest_closed_wave(
    export_db, latest_wave, tmp_path, capsys
):
    out = tmp_path / "meting.xlsx"
    code = main(
        [
            "export",
            "--database",
            export_db,
            "--wave",
            "latest",
            "--out",
            str(out),
            "--csv-dir",
            str(tmp_path / "csv"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert latest_wave["name"] in printed and str(out) in printed
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == list(excel.SHEETS)
    first = next(wb["Leesmij"].iter_rows(min_row=4, max_row=4, values_only=True))
    assert latest_wave["name"] in first[1]
    assert (tmp_path / "csv" / "data.csv").exists() and (tmp_path / "csv" / "codeboek.csv").exists()
    assert not list(tmp_path.glob(".ktm-*"))  # no temporary file left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--wave", "999", "--out", "{tmp}/a.xlsx"], "bestaat niet"),
        (["--wave", "latest", "--out", "{tmp}/a.csv"], ".xlsx"),
        (["--wave", "latest", "--out", "{tmp}/nope/a.xlsx"], "map bestaat niet"),
        (["--wave", "whenever", "--out", "{tmp}/a.xlsx"], "--wave"),
    ],
)
def test_cli_user_errors_exit_2_without_a_file(export_db, tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["export", "--database", export_db, *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("*.xlsx"))


# --- accountability, pure -------------------------------------------------------------------


def _rows(**kw):
    return {r["number"]: r for r in accountability.answer_rows(**kw)}


def test_missing_facts_say_so_and_nothing_is_empty():
    rows = _rows(wave={"name": "W", "status": "draft"})
    assert [n for n, *_ in accountability.QUESTIONS] == list(rows)
    for r in rows.values():
        assert r["answer_nl"].strip() and r["answer_en"].strip() and r["source"]
    assert rows["2"]["answer_nl"] == "Niet vastgelegd in het meetinstrument."
    assert rows["4d"]["answer_nl"].startswith("Nee")
    assert rows["8a"]["answer_nl"].startswith("Er is geen voorlaatste")
    assert rows["9"]["answer_en"].startswith("No improvement actions")


def test_answers_from_plain_figures_comparison_and_actions():
    wave = {
        "name": "Meting 2025",
        "status": "closed",
        "fieldwork_start": "2025-11-03",
        "fieldwork_end": "2026-01-30",
        "min_response_rate": 0.3,
        "design_type": "stratified",
        "execution": "outsourced",
        "cost_eur": 12500.5,
        "other_methods": {
            "methods": [{"nl": "Klachten", "en": "Complaints"}],
            "complaints": {"2023": 127},
        },
    }
    figures = {
        "counts": {"complete": 110, "complete_invited": 100, "complete_open": 10},
        "weighted": True,
        "scores": {
            "overall_0_100": {
                "kind": "overall_0_100",
                "estimate": 71.25,
                "ci_low": 69.0,
                "ci_high": 73.5,
                "n": 100,
            },
            "umux_lite": {
                "kind": "umux_lite",
                "estimate": 64.0,
                "ci_low": 60.0,
                "ci_high": 68.0,
                "n": 100,
                "label_nl": "UMUX-Lite",
                "label_en": "UMUX-Lite",
            },
        },
        "response": {"rate": 0.25, "meets_rate": False},
        "strata_response": [{"stratum": "huisarts", "meets": False}],
        "improvement_points": [
            {
                "rank": 1,
                "label_nl": "Doorlooptijd",
                "label_en": "Processing time",
                "is_priority": True,
                "evidence_nl": "e",
                "evidence_en": "e",
            }
        ],
    }
    comparison = {
        "prev_name": "Meting 2024",
        "prev_fieldwork_start": "2024-11-04",
        "prev_fieldwork_end": "2025-01-31",
        "prev_estimate": 66.0,
        "prev_se": 1.0,
        "prev_n": 90,
        "last_estimate": 71.25,
        "difference": 5.25,
        "ci_low": 2.0,
        "ci_high": 8.5,
        "p": 0.001,
        "change": "improvement",
        "change_nl": "significante verbetering",
        "change_en": "significant improvement",
    }
    actions = [
        {
            "improvement_point": "doorlooptijd",
            "description": "Sneller",
            "owner": "Team",
            "status": "done",
            "due_date": "2026-03-01",
            "public_text_nl": "We antwoorden binnen 10 dagen",
            "public_text_en": "We answer within 10 days",
        },
        {"improvement_point": "opvolging", "description": "Statuspagina", "status": "planned"},
    ]
    rows = _rows(wave=wave, figures=figures, comparison=comparison, actions=actions)
    assert (
        rows["1"]["answer_nl"]
        == "De laatste meting, 'Meting 2025', liep van 3 november 2025 tot 30 januari 2026."
    )
    assert "71,3 op 100 (95%-BI 69,0 – 73,5; n = 100)" in rows["7a"]["answer_nl"]
    assert "71.3 out of 100" in rows["7a"]["answer_en"]
    assert "Doorlooptijd" in rows["7b"]["answer_nl"]
    assert "UMUX-Lite: 64,0" in rows["7c"]["answer_nl"]
    assert (
        "Behaald: 25,0% (niet gehaald)" in rows["4d"]["answer_nl"]
        and "Huisarts in opleiding" in rows["4d"]["answer_nl"]
    )
    assert rows["6a"]["answer_nl"] == "€ 12.500,50 voor deze meting."
    assert "4 november 2024 tot 31 januari 2025" in rows["8a"]["answer_nl"]
    assert "66,0 op 100" in rows["8a"]["answer_nl"]
    assert (
        "+5,3 punten" in rows["8b"]["answer_nl"] and "positieve evolutie" in rows["8b"]["answer_nl"]
    )
    assert "2 verbeteracties" in rows["9"]["answer_nl"] and "1 afgerond" in rows["9"]["answer_nl"]
    assert "We antwoorden binnen 10 dagen" in rows["9a"]["answer_nl"]
    assert "We answer within 10 days" in rows["9a"]["answer_en"]
    assert "127 (2023)" in rows["3"]["answer_nl"]
    assert "10 via de open link" in rows["4b"]["answer_nl"]


def test_comparison_of_picks_the_kind_and_the_previous_wave():
    trend = pd.DataFrame(
        [
            {"kind": "overall", "prev_estimate": 6.6},
            {"kind": "overall_0_100", "prev_estimate": 66.0},
        ]
    )
    c = accountability.comparison_of({"name": "Vorige", "fieldwork_start": None}, trend)
    assert c["prev_estimate"] == 66.0 and c["prev_name"] == "Vorige"
    assert accountability.comparison_of(None, trend) is None
