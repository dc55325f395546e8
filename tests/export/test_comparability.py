"""Comparability between waves: a score is compared only when its question has the same
wording (per language) and scale in both questionnaire versions. The review's case: the
overall question reworded in version 2025.2, and the trend read "significant improvement"
without a word about it. Trend table, Excel Trend sheet, question 8, Overzicht and Trend page."""

from __future__ import annotations

import copy
import datetime as dt
import io
import math

import openpyxl
import pandas as pd
import pytest

from analysis.trend import comparability
from ktm.services import export as export_svc
from ktm.services import response_files as rf
from ktm.services import results
from report.comparability import not_compared
from store.db import get_engine, transaction
from store.waves import create_wave, save_questionnaire_version
from survey.schema import Questionnaire
from tests.store.test_response_import import Q, _form, _xlsx

REWORDED = "Welk rapportcijfer geeft u het e-loket globaal?"


def _reworded(version: str = "2025.2", **changes) -> Questionnaire:
    d = copy.deepcopy(Q.to_dict())
    d["version"] = version
    for section in d["sections"]:
        for item in section["items"]:
            if item["id"] == "tevredenheid":
                item["label"]["nl"] = REWORDED
            if item["id"] in changes:
                item.update(changes[item["id"]])
    return Questionnaire.from_dict(d)


def test_comparability_codes_per_score():
    same = comparability(Q.columns(), Q.columns())
    assert same["comparable"].all() and same["not_compared"].isna().all()

    out = comparability(Q.columns(), _reworded().columns()).set_index("score_id")
    for score in ("overall_0_100:tevredenheid", "overall:tevredenheid", "top2:tevredenheid"):
        assert out.loc[score, "not_compared"] == "wording"
        assert out.loc[score, "changed_items"] == "tevredenheid"
        assert out.loc[score, "changed_languages"] == "nl"
    hulp_dim = next(c.dimension for c in Q.columns() if c.name == "hulp")
    assert out.loc["item:hulp", "comparable"] and out.loc[f"dimension:{hulp_dim}", "comparable"]

    # A 5-point item turned into a 0-10 rating is a change of scale; a dimension that gained
    # an item is a different set of questions.
    d = copy.deepcopy(Q.to_dict())
    for section in d["sections"]:
        for item in section["items"]:
            if item["id"] == "aanmelden":
                item.pop("scale", None)
                item["type"] = "rating10"
        for it in list(section["items"]):
            if it["id"] == "hulp":  # a second question in the dimension of hulp
                section["items"].append({**copy.deepcopy(it), "id": "hulp_telefoon"})
    changed = comparability(Q.columns(), Questionnaire.from_dict(d).columns())
    changed = changed.set_index("score_id")
    assert changed.loc["item:aanmelden", "not_compared"] == "scale"
    assert changed.loc[f"dimension:{hulp_dim}", "not_compared"] == "items"
    assert changed.loc[f"dimension:{hulp_dim}", "changed_items"] == "hulp_telefoon"
    assert changed.loc["item:hulp", "comparable"]
    assert not_compared(changed.loc["item:aanmelden"].to_dict(), "en") == (
        "answer scale changed: not compared"
    )


def _store_version(conn, q: Questionnaire) -> str:
    return save_questionnaire_version(
        conn, hash=q.hash, questionnaire_id=q.id, version=str(q.version), definition=q.to_dict()
    )


@pytest.fixture
def two_waves(db_url):
    """Wave 1 (v2025.1, closed) with low overall scores, wave 2 (v2025.2: the overall
    question reworded) with high ones: crude comparison would say "significant improvement"."""
    engine = get_engine(db_url)
    new = _reworded()
    with transaction(engine) as conn:
        h1, h2 = _store_version(conn, Q), _store_version(conn, new)
        w1 = create_wave(
            conn, "Meting 2022-2023", status="open", questionnaire_hash=h1,
            fieldwork_start=dt.date(2022, 10, 1), fieldwork_end=dt.date(2023, 3, 31),
        )  # fmt: skip
        w2 = create_wave(
            conn, "Meting 2024-2025", status="open", questionnaire_hash=h2,
            fieldwork_start=dt.date(2024, 10, 1), fieldwork_end=dt.date(2025, 3, 31),
        )  # fmt: skip
    low = [_form(i, tevredenheid=3 + i % 3, hulp=2) for i in range(40)]
    high = [_form(i, tevredenheid=8 + i % 3, hulp=4) for i in range(40)]
    rf.import_responses(engine, w1, _xlsx(low), filename="w1.xlsx")
    rf.import_responses(engine, w2, _xlsx(high), filename="w2.xlsx")
    from store.waves import update_wave

    with transaction(engine) as conn:
        update_wave(conn, w1, status="closed")
    return engine, w1, w2


def test_the_reworded_overall_question_is_not_compared(two_waves):
    engine, w1, w2 = two_waves
    prev, _pr, table = results.trend(engine, w2)
    assert prev["id"] == w1
    t = table.set_index("score_id")
    overall = t.loc["overall_0_100:tevredenheid"]
    assert not overall["comparable"] and overall["not_compared"] == "wording"
    assert overall["changed_in"] == "2025.2"
    # Each wave keeps its own figure; no difference, no test, no "significant improvement".
    assert overall["prev_estimate"] < 50 < overall["last_estimate"]
    assert math.isnan(overall["difference"]) and math.isnan(overall["p"])
    assert pd.isna(overall["change"]) and math.isnan(overall["std_difference"])
    # An item asked the same way is still compared, and its change is significant.
    hulp = t.loc["item:hulp"]
    assert hulp["comparable"] and hulp["change"] == "improvement"
    assert not_compared(overall.to_dict(), "nl") == (
        "vraagtekst gewijzigd in versie 2025.2 (de Nederlandse tekst): niet vergeleken"
    )
    assert not_compared(overall.to_dict(), "en") == (
        "wording changed in version 2025.2 (the Dutch text): not compared"
    )


def test_excel_trend_sheet_and_question_8_name_it(two_waves):
    engine, _w1, w2 = two_waves
    book = export_svc.workbook_input(engine, w2)
    data = export_svc.excel.workbook_bytes(book)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Trend"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=False)) for r in ws.iter_rows(min_row=2)]
    by_id = {r["Score-id"]: r for r in rows if r.get("Score-id")}
    overall = by_id["overall_0_100:tevredenheid"]
    assert overall["Niet vergeleken"].endswith("niet vergeleken")
    assert overall["Not compared"].startswith("wording changed in version 2025.2")
    assert overall["Verschil / Difference"] in (None, "")
    assert overall["Verandering"] in (None, "")
    assert by_id["item:hulp"]["Verandering"] == "significante verbetering"
    assert by_id["item:hulp"]["Niet vergeleken"] in (None, "")

    ver = wb["Verantwoording"]
    texts = {
        str(r[0].value): " ".join(str(c.value) for c in r[1:] if c.value)
        for r in ver.iter_rows()
        if r[0].value
    }
    q8 = texts["8"]
    assert "niet vergelijkbaar" in q8 and "vraagtekst gewijzigd in versie 2025.2" in q8
    assert "verbetering" not in q8
    assert "not comparable" in q8 and "wording changed in version 2025.2" in q8


def test_overzicht_and_trend_page_say_not_compared(two_waves, monkeypatch, tmp_path, request):
    engine, _w1, w2 = two_waves
    if engine.dialect.name != "sqlite":
        pytest.skip("the pages are the same on both stores; the store part ran above")
    from tests.app.conftest import team_page

    at = team_page(monkeypatch, tmp_path, str(engine.url), "views/overview.py")
    captions = " ".join(c.value for c in at.caption)
    assert (
        "vraagtekst gewijzigd in versie 2025.2 (de Nederlandse tekst): niet vergeleken" in captions
    )
    assert "significante" not in " ".join(m.value for m in at.metric if m.delta)

    at.switch_page("views/trend.py").run()
    assert not at.exception, at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "Niet vergeleken" in warning and "vraagtekst gewijzigd in versie 2025.2" in warning
    shown = next(d.value for d in at.dataframe if "Verandering" in d.value.columns)
    overall = shown[shown["Score"] == "Algemene tevredenheid (0-100)"].iloc[0]
    assert overall["Verandering"].endswith("niet vergeleken")
    assert isinstance(shown, pd.DataFrame)


# --- the trend chart over more than two waves ---------------------------------------------


@pytest.fixture
def three_waves(sqlite_url):
    """Two waves on v2025.1 (closed) and a third on v2025.2, the overall question reworded."""
    from store.waves import update_wave

    engine = get_engine(sqlite_url)
    new = _reworded()
    with transaction(engine) as conn:
        h1, h2 = _store_version(conn, Q), _store_version(conn, new)
        ids = [
            create_wave(
                conn,
                f"Meting {year}-{year + 1}",
                status="open",
                questionnaire_hash=h,
                fieldwork_start=dt.date(year, 10, 1),
                fieldwork_end=dt.date(year + 1, 3, 31),
            )  # fmt: skip
            for year, h in ((2021, h1), (2022, h1), (2024, h2))
        ]
    for n, (w, level) in enumerate(zip(ids, (3, 4, 8), strict=True)):
        forms = [_form(i, tevredenheid=level + i % 3, hulp=2 + n) for i in range(40)]
        rf.import_responses(engine, w, _xlsx(forms), filename=f"w{n}.xlsx")
    with transaction(engine) as conn:
        for w in ids[:2]:
            update_wave(conn, w, status="closed")
    return engine, ids


def _trend_chart(at) -> pd.DataFrame:
    from tests.dashboard.conftest import chart_data

    drawn = next(df for df in chart_data(at) if "wave" in df and "label_text" in df)
    # One block of rows per labelled row: the label sits on the block's first row.
    drawn = drawn.assign(row=drawn["label_text"].ffill().str.replace("\n", " "))
    return drawn


def test_the_trend_chart_breaks_a_reworded_question_into_rows_per_version(
    three_waves, monkeypatch, tmp_path
):
    """The chart never sets the reworded question's figures on one row with the old ones: the
    waves before the change on a row named 'vóór versie 2025.2', the new wave on a row that
    says the wording changed and is not compared; a question asked the same way keeps one row
    with all three waves."""
    engine, (w0, w1, w2) = three_waves
    from tests.app.conftest import team_page

    at = team_page(monkeypatch, tmp_path, str(engine.url), "views/trend.py")
    for kind in ("crude", "std"):
        if kind == "std":
            at.segmented_control(key="trend_kind").set_value("std").run()
            assert not at.exception, at.exception
        drawn = _trend_chart(at)
        by_row = {row: list(part["wave"]) for row, part in drawn.groupby("row", sort=False)}
        old = "Algemene tevredenheid (0-100) (vóór versie 2025.2)"
        new = (
            "Algemene tevredenheid (0-100): vraagtekst gewijzigd in versie 2025.2 "
            "(de Nederlandse tekst): niet vergeleken"
        )
        assert by_row[old] == ["Meting 2021-2022", "Meting 2022-2023"], (kind, by_row)
        assert by_row[new] == ["Meting 2024-2025"], (kind, by_row)
        assert "Algemene tevredenheid (0-100)" not in by_row
        # Each row carries its own figures: the new question's dot is on its row only.
        if kind == "crude":  # (paper forms carry no frame profile: nothing standardized)
            old_rows = drawn[drawn["row"] == old]
            assert old_rows["est"].notna().all() and (old_rows["est"] < 60).all()
            assert (drawn.loc[drawn["row"] == new, "est"] > 60).all()
            assert list(old_rows["value_text"].dropna()) == ["49,8"]  # its own last wave
        # A question asked the same way in every version: one row, three waves.
        unchanged = [r for r, waves in by_row.items() if len(waves) == 3]
        assert unchanged, by_row
        captions = " ".join(c.value for c in at.caption)
        assert "staat per versie op een eigen rij" in captions


def test_trend_series_segments_follow_the_questionnaire_versions(three_waves, monkeypatch):
    """The shell's series: the reworded score starts a new segment at the third wave with the
    verdict and the version; the demo flag keeps demo waves out of a real wave's series."""
    engine, (w0, w1, w2) = three_waves
    from ktm import dashboard

    monkeypatch.setenv("KTM_DATABASE_URL", str(engine.url))
    url = str(engine.url)
    series = dashboard.trend_series(url, w2, dashboard.fingerprint(url, w2))
    overall = series[series["score_id"] == "overall_0_100:tevredenheid"].set_index("wave_id")
    assert list(overall["segment"]) == [0, 0, 1]
    assert list(overall["comparable"]) == [True, True, False]
    assert overall.loc[w2, "not_compared"] == "wording"
    assert overall.loc[w2, "changed_in"] == "2025.2"
    assert overall.loc[w2, "changed_items"] == "tevredenheid"
    same = series[series["score_id"] != "overall_0_100:tevredenheid"]
    assert (same["segment"] == 0).all() and same["comparable"].all()
    assert sorted(set(series["wave_id"])) == [w0, w1, w2]

    # A demo wave left beside the team's own (closed, same questionnaire, in between) is
    # never part of a real wave's trend.
    from store.waves import update_wave

    with transaction(engine) as conn:
        demo = create_wave(
            conn, "Demo 2023-2024", status="open", demo=True,
            questionnaire_hash=_store_version(conn, Q),
            fieldwork_start=dt.date(2023, 10, 1), fieldwork_end=dt.date(2024, 3, 31),
        )  # fmt: skip
    forms = [_form(i, tevredenheid=9, hulp=5) for i in range(40)]
    rf.import_responses(engine, demo, _xlsx(forms), filename="demo.xlsx")
    with transaction(engine) as conn:
        update_wave(conn, demo, status="closed")
    from ktm import webapp

    webapp.list_waves.clear()  # the pages' wave list lives 5 s
    series = dashboard.trend_series(url, w2, dashboard.fingerprint(url, w2))
    assert sorted(set(series["wave_id"])) == [w0, w1, w2]
    demo_series = dashboard.trend_series(url, demo, dashboard.fingerprint(url, demo))
    assert set(demo_series["wave_id"]) == {demo}
