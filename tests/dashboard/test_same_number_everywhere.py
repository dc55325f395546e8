"""One value reads the same in every output a person reads: the wave's overall score (0-100)
on the Overzicht page, in the Verantwoording (page Methodologie and the workbook's sheet), and
in the workbook's Resultaten cell; the end of its fieldwork on the page, in the Verantwoording,
the workbook's Leesmij, the invitation e-mail and the mail-merge file. All written through
report.format, in Dutch and in English."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pandas as pd

from report import format as fmt
from tests.dashboard.conftest import texts


def _wave_and_workbook(url: str):
    from ktm.services.export import workbook_input
    from report.excel import workbook_bytes
    from store.db import get_engine
    from store.waves import list_waves

    engine = get_engine(url)
    with engine.connect() as conn:
        wave = list_waves(conn)[-1]  # the wave the dashboard opens on
    book = workbook_input(engine, wave["id"], exported_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    return wave, openpyxl.load_workbook(io.BytesIO(workbook_bytes(book)))


def _overall_cell(wb):
    ws = wb["Resultaten"]
    header = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(header)}
    for row in ws.iter_rows(min_row=2):
        v = {h: row[i] for h, i in col.items() if h is not None}
        if (
            v["Soort (code) / Kind (code)"].value == "overall_0_100"
            and v["Uitsplitsing (code) / Breakdown (code)"].value is None
            and str(v["Respondenten / Respondents"].value).startswith("steekproef")
        ):
            return v["Schatting / Estimate"]
    raise AssertionError("no overall_0_100 total row")


def _decimals(number_format: str) -> int:
    m = re.fullmatch(r"0(?:\.(0+))?%?", number_format)
    assert m, number_format
    return len(m.group(1) or "")


def test_the_overall_score_reads_the_same_on_the_page_in_the_answers_and_the_workbook(
    team_app, shared_demo_url
):
    wave, wb = _wave_and_workbook(shared_demo_url)
    cell = _overall_cell(wb)
    value = float(cell.value)
    # The workbook cell holds the full value with the pages' number of decimals.
    assert _decimals(cell.number_format) == fmt.SCORE_DECIMALS
    nl, en = (
        fmt.number(value, fmt.SCORE_DECIMALS, "nl"),
        fmt.number(value, fmt.SCORE_DECIMALS, "en"),
    )
    assert nl != en  # decimal comma against decimal point: the check below can tell them apart

    at = team_app
    score = [m for m in at.metric if m.label == "Score op 100 (gewogen)"]
    assert score and score[0].value == nl

    answer_7a = [r for r in wb["Verantwoording"].iter_rows(values_only=True) if r[0] == "7a"][0]
    assert f"{nl} op 100" in answer_7a[2] and f"{en} out of 100" in answer_7a[4]

    at.switch_page("views/methodology.py").run()
    assert not at.exception
    assert f"{nl} op 100" in "\n".join(m.value for m in at.markdown)  # answer 7a, as on the sheet


def test_the_fieldwork_end_reads_the_same_on_the_page_in_the_answers_workbook_and_e_mails(
    team_app, shared_demo_url
):
    from sampling.invitations import mail_merge_rows
    from sampling.mailer import invitation_message

    wave, wb = _wave_and_workbook(shared_demo_url)
    end = wave["fieldwork_end"]
    nl, en = fmt.date(end, "nl"), fmt.date(end, "en")
    assert nl != en

    assert f"tot {nl}" in texts(team_app)  # Overzicht: "Veldwerk: ... tot <end>"
    leesmij = " ".join(str(v) for r in wb["Leesmij"].iter_rows(values_only=True) for v in r if v)
    assert nl in leesmij and en in leesmij
    answer_1 = [r for r in wb["Verantwoording"].iter_rows(values_only=True) if r[0] == "1"][0]
    assert nl in answer_1[2] and en in answer_1[4]

    from report.organisation import Organisation

    mail = invitation_message(
        "A1", "a@example.org", "t" * 43, "https://x.example", end,
        names=Organisation().names(), dates=fmt.date,
    )  # fmt: skip
    assert f"tot en met {nl}" in mail.text or nl in mail.text
    assert en in mail.text
    invites = pd.DataFrame(
        {"unit_id": ["A1", "A2"], "email": ["a@x.be", "b@x.be"], "token": ["t" * 43, "u" * 43],
         "language": ["nl", "en"]}
    )  # fmt: skip
    merge = mail_merge_rows(invites, "https://x.example", end, dates=fmt.date)
    assert list(merge["deadline"]) == [nl, en]


def test_a_half_rounds_the_same_way_in_every_writer():
    # 71.25 is a tie: Python's float formatting gives 71.2, a reader (and Excel) 71.3.
    from report import accountability

    assert fmt.number(71.25) == "71,3" and fmt.number(71.25, 1, "en") == "71.3"
    rows = accountability.answer_rows(
        {"name": "W", "status": "closed"},
        {"scores": {"overall_0_100": {"kind": "overall_0_100", "estimate": 71.25, "n": 9}}},
        None,
        (),
        None,
    )
    a7 = next(r for r in rows if r["number"] == "7a")
    assert "71,3 op 100" in a7["answer_nl"] and "71.3 out of 100" in a7["answer_en"]


def test_a_waves_interval_reads_the_same_in_its_own_answers_and_in_the_next_waves_trend(
    shared_demo_url,
):
    """QA finding 25: one wave, one 95% interval. The previous wave's overall score with its
    interval in its own answer 7a (as on its Overzicht: t on the design df) is the same text in
    answer 8a and on the Trend sheet of the next wave's workbook."""
    from ktm.services.export import workbook_input
    from report.excel import workbook_bytes
    from store.db import get_engine
    from store.waves import list_waves

    engine = get_engine(shared_demo_url)
    with engine.connect() as conn:
        waves = [w for w in list_waves(conn) if w["status"] != "draft"]
    assert len(waves) >= 2
    at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    prev_book = workbook_input(engine, waves[-2]["id"], exported_at=at)
    last_book = workbook_input(engine, waves[-1]["id"], exported_at=at)
    assert last_book.previous_wave["id"] == waves[-2]["id"]

    def answer(book, q):
        wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(book)))
        return [r for r in wb["Verantwoording"].iter_rows(values_only=True) if r[0] == q][0], wb

    own, own_wb = answer(prev_book, "7a")
    trend, wb = answer(last_book, "8a")
    for lang, col in (("nl", 2), ("en", 4)):
        m = re.search(r"(\d+[,.]\d) (?:op|out of) 100 \((95%-BI|95% CI) [^)]*\)", own[col])
        assert m, own[col]
        assert m.group(0).split(" (")[1] in trend[col], (lang, own[col], trend[col])
    # the Trend sheet holds the same interval (the full value behind the text)
    ws = wb["Trend"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r], strict=False)) for r in ws.iter_rows(min_row=2)]
    overall = next(r for r in rows if r.get("Soort (code) / Kind (code)") == "overall_0_100")
    low = fmt.number(overall["95%-BI vorige onder / CI previous low"], 1, "nl")
    assert f"95%-BI {low}" in own[2]
    # to the full value: the previous wave's own Resultaten row (its score table)
    res = own_wb["Resultaten"]
    rhead = [c.value for c in res[1]]
    cell = _overall_cell(own_wb)
    own_row = {h: c.value for h, c in zip(rhead, res[cell.row], strict=False)}
    assert overall["95%-BI vorige onder / CI previous low"] == own_row["95%-BI onder / CI low"]
    assert overall["95%-BI vorige boven / CI previous high"] == own_row["95%-BI boven / CI high"]
