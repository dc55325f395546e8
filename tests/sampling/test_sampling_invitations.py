"""Tokens, links, the mail-merge files, dispositions and reminders."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.response import AAPOR_CODES
from report import format as fmt
from sampling import (
    AAPOR_CODE,
    DISPOSITIONS,
    EVENTS,
    aapor_code,
    advance,
    can_respond,
    hash_token,
    issue_tokens,
    mail_merge_rows,
    neutralise,
    new_token,
    personal_link,
    reminder_targets,
    token_shape_ok,
    tokens_equal,
    write_csv,
    write_mail_merge,
    write_xlsx,
)
from sampling.invitations import _LEVEL

# --------------------------------------------------------------------------- tokens


def test_tokens_are_long_random_and_unique():
    tokens = [new_token() for _ in range(20000)]
    assert len(set(tokens)) == len(tokens)
    for t in tokens[:100]:
        assert len(t) == 43 and token_shape_ok(t)
        raw = base64.urlsafe_b64decode(t + "=")
        assert len(raw) * 8 >= 128


def test_hash_token_known_vectors():
    # FIPS 180-2 example "abc".
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    t = new_token()
    assert hash_token(t) != t and len(hash_token(t)) == 64


def test_tokens_equal_and_shape():
    h = hash_token("x" * 43)
    assert tokens_equal(h, hash_token("x" * 43))
    assert not tokens_equal(h, hash_token("y" * 43))
    assert not tokens_equal(h, "")
    for garbage in [
        None,
        "",
        "abc",
        "x" * 31,
        "x" * 129,
        "a" * 42 + "/",
        "' OR 1=1 --" * 4,
        12345,
        "é" * 43,
    ]:
        assert not token_shape_ok(garbage)


def test_issue_tokens_stores_only_the_hash():
    issued = issue_tokens(["A1", "A2", "A3"])
    assert issued.columns.tolist() == ["unit_id", "token", "token_hash"]
    assert issued["token"].is_unique and issued["token_hash"].is_unique
    for row in issued.itertuples():
        assert row.token_hash == hash_token(row.token)
        assert row.token not in row.token_hash
    with pytest.raises(ValueError, match="unique"):
        issue_tokens(["A1", "A1"])


def test_single_use():
    assert can_respond("invited") and can_respond("partial") and can_respond("opted_out")
    assert not can_respond("complete") and not can_respond("ineligible")


# --------------------------------------------------------------------------- links and mail merge


def test_personal_and_opt_out_links():
    assert personal_link("https://ktm.example.be/", "abc_-1") == "https://ktm.example.be/?t=abc_-1"
    assert (
        personal_link("https://ktm.example.be", "abc", optout=True)
        == "https://ktm.example.be/?t=abc&optout=1"
    )


@pytest.fixture
def invites() -> pd.DataFrame:
    issued = issue_tokens(["A1", "A2", "A3"])
    people = pd.DataFrame(
        {
            "unit_id": ["A1", "A2", "A3"],
            "email": ["an@example.org", "bo@example.org", "cas@example.org"],
            "first_name": ["An", '=HYPERLINK("http://evil","x")', None],
            "last_name": ["Peeters", None, None],
            "language": ["nl", "en", "nl"],
        }
    )
    return people.merge(issued, on="unit_id")


def test_mail_merge_rows(invites):
    rows = mail_merge_rows(invites, "https://ktm.example.be", date(2025, 3, 31), dates=fmt.date)
    assert rows.columns.tolist() == [
        "unit_id",
        "naam",
        "email",
        "persoonlijke_link",
        "afmeldlink",
        "deadline",
        "taal",
    ]
    first = rows.iloc[0]
    token = invites.loc[0, "token"]
    assert first["naam"] == "An Peeters"
    assert first["persoonlijke_link"] == f"https://ktm.example.be/?t={token}"
    assert first["afmeldlink"] == f"https://ktm.example.be/?t={token}&optout=1"
    assert first["deadline"] == "31 maart 2025"
    assert rows.iloc[1]["deadline"] == "31 March 2025" and rows.iloc[1]["taal"] == "en"
    assert rows.iloc[2]["naam"] == ""


def test_neutralise():
    for dangerous in ["=1+1", "+32", "-2", "@SUM(A1)", "\tx", "\rx"]:
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("An") == "An" and neutralise(-2) == -2 and neutralise(None) is None


def test_xlsx_has_no_formula(invites, tmp_path):
    rows = mail_merge_rows(invites, "https://ktm.example.be", "2025-03-31", dates=fmt.date)
    path = write_mail_merge(rows, tmp_path / "mailmerge.xlsx")
    ws = openpyxl.load_workbook(path).active  # not data_only: a formula would show as "=..."
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0] == list(rows.columns)
    assert values[2][1] == '\'=HYPERLINK("http://evil","x")'
    assert all(c.data_type != "f" for r in ws.iter_rows() for c in r)
    assert values[1][3] == rows.iloc[0]["persoonlijke_link"]
    # The in-memory writer gives the same workbook contents.
    buffer = io.BytesIO()
    write_xlsx(rows, buffer)
    again = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [[c.value for c in r] for r in again.iter_rows()] == values


def test_csv_is_neutralised_and_opens_in_excel_nl_be(invites, tmp_path):
    rows = mail_merge_rows(invites, "https://ktm.example.be", "2025-03-31", dates=fmt.date)
    path = write_mail_merge(rows, tmp_path / "mailmerge.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    parsed = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert parsed[0] == list(rows.columns)
    assert parsed[2][1].startswith("'=")
    assert parsed[1][3] == rows.iloc[0]["persoonlijke_link"]
    text = io.StringIO()
    write_csv(rows, text, sep=",")
    assert text.getvalue().splitlines()[0] == ",".join(rows.columns)
    with pytest.raises(ValueError, match="xlsx or .csv"):
        write_mail_merge(rows, tmp_path / "mailmerge.pdf")


# --------------------------------------------------------------------------- dispositions


@pytest.mark.parametrize(
    ("current", "event", "expected"),
    [
        ("not_invited", "invite", "invited"),
        ("invited", "bounce", "bounced"),
        ("bounced", "invite", "invited"),  # corrected address
        ("invited", "open", "opened"),
        ("opened", "partial", "partial"),
        ("partial", "complete", "complete"),
        ("opened", "remind", "opened"),  # a reminder does not undo the opening
        ("partial", "bounce", "partial"),  # a bounced reminder does not undo contact
        ("partial", "opt_out", "opted_out"),
        ("opted_out", "partial", "opted_out"),  # no reminders after an opt-out
        ("opted_out", "complete", "complete"),  # a change of mind counts
        ("complete", "opt_out", "complete"),
        ("complete", "bounce", "complete"),
        ("invited", "ineligible", "ineligible"),
        ("ineligible", "complete", "ineligible"),
    ],
)
def test_advance(current, event, expected):
    assert advance(current, event) == expected


@given(st.lists(st.sampled_from(sorted(EVENTS)), max_size=12))
def test_advance_never_moves_backwards(events):
    state = "not_invited"
    for event in events:
        new = advance(state, event)
        assert _LEVEL[new] >= _LEVEL[state]
        if state in ("complete", "ineligible"):
            assert new == state
        state = new


def test_advance_refuses_unknown_values():
    with pytest.raises(ValueError, match="unknown disposition"):
        advance("done", "invite")
    with pytest.raises(ValueError, match="unknown event"):
        advance("invited", "click")


def test_aapor_codes():
    assert set(AAPOR_CODE) == set(DISPOSITIONS)
    assert AAPOR_CODE["complete"] == "I" and AAPOR_CODE["partial"] == "P"
    assert AAPOR_CODE["opted_out"] == "R" and AAPOR_CODE["opened"] == "R"
    assert AAPOR_CODE["bounced"] == "UO" and AAPOR_CODE["invited"] == "UH"
    assert AAPOR_CODE["ineligible"] == "NE"
    assert aapor_code("bounced", eligibility_known=True) == "NC"
    assert aapor_code("invited", eligibility_known=True) == "NC"
    assert aapor_code("complete", eligibility_known=True) == "I"
    assert AAPOR_CODE["not_invited"] is None  # in no denominator
    assert set(AAPOR_CODE.values()) - {None} <= set(AAPOR_CODES)


def test_reminder_targets():
    df = pd.DataFrame(
        {"unit_id": [f"u{i}" for i in range(len(DISPOSITIONS))], "disposition": list(DISPOSITIONS)}
    )
    targets = reminder_targets(df)
    assert sorted(targets["disposition"]) == ["invited", "opened", "partial"]
    with pytest.raises(ValueError, match="unknown disposition"):
        reminder_targets(pd.DataFrame({"disposition": ["sent"]}))
    with pytest.raises(ValueError, match="lacks the column"):
        reminder_targets(pd.DataFrame({"status": ["invited"]}))


def test_xlsx_writer_handles_missing_values_numbers_and_control_characters(tmp_path):
    df = pd.DataFrame(
        {"a": ["x\x07y", "z"], "b": [1.5, float("nan")], "c": pd.array([3, None], dtype="Int64")}
    )
    write_xlsx(df, tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["a", "b", "c"],
        ["xy", 1.5, 3],
        ["z", None, None],
    ]
    assert ws.freeze_panes == "A2"
