"""SPSS, Stata, Parquet, CSV and Word exports of the demo's last closed wave, each read back with
the format's own reader (pyreadstat, pyarrow, python-docx), and the R design script run in R."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile

import numpy as np
import pandas as pd
import pytest

from ktm.cli import main
from report import excel, exports
from vocabulary import neutralise


@pytest.fixture(scope="session")
def stats_files(export_engine, latest_wave):
    from ktm.services.export import stats_export

    return {
        fmt: stats_export(export_engine, latest_wave["id"], fmt, "nl").files
        for fmt in ("sav", "dta", "parquet", "csv")
    }


@pytest.fixture(scope="session")
def raw_answers(export_engine, latest_wave) -> dict[int, dict]:
    """The answers as the store holds them, read straight from the table."""
    with export_engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, answers FROM responses WHERE wave_id = ?", (latest_wave["id"],)
        ).all()
    return {rid: json.loads(a) if isinstance(a, str) else a for rid, a in rows}


def _nvt_ids(raw_answers, column: str) -> set[int]:
    return {rid for rid, a in raw_answers.items() if column in a and a[column] is None}


def _write(tmp_path, files, name):
    path = tmp_path / name
    path.write_bytes(files[name])
    return path


def _read_back(tmp_path, files, name, **options):
    """An exported data.sav or data.dta read back by pyreadstat: (data frame, metadata)."""
    import pyreadstat

    read = pyreadstat.read_sav if name.endswith(".sav") else pyreadstat.read_dta
    return read(str(_write(tmp_path, files, name)), **options)


def _flagged_nvt(df, raw_answers, code) -> set[int]:
    """The responses whose aanmelden carries the n.v.t. code, checked against the store."""
    flagged = set(df.loc[df["aanmelden"] == code, "response_id"].astype(int))
    nvt = _nvt_ids(raw_answers, "aanmelden")
    assert nvt, "the demo wave has n.v.t. answers to aanmelden"
    assert flagged == nvt
    return flagged


def test_sav_has_labels_missing_codes_and_weights(stats_files, book, raw_answers, tmp_path):
    df, meta = _read_back(tmp_path, stats_files["sav"], "data.sav", user_missing=True)
    want = excel.data_table(book.result)
    assert len(df) == len(want)
    # Variable labels: the question text; names SPSS accepts.
    question = {c.name: c for c in book.columns}["tevredenheid"].label["nl"]
    assert meta.column_names_to_labels["tevredenheid"] == question
    assert "procedures_stageplan" in df.columns and "procedures/stageplan" not in df.columns
    assert meta.column_names_to_labels["weight"] == excel.DATA_META["weight"][0]
    # Value labels from the choices; the n.v.t. code declared missing and labelled.
    assert meta.variable_value_labels["aanmelden"][5] == "Zeer tevreden"
    assert meta.variable_value_labels["aanmelden"][exports.NA_VALUE] == exports.NA_TEXT["nl"]
    assert meta.missing_ranges["aanmelden"] == [
        {"lo": float(exports.NA_VALUE), "hi": float(exports.NA_VALUE)}
    ]
    _flagged_nvt(df, raw_answers, exports.NA_VALUE)
    # Not answered stays system-missing, apart from n.v.t.
    unanswered = {rid for rid, a in raw_answers.items() if "aanmelden" not in a}
    assert set(df.loc[df["aanmelden"].isna(), "response_id"].astype(int)) == unanswered
    # The answers themselves, and both weights, equal the Data sheet's.
    merged = df.set_index("response_id").loc[want["response_id"]]
    answered = want["aanmelden"].notna().to_numpy()
    np.testing.assert_array_equal(
        merged["aanmelden"].to_numpy()[answered], want["aanmelden"].to_numpy(float)[answered]
    )
    for col in ("weight", "design_weight"):
        np.testing.assert_array_equal(merged[col].to_numpy(), want[col].to_numpy(float))
    # Strata and mode labelled; the labels decode back to the Data sheet's codes.
    mode_labels = meta.variable_value_labels["mode"]
    decoded = merged["mode"].map(mode_labels)
    expected = want["mode"].map(lambda m: exports.MODE_LABELS[m]["nl"])
    assert decoded.tolist() == expected.tolist()
    from survey.schema import PROFESSIONS

    prof = merged["profession"].map(meta.variable_value_labels["profession"])
    assert prof.tolist() == [PROFESSIONS[code]["nl"] for code in want["profession"]]
    # The design: N_h per stratum, the nonresponse weight for the sampled completes only.
    pop = book.result.inputs.population
    assert (merged["N_h"] == want["stratum"].map(pop).to_numpy(float)).all()
    assert merged["weight_nr"].notna().sum() == book.result.design.n
    assert meta.file_label.endswith("vertrouwelijk, intern gebruik")


def test_dta_has_extended_missing_and_labels(stats_files, raw_answers, tmp_path):
    df, meta = _read_back(tmp_path, stats_files["dta"], "data.dta", user_missing=True)
    assert meta.missing_user_values["aanmelden"] == ["a"]
    assert meta.variable_value_labels["aanmelden"]["a"] == exports.NA_TEXT["nl"]
    _flagged_nvt(df, raw_answers, "a")
    assert meta.variable_value_labels["mode"][1] == exports.MODE_LABELS["invited"]["nl"]
    assert all(len(c) <= 32 for c in df.columns)


def test_english_labels(export_engine, latest_wave, tmp_path):
    from ktm.services.export import stats_export

    files = stats_export(export_engine, latest_wave["id"], "sav", "en").files
    _, meta = _read_back(tmp_path, files, "data.sav", metadataonly=True)
    assert meta.variable_value_labels["aanmelden"][5] == "Very satisfied"
    assert meta.column_names_to_labels["weight"] == excel.DATA_META["weight"][1]


def test_parquet_and_csv_carry_the_codebook(stats_files, book, tmp_path):
    import pyarrow.parquet as pq

    path = _write(tmp_path, stats_files["parquet"], "data.parquet")
    table = pq.read_table(str(path))
    field = table.schema.field("aanmelden")
    question = {c.name: c for c in book.columns}["aanmelden"].label["nl"]
    assert field.metadata[b"label"].decode() == question
    labels = json.loads(field.metadata[b"value_labels"].decode())
    assert labels["5"] == "Zeer tevreden"
    want = excel.data_table(book.result)
    back = table.to_pandas()
    np.testing.assert_array_equal(back["weight"].to_numpy(), want["weight"].to_numpy(float))
    codebook = pd.read_csv(
        io.BytesIO(stats_files["parquet"]["codeboek.csv"]), sep=";", encoding="utf-8-sig"
    )
    assert set(back.columns) == set(codebook["variable"])
    row = codebook.set_index("variable").loc["procedures_stageplan"]
    assert row["column"] == "procedures/stageplan"
    csv_back = pd.read_csv(io.BytesIO(stats_files["csv"]["data.csv"]), sep=";", decimal=",")
    assert list(csv_back.columns) == list(back.columns)


def test_cli_writes_folder_and_zip(export_db, tmp_path, capsys):
    def export(fmt: str, out: str) -> int:
        args = ["--database", export_db, "export", "--wave", "latest", "--format", fmt]
        return main([*args, "--out", str(tmp_path / out)])

    assert export("sav", "spss") == 0
    assert sorted(p.name for p in (tmp_path / "spss").iterdir()) == [
        "codeboek.csv",
        "data.sav",
        "ontwerp.R",
        "ontwerp.sps",
    ]
    assert export("dta", "stata.zip") == 0
    with zipfile.ZipFile(tmp_path / "stata.zip") as z:
        assert "data.dta" in z.namelist()
    assert export("sav", "x.xlsx") == 2
    assert "map of een .zip" in capsys.readouterr().err


def _r_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(  # noqa: S603
        ["Rscript", "-e", "library(survey); library(haven)"],  # noqa: S607
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _r_available(), reason="R with the survey and haven packages is missing")
@pytest.mark.parametrize("fmt", ["sav", "dta", "csv"])
def test_r_script_reproduces_the_overall_score(stats_files, book, tmp_path, fmt):
    for name, data in stats_files[fmt].items():
        (tmp_path / name).write_bytes(data)
    out = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "Rscript",
            "-e",
            'suppressMessages(source("ontwerp.R")); r <- svymean(~tevredenheid, des, na.rm = TRUE);'
            ' cat(sprintf("%.15g %.15g", coef(r), SE(r)))',
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    est, se = map(float, out.stdout.split())
    scores = book.result.scores
    row = scores[(scores["kind"] == "overall") & scores["group_var"].isna()].iloc[0]
    assert est == pytest.approx(row["estimate"], abs=1e-8)
    assert se == pytest.approx(row["se"], abs=1e-8)


def test_docx_answers_equal_the_verantwoording_sheet(export_engine, latest_wave, wb, book):
    from ktm.services.export import answer_docx
    from report.docx import answer_texts

    document = answer_docx(export_engine, latest_wave["id"], "nl")
    paragraphs = answer_texts(document)
    sheet = wb["Verantwoording"]
    header_row = next(
        r for r in range(1, 10) if sheet.cell(r, 1).value == excel.VERANTWOORDING_HEADERS["number"]
    )
    from tests.export.conftest import sheet_records

    rows = sheet_records(sheet, header_row)
    assert len(rows) > 15
    for row in rows:
        number = row[excel.VERANTWOORDING_HEADERS["number"]]
        question = row[excel.VERANTWOORDING_HEADERS["question_nl"]]
        answer = row[excel.VERANTWOORDING_HEADERS["answer_nl"]]
        i = paragraphs.index(f"{number}. {question}")
        # The sheet neutralises text that a spreadsheet would run as a formula ("- ...").
        assert neutralise(paragraphs[i + 1]) == answer, number
    # The annex: the overall score and its interval as on the Resultaten sheet.
    from docx import Document

    table = Document(io.BytesIO(document)).tables[0]
    current = [c.text for c in table.rows[-2].cells]
    scores = book.result.scores
    head = scores[(scores["kind"] == "overall_0_100") & scores["group_var"].isna()].iloc[0]
    assert current[1] == f"{head['estimate']:.1f}".replace(".", ",")
    low, high = (f"{head[k]:.1f}".replace(".", ",") for k in ("ci_low", "ci_high"))
    assert current[2] == f"{low} tot {high}"
    assert Document(io.BytesIO(document)).inline_shapes, "the trend chart is in the document"


def test_docx_in_english(export_engine, latest_wave):
    from ktm.services.export import answer_docx
    from report.docx import answer_texts

    paragraphs = answer_texts(answer_docx(export_engine, latest_wave["id"], "en"))
    assert paragraphs[0].startswith("Written question no. 192")
    assert any(p.startswith("7a. ") for p in paragraphs)


def test_the_publication_profile_holds_in_every_format(export_engine, latest_wave, tmp_path):
    """SPSS and Parquet of the publication profile carry exactly the publication Data sheet:
    no response number, stratum or weights, the quasi-identifiers coarsened; no design files."""
    import pyarrow.parquet as pq

    from ktm.services.export import stats_export, workbook_input

    book = workbook_input(export_engine, latest_wave["id"], profile="publication")
    want = excel.profile_data_table(book)
    assert "weight" not in want.columns and "response_id" not in want.columns
    files = stats_export(export_engine, latest_wave["id"], "sav", "nl", "publication").files
    assert sorted(files) == ["codeboek.csv", "data.sav"]
    df, meta = _read_back(tmp_path, files, "data.sav")
    names = exports.safe_names(list(want.columns))
    assert list(df.columns) == [names[c] for c in want.columns]
    assert len(df) == len(want)
    assert meta.file_label.endswith("publicatieprofiel")
    # The coarsened professions read back as the publication sheet's, through their labels.
    back = df["profession"].map(meta.variable_value_labels["profession"])
    from survey.schema import PROFESSIONS

    expected = [PROFESSIONS.get(v, {}).get("nl", v) for v in want["profession"]]
    assert back.tolist() == expected
    parquet = stats_export(export_engine, latest_wave["id"], "parquet", "nl", "publication")
    table = pq.read_table(str(_write(tmp_path, parquet.files, "data.parquet")))
    assert table.num_rows == len(want) and "weight" not in table.column_names
